"""timing-counting-spikes: the streams follow the task definitions, the two nets differ only in the
peepholes, a seed computes the same in any bank, and the verdict rule decides on both sides of its
thresholds and stays pending without the sweep."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

tcs = load_module(ROOT / "timing-counting-spikes" / "timing_counting_spikes.py")


# ----------------------------------------------------------------------------------------
# The streams
# ----------------------------------------------------------------------------------------


def test_msd_spikes_are_F_plus_delay_apart_and_targets_are_the_delays():
    rng = np.random.default_rng(0)
    x, target, spike = tcs.stream_of(0, 10, (0, 1), rng, 2000)
    times = np.flatnonzero(spike) + 1                     # steps are counted from 1 at the stream's start
    gaps = np.diff(np.concatenate([[0], times]))
    assert set(gaps) == {10, 11}
    np.testing.assert_array_equal(target[spike], gaps - 10)     # the target at a spike is I(n)
    assert np.all(target[~spike] == 0) and np.array_equal(x, spike.astype(float))


def test_gts_has_no_input_and_a_spike_every_F_steps():
    x, target, spike = tcs.stream_of(1, 10, (0,), np.random.default_rng(0), 100)
    assert np.all(x == 0)
    np.testing.assert_array_equal(np.flatnonzero(target) + 1, np.arange(10, 101, 10))


def test_the_no_peephole_net_is_the_peephole_net_without_peepholes():
    net = tcs.paper_net(tcs.jobs_of([3], tcs.TASKS[:1]))
    assert net.n_weights == 17
    np.testing.assert_array_equal(net.W[0], net.W[1])             # same seed: same 14 other weights
    np.testing.assert_array_equal(net.V[0], net.V[1])
    assert np.all(net.peep[1] == 0) and np.all(net.peep[0] != 0)
    assert net.W[0, -1, 1:].tolist() == [0.0, -2.0, 2.0]           # input, forget, output gate biases [S]


def test_training_leaves_the_no_peephole_nets_without_peepholes_and_a_seed_is_the_same_in_any_bank(capsys):
    both = tcs.train_bank([0, 1], 1500, keep_params=True)
    alone = tcs.train_bank([1], 1500, keep_params=True)
    for name, *_ in tcs.TASKS:
        assert np.all(np.asarray(both[1][name]["no peephole"]["params"]["peep"]) == 0)
        assert both[1][name] == alone[0][name]


def test_a_frozen_run_records_every_step():
    params = tcs.train_bank([0], 200, keep_params=True)[0]["GTS F=10"]["peephole"]["params"]
    run = tcs.run_frozen(params, 1, 10, (0,), 50)
    assert all(len(v) == 50 for v in run.values())
    assert np.all((run["forget"] > 0) & (run["forget"] < 1))


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def record(n=20, msd_peep=20, gts_peep=20, gts_none=0, msd_none=20, msd49_peep=20, pfg_n=10, pfg_peep=None):
    rows = []
    for i in range(n):
        rows.append({"seed": i, "MSD F=10 peephole solved": i < msd_peep, "MSD F=10 no peephole solved": i < msd_none,
                     "MSD F=49 peephole solved": i < msd49_peep, "MSD F=49 no peephole solved": False,
                     "GTS F=10 peephole solved": i < gts_peep, "GTS F=10 no peephole solved": i < gts_none})
    out = {"seeds": {"per_seed": rows, "summary": {}}}
    if pfg_n:                              # pfg_peep: {setting: peephole runs solved}, default all
        solved = {name: pfg_n for name, *_ in tcs.PFG_TASKS} | (pfg_peep or {})
        out["pfg"] = {"seeds": {"per_seed": [
            {"seed": i, **{f"{name} {v} solved": v == "peephole" and i < solved[name]
                           for name, *_ in tcs.PFG_TASKS for v in tcs.VARIANTS}} for i in range(pfg_n)], "summary": {}}}
    return out


def test_verdict_pending_without_the_sweep():
    assert tcs.verdict({})["value"] == "pending"
    assert tcs.verdict(record(n=19))["value"] == "pending"


def test_verdict_pending_without_the_pfg_section_of_ten_seeds():
    assert tcs.verdict(record(pfg_n=0))["value"] == "pending"
    assert tcs.verdict(record(pfg_n=9))["value"] == "pending"
    assert tcs.verdict(record(pfg_n=10))["value"] == "yes"


def test_verdict_pfg_needs_every_setting_solved_in_most_runs():
    claim = lambda rec: tcs.verdict(rec)["claims"][4]                     # noqa: E731
    assert claim(record(pfg_peep={"PFG rect F=25": 9}))["holds"]          # P(X >= 9 | 10, 1/2) = 0.011
    assert not claim(record(pfg_peep={"PFG rect F=25": 8}))["holds"]      # 0.055
    assert tcs.verdict(record(pfg_peep={"PFG rect F=25": 8}))["value"] == "partial"   # secondary claim
    assert claim(record(pfg_n=20, pfg_peep={"PFG cos F=10": 15}))["holds"]         # 0.021
    assert not claim(record(pfg_n=20, pfg_peep={"PFG cos F=10": 14}))["holds"]     # 0.058
    worst = claim(record(pfg_peep={"PFG tri F=10": 9, "PFG cos F=25": 0}))
    assert worst["estimate"] == 0.0 and worst["p"] == 1.0 and not worst["holds"]


def test_verdict_yes_when_every_claim_holds():
    assert tcs.verdict(record())["value"] == "yes"


def test_verdict_msd_threshold_15_of_20():
    assert tcs.verdict(record(msd_peep=15))["value"] == "yes"      # P(X >= 15 | 1/2) = 0.021
    assert tcs.verdict(record(msd_peep=14))["value"] == "no"       # 0.058


def test_verdict_gts_threshold_five_discordant_seeds():
    assert tcs.verdict(record(gts_peep=5))["value"] == "yes"       # 1/32 = 0.031
    assert tcs.verdict(record(gts_peep=4))["value"] == "no"        # 1/16
    assert tcs.verdict(record(gts_peep=20, gts_none=20))["value"] == "no"   # both solve: no gap


def test_verdict_partial_when_a_secondary_claim_fails():
    assert tcs.verdict(record(msd49_peep=0))["value"] == "partial"
    assert tcs.verdict(record(msd_none=14))["value"] == "partial"


def test_sign_test():
    assert tcs.sign_test(5, 0) == pytest.approx(1 / 32)
    assert tcs.sign_test(0, 0) == 1.0
    assert tcs.sign_test(3, 3) == pytest.approx(42 / 64)


def test_linear_cells_are_a_section_with_identity_g_and_h():
    args = tcs.parse_args(["--linear-cells", "--n-seeds", "1"])
    assert args.linear_cells
    net = tcs.paper_net(tcs.jobs_of([0]), squashing="linear")
    assert net.linear and not tcs.paper_net(tcs.jobs_of([0])).linear
    net.start(1)
    before = net.s.copy()
    net.step(np.zeros((len(net.W), 1, 1)))
    cell_net = net.W[:, -1, 0]                                    # no input, no previous activation: the bias
    gates = 1.0 / (1.0 + np.exp(-net.W[:, -1, 1:] - 0.0))         # input, forget, output gates' f(bias) (s(t-1) = 0)
    np.testing.assert_allclose(net.s[:, 0, 0], gates[:, 1] * before[:, 0, 0] + gates[:, 0] * cell_net, atol=1e-12)


# ----------------------------------------------------------------------------------------
# PFG
# ----------------------------------------------------------------------------------------


def test_pfg_targets_follow_the_definitions():
    t = np.arange(1, 21)
    np.testing.assert_allclose(tcs.pfg_target("cos", t, 10), 0.5 * (1 - np.cos(2 * np.pi * t / 10)))
    tri = tcs.pfg_target("tri", t, 10)
    np.testing.assert_allclose(tri[:10], [0.2, 0.4, 0.6, 0.8, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0])   # 0 -> 1 -> 0
    np.testing.assert_array_equal(tcs.pfg_target("rect", t, 10)[:10], [0, 0, 0, 0, 0, 1, 1, 1, 1, 0])
    np.testing.assert_array_equal(tcs.pfg_target("rect", np.arange(1, 26), 25)[11:13], [0, 1])   # (t mod F) > 12.5
    with pytest.raises(ValueError):
        tcs.pfg_target("saw", t, 10)


def test_pfg_streams_have_no_input_a_target_every_step_and_a_period_flag_every_F():
    for name, kind, F, function in tcs.PFG_TASKS:
        x, target, period = tcs.stream_of(kind, F, function, np.random.default_rng(0), 3 * F)
        assert np.all(x == 0)
        np.testing.assert_allclose(target, tcs.pfg_target(function, np.arange(1, 3 * F + 1), F))
        np.testing.assert_array_equal(np.flatnonzero(period) + 1, [F, 2 * F, 3 * F])


def test_the_pfg_bank_has_a_linear_output_and_a_seed_is_the_same_in_any_bank(capsys):
    net = tcs.paper_net(tcs.jobs_of([0], tcs.PFG_TASKS), output_unit="linear")
    assert net.output_unit == "linear" and net.n_weights == 17
    both = tcs.train_bank([0, 1], 800, tcs.PFG_LEARNING_RATE, tcs.PFG_MOMENTUM, tcs.PFG_TASKS, keep_params=True)
    alone = tcs.train_bank([1], 800, tcs.PFG_LEARNING_RATE, tcs.PFG_MOMENTUM, tcs.PFG_TASKS, keep_params=True)
    for name, *_ in tcs.PFG_TASKS:
        assert both[1][name] == alone[0][name]
        assert np.all(np.asarray(both[1][name]["no peephole"]["params"]["peep"]) == 0)
        assert both[0][name]["peephole"]["best_train_steps"] >= 1


def test_a_bank_does_not_mix_pfg_with_the_spike_tasks():
    with pytest.raises(ValueError):
        tcs.train_bank([0], 10, tasks=tcs.TASKS[:1] + tcs.PFG_TASKS[:1])


def test_pfg_and_odyssnet_command_lines():
    args = tcs.parse_args(["--task", "pfg", "--n-seeds", "1"])
    assert (args.lr, args.momentum, args.budget) == (tcs.PFG_LEARNING_RATE, tcs.PFG_MOMENTUM, tcs.PFG_BUDGET)
    assert tcs.section_name(args) == "pfg"
    assert tcs.section_name(tcs.parse_args(["--task", "pfg", "--lr", "1e-2"])) == "pfg_rates_lr0.01_m0.99"
    assert tcs.section_name(tcs.parse_args(["--forget-bias", "2"])) == "forget_bias2_lr0.01"
    assert tcs.section_name(tcs.parse_args([])) is None
    with pytest.raises(SystemExit):
        tcs.parse_args(["--task", "pfg", "--n-seeds", "9", "--record", "/tmp/x.json"])     # the PFG claim needs 10
    with pytest.raises(SystemExit):
        tcs.parse_args(["--model", "odyssnet", "--lr", "1e-3"])                            # the LSTM's flag


# ----------------------------------------------------------------------------------------
# The OdyssNet row
# ----------------------------------------------------------------------------------------


class PerfectGenerator:
    """A stand-in for an OdyssNet that emits GTS's spikes every F steps, whatever the chunks."""

    input_ids, output_ids, num_neurons, dtype = np.array([0]), np.array([1]), 2, np.float64

    def __init__(self, F, late=None):
        self.F, self.t, self.late = F, 0, late

    def eval(self):
        pass

    def train(self):
        pass

    def forward(self, x, steps, current_state=None):
        t = self.t + np.arange(1, steps + 1)
        self.t += steps
        out = np.zeros((1, steps, 2))
        out[0, :, 1] = (t % self.F == 0) & (t != self.late)
        return out, np.zeros((1, 2))


