"""nbb-xor: the properties the Neural Bucket Brigade rule must have, whatever the reading."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

nbb = load_module(ROOT / "nbb-xor" / "nbb_xor.py")
ARCH = nbb.ARCHITECTURES["one-subset"]


def random_state(rng, batch=4):
    """Weights on the architecture's connections and a plausible previous tick."""
    weights = rng.uniform(0.5, 1.5, (batch, ARCH.n_units, ARCH.n_units)) * ARCH.connections
    pattern = rng.integers(0, 4, batch)
    before = np.zeros((batch, ARCH.n_units))
    before[:, :3] = nbb.PATTERNS[pattern]
    before[np.arange(batch), 3 + rng.integers(0, 3, batch)] = 1        # a hidden unit fired at t-1
    contributions_before, activity_before = nbb.tick(weights, before, nbb.PATTERNS[pattern], ARCH)
    return weights, pattern, activity_before, contributions_before * activity_before[:, None, :]


def test_winner_take_all_picks_one_positive_winner_per_subset():
    net = np.array([[9.0, 9.0, 9.0, 0.2, 0.7, 0.7, -1.0, -0.5]])
    activity = nbb.winner_take_all(net, ARCH)
    assert activity.tolist() == [[0, 0, 0, 0, 1, 0, 0, 0]]     # tie -> lowest index; outputs all negative -> silent


@pytest.mark.parametrize("seed", range(5))
def test_brigade_passes_on_exactly_what_a_unit_paid(seed):
    """Without reward, what flows into j's incoming connections equals what j's outgoing ones paid."""
    rng = np.random.default_rng(seed)
    weights, pattern, before, fired_by = random_state(rng)
    contributions, activity = nbb.tick(weights, before, nbb.PATTERNS[pattern], ARCH)
    rule = nbb.Rule(lam=0.05, eta=0.0)
    delta = nbb.bucket_brigade(contributions, activity, fired_by, ARCH.outputs.start + nbb.TARGETS[pattern],
                               True, rule)
    payment = rule.lam * contributions * activity[:, None, :]
    received = delta + payment                                         # the redistribution term alone
    paid_by_unit = payment.sum(axis=2)
    passed_back = received.sum(axis=1)                                 # per unit j, into its incoming connections
    had_predecessors = fired_by.sum(axis=1) > 0
    np.testing.assert_allclose(passed_back[had_predecessors], paid_by_unit[had_predecessors], rtol=1e-12)
    assert np.all(received[:, :, ~ARCH.connections.any(axis=0)] == 0)  # input units receive nothing
    # the whole network loses exactly what sources without predecessors paid
    np.testing.assert_allclose(delta.sum(axis=(1, 2)), -(paid_by_unit * ~had_predecessors).sum(axis=1), rtol=1e-12)


def test_reward_equal_to_payment_leaves_the_correct_output_connection_unchanged():
    rng = np.random.default_rng(0)
    weights, pattern, before, fired_by = random_state(rng, batch=1)
    contributions, activity = nbb.tick(weights, before, nbb.PATTERNS[pattern], ARCH)
    winner = ARCH.outputs.start + activity[0, ARCH.outputs].argmax()
    rule = nbb.Rule(lam=0.01, eta=0.01)
    delta = nbb.bucket_brigade(contributions, activity, fired_by, np.array([winner]), True, rule)
    assert np.all(delta[0, ARCH.hidden, winner] == 0)                  # pays lambda*c, earns eta*c
    loser = ARCH.outputs.start + 1 - (winner - ARCH.outputs.start)
    assert np.all(delta[0, :, loser] == 0)                             # silent units neither pay nor earn


def test_only_existing_connections_ever_change():
    run = nbb.train([0], ARCH, nbb.Rule(), 200, stable_window=0)
    assert np.all(run.weights[0][~ARCH.connections] == 0)
    assert np.all(run.weights > -1e-12)                                # substance never goes negative


def test_a_seed_gives_the_same_run_alone_or_in_a_batch():
    together = nbb.train([3, 7], ARCH, nbb.Rule(), 600, stable_window=50)
    for i, seed in enumerate([3, 7]):
        alone = nbb.train([seed], ARCH, nbb.Rule(), 600, stable_window=50)
        steps = alone.presentations
        assert together.solved_at[i] == alone.solved_at[0]
        np.testing.assert_array_equal(together.correct[:steps, i], alone.correct[:, 0])
        np.testing.assert_array_equal(together.substance[:steps, i], alone.substance[:, 0])


def test_frozen_evaluation_changes_nothing_and_matches_the_presentations():
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.5, 1.5, (2, ARCH.n_units, ARCH.n_units)) * ARCH.connections
    copy = weights.copy()
    answers = nbb.classify(weights, ARCH, nbb.Rule())
    assert np.array_equal(weights, copy)
    for k in range(4):
        _, answer = nbb.present(weights, np.array([k, k]), ARCH, nbb.Rule(), learn=False)
        np.testing.assert_array_equal(answer, answers[:, k])


def test_pattern_orders():
    rng = np.random.default_rng(0)
    assert nbb.pattern_order(rng, 9, "cyclic").tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    shuffled = nbb.pattern_order(rng, 12, "shuffled")
    assert all(sorted(shuffled[i:i + 4]) == [0, 1, 2, 3] for i in range(0, 12, 4))
    assert set(nbb.pattern_order(rng, 200, "random")) == {0, 1, 2, 3}


def test_ticks_below_two_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        nbb.parse_args(["--ticks", "1"])
    assert exit_info.value.code == 2


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
    import json
    record = json.loads(json.dumps(synthetic_record()))
    assert nbb.verdict(record) == json.loads(json.dumps(nbb.verdict(record)))
