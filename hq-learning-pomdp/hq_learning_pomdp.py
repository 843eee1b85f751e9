"""HQ-learning on a partially observable maze (Wiering & Schmidhuber 1997, Adaptive Behavior 6(2):219-246).

What we could read of the paper is the IDSIA HTML transcription (people.idsia.ch/~juergen/hq/): the abstract,
Sec. 2's POMDP specification and the opening of its architecture, Sec. 4's overview and Sec. 4.1's task,
reward and set-up. [P] below marks the paper's own words, [S] a figure the catalog plan's seed gives (the
published catalog's notes), [O] our choice where the paper is not readable.

The task (Sec. 4.1 [P]): find a path from start S to goal G in a partially observable 10 x 10 maze with 62
possible agent positions and only 9 distinct inputs; four actions (go west, north, east, south); the input is
which of the 4 adjacent fields are blocked (16 possible, bit i set when the field in the direction of action i
is blocked, so "input 5" is "left and right blocked"). The optimal action at input 5 is "go north" at the
beginning of a trial, later "go south", near the end "go north" again: no memory-free policy solves the task
and at least three reactive agents are needed. Reward 100 when the goal is hit, 0 otherwise. The maze's figure
(Fig. 2) cannot be read from the transcription, so MAZE below is ours [O], built to every property the text
states (62 free cells, 9 inputs, input 5 meaning north, then south, then north on the optimal path) and to the
seed's optimal path of 28 steps [S]. The tests check each property and that no deterministic memory-free
policy (all 4^9 of them) reaches the goal.

The method (HQ-learning, Sec. 3, as far as readable; the update equations are named as the seed names them):
an ordered sequence of M agents C_1..C_M, each with a Q-table Q_i(o, a); all but the last also have an
HQ-table HQ_i(o), the value of choosing observation o as its subgoal. At the start of its tenure agent i picks
its subgoal by the Max-Random rule from HQ_i; it acts by the Max-Boltzmann rule from Q_i; when the current
observation equals its subgoal, control passes to agent i+1. Q-tables learn by Q(lambda) with the value of the
next observation under whichever agent acts next (Q.1), the goal ending the trial (Q.2); HQ-tables learn at
the end of each trial from the discounted reward collected during each agent's tenure and the next agent's
subgoal value (HQ.1), the last agent's actual return (HQ.2, HQ.3); HQ(lambda) mixes in the later agents'
returns. Flat Q(lambda) is the same code with M = 1.

Protocol (Sec. 4.1 [P]): an experiment is 100 simulations of a system, each of 20,000 trials of at most
T_max = 1000 steps; after every 500th trial a test run with greedy actions and subgoals (p_max = 1); a test
that does not find the goal counts as 1000 steps. Systems of 3, 4, 6, 8 and 12 agents; 4, 8 and 12 with
actions replaced by random ones with probability 10%.

Run:  python3 hq-learning-pomdp/hq_learning_pomdp.py --n-seeds 40 --record                 # headline
      python3 hq-learning-pomdp/hq_learning_pomdp.py --agents 1 --n-seeds 40 --record     # flat Q(lambda)
"""

from __future__ import annotations

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import math
import sys
import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from shared.environments.maze import GridMaze
from shared.frame.experiment import Progress, conclude, format_table, int_at_most, require_seeds, stub_parser, \
                                    summarize
from shared.learning import tape_control
from shared.learning.rl import softmax
from shared.frame.verdict import grade, judge, pending, rate_at_least, rate_at_most, rate_higher

# ----------------------------------------------------------------------------------------
# The maze (ours, to the paper's stated properties) and its observations
# ----------------------------------------------------------------------------------------

ACTIONS = ("W", "N", "E", "S")          # the paper's order: go west, north, east, south (Sec. 4.1)
STEP = {"W": (0, -1), "N": (-1, 0), "E": (0, 1), "S": (1, 0)}
N_OBS = 16                              # 4 wall bits: 16 possible inputs, 9 occur here

MAZE = [                                # ours [O]: 62 free cells, 9 inputs, S -> G in 28 steps
    "############",
    "#...#.....##",
    "#.#.#.###..#",
    "#.#.#...#..#",
    "#.#.#G#...##",
    "#.#.#.#.#..#",
    "#.#.#.#..#.#",
    "#.#.#.##.#.#",
    "#.#.#.##...#",
    "#.#.#.#..#.#",
    "#S#...#..#.#",
    "############",
]
OPTIMAL_STEPS = 28                      # the seed's figure [S]


