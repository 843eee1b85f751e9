"""Shifting inductive bias with the success-story algorithm and adaptive Levin search, on a ladder of
partially observable mazes (Schmidhuber, Zhao & Wiering 1997, Machine Learning 28(1):105-130).

What the paper's Sec. 3 does, and what this script does with it:
  * Programs over the paper's 9 maze instructions (Sec. 3.4, "Instructions"): eight
    "REPEAT step forward UNTIL condition THEN rotate towards direction" (conditions: front blocked,
    left field free, right field free; directions: left, right, none) and Jump(address, nr-times)
    with a hidden counter. The agent senses nothing else: the maze is a POMDP.
  * Levin search (LS, Sec. 3.1) over such programs, generated incrementally: the instruction at
    address i is drawn from row i of a variable probability matrix P (and Jump's two arguments from
    rows of P-bar and P-hat); phase k runs every program q with 2^k D_P(q) >= 1 for at most
    2^k D_P(q) steps.
  * Adaptive LS (ALS, Sec. 3.2): after LS found a program q, Adapt(q, P) moves every row i < l(q)
    toward q_i: P_ij := P_ij + gamma (1 - P_ij) for the instruction used, (1 - gamma) P_ij for the others.
  * SSA (Sec. 2) with ALS plugged in (Sec. 3.3): every Adapt call is a policy modification pushed on
    a stack with the time and the cumulative reward at which it was made; right before each Adapt
    (a checkpoint) SSA pops and undoes modifications until the reward/time ratios increase from the
    bottom of the stack to its top (the success-story criterion).
  * The task sequence (Sec. 3.5, "Experiment 2: incremental learning / inductive transfer"): one maze,
    goals 1..7 ever further from the start, goalsets G_i = {1, ..., 3 + i}; each epoch finds every goal
    of the current goalset in order, each by one LS call; reward 1 / (solution path length) when a
    goal is found, nothing else (sparse); epochs E_1..E_40 in the paper, 10 per goalset.
  * Here also a held-out goal 8, further than every training goal and never searched for during the
    ladder: LS with the bias the learner ends with against LS from scratch (the uniform matrix).

Compared on the same mazes (one random 23 x 23 labyrinth per seed, goals on a route through it):
  LS                    restarts from scratch on every task (P uniform), the paper's "LS by itself"
  ALS                   keeps every modification (no SSA)
  SSA+ALS, METHOD 2     keeps what SSA validated across goalsets (the bias transfer)
  SSA+ALS, METHOD 1     resets P (and SSA's stack) whenever a new goalset starts
at the paper's learning-rate extremes (a small gamma and a large one).

Run:  python3 ssa-bias-transfer-mazes/ssa_bias_transfer_mazes.py --n-seeds 10 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # noqa: F401  first: it pins the BLAS and SIMD kernels before numpy loads

import numpy as np

from shared.environments.maze import GridMaze
from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, require_seeds, stub_parser,
                                     summarize)
from shared.frame.verdict import exact, grade, judge, paired_better, pending

# ========================================================================================
# GENERAL PIECE (for shared/): a maze agent with a heading and the paper's three sensors, and an
# interpreter of the paper's 9 maze instructions. Candidate for shared.environments.maze or a new
# shared.search.maze_programs.
# ========================================================================================

N, E, S, W = range(4)                       # headings, as shared.environments.maze's actions
MOVES_RC = ((-1, 0), (0, 1), (1, 0), (0, -1))  # (row, column) step of each heading
FRONT_BLOCKED, LEFT_FREE, RIGHT_FREE = range(3)
TURN_LEFT, TURN_RIGHT, TURN_NONE = -1, 1, 0
# Sec. 3.4, "Instructions": 1..8 are REPEAT step forward UNTIL condition THEN rotate towards direction
INSTRUCTIONS = [(FRONT_BLOCKED, TURN_LEFT), (FRONT_BLOCKED, TURN_RIGHT), (LEFT_FREE, TURN_LEFT),
                (LEFT_FREE, TURN_RIGHT), (LEFT_FREE, TURN_NONE), (RIGHT_FREE, TURN_LEFT),
                (RIGHT_FREE, TURN_RIGHT), (RIGHT_FREE, TURN_NONE)]
JUMP = 8                                      # instruction 9: Jump(address, nr-times)
N_OPS = 9
OP_NAMES = ["UntilFrontBlocked-L", "UntilFrontBlocked-R", "UntilLeftFree-L", "UntilLeftFree-R",
            "UntilLeftFree-0", "UntilRightFree-L", "UntilRightFree-R", "UntilRightFree-0", "Jump"]
SHORT_NAMES = ["FB>L", "FB>R", "LF>L", "LF>R", "LF>0", "RF>L", "RF>R", "RF>0", "Jump"]


class MazeAgent:
    """The paper's agent in a ``GridMaze``: a cell and a heading; it senses only whether the field in
    front is blocked and whether the fields to its left and right are free.

    ``table[cell, heading, op]`` precomputes one REPEAT instruction (op 0..7): the cells it walks
    through (a straight run), the time it takes and the heading it ends with. Semantics (ours where
    the transcription is silent): the body is "step forward" (1 time step), repeated until the
    condition holds after a step; a step into a wall ("front blocked" before the condition holds) is a
    collision: it costs 1 time step, leaves the agent in place and ends the REPEAT; then the rotation
    (1 time step unless 'none')."""

    def __init__(self, maze: GridMaze):
        self.maze = maze
        cells = maze.n_cells
        blocked = maze.next_cell == np.arange(cells)[:, None]             # (cells, 4): wall in direction a
        self.blocked = blocked
        self.run_end = np.zeros((cells, 4, 8), int)          # last cell of the straight run
        self.run_len = np.zeros((cells, 4, 8), int)          # forward steps actually moved
        self.cost = np.zeros((cells, 4, 8), int)             # time steps the instruction takes
        self.heading_after = np.zeros((cells, 4, 8), int)
        self.runs: dict = {}
        for cell in range(cells):
            for h in range(4):
                for op, (cond, turn) in enumerate(INSTRUCTIONS):
                    path, c, steps = [cell], cell, 0
                    while True:
                        if blocked[c, h]:                     # collision: 1 step, no move, REPEAT ends
                            steps += 1
                            break
                        c = int(maze.next_cell[c, h])
                        steps += 1
                        path.append(c)
                        if self.holds(c, h, cond):
                            break
                    self.run_end[cell, h, op] = c
                    self.run_len[cell, h, op] = len(path) - 1
                    self.cost[cell, h, op] = steps + (turn != TURN_NONE)
                    self.heading_after[cell, h, op] = (h + turn) % 4
                    self.runs[cell, h, op] = path

    def holds(self, cell: int, h: int, cond: int) -> bool:
        if cond == FRONT_BLOCKED:
            return bool(self.blocked[cell, h])
        if cond == LEFT_FREE:
            return not self.blocked[cell, (h - 1) % 4]
        return not self.blocked[cell, (h + 1) % 4]

    def sense(self, cell: int, h: int) -> tuple[bool, bool, bool]:
        """(front blocked, left free, right free): all the agent perceives."""
        return (bool(self.blocked[cell, h]), not self.blocked[cell, (h - 1) % 4],
                not self.blocked[cell, (h + 1) % 4])


@dataclass
class RunState:
    """A program's execution state: where the agent is, the instruction pointer, Jump's hidden
    counters (one per address; None until that Jump first runs) and the time used."""
    cell: int
    heading: int
    ip: int
    counters: tuple
    t: int


def execute(agent: MazeAgent, program: list, state: RunState, goal: int, budget: int, max_len: int,
            trace: list | None = None):
    """Run ``program`` (a list of (op, address, nr_times)) from ``state`` until the instruction pointer
    reaches the end of the tape read so far (the program needs its next instruction), the program
    halts (ip past ``max_len``), the agent passes the ``goal`` cell, or ``budget`` time steps are used.

    Jump(address, nr-times) (Sec. 3.4): its hidden variable nr-times-to-go starts at nr-times; while it
    is > 0 the Jump decrements it and continues at ``address``; at 0 it is reset to nr-times and
    execution falls through. A Jump costs 1 time step. Returns (outcome, state) with outcome one of
    "needs", "halted", "goal", "timeout"; ``state.t`` is the time of the goal when outcome is "goal".
    ``trace``, if a list, receives (cell, heading, t, ip) after every step (for the pictures)."""
    cell, h, ip, t = state.cell, state.heading, state.ip, state.t
    counters = list(state.counters)
    while True:
        if ip >= max_len:
            return "halted", RunState(cell, h, ip, tuple(counters), t)
        if ip >= len(program):
            return "needs", RunState(cell, h, ip, tuple(counters), t)
        op, address, times = program[ip]
        if op == JUMP:
            if t + 1 > budget:
                return "timeout", RunState(cell, h, ip, tuple(counters), t)
            t += 1
            left = times if counters[ip] is None else counters[ip]
            if left > 0:
                counters[ip] = left - 1
                ip = address
            else:
                counters[ip] = times
                ip += 1
            if trace is not None:
                trace.append((cell, h, t, ip))
            continue
        path = agent.runs[cell, h, op]
        if goal in path[1:]:                                       # passes the goal on this run
            k = path.index(goal, 1)
            if t + k <= budget:
                if trace is not None:
                    for j in range(1, k + 1):
                        trace.append((path[j], h, t + j, ip))
                return "goal", RunState(goal, h, ip, tuple(counters), t + k)
        cost = int(agent.cost[cell, h, op])
        if t + cost > budget:
            return "timeout", RunState(cell, h, ip, tuple(counters), budget)
        if trace is not None:
            moved = len(path) - 1
            for j in range(1, moved + 1):
                trace.append((path[j], h, t + j, ip))
            if moved < cost - (INSTRUCTIONS[op][1] != TURN_NONE):      # the collision step
                trace.append((path[-1], h, t + moved + 1, ip))
        t += cost
        cell, h = int(agent.run_end[cell, h, op]), int(agent.heading_after[cell, h, op])
        ip += 1
        if trace is not None and INSTRUCTIONS[op][1] != TURN_NONE:
            trace.append((cell, h, t, ip))


def run_program(agent: MazeAgent, program: list, start: int, heading: int, goal: int, budget: int,
                max_len: int, trace: list | None = None):
    """Run a complete program from the start; the end of the tape halts it. Returns (outcome, time)."""
    state = RunState(start, heading, 0, (None,) * max_len, 0)
    outcome, state = execute(agent, program, state, goal, budget, max_len, trace)
    return ("halted" if outcome == "needs" else outcome), state.t


def disassemble(program: list) -> str:
    return "; ".join(f"{a}: Jump({addr}, {r})" if op == JUMP else f"{a}: {OP_NAMES[op]}"
                     for a, (op, addr, r) in enumerate(program))


# ========================================================================================
# GENERAL PIECE (for shared.search): Levin search over incrementally generated programs with a
# variable probability matrix (Sec. 3.1), ALS's Adapt (Sec. 3.2), the SSA stack (Sec. 2).
# ========================================================================================


class Policy:
    """The learner's policy: P (max_len x 9) the probability of each instruction at each address,
    P-bar (max_len x max_len) of Jump's address (row i over the legal targets 0..i), P-hat
    (max_len x MAXR) of Jump's nr-times 1..MAXR. Initially uniform (Sec. 3.2: "Initially, all
    P_ij = 1 / n_ops")."""

    def __init__(self, max_len: int, max_r: int):
        self.max_len, self.max_r = max_len, max_r
        self.P = np.full((max_len, N_OPS), 1.0 / N_OPS)
        self.Pbar = np.zeros((max_len, max_len))
        for i in range(max_len):
            self.Pbar[i, :i + 1] = 1.0 / (i + 1)
        self.Phat = np.full((max_len, max_r), 1.0 / max_r)

    def copy(self) -> "Policy":
        other = Policy.__new__(Policy)
        other.max_len, other.max_r = self.max_len, self.max_r
        other.P, other.Pbar, other.Phat = self.P.copy(), self.Pbar.copy(), self.Phat.copy()
        return other

    def restore(self, saved: "Policy") -> None:
        self.P[:], self.Pbar[:], self.Phat[:] = saved.P, saved.Pbar, saved.Phat

    def choices(self, i: int) -> list:
        """The possible instructions at address i with their probabilities, most probable first
        (ties by instruction number, then argument: the enumeration order of the search)."""
        out = [(self.P[i, op], (op, 0, 0)) for op in range(JUMP)]
        for a in range(i + 1):
            for r in range(1, self.max_r + 1):
                out.append((self.P[i, JUMP] * self.Pbar[i, a] * self.Phat[i, r - 1], (JUMP, a, r)))
        out.sort(key=lambda pc: (-pc[0], pc[1]))
        return out

    def probability(self, program: list) -> float:
        p = 1.0
        for i, (op, a, r) in enumerate(program):
            p *= self.P[i, op] * (self.Pbar[i, a] * self.Phat[i, r - 1] if op == JUMP else 1.0)
        return p


