"""multiplication-problem: the paper's net and data, the on-line loop with the two n_seq stops, a
trial's figures independent of the bank it runs in, and the verdict rule on both sides of its
thresholds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT, load_module

mp = load_module(ROOT / "multiplication-problem" / "multiplication_problem.py")


# ----------------------------------------------------------------------------------------
# The data and the net
# ----------------------------------------------------------------------------------------


def test_same_seed_same_sequences_and_independent_streams():
    a, b = mp.TrainingStream([3], 100), mp.TrainingStream([3], 100)
    np.testing.assert_array_equal(a(0).inputs, b(0).inputs)
    assert not np.array_equal(mp.test_sets([3], 100, 4)[0].x[0], a(1).inputs[0, 0])


def test_the_stream_draws_the_same_sequences_one_by_one_and_in_batches():
    one, many = mp.TrainingStream([1, 2], 30, block=7), mp.TrainingStream([1, 2], 30, block=7)
    batch = many.batch(0, 10)
    for n in range(10):
        episode = one(n)
        for p in range(2):
            length = batch[p].lengths[n]
            assert episode.lengths[p, 0] == length
            np.testing.assert_array_equal(episode.inputs[p, 0, :length], batch[p].x[n, :length])
            assert episode.targets[p, 0, length - 1, 0] == batch[p].target[n, 0]
            assert episode.weights[p, 0].sum() == 1 and episode.weights[p, 0, length - 1] == 1


def test_the_paper_net_has_93_weights_all_random_in_the_init_range():
    net = mp.paper_net([0, 1, 2])
    assert net.n_weights == 93 and net.W[0].size + net.V[0].size == 93
    assert np.abs(net.W).max() <= 0.1 and np.abs(net.V).max() <= 0.1
    assert np.all(net.V[:, -1] != 0.0)                            # the output unit's bias is random too
    assert len(set(net.W[:, -1, 4].tolist())) == 3               # gate biases random, not the Exp. 4 -3/-6
    forget = mp.paper_net([0], forget_gate=True, forget_bias=5.0)
    assert forget.n_weights == 135
    np.testing.assert_array_equal(forget.W[0, -1, forget.rows["forget"]], [5.0, 5.0])
    exp4 = mp.paper_net([0], input_bias=(-3.0, -6.0))
    np.testing.assert_array_equal(exp4.W[0, -1, exp4.rows["input"]], [-3.0, -6.0])
    np.testing.assert_array_equal(np.delete(exp4.W[0], exp4.rows["input"], axis=1),
                                  np.delete(mp.paper_net([0]).W[0], exp4.rows["input"], axis=1))


def hand_wired(seeds):
    """A net that answers a constant, the product's mean: the output unit reads the cells with
    weight 0 and its bias is the mean's logit."""
    net = mp.paper_net(seeds)
    net.V[:] = 0.0
    net.V[:, -1] = np.log(mp.PRODUCT_MEAN / (1 - mp.PRODUCT_MEAN))
    return net


def test_a_constant_answer_scores_the_variance_of_the_product():
    seeds = [0]
    net = hand_wired(seeds)
    tests = mp.test_sets(seeds, 100)
    episode = mp.episode_of(tests, np.arange(mp.TEST_SEQUENCES))
    out = mp.end_outputs(mp.evaluate(net, np.arange(1), episode), episode.lengths)
    np.testing.assert_allclose(out, mp.PRODUCT_MEAN)
    figures = mp.test_figures(out[0] - tests[0].target[:, 0])
    assert abs(figures["test_mse"] - mp.CHANCE) < 0.004           # Var(X1 X2), three standard errors
    assert figures["wrong_of_2560"] > 2000


def test_a_trial_computes_the_same_in_any_bank():
    config = mp.PaperConfig(T=30, max_sequences=400, recent=100, every=100)
    alone = mp.train_bank(config, [5])
    together = mp.train_bank(config, [4, 5, 6])
    assert alone["trials"][0] == together["trials"][1]
    assert [w[0] for w in alone["curve"]["window_wrong"]] == [w[1] for w in together["curve"]["window_wrong"]]
    assert mp.train_split(config, [4, 5, 6], 2)["trials"] == together["trials"]       # two processes


def test_training_stops_a_trial_when_fewer_than_n_seq_of_the_window_are_wrong(monkeypatch):
    """Fake errors: trial 0 always correct, trial 1 always wrong. Trial 0 meets both rules when the
    window of 200 fills, its weights are frozen there; trial 1 never stops."""
    config = mp.PaperConfig(T=30, max_sequences=300, recent=200, every=50)

    def fake(outputs, lengths):
        P = lengths.shape[0]
        return np.where(np.arange(P)[:, None] == 0, 0.0, 1.0) + np.zeros(lengths.shape)
    monkeypatch.setattr(mp, "end_outputs", lambda outputs, lengths: fake(outputs, lengths)
                        if outputs.shape[1] == 1 else np.zeros(lengths.shape))
    monkeypatch.setattr(mp, "TrainingStream", _ZeroTargets)
    result = mp.train_bank(config, [0, 1])
    first, second = result["trials"]
    assert first["n140"]["stopped"] and first["n140"]["sequences"] == 200
    assert first["n13"]["stopped"] and first["n13"]["sequences"] == 200
    assert not second["n140"]["stopped"] and second["n140"]["sequences"] is None


class _ZeroTargets(mp.TrainingStream):
    def __call__(self, n):
        episode = super().__call__(n)
        return mp.Episode(episode.inputs, np.zeros_like(episode.targets), episode.weights, episode.lengths)


