"""embedded-reber: the grammar, the paper's criterion, the gradients training uses, the protocol."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.gradcheck import check_gradients

er = load_module(ROOT / "embedded-reber" / "embedded_reber.py")


def legal_sets(string):
    return ["".join(er.SYMBOLS[k] for k in np.flatnonzero(row)) for row in er.legal_next(string)]


def test_legal_next_symbols_of_a_known_string():
    # B T | B T X S E | T E: outer B, outer T, inner B, inner T X S, inner E, outer T, E
    assert legal_sets("BTBTXSETE") == ["TP", "B", "TP", "SX", "SX", "E", "T", "E"]
    assert legal_sets("BPBPVVEPE") == ["TP", "B", "TP", "TV", "PV", "E", "P", "E"]
    # after the first V of state 2 both P and V are legal; after V V only E
    assert legal_sets("BTBPTVPSETE")[5:8] == ["PV", "SX", "E"]


@pytest.mark.parametrize("bad", ["BTBTXSEPE", "BTBTXXETE", "BTBTXSET", "TBTXSETEE", "BTBTSSSSETE", "BXBTXSETE"])
def test_strings_outside_the_grammar_are_refused(bad):
    with pytest.raises(ValueError):
        er.legal_next(bad)


def test_generated_strings_are_in_the_grammar_with_the_expected_statistics():
    rng = np.random.default_rng(0)
    strings = er.draw_strings(rng, 20000)
    for s in strings[:2000]:
        er.legal_next(s)                                          # raises if a string is not in the grammar
        assert s[1] == s[-2] and s[1] in "TP"
    lengths = np.array([len(s) for s in strings])
    # the inner Reber string has mean length 8 (2 + 6 expected transitions); the frame adds 4
    assert abs(lengths.mean() - 12.0) < 0.1
    assert lengths.min() == 9
    assert abs(np.mean([s[1] == "T" for s in strings]) - 0.5) < 0.02


def test_the_outer_letter_is_the_only_prediction_fixed_by_a_distant_symbol():
    batch = er.encode(er.draw_strings(np.random.default_rng(1), 300))
    single = batch.legal.sum(axis=-1) == 1
    rows = np.arange(len(batch.strings))
    assert np.all(single[rows, batch.outer])
    outer_targets = batch.target[rows, batch.outer]
    assert set(outer_targets) == {er.CODE["T"], er.CODE["P"]}
    assert np.all(outer_targets == batch.x[rows, 1].argmax(axis=1))   # the symbol read at position 1


def test_test_and_fresh_strings_avoid_the_training_set():
    data = er.seed_data(er.Config(train_size=256, test_size=256), seed=3)
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


def test_gradients_agree_with_central_differences():
    assert er.gradient_check(verbose=False, max_entries=6) < 1e-6


def test_the_truncation_check_catches_a_truncation_that_forgets_gate_recurrence():
    rng = np.random.default_rng(0)
    batch = er.encode(er.draw_strings(rng, 3))
    config = er.SETUPS["gate-recurrence"].config
    model = er.build_lstm(replace(config, init_scale=0.5), rng)
    for value in model.params.values():
        value += rng.uniform(-0.5, 0.5, value.shape)
    _, d_logits = er.loss_and_grad(model.forward(batch.x), batch)
    recurrent = model.params["U"]
    model.params["U"] = np.zeros_like(recurrent)                 # cuts U but leaves the R flow in
    wrong = model.backward(d_logits)
    model.params["U"] = recurrent
    twin, x_twin, real = er.stop_gradient_twin(model, batch.x)
    padded = np.hstack([wrong["R"], np.zeros((model.gate_width, model.hidden_size))])
    expected = {"W": np.vstack([wrong["W"], wrong["U"], padded]), "b": wrong["b"]}
    errors = check_gradients(lambda: er.loss_and_grad(twin.forward(x_twin), batch)[0],
                                {k: twin.params[k] for k in expected}, expected, entries={"W": real},
                                max_entries=20)
    assert max(errors.values()) > 1e-2


def test_truncated_gradient_differs_from_bptt_only_through_recurrent_weights():
    rng = np.random.default_rng(2)
    batch = er.encode(er.draw_strings(rng, 2))
    config = er.Config()
    model = er.build_lstm(replace(config, init_scale=0.5), rng)
    _, d = er.loss_and_grad(model.forward(batch.x), batch)
    full, cut = er.gradients(model, d, config), er.gradients(model, d, replace(config, gradient="truncated"))
    assert np.array_equal(full["V"], cut["V"]) and np.array_equal(full["c"], cut["c"])
    assert not np.allclose(full["W"], cut["W"])
    model.params["U"][:] = 0.0                                    # no recurrent weights: nothing to truncate
    _, d = er.loss_and_grad(model.forward(batch.x), batch)
    full, cut = er.gradients(model, d, config), er.gradients(model, d, replace(config, gradient="truncated"))
    for name in full:
        np.testing.assert_allclose(full[name], cut[name], rtol=1e-12, atol=1e-15)


def test_without_unit_biases_only_gate_biases_learn():
    config = replace(er.SETUPS["gate-biases-only"].config, train_size=16, test_size=16, max_sequences=50,
                     eval_every=50)
    run = er.train(config, seed=0, label="test")
    b, cols = run.model.params["b"], run.model.columns
    assert np.all(run.model.params["c"] == 0) and np.all(b[cols["cell"]] == 0)
    assert not np.allclose(b[cols["output"]], config.output_gate_biases)


def test_output_gates_start_at_minus_one_minus_two_per_block():
    model = er.build_lstm(er.SETUPS["paper-3x2"].config, np.random.default_rng(0))
    np.testing.assert_array_equal(model.params["b"][model.columns["output"]], [-1.0, -2.0, -3.0])
    assert model.hidden_size == 6 and model.blocks == 3
    assert np.abs(model.params["W"]).max() <= 0.2


def test_training_is_reproducible_and_learns_the_local_transitions():
    config = er.Config(train_size=64, test_size=64, max_sequences=1000, eval_every=500)
    first, second = er.train(config, seed=4, label="test"), er.train(config, seed=4, label="test")
    assert first.curve == second.curve and first.final == second.final
    # untrained, the most active unit is legal at about 0.4 of the positions; the local grammar comes first
    assert first.final["fresh"]["legal_accuracy"] > 0.6


def test_odyssnet_comparison_runs_on_the_same_strings():
    config = er.Config(train_size=32, test_size=32, max_sequences=64, eval_every=32)
    run = er.odyssnet_train(config, seed=0, label="test")
    assert run.presented == 64 and len(run.curve) == 2
    assert set(run.final) == {"train", "test", "fresh", "neurons", "growth_updates"}
    assert run.final["neurons"] == 32 and run.final["growth_updates"] == []
    assert er.seed_data(config, 0).test.strings == er.seed_data(config, 0).test.strings


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


@pytest.mark.parametrize("bad", [["--eval-every", "500", "--max-sequences", "100"], ["--model", "odyssnet",
                                                                                   "--setup", "truncated"],
                                 ["--lr", "-1"], ["--setup", "nope"], ["--prune"], ["--grow-to", "40"],
                                 ["--model", "odyssnet", "--neurons", "10"],
                                 ["--model", "odyssnet", "--neurons", "24", "--grow-to", "20"]])
def test_bad_arguments_exit_2(bad):
    with pytest.raises(SystemExit) as exit_info:
        er.parse_args(bad)
    assert exit_info.value.code == 2
