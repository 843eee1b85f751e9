"""One candidate of the catalog's search methods written on a movement Tape (issue 21).

A search row's step is one candidate evaluated (or a unit a candidate's evaluation is made of). These
functions write that computation on a ``shared.frame.movement.Tape`` as the search's code runs it, one
array operation at a time, at the level of the loop nests the meter prices: each arithmetic operation,
comparison or interpreted instruction is one ``tape.map`` over the operands it reads. Drawing random
numbers (the guessed weights, PIPE's uniforms, GP's choices) reads nothing the meter tracks: such values
are written by ``tape.zeros`` (free). They are models of the search code at the level of array
operations, not traces of it, and say what they leave out.

- ``guess_sequence(tape, units, inputs, outputs, length, layered, itemsize)``: one guessed recurrent net
  (``shared.search.guessing``: W (U, U), U_in (I, U), b (U,), dense with zeros where no weight exists, as
  the code multiplies them) run over one sequence x (length, I) from zero activations, then its end
  output compared with the target: the unit a random-weight-guessing candidate's evaluation is made of.
- ``prefix_arities(text)``: the arities, in prefix order, of a program printed as ``f(a, g(b, c))``.
- ``tree_evaluation(tape, arities, leaf)``: a prefix program tree run as ``shared.search.pipe.evaluate``
  does (from the last node back, with a stack): one ``map`` per function node over its arguments'
  arrays (all fitness cases at once), ``leaf(k)`` the tape array of the terminal at position k.
- ``levin_run(tape, program, n_weights, budget, writes2, checks)``: one complete program run on
  ``shared.search.levin``'s machine, instruction by instruction (replayed on the real machine), then the
  task's test of the weights it wrote; ``levin_assemble(text)`` turns a recorded program back into its tape.
- ``pipe_generation(tape, arities, population, cases, instructions, ...)``: one generation of PIPE
  (``shared.search.pipe.pipe``): ``population`` programs drawn from the PPT, evaluated on the fitness
  cases and scored, then the PPT learning from the best (adapt, mutate, the changed nodes' cumulative
  sums). ``gp_generation``: one generation of ``shared.search.gp.gp`` (tournament, subtree copy,
  evaluation, score per offspring).

Example: ``guess_sequence(Tape(), units=11, inputs=1, outputs=1, length=550, layered=True).price()``.
"""

from __future__ import annotations

import numpy as np

from shared.frame.movement import Tape


def _dtype(itemsize: int):
    return {1: np.int8, 2: np.float16, 4: np.float32, 8: np.float64}[itemsize]


# ----------------------------------------------------------------------------------------
# Random weight guessing: one guessed net over one sequence
# ----------------------------------------------------------------------------------------

def guess_sequence(tape: Tape, units: int, inputs: int = 1, outputs: int = 1, length: int = 550,
                   layered: bool = False, itemsize: int = 8) -> Tape:
    """One guessed net on one sequence (``shared.search.guessing.end_outputs`` for one guess).

    Arguments: W (units, units), U_in (inputs, units), b (units,), the sequence x (length, inputs), the
    target (outputs,). The activations start at zero (``tape.zeros``). Per step, synchronous: net =
    a(t-1) W (matmul, units x units) + x_t U_in (matmul, inputs x units) + b, a(t) = f(net) (one map per
    unit: the logistic or tanh); ``layered``: the hidden units first (a(t-1) W[:, :hidden] + drive), then
    the outputs from [h(t), o(t-1)] W[:, hidden:] + drive. At the end one map per output:
    |a_out - target| < tolerance. The last-step bookkeeping of sequences of unequal length is left out."""
    if min(units, inputs, outputs, length) < 1 or outputs > units:
        raise ValueError("units, inputs, outputs and length must be positive, outputs <= units")
    dtype = _dtype(itemsize)
    W = tape.argument((units, units), dtype)
    U = tape.argument((inputs, units), dtype)
    b = tape.argument(units, dtype)
    x = tape.argument((length, inputs), dtype)
    target = tape.argument(outputs, dtype)
    hidden = units - outputs
    state = tape.zeros(units, dtype)
    for t in range(length):
        drive = tape.map(tape.matmul(x[t], U), b)                          # x_t U_in + b
        if layered and hidden:
            h = tape.map(tape.map(tape.matmul(state, W[:, :hidden]), drive[:hidden]))
            mid = np.concatenate([h, state[hidden:]])
            o = tape.map(tape.map(tape.matmul(mid, W[:, hidden:]), drive[hidden:]))
            state = np.concatenate([h, o])
        else:
            state = tape.map(tape.map(tape.matmul(state, W), drive))
    tape.map(state[hidden:], target)
    return tape


