"""lstm-search-space-odyssey: the tasks, the trial-batched population, the gradient check, the verdict rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.networks.optim import Adam, clip_global_norm
from shared.networks.recurrent import LSTM

ody = load_module(ROOT / "lstm-search-space-odyssey" / "lstm_search_space_odyssey.py")


# ----------------------------------------------------------------------------------------
# Tasks
# ----------------------------------------------------------------------------------------


def test_sign_stream_targets_follow_the_sum_across_chunks():
    stream = ody.SignStream(np.random.default_rng(3), batch=5, reset_p=0.2)
    chunks = [stream.chunk(17) for _ in range(3)]
    inputs = np.concatenate([c[0] for c in chunks], axis=1)
    targets = np.concatenate([c[1] for c in chunks], axis=1)[..., 0]
    for b in range(5):
        total = 0.0
        for t in range(inputs.shape[1]):
            x, reset = inputs[b, t]
            total = (0.0 if reset else total) + x          # the state is never cut between chunks
            assert targets[b, t] == np.sign(total)
    resets = inputs[..., 1]
    assert set(np.unique(resets)) == {0.0, 1.0} and 0.1 < resets.mean() < 0.3


def test_adding_batch_marks_two_steps_and_sums_them():
    x, y = ody.adding_batch(np.random.default_rng(0), 400, 50)
    marks = x[..., 1]
    assert np.all(marks.sum(axis=1) == 2)
    first = marks.argmax(axis=1)
    second = 49 - marks[:, ::-1].argmax(axis=1)
    assert first.max() < 10 and second.max() < 25 and np.all(first < second)
    rows = np.arange(400)
    np.testing.assert_allclose(y[:, 0], 0.5 + (x[rows, first, 0] + x[rows, second, 0]) / 4)


def test_learning_rates_one_log_uniform_draw_per_slice():
    lrs = ody.learning_rates(0, 5, 1e-3, 1e-1)
    assert lrs == sorted(lrs) and lrs == ody.learning_rates(0, 5, 1e-3, 1e-1)
    slices = np.floor((np.log10(lrs) + 3) / 0.4)
    assert slices.tolist() == [0, 1, 2, 3, 4]
    assert lrs != ody.learning_rates(1, 5, 1e-3, 1e-1)


# ----------------------------------------------------------------------------------------
# The population: trials with a leading weight axis must behave exactly like separate LSTMs
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("readout", ["all", "last"])
@pytest.mark.parametrize("variant", ody.VARIANTS)
def test_each_trial_of_a_population_is_the_stand_alone_lstm(variant, readout):
    """Forward and backward of every trial equal the shared LSTM's (float64), from a carried state."""
    seeds = [4, 9, 2]
    pop = ody.Population(variant, (2, 3, 1), seeds, [1e-2] * 3, readout, dtype=np.float64)
    for j, seed in enumerate(seeds):     # the initial weights are the stand-alone LSTM's
        alone = LSTM(2, 3, 1, variant=variant, readout=readout, rng=ody.rng_for(seed, ody.INIT), dtype=np.float64)
        for name, value in alone.params.items():
            np.testing.assert_array_equal(pop.member(j)[name], value)
    rng = np.random.default_rng(0)
    for value in pop.params.values():
        value[...] = rng.normal(0, 0.5, value.shape)
    x = rng.normal(size=(3, 2, 6, 2))
    state = tuple(rng.normal(size=(3, 2, 3)) for _ in range(2))
    y = pop.forward(x, state)
    dy = rng.normal(size=y.shape)
    grads = pop.backward(dy)
    for j in range(3):
        alone = LSTM(2, 3, 1, variant=variant, readout=readout, rng=0, dtype=np.float64)
        for name, value in pop.member(j).items():
            alone.params[name][...] = value
        np.testing.assert_allclose(y[j], alone.forward(x[j], initial_state=(state[0][j], state[1][j])),
                                   rtol=0, atol=1e-13)
        np.testing.assert_allclose(pop.final_state[1][j], alone.final_state[1], rtol=0, atol=1e-13)
        for name, g in alone.backward(dy[j]).items():
            np.testing.assert_allclose(grads[name][j], g, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("variant", ["V", "CIFG", "FGR"])
def test_training_a_population_equals_training_its_trials_alone(variant):
    """Per-trial clipping and per-trial learning rates: each trial trains like a lone LSTM with Adam."""
    seeds, lrs = [1, 2], [3e-2, 3e-3]
    pop = ody.Population(variant, (2, 4, 1), seeds, lrs, "last", dtype=np.float64, clip=0.5)
    alone = [LSTM(2, 4, 1, variant=variant, readout="last", rng=ody.rng_for(s, ody.INIT), dtype=np.float64)
             for s in seeds]
    optimizers = [Adam(m.params, lr=lr) for m, lr in zip(alone, lrs)]
    rng = np.random.default_rng(5)
    for _ in range(6):
        xs = [ody.adding_batch(rng, 8, 12) for _ in seeds]
        _, grads = pop.loss_and_grads(np.stack([x for x, _ in xs]), np.stack([y for _, y in xs]))
        pop.step(grads)
        for m, opt, (x, y) in zip(alone, optimizers, xs):
            err = m.forward(x) - y
            g = m.backward(2 * err / err.size)
            clip_global_norm(g, 0.5)
            opt.step(g)
    for j, m in enumerate(alone):
        for name, value in m.params.items():
            np.testing.assert_allclose(pop.member(j)[name], value, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("variant,task", [("V", "stream"), ("FGR", "stream"), ("NOAF", "adding")])
def test_a_trial_does_not_depend_on_its_population(variant, task):
    """float32 training, bit for bit: a trial alone equals the same trial packed with others, so the packing
    (and --workers) changes no figure, and a figure script can retrain one recorded trial alone."""
    t = ody.replace(ody.TASKS[task], steps=12, evals=2, hidden=4, val_size=8, val_length=60, test_size=8,
                    test_length=60)
    packed = ody.train_job(ody.Job(t, variant, ((0, 0.01), (1, 0.05), (2, 0.2), (1, 0.01))))
    alone = ody.train_job(ody.Job(t, variant, ((1, 0.05),)))
    for name, value in alone["weights"][0].items():
        np.testing.assert_array_equal(packed["weights"][1][name], value)
    assert packed["test"]["mse"][1] == alone["test"]["mse"][0]
    np.testing.assert_array_equal(packed["curves"][1], alone["curves"][0])


def test_a_trial_that_blows_up_is_retired_and_the_others_do_not_notice():
    t = ody.replace(ody.TASKS["stream"], steps=6, evals=1, hidden=4, val_size=4, val_length=50, test_size=4,
                    test_length=50)
    pop = ody.Population("NOAF", (2, 4, 1), [0, 1], [1e-2, 1e-2], "all")
    pop.params["W"][0] = np.nan                                        # trial 0 blows up
    x = np.random.default_rng(0).normal(size=(2, 3, 8, 2))
    with np.errstate(all="ignore"):
        loss, grads = pop.loss_and_grads(x, np.zeros((2, 3, 8, 1)))
    assert not np.isfinite(loss[0]) and np.isfinite(loss[1])           # trials never mix
    pop.retire(np.array([True, False]))
    pop.step(grads)
    assert all(np.all(value[0] == 0) for value in pop.params.values())
    y = pop.forward(x)
    assert np.all(y[0] == 0) and np.all(np.isfinite(y))
    scores = ody.evaluate(pop, t, ody.fixed_data(t, ody.TEST, t.test_size))
    zero = ody.zero_output_scores(t, ody.fixed_data(t, ody.TEST, t.test_size))
    assert scores["mse"][0] == pytest.approx(zero["mse"])              # a retired trial answers 0


def test_a_hand_wired_cell_solves_the_continual_task():
    """Known answer: one NIAF cell that adds x (input gate open), forgets at a reset (forget gate shut by the
    reset flag), and shows the sign through tanh, gets (almost) every sign of the test streams right."""
    t = ody.replace(ody.TASKS["stream"], hidden=1, test_size=32, test_length=1000)
    pop = ody.Population("NIAF", (2, 1, 1), [0], [0.0], "all", dtype=np.float64)
    p = pop.params
    for value in p.values():
        value[...] = 0.0
    cols = pop.columns
    p["b"][0, cols["input"]] = 30.0
    p["b"][0, cols["forget"]] = 30.0
    p["W"][0, 1, cols["forget"]] = -60.0                               # reset flag -> f = 0
    p["b"][0, cols["output"]] = 30.0
    p["W"][0, 0, cols["cell"]] = 1.0                                   # g = x
    p["V"][0, 0, 0] = 5.0
    scores = ody.evaluate(pop, t, ody.fixed_data(t, ody.TEST, t.test_size))
    assert scores["sign_errors"][0] < 0.002
    assert ody.solved(t, scores)[0]
    untrained = ody.Population("V", (2, 1, 1), [0], [0.0], "all", dtype=np.float64)
    assert not ody.solved(t, ody.evaluate(untrained, t, ody.fixed_data(t, ody.TEST, t.test_size)))[0]


def test_gradient_check_of_every_variant():
    errors = ody.gradient_check(max_entries=6)
    assert set(errors) == set(ody.VARIANTS)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    original = ody.Population.loss_and_grads

    def wrong(self, x, targets, initial_state=None):
        losses, grads = original(self, x, targets, initial_state)
        grads["U"][1] *= 1.01                                          # 1% too large in trial 1's recurrent weights
        return losses, grads

    monkeypatch.setattr(ody.Population, "loss_and_grads", wrong)
    assert ody.gradient_check(["V"], max_entries=6)["V"] > 1e-3


# ----------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------


def test_best_learning_rate_is_the_lowest_mean_validation_mse():
    entry = {"val": np.array([[0.5, 0.6], [0.1, 0.9], [0.2, 0.3]])}
    assert ody.best_lr(entry) == 2
    entry["val"][2, 1] = np.nan                                        # a missing score disqualifies
    assert ody.best_lr(entry) == 1


def test_variance_shares_add_up_and_find_the_factor():
    rng = np.random.default_rng(0)
    entries = {v: {"test": {"mse": (100.0 if v == "NFG" else 1.0) * np.exp(rng.normal(0, 0.01, (3, 4)))}}
               for v in ody.VARIANTS}
    shares = ody.variance_shares(entries)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["variant"] > 0.95 and shares["learning rate"] < 0.01


# ----------------------------------------------------------------------------------------
# The verdict rule, on synthetic records on both sides of every threshold
# ----------------------------------------------------------------------------------------


def record(ratios: dict | None = None, seeds: int = 40, noise: float = 0.05, spread: float = 0.3,
           scores: dict | None = None) -> dict:
    """A record as the runs write it: per variant and seed the test MSE at two learning rates (the first the
    better one on validation), seeds 0-19 in the stub's own part and the rest in a section. Per-seed test
    MSEs: V's vary from seed to seed (spread); variant X = V x ratio[X] x small noise."""
    rng = np.random.default_rng(1)
    ratios = {"NFG": 4.0, "NOAF": 3.0, **(ratios or {})}
    if scores is None:
        base = 0.1 * np.exp(rng.normal(0, spread, seeds))
        scores = {"V": base}
        for v in ody.VARIANTS[1:]:
            scores[v] = base * ratios.get(v, 1.0) * np.exp(rng.normal(0, noise, seeds))
    n = len(scores["V"])

    def part(first, last):
        learners = {v: {"val_mse": [list(x[first:last]), list(10 * x[first:last])],
                        "test_mse": [list(x[first:last]), list(10 * x[first:last])]} for v, x in scores.items()}
        return {"curves": {"lrs": [0.01, 0.1], "seeds": list(range(first, last)), "learners": learners},
                "command": "python3 x.py"}

    out = part(0, min(20, n))
    if n > 20:
        out[f"stream (seeds 20-{n - 1})"] = part(20, n)
    return out


def holds(verdict: dict) -> dict:
    return {c["claim"].split(":")[0].split(" (")[0]: c["holds"] for c in verdict["claims"]}


def test_verdict_is_pending_below_the_rule_s_seeds():
    assert ody.verdict({})["value"] == "pending"
    assert ody.verdict(record(seeds=20))["value"] == "pending"            # the own part alone
    assert ody.verdict(record(seeds=ody.VERDICT_SEEDS - 1))["value"] == "pending"
    assert ody.verdict(record(seeds=ody.VERDICT_SEEDS))["value"] == "yes"


def test_verdict_pools_the_parts_and_refuses_a_seed_recorded_twice():
    rec = record()
    scores, seeds = ody.pooled_scores(ody.stream_parts(rec))
    assert seeds == list(range(40)) and len(scores["V"]) == 40
    twice = record()
    twice["stream (seeds 20-39)"]["curves"]["seeds"][0] = 3
    assert "twice" in ody.verdict(twice)["reason"]
    other = record()
    other["stream (seeds 20-39)"]["curves"]["lrs"] = [0.02, 0.1]
    assert ody.verdict(other)["value"] == "pending"


def test_the_best_learning_rate_is_chosen_on_all_seeds_together():
    rec = record()
    for name, part in (("own", rec), ("section", rec["stream (seeds 20-39)"])):
        v = part["curves"]["learners"]["V"]
        if name == "own":     # V's second learning rate: much better on seeds 0-19, worse overall
            v["val_mse"][1] = [x / 100 for x in v["val_mse"][0]]
            v["test_mse"][1] = [x / 100 for x in v["test_mse"][0]]
        else:
            v["val_mse"][1] = [x * 1000 for x in v["val_mse"][0]]
    scores, _ = ody.pooled_scores(ody.stream_parts(rec))
    assert scores["V"][0] == rec["curves"]["learners"]["V"]["test_mse"][0][0]


def test_verdict_yes_when_the_paper_is_right():
    verdict = ody.verdict(record())
    none = next(c for c in verdict["claims"] if c["claim"].startswith("none"))
    assert none["notes"]["NFG / V"] == pytest.approx(4.0, rel=0.05)
    assert verdict["value"] == "yes" and len(verdict["claims"]) == 6
    assert verdict["correction"] == "Holm over the tested claims"


@pytest.mark.parametrize("name", ["NFG", "NOAF"])
def test_verdict_no_when_a_critical_component_is_not_critical(name):
    verdict = ody.verdict(record({name: 1.0}))
    assert verdict["value"] == "no"
    assert sum(not h for h in holds(verdict).values()) == 1


@pytest.mark.parametrize("ratio,expected", [(1.08, True), (0.93, True), (1.45, False), (0.7, False)])
def test_cifg_matches_within_the_margin_only(ratio, expected):
    verdict = ody.verdict(record({"CIFG": ratio}))
    assert holds(verdict)["CIFG matches V"] is expected
    assert verdict["value"] == ("yes" if expected else "partial")


def test_np_matching_needs_enough_precision_not_just_no_difference():
    """A noisy NP with no true difference is not 'equivalent': failing to find a difference is not enough."""
    verdict = ody.verdict(record({"NP": 1.0}, noise=1.0))
    assert holds(verdict)["NP matches V"] is False


@pytest.mark.parametrize("ratio,fgr,none", [(0.9, True, True), (1.3, True, True), (0.6, False, False)])
def test_fgr_no_gain_is_non_superiority(ratio, fgr, none):
    """FGR may be worse (no gain still holds); it fails only when it beats V by more than the margin."""
    h = holds(ody.verdict(record({"FGR": ratio})))
    assert h["FGR brings no gain over V"] is fgr
    assert h["none of the variants improves on V significantly"] is none


@pytest.mark.parametrize("ratio,expected", [(0.88, True), (0.5, False)])
def test_none_improves_looks_at_every_variant(ratio, expected):
    verdict = ody.verdict(record({"NIAF": ratio}))
    assert holds(verdict)["none of the variants improves on V significantly"] is expected
    assert verdict["value"] == ("yes" if expected else "partial")


def test_verdict_corrects_for_six_claims():
    """Two claims each significant alone (0.025 < p < 0.05) fail together under Holm's correction."""
    rng = np.random.default_rng(1)
    base = 0.1 * np.exp(rng.normal(0, 0.3, 40))
    z = np.resize([1.0, -1.0], 40) * np.linspace(0.5, 1.5, 40)
    z = (z - z.mean()) / z.std(ddof=1)                               # exactly mean 0, sd 1
    scores = {v: base * np.exp(rng.normal(0, 0.05, 40)) for v in ody.VARIANTS}
    scores["V"] = base
    scores["NFG"] = scores["NOAF"] = base * np.exp(0.063 + 0.2 * z)   # t = 1.99 on 39 degrees of freedom
    verdict = ody.verdict(record(scores=scores))
    critical = verdict["claims"][:2]
    assert all(0.025 < c["p"] < 0.05 for c in critical)
    assert not any(c["holds"] for c in critical) and verdict["value"] == "no"


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--task", "music"], ["--variants", "V,XYZ"], ["--lr-low", "0.1", "--lr-high", "0.01"],
                                  ["--variants", "V,NFG", "--n-seeds", "10", "--record"], ["--model", "gru"],
                                  ["--n-lrs", "0"], ["--n-seeds", "4", "--record"],
                                  ["--task", "adding", "--n-seeds", "9", "--record"]])
def test_invalid_arguments_are_refused(argv):
    with pytest.raises(SystemExit) as info:
        ody.parse_args(argv)
    assert info.value.code == 2


def test_each_run_has_its_place_in_the_record():
    name = lambda argv: ody.section_name(ody.parse_args(argv))  # noqa: E731
    assert name(["--n-seeds", "20"]) is None
    assert name(["--seed", "20", "--n-seeds", "20"]) == "stream (seeds 20-39)"
    assert name(["--task", "adding", "--variants", "V,NOAF,NP,CIFG,FGR"]) == "adding (V, NOAF, NP, CIFG, FGR)"
    assert name(["--task", "adding"]) == "adding"
    assert name(["--model", "odyssnet"]) == "odyssnet"
