"""hq-learning-pomdp: the maze's stated properties, a hand-wired 3-agent HQ solution, the update rules on
hand-computed cases, the command line and the verdict rule on both sides of each threshold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hq-learning-pomdp"))

import hq_learning_pomdp as hq  # noqa: E402

SCRIPT = ROOT / "hq-learning-pomdp" / "hq_learning_pomdp.py"


# --- the maze ---------------------------------------------------------------------------------

def test_maze_has_the_papers_properties():
    m = hq.Maze()
    assert m.n_cells == 62                                   # 62 possible positions [P]
    assert len(np.unique(m.obs)) == 9                        # 9 distinct inputs [P]
    assert m.distance[m.start] == hq.OPTIMAL_STEPS == 28     # [S]
    assert (m.distance >= 0).all()                           # every cell reachable


def test_input_5_means_left_and_right_blocked():
    m = hq.Maze()
    r, c = 9, 1                                              # a cell of the first corridor
    cell = m.grid.index[r, c]
    assert m.obs[cell] == 5
    assert m.step(np.array([cell]), np.array([0]))[0] == cell       # west: wall
    assert m.step(np.array([cell]), np.array([2]))[0] == cell       # east: wall
    assert m.step(np.array([cell]), np.array([1]))[0] == m.grid.index[r - 1, c]   # north moves


def optimal_route():
    """The cells of a shortest route S -> G, following the distances."""
    m = hq.Maze()
    route = [m.start]
    while route[-1] != m.goal:
        nxt = m.next_cell[route[-1]]
        route.append(int(nxt[np.argmin(m.distance[nxt])]))
    return m, route


def test_input_5_needs_north_then_south_then_north():
    m, route = optimal_route()
    moves = []
    for a, b in zip(route[:-1], route[1:]):
        if m.obs[a] == 5:
            moves.append(int(np.flatnonzero(m.next_cell[a] == b)[0]))
    runs = [moves[0]] + [b for a, b in zip(moves[:-1], moves[1:]) if a != b]
    assert [hq.ACTIONS[a] for a in runs] == ["N", "S", "N"]


def test_no_memoryless_policy_and_no_two_agents_solve_it():
    m = hq.Maze()
    policies, hit = hq.memoryless_runs(m, np.array([m.start]))
    assert len(policies) == 4 ** 9 and not hit.any()
    assert not hq.two_agents_suffice(m)


# --- a hand-wired HQ system (known answer) -------------------------------------------------

def hand_wired(cfg):
    """Three agents: up the first corridor until input 3 (the corner), down the second until input 9,
    then east and up to the goal."""
    m = hq.Maze()
    one = hq.HQSystem(1, cfg)
    W, N, E, S = range(4)
    plans = [{13: N, 5: N}, {3: E, 10: E, 6: S, 5: S}, {9: E, 10: E, 12: N, 5: N}]
    for i, plan in enumerate(plans):
        for o, a in plan.items():
            one.q[0, i * hq.N_OBS + o, a] = 1.0
    one.hq[0, 0, 3] = 1.0
    one.hq[0, 1, 9] = 1.0
    return m, one


def test_hand_wired_three_agents_take_the_optimal_path():
    cfg = hq.replace(hq.Config(), agents=3)
    m, one = hand_wired(cfg)
    out = hq.greedy_test(m, one, cfg, record_path=True)
    assert out["steps"][0] == 28 and out["solved"][0]
    agents = [int(a[0]) for _, a in out["path"]]
    assert agents[0] == 0 and agents[-1] == 2 and sorted(set(agents)) == [0, 1, 2]


def test_flat_greedy_test_fails_on_the_hand_wired_first_agent():
    cfg = hq.replace(hq.Config(), agents=1)
    m, one3 = hand_wired(hq.replace(hq.Config(), agents=3))
    one = hq.HQSystem(1, cfg)
    one.q[0] = one3.q[0, :hq.N_OBS]
    out = hq.greedy_test(m, one, cfg)
    assert out["steps"][0] == cfg.t_max and not out["solved"][0]


# --- the update rules on hand-computed cases ------------------------------------------------

def test_q_update_matches_watkins_by_hand():
    cfg = hq.replace(hq.Config(), agents=2, lr_q=0.5, gamma=0.9, lam=0.8)
    sys_ = hq.HQSystem(1, cfg)
    sys_.q[0, 20, 1] = 10.0                                  # agent 1 (row 16 + 4), action N
    s, a = np.array([3]), np.array([2])
    sys_.q_update(s, a, np.array([0.0]), np.array([20]), np.array([False]), np.array([True]), np.array([True]))
    assert sys_.q[0, 3, 2] == pytest.approx(0.5 * 0.9 * 10.0)        # bootstraps on the next agent's value
    assert sys_.e[0, 3, 2] == pytest.approx(0.9 * 0.8)
    sys_.q_update(np.array([20]), np.array([1]), np.array([100.0]), np.array([5]), np.array([True]),
                  np.array([True]), np.array([True]))                  # the goal: Q.2, no bootstrap
    delta = 100.0 - 10.0
    assert sys_.q[0, 20, 1] == pytest.approx(10.0 + 0.5 * delta)
    assert sys_.q[0, 3, 2] == pytest.approx(4.5 + 0.5 * delta * 0.72)
    assert not sys_.e.any()                                            # traces end with the trial


def test_q_update_cuts_traces_after_exploration_and_skips_inactive():
    cfg = hq.replace(hq.Config(), agents=1, lr_q=0.5)
    sys_ = hq.HQSystem(2, cfg)
    sys_.q_update(np.array([1, 1]), np.array([0, 0]), np.array([1.0, 1.0]), np.array([2, 2]),
                  np.array([False, False]), np.array([False, True]), np.array([True, False]))
    assert sys_.q[0, 1, 0] == pytest.approx(0.5) and not sys_.e[0].any()      # cut: next action explores
    assert not sys_.q[1].any() and not sys_.e[1].any()                        # inactive: untouched


def test_hq_update_hand_computed():
    cfg = hq.replace(hq.Config(), agents=3, lr_hq=0.5, gamma=0.9, lam_hq=0.5)
    sys_ = hq.HQSystem(1, cfg)
    sys_.hq[0, 1, 7] = 40.0                                  # HV_2 = 40
    start = np.array([[0, 4, 10]])
    subgoal = np.array([[3, 9, 0]])
    ret = np.array([[0.0, 0.0, 50.0]])                       # the last agent collects 50 (discounted)
    sys_.hq_update(np.array([0]), np.array([2]), start, subgoal, ret)
    t1 = 0.9 ** 6 * 50.0                                     # HQ.2: agent 2 (penultimate)
    t0 = 0.9 ** 4 * (0.5 * 40.0 + 0.5 * t1)                  # HQ(lambda) for agent 1 (HV_2 read before the update)
    assert sys_.hq[0, 1, 9] == pytest.approx(0.5 * t1)
    assert sys_.hq[0, 0, 3] == pytest.approx(0.5 * t0)
    # HQ.3: a trial that ended under agent 1 (no transfer) pulls its subgoal value toward its own return
    sys_2 = hq.HQSystem(1, cfg)
    sys_2.hq_update(np.array([0]), np.array([0]), np.array([[0, 0, 0]]), np.array([[5, 0, 0]]),
                    np.array([[0.0, 0.0, 0.0]]))
    assert sys_2.hq[0, 0, 5] == 0.0 and not sys_2.hq.any()


def test_a_bank_runs_and_reruns_identically():
    cfg = hq.replace(hq.Config(), agents=4, trials=60, test_every=30, t_max=100)
    a = hq.run_system(hq.Maze(), cfg, 4, 3)
    b = hq.run_system(hq.Maze(), cfg, 4, 3)
    assert np.array_equal(a["tests"], b["tests"]) and np.array_equal(a["q"], b["q"])
    assert a["tests"].shape == (4, 2)


# --- the command line ------------------------------------------------------------------------

def run(*args, check=True):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=check,
                          cwd=ROOT)


def test_quick_runs_and_records(tmp_path):
    out = tmp_path / "r.json"
    run("--quick", "--record", str(out))
    rec = json.loads(out.read_text())
    assert rec["headline"]["simulations"] == 4 and len(rec["seeds"]["per_seed"]) == 4
    assert rec["verdict"]["value"] == "pending"


@pytest.mark.parametrize("bad", [["--trials", "700"], ["--agents", "5"], ["--n-seeds", "0"], ["--noise", "0.3"],
                                 ["--n-seeds", "5", "--record"]])
def test_bad_input_exits_2(bad):
    res = run(*bad, check=False)
    assert res.returncode == 2 and "error" in res.stderr


# --- the verdict rule ------------------------------------------------------------------------

def record(hq_solved, hq_optimal, flat_solved):
    def rows(solved, optimal):
        return [{"seed": i, "solved": s, "optimal": o, "final_test_steps": 28 if o else (40 if s else 1000)}
                for i, (s, o) in enumerate(zip(solved, optimal))]
    return {"seeds": {"per_seed": rows(hq_solved, hq_optimal)},
            "flat": {"seeds": {"per_seed": rows(flat_solved, [False] * len(flat_solved))}}}


def test_verdict_pending_without_flat_or_seeds():
    assert hq.verdict({"seeds": {"per_seed": []}})["value"] == "pending"
    r = record([True] * 20, [True] * 20, [False] * 20)
    del r["flat"]
    assert hq.verdict(r)["value"] == "pending"
    assert hq.verdict(record([True] * 19, [True] * 19, [False] * 19))["value"] == "pending"


def test_verdict_yes_partial_no():
    n = 40
    assert hq.verdict(record([True] * n, [True] * n, [False] * n))["value"] == "yes"
    # solved by all, optimal in only half: claim 2 fails -> partial
    assert hq.verdict(record([True] * n, [True] * 20 + [False] * 20, [False] * n))["value"] == "partial"
    # HQ solves in only 60%: claim 1 (H0 <= 0.75) fails -> no
    assert hq.verdict(record([True] * 24 + [False] * 16, [True] * 24 + [False] * 16, [False] * n))["value"] == "no"
    # flat solves often: claim 3 (H0 >= 0.2) fails -> partial
    assert hq.verdict(record([True] * n, [True] * n, [True] * 10 + [False] * 30))["value"] == "partial"
    # flat solves 1/40 (p(X <= 1 | 0.2) is tiny): claim 3 holds; 20 flat runs, none solved: holds too
    assert hq.verdict(record([True] * n, [True] * n, [True] + [False] * 39))["claims"][2]["holds"]
    assert hq.verdict(record([True] * n, [True] * n, [False] * 20))["claims"][2]["holds"]


def test_verdict_thresholds_at_the_binomial_edges():
    n = 40
    # claim 1 at 0.75: 36/40 reaches p < 0.05/4 (Holm's first step); 31/40 does not
    v = hq.verdict(record([True] * 36 + [False] * 4, [True] * 36 + [False] * 4, [False] * n))
    assert v["claims"][0]["holds"]
    v = hq.verdict(record([True] * 31 + [False] * 9, [True] * 31 + [False] * 9, [False] * n))
    assert not v["claims"][0]["holds"]
    # claim 2 at 0.5: 30/40 optimal holds, 22/40 does not
    v = hq.verdict(record([True] * n, [True] * 30 + [False] * 10, [False] * n))
    assert v["claims"][1]["holds"]
    v = hq.verdict(record([True] * n, [True] * 22 + [False] * 18, [False] * n))
    assert not v["claims"][1]["holds"]