# ----------------------------------------------------------------------------------------
# Program trees: PIPE and GP
# ----------------------------------------------------------------------------------------

def guess_sequences(part: dict) -> tuple[float | None, float]:
    """A guessing record part's (median ``sequences_run`` over its solved seeds, or None; sequences run per
    guess over all its seeds): the steps to solve and the mean evaluation of a ``guess_sequence`` row."""
    rows = (part.get("seeds") or {}).get("per_seed", [])
    solved = [r["sequences_run"] for r in rows if r["solved"]]
    per_guess = sum(r["sequences_run"] for r in rows) / max(1, sum(r["trials"] for r in rows))
    return (float(np.median(solved)) if solved else None), per_guess


def prefix_arities(text: str) -> list[int]:
    """The arities of a program printed as nested calls, in prefix order:
    ``"+(x, *(x, 0.5))"`` -> [2, 0, 2, 0, 0]. Terminals are names or numbers without parentheses."""
    arities, stack, token = [], [], ""
    for ch in text + " ":
        if ch == "(":
            arities.append(0)
            stack.append(len(arities) - 1)
            token = ""
        elif ch in ",) ":
            if token.strip():
                arities.append(0)
                if stack:
                    arities[stack[-1]] += 1
            token = ""
            if ch == ")":
                node = stack.pop()
                if stack:
                    arities[stack[-1]] += 1
                if arities[node] == 0:
                    raise ValueError(f"function without arguments in {text!r}")
        else:
            token += ch
    if stack or not arities:
        raise ValueError(f"unbalanced program text {text!r}")
    return arities


def _check_arities(arities) -> list[int]:
    arities = [int(a) for a in arities]
    need = 1
    for a in arities:
        if need < 1 or a < 0:
            raise ValueError("arities do not describe one prefix tree")
        need += a - 1
    if need != 0:
        raise ValueError("arities do not describe one prefix tree")
    return arities


def tree_evaluation(tape: Tape, arities, leaf) -> np.ndarray:
    """A prefix program on all fitness cases at once, from the last node back with a stack (as
    ``shared.search.pipe.evaluate``): a function node of arity a is one ``map`` over its a arguments'
    arrays (the first argument read first), a terminal at position k is ``leaf(k)`` (a tape array,
    read by the function that takes it). Returns the root's array."""
    arities = _check_arities(arities)
    stack = []
    for k in range(len(arities) - 1, -1, -1):
        if arities[k] == 0:
            stack.append(leaf(k))
        else:
            arguments = [stack.pop() for _ in range(arities[k])]
            stack.append(tape.map(*arguments))
    return stack[0]


def _bisect_probes(size: int) -> list[int]:
    """The entries of a cumulative vector of ``size`` that ``bisect_right`` reads for a draw in its middle."""
    probes, low, high = [], 0, size
    while low < high:
        mid = (low + high) // 2
        probes.append(mid)
        low = mid + 1 if mid < size // 2 else low
        high = mid if mid >= size // 2 else high
    return probes


def _terminal_inputs(arities, terminal_inputs) -> dict:
    """Packed programs: the input mask each terminal position reads (``terminal_inputs``: one index per
    terminal, in prefix order; default: a mask of its own per terminal)."""
    positions = [p for p, a in enumerate(arities) if a == 0]
    if terminal_inputs is None:
        return {p: i for i, p in enumerate(positions)}
    terminal_inputs = [int(i) for i in terminal_inputs]
    if len(terminal_inputs) != len(positions) or min(terminal_inputs, default=0) < 0:
        raise ValueError(f"terminal_inputs needs one index >= 0 per terminal ({len(positions)})")
    return dict(zip(positions, terminal_inputs))


