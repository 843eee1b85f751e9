"""fast-weights-key-value: the paper's parking lot (its stream, the forward-in-time gradient, the
criterion), the key-value episodes and their hand-written backward pass, and the verdict rule."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients

fw = load_module(ROOT / "fast-weights-key-value" / "fast_weights_key_value.py")


# ----------------------------------------------------------------------------------------
# The paper's experiment: Sec. 3.2
# ----------------------------------------------------------------------------------------


def owner_rows(task, seed, steps, stream=1):
    owners = fw.CarOwners(task, [seed], stream)
    return [owners.step() for _ in range(steps)]


def test_car_owner_follows_the_papers_story():
    task = fw.PAPER_TASK
    rows = owner_rows(task, 3, 40_000)
    x = np.stack([r[0][0] for r in rows])
    q = np.array([r[1][0] for r in rows])
    d = np.stack([r[2][0] for r in rows])
    parked = np.array([r[3][0] for r in rows])
    slot = np.array([r[4][0] for r in rows])
    detectors = x[:, :task.slots]
    parks = detectors.sum(axis=1) > 0
    assert detectors.sum(axis=1).max() == 1                                  # one detector at a time
    assert np.all(detectors[parks].argmax(axis=1) == slot[parks])            # ... the slot he parks in
    assert not np.any(parks & parked)                                        # the parking step is not a parked step
    assert np.all(q[~parked] == 0)                                           # asked only while the car stands
    assert abs(q[parked].mean() - task.query_rate) < 0.02
    np.testing.assert_array_equal(d[q > 0].argmax(axis=1), slot[q > 0])      # target: the current slot
    assert np.all(d[q == 0] == 0)
    assert abs(x[:, task.slots:].mean() - 0.5) < 0.01                        # distractors: random bits
    # zero or more steps of business and of driving, each ending with probability 0.25 per step: mean 3
    cycles = parks.sum()
    assert abs(parked.sum() / cycles - 3.0) < 0.15
    assert abs((~parked & ~parks).sum() / cycles - 3.0) < 0.15
    assert set(np.unique(slot[parks])) == {0, 1, 2}


def test_a_stream_does_not_depend_on_its_length():
    short = owner_rows(fw.PAPER_TASK, 5, 700)
    long = owner_rows(fw.PAPER_TASK, 5, 1300)
    for a, b in zip(short, long):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("bias", [False, True])
def test_forward_sensitivities_match_numerical_gradients(bias):
    task = replace(fw.PAPER_TASK, query_rate=1.0, bias=bias)
    stream = fw.test_stream(task, 40)
    assert stream["q"].sum() > 5
    W = np.random.default_rng(11).uniform(-0.6, 0.6, (task.slots, task.d_in))
    params = {"W_S": W}
    _, grad = fw.stream_error(W, stream, fw.PAPER_LEARNER)
    assert np.abs(grad).max() > 1e-2
    errors = check_gradients(lambda: fw.stream_error(params["W_S"], stream, fw.PAPER_LEARNER)[0], params,
                             {"W_S": grad})
    assert errors["W_S"] < 1e-6, errors
    grad.reshape(-1)[np.argmax(np.abs(grad))] *= 1.01                       # a wrong gradient is caught
    errors = check_gradients(lambda: fw.stream_error(params["W_S"], stream, fw.PAPER_LEARNER)[0], params,
                             {"W_S": grad})
    assert errors["W_S"] > 1e-4


def test_hand_wired_slow_net_solves_the_task():
    """Known answer: detector i sets fast weight i and resets the others; distractors ignored."""
    stream = fw.test_stream(fw.PAPER_TASK, 3000)
    scores = fw.frozen_scores(fw.hand_wired(fw.PAPER_TASK)[None], stream, fw.PAPER_LEARNER)
    assert scores["accuracy"][0] == 1.0 and scores["binding"][0] == 1.0
    weak = fw.frozen_scores(fw.hand_wired(fw.PAPER_TASK, gain=0.2)[None], stream, fw.PAPER_LEARNER)
    assert weak["accuracy"][0] < 0.5                                         # too weak to flip the latch
    # frozen (eta = 0) it meets the paper's criterion as soon as 100 steps have passed
    seeds = [0, 1, 2]
    W0 = np.repeat(fw.hand_wired(fw.PAPER_TASK)[None], 3, axis=0)
    original = fw.initial_slow_weights
    try:
        fw.initial_slow_weights = lambda s, task, learner: W0.copy()
        run = fw.online(seeds, fw.PAPER_TASK, replace(fw.PAPER_LEARNER, eta=0.0), 400)
    finally:
        fw.initial_slow_weights = original
    assert np.all((run["solve_step"] >= 100) & (run["solve_step"] <= 150))
    np.testing.assert_array_equal(run["W"], W0)


def test_online_learning_is_per_seed_and_repeatable():
    together = fw.online([4, 9], fw.PAPER_TASK, fw.PAPER_LEARNER, 3000, checkpoints=[1000])
    alone = fw.online([9], fw.PAPER_TASK, fw.PAPER_LEARNER, 3000, checkpoints=[1000])
    np.testing.assert_allclose(together["W"][1], alone["W"][0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(together["snapshots"][1000][1], alone["snapshots"][1000][0], rtol=0, atol=1e-12)
    again = fw.online([4, 9], fw.PAPER_TASK, fw.PAPER_LEARNER, 3000)
    np.testing.assert_array_equal(together["W"], again["W"])
    assert not np.allclose(together["W"], fw.initial_slow_weights([4, 9], fw.PAPER_TASK, fw.PAPER_LEARNER))


def test_online_step_is_the_gradient_of_the_step_error():
    """The on-line update uses dE(t)/dW from the sensitivities: one step of the batch learner equals
    the stream-error gradient of a one-step stream."""
    task = replace(fw.PAPER_TASK, query_rate=1.0)
    stream = fw.test_stream(task, 30)
    W = np.random.default_rng(2).uniform(-0.5, 0.5, (3, 6))
    total, grad = fw.stream_error(W, stream, fw.PAPER_LEARNER)
    w, p = fw.first_step(W[None], stream["x"][:1])
    summed = np.zeros_like(W)
    for t in range(1, 31):
        E, g, w, p = fw.rtrl_step(W[None], w, p, stream["x"][t:t + 1], stream["q"][t:t + 1],
                                  stream["d"][t:t + 1], fw.PAPER_LEARNER.T)
        summed += g[0]
    np.testing.assert_allclose(summed, grad, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------------------
# The key-value extension
# ----------------------------------------------------------------------------------------


def random_setup(model, seed=0, task=None):
    task = task or fw.Task(n_pairs=4, d_key=4, d_val=3)
    rng = np.random.default_rng(seed)
    params = fw.init_params(rng, task, replace(model, init="random"))
    if "w_beta" in params:
        params["w_beta"] += 0.5 * rng.standard_normal(params["w_beta"].shape)
    return params, fw.episodes(rng, task, 3)


def test_episodes_share_the_bias_direction_and_query_a_stored_key():
    task = fw.Task()
    data = fw.episodes(np.random.default_rng(0), task, 500)
    b = fw.bias_direction(task.d_key)
    assert np.isclose(np.linalg.norm(b), 1.0)
    along = data["keys"] @ b
    assert abs(along.mean() - task.alpha) < 0.02                        # every key carries alpha * b
    residual = data["keys"] - along[..., None] * b
    # the own component is spread * N(0, I / d): norm about 0.4 (about 0.4 sqrt(7/8) off b)
    assert abs(np.linalg.norm(residual, axis=-1).mean() - task.spread * np.sqrt(7 / 8)) < 0.03
    rows = np.arange(500)
    np.testing.assert_array_equal(data["target"], data["values"][rows, data["query"]])
    np.testing.assert_array_equal(data["x_query"][:, :task.d_key], data["keys"][rows, data["query"]])
    assert np.all(data["x_query"][:, task.d_key:] == 0)
    assert set(data["query"].tolist()) == set(range(task.n_pairs))


def test_rebind_episodes_write_the_queried_key_twice():
    task = fw.Task(kind="rebind")
    data = fw.episodes(np.random.default_rng(1), task, 400)
    rows = np.arange(400)
    repeats = [np.flatnonzero(np.all(data["keys"][i] == data["x_query"][i, :task.d_key], axis=1)) for i in rows]
    assert all(len(r) == 2 for r in repeats)
    later = np.array([r[1] for r in repeats])
    earlier = np.array([r[0] for r in repeats])
    np.testing.assert_array_equal(later, data["query"])
    np.testing.assert_array_equal(data["target"], data["values"][rows, later])
    np.testing.assert_array_equal(data["older"], data["values"][rows, earlier])
    assert not np.any(np.all(data["target"] == data["older"], axis=1))
    assert set(later.tolist()) == set(range(1, task.n_pairs)) and set(earlier.tolist()) == set(range(task.n_pairs - 1))


@pytest.mark.parametrize("kind", ["plain", "rebind"])
@pytest.mark.parametrize("model", fw.GRADCHECK_MODELS, ids=["sum", "delta-learned-beta", "delta-fixed-beta"])
def test_backward_matches_numerical_gradients(model, kind):
    params, data = random_setup(model, seed=3, task=fw.Task(n_pairs=4, d_key=4, d_val=3, kind=kind))
    _, grads, _ = fw.loss_and_grad(params, data, model)
    errors = check_gradients(lambda: fw.loss_and_grad(params, data, model)[0], params, grads)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_wrong_backward():
    model = fw.Model("delta")
    params, data = random_setup(model, seed=4)
    _, grads, _ = fw.loss_and_grad(params, data, model)
    grads["W_K"].reshape(-1)[5] *= 1.02
    errors = check_gradients(lambda: fw.loss_and_grad(params, data, model)[0], params, grads)
    assert errors["W_K"] > 1e-3


def test_sum_rule_is_outer_product_memory_and_delta_rule_overwrites():
    params = {"W_K": np.hstack([np.eye(4), np.zeros((4, 4))]), "W_V": np.hstack([np.zeros((4, 4)), np.eye(4)]),
              "W_Q": np.hstack([np.eye(4), np.zeros((4, 4))])}
    keys = np.eye(4)[None, :3] * 1.0                                     # orthonormal keys
    values = np.random.default_rng(0).standard_normal((1, 3, 4))
    for q in range(3):
        data = {"x": np.concatenate([keys, values], axis=2),
                "x_query": np.concatenate([keys[:, q], np.zeros((1, 4))], axis=1), "target": values[:, q]}
        y_sum, cache = fw.forward(params, data, fw.Model("sum"))
        np.testing.assert_allclose(cache["fast"][0], values[0].T @ keys[0], atol=1e-12)
        np.testing.assert_allclose(y_sum, values[:, q], atol=1e-12)
        y_delta, _ = fw.forward(params, data, fw.Model("delta", beta=1.0))
        np.testing.assert_allclose(y_delta, values[:, q], atol=1e-12)
    # writing the same key twice: the sum rule returns the blend, the delta rule (beta = 1) the newer value
    twice = np.concatenate([keys[:, :1], keys[:, :1]], axis=1)
    data = {"x": np.concatenate([twice, values[:, :2]], axis=2),
            "x_query": np.concatenate([keys[:, 0], np.zeros((1, 4))], axis=1), "target": values[:, 1]}
    np.testing.assert_allclose(fw.forward(params, data, fw.Model("sum"))[0], values[:, 0] + values[:, 1], atol=1e-12)
    np.testing.assert_allclose(fw.forward(params, data, fw.Model("delta", beta=1.0))[0], values[:, 1], atol=1e-12)


def test_untrained_catalog_stub_starts_at_the_catalogs_multi_seed_mean():
    """The key noise is 0.4 N(0, I/d): the untrained pass-through then retrieves at about 0.47, the
    catalog's mean over its seeds 0-9; with 0.4 N(0, I) it would start near 0.67."""
    task = fw.Task()
    test = fw.test_set(task)
    model = fw.Model("sum", slow="key-only")
    starts = [fw.evaluate(fw.init_params(np.random.default_rng([s, 0]), task, model), test, model)["cosine"]
              for s in range(5)]
    assert abs(np.mean(starts) - fw.CATALOG["untrained_mean"]) < 0.03
    result = fw.run_once(0, task, fw.Model("sum"), fw.Recipe(steps=150), test)
    assert result["after"]["cosine"] > result["before"]["cosine"] + 0.2


