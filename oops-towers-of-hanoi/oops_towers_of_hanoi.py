"""OOPS, the Optimal Ordered Problem Solver, on the Towers of Hanoi task sequence (Schmidhuber 2004).

The paper's tasks (Machine Learning 54:211-254, Sec. 6 / IDSIA oopsweb node32-node33): n disks on the first of
three pegs; move them all to the third, one top disk at a time, never a larger disk onto a smaller one (2^n - 1
moves at least). Task n is "solve all Hanoi instances up to instance n"; instance k starts with the values
S, A, D, k (pegs 1, 2, 3 and the size) on the data stack; success is checked after every instruction ("achieved
once the first two pegs are empty"); an illegal move halts the program prefix.

The paper's method (node12, Method 3.1; Try with backtracking, node19 / Sec. 4.1): programs are self-delimiting
token strings, executed while they are generated; a prefix that asks for one more token branches over the tokens
legal at that point, each with probability 1/(number of legal tokens) (uniform, the paper's initial bias), and
the prefix gets at most P(prefix) * T steps in total over the tasks of the ring; the tapes are restored on
backtracking. For task n, OOPS spends T/2 on programs that start with the most recently frozen code (the
solver of task n-1, tested on task n only) and T/2 on fresh programs (tested on all tasks 1..n), doubling T until
one solves; the solver is frozen, and frozen programs become callable tokens of every later search.

The language (a stated subset of the paper's Appendix A, node41-node47): the three Hanoi primitives of node33
(mvdsk, xSA, xAD, acting on the pegs S, A, D that are the current frame's first three data-stack entries),
defnp ... endnp (define a procedure; as the procedure the paper's OOPS found for Hanoi, node37, a procedure
returns at once when its top argument is 0 and otherwise decrements it), calltp (call the topmost procedure on
a copy of the current frame's arguments; return at its endnp), and one token per frozen program (run that
frozen code as a subroutine). Nothing recursive is built in: a solver has to define a procedure and call it from
its own body in the right places, between the right peg exchanges.

Baseline (the paper's point, ours run): the same search without reuse, a fresh Levin search for every n.
Beyond the trained sizes, the frozen solver is checked on n = 1..20 by direct simulation and on n up to 30 (and
beyond) by an induction check of its recursion (a call with argument k moves a tower of k disks from S to D).

Run:  python3 oops-towers-of-hanoi/oops_towers_of_hanoi.py --n-seeds 10 --record
"""

from __future__ import annotations

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import itertools
import sys
import time

import numpy as np

from shared.frame.experiment import Progress, conclude, format_table, format_value, int_at_most, require_seeds, \
                                    stub_parser, summarize
from shared.frame.cluster import pool
from shared.search.oops import HALTED, NEEDS_TOKEN, SOLVED, TIMEOUT, oops
from shared.frame.verdict import exact, grade, judge, pending

# ----------------------------------------------------------------------------------------
# The language (Appendix A subset + node33's Hanoi primitives). Token ids; frozen programs follow.
# ----------------------------------------------------------------------------------------

MVDSK, XSA, XAD, DEFNP, ENDNP, CALLTP = range(6)
N_PRIMITIVES = 6
NAMES = ("mvdsk", "xSA", "xAD", "defnp", "endnp", "calltp")



def token_name(tok: int) -> str:
    return NAMES[tok] if tok < N_PRIMITIVES else f"run{tok - N_PRIMITIVES + 1}"


def disassemble(code) -> str:
    return " ".join(token_name(t) for t in code)


class Tape:
    """One Hanoi instance's tape: the pegs, the frames (data-stack frames of S, A, D, n with return
    addresses), the procedures defined so far, the definition in progress and the instruction pointer."""

    __slots__ = ("pegs", "frames", "procs", "defining", "ip")

    def __init__(self, n: int, start: int):
        self.pegs = [list(range(n, 0, -1)), [], []]
        # frame: [return address, S, A, D, n, end address of a frozen program run (-1: a procedure)]
        self.frames = [[-1, 0, 1, 2, n, -1]]
        self.procs = []
        self.defining = -1
        self.ip = start

    def copy(self) -> "Tape":
        t = Tape.__new__(Tape)
        p = self.pegs
        t.pegs = [p[0][:], p[1][:], p[2][:]]
        t.frames = [f[:] for f in self.frames]
        t.procs = self.procs[:]
        t.defining = self.defining
        t.ip = self.ip
        return t

    def solved(self) -> bool:
        return not self.pegs[0] and not self.pegs[1]