def _score(tape: Tape, out, target, packed: bool):
    """A program's fitness: packed, XOR with the target's mask and its popcount (2 instructions); else
    e = |out - target| per case, Koza's hit check (e < 0.01, all of them) and the sum of e."""
    if packed:
        return tape.map(tape.map(out, target))
    errors = tape.map(out, target)
    tape.reduce(tape.map(errors))                                           # all(e < HIT)
    return tape.reduce(errors)


def pipe_generation(tape: Tape, arities, population: int, cases: int, instructions: int,
                    constants=(), packed: bool = False, itemsize: int = 8, terminal_inputs=None) -> Tape:
    """One generation of PIPE (``shared.search.pipe.pipe``, generation-based learning) with every
    program of the shape ``arities`` (prefix order; ``constants``: the terminal positions that are the
    random constant R).

    Arguments: the PPT's probability vectors and cached cumulative sums at the program's nodes
    (nodes, instructions) each, the fitness cases' inputs and targets. ``packed``: the cases are the bits
    of one 8-byte integer (Boolean programs on a truth table, ``pipe.truth_table``; ``terminal_inputs``:
    which input mask each terminal reads, in prefix order): a function node is one instruction, the score two (XOR with the target, popcount); otherwise float vectors of ``cases``:
    a function node is ``cases`` instructions, the score |out - target| per case, the hit check (e <
    0.01 on every case) and the sum of e. Per
    program: one draw per node (a free uniform, then the cumulative entries bisection reads), R's
    constants drawn free, the evaluation, the score, the comparison with the generation's best. Then
    the PPT learns from the best: P(best) (a product over its nodes), the target, one repetition of
    the raise of the chosen probabilities and P(best) again, the other probabilities rescaled, mutation
    (a free uniform per probability, the raise where hit, the row renormalised: its sum and a divide),
    the changed rows' cumulative sums. Left out: repetitions of the adapt loop beyond one, pruning
    (a comparison per node), PIPE's elitist iterations (no evaluations)."""
    arities = _check_arities(arities)
    nodes, k = len(arities), int(instructions)
    if population < 1 or cases < 1 or k < 2:
        raise ValueError("population and cases must be positive, instructions >= 2")
    dtype = _dtype(itemsize)
    probs = tape.argument((nodes, k), np.float64)
    cumulative = tape.argument((nodes, k), np.float64)
    if packed:
        index = _terminal_inputs(arities, terminal_inputs)
        terms = tape.argument(max(index.values(), default=0) + 1, np.int64)  # the input bits' case masks
        target = tape.argument(1, np.int64)
    else:
        x = tape.argument(cases, dtype)
        target = tape.argument(cases, dtype)
    best = None
    probes = _bisect_probes(k)
    constants = set(int(c) for c in constants)
    for _ in range(population):
        for node in range(nodes):                                           # the draw, root first
            u = tape.zeros(1, np.float64)
            tape.map(u, *[cumulative[node, j:j + 1] for j in probes])
        values = {pos: tape.zeros(1, dtype) for pos in constants}

        def leaf(pos):
            if pos in values:
                return values[pos] if packed else np.broadcast_to(values[pos], (cases,))
            return terms[index[pos]:index[pos] + 1] if packed else x

        out = tree_evaluation(tape, arities, leaf)
        score = _score(tape, out, target, packed)
        best = score if best is None else tape.map(score, best)
    rows = np.arange(nodes)
    chosen = probs[rows, rows % k]                                          # the best's instructions
    current = tape.reduce(chosen)                                           # P(best)
    goal = tape.map(current, best)                                          # P_target
    chosen = tape.map(chosen)                                               # + c_lr lr (1 - p)
    current = tape.reduce(chosen)
    tape.map(current, goal)                                                 # current < target?
    factor = tape.map(chosen, probs[rows, rows % k])                        # (1 - new) / (1 - old)
    others = tape.map(probs, factor[:, None])
    uniforms = tape.zeros((nodes, k), np.float64)
    hit = tape.map(uniforms)                                                # u < P_Mp
    block = tape.map(hit, others)                                           # where(hit, p + mr (1 - p), p)
    sums = tape.reduce(block, axis=1)
    block = tape.map(block, sums[:, None])
    tape.reduce(block, axis=1)                                              # the cumulative sums, anew
    return tape