def wall_bits(layout: list[str]) -> np.ndarray:
    """One input per free cell (row-major): bit i set when the neighbour in the direction of action i
    (W, N, E, S) is a wall. Input 5 = W and E blocked, the paper's "left and right blocked"."""
    walls = np.array([list(r) for r in layout]) == "#"
    coords = np.argwhere(~walls)
    code = np.zeros(len(coords), int)
    for bit, name in enumerate(ACTIONS):
        dr, dc = STEP[name]
        code |= walls[coords[:, 0] + dr, coords[:, 1] + dc].astype(int) << bit
    return code


class Maze:
    """The POMDP: shared.environments.maze.GridMaze with the paper's action order and inputs."""

    def __init__(self, layout: list[str] = MAZE):
        self.layout = layout
        self.grid = GridMaze(layout, observations=wall_bits(layout))
        # GridMaze moves N, E, S, W; ours are W, N, E, S
        self.next_cell = self.grid.next_cell[:, [3, 0, 1, 2]]
        self.obs = self.grid.observation_of
        self.start, self.goal = self.grid.cell_of("S"), self.grid.cell_of("G")
        self.n_cells = self.grid.n_cells
        self.distance = self.grid.distances(self.goal)

    def step(self, pos: np.ndarray, action: np.ndarray) -> np.ndarray:
        return self.next_cell[pos, action]