def run(tape: Tape, code, frozen_spans, budget: int, moves=None):
    """Interpret `code` on `tape` from tape.ip for at most `budget` steps (one step per executed token).

    Returns (status, steps): SOLVED as soon as the first two pegs are empty, NEEDS_TOKEN when the
    instruction pointer runs past the end of the code (the program asks for one more token), HALTED on an
    illegal instruction (an illegal move, calltp without a procedure), TIMEOUT when the budget is spent.
    `frozen_spans[k] = (start, end)` of frozen program k; `moves`, if a list, receives every (from, to)."""
    pegs, frames, procs = tape.pegs, tape.frames, tape.procs
    ip, steps, end = tape.ip, 0, len(code)
    defining = tape.defining
    status = None
    while True:
        f = frames[-1]
        if ip == f[5]:                       # the end of a frozen program run as a subroutine: return
            frames.pop()
            ip = f[0]
            continue
        if ip >= end:
            status = NEEDS_TOKEN
            break
        if steps >= budget:
            status = TIMEOUT
            break
        tok = code[ip]
        steps += 1
        if defining >= 0:                    # inside a definition: tokens are stored, not executed
            if tok == ENDNP:
                procs.append(defining)
                defining = -1
            ip += 1
            continue
        if tok == MVDSK:
            src, dst = pegs[f[1]], pegs[f[3]]
            if not src or (dst and dst[-1] < src[-1]):
                status = HALTED
                break
            dst.append(src.pop())
            if moves is not None:
                moves.append((f[1], f[3]))
            ip += 1
            if not pegs[0] and not pegs[1]:
                status = SOLVED
                break
        elif tok == XSA:
            f[1], f[2] = f[2], f[1]
            ip += 1
        elif tok == XAD:
            f[2], f[3] = f[3], f[2]
            ip += 1
        elif tok == DEFNP:
            defining = ip + 1
            ip += 1
        elif tok == ENDNP:                   # executed inside a called procedure: return
            if len(frames) == 1:
                status = HALTED
                break
            frames.pop()
            ip = f[0]
        elif tok == CALLTP:
            if not procs:
                status = HALTED
                break
            if f[4] == 0:                    # the procedure's prologue: return at once on 0 ...
                ip += 1
            else:                            # ... otherwise decrement the copied argument and enter
                frames.append([ip + 1, f[1], f[2], f[3], f[4] - 1, -1])
                ip = procs[-1]
        else:                                # run frozen program k on a copy of the frame
            start, stop = frozen_spans[tok - N_PRIMITIVES]
            frames.append([ip + 1, f[1], f[2], f[3], f[4], stop])
            ip = start
    tape.ip, tape.defining = ip, defining
    return status, steps


def legal_tokens(tape: Tape, n_frozen: int, order) -> list:
    """The tokens a prefix may ask for next (each gets probability 1 / len): no nested defnp, endnp only
    inside a definition, calltp only if some procedure exists or is being defined; frozen programs always."""
    if tape.defining >= 0:
        allowed = {MVDSK, XSA, XAD, ENDNP, CALLTP}
    else:
        allowed = {MVDSK, XSA, XAD, DEFNP} | ({CALLTP} if tape.procs else set())
    allowed |= set(range(N_PRIMITIVES, N_PRIMITIVES + n_frozen))
    return [t for t in order if t in allowed]


# ----------------------------------------------------------------------------------------
# The language as shared.search.oops's search needs it (Try, Sec. 4.1, node19; Method 3.1, node12): new_tape,
# run, legal, copy, and the optional inert/advance.
# ----------------------------------------------------------------------------------------


class Language:
    """The Hanoi language for the search below: `order` is the order in which Try tries the primitives (the
    "seed"); `callable_frozen` makes every frozen program a token (run<k>) of later searches."""

    def __init__(self, order, callable_frozen: bool = False):
        self.order = list(order)
        self.callable_frozen = callable_frozen
        self._legal = {}

    def new_tape(self, instance, start):
        return Tape(instance, start)

    def run(self, tape, code, spans, budget):
        return run(tape, code, spans, budget)

    def legal(self, tape, n_frozen):
        n = n_frozen if self.callable_frozen else 0
        key = (tape.defining >= 0, bool(tape.procs), n)
        out = self._legal.get(key)
        if out is None:
            order = self.order + list(range(N_PRIMITIVES, N_PRIMITIVES + n))
            out = self._legal[key] = legal_tokens(tape, n, order)
        return out

    def copy(self, tape):
        return tape.copy()

    @staticmethod
    def inert(tape, tok):
        """Inside a definition every token but endnp is only stored (Try need not copy or run the tape)."""
        return tape.defining >= 0 and tok != ENDNP

    @staticmethod
    def advance(tape, k):
        t = tape.copy()
        t.ip += k
        return t


# ----------------------------------------------------------------------------------------
# Checking a frozen solver beyond the trained sizes: direct simulation, and an induction check
# ----------------------------------------------------------------------------------------


def simulate(program, n: int, max_steps: int = 10 ** 8, context=None):
    """Run the program alone on instance n; (solved, moves, steps). ``context`` = (code, start, spans) runs
    it inside the whole frozen code instead (a program that calls frozen programs needs them)."""
    code, start, spans = context if context is not None else (list(program), 0, [])
    tape, moves = Tape(n, start), []
    status, steps = run(tape, list(code), spans, max_steps, moves)
    return status == SOLVED, len(moves), steps