def gp_generation(tape: Tape, arities, population: int, cases: int, tournament: int = 7,
                  constants=(), packed: bool = False, itemsize: int = 8, terminal_inputs=None) -> Tape:
    """One generation of the generational GP (``shared.search.gp.gp``) with every program of the shape
    ``arities``: per offspring two tournaments (``tournament`` fitness values read and compared each),
    the offspring's nodes copied from its parents (one map per node over the parent's op and, for a
    constant, its value), its evaluation on the cases and its score, as in ``pipe_generation``. Left
    out: choosing the crossover points (a walk over the parents' arities), the depth check."""
    arities = _check_arities(arities)
    nodes = len(arities)
    dtype = _dtype(itemsize)
    fitness = tape.argument(population, np.float64)
    ops = tape.argument((population, nodes), np.int64)
    if packed:
        index = _terminal_inputs(arities, terminal_inputs)
        terms = tape.argument(max(index.values(), default=0) + 1, np.int64)  # the input bits' case masks
        target = tape.argument(1, np.int64)
    else:
        x = tape.argument(cases, dtype)
        target = tape.argument(cases, dtype)
    constants = set(int(c) for c in constants)
    for child in range(population):
        for _ in range(2):
            picks = (np.arange(tournament) * 7919 + child * 104729) % population      # any members
            running = fitness[picks[0]]
            for j in picks[1:]:
                running = tape.map(fitness[j], running)
        parent = (child * 31) % population
        tape.map(ops[parent])                                               # the offspring's nodes
        values = {pos: tape.zeros(1, dtype) for pos in constants}

        def leaf(pos):
            if pos in values:
                return values[pos] if packed else np.broadcast_to(values[pos], (cases,))
            return terms[index[pos]:index[pos] + 1] if packed else x

        _score(tape, tree_evaluation(tape, arities, leaf), target, packed)
    return tape


def bisect_reads(instructions: int) -> int:
    """How many cumulative entries one draw reads (``pipe_generation``): about log2 of the instructions."""
    return len(_bisect_probes(int(instructions)))


__all__ = ["guess_sequence", "prefix_arities", "tree_evaluation", "pipe_generation", "gp_generation",
           "bisect_reads"]


# ----------------------------------------------------------------------------------------
# Levin search's machine (shared.search.levin): a program run instruction by instruction
# ----------------------------------------------------------------------------------------