def test_key_only_setup_keeps_query_map_tied_values_fixed_and_reads_the_raw_key_only():
    task = fw.Task()
    model = fw.Model("sum", slow="key-only")
    params, _, _ = fw.train(1, task, model, fw.Recipe(steps=20))
    np.testing.assert_array_equal(params["W_Q"], params["W_K"])
    assert np.all(params["W_K"][:, task.d_key:] == 0)
    np.testing.assert_array_equal(params["W_V"], np.hstack([np.zeros((8, 8)), np.eye(8)]))


def test_training_is_a_pure_function_of_the_seed():
    task = fw.Task(n_pairs=3)
    a = fw.train(5, task, fw.Model("delta"), fw.Recipe(steps=15))
    b = fw.train(5, task, fw.Model("delta"), fw.Recipe(steps=15))
    for name in a[0]:
        np.testing.assert_array_equal(a[0][name], b[0][name])
    np.testing.assert_array_equal(a[1], b[1])


def test_gradcheck_flag_and_bad_arguments(capsys):
    assert fw.main(["--gradcheck"]) == 0
    assert "max relative error" in capsys.readouterr().out
    for bad in (["--d-key", "1"], ["--model", "lstm"], ["--steps", "0"], ["--lr", "-1"], ["--query-rate", "2"],
                ["--model", "odyssnet", "--experiment", "parking"], ["--experiment", "rebind", "--n-pairs", "1"],
                ["--n-seeds", "10", "--record"], ["--experiment", "rebind", "--n-seeds", "3", "--record"],
                ["--n-seeds", "30", "--query-rate", "1", "--record"]):
        with pytest.raises(SystemExit) as exit_info:
            fw.parse_args(bad)
        assert exit_info.value.code == 2


