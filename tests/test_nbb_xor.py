"""nbb-xor: the properties the Neural Bucket Brigade rule must have, whatever the reading, and the verdict rule."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script

nbb = load_module(ROOT / "nbb-xor" / "nbb_xor.py")
ARCH = nbb.ARCHITECTURES["three-hidden"]          # x1, x2, on | h1 h2 h3 | y0 y1
SCRIPT = ROOT / "nbb-xor" / "nbb_xor.py"


def test_the_papers_wiring():
    """node6: inputs feed the hidden subset and the output subset; the hidden subset feeds the outputs."""
    c = ARCH.connections
    assert c[:3, 3:6].all() and c[:3, 6:].all() and c[3:6, 6:].all()
    assert c.sum() == 9 + 6 + 6
    assert not nbb.Architecture((3,), input_to_output=False).connections[:3, 6:].any()
    assert (nbb.PATTERNS[:, 2] == 1).all()                              # the third input is always on
    assert nbb.ARCHITECTURES["two-subsets"].subsets[1:3] == [slice(3, 5), slice(5, 7)]


def hand_wired() -> np.ndarray:
    """A solution by hand: h1 fires only for (1,1) and sends it to y0; the inputs vote y1 directly."""
    w = np.zeros((ARCH.n_units, ARCH.n_units))
    x1, x2, on, h1, h2, h3, y0, y1 = range(8)
    w[on, h1], w[x1, h1], w[x2, h1] = 1.0, 0.3, 0.3                    # 1.6 for (1,1), 1.3 for one input
    w[on, h2] = 1.5                                                    # wins otherwise
    w[on, h3] = 0.1
    w[on, y0], w[x1, y1], w[x2, y1] = 0.5, 1.0, 1.0
    w[h1, y0], w[h1, y1], w[h2, y0], w[h2, y1], w[h3, y0], w[h3, y1] = 3.0, 0.1, 0.1, 0.1, 0.1, 0.1
    assert np.all(w[~ARCH.connections] == 0)
    return w


def test_the_frozen_test_accepts_a_hand_wired_solution():
    w = hand_wired()[None]
    activity = nbb.frozen_activity(w, ARCH, nbb.Rule())
    assert nbb.frozen_correct(activity, ARCH, nbb.Rule()).all()
    assert activity[0, :, -1, 3].tolist() == [0, 0, 0, 1]             # h1 is the AND unit
    without = w * nbb.Architecture((3,), input_to_output=False).connections
    assert not nbb.frozen_correct(nbb.frozen_activity(without, ARCH, nbb.Rule()), ARCH, nbb.Rule()).all()


def test_the_frozen_test_needs_the_last_three_ticks():
    activity = np.zeros((1, 4, 7, ARCH.n_units))
    for k in range(4):
        activity[0, k, 4:7, 6 + nbb.TARGETS[k]] = 1                    # right at ticks 4, 5, 6
    assert nbb.frozen_correct(activity, ARCH, nbb.Rule()).all()
    activity[0, 2, 4, 6 + nbb.TARGETS[2]] = 0                          # pattern (1,0) off at tick 4
    assert nbb.frozen_correct(activity, ARCH, nbb.Rule()).tolist() == [[True, True, False, True]]


def test_frozen_evaluation_changes_nothing_and_matches_unlearned_cycles():
    rng = np.random.default_rng(1)
    weights = (rng.uniform(0.5, 1.5, (2, ARCH.n_units, ARCH.n_units)) * ARCH.connections).astype(np.float32)
    copy = weights.copy()
    correct = nbb.frozen_correct(nbb.frozen_activity(weights, ARCH, nbb.Rule()), ARCH, nbb.Rule())
    assert np.array_equal(weights, copy)
    for k in range(4):
        _, right = nbb.present(weights, np.array([k, k]), ARCH, nbb.Rule(), learn=False)
        np.testing.assert_array_equal(right, correct[:, k])


def test_the_online_criterion():
    right = np.ones((2, 20), dtype=bool)
    patterns = np.tile(np.arange(4), (2, 5))
    patterns[1] = 0                                                    # only (0,0) seen: not solved
    assert nbb.online_solved(right, patterns).tolist() == [True, False]
    right[0, 7] = False
    assert nbb.online_solved(right, patterns).tolist() == [False, False]


SMALL = nbb.Setting(max_cycles=400, stable_window=50)


def test_only_existing_connections_ever_change():
    run = nbb.train([(0, nbb.Setting(max_cycles=200, stable_window=0))])
    assert np.all(run.weights[0][~ARCH.connections] == 0)
    assert np.all(run.weights > -1e-12)                                # substance never goes negative
    assert run.weights.dtype == np.float32                             # the paper's 32-bit arithmetic
    old = nbb.train([(0, nbb.Setting(max_cycles=200, stable_window=0, input_to_output=False))])
    assert np.all(old.weights[0][:3, 6:] == 0)


def test_the_rule_solves_xor():
    """A tiny problem it must solve: the paper's net under the headline protocol, seed 0."""
    run = nbb.train([(0, nbb.Setting(max_cycles=3000, stable_window=0))])
    assert run.solved_at[0] > 0
    assert run.correct[run.solved_at[0] - 1, 0].all()


