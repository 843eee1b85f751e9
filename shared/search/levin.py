"""Levin search over programs that write the weights of a net (Schmidhuber 1995, "Discovering
solutions with low Kolmogorov complexity and high generalization capability", ICML; Neural Networks
10(5):857-873, 1997, Secs. 3 and 4).

Programs do not compute an answer: they run on a small machine whose one storage holds a work tape
and the program tape, and they write the weights of a net (``Machine.w``, ``n_weights`` integers in
[-10000, 10000], 0 when never written). The program is read one instruction at a time: when the
instruction pointer reaches the end of the tape read so far, an oracle request guesses the next
instruction and each of its arguments uniformly among the values legal at that moment, so a program's
probability P(p) is a product of 1 / (number of legal values) (kept exact as the integer D = 1/P).
A program halts by Stop or when it attempts something impossible; its weights are then judged by the
task (``accepts(weights) -> bool``), which is all a problem supplies.

- The machine: ``Machine(n_weights)``, ``execute(m, budget)``, ``run_program(program)``,
  ``legal_arguments``, ``instruction_denominator``, ``program_denominator``, ``levin_phase_of``,
  ``disassemble``.
- Probabilistic search (the paper's reported runs): every run draws a time limit T with P(T) = 32/T
  and guesses a program while running it for at most T steps: ``probabilistic_search`` (``writes2``:
  the Sec. 4.5 instructions).
- The gradient-descent contrast on the same linear unit: ``dense``, ``linear_loss``, ``fit_linear_unit``.
- Levin's systematic universal search: phase i runs every program with P(p) >= 2^-i for at most
  2^i P(p) steps, the tree of programs walked depth first, each shared prefix run once:
  ``levin_search`` (several tasks searched in one enumeration), ``tie_break_order``.

Moved out of levin-count-inputs, which imports it with its records unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import Callable

import numpy as np

from shared.frame.experiment import Progress

WEIGHT_LIMIT = 10000                                   # "integer values between -10000 and 10000"
N_WEIGHTS = 100                                        # the papers' linear unit: 100 inputs, 100 weights


# ----------------------------------------------------------------------------------------
# The machine (Sec. 3 and its COMMENTS; Sec. 4.5 and Table 5). One storage: the work tape at addresses
# -1, -2, ..., -m (m cells, none at the start, Allocate/Free change m) and the program tape at 0, 1, ...
# Instructions are integers followed by their arguments. Numbering: 1 WriteWeight, 2 Jump, 5 GetInput
# (ReadWeight in Sec. 4.5), 7 Allocate and 8 Increment are the paper's (Sec. 4.5, Table 5); the other
# numbers and the 13-primitive list are from a secondary source (Piepenbrock & Brugman 2020). Argument
# kinds: D a data address (work or program tape), J a jump target (program tape), N a cell count 1..4.
#
#   0 Jumpleq a b c   if s[a] <= s[b], continue at c          7 Allocate n   m <- m + n (new cells 0)
#   1 WriteWeight a   w[wp] <- s[a]; wp <- wp + 1              8 Increment a  s[a] <- s[a] + 1
#   2 Jump c          continue at c                            9 Decrement a  s[a] <- s[a] - 1
#   3 Stop            halt                                     10 Subtract a b c  s[c] <- s[b] - s[a]
#   4 Add a b c       s[c] <- s[a] + s[b]                      11 Multiply a b c  s[c] <- s[a] * s[b]
#   5 GetInput a b    s[b] <- input component s[a] (0 here)    12 Free n       m <- m - n
#   6 Move a b        s[b] <- s[a]
#
# The Sec. 4.5 variant (writes2=True): 1 WriteWeight a b: w[s[b]] <- s[a]; 5 ReadWeight a b: s[a] <- w[s[b]].
# Anything impossible (an address outside the storage, a value outside [-10000, 10000], a write past the
# last weight, more than 1000 work cells) halts the program; the impossible instruction is a time step.
# ----------------------------------------------------------------------------------------

(JUMPLEQ, WRITE_WEIGHT, JUMP, STOP, ADD, GET_INPUT, MOVE, ALLOCATE, INCREMENT, DECREMENT, SUBTRACT, MULTIPLY,
 FREE) = range(13)
N_OPS = 13
OP_NAMES = ["Jumpleq", "WriteWeight", "Jump", "Stop", "Add", "GetInput", "Move", "Allocate", "Increment",
            "Decrement", "Subtract", "Multiply", "Free"]
ARGS = {JUMPLEQ: "DDJ", WRITE_WEIGHT: "D", JUMP: "J", STOP: "", ADD: "DDD", GET_INPUT: "DD", MOVE: "DD",
        ALLOCATE: "N", INCREMENT: "D", DECREMENT: "D", SUBTRACT: "DDD", MULTIPLY: "DDD", FREE: "N"}
ARGS_WRITES2 = {**ARGS, WRITE_WEIGHT: "DD", GET_INPUT: "DD"}
NARGS = [len(ARGS[o]) for o in range(N_OPS)]
NARGS_WRITES2 = [len(ARGS_WRITES2[o]) for o in range(N_OPS)]
ALLOC_MAX = 4            # ours: Allocate/Free take 1..4 cells
WORK_LIMIT = 1000        # ours: at most 1000 work cells
TABLE5_PROGRAM = (7, 1, 8, -1, 1, -1, -1, 2, 0)   # Sec. 4.5, Table 5: the program tape at addresses 0..8

# Outcomes of running a program. HALTED and IMPOSSIBLE are halts: the weights are tested.
HALTED, IMPOSSIBLE, TIMEOUT, LOOPS, NEEDS_MORE = "halted", "impossible", "timeout", "loops", "needs more"
HALTS = (HALTED, IMPOSSIBLE)


class Impossible(Exception):
    """Raised by an instruction that cannot be executed: the syntax check halts the program."""


class Machine:
    """Storage and registers of one run; copied where the enumeration branches."""

    __slots__ = ("code", "prog", "work", "w", "wp", "ip", "steps", "seen")

    def __init__(self, n_weights: int = N_WEIGHTS):
        self.code = []            # the program as guessed (the tape may be overwritten while it runs)
        self.prog = []            # program tape, addresses 0..len-1
        self.work = []            # work tape: work[j] is address -(j + 1)
        self.w = [0] * n_weights  # the net's weights (never written: 0)
        self.wp = self.ip = self.steps = 0
        self.seen = set()         # states at taken jumps since the last weight write

    def copy(self) -> "Machine":
        m = Machine.__new__(Machine)
        m.code, m.prog, m.work, m.w = self.code[:], self.prog[:], self.work[:], self.w[:]
        m.wp, m.ip, m.steps, m.seen = self.wp, self.ip, self.steps, set(self.seen)
        return m


def execute(m: Machine, budget: int, writes2: bool = False) -> str:
    """Run from the machine's state until it halts, exceeds `budget` steps, provably loops, or reaches the end
    of the program read so far (NEEDS_MORE: an oracle request). Returns the outcome; `m` is updated.

    LOOPS: the whole state (instruction pointer, storage, weight pointer) came back at a taken jump with no
    weight written in between, so the run would cycle until its limit; the caller charges it the whole
    limit, as if it had run (this changes the wall clock, no figure).
    """
    prog, work, w, seen = m.prog, m.work, m.w, m.seen
    ip, steps, wp = m.ip, m.steps, m.wp
    nargs = NARGS_WRITES2 if writes2 else NARGS
    n_weights = len(w)

    def get(a):
        if a < 0:
            if -a <= len(work):
                return work[-a - 1]
        elif a < len(prog):
            return prog[a]
        raise Impossible

    def put(a, v):
        if not -WEIGHT_LIMIT <= v <= WEIGHT_LIMIT:
            raise Impossible
        if a < 0:
            if -a <= len(work):
                work[-a - 1] = v
                return
        elif a < len(prog):
            prog[a] = v
            return
        raise Impossible

    status = None
    try:
        while True:
            n = len(prog)
            if ip == n:
                status = NEEDS_MORE
                break
            if steps >= budget:
                status = TIMEOUT
                break
            op = prog[ip]
            steps += 1
            if not 0 <= op < N_OPS or ip + nargs[op] >= n:
                raise Impossible
            if op == WRITE_WEIGHT:
                if writes2:
                    i, v = get(prog[ip + 2]), get(prog[ip + 1])
                    if not 0 <= i < n_weights:
                        raise Impossible
                    w[i] = v
                    ip += 3
                else:
                    if wp == n_weights:
                        raise Impossible
                    w[wp] = get(prog[ip + 1])
                    wp += 1
                    ip += 2
                seen.clear()
            elif op == JUMP or op == JUMPLEQ:
                if op == JUMP:
                    target, taken = prog[ip + 1], True
                else:
                    target, taken = prog[ip + 3], get(prog[ip + 1]) <= get(prog[ip + 2])
                if taken:
                    if not 0 <= target < n:
                        raise Impossible
                    ip = target
                    key = (ip, wp, tuple(work), tuple(prog))
                    if key in seen:
                        status = LOOPS
                        break
                    seen.add(key)
                else:
                    ip += 4
            elif op == INCREMENT or op == DECREMENT:
                a = prog[ip + 1]
                put(a, get(a) + (1 if op == INCREMENT else -1))
                ip += 2
            elif op == STOP:
                status = HALTED
                break
            elif op == ALLOCATE or op == FREE:
                k = prog[ip + 1]
                if not 1 <= k <= ALLOC_MAX:
                    raise Impossible
                if op == ALLOCATE:
                    if len(work) + k > WORK_LIMIT:
                        raise Impossible
                    work.extend([0] * k)
                else:
                    if k > len(work):
                        raise Impossible
                    del work[len(work) - k:]
                ip += 2
            elif op == MOVE:
                put(prog[ip + 2], get(prog[ip + 1]))
                ip += 3
            elif op == GET_INPUT:
                if writes2:       # ReadWeight a b: s[a] <- w[s[b]]
                    i = get(prog[ip + 2])
                    if not 0 <= i < n_weights:
                        raise Impossible
                    put(prog[ip + 1], w[i])
                else:             # GetInput a b: the weights are written before any input is shown: 0
                    i = get(prog[ip + 1])
                    if not 0 <= i < n_weights:
                        raise Impossible
                    put(prog[ip + 2], 0)
                ip += 3
            else:                 # Add, Subtract, Multiply
                x, y = get(prog[ip + 1]), get(prog[ip + 2])
                put(prog[ip + 3], x + y if op == ADD else y - x if op == SUBTRACT else x * y)
                ip += 4
    except Impossible:
        status = IMPOSSIBLE
    m.ip, m.steps, m.wp = ip, steps, wp
    return status


def run_program(program, budget: int = 10 ** 6, writes2: bool = False,
                n_weights: int = N_WEIGHTS) -> tuple[str, Machine]:
    """Run a complete program from an empty storage: (outcome, final machine)."""
    m = Machine(n_weights)
    m.code, m.prog = list(program), list(program)
    return execute(m, budget, writes2), m


@lru_cache(maxsize=None)
def legal_arguments(op: int, work_cells: int, at: int, writes2: bool = False) -> tuple[tuple[int, ...], ...]:
    """The legal values of each argument of `op`, guessed when the program tape holds `at` cells: a data
    address is one of the m work cells or a program cell read before it, a jump target a program cell read
    before it, a count 1..ALLOC_MAX. Each is guessed uniformly, so more storage means smaller probabilities.
    (Cached: the enumeration asks for the same few hundred combinations millions of times.)"""
    values = []
    for k, kind in enumerate((ARGS_WRITES2 if writes2 else ARGS)[op]):
        cell = at + 1 + k          # the argument's own address; cells 0..cell-1 are visible
        if kind == "D":
            values.append(tuple(range(-1, -work_cells - 1, -1)) + tuple(range(cell)))
        elif kind == "J":
            values.append(tuple(range(cell)))
        else:
            values.append(tuple(range(1, ALLOC_MAX + 1)))
    return tuple(values)


@lru_cache(maxsize=None)
def instruction_denominator(op: int, work_cells: int, at: int, writes2: bool = False) -> int:
    """1 / P(this instruction, whatever its arguments) = 13 x the number of legal values of each argument."""
    d = N_OPS
    for values in legal_arguments(op, work_cells, at, writes2):
        d *= len(values)
    return d


def disassemble(program, writes2: bool = False) -> str:
    """(1, 0, 2, 0) -> 'WriteWeight 0; Jump 0'."""
    out, i, nargs = [], 0, NARGS_WRITES2 if writes2 else NARGS
    while i < len(program):
        op = program[i]
        if not 0 <= op < N_OPS or i + nargs[op] >= len(program):
            out.append(f"[{', '.join(map(str, program[i:]))}]")
            break
        name = ("ReadWeight" if writes2 and op == GET_INPUT else OP_NAMES[op])
        out.append(name + "".join(f" {a}" for a in program[i + 1:i + 1 + nargs[op]]))
        i += 1 + nargs[op]
    return "; ".join(out)


def program_denominator(program, n_weights: int = N_WEIGHTS, writes2: bool = False) -> int:
    """1 / P(p): the product over the program's instructions of their legal-value counts, replayed."""
    m = Machine(n_weights)
    m.code, m.prog = [], []
    d, program = 1, list(program)
    nargs = NARGS_WRITES2 if writes2 else NARGS
    while True:
        status = execute(m, 10 ** 6, writes2)
        if status != NEEDS_MORE:
            return d
        at = len(m.prog)
        op = program[at]
        d *= instruction_denominator(op, len(m.work), at, writes2)
        m.prog.extend(program[at:at + 1 + nargs[op]])