def test_odyssnet_tokens_put_the_query_last_with_a_flag():
    data = fw.episodes(np.random.default_rng(0), fw.Task(n_pairs=3), 2)
    tokens = fw.odyssnet_tokens(data)
    assert tokens.shape == (2, 4, 17)
    np.testing.assert_array_equal(tokens[:, :3, :16], data["x"])
    np.testing.assert_array_equal(tokens[:, 3, :16], data["x_query"])
    assert np.all(tokens[:, :3, 16] == 0) and np.all(tokens[:, 3, 16] == 1)


# ----------------------------------------------------------------------------------------
# The verdict rule, on synthetic records
# ----------------------------------------------------------------------------------------


def jitter(mean, n, spread, seed):
    return list(mean + spread * np.random.default_rng(seed).standard_normal(n))


def synthetic(n=40, within=30, binds=30, pre=0.47, post=0.78, n_kv=10, delta_over_sum=1.3, sum_new_over_old=1.0):
    per_seed = [{"seed": i, "solved": True, "solve_step": 1000, "within_6000": i < within, "binds_at_end": i < binds}
                for i in range(n)]
    sum_newer = jitter(0.62, n_kv, 0.01, 3)
    return {
        "slug": fw.SLUG, "seeds": {"per_seed": per_seed, "summary": {}},
        "keyvalue": {"command": "x", "seeds": {"per_seed": [
            {"seed": i, "stub_before": a, "stub_after": b}
            for i, (a, b) in enumerate(zip(jitter(pre, n_kv, 0.005, 1), jitter(post, n_kv, 0.005, 2)))]}},
        "rebind": {"command": "x", "seeds": {"per_seed": [
            {"seed": i, "sum_newer": s, "sum_older": o, "delta_newer": d}
            for i, (s, o, d) in enumerate(zip(sum_newer, np.array(jitter(0.62, n_kv, 0.01, 4)) / sum_new_over_old,
                                               np.array(jitter(0.62, n_kv, 0.01, 5)) * delta_over_sum))]}},
    }