def test_the_comparisons_run_on_the_same_sequences_and_report_both_stops():
    for model in ("rnn", "odyssnet"):
        config = mp.Config(model=model, T=30, batch=16, max_sequences=64, recent=32, every=32)
        result = mp.train_learner(config, 0)
        trial = result["trials"][0]
        assert set(trial) == {"seed", "n140", "n13"} and result["seen"] == 64
        assert len(result["curve"]["seen"]) == 2


def test_gaussian_rms_inverts_the_tail():
    from shared.networks.activations import erf
    sigma = mp.gaussian_rms(139 / 2560)
    tail = 1.0 - float(erf(np.array(0.04 / (sigma * np.sqrt(2.0)))))
    assert abs(tail - 139 / 2560) < 1e-9
    assert 0.019 < sigma < 0.023                                   # near Table 8's 0.0223


# ----------------------------------------------------------------------------------------
# The verdict
# ----------------------------------------------------------------------------------------


def record_with(stops, wrong=130, rmse=0.021, cap=600_000, spread=1.0):
    rows = []
    for i, sequences in enumerate(stops):
        solved = sequences is not None
        rows.append({"seed": i, "solved": solved, "sequences": sequences,
                     "wrong_of_2560": wrong + spread * (i % 3 - 1) * 5, "test_rmse": rmse * (1 + 0.02 * (i % 3 - 1)),
                     "test_mse": rmse ** 2})
    return {mp.VERDICT_SECTION: {"seeds": {"per_seed": rows}, "headline": {"cap": cap}, "command": "x"}}


GOOD = [400_000 + 20_000 * i for i in range(10)]


def test_verdict_pending_without_the_section_or_with_too_few_seeds():
    assert mp.verdict({})["value"] == "pending"
    assert mp.verdict(record_with(GOOD[:9]))["value"] == "pending"


def test_verdict_yes_when_the_paper_is_reproduced():
    result = mp.verdict(record_with(GOOD))
    assert result["value"] == "yes", result["reason"]


def test_verdict_reliability_threshold():
    nine = GOOD[:9] + [None]
    assert mp.verdict(record_with(nine))["claims"][0]["holds"]
    eight = GOOD[:8] + [None, None]
    result = mp.verdict(record_with(eight))
    assert not result["claims"][0]["holds"] and result["value"] == "no"


def test_verdict_wrong_count_both_sides():
    assert mp.verdict(record_with(GOOD, wrong=139))["claims"][1]["holds"]
    assert not mp.verdict(record_with(GOOD, wrong=60))["claims"][1]["holds"]          # far better than the paper
    assert mp.verdict(record_with(GOOD, wrong=60))["value"] == "no"
    assert not mp.verdict(record_with(GOOD, wrong=260))["claims"][1]["holds"]


def test_verdict_sequences_lower_side():
    fast = [100_000 + 1000 * i for i in range(10)]
    result = mp.verdict(record_with(fast))
    assert not result["claims"][2]["holds"] and result["value"] == "partial"
    assert mp.verdict(record_with([300_000 + 1000 * i for i in range(10)]))["claims"][2]["holds"]


def test_verdict_error_and_the_text_limit():
    assert not mp.verdict(record_with(GOOD, rmse=0.005))["claims"][3]["holds"]
    assert mp.verdict(record_with(GOOD, rmse=0.03))["claims"][3]["holds"]
    over = mp.verdict(record_with(GOOD, wrong=168, spread=1.0))      # 163, 168, 173: one above 170
    assert not over["claims"][4]["holds"] and over["value"] == "partial"
    assert mp.verdict(record_with(GOOD, wrong=160))["claims"][4]["holds"]


def test_verdict_with_no_stop_at_all():
    result = mp.verdict(record_with([None] * 10))
    assert result["value"] == "no" and not any(c["holds"] for c in result["claims"])


def test_the_recorded_verdict_is_what_the_rule_gives():
    path = ROOT / "multiplication-problem" / "results.json"
    if not path.exists():
        pytest.skip("not recorded yet")
    record = json.loads(path.read_text())
    assert mp.verdict(record)["value"] == record["verdict"]["value"]


# ----------------------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------------------


def test_quick_runs_and_prints_the_verdict(capsys):
    assert mp.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "verdict" in out and "the paper (Table 8)" in out


@pytest.mark.parametrize("argv", [["--forget-bias", "2"], ["--model", "rnn", "--lr", "0.1"],
                                  ["--batch", "8"], ["--quick", "--max-sequences", "100"],
                                  ["--record", "/tmp/x.json", "--n-seeds", "3"], ["--workers", "3"], ["--lr", "0"],
                                  ["--input-bias", "1"], ["--input-bias", "nan,1"], ["--model", "rnn", "--input-bias",
                                                                                     "random"]])
def test_bad_command_lines_exit_2(argv):
    with pytest.raises(SystemExit) as done:
        mp.parse_args(argv)
    assert done.value.code == 2


def test_section_names():
    names = {(): None, ("--max-sequences", "600000"): "paper_scale", ("--forget-gate",): "forget_gate",
             ("--forget-gate", "--forget-bias", "random"): "forget_gate_random_bias",
             ("--model", "odyssnet"): "odyssnet", ("--model", "rnn", "--max-sequences", "5000"): "rnn_cap5000",
             ("--input-bias=-3,-6", "--lr", "0.5"): "input_bias-3_-6_lr0.5", ("--input-bias", "random"): None}
    for argv, name in names.items():
        assert mp.section_name(mp.parse_args(list(argv))) == name