def test_a_network_gives_the_same_run_alone_or_in_a_batch():
    other = nbb.Setting(rule=nbb.Rule(lam=0.01, eta=0.01, reward="last-tick"), order="cyclic", stable_window=50,
                        max_cycles=400)
    together = nbb.train([(3, SMALL), (7, SMALL), (3, other)])
    for i, (seed, setting) in enumerate([(3, SMALL), (7, SMALL), (3, other)]):
        alone = nbb.train([(seed, setting)])
        steps = alone.cycles
        assert together.solved_at[i] == alone.solved_at[0] and together.online_at[i] == alone.online_at[0]
        np.testing.assert_array_equal(together.correct[:steps, i], alone.correct[:, 0])
        np.testing.assert_array_equal(together.substance[:steps, i], alone.substance[:, 0])
        assert nbb.network_row(together, i) == nbb.network_row(alone, 0)


def test_the_stable_grouping_is_recorded_for_stable_runs():
    """Seed 0 settles (from cycle 3382 in the recorded run) into the code that counts the active inputs."""
    run = nbb.train([(0, nbb.Setting(max_cycles=3500, stable_window=100)), (1, nbb.Setting(max_cycles=3500,
                                                                                           stable_window=100))])
    row = nbb.network_row(run, 0)
    assert row["stable"] and row["stable_grouping"] == "(0,0) | (0,1)+(1,0) | (1,1)"
    assert all((r["stable_grouping"] is None) == (not r["stable"]) for r in (row, nbb.network_row(run, 1)))


def test_a_batch_must_share_the_arithmetic():
    with pytest.raises(ValueError):
        nbb.train([(0, SMALL), (0, nbb.Setting(rule=nbb.Rule(dtype="float64"), max_cycles=400, stable_window=50))])


def test_pattern_orders():
    rng = np.random.default_rng(0)
    assert nbb.pattern_order(rng, 9, "cyclic").tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    shuffled = nbb.pattern_order(rng, 12, "shuffled")
    assert all(sorted(shuffled[i:i + 4]) == [0, 1, 2, 3] for i in range(0, 12, 4))
    assert set(nbb.pattern_order(rng, 200, "random")) == {0, 1, 2, 3}


def test_partition_names_the_hidden_grouping():
    assert nbb.partition(np.array([1, 2, 2, 4])) == "(0,0) | (0,1)+(1,0) | (1,1)"
    assert nbb.partition(np.array([1, 1, 1, 2])) == "(0,0)+(0,1)+(1,0) | (1,1)"


@pytest.mark.parametrize("argv", [["--ticks", "3"], ["--readings", "--arch", "two-hidden"],
                                  ["--lam", "0.01", "--n-seeds", "40", "--record", "/dev/null"],
                                  ["--arch", "two-hidden", "--criterion", "frozen", "--n-seeds", "40", "--record",
                                   "/dev/null"],
                                  ["--n-seeds", "39", "--record", "/dev/null"]])
def test_refused_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        nbb.parse_args(argv)
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_each_recorded_configuration_goes_to_its_section(tmp_path):
    path = tmp_path / "results.json"
    for flags in (["--arch", "two-hidden"], ["--readings"], []):
        done = run_script(SCRIPT, "--quick", "--n-seeds", "2", *flags, "--record", path)
        assert done.returncode == 0, done.stderr
    record = json.loads(path.read_text())
    assert {"two-hidden", "readings"} <= set(record) and record["slug"] == "nbb-xor"
    assert "frozen_cycles" in record["two-hidden"]["seeds"]["per_seed"][0]
    assert record["verdict"]["value"] == "pending"                    # two seeds, no two-subsets section


# ----------------------------------------------------------------------------------------
# The verdict rule: synthetic records on both sides of every threshold.
# ----------------------------------------------------------------------------------------


