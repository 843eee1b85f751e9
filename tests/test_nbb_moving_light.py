"""nbb-moving-light: the task, the readings the script adds to shared.networks.nbb, and the verdict rule."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script

ml = load_module(ROOT / "nbb-moving-light" / "nbb_moving_light.py")
SCRIPT = ROOT / "nbb-moving-light" / "nbb_moving_light.py"
NET = ml.Net(5)                       # cells 0..4 | on 5 | out0 (LR) 6, out1 (RL) 7


def test_the_papers_wiring_and_frames():
    """node6 (as quoted): 5 cells + an always-on unit, fully connected to 2 outputs, which are fully connected
    to themselves; the light crosses one cell per tick."""
    c = NET.connections()
    assert c[:6, 6:].all() and c[6:, 6:].all() and c.sum() == 12 + 4 and not c[:, :6].any()
    f = NET.frames(np.array([0, 1]), 5)
    assert f.shape == (2, 6, 6) and (f[:, :, 5] == 1).all()
    assert [int(np.argmax(f[0, t, :5])) for t in range(5)] == [0, 1, 2, 3, 4]
    assert [int(np.argmax(f[1, t, :5])) for t in range(5)] == [4, 3, 2, 1, 0]
    assert not f[:, 5, :5].any()                                       # after the crossing: dark


def hand_wired() -> np.ndarray:
    """A solution by hand: the first cell lit decides, the outputs hold themselves."""
    w = np.zeros((NET.n_units, NET.n_units))
    w[0, 6], w[4, 7] = 1.0, 1.0
    w[5, 6], w[5, 7] = 0.1, 0.1
    w[6, 6], w[7, 7] = 2.0, 2.0
    return w


def test_the_frozen_test_accepts_a_hand_wired_solution_under_every_criterion():
    setting = ml.Setting()
    activity = ml.frozen_on(hand_wired()[None].astype(np.float32), setting)
    for criterion in ml.CRITERIA:
        assert ml.judged(activity, setting, criterion).all(), criterion
    swapped = hand_wired()[:, [0, 1, 2, 3, 4, 5, 7, 6]][[0, 1, 2, 3, 4, 5, 7, 6]]   # the outputs' roles swapped
    assert not ml.judged(ml.frozen_on(swapped[None], setting), setting, "last-tick").any()


def test_the_criteria_differ_where_they_should():
    setting = ml.Setting()
    activity = np.zeros((1, 2, 6, NET.n_units))
    activity[0, 0, 1:, 6] = 1                                          # LR right at every tick
    activity[0, 1, 4:, 7] = 1                                          # RL right from tick 4
    assert ml.judged(activity, setting, "last-tick").tolist() == [[True, True]]
    assert ml.judged(activity, setting, "last-3").tolist() == [[True, False]]
    assert ml.judged(activity, setting, "every-tick").tolist() == [[True, False]]


def test_frozen_test_matches_a_cycle_without_learning():
    rng = np.random.default_rng(3)
    setting = ml.Setting()
    w = (rng.uniform(0.5, 1.5, (2, NET.n_units, NET.n_units)) * NET.connections()).astype(np.float32)
    rule = {"lam": np.zeros(2, np.float32), "eta": np.zeros(2, np.float32), "last_tick_only": np.zeros(2, bool),
            "ff_denominator": np.zeros(2, bool), "no_recurrent_payoff": np.zeros(2, bool),
            "random_tie": np.zeros(2, bool)}
    frozen = ml.frozen_on(w, setting)
    for k in (0, 1):
        after, on, _ = ml.present(w, np.array([k, k]), setting, rule)
        assert np.array_equal(after, w)
        assert np.array_equal(on, frozen[:, k, 1:, 6 + k] > 0)


def test_only_existing_connections_change_under_every_reading():
    setting = ml.Setting(max_cycles=30, stable_window=5)
    variants = [setting, replace(setting, denominator="feedforward"), replace(setting, recurrent_payoff=False),
                replace(setting, reward="last-tick"), replace(setting, tie_break="random")]
    run = ml.train([(0, s) for s in variants])
    assert np.all(run.weights[:, ~NET.connections()] == 0)
    assert np.all(run.weights[:, NET.connections()] > 0)


def test_the_feedforward_denominator_starves_the_recurrent_edges_of_repayment():
    """With payoff off and the denominator over feedforward predecessors only, output -> output edges
    only ever pay; with all predecessors they are repaid too."""
    setting = ml.Setting()
    rng = np.random.default_rng(0)
    w = (rng.uniform(0.999, 1.001, (1, NET.n_units, NET.n_units)) * NET.connections()).astype(np.float32)
    base = {"lam": np.full(1, 0.005, np.float32), "eta": np.zeros(1, np.float32), "last_tick_only": np.zeros(1, bool),
            "no_recurrent_payoff": np.zeros(1, bool), "random_tie": np.zeros(1, bool)}
    ff, _, _ = ml.present(w, np.array([0]), setting, {**base, "ff_denominator": np.ones(1, bool)})
    every, _, _ = ml.present(w, np.array([0]), setting, {**base, "ff_denominator": np.zeros(1, bool)})
    rec = np.ix_([0], [6, 7], [6, 7])
    assert (every[rec] > ff[rec]).any() and np.all(every[rec] >= ff[rec])


def test_no_recurrent_payoff_pays_the_retina_exactly_as_before():
    """Over two ticks (later ticks see different recurrent weights, so everything differs)."""
    setting = ml.Setting(ticks=2)
    rng = np.random.default_rng(1)
    w = (rng.uniform(0.999, 1.001, (1, NET.n_units, NET.n_units)) * NET.connections()).astype(np.float32)
    w[0, [0, 1, 6], 6] += 0.01                                         # out0 (LR's) fires at ticks 1 and 2
    base = {"lam": np.full(1, 0.005, np.float32), "eta": np.full(1, 0.005, np.float32),
            "last_tick_only": np.zeros(1, bool), "ff_denominator": np.zeros(1, bool), "random_tie": np.zeros(1, bool)}
    with_rec, on, _ = ml.present(w, np.array([0]), setting, {**base, "no_recurrent_payoff": np.zeros(1, bool)})
    without, _, _ = ml.present(w, np.array([0]), setting, {**base, "no_recurrent_payoff": np.ones(1, bool)})
    assert on.all()
    np.testing.assert_array_equal(with_rec[0, :6], without[0, :6])
    assert (with_rec[0, 6:, 6:] >= without[0, 6:, 6:]).all() and (with_rec[0, 6:, 6:] > without[0, 6:, 6:]).any()


def test_random_tie_break_acts_on_exact_ties_only():
    net_input = np.zeros((3, NET.n_units), np.float32)
    net_input[0, 6:] = [1.0, 1.0]                                      # a tie
    net_input[1, 6:] = [1.0, 2.0]
    net_input[2, 6:] = [0.0, 0.0]                                      # silent: not a tie that fires
    coin = np.array([True, True, True])
    activity, ties = ml.compete(net_input, NET, coin)
    assert ties.tolist() == [True, False, False]
    assert activity[:, 6:].tolist() == [[0, 1], [0, 1], [0, 0]]
    activity, _ = ml.compete(net_input, NET, None)
    assert activity[:, 6:].tolist() == [[1, 0], [0, 1], [0, 0]]


def test_a_network_gives_the_same_run_alone_or_in_a_batch():
    s = ml.Setting(max_cycles=80, stable_window=10)
    alone = ml.train([(3, s)])
    batch = ml.train([(1, replace(s, order="alternating")), (3, s), (5, replace(s, eta=0.01))])
    n = min(alone.cycles, batch.cycles)
    assert np.array_equal(alone.correct[:n, 0], batch.correct[:n, 1])
    assert np.array_equal(alone.substance[:n, 0], batch.substance[:n, 1])
    assert ml.network_row(alone, 0) == ml.network_row(batch, 1)


def test_the_rule_learns_the_task():
    run = ml.train([(seed, ml.Setting(max_cycles=400, stable_window=10)) for seed in range(4)])
    assert (run.solved_at["last-tick"] > 0).sum() >= 3


def test_sequence_orders():
    rng = np.random.default_rng(0)
    assert ml.sequence_order(rng, 5, "alternating").tolist() == [0, 1, 0, 1, 0]
    pairs = ml.sequence_order(rng, 10, "shuffled").reshape(5, 2)
    assert (np.sort(pairs, axis=1) == [0, 1]).all()


@pytest.mark.parametrize("argv", [["--lam", "0.01", "--record", "/dev/null", "--n-seeds", "40"],
                                  ["--model", "odyssnet", "--lam", "0.01"], ["--readings", "--retina"],
                                  ["--n-cells", "2"], ["--eta", "-1"], ["--readings", "--n-cells", "8"],
                                  ["--n-seeds", "39", "--record", "/dev/null"]])
def test_refused_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        ml.parse_args(argv)
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_each_recorded_configuration_goes_to_its_section(tmp_path):
    path = tmp_path / "results.json"
    for flags in (["--retina"], ["--readings"], []):
        done = run_script(SCRIPT, "--quick", "--n-seeds", "2", *flags, "--record", path)
        assert done.returncode == 0, done.stderr
    record = json.loads(path.read_text())
    assert {"retina", "readings"} <= set(record) and record["slug"] == "nbb-moving-light"
    assert record["verdict"]["value"] == "pending"


# ----------------------------------------------------------------------------------------
# The verdict rule: synthetic records on both sides of every threshold.
# ----------------------------------------------------------------------------------------


def rows(n=40, solved=None, center=223.0, spread=0.2):
    solved = n if solved is None else solved
    values = center * (1 + spread * np.linspace(-1, 1, n))
    return [{"seed": i, "solved": i < solved, "per_sequence": float(values[i]) if i < solved else None}
            for i in range(n)]


def holds(verdict):
    return [c["holds"] for c in verdict["claims"]]


def test_verdict_yes_when_both_figures_match():
    verdict = ml.verdict({"seeds": {"per_seed": rows()}})
    assert verdict["value"] == "yes" and holds(verdict) == [True, True]


def test_verdict_pending():
    assert ml.verdict({"seeds": None})["value"] == "pending"
    assert ml.verdict({})["value"] == "pending"
    assert ml.verdict({"seeds": {"per_seed": rows(n=39)}})["value"] == "pending"


@pytest.mark.parametrize("solved, expected", [(40, "yes"), (33, "yes"), (28, "no"), (9, "no")])
def test_solve_rate_threshold(solved, expected):
    assert ml.verdict({"seeds": {"per_seed": rows(solved=solved)}})["value"] == expected


@pytest.mark.parametrize("center, expected", [(223, True), (180, True), (300, True), (120, False), (400, False)])
def test_count_threshold(center, expected):
    verdict = ml.verdict({"seeds": {"per_seed": rows(center=center, spread=0.1)}})
    assert holds(verdict) == [True, expected]
    assert verdict["value"] == ("yes" if expected else "qualitative")


def test_count_is_per_sequence_not_cycles():
    """446 cycles = 223 per sequence: a record whose per_sequence is 446 does not match."""
    assert holds(ml.verdict({"seeds": {"per_seed": rows(center=446, spread=0.1)}})) == [True, False]


def test_fewer_than_two_solved_seeds_fail_the_count_claim():
    verdict = ml.verdict({"seeds": {"per_seed": rows(solved=1)}})
    assert verdict["value"] == "no" and holds(verdict) == [False, False]


def test_verdict_reads_a_json_round_trip():
    record = json.loads(json.dumps({"seeds": {"per_seed": rows()}}))
    assert ml.verdict(record)["value"] == "yes"