def adapt(policy: Policy, program: list, gamma: float) -> None:
    """ALS's Adapt(q, P) (Sec. 3.2), applied to P and, at the Jumps of q, to P-bar and P-hat:
    for i < l(q): P_ij := P_ij + gamma (1 - P_ij) if q_i = b_j else (1 - gamma) P_ij."""
    for i, (op, a, r) in enumerate(program):
        policy.P[i] *= 1.0 - gamma
        policy.P[i, op] += gamma
        if op == JUMP:
            policy.Pbar[i, :i + 1] *= 1.0 - gamma
            policy.Pbar[i, a] += gamma
            policy.Phat[i] *= 1.0 - gamma
            policy.Phat[i, r - 1] += gamma


@dataclass
class Search:
    program: list | None        # the first program found (None: none within the phase limit)
    steps: int                  # time steps charged: every program run as if alone, all phases
    phase: int                  # the phase it was found in (or the last phase run)
    path_length: int            # time the solution takes from the start to the goal
    nodes: int                  # prefixes executed (what the search cost this machine)


def levin_search(agent: MazeAgent, policy: Policy, start: int, heading: int, goal: int,
                 max_phase: int) -> Search:
    """LS (Sec. 3.1) with programs generated incrementally from the policy's matrices: phase k = 1,
    2, ... runs every program q with 2^k D_P(q) >= 1 for at most 2^k D_P(q) time steps, depth first
    over the tree of prefixes (the most probable instruction first), until one passes the goal.

    A prefix's run is shared by its extensions in this machine's work, but each program is charged the
    time it would take alone: the charged steps of a phase are the sum, over the programs that end in
    it (halted, out of time, needing an instruction it cannot afford, or solving the task), of their
    time from the start. Phases are restarted from scratch, as in LS."""
    charged, nodes = 0, 0
    table = [policy.choices(i) for i in range(policy.max_len)]        # fixed during one search
    probs = [[q for q, _ in row] for row in table]
    for phase in range(1, max_phase + 1):
        T = 2.0 ** phase
        root = RunState(start, heading, 0, (None,) * policy.max_len, 0)
        stack = [([], 1.0, root)]
        while stack:
            program, p, state = stack.pop()
            nodes += 1
            if program:
                outcome, state = execute(agent, program, state, goal, int(T * p), policy.max_len)
            else:
                outcome = "needs"
            if outcome == "goal":
                return Search(program, charged + state.t, phase, state.t, nodes)
            if outcome != "needs":
                charged += state.t
                continue
            i = len(program)
            need = max(state.t, 1) / (T * p)                 # a child needs probability q >= need here
            row = probs[i]
            n = 0
            while n < len(row) and row[n] >= need:
                n += 1
            if n == 0:
                charged += state.t
                continue
            for q, step in reversed(table[i][:n]):           # the most probable popped first
                stack.append((program + [step], p * q, state))
    return Search(None, charged, max_phase, 0, nodes)


