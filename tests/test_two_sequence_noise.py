"""two-sequence-noise: the paper's net and criteria, the ST1/ST2 test-set rule, the random weight
guesser, and the verdict rule on both sides of its thresholds."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import ROOT, load_module

tsn = load_module(ROOT / "two-sequence-noise" / "two_sequence_noise.py")


# ----------------------------------------------------------------------------------------
# The paper's net, the criteria, the ST1/ST2 rule
# ----------------------------------------------------------------------------------------


def test_the_paper_net_has_102_weights_and_the_papers_initial_biases():
    net = tsn.paper_net([np.random.default_rng(i) for i in range(2)])
    assert net.n_weights == 102
    np.testing.assert_array_equal(net.W[:, -1, net.rows["input"]], [[-1.0, -3.0, -5.0]] * 2)
    np.testing.assert_array_equal(net.W[:, -1, net.rows["output"]], [[-2.0, -4.0, -6.0]] * 2)
    assert np.abs(net.W[:, :-1]).max() <= 0.1 and np.abs(net.W[:, -1, :3]).max() <= 0.1   # cell biases random
    assert net.V.shape == (2, 3, 1)                                                            # no output bias


def test_criteria_are_the_papers():
    a, b, c = tsn.CRITERIA["3a"], tsn.CRITERIA["3b"], tsn.CRITERIA["3c"]
    assert (a.lr, b.lr, c.lr) == (1.0, 1.0, 0.1)
    assert a.wrong(np.array([0.19999, 0.2, np.nan])).tolist() == [False, True, True]   # correct: |e| < 0.2
    assert c.wrong(np.array([0.1, 0.10001])).tolist() == [False, True]                   # wrong: > 0.1
    assert (a.tolerated, b.tolerated, c.tolerated) == (0, 5, 0)                          # 3b: fewer than 6
    assert (a.mae_below, b.mae_below, c.mae_below) == (0.01, 0.04, 0.015)


class Fixed:
    clean: np.ndarray

    def __init__(self, clean):
        self.clean = np.asarray(clean, float)[:, None]


@pytest.mark.parametrize("variant,wrong_count,st1", [("3a", 0, True), ("3a", 1, False), ("3b", 5, True),
                                                     ("3b", 6, False)])
def test_st1_counts_misclassified_test_sequences_as_the_paper(variant, wrong_count, st1):
    crit = tsn.CRITERIA[variant]
    clean = np.zeros(256)
    outputs = np.full(256, 0.005)
    outputs[-wrong_count - 1:-1] = 0.5 if wrong_count else 0.005           # wrong ones late: past the first stage
    got1, got2, wrong, mae = tsn.st_test(lambda rows, part: outputs[part][None].repeat(len(rows), 0),
                                         [Fixed(clean)], crit)
    assert wrong[0] == wrong_count and got1[0] == st1
    assert got2[0] == (st1 and mae[0] < crit.mae_below)


def test_st2_needs_the_mean_error_below_the_limit():
    crit = tsn.CRITERIA["3a"]
    for level, ok in ((0.009, True), (0.011, False)):
        out = np.full(256, level)
        st1, st2, _, _ = tsn.st_test(lambda rows, part: out[part][None], [Fixed(np.zeros(256))], crit)
        assert st1[0] and st2[0] == ok


def test_a_hand_wired_latch_is_accepted_and_an_empty_net_is_not():
    """A guessed net that latches the first input (one tanh unit, self-weight 5) solves 3a; all zeros does not."""
    lay = tsn.guess_layout(1)
    w = np.zeros((2, lay["size"]))
    w[0, lay["w_in"]], w[0, lay["w_rec"]], w[0, lay["v"]] = 2.0, 5.0, 12.0
    data = tsn.two_sequence_problem(np.random.default_rng(0), 256, 100, 3, "3a")
    out = tsn.guess_outputs(w, 1, data.x, data.lengths)
    diff = np.abs(out - data.clean[:, 0])
    assert diff[0].max() < 0.01 and diff[1].min() == pytest.approx(0.5)


def test_guessing_solves_3a_quickly():
    row = tsn.guess_seed(tsn.Config(budget=50_000, guess_batch=1024), 0)
    assert row["solved"] and row["sequences"] < 50_000 and row["fraction_wrong_of_2560"] < 0.01


def test_training_learns_3a_and_a_trial_reads_only_its_own_data():
    """Over a short run a trial in a bank computes what it computes alone up to rounding (over long
    runs at rate 1.0 rounding differences grow: recorded seeds are reproduced by their whole bank)."""
    config = tsn.Config(T=20, budget=2000, curve_every=500)
    both = tsn.train_paper(config, [0, 1])
    alone = tsn.train_paper(config, [1])
    again = tsn.train_paper(config, [0, 1])
    np.testing.assert_allclose(both[1].W, alone[0].W, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(both[0].W, again[0].W)               # the same bank: bit for bit
    assert both[0].curve[-1][1] < 0.5                                  # better than chance by the end


def test_3c_is_read_on_line_when_recorded_and_in_batches_otherwise():
    rec = good_record()
    rec["3c"] = {"seeds": {"per_seed": lstm_rows(None, 900_000, 0.005, mae=0.014)}}
    assert claim(tsn.verdict(rec), "3c: sequences to the stop")["estimate"] > 800_000
    del rec["3c"]
    assert claim(tsn.verdict(rec), "3c: sequences to the stop")["estimate"] < 300_000


def test_batches_of_sequences_count_every_sequence():
    trial = tsn.train_paper(tsn.Config(T=20, budget=600, curve_every=200, paper_batch=10), [0])[0]
    assert trial.seen == 600 and [c[0] for c in trial.curve] == [200, 400, 600]
    with pytest.raises(ValueError):
        tsn.train_paper(tsn.Config(T=20, budget=600, paper_batch=3), [0])


def test_a_seed_trains_the_same_alone_in_a_bank_or_over_processes():
    config = tsn.Config(T=20, budget=1200, curve_every=200, check_every=100)
    alone = tsn.train_paper(config, [1])[0].row()
    assert tsn.train_paper(config, [0, 1, 2])[1].row() == alone
    assert [t.row() for t in tsn.over_banks(tsn.paper_bank, [2, 0, 1], 2, config)][2] == alone


def test_bad_arguments_exit_2():
    for bad in (["--variant", "3d"], ["--N", "2"], ["--guess-hidden", "2"], ["--quick", "--T", "50"],
                ["--model", "rnn", "--batch", "10"], ["--batch", "3"], ["--model", "guess", "--workers", "2"]):
        with pytest.raises(SystemExit) as stop:
            tsn.parse_args(bad)
        assert stop.value.code == 2


@pytest.mark.parametrize("argv,section", [([], None), (["--variant", "3b"], "3b"), (["--variant", "3c"], "3c"),
                                          (["--model", "guess"], "guess"),
                                          (["--model", "guess", "--variant", "3c"], "guess_3c"),
                                          (["--model", "rnn"], "rnn"), (["--model", "odyssnet"], "odyssnet"),
                                          (["--variant", "3c", "--batch", "10"], "3c_batch10")])
def test_records_go_to_the_right_section(argv, section):
    assert tsn.section_name(tsn.parse_args(argv)) == section


# ----------------------------------------------------------------------------------------
# The verdict
# ----------------------------------------------------------------------------------------


def lstm_rows(st1, st2, frac, n=10, mae=0.01):
    return [{"seed": s, "solved": st2 is not None, "sequences": st2, "st1": st1, "st2": st2, "seen": st2 or 160_000,
             "fraction_wrong_of_2560": frac + 1e-5 * s, "mae_of_2560": mae + 1e-4 * s} for s in range(n)]


def guess_rows(cost, n=10, solved=True):
    return [{"seed": s, "solved": solved, "sequences": cost * (1 + 0.1 * s) if solved else None,
             "guesses": 100, "cost": cost} for s in range(n)]


def good_record():
    return {"seeds": {"per_seed": lstm_rows(27_000, 40_000, 0.0)},
            "3b": {"seeds": {"per_seed": lstm_rows(42_000, 43_000, 0.008)}},
            "3c_batch10": {"seeds": {"per_seed": lstm_rows(None, 270_000, 0.005, mae=0.014)}},
            "guess": {"seeds": {"per_seed": guess_rows(1000)}},
            "guess_3c": {"seeds": {"per_seed": guess_rows(269_650, solved=False)}}}


def claim(v, start):
    return next(c for c in v["claims"] if c["claim"].startswith(start))


def test_verdict_yes_when_every_claim_holds():
    v = tsn.verdict(good_record())
    assert v["value"] == "yes", v["reason"]
    assert len(v["claims"]) == 14


@pytest.mark.parametrize("drop,seeds", [("guess", None), ("3c_batch10", None), (None, 9)])
def test_verdict_pending_without_the_seeds_it_needs(drop, seeds):
    rec = good_record()
    if drop:
        del rec[drop]
    else:
        rec["seeds"]["per_seed"] = rec["seeds"]["per_seed"][:seeds]
    assert tsn.verdict(rec)["value"] == "pending"


def test_reliability_on_both_sides():
    rec = good_record()
    for row in rec["seeds"]["per_seed"][3:6]:
        row.update(solved=False, st2=None, sequences=None)
    v = tsn.verdict(rec)
    assert v["value"] == "no" and not claim(v, "3a: every trial")["holds"]
    assert not claim(v, "3a: sequences to ST2")["holds"]                   # censored


@pytest.mark.parametrize("frac,ok", [(0.001, True), (0.003, False)])
def test_3a_misclassified_fraction_on_both_sides(frac, ok):
    rec = good_record()
    rec["seeds"]["per_seed"] = lstm_rows(27_000, 40_000, frac)
    v = tsn.verdict(rec)
    assert claim(v, "3a: fraction")["holds"] == ok
    assert v["value"] == ("yes" if ok else "no")


@pytest.mark.parametrize("factor,ok", [(1.5, True), (0.6, True), (2.5, False), (0.4, False)])
def test_sequences_within_a_factor_2_on_both_sides(factor, ok):
    rec = good_record()
    rec["3b"]["seeds"]["per_seed"] = lstm_rows(int(41_740 * factor), int(43_250 * factor), 0.008)
    v = tsn.verdict(rec)
    assert claim(v, "3b: sequences to ST2")["holds"] == ok
    assert v["value"] == ("yes" if ok else "partial")


@pytest.mark.parametrize("mae,ok", [(0.015, True), (0.025, False)])
def test_3c_difference_to_the_clean_target_on_both_sides(mae, ok):
    rec = good_record()
    rec["3c_batch10"]["seeds"]["per_seed"] = lstm_rows(None, 270_000, 0.005, mae=mae)
    assert claim(tsn.verdict(rec), "3c: mean |output")["holds"] == ok


@pytest.mark.parametrize("cost,ok", [(1000, True), (80_000, False)])
def test_guessing_beats_lstm_on_3a_on_both_sides(cost, ok):
    rec = good_record()
    rec["guess"]["seeds"]["per_seed"] = guess_rows(cost)
    assert claim(tsn.verdict(rec), "3a: random weight guessing")["holds"] == ok


def test_a_guesser_that_fails_a_seed_does_not_beat_lstm():
    rec = good_record()
    rows = guess_rows(1000)
    rows[2].update(solved=False, sequences=None)
    rec["guess"]["seeds"]["per_seed"] = rows
    assert not claim(tsn.verdict(rec), "3a: random weight guessing")["holds"]


@pytest.mark.parametrize("solved,ok", [(0, True), (3, False)])
def test_guessing_fails_3c_on_both_sides(solved, ok):
    rec = good_record()
    rows = copy.deepcopy(guess_rows(269_650, solved=False))
    for r in rows[:solved]:
        r.update(solved=True, sequences=100_000)
    rec["guess_3c"]["seeds"]["per_seed"] = rows
    assert claim(tsn.verdict(rec), "3c: random weight guessing")["holds"] == ok
