"""embedded-reber: the grammar, the paper's criterion and network, its truncated gradient, the
trials run side by side, the baselines, the verdict rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients

er = load_module(ROOT / "embedded-reber" / "embedded_reber.py")


# ---------------------------------------------------------------------------------------- grammar
# (the grammar itself is tested in test_tasks.py)


def test_the_outer_letter_is_the_only_prediction_fixed_by_a_distant_symbol():
    batch = er.encode(er.draw_strings(np.random.default_rng(1), 300))
    single = batch.legal.sum(axis=-1) == 1
    rows = np.arange(len(batch.strings))
    assert np.all(single[rows, batch.outer])
    outer_targets = batch.target[rows, batch.outer]
    assert set(outer_targets) == {er.CODE["T"], er.CODE["P"]}
    assert np.all(outer_targets == batch.x[rows, 1].argmax(axis=1))   # the symbol read at position 1
    assert np.array_equal(batch.x.argmax(-1)[batch.valid], batch.codes[:, :-1][batch.valid])


# ---------------------------------------------------------------------------------------- data, criterion


def test_three_data_pairs_and_ten_initialisations_make_the_thirty_trials():
    pairs = [er.pair_of(seed) for seed in range(er.TRIALS)]
    assert er.TRIALS == 30 and all(pairs.count(p) == 10 for p in range(3))
    data = er.pair_data(1)
    assert data.train.strings == er.seed_data(er.Config(), 4).train.strings       # trials 1, 4, 7, ... share it
    assert data.train.strings != er.pair_data(0).train.strings
    seen = set(data.train_strings)
    assert len(data.test.strings) == 256 and len(data.fresh.strings) == 1000
    assert not seen & set(data.test.strings) and not seen & set(data.fresh.strings)


def test_criterion_needs_every_legal_unit_above_every_other_unit():
    batch = er.encode(["BTBTXSETE"])
    out = np.full((1, 8, 7), 0.1)
    for t, k in zip(*np.nonzero(batch.legal[0])):
        out[0, t, k] = 0.4
    assert er.position_correct(out, batch).all()
    assert er.metrics(out, batch)["all_correct"]
    worse = out.copy()
    worse[0, 3, er.CODE["S"]] = 0.6
    worse[0, 3, er.CODE["B"]] = 0.45                              # an illegal unit between the two legal ones
    right = er.position_correct(worse, batch)[0]
    assert not right[3] and right[[0, 1, 2, 4, 5, 6, 7]].all()
    m = er.metrics(worse, batch)
    assert m["strings_correct"] == 0.0 and m["legal_accuracy"] == 1.0   # the most active unit is still legal
    tie = out.copy()
    tie[0, 0, er.CODE["S"]] = 0.4                                 # a tie with a legal unit is not "most active"
    assert not er.position_correct(tie, batch)[0, 0]
    wrong_outer = out.copy()
    wrong_outer[0, 6, er.CODE["P"]] = 0.9
    assert er.metrics(wrong_outer, batch)["outer_accuracy"] == 0.0


def test_the_chunked_test_agrees_with_the_plain_metrics():
    config = er.Config(train_size=64, test_size=64)
    seeds = [0, 1, 2, 3, 4]
    net = er.build_net(replace(config, init_scale=2.0), seeds)
    data = {p: er.pair_data(p, 64, 64) for p in range(3)}
    evalset = er.EvalSet([data[p].test for p in range(3)])
    pairs = np.array([er.pair_of(s) for s in seeds])
    quick, full = evalset.run(net, np.arange(5), pairs), evalset.run(net, np.arange(5), pairs, details=True)
    for i, seed in enumerate(seeds):
        batch = data[er.pair_of(seed)].test
        m = er.metrics(er.net_outputs(net, batch, i), batch)
        assert quick["all_correct"][i] == full["all_correct"][i] == m["all_correct"]
        for key in ("strings_correct", "legal_accuracy", "outer_accuracy"):
            assert full[key][i] == pytest.approx(m[key], abs=1e-12)


def test_the_chunked_test_accepts_an_oracle_and_rejects_one_slip():
    """A known answer: outputs that put exactly the legal next symbols on top pass the criterion on
    every string; the same outputs with one position wrong fail it."""
    batch = er.pair_data(0, 64, 64).test
    evalset = er.EvalSet([batch])
    truth = [chunk.legal.copy() for chunk in evalset.chunks]

    class Oracle:
        def __init__(self, legal):
            self.legal = legal

        def eval_state(self, trials, m):
            return {"t": 0, "record": None}

        def eval_step(self, state, x_code):
            state["t"] += 1
            return np.where(self.legal[:, : x_code.shape[1], state["t"] - 1], 0.9, 0.1)

    for k, chunk in enumerate(evalset.chunks):
        assert chunk.run(Oracle(truth[k]), np.array([0]), np.array([0]), details=False)["right"][0] == chunk.size
        slipped = truth[k].copy()
        slipped[0, 0] = ~slipped[0, 0]                        # the first string's first prediction goes wrong
        assert chunk.run(Oracle(slipped), np.array([0]), np.array([0]), details=False)["right"][0] == chunk.size - 1


# ---------------------------------------------------------------------------------------- the network


def test_the_paper_weight_counts():
    assert er.build_net(er.ROWS["4x1-0.5"].config(), [0]).n_weights == 264
    assert er.build_net(er.ROWS["3x2-0.5"].config(), [0]).n_weights == 276
    assert er.build_net(er.ROWS["3x2-0.5"].config(output_biases=True), [0]).n_weights == 283
    assert er.build_net(er.ELMAN, [0]).n_weights == 15 * (7 + 15 + 1) + 7 * 16
    assert er.build_net(er.RNN, [0]).n_weights == 257


def test_initial_weights_and_biases_as_the_paper_sets_them():
    net = er.build_net(er.ROWS["3x2-0.1"].config(), [0, 1])
    h, b = net.cells, net.blocks
    assert (h, b, net.units, net.width) == (6, 3, 12, 20)
    np.testing.assert_array_equal(net.W[:, -1, h + b:], [[-1, -2, -3]] * 2)      # output gates
    assert np.all(net.W[:, -1, :h] == 0)                                           # cells: no bias
    assert np.all(np.abs(net.W[:, -1, h: h + b]) <= 0.2) and np.any(net.W[:, -1, h: h + b] != 0)
    assert np.abs(net.W[:, :-1]).max() <= 0.2 and np.abs(net.V).max() <= 0.2
    assert not np.array_equal(net.W[0], net.W[1])                                  # each trial its own weights
    again = er.build_net(er.ROWS["3x2-0.1"].config(), [1])
    np.testing.assert_array_equal(again.W[0], net.W[1])


def test_the_cells_and_gates_read_every_cell_and_gate():
    """Fully connected hidden layer: every unit has a trainable weight from every input and from the
    previous activation of every cell and gate; the output units read the cells only."""
    net = er.build_net(er.Config(blocks=3, block_size=2), [0])
    assert net.trainable[: er.N_SYMBOLS + net.units].all()
    assert net.V.shape == (1, net.cells, er.N_SYMBOLS)
    batch = er.encode(["BTBPVPXTTTTVVETE"])
    record = []
    er.net_outputs(net, batch, 0, record=record)
    assert set(record[0]) == {"s", "input_gate", "output_gate", "cell_output"}


def test_gradients_agree_with_central_differences():
    assert er.gradient_check(verbose=False, max_entries=8) < 1e-6


def test_the_truncated_gradient_is_not_the_full_one():
    """The check can fail: against the true error (no stop-gradient twin) the truncated weight
    changes of the recurrent weights disagree, those of the output weights do not."""
    rng = np.random.default_rng(1)
    for config in (er.Config(), replace(er.ELMAN, hidden=5)):
        net = er.build_net(replace(config, init_scale=0.5), [0])
        for value in net.params().values():
            value += rng.uniform(-0.5, 0.5, value.shape)
        codes = er.encode(["BPBPVPXTTTTVVEPE"]).codes[0]
        for t in range(len(codes) - 1):
            net.step(codes[t: t + 1], codes[t + 1: t + 2], np.ones(1, dtype=bool))
        grads = {"W": -net.gW[0].copy(), "V": -net.gV[0].copy()}
        params = {k: v[0] for k, v in net.params().items()}
        entries = {"W": np.flatnonzero(net.trainable)} if net.kind == "lstm" else None
        errors = check_gradients(lambda: er.reference_loss(net, params, codes)[0], params, grads, entries=entries)
        assert errors["W"] > 1e-2 and errors["V"] < 1e-6


def test_frozen_outputs_agree_with_the_reference_forward_pass():
    strings = ["BTBPVPXTTTTVVETE", "BPBTXSEPE"]
    for config in (er.Config(), er.Config(blocks=3, block_size=2, output_biases=True), er.ELMAN, er.RNN):
        net = er.build_net(replace(config, init_scale=1.0), [0, 1])
        batch = er.encode(strings)
        for i, string in enumerate(strings):
            out = er.net_outputs(net, batch, i)[i, : len(string) - 1]
            loss = 0.5 * np.sum((np.eye(7)[batch.codes[i, 1: len(string)]] - out) ** 2)
            codes = batch.codes[i, : len(string)]
            assert loss == pytest.approx(er.reference_loss(net, {k: v[i] for k, v in net.params().items()}, codes)[0],
                                         rel=1e-12)


def test_per_step_and_per_string_updates_agree_for_small_rates():
    codes = er.encode(["BTBPVPXTTTTVVETE"]).codes
    moved = {}
    for updates in ("per-string", "per-step"):
        net = er.build_net(er.Config(), [0])
        start = net.W.copy()
        for t in range(codes.shape[1] - 1):
            net.step(codes[:, t], codes[:, t + 1], np.ones(1, dtype=bool))
            if updates == "per-step":
                net.apply(1e-6)
        net.apply(1e-6)
        moved[updates] = net.W - start
    assert np.abs(moved["per-string"]).max() > 1e-8
    np.testing.assert_allclose(moved["per-step"], moved["per-string"], rtol=1e-4, atol=1e-13)


# ---------------------------------------------------------------------------------------- training


def test_trials_side_by_side_are_the_trials_alone():
    config = er.Config(train_size=32, test_size=32, max_sequences=600, eval_every=200, lr=0.5)
    together = er.run_trials(config, [3, 4, 5], label="test")
    alone = er.run_trials(config, [4], label="test")
    assert together.solved_at[1] == alone.solved_at[0] and together.presented[1] == alone.presented[0]
    assert together.final[1] == alone.final[0]
    np.testing.assert_array_equal(together.net.W[1], alone.net.W[0])


def test_training_learns_the_local_transitions_and_only_gate_biases_move():
    config = er.Config(train_size=64, test_size=64, max_sequences=1000, eval_every=500)
    trials = er.run_trials(config, [4], track=True, label="test")
    assert len(trials.curves[0]) == 2
    # untrained, the most active unit is legal at about 0.2 of the positions; the local grammar comes first
    assert trials.final[0]["fresh"]["legal_accuracy"] > 0.6
    net, h, b = trials.net, trials.net.cells, trials.net.blocks
    assert np.all(net.W[:, -1, :h] == 0)
    assert not np.allclose(net.W[0, -1, h + b:], config.output_gate_biases)


def test_the_elman_and_full_gradient_nets_learn_the_local_transitions():
    for base in (er.ELMAN, er.RNN):
        config = replace(base, lr=0.5, train_size=32, test_size=32, max_sequences=600, eval_every=300)
        trials = er.run_trials(config, [0, 1], label="test")
        assert all(f["fresh"]["legal_accuracy"] > 0.6 for f in trials.final)


# ---------------------------------------------------------------------------------------- the verdict


def record(rates=None, means=None, elman=0, n=30, spread=0.2):
    """A synthetic record: per row, `rates[key]` solved trials of n, their strings spread around
    `means[key]`; the Elman net solves `elman` of n."""
    rates = rates or {}
    means = means or {}

    def part(solved, mean):
        values = mean * (1 + spread * np.linspace(-1, 1, max(solved, 1)))
        rows = [{"seed": i, "solved": i < solved, "sequences": float(values[i]) if i < solved else None}
                for i in range(n)]
        return {"seeds": {"per_seed": rows}}

    out = {}
    for key, row in er.ROWS.items():
        section = part(rates.get(key, n), means.get(key, row.paper_mean))
        if er.section_name("lstm", key) is None:
            out.update(section)
        else:
            out[er.section_name("lstm", key)] = section
    out["elman"] = part(elman, 100_000)
    return out


def test_verdict_yes_when_every_row_matches_the_table():
    v = er.verdict(record())
    assert v["value"] == "yes" and len(v["claims"]) == 11 and all(c["holds"] for c in v["claims"])


@pytest.mark.parametrize("solved,holds", [(28, True), (27, False)])
def test_verdict_success_rate_threshold(solved, holds):
    v = er.verdict(record(rates={"3x2-0.1": solved}))
    claim = v["claims"][1]
    assert "3 x 2 at rate 0.1" in claim["claim"] and claim["holds"] is holds
    assert v["value"] == ("yes" if holds else "qualitative")


@pytest.mark.parametrize("factor,holds", [(1.0, True), (1.25, True), (1.6, False), (1 / 1.6, False)])
def test_verdict_mean_strings_threshold(factor, holds):
    v = er.verdict(record(means={"4x1-0.5": 9500 * factor}))
    claim = v["claims"][5 + 3]
    assert "succeeds after 9,500" in claim["claim"] and claim["holds"] is holds
    assert v["value"] == ("yes" if holds else "partial")


def test_verdict_mean_needs_two_successes():
    v = er.verdict(record(rates={"4x1-0.1": 1}))
    claim = v["claims"][5]
    assert claim["holds"] is False and claim["p"] is None and "fewer than 2" in claim["test"]


@pytest.mark.parametrize("solved,holds", [(9, True), (11, False)])
def test_verdict_elman_threshold(solved, holds):
    v = er.verdict(record(elman=solved))
    assert "Elman" in v["claims"][-1]["claim"] and v["claims"][-1]["holds"] is holds
    assert v["value"] == ("yes" if holds else "partial")


def test_verdict_grades_by_the_success_rates():
    assert er.verdict(record(rates={"4x1-0.1": 20, "3x2-0.1": 20}))["value"] == "qualitative"
    assert er.verdict(record(rates={"4x1-0.1": 20, "3x2-0.1": 20, "3x2-0.2": 0}))["value"] == "no"


def test_verdict_pending_without_every_row_and_thirty_trials():
    full = record()
    assert er.verdict({k: v for k, v in full.items() if k != "lstm-3x2-0.2"})["value"] == "pending"
    assert er.verdict({k: v for k, v in full.items() if k != "elman"})["value"] == "pending"
    assert er.verdict(record(n=29))["value"] == "pending"
    assert er.verdict({k: v for k, v in full.items() if k != "seeds"})["value"] == "pending"


# ---------------------------------------------------------------------------------------- record, arguments


def test_section_names():
    assert er.section_name("lstm", "4x1-0.5") is None
    assert er.section_name("lstm", "3x2-0.1") == "lstm-3x2-0.1"
    assert er.section_name("lstm", "4x1-0.5", updates="per-step") == "lstm-4x1-0.5-per-step"
    assert er.section_name("lstm", "4x1-0.5", output_biases=True) == "lstm-4x1-0.5-output-biases"
    assert er.section_name("lstm", "4x1-0.5", overrides={"lr": 0.3}) == "lstm-4x1-0.5-lr-0.3"
    assert er.section_name("elman") == "elman" and er.section_name("rnn") == "bptt-rnn"


def test_caps_are_three_times_the_paper_means():
    assert [er.ROWS[k].cap for k in ("4x1-0.1", "3x2-0.1", "3x2-0.2", "4x1-0.5", "3x2-0.5")] == \
        [120_000, 66_000, 43_000, 29_000, 26_000]


def test_no_misquoted_paper_figures_remain():
    wrong = ["8" + ",550", "8" + "550", "148" + "/150", "148 of " + "150"]
    for path in (ROOT / "embedded-reber").glob("*.py"):
        text = path.read_text()
        assert not [w for w in wrong if w in text], path
    readme = (ROOT / "embedded-reber" / "README.md").read_text()
    assert not [w for w in wrong if w in readme]


@pytest.mark.parametrize("bad", [["--eval-every", "500", "--max-sequences", "700"], ["--model", "elman", "--row", "3x2-0.1"],
                                 ["--lr", "-1"], ["--row", "nope"], ["--prune"], ["--grow-to", "40"],
                                 ["--model", "odyssnet", "--neurons", "10"], ["--model", "rnn", "--output-biases"],
                                 ["--model", "odyssnet", "--neurons", "24", "--grow-to", "20"],
                                 ["--model", "odyssnet", "--updates", "per-step"],
                                 ["--n-seeds", "10", "--record", "/tmp/x.json"]])
def test_bad_arguments_exit_2(bad):
    with pytest.raises(SystemExit) as exit_info:
        er.parse_args(bad)
    assert exit_info.value.code == 2


# ---------------------------------------------------------------------------------------- OdyssNet


def test_odyssnet_comparison_runs_on_the_same_strings():
    config = er.Config(train_size=32, test_size=32, max_sequences=64, eval_every=32)
    run = er.odyssnet_train(config, seed=0, label="test")
    assert run.presented == 64 and len(run.curve) == 2
    assert set(run.final) == {"train", "test", "fresh", "neurons", "growth_updates"}
    assert run.final["neurons"] == 32 and run.final["growth_updates"] == []
    assert er.seed_data(config, 0).test.strings == er.pair_data(0, 32, 32).test.strings


def test_odyssnet_grows_under_the_policy():
    config = er.Config(train_size=32, test_size=32, max_sequences=16 * 160, eval_every=16 * 160)
    run = er.odyssnet_train(config, 1, dict(er.ODYSSNET_RECIPE, neurons=16), label="test", grow_to=24)
    growth = run.final["growth_updates"]
    assert growth and run.final["neurons"] == 16 + er.GROWTH["amount"] * len(growth) <= 24
    assert all(b - a >= er.GROWTH["cooldown"] for a, b in zip(growth, growth[1:]))


def test_pruning_reaches_each_milestone_for_good_and_the_sparse_copy_agrees():
    config = er.Config(train_size=32, test_size=32)
    data = er.seed_data(config, 0)
    model = er.OdyssNet(16, range(7), range(9, 16), pulse_mode=False, rng=0)
    trainer = er.OdyssNetTrainer(model, lr=2e-3, loss="cross_entropy")
    order = np.random.default_rng(0)

    def update():
        batch = er.encode([data.train_strings[k] for k in order.integers(32, size=8)])
        trainer.train_batch(batch.x, batch.target, 2 * batch.x.shape[1], full_sequence=True, mask=batch.valid)

    def outputs(batch, net=model):
        net.eval()
        states, _ = net.forward(er.prepare_input(batch.x, net.input_ids, net.num_neurons), 2 * batch.x.shape[1])
        return states[..., net.output_ids]

    rows = er.prune_and_regain(trainer, data, update, outputs, finetune=2, regain=25)
    assert [row["target"] for row in rows] == list(er.PRUNE_MILESTONES)
    for row in rows:                          # each milestone reached, for good
        assert row["sparsity"] >= row["target"] - 0.01
        assert row["regained_after"] is None or 0 <= row["regained_after"] <= 25
        assert row["same_outputs"] < 1e-12    # the sparse copy computes what the dense network does
    assert model.sparsity() >= er.PRUNE_MILESTONES[-1] - 0.01
    assert not model.params["W"][~model.synapse_mask].any()


def test_pruning_cuts_remove_at_most_a_quarter_of_the_survivors():
    start = 0.0
    for milestone in er.PRUNE_MILESTONES:
        cuts = er.pruning_cuts(start, milestone)
        assert cuts[-1] == pytest.approx(milestone)
        survivors = [1 - start] + [1 - c for c in cuts]
        assert all(b / a >= 1 - er.PRUNE_CUT - 1e-12 for a, b in zip(survivors, survivors[1:]))
        start = milestone