class SSAStack:
    """The success-story algorithm's stack (Sec. 2). An entry: the checkpoint's time and cumulative
    reward, and the policy as it was before the modification (to restore it when popped).

    ``checkpoint(t, R)`` (SSA.1-SSA.2): while the stack is not empty and the top entry's reward/time
    ratio since its checkpoint, (R - R_top) / (t - t_top), does not exceed the entry below's (or, for
    the bottom entry, R / t since birth), restore the policy saved with the top entry and pop it.
    Afterwards the success-story criterion holds: R/t < Q(1) < Q(2) < ... along the stack.
    ``push(t, R, saved)`` (SSA.3) is called right before a modification."""

    def __init__(self):
        self.entries: list = []       # (t, R, saved policy, label)
        self.pops = 0

    def ratios(self, t: float, R: float) -> list:
        """Q(i, t) = (R(t) - R(t_i)) / (t - t_i) of every entry, bottom first."""
        return [(R - r_i) / (t - t_i) if t > t_i else float("inf") for t_i, r_i, _, _ in self.entries]

    def criterion_holds(self, t: float, R: float) -> bool:
        q = [R / t if t > 0 else 0.0] + self.ratios(t, R)
        return all(q[i] < q[i + 1] for i in range(len(q) - 1))

    def checkpoint(self, t: float, R: float, policy: Policy) -> int:
        popped = 0
        while self.entries:
            t_top, r_top, saved, _ = self.entries[-1]
            below = (R / t if t > 0 else 0.0) if len(self.entries) == 1 else \
                (R - self.entries[-2][1]) / (t - self.entries[-2][0])
            top = (R - r_top) / (t - t_top) if t > t_top else float("inf")
            if top > below:
                break
            policy.restore(saved)
            self.entries.pop()
            popped += 1
        self.pops += popped
        return popped

    def push(self, t: float, R: float, policy: Policy, label: str = "") -> None:
        self.entries.append((t, R, policy.copy(), label))


# ========================================================================================
# The mazes and the task ladder (Sec. 3.5's design on a random labyrinth per seed)
# ========================================================================================


@dataclass(frozen=True)
class Config:
    rows: int = 11                # cells of the labyrinth: (2 rows + 1) x (2 cols + 1) = 23 x 23 fields
    cols: int = 11
    braid: float = 0.0            # share of dead ends opened into loops (0: a perfect maze)
    n_goals: int = 7              # Sec. 3.5: goals 1..7
    n_goalsets: int = 4           # G_i = {1, ..., 3 + i}
    epochs_per_goalset: int = 10  # the paper: 40 epochs, 10 per goalset
    max_len: int = 8              # addresses of the program tape (ours)
    max_r: int = 3                # MAXR, Jump's largest nr-times (ours)
    max_phase: int = 18           # LS stops (no solution) after phase 18: 2^18 steps per unit probability
    gammas: tuple = (0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 0.9)   # the learning-rate grid (the paper: 0.01..0.95)
    tuning_seeds: tuple = (100, 101, 102, 103, 104)         # gamma chosen per method on these mazes
    checkpoint: str = "call"      # SSA right before every Adapt call (ICML-96 Sec. 4), or "epoch": at epoch ends