class NotATowerMover(Exception):
    pass


def induction_check(program, n: int):
    """Prove, by induction over the argument k, what each procedure call of the program does, and use it to
    get the outcome on instance n without executing 2^n moves.

    Claim(p, s, a, d, k): entering procedure p with frame (s, a, d, k) when the k smallest disks sit on top of
    peg s (the other pegs hold only larger disks) moves these k disks, legally, to one peg t(p, s, a, d, k) and
    returns, after m(p, s, a, d, k) moves. k = 0 holds by the prologue (return at once). For k > 0 the body is
    executed on a concrete k-disk state with frame (s, a, d, k - 1), each nested call replaced by the claim for
    k - 1 (applied only if its premise holds: the k - 1 smallest disks form the top of one peg). A body that
    leaves the k disks on more than one peg makes the check fail (NotATowerMover). The top-level code is then run
    on instance n with the same replacement. Returns (solved, moves) with exact integer move counts."""
    code = list(program)
    memo = {}

    def effect(p, frame, j):
        """Where procedure p, entered with frame (s, a, d) and argument j + 1 (so j after the prologue),
        leaves the j + 1 smallest disks, and with how many moves: the induction step for k = j + 1."""
        key = (p, frame, j)
        if key in memo:
            return memo[key]
        k = j + 1
        pegs = [[], [], []]
        pegs[frame[0]] = list(range(k, 0, -1))
        moves = body(p, list(frame), j, pegs)
        where = [i for i in range(3) if pegs[i]]
        if len(where) != 1 or pegs[where[0]] != list(range(k, 0, -1)):
            raise NotATowerMover(f"procedure at {p} with argument {k} leaves the disks on several pegs")
        memo[key] = (where[0], moves)
        return memo[key]

    def body(p, frame, j, pegs):
        ip, moves = p, 0
        while True:
            if ip >= len(code):
                raise NotATowerMover("a procedure body runs off the end of the code")
            tok = code[ip]
            if tok == ENDNP:
                return moves
            if tok == MVDSK:
                moves += move(pegs, frame[0], frame[2])
            elif tok == XSA:
                frame[0], frame[1] = frame[1], frame[0]
            elif tok == XAD:
                frame[1], frame[2] = frame[2], frame[1]
            elif tok == CALLTP:
                moves += apply_call(p, frame, j, pegs)
            else:
                raise NotATowerMover("a token the check does not model")
            ip += 1

    def apply_call(p, frame, j, pegs):
        # a call with argument j: the callee gets j - 1 after its prologue; it moves the j smallest disks
        if j == 0:
            return 0
        s = frame[0]
        if len(pegs[s]) < j or pegs[s][-j:] != list(range(j, 0, -1)):
            raise NotATowerMover("a call's premise does not hold")
        target, m = effect(p, tuple(frame), j - 1)
        moved = pegs[s][-j:]
        del pegs[s][-j:]
        if pegs[target] and pegs[target][-1] < moved[0]:
            raise NotATowerMover("a tower lands on a smaller disk")
        pegs[target].extend(moved)
        return m

    def move(pegs, s, d):
        if not pegs[s] or (pegs[d] and pegs[d][-1] < pegs[s][-1]):
            raise NotATowerMover("an illegal move")
        pegs[d].append(pegs[s].pop())
        return 1

    # the top level: definitions are stored, calls go to the most recent procedure
    pegs = [list(range(n, 0, -1)), [], []]
    frame, procs, ip, moves, defining = [0, 1, 2], [], 0, 0, -1
    while ip < len(code):
        tok = code[ip]
        if defining >= 0:
            if tok == ENDNP:
                procs.append(defining)
                defining = -1
        elif tok == DEFNP:
            defining = ip + 1
        elif tok == MVDSK:
            moves += move(pegs, frame[0], frame[2])
        elif tok == XSA:
            frame[0], frame[1] = frame[1], frame[0]
        elif tok == XAD:
            frame[1], frame[2] = frame[2], frame[1]
        elif tok == CALLTP:
            if not procs:
                raise NotATowerMover("calltp without a procedure")
            moves += apply_call(procs[-1], frame, n, pegs)
        else:
            raise NotATowerMover("a token the check does not model")
        if not pegs[0] and not pegs[1]:
            return True, moves
        ip += 1
    return False, moves


# ----------------------------------------------------------------------------------------
# The experiment: OOPS on Hanoi(1), Hanoi(2), ... (task n = instances 1..n), and the no-reuse baseline
# ----------------------------------------------------------------------------------------


def token_order(seed: int) -> list:
    """The order in which Try tries the primitives: seed 0 the natural order, seed s the s-th of the other
    719 permutations in a fixed shuffled list (distinct orders for seeds 0..719). Levin search is
    deterministic given this order; the orders play the role of seeds."""
    rest = [p for p in itertools.permutations(range(N_PRIMITIVES)) if list(p) != list(range(N_PRIMITIVES))]
    shuffled = [rest[i] for i in np.random.default_rng(20040415).permutation(len(rest))]
    return list(range(N_PRIMITIVES)) if seed % 720 == 0 else [int(t) for t in shuffled[seed % 720 - 1]]