def levin_run(tape: Tape, program, n_weights: int = 100, budget: int = 10 ** 6, writes2: bool = False,
              checks=()) -> Tape:
    """One run of a complete program on ``shared.search.levin``'s machine, as ``levin.execute`` interprets it,
    then the task's test of the weights it wrote.

    Arguments: the program tape (len(program) int64 cells), the registers ip, wp, steps and the budget
    (int64); the weights (n_weights int64) start at zero (``tape.zeros``), Allocate's work cells too. The
    run is replayed by stepping the real machine one instruction at a time; each executed instruction is
    written as: the budget check and the step count (2 maps), the opcode fetch (reading ip and the cell
    at ip), each argument's fetch (ip and the argument's cell), then the operation, one map reading the
    opcode, the argument values and the cells they address (get), its result stored in the addressed cell,
    the weight (WriteWeight, reading wp) or nowhere (a comparison), and ip advanced (one map; a taken
    jump reads its target argument and hashes the machine's state for the loop check: one reduce over
    the program and work cells, ip and wp). ``checks``: the task's test, tuples of weight indices each
    summed (a training input's output) and compared with its target. The oracle (guessing instructions)
    is not part of a complete program's run and is left out."""
    from shared.search import levin
    program = [int(v) for v in program]
    nargs = levin.NARGS_WRITES2 if writes2 else levin.NARGS
    prog = tape.argument(len(program), np.int64)
    registers = tape.argument(4, np.int64)
    ip_id, wp_id, steps_id, budget_id = (registers[k:k + 1] for k in range(4))
    weights = tape.zeros(n_weights, np.int64)
    cells = {a: prog[a:a + 1] for a in range(len(program))}           # address -> the value's id (1,)
    weight = {i: weights[i:i + 1] for i in range(n_weights)}
    m = levin.Machine(n_weights)
    m.code, m.prog = list(program), list(program)
    status = None
    while status is None:
        ip, before_work, before_wp = m.ip, len(m.work), m.wp
        op = m.prog[ip] if 0 <= ip < len(m.prog) else None
        index = None                                                        # writes2: the weight addressed
        if writes2 and op in (levin.WRITE_WEIGHT, levin.GET_INPUT) and ip + 2 < len(m.prog):
            b = m.prog[ip + 2]
            storage = m.work[-b - 1] if b < 0 and -b <= len(m.work) else m.prog[b] if 0 <= b < len(m.prog) else None
            index = storage if storage is not None and 0 <= storage < n_weights else None
        outcome = levin.execute(m, m.steps + 1, writes2)
        if outcome == levin.NEEDS_MORE:
            raise ValueError("levin_run needs a complete program")
        if m.steps == 0 or op is None:
            break
        tape.map(steps_id, budget_id)
        steps_id = tape.map(steps_id)
        code = tape.map(ip_id, cells[ip])
        k = nargs[op] if 0 <= op < levin.N_OPS else 0
        k = min(k, len(m.prog) - ip - 1)
        args = [m.prog[ip + 1 + j] for j in range(k)]
        values = [tape.map(ip_id, cells[ip + 1 + j]) for j in range(k)]
        reads = [code] + values
        data = {levin.JUMPLEQ: args[:2], levin.WRITE_WEIGHT: args[:1] if not writes2 else args[:2],
                levin.ADD: args[:2], levin.SUBTRACT: args[:2], levin.MULTIPLY: args[:2], levin.MOVE: args[:1],
                levin.INCREMENT: args[:1], levin.DECREMENT: args[:1],
                levin.GET_INPUT: (args[:1] if not writes2 else args[1:2])}.get(op, [])
        reads += [cells[a] for a in data if a in cells]
        if op == levin.WRITE_WEIGHT and not writes2:
            reads.append(wp_id)
        if op == levin.GET_INPUT and writes2 and index is not None:
            reads.append(weight[index])                                     # ReadWeight: w[s[b]]
        result = tape.map(*reads)
        if outcome == levin.IMPOSSIBLE or op == levin.STOP:
            status = outcome
            break
        if op == levin.WRITE_WEIGHT:
            weight[before_wp if not writes2 else index] = result
            if not writes2:
                wp_id = tape.map(wp_id)
        elif op in (levin.ADD, levin.SUBTRACT, levin.MULTIPLY):
            cells[args[2]] = result
        elif op == levin.MOVE:
            cells[args[1]] = result
        elif op in (levin.INCREMENT, levin.DECREMENT):
            cells[args[0]] = result
        elif op == levin.GET_INPUT:
            cells[args[0] if writes2 else args[1]] = result
        elif op == levin.ALLOCATE:
            fresh = tape.zeros(len(m.work) - before_work, np.int64)
            for j in range(len(m.work) - before_work):
                cells[-(before_work + j + 1)] = fresh[j:j + 1]
        elif op == levin.FREE:
            for j in range(len(m.work), before_work):
                cells.pop(-(j + 1), None)
        taken = op == levin.JUMP or (op == levin.JUMPLEQ and m.ip != ip + 4)
        if taken:
            ip_id = tape.map(values[-1])
            state = [cells[a] for a in sorted(cells)] + [ip_id, wp_id]
            tape.reduce(np.concatenate(state))
        else:
            ip_id = tape.map(ip_id)
        if outcome != levin.TIMEOUT or m.steps >= budget:
            status = outcome
    for indices in checks:
        out = tape.reduce(np.concatenate([weight[i] for i in indices])) if len(indices) > 1 else weight[indices[0]]
        tape.map(out)
    return tape


def levin_assemble(text: str, writes2: bool = False) -> tuple:
    """The inverse of ``shared.search.levin.disassemble``: 'WriteWeight 0; Jump 0' -> (1, 0, 2, 0)."""
    from shared.search import levin
    names = list(levin.OP_NAMES)
    if writes2:
        names[levin.GET_INPUT] = "ReadWeight"
    out = []
    for part in text.split(";"):
        words = part.split()
        if not words:
            continue
        out.append(names.index(words[0]))
        out.extend(int(w) for w in words[1:])
    return tuple(out)