def test_the_odyssnet_test_stream_counts_spikes_to_the_first_error():
    gts = tcs.TASKS[2]
    assert tcs.odyss_test(PerfectGenerator(10), gts, np.random.default_rng(0), tcs.THRESHOLD) == tcs.TEST_SPIKES
    assert tcs.odyss_test(PerfectGenerator(10, late=1230), gts, np.random.default_rng(0), tcs.THRESHOLD) == 122


def test_odyssnet_windows_start_fresh_streams_and_a_trial_depends_on_its_seed_only(capsys):
    x, target, spike = tcs.windows(tcs.TASKS[0], np.random.default_rng(0), 4, 30)
    assert x.shape == target.shape == (4, 30, 1)
    assert np.all(np.flatnonzero(spike[0])[:1] + 1 >= 10)            # the first spike at F + I(1) from the start
    budgets = {0: 2 * tcs.ODYSS_BATCH * tcs.ODYSS_WINDOW, 1: 0, 2: 0}
    one = tcs.train_odyssnet_bank([0, 1], budgets, tcs.TASKS[:1])
    alone = tcs.train_odyssnet_bank([1], budgets, tcs.TASKS[:1])
    assert one[1] == alone[0] and one[0]["MSD F=10"]["steps_seen"] == 2 * tcs.ODYSS_BATCH * tcs.ODYSS_WINDOW