def carve_labyrinth(rng: np.random.Generator, rows: int, cols: int, braid: float) -> list[str]:
    """A random labyrinth: depth-first backtracking over rows x cols cells, walls between them, the
    border walled; then a share ``braid`` of its dead ends opened into a neighbour (loops)."""
    H, Wd = 2 * rows + 1, 2 * cols + 1
    grid = np.full((H, Wd), "#")
    seen = np.zeros((rows, cols), bool)
    stack = [(0, 0)]
    seen[0, 0] = True
    grid[1, 1] = "."
    while stack:
        r, c = stack[-1]
        options = [(r + dr, c + dc) for dr, dc in ((-1, 0), (0, 1), (1, 0), (0, -1))
                   if 0 <= r + dr < rows and 0 <= c + dc < cols and not seen[r + dr, c + dc]]
        if not options:
            stack.pop()
            continue
        nr, nc = options[rng.integers(len(options))]
        grid[2 * r + 1 + (nr - r), 2 * c + 1 + (nc - c)] = "."
        grid[2 * nr + 1, 2 * nc + 1] = "."
        seen[nr, nc] = True
        stack.append((nr, nc))
    for r in range(rows):
        for c in range(cols):
            y, x = 2 * r + 1, 2 * c + 1
            walls = [(dy, dx) for dy, dx in ((-1, 0), (0, 1), (1, 0), (0, -1)) if grid[y + dy, x + dx] == "#"
                     and 0 < y + 2 * dy < H and 0 < x + 2 * dx < Wd]
            if len(walls) == 3 and rng.random() < braid:
                dy, dx = walls[rng.integers(len(walls))]
                grid[y + dy, x + dx] = "."
    return ["".join(row) for row in grid]


def make_tasks(seed: int, cfg: Config) -> dict:
    """One seed's maze and goals. The start is the top-left field facing east (Fig. 2 marks the
    start by an arrow). Goals 1..n_goals + 1 lie on the route that the cheapest programs of the
    instruction set walk (found by LS with the uniform matrix for ever-further fields along it), so
    that each goal is further from the start than the ones before (Sec. 3.5); goal n_goals + 1 is the
    held-out task. The route: the trajectory of a random loop program (a random body of 2-3
    REPEAT instructions and Jump(0, MAXR)), drawn until it reaches at least 8 distinct
    distance classes."""
    rng = np.random.default_rng(seed)
    for _ in range(200):
        layout = carve_labyrinth(rng, cfg.rows, cfg.cols, cfg.braid)
        maze = GridMaze(layout)
        agent = MazeAgent(maze)
        start = maze.index[1, 1]
        dist = maze.distances(start)
        for _ in range(50):
            body = [(int(rng.integers(JUMP)), 0, 0) for _ in range(int(rng.integers(2, 4)))]
            teacher = body + [(JUMP, 0, cfg.max_r)]
            trace: list = []
            run_program(agent, teacher, start, E, -1, 4000, cfg.max_len, trace)
            order, firsts = [], set()
            for cell, _, _, _ in trace:
                if cell not in firsts and cell != start:
                    firsts.add(cell)
                    order.append(cell)
            # goals: fields first reached by the walk, spread over its distances from the start
            far = [c for c in order if dist[c] >= 4]
            if len(far) < 3 * (cfg.n_goals + 1):
                continue
            if dist[far].max() < 24:
                continue
            targets = np.linspace(4, dist[far].max(), cfg.n_goals + 1)
            goals = []
            for d in targets:
                best = min((c for c in far if c not in goals and (not goals or dist[c] > dist[goals[-1]])),
                           key=lambda c: abs(dist[c] - d), default=None)
                if best is None:
                    break
                goals.append(best)
            if len(goals) == cfg.n_goals + 1:
                return {"layout": layout, "maze": maze, "agent": agent, "start": int(start), "heading": E,
                        "goals": [int(g) for g in goals], "teacher": teacher, "distances": dist}
    raise RuntimeError(f"seed {seed}: no labyrinth with a long enough route")


# ========================================================================================
# One learner's life on the ladder: LS calls, rewards, SSA checkpoints, Adapt calls
# ========================================================================================

LEARNERS = ("LS", "ALS", "SSA+ALS", "SSA+ALS/M1")


def goalset_schedule(cfg: Config) -> list:
    """The epochs: (goalset index i, the goals of G_i in order of their distance), E_1..E_{4x10}."""
    return [(i, list(range(3 + i + 1))) for i in range(cfg.n_goalsets) for _ in range(cfg.epochs_per_goalset)]


def live(task: dict, cfg: Config, learner: str, gamma: float, history: bool = False,
         ls_cache: dict | None = None) -> dict:
    """Run one learner through the whole task sequence; return its costs and what it ends with.

    Life time t is the sum of the time steps charged by its LS calls; R(t) the sum of its rewards
    (1 / solution path length for each goal found). ``LS``: the uniform matrix on every call (its
    calls are deterministic, so ``ls_cache`` may hold them per goal). ``ALS``: Adapt after every
    found goal, nothing undone. ``SSA+ALS``: SSA's checkpoint right before every Adapt (and after a
    search that found nothing), modifications pushed on the stack. ``SSA+ALS/M1``: the same, but the
    policy and the stack are reset to the start whenever a new goalset begins."""
    agent, start, heading, goals = task["agent"], task["start"], task["heading"], task["goals"]
    policy = Policy(cfg.max_len, cfg.max_r)
    stack = SSAStack()
    t, R = 0, 0.0
    epoch_steps, found, events = [], [], []
    last_goalset = None
    for epoch, (goalset, members) in enumerate(goalset_schedule(cfg)):
        if learner == "SSA+ALS/M1" and goalset != last_goalset:
            policy, stack = Policy(cfg.max_len, cfg.max_r), SSAStack()
        last_goalset = goalset
        steps_here, found_here, pushed = 0, 0, False
        if learner.startswith("SSA") and cfg.checkpoint == "epoch" and t > 0:
            stack.checkpoint(t, R, policy)                    # SSA at the checkpoint ending the last epoch
        for g in members:
            if learner == "LS" and ls_cache is not None and g in ls_cache:
                search = ls_cache[g]
            else:
                search = levin_search(agent, policy, start, heading, goals[g], cfg.max_phase)
                if learner == "LS" and ls_cache is not None:
                    ls_cache[g] = search
            t += search.steps
            steps_here += search.steps
            if search.program is not None:
                R += 1.0 / max(search.path_length, 1)
                found_here += 1
            popped = 0
            if learner.startswith("SSA") and cfg.checkpoint == "call":
                popped = stack.checkpoint(t, R, policy)
                if search.program is not None:
                    stack.push(t, R, policy, f"E{epoch + 1} goal {g + 1}")
            if learner.startswith("SSA") and cfg.checkpoint == "epoch" and search.program is not None \
                    and not pushed:
                stack.push(t, R, policy, f"E{epoch + 1}")      # the epoch's modifications: one stack entry
                pushed = True
            if learner != "LS" and search.program is not None:
                adapt(policy, search.program, gamma)
            if history:
                events.append({"epoch": epoch + 1, "goal": g + 1, "t": t, "R": R, "steps": search.steps,
                               "program": search.program, "popped": popped, "stack": len(stack.entries),
                               "P": policy.P.copy(), "stack_t": [e[0] for e in stack.entries],
                               "ratios": stack.ratios(t, R) if t > 0 else []})
        epoch_steps.append(steps_here)
        found.append(found_here)
    out = {"epoch_steps": epoch_steps, "found": found, "total_steps": int(sum(epoch_steps)),
           "pops": stack.pops, "stack": len(stack.entries), "policy": policy, "R": R, "t": t,
           "criterion": stack.criterion_holds(t, R) if t > 0 else True}
    if history:
        out["events"] = events
    return out