def holds(record):
    result = fw.verdict(record)
    return result["value"], [c["holds"] for c in result["claims"]]


def test_verdict_yes_when_every_claim_holds():
    value, flags = holds(synthetic())
    assert value == "yes" and all(flags) and len(flags) == 6


@pytest.mark.parametrize("within,ok", [(20, True), (19, False)])
def test_verdict_claim_1_threshold_is_a_majority(within, ok):
    """30 seeds: 20 meet it -> exact binomial p = 0.049 against a rate of 0.5; 19 -> p = 0.10."""
    value, flags = holds(synthetic(n=30, within=within, binds=30))
    assert flags[0] is ok
    assert value == ("yes" if ok else "qualitative")


@pytest.mark.parametrize("binds,ok", [(20, True), (19, False)])
def test_verdict_claim_2_threshold_is_a_majority(binds, ok):
    value, flags = holds(synthetic(n=30, within=30, binds=binds))
    assert flags[1] is ok
    assert value == ("yes" if ok else "partial")


def test_verdict_no_when_both_paper_claims_fail():
    value, flags = holds(synthetic(n=30, within=3, binds=3))
    assert value == "no" and flags[:2] == [False, False] and all(flags[2:])


@pytest.mark.parametrize("pre,ok", [(0.47, True), (0.44, True), (0.41, False), (0.53, False)])
def test_verdict_claim_3_untrained_start_within_a_factor_1_1(pre, ok):
    value, flags = holds(synthetic(pre=pre))
    assert flags[2] is ok and value == ("yes" if ok else "partial")