def hanoi_tasks(n_tasks: int) -> list:
    return [list(range(1, n + 1)) for n in range(1, n_tasks + 1)]


def verify(program, n_sim: int, n_proof: int, context=None) -> dict:
    """Direct simulation for n = 1..n_sim and the induction check for n = 1..n_proof (which does not model
    calls of frozen programs: such a solver is checked by simulation only)."""
    sim = [simulate(program, n, context=context) for n in range(1, n_sim + 1)]
    sim_ok = [s for s, _, _ in sim]
    try:
        proof = [induction_check(program, n) for n in range(1, n_proof + 1)]
        proof_ok = all(s for s, _ in proof)
        why = ""
    except NotATowerMover as e:
        proof, proof_ok, why = [], False, str(e)
    agree = all(p == (s, m) for p, (s, m, _) in zip(proof, sim))
    solved_to = next((n for n, (s, _) in enumerate(proof, 1) if not s), None)
    return {"simulated_all": all(sim_ok), "sim_moves": [m for _, m, _ in sim], "proof_all": proof_ok,
            "proof_moves_last": proof[-1][1] if proof else None, "checks_agree": agree,
            "optimal_to_n": bool(proof) and all(m == 2 ** n - 1 for n, (_, m) in enumerate(proof, 1)),
            "proof_fails_at": solved_to, "why": why}