def held_out(task: dict, cfg: Config, policy: Policy) -> Search:
    """The held-out task: goal n_goals + 1, never searched for before, by LS with ``policy``."""
    return levin_search(task["agent"], policy, task["start"], task["heading"], task["goals"][cfg.n_goals],
                        cfg.max_phase)


# ----------------------------------------------------------------------------------------
# Jobs: one learner at one learning rate on one seed's maze (a pure function of its arguments)
# ----------------------------------------------------------------------------------------

_TASKS: dict = {}


def task_of(seed: int, cfg: Config) -> dict:
    key = (seed, cfg.rows, cfg.cols, cfg.braid, cfg.n_goals, cfg.max_len, cfg.max_r)
    if key not in _TASKS:
        _TASKS[key] = make_tasks(seed, cfg)
    return _TASKS[key]


def run_job(job) -> dict:
    """(seed, learner, gamma, cfg) -> the learner's figures on that seed's ladder and held-out goal."""
    seed, learner, gamma, cfg = job
    task = task_of(seed, cfg)
    life = live(task, cfg, learner, gamma, ls_cache={})
    final = held_out(task, cfg, life["policy"] if learner != "LS" else Policy(cfg.max_len, cfg.max_r))
    last = goalset_schedule(cfg)[-1][1]
    return {"seed": seed, "learner": learner, "gamma": gamma, "total_steps": life["total_steps"],
            "epoch_steps": life["epoch_steps"], "found": life["found"],
            "all_found_last_epoch": bool(life["found"][-1] == len(last)),
            "goals_missed": int(sum(len(m) for _, m in goalset_schedule(cfg)) - sum(life["found"])),
            "held_out_steps": final.steps, "held_out_found": final.program is not None,
            "held_out_program": None if final.program is None else disassemble(final.program),
            "pops": life["pops"], "stack": life["stack"], "criterion_holds": bool(life["criterion"]),
            "reward": life["R"]}