def rows(n=40, solved=None, center=619.0, spread=0.2, stable=None):
    """n per-seed rows; cycles spread evenly over center * (1 -+ spread); the first `solved` seeds solved."""
    solved = n if solved is None else solved
    stable = solved if stable is None else stable
    cycles = center * (1 + spread * np.linspace(-1, 1, n))
    return [{"seed": i, "solved": i < solved, "cycles": float(cycles[i]) if i < solved else None,
             "stable": i < stable} for i in range(n)]


def synthetic_record(three=None, two_hidden=None, two_subsets=None):
    record = {"seeds": {"per_seed": rows() if three is None else three}}
    record["two-hidden"] = {"command": "x", "seeds": {"per_seed": rows(center=640) if two_hidden is None else two_hidden}}
    record["two-subsets"] = {"command": "x", "seeds": {"per_seed": rows(center=1052) if two_subsets is None
                                                       else two_subsets}}
    return record


def holds(verdict):
    return [c["holds"] for c in verdict["claims"]]


def test_verdict_yes_when_every_figure_matches():
    verdict = nbb.verdict(synthetic_record())
    assert verdict["value"] == "yes" and holds(verdict) == [True] * 6


def test_verdict_is_pending_without_a_section_or_with_too_few_seeds():
    assert nbb.verdict({"seeds": None})["value"] == "pending"
    record = synthetic_record()
    del record["two-hidden"]
    assert nbb.verdict(record)["value"] == "pending"
    assert nbb.verdict(synthetic_record(three=rows(n=39)))["value"] == "pending"
    assert nbb.verdict(synthetic_record(two_subsets=rows(n=20, center=1052)))["value"] == "pending"
    assert nbb.verdict({"two-hidden": {"command": "x", "seeds": None}})["value"] == "pending"  # a section alone


@pytest.mark.parametrize("solved,expected", [(40, True), (39, True), (36, False)])
def test_solve_rate_threshold(solved, expected):
    verdict = nbb.verdict(synthetic_record(three=rows(solved=solved)))
    assert holds(verdict)[0] is expected
    assert verdict["value"] == ("yes" if expected else "no")


@pytest.mark.parametrize("center,expected", [(619, True), (619 * 1.3, True), (619 * 1.6, False), (619 / 1.6, False)])
def test_count_threshold(center, expected):
    verdict = nbb.verdict(synthetic_record(three=rows(center=center)))
    assert holds(verdict)[1] is expected
    assert verdict["value"] == ("yes" if expected else "partial")


def test_count_is_in_cycles_not_per_pattern():
    """619 per pattern would be 2476 cycles: far outside the band."""
    assert holds(nbb.verdict(synthetic_record(three=rows(center=4 * 619))))[1] is False


@pytest.mark.parametrize("stable,expected", [(40, True), (39, True), (30, False)])
def test_stability_threshold(stable, expected):
    assert holds(nbb.verdict(synthetic_record(three=rows(stable=stable))))[2] is expected


@pytest.mark.parametrize("center,expected", [(640, True), (20, False), (640 * 1.6, False)])
def test_two_hidden_online_count(center, expected):
    assert holds(nbb.verdict(synthetic_record(two_hidden=rows(center=center))))[3] is expected


@pytest.mark.parametrize("center,expected", [(1052, True), (263, False), (1052 * 1.6, False)])
def test_two_subsets_count(center, expected):
    assert holds(nbb.verdict(synthetic_record(two_subsets=rows(center=1052 if center is None else center))))[4] \
        is expected


@pytest.mark.parametrize("solved,expected", [(40, True), (27, True), (20, False)])
def test_two_subsets_rate(solved, expected):
    assert holds(nbb.verdict(synthetic_record(two_subsets=rows(solved=solved, center=1052))))[5] is expected


def test_fewer_than_two_solved_seeds_fail_the_count_claim():
    verdict = nbb.verdict(synthetic_record(two_hidden=rows(solved=1, center=640)))
    assert holds(verdict)[3] is False and verdict["claims"][3]["p"] is None


def test_qualitative_when_only_the_primary_claim_holds():
    record = synthetic_record(three=rows(center=3000, stable=0), two_hidden=rows(center=10),
                              two_subsets=rows(solved=20, center=5000))
    verdict = nbb.verdict(record)
    assert holds(verdict) == [True, False, False, False, False, False]
    assert verdict["value"] == "qualitative"


def test_verdict_reads_a_json_round_trip():
    record = json.loads(json.dumps(synthetic_record()))
    assert nbb.verdict(record) == json.loads(json.dumps(nbb.verdict(record)))