def levin_phase_of(program, n_weights: int = N_WEIGHTS) -> int:
    """The first phase of systematic search in which the program gets the steps it needs: 2^i // D >= t."""
    status, m = run_program(program, n_weights=n_weights)
    if status not in HALTS:
        raise ValueError(f"the program does not halt ({status}): it has no phase")
    d = program_denominator(program, n_weights)
    return next(i for i in range(64) if (1 << i) // d >= m.steps)


# ----------------------------------------------------------------------------------------
# The probabilistic search of the paper's runs (Sec. 3). Every run draws a time limit T = 2^(5+j) with
# probability 2^-j (j = 1..9; T = 2^15 with the remaining 2^-9): P(T) = 32/T, which gives the 8192-step
# limit the time probability 2^-8 reported in Sec. 4.4. It then runs a fresh machine for at most T steps,
# guessing each instruction at its oracle request. A run whose program halts is tested on the 3 training
# examples; one that fits them is a success ("fitting run") and is evaluated on all unseen inputs.
# ----------------------------------------------------------------------------------------

LIMIT_BASE, LIMIT_LEVELS = 5, 9


def uniforms(rng: np.random.Generator, block: int = 1 << 14):
    """The run's random stream: uniform numbers from the seed's Generator, drawn in blocks."""
    while True:
        yield from rng.random(block).tolist()


def draw_limit(stream) -> int:
    u, j = next(stream), 1
    while u < 0.5 ** j and j <= LIMIT_LEVELS:
        j += 1
    return 1 << (LIMIT_BASE + j)


def guess_instruction(m: Machine, stream, writes2: bool = False) -> int:
    """The oracle: append one instruction, each part uniform over its legal values; return 1/P of it."""
    at = len(m.prog)
    op = int(next(stream) * N_OPS)
    part = [op]
    d = N_OPS
    for values in legal_arguments(op, len(m.work), at, writes2):
        part.append(values[int(next(stream) * len(values))])
        d *= len(values)
    m.prog.extend(part)
    m.code.extend(part)
    return d


@dataclass
class Run:
    """A fitting run: its index (1-based), the program, 1/P(program), steps run, time limit, weights."""

    run: int
    program: tuple
    denominator: int
    steps: int
    limit: int
    weights: tuple


def probabilistic_search(seed: int, runs: int, accepts: Callable, n_weights: int = N_WEIGHTS,
                         progress: Progress | None = None, offset: int = 0, writes2: bool = False):
    """`runs` runs of the probabilistic search; returns (fitting runs: those whose program halts with
    weights that ``accepts(weights)``, steps charged over all runs). `progress` (optional) is updated
    with the run count plus `offset`. ``writes2``: the Sec. 4.5 instruction variant."""
    stream = uniforms(np.random.default_rng(seed))
    found, charged = [], 0
    for r in range(runs):
        limit = draw_limit(stream)
        m, d = Machine(n_weights), 1
        while (status := execute(m, limit, writes2)) == NEEDS_MORE:
            d *= guess_instruction(m, stream, writes2)
        charged += limit if status in (TIMEOUT, LOOPS) else m.steps
        if status in HALTS and accepts(m.w):
            found.append(Run(r + 1, tuple(m.code), d, m.steps, limit, tuple(m.w)))
        if progress is not None and (r + 1) % 1024 == 0:
            progress.update(offset + r + 1, seed=seed, fitting_runs=len(found))
    return found, charged


# ----------------------------------------------------------------------------------------
# The contrast the papers argue against: the same linear unit (N_WEIGHTS inputs, one weight each) fitted
# by gradient descent on the squared error, from w = 0. Shared by levin-count-inputs and levin-add-positions.
# ----------------------------------------------------------------------------------------


def dense(active_inputs, n_inputs: int = N_WEIGHTS) -> np.ndarray:
    """(n, n_inputs) 0/1 rows, row k with ones at the indices listed in ``active_inputs[k]``."""
    x = np.zeros((len(active_inputs), n_inputs))
    for row, active in enumerate(active_inputs):
        x[row, list(active)] = 1.0
    return x


def linear_loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Squared error of the linear unit, 0.5 mean (x w - y)^2, and its gradient x^T r / n."""
    r = x @ w - y
    return 0.5 * float(np.mean(r ** 2)), x.T @ r / len(y)


def fit_linear_unit(x: np.ndarray, y: np.ndarray, steps: int = 20000) -> np.ndarray:
    """Gradient descent from w = 0 with step 1 / (largest eigenvalue of x^T x / n), until the loss is
    below 1e-24 or ``steps`` steps: the minimum-norm least-squares fit when it converges."""
    x, y = x.astype(float), y.astype(float)
    rate = 1.0 / np.linalg.eigvalsh(x.T @ x / len(y))[-1]
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        loss, grad = linear_loss(w, x, y)
        if loss < 1e-24:
            break
        w -= rate * grad
    return w


# ----------------------------------------------------------------------------------------
# Levin's systematic universal search (Sec. 3, "the original universal search procedure"). Phase
# i = 1, 2, ... runs every program p with 2^i P(p) >= 1 for at most floor(2^i P(p)) steps, where P(p) is
# the product of the oracle's guess probabilities (kept exact as the integer D = 1/P). The tree of
# programs is walked depth first, each shared prefix executed once; every program is charged the steps
# it would take run alone (a test checks this against running each program from scratch). Several
# tasks can be searched at once: the enumeration does not depend on them. A seed permutes the
# order in which the 13 instructions are tried at each oracle request (the tie-breaking within a phase).
# ----------------------------------------------------------------------------------------


@dataclass
class Find:
    program: tuple
    denominator: int
    steps: int
    phase: int
    programs: int         # programs run up to and including this one, over all phases
    charged_steps: int    # steps charged to those programs
    weights: tuple


@dataclass
class Search:
    programs: int = 0
    charged_steps: int = 0
    phase_log: list = field(default_factory=list)   # (phase, programs, charged steps) at each phase's end
    by_bits: list = field(default_factory=list)     # per phase: {floor(-log2 P): programs run}
    outcomes: list = field(default_factory=list)    # per phase: {outcome: programs run}
    finds: list = field(default_factory=list)


class AllFound(Exception):
    """Raised inside the enumeration once every task has its program."""


def levin_search(tasks: list[Callable], max_phase: int, order=None, n_weights: int = N_WEIGHTS,
                 progress: bool = True) -> Search:
    """Search until every task (``accepts(weights) -> bool``, e.g. "the net fits the training set")
    has a program whose weights it accepts, or max_phase; ``search.finds[k]`` is task k's first.

    `order`: the order in which the opcodes are tried at each oracle request (default 0..12)."""
    order = list(range(N_OPS)) if order is None else [int(o) for o in order]
    search = Search(finds=[None] * len(tasks))
    clock = Progress(max_phase, label="phase")

    def leaf(m: Machine, status: str, budget: int, d: int, phase: int):
        search.programs += 1
        search.charged_steps += budget if status in (TIMEOUT, LOOPS) else m.steps
        bits = d.bit_length() - 1
        search.by_bits[-1][bits] = search.by_bits[-1].get(bits, 0) + 1
        search.outcomes[-1][status] = search.outcomes[-1].get(status, 0) + 1
        if status not in HALTS:
            return
        w = m.w
        for k, accepts in enumerate(tasks):
            if search.finds[k] is None and accepts(w):
                search.finds[k] = Find(tuple(m.code), d, m.steps, phase, search.programs, search.charged_steps,
                                       tuple(w))
        if all(f is not None for f in search.finds):
            raise AllFound

    def grow(m: Machine, d: int, phase: int):
        budget = (1 << phase) // d
        status = execute(m, budget)
        if status != NEEDS_MORE:
            leaf(m, status, budget, d, phase)
            return
        at, cells = len(m.prog), len(m.work)
        for op in order:
            child_d = d * instruction_denominator(op, cells, at)
            if (1 << phase) // child_d < m.steps + 1:    # not even one more step in this phase
                continue
            for args in product(*legal_arguments(op, cells, at)):
                child = m.copy()
                child.prog.append(op)
                child.prog.extend(args)
                child.code.append(op)
                child.code.extend(args)
                grow(child, child_d, phase)

    for phase in range(1, max_phase + 1):
        search.by_bits.append({})
        search.outcomes.append({})
        try:
            grow(Machine(n_weights), 1, phase)
        except AllFound:
            pass
        search.phase_log.append((phase, search.programs, search.charged_steps))
        done = sum(f is not None for f in search.finds)
        if progress:
            clock.update(phase, programs=search.programs, found=f"{done}/{len(tasks)}")
        if done == len(tasks):
            break
    return search


def tie_break_order(seed: int) -> list[int]:
    """The seed's order of the 13 instructions at every oracle request of systematic search."""
    return np.random.default_rng([seed, 5]).permutation(N_OPS).tolist()