def run_jobs(jobs: list, workers: int, label: str) -> list:
    """Run the jobs (in order), on ``workers`` processes; progress lines every 5 s."""
    clock = Progress(len(jobs), label)
    out = []
    if workers == 1:
        for job in jobs:
            out.append(run_job(job))
            clock.update(len(out), last=f"{job[1]} gamma={job[2]} seed={job[0]}")
        return out
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for row in pool.imap(run_job, jobs, chunksize=1):
            out.append(row)
            clock.update(len(out), last=f"{row['learner']} gamma={row['gamma']} seed={row['seed']}")
    return out


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py ssa-bias-transfer-mazes): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def search_block(tape, time_steps: int, learner: str, cfg: Config = Config(), pops: int = 0):
    """One goal search of a learner's life at the recorded mean, written on a movement Tape
    (shared.frame.movement), float64 policy. The search's table of choices (per address the Jump products
    P P-bar P-hat for every target and nr-times, then the row ordered, priced as one pass of comparisons);
    ``time_steps`` time steps of the paper's machine, each: the budget check, the clock, the instruction
    fetch (ip and the program cell), the condition tested on the perceived bit, the goal check on the
    agent's field (the perceptions and fields are inputs: the maze's physics is not priced); for ALS and
    SSA, Adapt on a program of ``cfg.max_len`` instructions (each address's row scaled by 1 - gamma and
    the chosen entry raised); for SSA, the checkpoint (the top entry's and the one below's reward/time
    ratios, compared), ``pops`` restores of the saved policy (copies) and the push of a copy."""
    L, n_ops, R = cfg.max_len, N_OPS, cfg.max_r
    P = tape.argument((L, n_ops), np.float64)
    Pbar = tape.argument((L, L), np.float64)
    Phat = tape.argument((L, R), np.float64)
    program = tape.argument(L, np.int64)
    registers = tape.argument(6, np.int64)                   # t, budget, ip, goal, R, t of the stack's top
    sensed = tape.argument(max(time_steps, 1), np.int8)
    fields = tape.argument(max(time_steps, 1), np.int64)
    t, budget, ip, goal = (registers[k:k + 1] for k in range(4))
    for i in range(L):                                         # Policy.choices, row by row
        jumps = tape.map(tape.map(P[i, n_ops - 1:], Pbar[i, :i + 1, None]), Phat[i][None, :])
        tape.reduce(np.concatenate([P[i, :n_ops - 1], jumps.ravel()]))
    for k in range(time_steps):
        tape.map(t, budget)
        t = tape.map(t)
        op = tape.map(ip, program[k % L:k % L + 1])
        tape.map(op, sensed[k:k + 1])
        tape.map(fields[k:k + 1], goal)
    if learner.startswith("SSA"):
        top = tape.map(registers[4:5], registers[5:6], t)
        below = tape.map(registers[4:5], t)
        tape.map(top, below)
        for _ in range(pops):
            tape.map(P), tape.map(Pbar), tape.map(Phat)
        tape.map(P), tape.map(Pbar), tape.map(Phat)              # the push: a copy of the policy
    if learner != "LS":
        scaled = tape.map(P)                                    # (1 - gamma) P at the program's addresses
        tape.map(scaled[:, 0])                                  # + gamma at the chosen instruction
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. The record counts LS time steps (the paper's clock:
    every program charged as if run alone), summed over a life's goal searches, and the learners differ
    in what they do around each search, so the step is one goal search at the life's mean: total time
    steps (median over the seeds) / the 220 searches of a life (40 epochs of 4..7 goals), written as
    ``search_block`` models it: each time step as the paper's machine would run it (our machine looks
    whole REPEAT runs up in precomputed tables; the maze's physics is not priced), plus the choice table,
    Adapt (ALS) and SSA's checkpoint, pops (the median per life / 220, rounded) and push. Steps to solve:
    the life's 220 searches (no solve criterion beyond living through the 40 epochs). Left out: the
    held-out goal's search, the enumeration's stack of prefixes, Adapt's Jump rows (P-bar, P-hat)."""
    cfg = Config()
    searches = sum(len(members) for _, members in goalset_schedule(cfg))
    per_seed = record["seeds"]["per_seed"]
    rows = []
    for learner, key, pops_key in (("SSA+ALS", "ssa_total", "ssa_pops"), ("LS", "ls_total", None),
                                   ("ALS", "als_total", None), ("SSA+ALS/M1", "m1_total", "m1_pops")):
        steps = round(float(np.median([r[key] for r in per_seed])) / searches)
        pops = round(float(np.median([r[pops_key] for r in per_seed])) / searches) if pops_key else 0
        rows.append({"row": learner, "family": "search",
                     "step": f"one goal search at the life's mean ({steps} LS time steps"
                             + ("; Adapt" if learner != "LS" else "")
                             + (f"; SSA checkpoint, {pops} pop{'' if pops == 1 else 's'}, push" if pops_key else "") + ")",
                     "size": f"P {cfg.max_len}x{N_OPS}, P-bar {cfg.max_len}x{cfg.max_len}, P-hat {cfg.max_len}x"
                             f"{cfg.max_r} float64; programs of up to {cfg.max_len} instructions",
                     "program": lambda tape, steps=steps, learner=learner, pops=pops:
                         search_block(tape, steps, learner, cfg, pops),
                     "steps_to_solve": searches,
                     "steps_from": f"the life's {searches} goal searches (goalset_schedule); the block's time "
                                   f"steps = median {key} over the seeds (seeds.per_seed) / {searches}"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict, fixed before the recorded run
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10
WHERE_35 = "Sec. 3.5 (Experiment 2: incremental learning / inductive transfer)"


def verdict(record: dict) -> dict:
    """The catalog's verdict from the record's per-seed rows (>= 10 seeds) and its tuning runs.

    Metric: the time steps charged by all LS calls of a learner's life over the 40 epochs (the paper
    stores "for each epoch ... the total number of steps required to find all goals"), per seed;
    for the held-out goal, the steps of the one LS call that finds it (LS from scratch stopped at the
    phase limit counts the steps it spent: a lower bound on its cost, which favours LS).
      1. (primary) Bias transfer beats restarting: SSA+ALS (METHOD 2, gamma tuned) needs fewer steps
         than LS from scratch on every task, geometric-mean ratio < 1/2 (one-sided paired t on logs).
      2. (primary) Held-out goal: LS with the bias SSA+ALS ends with finds goal 8 in fewer steps than
         LS from scratch, ratio < 1/2 (paired t on logs). Ours: the paper has no held-out task.
      3. SSA+ALS beats ALS without SSA (each at its tuned gamma): ratio < 1 ("ALS can be further
         improved by plugging it into SSA", Sec. 3.5).
      4. Keeping the bias across goalsets (METHOD 2) beats resetting it at each new goalset
         (METHOD 1, our reading of the paper's two methods), both SSA+ALS at METHOD 2's gamma: ratio < 1.
      5. SSA+ALS is learning-rate independent: in every tuning run (5 mazes x the 7 rates) it finds
         all goals of the last epoch (Sec. 3.5: "it solves all tasks with all learning rates").
      6. ALS without SSA fails at large rates: some tuning run of ALS with gamma >= 0.4 misses a goal
         of the last epoch (Sec. 3.5: "large learning rate subspaces do not work for many goals").
    Holm over the tested claims 1-4; 5 and 6 are exact counts. yes: all hold; partial: 1 and 2
    hold; no: 1 or 2 fails."""
    rows = (record.get("seeds") or {}).get("per_seed") or []
    tuning = record.get("tuning") or []
    if len(rows) < MIN_SEEDS or not tuning:
        return pending(f"the rule needs >= {MIN_SEEDS} seeds and the tuning runs, got {len(rows)} "
                       f"(python3 ssa-bias-transfer-mazes/ssa_bias_transfer_mazes.py --n-seeds 10)")
    ssa = [r["ssa_total"] for r in rows]
    claims = [
        paired_better("SSA+ALS keeping its bias beats LS restarting from scratch", WHERE_35, ssa,
                      [r["ls_total"] for r in rows], min_ratio=2.0,
                      metric="time steps of all LS calls over the 40 epochs, SSA+ALS / LS"),
        paired_better("the kept bias finds the held-out goal faster than LS from scratch",
                      "ours (the paper has no held-out task)", [r["ssa_held_out"] for r in rows],
                      [r["ls_held_out"] for r in rows], min_ratio=2.0,
                      metric="time steps of the LS call that finds goal 8, SSA+ALS's final matrix / uniform "
                             "(LS from scratch stopped at the phase limit counts what it spent)"),
        paired_better("SSA+ALS beats ALS without SSA", WHERE_35, ssa, [r["als_total"] for r in rows],
                      min_ratio=1.0, metric="time steps over the 40 epochs, SSA+ALS / ALS (each at its tuned gamma)"),
        paired_better("keeping the bias across goalsets (METHOD 2) beats resetting it (METHOD 1)", WHERE_35,
                      ssa, [r["m1_total"] for r in rows], min_ratio=1.0,
                      metric="time steps over the 40 epochs, SSA+ALS METHOD 2 / METHOD 1"),
    ]
    ssa_runs = [t for t in tuning if t["learner"] == "SSA+ALS"]
    als_large = [t for t in tuning if t["learner"] == "ALS" and t["gamma"] >= 0.4]
    solved = sum(t["all_found_last_epoch"] for t in ssa_runs)
    failed = sum(not t["all_found_last_epoch"] for t in als_large)
    claims = judge(claims) + [
        exact("SSA+ALS solves all tasks with all learning rates", WHERE_35 + ", 'Learning rate influence'",
              "tuning runs of SSA+ALS that find every goal of the last epoch", f"{solved}/{len(ssa_runs)}",
              solved == len(ssa_runs), "every run (5 mazes x 7 rates)"),
        exact("ALS without SSA fails for large learning rates", WHERE_35 + ", 'Learning rate influence'",
              "tuning runs of ALS with gamma >= 0.4 that miss a goal of the last epoch", f"{failed}/{len(als_large)}",
              failed > 0, "at least one run"),
    ]
    return grade(claims, primary=2)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

PAPER = {
    "citation": "Schmidhuber, J., Zhao, J. & Wiering, M. (1997). Shifting inductive bias with success-story "
                "algorithm, adaptive Levin search, and incremental self-improvement. Machine Learning "
                "28(1):105-130. doi:10.1023/A:1007383707642",
    "claim": "Adaptive Levin search (ALS) uses the programs Levin search found for earlier tasks to shift the "
             "probability matrix it searches with, which dramatically reduces the search time for a "
             "sequence of ever more complex partially observable maze tasks (inductive transfer); plugged "
             "into the success-story algorithm (SSA), which undoes every bias shift not followed by a "
             "long-term acceleration of reward intake, it improves further and becomes fairly "
             "learning-rate independent.",
    "figures": [
        {"name": "maze of Experiment 2", "value": "23 x 23 fields, 7 goals, goalsets G_i = {1..3+i}, 40 epochs "
                                                   "(10 per goalset), reward 1 / solution path length",
         "where": "Sec. 3.5, 'Task' and Fig. 2"},
        {"name": "instruction set", "value": "9 instructions: 8 REPEAT-step-forward-UNTIL-condition-THEN-rotate "
                                             "and Jump(address, nr-times)",
         "where": "Sec. 3.4, 'Instructions'"},
        {"name": "learning rates tried", "value": "0.01, 0.02, ..., 0.95",
         "where": "Sec. 3.5, 'Learning rate influence'"},
        {"name": "SSA+ALS vs ALS across learning rates",
         "value": "SSA+ALS solves all tasks with all learning rates; ALS (METHOD 2) only with small ones",
         "where": "Sec. 3.5, 'Learning rate influence' (the step counts stand in formulas the transcription "
                  "we read drops)"},
        {"name": "Experiment 1 maze", "value": "952 free fields, one start, one goal; LS alone solves it",
         "where": "Sec. 3.4 and Fig. 1 (not run here)"},
    ],
}


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="a reduced run for the tests: 2 seeds, 1 epoch per goalset, "
                                                   "two learning rates, one tuning maze, phases up to 13")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1,
                        help="worker processes; the jobs are shared out, the figures are the same")
    parser.add_argument("--epochs-per-goalset", type=int_at_most(50, "epochs per goalset"),
                        default=Config.epochs_per_goalset)
    parser.add_argument("--max-phase", type=int_at_most(24, "LS phases (each doubles the time)"),
                        default=Config.max_phase)
    parser.add_argument("--checkpoint", choices=["call", "epoch"], default=Config.checkpoint,
                        help="where SSA is called: right before every Adapt (the paper's), or at epoch ends "
                             "(an ablation, recorded as the section 'epoch_checkpoints')")
    args = parser.parse_args(argv)
    require_seeds(parser, args, MIN_SEEDS)
    changed = [flag for flag, value, default in (("--epochs-per-goalset", args.epochs_per_goalset,
                                                  Config.epochs_per_goalset),
                                                 ("--max-phase", args.max_phase, Config.max_phase))
               if value != default]
    if args.record and not args.quick and changed:
        parser.error(f"--record records the headline settings (or --checkpoint epoch) only; not with "
                     f"{', '.join(changed)}")
    return args