@pytest.mark.parametrize("post,ok", [(0.78, True), (0.76, True), (0.73, False), (0.83, False)])
def test_verdict_claim_4_trained_within_a_factor_1_05(post, ok):
    value, flags = holds(synthetic(post=post))
    assert flags[3] is ok and value == ("yes" if ok else "partial")


@pytest.mark.parametrize("ratio,ok", [(1.3, True), (1.15, True), (1.05, False), (0.9, False)])
def test_verdict_claim_5_delta_beats_sum_by_10_percent(ratio, ok):
    _, flags = holds(synthetic(delta_over_sum=ratio))
    assert flags[4] is ok


@pytest.mark.parametrize("ratio,ok", [(1.0, True), (1.05, True), (1.15, False), (0.85, False)])
def test_verdict_claim_6_sum_rule_blend_within_a_factor_1_1(ratio, ok):
    _, flags = holds(synthetic(sum_new_over_old=ratio))
    assert flags[5] is ok


def test_verdict_pending_without_what_the_rule_needs():
    good = synthetic()
    cases = []
    record = copy.deepcopy(good)
    record["seeds"] = None
    cases.append(record)
    cases.append(synthetic(n=29, within=29, binds=29))
    for name in ("keyvalue", "rebind"):
        record = copy.deepcopy(good)
        del record[name]
        cases.append(record)
    cases.append(synthetic(n_kv=9))
    record = copy.deepcopy(good)
    record["rebind"]["seeds"]["per_seed"] = [{"seed": 0}]
    cases.append(record)
    for record in cases:
        assert fw.verdict(record)["value"] == "pending"