def memoryless_runs(maze: Maze, starts: np.ndarray, steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every deterministic memory-free policy (one action per occurring input: 4^9) run from each cell of
    ``starts``: (policies, 9) actions and (policies, len(starts)) bool, whether the goal is hit. A deterministic
    walk on n cells that misses the goal for n steps never hits it."""
    inputs = np.unique(maze.obs)
    index = np.full(N_OBS, -1)
    index[inputs] = np.arange(len(inputs))
    k = len(inputs)
    policies = (np.arange(4 ** k)[:, None] // 4 ** np.arange(k)[None]) % 4          # (P, k)
    pos = np.broadcast_to(np.asarray(starts), (len(policies), len(starts))).copy()
    hit = pos == maze.goal
    rows = np.arange(len(policies))[:, None]
    for _ in range(steps or maze.n_cells):
        pos = maze.next_cell[pos, policies[rows, index[maze.obs[pos]]]]
        hit |= pos == maze.goal
    return policies, hit


def two_agents_suffice(maze: Maze) -> bool:
    """Whether a 2-agent system of deterministic memory-free policies can reach the goal: agent 1 runs from S
    until its subgoal input first appears (at a cell c), agent 2 runs on from c. Enumerates both."""
    policies, _ = memoryless_runs(maze, np.array([maze.start]), 1)
    # the cells where each of agent 1's policies first shows each input (after its first move)
    rows = np.arange(len(policies))
    inputs = np.unique(maze.obs)
    index = np.full(N_OBS, -1)
    index[inputs] = np.arange(len(inputs))
    pos = np.full(len(policies), maze.start)
    seen = np.zeros((len(policies), N_OBS), bool)
    handover = set()
    for _ in range(maze.n_cells):
        pos = maze.next_cell[pos, policies[rows, index[maze.obs[pos]]]]
        o = maze.obs[pos]
        first = ~seen[rows, o] & (pos != maze.goal)
        handover.update(np.unique(pos[first]).tolist())
        seen[rows, o] = True
    cells = np.array(sorted(handover))
    _, hit = memoryless_runs(maze, cells)
    return bool(hit.any())


# ----------------------------------------------------------------------------------------
# HQ-learning for a bank of independent simulations
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    agents: int = 4                 # M; 1 = flat Q(lambda)
    trials: int = 20_000            # per simulation [P]
    t_max: int = 1000               # [P]
    test_every: int = 500           # [P]
    gamma: float = 0.9              # [S]: the transcription's value is an image we cannot read
    temperature: float = 0.1        # Max-Boltzmann's T [S]
    lr_q: float = 0.1               # [O]
    lam: float = 0.9                # Q(lambda) [O]
    lr_hq: float = 0.2              # [O]
    lam_hq: float = 0.9             # HQ(lambda) [O]
    p_max_start: float = 0.5        # Max-Random / Max-Boltzmann: greedy with probability p_max [O]
    p_max_end: float = 1.0          # ... rising linearly over the trials [O]
    noise: float = 0.0              # probability an action is replaced by a random one [P: 0 or 0.1]
    goal_reward: float = 100.0      # [P]


def p_max(cfg: Config, trial: np.ndarray) -> np.ndarray:
    frac = np.minimum(trial / max(cfg.trials - 1, 1), 1.0)
    return cfg.p_max_start + (cfg.p_max_end - cfg.p_max_start) * frac


class HQSystem:
    """B independent HQ systems of M agents. Q: (B, M, 16, 4); HQ: (B, M, 16) (the last agent's row unused).
    Traces e over the Q-tables of all agents (one trial's credit flows across control transfers)."""

    def __init__(self, batch: int, cfg: Config):
        self.cfg, self.B, self.M = cfg, batch, cfg.agents
        self.q = np.zeros((batch, self.M * N_OBS, 4))
        self.e = np.zeros_like(self.q)
        self.hq = np.zeros((batch, self.M, N_OBS))
        self.rows = np.arange(batch)

    # --- selection rules -----------------------------------------------------------------
    def greedy_actions(self, s: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        q = self.q[self.rows, s]
        if rng is None:                                   # test runs: the first maximal entry
            return q.argmax(axis=1)
        best = q == q.max(axis=1, keepdims=True)
        return np.argmax(best * rng.random(q.shape), axis=1)

    def max_boltzmann(self, s: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Greedy with probability p, else drawn from the Boltzmann distribution at T; and whether the action
        taken is a greedy one (Watkins's cut)."""
        q = self.q[self.rows, s]
        best = q == q.max(axis=1, keepdims=True)
        greedy = np.argmax(best * rng.random(q.shape), axis=1)
        prob = softmax(q, self.cfg.temperature)
        drawn = np.minimum((prob.cumsum(axis=1) < rng.random((self.B, 1))).sum(axis=1), 3)
        a = np.where(rng.random(self.B) < p, greedy, drawn)
        return a, best[self.rows, a]

    def max_random_subgoal(self, agent: np.ndarray, p: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Agent's subgoal: the best HQ entry with probability p, else a random one of the 16 inputs."""
        h = self.hq[self.rows, np.minimum(agent, self.M - 1)]
        if rng is None:
            return h.argmax(axis=1)
        best = h == h.max(axis=1, keepdims=True)
        greedy = np.argmax(best * rng.random(h.shape), axis=1)
        return np.where(rng.random(self.B) < p, greedy, rng.integers(0, N_OBS, self.B))

    # --- Q(lambda): Q.1, Q.2 --------------------------------------------------------------
    def q_update(self, s, a, r, s_next, done, next_greedy, active) -> None:
        cfg = self.cfg
        v_next = np.where(done, 0.0, self.q[self.rows, s_next].max(axis=1))
        delta = (r + cfg.gamma * v_next - self.q[self.rows, s, a]) * active
        self.e[self.rows[active], s[active], a[active]] = 1.0          # replacing traces
        self.q += cfg.lr_q * delta[:, None, None] * self.e
        decay = np.where(active, np.where(done | ~next_greedy, 0.0, cfg.gamma * cfg.lam), 1.0)
        self.e *= decay[:, None, None]

    # --- HQ(lambda): HQ.1 - HQ.3 at the end of a trial ------------------------------------------
    def hq_update(self, which: np.ndarray, last: np.ndarray, start: np.ndarray, subgoal: np.ndarray,
                  tenure_return: np.ndarray) -> None:
        """For the simulations ``which`` (indices) whose trial just ended: ``last`` the last active agent,
        ``start`` (n, M) each agent's first step, ``subgoal`` (n, M), ``tenure_return`` (n, M) the reward
        discounted to the start of each agent's tenure. Targets, from the last agent backwards:
        HQ.3: agent k = last: R_k;  HQ.2: agent k-1: R_{k-1} + g^dt R_k;
        HQ.1: agent i < k-1: R_i + g^dt ((1 - lam) HV_{i+1} + lam target_{i+1}), HV = max_o HQ_{i+1}(o)."""
        cfg = self.cfg
        n = len(which)
        target = np.zeros(n)
        following = np.zeros(n)
        for i in range(self.M - 1, -1, -1):
            here = i <= last
            is_last = i == last
            dt = np.where(is_last, 0, start[:, min(i + 1, self.M - 1)] - start[:, i])
            hv_next = self.hq[which, min(i + 1, self.M - 1)].max(axis=1)
            mix = np.where(i + 1 == last, following, (1 - cfg.lam_hq) * hv_next + cfg.lam_hq * following)
            target = np.where(is_last, tenure_return[:, i], tenure_return[:, i] + cfg.gamma ** dt * mix)
            if i < self.M - 1:
                rows = which[here]
                g = subgoal[here, i]
                self.hq[rows, i, g] += cfg.lr_hq * (target[here] - self.hq[rows, i, g])
            following = np.where(here, target, following)


def run_system(maze: Maze, cfg: Config, batch: int, seed: int, progress: Progress | None = None,
               snapshot_every: int = 0) -> dict:
    """Train ``batch`` simulations (one generator for the bank: seed, batch) and test them greedily after
    every ``test_every`` trials. Trials run asynchronously; each block of ``test_every`` trials ends for every
    simulation before the block's test. Returns the test curves (B, tests) and the final tables."""
    rng = np.random.default_rng([seed, batch, cfg.agents, 16])
    B, M = batch, cfg.agents
    sys_ = HQSystem(B, cfg)
    rows = np.arange(B)
    tests, steps_total, snaps = [], 0, []
    trial = np.zeros(B, int)
    blocks = cfg.trials // cfg.test_every

    def new_trial(mask):
        nonlocal pos, agent, subgoal_now, t, start, subgoals, ret
        pos[mask], agent[mask], t[mask] = maze.start, 0, 0
        start[mask], ret[mask] = 0, 0.0
        g = sys_.max_random_subgoal(np.zeros(B, int), p_max(cfg, trial), rng)
        subgoals[mask, 0] = g[mask]
        subgoal_now[mask] = g[mask]
        sys_.e[mask] = 0.0

    pos, agent, t = np.zeros(B, int), np.zeros(B, int), np.zeros(B, int)
    subgoal_now = np.zeros(B, int)
    start, subgoals, ret = np.zeros((B, M), int), np.zeros((B, M), int), np.zeros((B, M))
    new_trial(np.ones(B, bool))
    s = agent * N_OBS + maze.obs[pos]
    a, _ = sys_.max_boltzmann(s, p_max(cfg, trial), rng)
    for block in range(blocks):
        end = (block + 1) * cfg.test_every
        active = trial < end
        while active.any():
            move = a
            if cfg.noise > 0:
                move = np.where(rng.random(B) < cfg.noise, rng.integers(0, 4, B), a)
            pos_next = np.where(active, maze.step(pos, move), pos)
            done = active & (pos_next == maze.goal)
            r = np.where(done, cfg.goal_reward, 0.0)
            t_next = t + active
            timeout = active & ~done & (t_next >= cfg.t_max)
            obs_next = maze.obs[pos_next]
            # the tenure's discounted reward (only the goal pays)
            ret[rows, agent] += np.where(done, cfg.gamma ** (t - start[rows, agent]) * r, 0.0)
            # control transfer: the active agent sees its subgoal
            transfer = active & ~done & (agent < M - 1) & (obs_next == subgoal_now)
            agent_next = agent + transfer
            if transfer.any():
                start[rows[transfer], agent_next[transfer]] = t_next[transfer]
                g = sys_.max_random_subgoal(agent_next, p_max(cfg, trial), rng)
                subgoals[rows[transfer], agent_next[transfer]] = g[transfer]
                subgoal_now = np.where(transfer, g, subgoal_now)
            s_next = agent_next * N_OBS + obs_next
            a_next, greedy_next = sys_.max_boltzmann(s_next, p_max(cfg, trial), rng)
            sys_.q_update(s, a, r, s_next, done, greedy_next, active)
            steps_total += int(active.sum())
            pos, agent, t = pos_next, agent_next, t_next
            ended = done | timeout
            if ended.any():
                which = np.flatnonzero(ended)
                sys_.hq_update(which, agent[which], start[which], subgoals[which], ret[which])
                trial = trial + ended
                new_trial(ended)
                s_new = agent * N_OBS + maze.obs[pos]
                a_new, greedy_new = sys_.max_boltzmann(s_new, p_max(cfg, trial), rng)
                s_next = np.where(ended, s_new, s_next)
                a_next = np.where(ended, a_new, a_next)
            s, a = s_next, a_next
            active = trial < end
        tests.append(greedy_test(maze, sys_, cfg))
        if snapshot_every and (block + 1) % snapshot_every == 0:
            snaps.append({"trials": end, "q": sys_.q.copy(), "hq": sys_.hq.copy()})
        if progress is not None:
            progress.update(block + 1, mean_test_steps=float(np.mean(tests[-1]["steps"])),
                            optimal=int((tests[-1]["steps"] == OPTIMAL_STEPS).sum()))
    return {"tests": np.stack([x["steps"] for x in tests], axis=1), "final_test": tests[-1],
            "q": sys_.q, "hq": sys_.hq, "env_steps": steps_total, "snapshots": snaps}


def greedy_test(maze: Maze, sys_: HQSystem, cfg: Config, record_path: bool = False) -> dict:
    """A test run of every simulation: greedy actions and subgoals (p_max = 1), no learning, no action noise,
    at most T_max steps; a run that misses the goal counts as T_max steps [P]."""
    B, M = sys_.B, sys_.M
    rows = np.arange(B)
    pos = np.full(B, maze.start)
    agent = np.zeros(B, int)
    subgoal = sys_.max_random_subgoal(agent, np.ones(B), None)
    steps = np.full(B, cfg.t_max)
    running = np.ones(B, bool)
    path = [(pos.copy(), agent.copy())]
    for t in range(cfg.t_max):
        s = agent * N_OBS + maze.obs[pos]
        a = sys_.greedy_actions(s, None)
        pos = np.where(running, maze.step(pos, a), pos)
        hit = running & (pos == maze.goal)
        steps[hit] = t + 1
        running &= ~hit
        transfer = running & (agent < M - 1) & (maze.obs[pos] == subgoal)
        if transfer.any():
            agent = agent + transfer
            subgoal = np.where(transfer, sys_.max_random_subgoal(agent, np.ones(B), None), subgoal)
        if record_path:
            path.append((pos.copy(), agent.copy()))
        if not running.any():
            break
    out = {"steps": steps, "solved": steps < cfg.t_max}
    if record_path:
        out["path"] = path
    return out


def test_path(maze: Maze, q: np.ndarray, hq: np.ndarray, cfg: Config) -> tuple[list[int], list[int]]:
    """One system's greedy test run (cells and active agents, step by step), from its final tables."""
    one = HQSystem(1, cfg)
    one.q[0], one.hq[0] = q, hq
    run = greedy_test(maze, one, cfg, record_path=True)
    cells = [int(p[0]) for p, _ in run["path"]]
    agents = [int(a[0]) for _, a in run["path"]]
    return cells, agents


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py hq-learning-pomdp): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def hq_step(tape, agents: int):
    """One environment step of run_system for one simulation, float64: the subgoal test (the observation
    against the active agent's subgoal), Max-Boltzmann's choice of the next action from the next state's
    row of 4 (its maximum, the greedy ties, the softmax at T: 4 exps, their sum, 4 quotients, the cumulative
    sum and the draw's count) and the Q(lambda) update over the whole table of all agents (M x 16 rows of 4:
    every entry moved by its trace, every trace decayed: tape_control.q_lambda_step). Left out: the maze's
    move, the random draws, and the HQ update and subgoal choice at the end of a trial (a few dozen
    operations once per trial of up to 1000 steps)."""
    dtype = np.float64
    q = tape.argument((agents * N_OBS, 4), dtype)
    traces = tape.argument((agents * N_OBS, 4), dtype)
    seen, subgoal = tape.argument((1,), dtype), tape.argument((1,), dtype)
    tape.map(seen, subgoal)                                               # the control transfer test
    row = q[1]
    best = tape.reduce(row, axis=0)
    tape.reduce(tape.map(row, np.broadcast_to(best, row.shape)), axis=0)  # greedy among the ties
    exps = tape.map(row, np.broadcast_to(best, row.shape))                # exp((q - max) / T)
    total = tape.reduce(exps, axis=0)
    prob = tape.map(exps, np.broadcast_to(total, exps.shape))
    cumulative = [prob[0]]
    for k in range(1, 4):
        cumulative.append(tape.map(cumulative[-1], prob[k]))
    tape.reduce(tape.map(np.array(cumulative)), axis=0)                   # (cumsum < u).sum()
    tape_control.q_lambda_step(tape, q, traces, 0, 0, 1)
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: one environment step of one simulation (hq_step: the
    action choice and the Q(lambda) update over the tables of all agents). There is no solve criterion
    counted in steps (a simulation solves when its last greedy test reaches the goal): the steps are the
    recorded run's whole budget per simulation, env_steps / simulations. Family "local rules": tabular
    temporal-difference updates, no gradient through a network. Rows: HQ-learning with M = 4 (the
    headline, 2,000 trials), HQ at the paper's 20,000 trials, flat Q(lambda) (M = 1; it never solves)."""
    def budget(part):
        head = part.get("headline") or {}
        return head["env_steps"] / head["simulations"] if head.get("env_steps") else None

    def row(name, part, where, agents):
        head = part.get("headline") or {}
        solved = head.get("solved", 0) > 0
        return {"row": name, "family": "local rules", "step": "one environment step",
                "size": f"{agents} agent{'s' if agents > 1 else ''}: Q table {agents * N_OBS} x 4"
                        f"{f' and HQ table {agents} x {N_OBS}' if agents > 1 else ''} with traces, float64",
                "program": lambda tape: hq_step(tape, agents),
                "steps_to_solve": budget(part) if solved else None,
                "steps_from": f"{where}headline.env_steps / headline.simulations: the recorded run's budget per "
                              f"simulation ({head.get('trials')} trials); no solve criterion counted in steps"}
    rows = [row(f"HQ-learning, M = {HEADLINE_AGENTS}", record, "", HEADLINE_AGENTS)]
    if "paper_scale" in record:
        rows.append(row(f"HQ-learning, M = {HEADLINE_AGENTS}, {PAPER_TRIALS} trials", record["paper_scale"],
                        "[paper_scale] ", HEADLINE_AGENTS))
    if FLAT in record:
        rows.append(row("flat Q(lambda)", record[FLAT], f"[{FLAT}] ", 1))
    return rows


# ----------------------------------------------------------------------------------------
# The verdict, written from the paper's claims before the recorded runs
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 20
WHERE_P = "Sec. 4.1 and abstract [P]"
WHERE_S = "catalog plan's seed: HQ reaches the 28-step optimum [S]"
FLAT = "flat"                  # the section of flat Q(lambda) (--agents 1)


def verdict(record: dict) -> dict:
    """Four claims on the final greedy test run of each simulation (Holm over the four):

    1. (primary) HQ solves the maze, as the abstract's "the system can easily solve tasks standard Q-learning
       cannot solve at all" and Sec. 4.1 say [P]. Metric: share of HQ simulations (headline, >= 20) whose last
       greedy test run reaches the goal within T_max. Exact binomial, H0: rate <= 1.0 - 0.25.
    2. HQ finds the optimal path (28 steps, [S]). Metric: share whose last test takes exactly 28 steps.
       Exact binomial, H0: rate <= 1.0 - 0.5 (more than half the simulations end at the optimum).
    3. Flat Q(lambda) fails (Sec. 4.1 [P]: "There is no deterministic, memory-free policy for solving this
       task"). Metric: share of flat simulations (section "flat", same maze, protocol and seeds) whose last
       greedy test reaches the goal. Exact binomial, H0: rate >= 0.0 + 0.2 (20 simulations can reject it).
    4. HQ beats flat Q(lambda): the share reaching the goal, HQ minus flat; one-sided Fisher exact test.
    Grade: yes if all hold; partial if claim 1 holds and another not; no if claim 1 fails. Pending without the
    flat section or with fewer than 20 simulations in either part.
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    flat_rows = ((record.get(FLAT) or {}).get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_SEEDS or len(flat_rows) < MIN_SEEDS:
        return pending(f"the rule needs >= {MIN_SEEDS} HQ simulations (headline) and >= {MIN_SEEDS} flat Q(lambda) "
                       f"simulations (section {FLAT!r})")
    hq_solved = [bool(r["solved"]) for r in rows]
    hq_optimal = [bool(r["optimal"]) for r in rows]
    flat_solved = [bool(r["solved"]) for r in flat_rows]
    claims = [
        rate_at_least("HQ-learning solves the partially observable maze", WHERE_P, hq_solved, 1.0, 0.25,
                      metric="share of HQ simulations whose last greedy test run reaches the goal"),
        rate_at_least("HQ-learning finds the optimal 28-step path", WHERE_S, hq_optimal, 1.0, 0.5,
                      metric="share of HQ simulations whose last greedy test run takes 28 steps"),
        rate_at_most("flat Q(lambda) cannot solve the maze", WHERE_P, flat_solved, 0.0, 0.2,
                     metric="share of flat Q(lambda) simulations whose last greedy test run reaches the goal"),
        rate_higher("HQ-learning solves it more often than flat Q(lambda)", WHERE_P, hq_solved, flat_solved,
                    metric="share reaching the goal in the last greedy test, HQ minus flat"),
    ]
    return grade(judge(claims), primary=1)


# ----------------------------------------------------------------------------------------
# The experiment
# ----------------------------------------------------------------------------------------

CITATION = ("Wiering, M. & Schmidhuber, J. (1997). HQ-learning. Adaptive Behavior 6(2):219-246 "
            "(IDSIA HTML transcription, people.idsia.ch/~juergen/hq/)")
PAPER_FIGURES = [
    {"name": "maze", "value": "10 x 10, 62 possible positions, 9 distinct inputs of 16 (adjacent walls)",
     "where": "Sec. 4 and 4.1, Fig. 2 [P] (the figure itself is not readable)"},
    {"name": "why memory is needed", "value": "input 5 (left and right blocked): north at the start, later south, "
     "near the end north again; at least three reactive agents", "where": "Sec. 4.1 [P]"},
    {"name": "reward", "value": "100 when the goal is hit, 0 otherwise", "where": "Sec. 4.1 [P]"},
    {"name": "discount", "value": "gamma = 0.9", "where": "seed [S] (Sec. 4.1's value is an unreadable image)"},
    {"name": "systems", "value": "3, 4, 6, 8, 12 agents; 4, 8, 12 with 10% random actions", "where": "Sec. 4.1 [P]"},
    {"name": "protocol", "value": "100 simulations x 20,000 trials, T_max = 1000, a greedy test run after every "
     "500th trial, a failed test counts as 1000 steps", "where": "Sec. 4.1 [P]"},
    {"name": "optimal path", "value": OPTIMAL_STEPS, "where": "seed [S]"},
    {"name": "result", "value": "HQ reaches the 28-step optimum; flat Q fails", "where": "seed / catalog plan [S]; "
     "the paper's result figure (Fig. 3) is not readable"},
]


def section_name(agents: int, noise: float, trials: int, headline_trials: int) -> str | None:
    parts = [] if agents == HEADLINE_AGENTS else [FLAT if agents == 1 else f"agents{agents}"]
    parts += [] if noise == 0 else [f"noise{int(round(noise * 100))}"]
    parts += [] if trials == headline_trials else (["paper_scale"] if trials == PAPER_TRIALS else [f"trials{trials}"])
    return "_".join(parts) or None


QUICK = {"test_every": 50, "t_max": 200}     # --quick: the same pipeline, small
HEADLINE_AGENTS = 4
HEADLINE_SIMS = 40
HEADLINE_TRIALS = 2000
PAPER_TRIALS = 20_000


def experiment(args, **overrides) -> tuple[dict, dict]:
    maze = Maze()
    cfg = replace(Config(), agents=args.agents, trials=args.trials, noise=args.noise, **overrides)
    blocks = cfg.trials // cfg.test_every
    t0 = time.perf_counter()
    progress = Progress(blocks, label=f"{'flat Q(lambda)' if cfg.agents == 1 else f'HQ M={cfg.agents}'} "
                        f"trials/{cfg.test_every}")
    print(f"{'flat Q(lambda)' if cfg.agents == 1 else f'HQ-learning, M = {cfg.agents}'} on the 62-cell maze: "
          f"{args.n_seeds} simulations x {cfg.trials} trials, noise {cfg.noise}, greedy test every {cfg.test_every} "
          f"trials", flush=True)
    out = run_system(maze, cfg, args.n_seeds, args.seed, progress)
    wall = time.perf_counter() - t0
    tests = out["tests"]                        # (B, tests)
    final = tests[:, -1]
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    rows = []
    for k, seed in enumerate(seeds):
        at_opt = np.flatnonzero(tests[k] == OPTIMAL_STEPS)
        rows.append({"seed": seed, "solved": bool(final[k] < cfg.t_max), "optimal": bool(final[k] == OPTIMAL_STEPS),
                     "final_test_steps": int(final[k]),
                     "first_optimal_trial": int((at_opt[0] + 1) * cfg.test_every) if len(at_opt) else None,
                     "mean_test_steps": float(tests[k].mean())})
    summary = summarize([r["final_test_steps"] for r in rows], [r["solved"] for r in rows])
    summary["metric"] = "final_test_steps"
    curve = tests.mean(axis=0)
    name = "flat Q(lambda)" if cfg.agents == 1 else f"HQ-learning, M = {cfg.agents}"
    head = {"method": name, "agents": cfg.agents, "simulations": len(seeds), "trials": cfg.trials,
            "noise": cfg.noise, "solved": int(sum(r["solved"] for r in rows)),
            "optimal": int(sum(r["optimal"] for r in rows)),
            "mean_final_test_steps": float(final.mean()),
            "median_final_test_steps": float(np.median(final)),
            "mean_test_steps_curve": [round(float(v), 2) for v in curve],
            "share_optimal_curve": [round(float(v), 4) for v in (tests == OPTIMAL_STEPS).mean(axis=0)],
            "env_steps": int(out["env_steps"]), "config": asdict(cfg)}
    # the first simulation's tables and its greedy test path, for the pictures
    cells, agents = test_path(maze, out["q"][0], out["hq"][0], cfg)
    head["example"] = {"seed": seeds[0], "greedy_actions": out["q"][0].argmax(axis=1).reshape(cfg.agents, N_OBS).tolist(),
                       "q_max": np.round(out["q"][0].max(axis=1).reshape(cfg.agents, N_OBS), 3).tolist(),
                       "hq": np.round(out["hq"][0], 3).tolist(), "path_cells": cells, "path_agents": agents}
    table = {"title": f"{name}: last greedy test run per simulation ({cfg.trials:,} trials, T_max {cfg.t_max}; "
                      f"this machine's seeds)",
             "columns": ["seed", "final_test_steps", "optimal", "first_optimal_trial", "mean_test_steps"],
             "rows": [[r["seed"], r["final_test_steps"], r["optimal"], r["first_optimal_trial"],
                       round(r["mean_test_steps"], 1)] for r in rows]}
    curve_table = {"title": f"{name}: mean greedy test steps over the {len(seeds)} simulations, every "
                            f"{cfg.test_every} trials (failed test = {cfg.t_max})",
                   "columns": ["trials", "mean_test_steps", "share_optimal"],
                   "rows": [[(i + 1) * cfg.test_every, round(float(curve[i]), 1),
                             round(float((tests[:, i] == OPTIMAL_STEPS).mean()), 3)] for i in range(blocks)]}
    summary_line = (f"{name} on the 62-cell, 9-input maze ({len(seeds)} simulations x {cfg.trials:,} trials): "
                    f"{head['solved']}/{len(seeds)} last greedy tests reach the goal, {head['optimal']} in the optimal "
                    f"{OPTIMAL_STEPS} steps; mean {head['mean_final_test_steps']:.1f} steps (failures count 1000)")
    part = {"summary": summary_line, "headline": head, "seeds": {"per_seed": rows, "summary": summary},
            "tables": [table, curve_table], "wallclock_s": wall}
    measured = {"simulations": len(seeds), "reach the goal": f"{head['solved']}/{len(seeds)}",
                "optimal (28 steps)": head["optimal"], "mean final test steps": head["mean_final_test_steps"]}
    return part, measured


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for the tests: 4 simulations of 100 trials, "
                         "a test every 50, T_max 200")
    parser.add_argument("--agents", type=int, choices=[1, 3, 4, 6, 8, 12], default=HEADLINE_AGENTS,
                        help=f"M, the number of agents (default {HEADLINE_AGENTS}; 1 = flat Q(lambda), the "
                             f"section {FLAT!r}; the paper's 3, 6, 8, 12 are sections)")
    parser.add_argument("--trials", type=int_at_most(PAPER_TRIALS, "the paper's 20,000 is the most"),
                        default=HEADLINE_TRIALS, help=f"trials per simulation (default {HEADLINE_TRIALS:,}; the "
                        f"paper's {PAPER_TRIALS:,} is the section 'paper_scale'); a multiple of 500")
    parser.add_argument("--noise", type=float, choices=[0.0, 0.1], default=0.0,
                        help="probability an action is replaced by a random one (the paper's 0 or 0.1)")
    parser.set_defaults(n_seeds=HEADLINE_SIMS)
    args = parser.parse_args(argv)
    if args.trials % 500:
        parser.error(f"--trials must be a multiple of 500 (a test after every 500th trial), got {args.trials}")
    if args.n_seeds > 200:
        parser.error(f"--n-seeds is the number of simulations run at once, at most 200, got {args.n_seeds}")
    require_seeds(parser, args, MIN_SEEDS)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    section = section_name(args.agents, args.noise, args.trials, HEADLINE_TRIALS)
    if args.quick:
        args.n_seeds, args.trials = min(args.n_seeds, 4), 100
    part, measured = experiment(args, **(QUICK if args.quick else {}))
    if section is not None:
        conclude(part, __file__, verdict, args.record, section=section, measured=measured)
        return 0
    record = {"slug": "hq-learning-pomdp",
              "paper": {"citation": CITATION,
                        "claim": "HQ-learning, an ordered sequence of reactive Q(lambda) agents that learn their "
                                 "own subgoals, solves a partially observable maze (62 positions, 9 inputs) that "
                                 "no memory-free policy solves; flat Q-learning cannot solve it",
                        "figures": PAPER_FIGURES},
              **part,
              "tour": "The greedy test run of one HQ system on the 62-cell maze, each step coloured by the agent in "
                      "control, beside the agents' greedy actions and subgoal values."}
    conclude(record, __file__, verdict, args.record, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