def config_of(args) -> Config:
    cfg = Config(epochs_per_goalset=args.epochs_per_goalset, max_phase=args.max_phase, checkpoint=args.checkpoint)
    if args.quick:
        cfg = replace(cfg, epochs_per_goalset=1, max_phase=min(cfg.max_phase, 13), gammas=(0.1, 0.9),
                      tuning_seeds=(100,))
    return cfg


def best_gamma(tuning: list, learner: str) -> float:
    """The rate with the smallest median total over the tuning mazes (ties: the smaller rate)."""
    rates = sorted({t["gamma"] for t in tuning if t["learner"] == learner})
    medians = [float(np.median([t["total_steps"] for t in tuning if t["learner"] == learner and t["gamma"] == g]))
               for g in rates]
    return rates[int(np.argmin(medians))]


def geomean(values) -> float:
    return float(np.exp(np.mean(np.log(np.asarray(values, float)))))


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    cfg = config_of(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    print(f"SSA + adaptive Levin search on a ladder of {2 * cfg.rows + 1} x {2 * cfg.cols + 1} POMDP labyrinths: "
          f"{cfg.n_goals} goals + 1 held out, {cfg.n_goalsets} goalsets x {cfg.epochs_per_goalset} epochs, "
          f"programs of <= {cfg.max_len} instructions, LS phases <= {cfg.max_phase}; seeds {seeds[0]}..{seeds[-1]}",
          flush=True)
    # 1. the learning rate of each method, tuned on other mazes (Sec. 3.5 tried a grid of rates)
    tuning_jobs = [(s, learner, g, cfg) for s in cfg.tuning_seeds for learner in ("ALS", "SSA+ALS") for g in cfg.gammas]
    tuning = run_jobs(tuning_jobs, args.workers, "tuning run")
    g_als, g_ssa = best_gamma(tuning, "ALS"), best_gamma(tuning, "SSA+ALS")
    print(f"tuned learning rates (median total steps over mazes {list(cfg.tuning_seeds)}): ALS {g_als}, "
          f"SSA+ALS {g_ssa}", flush=True)
    # 2. the four learners on the headline mazes
    jobs = [(s, learner, g, cfg) for s in seeds
            for learner, g in (("LS", 0.0), ("ALS", g_als), ("SSA+ALS", g_ssa), ("SSA+ALS/M1", g_ssa))]
    results = run_jobs(jobs, args.workers, "learner run")
    by = {(r["seed"], r["learner"]): r for r in results}
    rows = []
    for s in seeds:
        ls, als, ssa, m1 = (by[s, k] for k in ("LS", "ALS", "SSA+ALS", "SSA+ALS/M1"))
        rows.append({"seed": s, "solved": bool(ssa["all_found_last_epoch"] and ssa["held_out_found"]),
                     "ssa_total": ssa["total_steps"], "ls_total": ls["total_steps"], "als_total": als["total_steps"],
                     "m1_total": m1["total_steps"], "ssa_held_out": ssa["held_out_steps"],
                     "ls_held_out": ls["held_out_steps"], "als_held_out": als["held_out_steps"],
                     "m1_held_out": m1["held_out_steps"], "ls_held_out_found": ls["held_out_found"],
                     "ssa_held_out_found": ssa["held_out_found"], "ssa_held_out_program": ssa["held_out_program"],
                     "missed": {k: by[s, k]["goals_missed"] for k in LEARNERS},
                     "ssa_pops": ssa["pops"], "ssa_stack": ssa["stack"], "m1_pops": m1["pops"],
                     "ssa_criterion_holds": ssa["criterion_holds"],
                     "epoch_steps": {k: by[s, k]["epoch_steps"] for k in LEARNERS}})
    columns = ["seed", "LS", "ALS", "SSA+ALS", "SSA+ALS/M1", "held-out LS", "held-out SSA+ALS", "SSA pops",
               "stack"]
    table_rows = [[r["seed"], r["ls_total"], r["als_total"], r["ssa_total"], r["m1_total"], r["ls_held_out"],
                   r["ssa_held_out"], r["ssa_pops"], r["ssa_stack"]] for r in rows]
    print(format_table(columns, table_rows))
    gm = {k: geomean([r[f"{k}_total"] for r in rows]) for k in ("ls", "als", "ssa", "m1")}
    gh = {k: geomean([r[f"{k}_held_out"] for r in rows]) for k in ("ls", "als", "ssa", "m1")}
    n_goal_calls = sum(len(m) for _, m in goalset_schedule(cfg))
    missed = {k: int(sum(r["missed"][k] for r in rows)) for k in LEARNERS}
    tune_rows = []
    for learner in ("ALS", "SSA+ALS"):
        for g in cfg.gammas:
            runs = [t for t in tuning if t["learner"] == learner and t["gamma"] == g]
            tune_rows.append([learner, g, float(np.median([t["total_steps"] for t in runs])),
                              int(sum(t["all_found_last_epoch"] for t in runs)), len(runs),
                              int(sum(t["goals_missed"] for t in runs))])
    label = (f"{len(rows)} random {2 * cfg.rows + 1} x {2 * cfg.cols + 1} labyrinths, {cfg.n_goalsets * cfg.epochs_per_goalset}"
             f" epochs, {n_goal_calls} LS calls per learner")
    tables = [
        {"title": f"Time steps of all LS calls over the ladder and for the held-out goal 8 ({label}); geometric "
                  f"means over seeds; LS stops at phase {cfg.max_phase} (then its steps are a lower bound)",
         "columns": ["learner", "learning rate", "total steps (geo. mean)", "held-out steps (geo. mean)",
                     "goal searches that failed (all seeds)"],
         "rows": [["LS from scratch (uniform P every call)", "-", gm["ls"], gh["ls"], missed["LS"]],
                  ["ALS (no SSA)", g_als, gm["als"], gh["als"], missed["ALS"]],
                  ["SSA+ALS, METHOD 2 (bias kept)", g_ssa, gm["ssa"], gh["ssa"], missed["SSA+ALS"]],
                  ["SSA+ALS, METHOD 1 (reset per goalset)", g_ssa, gm["m1"], gh["m1"], missed["SSA+ALS/M1"]]]},
        {"title": f"Learning-rate grid on the tuning mazes {list(cfg.tuning_seeds)} (median total steps; runs "
                  f"that found every goal of the last epoch)",
         "columns": ["learner", "gamma", "median total steps", "runs solving the last epoch", "runs",
                     "failed goal searches"],
         "rows": tune_rows},
        {"title": f"Per seed ({label})", "columns": columns, "rows": table_rows},
    ]
    headline = {"ls_total_geomean": gm["ls"], "als_total_geomean": gm["als"], "ssa_total_geomean": gm["ssa"],
                "m1_total_geomean": gm["m1"], "ls_held_out_geomean": gh["ls"], "ssa_held_out_geomean": gh["ssa"],
                "gamma_als": g_als, "gamma_ssa": g_ssa, "ls_held_out_found": int(sum(r["ls_held_out_found"] for r in rows)),
                "ssa_held_out_found": int(sum(r["ssa_held_out_found"] for r in rows)),
                "ssa_pops_mean": float(np.mean([r["ssa_pops"] for r in rows])),
                "seed0_ssa_total": rows[0]["ssa_total"], "seeds": len(rows)}
    measured = {"LS from scratch: total steps (geo. mean)": gm["ls"], "ALS: total steps": gm["als"],
                "SSA+ALS: total steps": gm["ssa"], "SSA+ALS METHOD 1: total steps": gm["m1"],
                "held-out goal, LS from scratch": gh["ls"], "held-out goal, SSA+ALS's bias": gh["ssa"]}
    summary_line = (f"over {len(rows)} random labyrinths and 40 epochs of ever harder goals, SSA+ALS (gamma {g_ssa}) "
                    f"spends {gm['ssa']:.3g} LS steps (geo. mean) against {gm['ls']:.3g} for LS restarting from "
                    f"scratch and {gm['als']:.3g} for ALS alone; on the held-out goal its kept bias needs "
                    f"{gh['ssa']:.3g} steps, LS from scratch {gh['ls']:.3g} (found in "
                    f"{headline['ls_held_out_found']}/{len(rows)})")
    part = {"summary": summary_line, "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**summarize([r["ssa_total"] for r in rows],
                                                                [r["solved"] for r in rows]),
                                                    "metric": "ssa_total"}},
            "tables": tables, "tuning": tuning, "wallclock_s": clock.elapsed}
    section = None if cfg.checkpoint == "call" else "epoch_checkpoints"   # an ablation: SSA only at epoch ends
    if section:
        part["summary"] = "SSA called only at the end of every epoch (an ablation): " + part["summary"]
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0's labyrinth: the agent running the program SSA+ALS found for each goal, beside the "
                  "probability matrix it searches with and SSA's stack of surviving modifications.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
