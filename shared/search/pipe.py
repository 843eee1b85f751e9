"""Probabilistic Incremental Program Evolution (PIPE): programs drawn from a tree of probability vectors.

Salustowicz & Schmidhuber (1997), "Probabilistic incremental program evolution", Evolutionary
Computation 5(2):123-141. The journal's body is not in our library (its abstract is: "PIPE
iteratively generates successive populations of functional programs according to an adaptive
probability distribution over all possible programs. Each iteration, it uses the best program to
refine the distribution ... No crossover"). The rules below are the paper's as two secondary
sources quote them with their section numbers (marked [S]): the sampling probability of a program
(Sec. 4.1), the target probability (4.2), the iterated update with c_lr = 0.1, "a good compromise
between precision and speed" (4.3), mutation (4.4), elitist learning and pruning. Constants that
only the paper's experiment sections give are the caller's.

A program is a tree of instructions (functions with arities, terminals). The probabilistic
prototype tree (PPT) holds, at each node, a probability vector over all instructions; a program is
drawn from the root down, each node's instruction from its vector, a function's arguments from the
node's children (created on demand, initialised with P_T spread over the terminals and 1 - P_T
over the functions). P(program) is the product of its instructions' probabilities.

- ``InstructionSet`` (``instruction_set(functions, terminals)``), ``PPT`` (``sample``,
  ``probability``, ``adapt``, ``mutate``, ``prune``), ``Program`` (prefix order, ``text``).
- ``evaluate(program, instructions, operations, terminals)``: one program on all fitness cases at
  once (numpy vectors, or Python ints whose bits are the cases: ``truth_table`` and
  ``BOOLEAN_OPERATIONS`` run all 2^n inputs of a Boolean program in one pass).
- ``pipe(...)``: the loop; elitist learning with probability P_el, else generation-based learning
  (draw a population, learn toward its best, mutate along it, prune).

The generic random constant "R" draws a fresh constant (uniform in ``constant_range``) each time it
is sampled, as the seed describes the paper [S]; the PPT does not store constants.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from shared.frame.checks import integer, number

C_LR = 0.1           # Sec. 4.3 [S]: "We use c_lr = 0.1, ... a good compromise between precision and speed"
CONSTANT = "R"       # the generic random constant's terminal name


# ----------------------------------------------------------------------------------------
# Instructions and programs
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstructionSet:
    """Instruction names and arities, functions first (arity >= 1), then terminals (arity 0)."""

    names: tuple[str, ...]
    arities: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.names)

    @property
    def n_functions(self) -> int:
        return sum(a > 0 for a in self.arities)

    @property
    def max_arity(self) -> int:
        return max(self.arities)


def instruction_set(functions: dict[str, int], terminals: list[str]) -> InstructionSet:
    """``functions``: name -> arity (>= 1), ``terminals``: names; e.g. ({"+": 2, "*": 2}, ["x", "R"])."""
    if not functions or not terminals:
        raise ValueError("an instruction set needs at least one function and one terminal")
    for name, arity in functions.items():
        integer(f"arity of {name}", arity, 1)
    names = tuple(functions) + tuple(terminals)
    if len(set(names)) != len(names):
        raise ValueError(f"instruction names must be distinct, got {names}")
    return InstructionSet(names, tuple(functions.values()) + (0,) * len(terminals))


@dataclass
class Program:
    """One drawn program in prefix order: ``ops[k]`` the instruction at PPT node ``nodes[k]``;
    ``constants[k]`` the value of R there (NaN elsewhere); ``fitness`` once evaluated (lower is better)."""

    nodes: list[int]
    ops: list[int]
    constants: list[float]
    fitness: float = math.inf

    @property
    def size(self) -> int:
        return len(self.ops)

    def depth(self, instructions: InstructionSet) -> int:
        """Depth of the tree (a lone terminal has depth 1)."""
        deepest, pending = 0, []               # pending: arguments still to read of each open function
        for op in self.ops:
            deepest = max(deepest, len(pending) + 1)
            if pending:
                pending[-1] -= 1
            if instructions.arities[op]:
                pending.append(instructions.arities[op])
            while pending and pending[-1] == 0:
                pending.pop()
        return deepest

    def text(self, instructions: InstructionSet, digits: int = 3) -> str:
        """The program as nested calls, e.g. ``*(x, +(x, 0.5))``."""
        out, position = [], 0

        def walk() -> None:
            nonlocal position
            op, value = self.ops[position], self.constants[position]
            position += 1
            name = instructions.names[op]
            if name == CONSTANT and not math.isnan(value):
                out.append(f"{value:.{digits}g}")
                return
            out.append(name)
            if instructions.arities[op]:
                out.append("(")
                for k in range(instructions.arities[op]):
                    if k:
                        out.append(", ")
                    walk()
                out.append(")")

        walk()
        return "".join(out)


def evaluate(program: Program, instructions: InstructionSet, operations: dict[str, Callable],
             terminals: dict[str, object]):
    """The program's value on every fitness case at once: ``terminals[name]`` is the terminal's
    value vector (numpy array over cases, or an int whose bits are the cases), ``operations[name]``
    takes the arguments' vectors; R becomes its constant. Evaluated from the last node back with a
    stack, so no recursion."""
    stack = []
    names, arities = instructions.names, instructions.arities
    for k in range(program.size - 1, -1, -1):
        op = program.ops[k]
        arity = arities[op]
        if arity == 0:
            name = names[op]
            stack.append(program.constants[k] if name == CONSTANT else terminals[name])
        elif arity == 1:
            stack.append(operations[names[op]](stack.pop()))
        else:
            arguments = [stack.pop() for _ in range(arity)]     # the first argument is on top
            stack.append(operations[names[op]](*arguments))
    return stack[0]


def truth_table(n_bits: int) -> tuple[dict[str, int], int]:
    """All 2^n inputs as bit masks: ``masks["x0"]`` has bit c set when input bit 0 is 1 in case c
    (case c's input is the binary number c, x0 its lowest bit); and the mask of all cases."""
    n_bits = integer("n_bits", n_bits, 1)
    if n_bits > 16:
        raise ValueError(f"n_bits must be <= 16 (2^n cases as one int), got {n_bits}")
    cases = 1 << n_bits
    masks = {f"x{i}": sum(1 << c for c in range(cases) if (c >> i) & 1) for i in range(n_bits)}
    return masks, (1 << cases) - 1


def boolean_operations(all_cases: int) -> dict[str, Callable]:
    """AND, OR, NOT, IF (if a then b else c) on case masks; NOT flips only the cases' bits."""
    return {"AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "NOT": lambda a: all_cases & ~a,
            "IF": lambda a, b, c: (a & b) | (all_cases & ~a & c)}


# ----------------------------------------------------------------------------------------
# The probabilistic prototype tree
# ----------------------------------------------------------------------------------------


class PPT:
    """Probability vectors at tree nodes: ``probs`` (n_nodes, n_instructions), ``children``
    (n_nodes, max_arity) the node of each argument slot (-1 until a program needs it). Node 0 is the
    root. ``max_depth`` (the root is depth 1) forces terminals at the deepest level, our bound on
    the tree, drawn from the node's terminal probabilities renormalised."""

    def __init__(self, instructions: InstructionSet, terminal_probability: float, max_depth: int = 17,
                 constant_range: tuple[float, float] = (-1.0, 1.0)):
        self.instructions = instructions
        self.terminal_probability = number("terminal_probability", terminal_probability)
        if not 0 < terminal_probability < 1:
            raise ValueError(f"terminal_probability must be in (0, 1), got {terminal_probability!r}")
        self.max_depth = integer("max_depth", max_depth, 1)
        self.constant_range = (float(constant_range[0]), float(constant_range[1]))
        n_functions = instructions.n_functions
        self.initial = np.array([(1 - terminal_probability) / n_functions] * n_functions
                                + [terminal_probability / (instructions.size - n_functions)]
                                * (instructions.size - n_functions))
        self.probs = np.empty((64, instructions.size))
        self.children = np.full((64, instructions.max_arity), -1, dtype=np.int64)
        self.depth_of = np.zeros(64, dtype=np.int64)
        self.n_nodes = 0
        self._cumulative: dict[int, list[float]] = {}   # per node, cumulative probabilities for drawing
        self._new_node(depth=1)

    # -- structure --
    def _new_node(self, depth: int) -> int:
        if self.n_nodes == len(self.probs):
            grow = len(self.probs)
            self.probs = np.concatenate([self.probs, np.empty((grow, self.instructions.size))])
            self.children = np.concatenate([self.children, np.full((grow, self.instructions.max_arity), -1,
                                                                    dtype=np.int64)])
            self.depth_of = np.concatenate([self.depth_of, np.zeros(grow, dtype=np.int64)])
        node = self.n_nodes
        self.probs[node] = self.initial
        self.children[node] = -1
        self.depth_of[node] = depth
        self.n_nodes += 1
        return node

    def child(self, node: int, slot: int) -> int:
        """The node of argument ``slot`` of ``node``, created with the initial vector if missing."""
        found = int(self.children[node, slot])
        if found < 0:
            found = self._new_node(int(self.depth_of[node]) + 1)
            self.children[node, slot] = found
        return found

    def reachable(self) -> int:
        """Nodes reachable from the root (what pruning leaves in use)."""
        count, todo = 0, [0]
        while todo:
            node = todo.pop()
            count += 1
            todo.extend(int(c) for c in self.children[node] if c >= 0)
        return count

    def _cumulative_of(self, node: int) -> list[float]:
        cumulative = self._cumulative.get(node)
        if cumulative is None:
            row = self.probs[node]
            if self.depth_of[node] >= self.max_depth:     # terminals only at the bound
                row = np.where(np.array(self.instructions.arities) == 0, row, 0.0)
            cumulative = np.cumsum(row).tolist()
            self._cumulative[node] = cumulative
        return cumulative

    def _changed(self, node: int) -> None:
        self._cumulative.pop(node, None)

    # -- programs --
    def sample(self, rng: np.random.Generator) -> Program:
        """Draw one program from the root down (Sec. 3 [S])."""
        nodes, ops, constants = [], [], []
        arities, names = self.instructions.arities, self.instructions.names
        low, high = self.constant_range
        todo = [0]                                   # nodes still to draw, next on top
        while todo:
            node = todo.pop()
            cumulative = self._cumulative_of(node)
            # bisect_right never lands on an instruction of probability 0 (its cumulative equals its
            # predecessor's); min() only guards the float edge u * total == total
            op = min(bisect_right(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)
            nodes.append(node)
            ops.append(op)
            constants.append(float(rng.uniform(low, high)) if names[op] == CONSTANT else math.nan)
            for slot in range(arities[op] - 1, -1, -1):
                todo.append(self.child(node, slot))
        return Program(nodes, ops, constants)

    def probability(self, program: Program) -> float:
        """P(program): the product of its instructions' probabilities at their nodes (Sec. 4.1 [S])."""
        return float(np.prod(self.probs[program.nodes, program.ops]))

    def adapt(self, program: Program, elite_fitness: float, lr: float, epsilon: float,
              c_lr: float = C_LR) -> int:
        """Learning from a program (Secs. 4.2, 4.3 [S]): the target
        P_TARGET = P(prog) + (1 - P(prog)) lr (epsilon + FIT(elite)) / (epsilon + FIT(prog));
        repeat P(I at d) += c_lr lr (1 - P(I at d)) at every node of the program, the other
        instructions of each node scaled to keep the sum 1, until P(prog) >= P_TARGET. Returns the
        repetitions."""
        lr, epsilon, c_lr = number("lr", lr), number("epsilon", epsilon), number("c_lr", c_lr)
        if not 0 < c_lr * lr < 1:
            raise ValueError(f"c_lr * lr must be in (0, 1), got {c_lr * lr!r}")
        rows, cols = np.asarray(program.nodes), np.asarray(program.ops)
        chosen = self.probs[rows, cols]
        current = float(np.prod(chosen))
        if math.isinf(program.fitness):            # nothing to learn from a program that failed outright
            ratio = 1.0 if math.isinf(elite_fitness) else 0.0
        else:
            ratio = (epsilon + elite_fitness) / (epsilon + program.fitness)
        target = min(current + (1 - current) * lr * ratio, 1.0)
        repetitions = 0
        while current < target and repetitions < 10_000:
            chosen = chosen + c_lr * lr * (1 - chosen)
            current = float(np.prod(chosen))
            repetitions += 1
            if np.all(chosen >= 1.0):
                break
        others = self.probs[rows] * ((1 - chosen) / np.maximum(1 - self.probs[rows, cols], 1e-300))[:, None]
        others[np.arange(len(rows)), cols] = chosen
        self.probs[rows] = others
        for node in program.nodes:
            self._changed(node)
        return repetitions

    def mutate(self, program: Program, rng: np.random.Generator, mutation_probability: float,
               mutation_rate: float) -> int:
        """Mutation along the program (Sec. 4.4 [S]): each probability of each node the program
        used is raised, P += mr (1 - P), with probability P_Mp = P_M / (n_instructions sqrt(|prog|));
        each changed node renormalised. Returns the number of probabilities raised."""
        mutation_probability = number("mutation_probability", mutation_probability)
        mutation_rate = number("mutation_rate", mutation_rate)
        rows = np.asarray(program.nodes)
        p_component = mutation_probability / (self.instructions.size * math.sqrt(program.size))
        hit = rng.random((len(rows), self.instructions.size)) < p_component
        if not hit.any():
            return 0
        block = self.probs[rows]
        block = np.where(hit, block + mutation_rate * (1 - block), block)
        self.probs[rows] = block / block.sum(axis=1, keepdims=True)
        for node in rows[hit.any(axis=1)]:
            self._changed(int(node))
        return int(hit.sum())

    def prune(self, threshold: float, nodes: list[int]) -> int:
        """Pruning [S]: where one instruction's probability reaches ``threshold`` at one of ``nodes``
        (those a learning step changed: no other node can have crossed it), the argument slots it
        cannot use are cut off, their subtrees dropped. Returns the slots cut."""
        number("threshold", threshold)
        cut = 0
        rows = np.unique(np.asarray(nodes, dtype=np.int64))
        best = self.probs[rows].argmax(axis=1)
        for node, op in zip(rows[self.probs[rows, best] >= threshold], best[self.probs[rows, best] >= threshold]):
            for slot in range(self.instructions.arities[op], self.instructions.max_arity):
                if self.children[node, slot] >= 0:
                    self.children[node, slot] = -1
                    cut += 1
        return cut


# ----------------------------------------------------------------------------------------
# The loop
# ----------------------------------------------------------------------------------------


@dataclass
class Generation:
    """What one iteration did: ``kind`` "population" or "elitist"; evaluations so far; the
    generation's best fitness (NaN for elitist learning) and the elite's."""

    kind: str
    evaluations: int
    best_fitness: float
    elite_fitness: float
    elite_size: int


@dataclass
class Run:
    """The outcome of ``pipe``: the elite program, whether it reached the target fitness, the
    evaluations until it did (or all run), the history, and the PPT."""

    elite: Program
    solved: bool
    evaluations: int
    history: list[Generation] = field(default_factory=list)
    ppt: PPT | None = None


def pipe(ppt: PPT, fitness: Callable[[Program], float], rng: np.random.Generator, population: int,
         max_evaluations: int, lr: float, epsilon: float, elitist_probability: float,
         mutation_probability: float, mutation_rate: float, prune_threshold: float,
         target_fitness: float = 0.0, c_lr: float = C_LR,
         on_iteration: Callable[[Generation, PPT, Program], None] | None = None) -> Run:
    """PIPE until a program's fitness is <= ``target_fitness`` or ``max_evaluations`` programs
    were evaluated. Each iteration: with probability P_el elitist learning (adapt toward the
    elite, no evaluations), else generation-based learning: draw ``population`` programs,
    evaluate them, the best (lowest fitness, ties to the smaller program) becomes the elite if it
    beats it, adapt toward the best, mutate along it, prune. ``fitness(program) -> float``."""
    population = integer("population", population, 1)
    max_evaluations = integer("max_evaluations", max_evaluations, 1)
    elitist_probability = number("elitist_probability", elitist_probability)
    elite: Program | None = None
    evaluations = 0
    history: list[Generation] = []
    while evaluations < max_evaluations:
        if elite is not None and rng.random() < elitist_probability:
            ppt.adapt(elite, elite.fitness, lr, epsilon, c_lr)
            ppt.prune(prune_threshold, elite.nodes)
            step = Generation("elitist", evaluations, math.nan, elite.fitness, elite.size)
        else:
            best = None
            for _ in range(min(population, max_evaluations - evaluations)):
                program = ppt.sample(rng)
                value = float(fitness(program))
                program.fitness = value if math.isfinite(value) else math.inf    # NaN counts as a failure
                evaluations += 1
                if best is None or (program.fitness, program.size) < (best.fitness, best.size):
                    best = program
                if program.fitness <= target_fitness:
                    break
            if elite is None or (best.fitness, best.size) < (elite.fitness, elite.size):
                elite = best
            ppt.adapt(best, elite.fitness, lr, epsilon, c_lr)
            ppt.mutate(best, rng, mutation_probability, mutation_rate)
            ppt.prune(prune_threshold, best.nodes)
            step = Generation("population", evaluations, best.fitness, elite.fitness, elite.size)
        history.append(step)
        if on_iteration is not None:
            on_iteration(step, ppt, elite)
        if elite.fitness <= target_fitness:
            return Run(elite, True, evaluations, history, ppt)
    return Run(elite, False, evaluations, history, ppt)