def run_seed(seed: int, n_tasks: int, reuse: bool, budget: int, callable_frozen: bool, n_sim: int,
             n_proof: int, log=None) -> dict:
    lang = Language(token_order(seed), callable_frozen)
    clock = time.perf_counter()
    history = oops(lang, hanoi_tasks(n_tasks), budget, reuse=reuse, log=log)
    solved = [h for h in history if h["solved"]]
    reached = max((h["task"] for h in solved if all(g["solved"] for g in history[:h["task"]])), default=0)
    last = solved[-1]["program"] if solved else []
    calls_frozen = any(t >= N_PRIMITIVES for t in last)
    context = (solved[-1]["code"], solved[-1]["start"], solved[-1]["spans"]) if calls_frozen else None
    check = verify(last, n_sim, n_proof, context) if solved else None
    recursive_at = next((h["task"] for h in solved if CALLTP in h["program"]), None)
    return {"seed": seed, "order": disassemble(lang.order), "history": history, "tasks_solved": reached,
            "all_tasks_solved": reached == n_tasks, "total_steps": sum(h["steps"] for h in history),
            "solver": disassemble(last), "recursive_solver_at_task": recursive_at,
            "verified_to_n": n_proof if check and check["proof_all"] and check["simulated_all"] else 0,
            "check": check, "seconds": time.perf_counter() - clock}


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py oops-towers-of-hanoi): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def tape_run(tape, program, sizes):
    """``run`` of a complete program (primitives only) on fresh instances of ``sizes`` disks, one after the
    other, written on a movement Tape (shared.frame.movement) as the interpreter executes it, the Python state
    kept beside the tape's value ids. Arguments: the code (int64 tokens), the registers ip, step count, budget
    and the code's end. Per executed token: the frame's return check, the end and budget checks, the step
    count, the token fetch (ip and the code cell) and the definition check (6 maps); then mvdsk reads the
    frame's S and D with the two pegs' top disks (compared), moves the disk (a copy), updates both pegs'
    heights and tests whether the first two pegs are empty; xSA / xAD swap two frame cells (two copies);
    defnp stores ip; endnp returns (ip from the frame); calltp reads the procedure count and the frame's n,
    and steps over or pushes a frame (ip + 1, copies of S, A, D, n - 1) and jumps; a token stored inside a
    definition only advances ip (endnp closes it: the procedure's address stored). The pegs, frames and
    registers of each instance start as free writes. Returns (tape, tokens executed)."""
    code = [int(t) for t in program]
    if any(not 0 <= t < N_PRIMITIVES for t in code):
        raise ValueError("tape_run models the primitives only")
    code_ids = tape.argument(len(code), np.int64)
    registers = tape.argument(4, np.int64)
    ip_id, steps_id, budget_id, end_id = (registers[k:k + 1] for k in range(4))
    executed = 0
    for n in sizes:
        pegs = [list(range(n, 0, -1)), [], []]
        disk_ids = [list(tape.zeros(n, np.int64)), [], []]
        heights = list(tape.zeros(3, np.int64))
        fresh = tape.zeros(6, np.int64)
        frames = [[-1, 0, 1, 2, n, -1]]
        frame_ids = [list(fresh)]
        procs, proc_ids, defining, defining_id = [], [], -1, tape.zeros(1, np.int64)
        ip = 0
        while True:
            f, fi = frames[-1], frame_ids[-1]
            if ip == f[5]:
                frames.pop()
                frame_ids.pop()
                ip, ip_id = f[0], tape.map(fi[0])
                continue
            if ip >= len(code):
                break
            executed += 1
            tape.map(ip_id, fi[5])
            tape.map(ip_id, end_id)
            tape.map(steps_id, budget_id)
            steps_id = tape.map(steps_id)
            tape.map(ip_id, code_ids[ip:ip + 1])
            tape.map(defining_id)
            tok = code[ip]
            if defining >= 0:
                if tok == ENDNP:
                    procs.append(defining)
                    proc_ids.append(tape.map(defining_id))
                    defining = -1
                ip, ip_id = ip + 1, tape.map(ip_id)
                continue
            if tok == MVDSK:
                src, dst = f[1], f[3]
                tops = [disk_ids[src][-1]] if pegs[src] else []
                tops += [disk_ids[dst][-1]] if pegs[dst] else []
                tape.map(fi[1], fi[3], *tops)
                if not pegs[src] or (pegs[dst] and pegs[dst][-1] < pegs[src][-1]):
                    break
                pegs[dst].append(pegs[src].pop())
                disk_ids[dst].append(tape.map(disk_ids[src].pop()))
                heights[src], heights[dst] = tape.map(heights[src]), tape.map(heights[dst])
                ip, ip_id = ip + 1, tape.map(ip_id)
                tape.map(heights[0], heights[1])
                if not pegs[0] and not pegs[1]:
                    break
            elif tok in (XSA, XAD):
                a, b = (1, 2) if tok == XSA else (2, 3)
                f[a], f[b] = f[b], f[a]
                fi[a], fi[b] = tape.map(fi[b]), tape.map(fi[a])
                ip, ip_id = ip + 1, tape.map(ip_id)
            elif tok == DEFNP:
                defining, defining_id = ip + 1, tape.map(ip_id)
                ip, ip_id = ip + 1, tape.map(ip_id)
            elif tok == ENDNP:
                if len(frames) == 1:
                    break
                frames.pop()
                frame_ids.pop()
                ip, ip_id = f[0], tape.map(fi[0])
            elif tok == CALLTP:
                tape.map(*(proc_ids[-1:] or [ip_id]))
                if not procs:
                    break
                tape.map(fi[4])
                if f[4] == 0:
                    ip, ip_id = ip + 1, tape.map(ip_id)
                else:
                    frames.append([ip + 1, f[1], f[2], f[3], f[4] - 1, -1])
                    frame_ids.append([tape.map(ip_id), tape.map(fi[1]), tape.map(fi[2]), tape.map(fi[3]),
                                      tape.map(fi[4]), fresh[5]])
                    ip, ip_id = procs[-1], tape.map(proc_ids[-1])
    return tape, executed


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. The record counts interpreted tokens (total_steps: every
    token executed by every prefix Try ran, over the whole task sequence), not programs, so the step is an
    interpreted token, priced as a block: the recorded solver (the same on every token order) run on the
    instances of task 3, 1, 2 and 3 disks, where most of the search's tokens are spent (``tape_run``:
    per token the interpreter's checks, the fetch and the token's reads and writes of the pegs and frames).
    Steps to solve = total tokens / the block's tokens: the search's token mix (short prefixes, most halting
    on an illegal move) is priced at the solver's. Left out: Try's tape copies on backtracking and its
    bookkeeping of prefixes and probabilities (no tokens), the checks of the frozen solver beyond the tasks.
    The baseline without reuse (a fresh Levin search per task) solved all 12 tasks on no order."""
    from shared.frame.movement import Tape as MovementTape
    program = tokens_of(record["headline"]["solver"])
    sizes = (1, 2, 3)
    block = tape_run(MovementTape(), program, sizes)[1]
    seeds = record["seeds"]
    solved = [r["total_steps"] for r in seeds["per_seed"] if r["solved"]]
    step = f"{block} interpreted tokens (the solver on 1, 2 and 3 disks)"
    size = f"the {len(program)}-token solver, pegs of up to 3 int64 disks, frames of 6 int64 cells"
    rows = [{"row": "OOPS", "family": "search", "step": step, "size": size,
             "program": lambda tape: tape_run(tape, program, sizes)[0],
             "steps_to_solve": float(np.median(solved)) / block if solved else None,
             "steps_from": f"median total_steps over the orders solving all 12 tasks (seeds.per_seed) / {block}"}]
    if "fresh" in record:
        rows.append({"row": "fresh Levin search", "family": "search", "step": step, "size": size,
                     "program": lambda tape: tape_run(tape, program, sizes)[0],
                     "steps_to_solve": None,
                     "steps_from": "[fresh] no token order solved all 12 tasks"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (fixed before the recorded run; tests/test_oops_towers_of_hanoi.py checks both sides).
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 3
PROOF_N = 30


def verdict(record: dict) -> dict:
    """The paper's claims for OOPS on Towers of Hanoi, one metric each; both are exact (no sampling: Levin search
    is deterministic given the order in which Try tries the tokens, and the orders are the "seeds").

    1. (primary) OOPS learns a universal Hanoi solver: "learns to solve all n disk Towers of Hanoi tasks
       (solution size 2^n - 1) for n up to 30" (arXiv cs/0207097 abstract; node36: "found a universal Hanoi
       solver"). Metric: the token orders (>= 3; each costs minutes of Python) that solve every trained task
       within the step budget AND whose frozen solver is checked correct for every n <= 30 (induction check,
       cross-checked by direct simulation to n = 16). Holds if every order does: a deterministic search that
       works must work whatever the order of ties; one failing order is a failure of the claim within our budget.
    2. Reuse is what makes the later tasks cheap: OOPS "spends part of the total search time for a new
       problem on testing programs that exploit previous solution-computing programs ... If not, then at
       least the previous solutions will not cause much harm" (node15; the paper's search without the earlier
       tasks got stuck at 3 disks, node34). Metric: per token order, tasks solved by the same search without
       reuse (a fresh Levin search for every n, section `fresh`) within the same step budget, against OOPS's.
       Holds if the fresh search solves fewer tasks in every order.
    Grade: yes if both hold; partial if 1 holds and 2 not; no if 1 fails; pending without >= 3 orders in both
    the headline and the `fresh` section.
    """
    seeds = record.get("seeds")
    if not seeds or len(seeds.get("per_seed", [])) < MIN_SEEDS:
        return pending(f"OOPS needs >= {MIN_SEEDS} token orders (--n-seeds {MIN_SEEDS})")
    fresh = record.get("fresh")
    if not fresh or not fresh.get("seeds") or len(fresh["seeds"].get("per_seed", [])) < MIN_SEEDS:
        return pending(f"the no-reuse baseline needs its section: --model fresh --n-seeds {MIN_SEEDS}")
    rows = seeds["per_seed"]
    ok = [bool(r["all_tasks_solved"] and r["verified_to_n"] >= PROOF_N) for r in rows]
    c1 = exact("OOPS learns a universal Hanoi solver", "arXiv cs/0207097 abstract; oopsweb node36",
               f"token orders solving every trained task with a solver checked for n <= {PROOF_N}",
               f"{sum(ok)}/{len(ok)}", all(ok), "every token order")
    by_seed = {r["seed"]: r["tasks_solved"] for r in fresh["seeds"]["per_seed"]}
    pairs = [(r["tasks_solved"], by_seed.get(r["seed"])) for r in rows]
    holds = all(b is not None and b < a for a, b in pairs)
    c2 = exact("without reuse the same budget solves fewer tasks", "oopsweb node15; node34",
               "tasks solved per token order (OOPS, fresh search per n), same step budget",
               [list(p) for p in pairs], holds, "fresh < OOPS in every order")
    return grade(judge([c1, c2]), primary=1)


# ----------------------------------------------------------------------------------------
# The record
# ----------------------------------------------------------------------------------------

CITATION = ("Schmidhuber, J. (2004). Optimal ordered problem solver. Machine Learning 54:211–254 (TR IDSIA-12-02, "
            "arXiv cs/0207097), Sec. 3 (Method 3.1), Sec. 4.1 (Try), Sec. 6 (experiments), Appendix A")
WEB = "IDSIA HTML transcription people.idsia.ch/~juergen/oopsweb/"
PAPER_FIGURES = [
    {"name": "method", "value": "T := 2; T/2 on extending the most recent frozen code (tested on task n only), T/2 "
     "on fresh programs (tested on tasks 1..n); T := 2T until solved; freeze", "where": "Method 3.1 (" + WEB + "node12.html)"},
    {"name": "task n", "value": "solve all Hanoi instances up to instance n; ds holds S, A, D, n = 1, 2, 3, n; "
     "mvdsk, xSA, xAD; illegal moves halt; success when the first two pegs are empty", "where": WEB + "node33.html"},
    {"name": "without earlier tasks", "value": "71 initial instructions: no instance with more than 3 disks within a "
     "week", "where": WEB + "node34.html"},
    {"name": "curriculum", "value": "first 30 tasks 1^n 2^n (73 instructions), then Hanoi", "where": WEB + "node34.html"},
    {"name": "1^n 2^n", "value": "all 30 solved and frozen within ~0.3 days; first 5 by prolonging earlier code, then a "
     "fresh recursive program", "where": WEB + "node36.html"},
    {"name": "Hanoi", "value": "a universal Hanoi solver within 2-3 further days; it does not call the 1^n 2^n solver "
     "but boosts its instructions (prefix c3 dec boostq, suffix defnp c4 calltp c3 c5 calltp endnp)",
     "where": WEB + "node36.html, node37 ('Analysis of the results')"},
    {"name": "largest instance", "value": "n = 30 (2^30 - 1 moves)", "where": "arXiv cs/0207097 abstract"},
]


def history_table(row: dict) -> dict:
    return {"title": f"OOPS task by task, token order {row['order']} (seed {row['seed']}): how each task was "
                     "solved (extend = the most recent frozen code plus new tokens, or as it is; fresh = a new "
                     "program), the time limit T/2 of the successful search, steps spent on the task, the solver",
            "columns": ["task n", "how", "new tokens", "T/2", "steps", "solver (code from the last start address)"],
            "rows": [[h["task"], h.get("how", "-"), h.get("new_tokens", "-"), h["limit"] // 2, h["steps"],
                      disassemble(h.get("program", [])) if h["solved"] else "(budget spent)"]
                     for h in row["history"]]}


def log_task(seed: int, h: dict) -> None:
    print(f"  seed {seed} task {h['task']}: {h['how']} after {h['steps']:,} steps (T/2 = {h['limit'] // 2:,}): "
          f"{disassemble(h['program'])}", flush=True)


def run_job(job) -> dict:
    seed, n_tasks, reuse, budget, callable_frozen, n_sim, n_proof, talk = job
    log = (lambda h: log_task(seed, h)) if talk else None
    return run_seed(seed, n_tasks, reuse, budget, callable_frozen, n_sim, n_proof, log)


def sweep_record(seeds, n_tasks, reuse, budget, callable_frozen, n_sim, n_proof, workers=1, quiet=False) -> dict:
    clock = Progress(1)
    name = "OOPS" if reuse else "fresh Levin search per task (no reuse)"
    print(f"{name} on Hanoi tasks 1..{n_tasks} (task n = instances 1..n), budget {budget:,} steps per run, "
          f"token orders of seeds {seeds[0]}..{seeds[-1]}", flush=True)
    jobs = [(seed, n_tasks, reuse, budget, callable_frozen, n_sim, n_proof, not quiet) for seed in seeds]
    if workers > 1:
        with pool(workers) as executor:
            rows = list(executor.map(run_job, jobs))
    else:
        rows = [run_job(j) for j in jobs]
    columns = ["seed", "order", "tasks_solved", "recursive_solver_at_task", "total_steps", "verified_to_n", "solver"]
    print(format_table(columns, [[r[c] for c in columns] for r in rows]))
    per_seed = [{k: v for k, v in r.items() if k not in ("history", "check", "seconds")} |
                {"steps_per_task": [h["steps"] for h in r["history"]],
                 "solved": bool(r["all_tasks_solved"]),
                 "optimal_moves_to_n": bool(r["check"] and r["check"]["optimal_to_n"])} for r in rows]
    summary = summarize([r["total_steps"] for r in rows], [r["all_tasks_solved"] for r in rows])
    summary["metric"] = "total_steps"
    return {"rows": rows, "per_seed": per_seed, "summary": summary, "clock": clock}


def main_record(args, seeds, n_sim, n_proof) -> None:
    out = sweep_record(seeds, args.tasks, True, args.budget, False, n_sim, n_proof, args.workers)
    rows, head = out["rows"], out["rows"][0]
    check = head["check"] or {}
    moves30 = check.get("proof_moves_last")
    record = {
        "slug": "oops-towers-of-hanoi",
        "paper": {"citation": CITATION,
                  "claim": "OOPS, searching self-delimiting programs with bias-optimal time sharing between extending "
                           "the most recent frozen code and fresh programs, learns a universal Towers of Hanoi solver "
                           "(all n up to 30) from the task sequence Hanoi(1), Hanoi(2), ...",
                  "figures": PAPER_FIGURES},
        "summary": (f"OOPS (Method 3.1 + Try, uniform prior over {N_PRIMITIVES} primitives, nothing recursive built in) "
                    f"on Hanoi tasks 1..{args.tasks}: {out['summary']['n_solved']}/{len(rows)} token orders solve "
                    f"them all; the recursive solver appears at task {head['recursive_solver_at_task']} after "
                    f"{format_value(head['total_steps'])} steps (seed {head['seed']}) and is checked by induction "
                    f"for n <= {n_proof} (n = {n_proof}: {moves30} moves)"),
        "headline": {"orders_solving_all_tasks": out["summary"]["n_solved"], "orders": len(rows),
                     "tasks": args.tasks, "total_steps": head["total_steps"],
                     "recursive_solver_at_task": head["recursive_solver_at_task"], "solver": head["solver"],
                     "verified_to_n": head["verified_to_n"], f"moves_at_n_{n_proof}": moves30},
        "seeds": {"per_seed": out["per_seed"], "summary": out["summary"]},
        "tables": [history_table(head),
                   {"title": f"All token orders: tasks solved within {args.budget:,} steps, where the recursive "
                             f"solver appeared, total steps, checked size", "columns":
                        ["seed", "order", "tasks solved", "recursive at task", "total steps", "checked to n", "solver"],
                    "rows": [[r["seed"], r["order"], r["tasks_solved"], r["recursive_solver_at_task"],
                              r["total_steps"], r["verified_to_n"], r["solver"]] for r in rows]},
                   {"title": f"The seed-{head['seed']} solver beyond the trained sizes: moves by direct simulation "
                             f"(n <= {n_sim}) and by the induction check",
                    "columns": ["n", "moves (simulation)", "moves (induction)", "2^n - 1"],
                    "rows": [[n, check["sim_moves"][n - 1] if n <= n_sim else "-",
                              induction_check(tokens_of(head["solver"]), n)[1], 2 ** n - 1]
                             for n in (1, 2, 3, 4, 8, 12, n_sim, 20, 25, n_proof) if n <= n_proof]
                    if head["check"] and head["check"]["proof_all"] else []}],
        "tour": "OOPS's search for Towers of Hanoi programs: the frozen library growing task by task, the steps each "
                "task cost, and the found recursive solver moving the disks.",
        "wallclock_s": out["clock"].elapsed,
    }
    conclude(record, __file__, verdict, args.record, measured={
        "token orders solving every task": f"{out['summary']['n_solved']}/{len(rows)}",
        "recursive solver found at task (seed 0)": head["recursive_solver_at_task"],
        "steps, tasks 1..N (seed 0)": head["total_steps"], "solver (seed 0)": head["solver"],
        f"moves at n = {n_proof} (induction check)": moves30})


SECTIONS = {  # section -> (reuse, frozen programs as tokens, what it is, its short name)
    "fresh": (False, False, "fresh Levin search per task (no reuse), same language and budget", "no reuse"),
    "callable_frozen": (True, True, "OOPS with every frozen program also a token of later searches (run<k>), same "
                                    "language and budget", "frozen programs as tokens"),
}


def main_section(args, seeds, n_sim, n_proof, name: str) -> None:
    """A comparison section: the no-reuse baseline, or OOPS with frozen programs as tokens."""
    reuse, callable_frozen, what, short = SECTIONS[name]
    out = sweep_record(seeds, args.tasks, reuse, args.budget, callable_frozen, n_sim, n_proof, args.workers)
    rows = out["rows"]
    section = {
        "summary": (f"{what} ({args.budget:,} steps): tasks solved per token order "
                    f"{', '.join(str(r['tasks_solved']) for r in rows)} of {args.tasks}"),
        "headline": {"max_tasks_solved": max(r["tasks_solved"] for r in rows),
                     "mean_tasks_solved": float(np.mean([r["tasks_solved"] for r in rows]))},
        "seeds": {"per_seed": out["per_seed"], "summary": out["summary"]},
        "tables": [history_table(rows[0]),
                   {"title": f"All token orders, {short}: tasks solved within {args.budget:,} steps",
                    "columns": ["seed", "order", "tasks solved", "total steps", "steps per task"],
                    "rows": [[r["seed"], r["order"], r["tasks_solved"], r["total_steps"],
                              " ".join(str(h["steps"]) for h in r["history"])] for r in rows]}],
        "wallclock_s": out["clock"].elapsed,
    }
    conclude(section, __file__, verdict, args.record, section=name)


def tokens_of(text: str) -> list:
    names = {name: i for i, name in enumerate(NAMES)}
    return [names[w] for w in text.split()] if text else []


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: Hanoi tasks 1..2, at most 2 token orders, "
                         "budget 200,000 steps, checks to n = 8")
    parser.add_argument("--model", choices=["oops", "fresh"], default="oops",
                        help="oops: Method 3.1 with frozen code (default); fresh: the baseline without reuse, a fresh "
                             "Levin search for every task (its own section)")
    parser.add_argument("--tasks", type=int_at_most(16, "task n runs instances 1..n, about 2^(n+1) moves"), default=12,
                        help="train on Hanoi tasks 1..N (default 12)")
    parser.add_argument("--budget", type=int_at_most(10 ** 9, "10^9 steps take hours in Python", low=1000),
                        default=36_000_000, help="steps per run before giving up (default 36,000,000)")
    parser.add_argument("--workers", type=int_at_most(8, "more processes than cores only slow each other"),
                        default=1, help="processes for the token orders (default 1; the figures do not depend on it)")
    parser.add_argument("--callable-frozen", action="store_true",
                        help="also make every frozen program a token of later searches (run<k>; its own section)")
    args = parser.parse_args(argv)
    parser.only_when(args.model == "oops", ["--callable-frozen"], "with --model oops")
    require_seeds(parser, args, MIN_SEEDS)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    n_sim, n_proof = 16, PROOF_N
    if args.quick:
        args.n_seeds, args.tasks, args.budget = min(args.n_seeds, 2), min(args.tasks, 2), min(args.budget, 200_000)
        n_sim, n_proof = 6, 8
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    if args.model == "fresh" or args.callable_frozen:
        main_section(args, seeds, n_sim, n_proof, "fresh" if args.model == "fresh" else "callable_frozen")
    else:
        main_record(args, seeds, n_sim, n_proof)
    return 0


if __name__ == "__main__":
    sys.exit(main())
