"""Genetic programming with subtree crossover: the baseline PIPE's paper compares against.

Tree programs over the same ``InstructionSet`` and in the same prefix ``Program`` form as
``shared.search.pipe`` (so ``pipe.evaluate`` runs both); a generational GP in the manner of Koza (1992):
ramped half-and-half initialisation, tournament selection, subtree crossover (internal crossover
points preferred) and reproduction, a depth limit on offspring. The constants here are ours, stated
at ``gp``; a problem's README says which it uses.

- ``random_program(instructions, rng, depth, full)``: one tree, "full" or "grow", to ``depth``.
- ``subtree_end(program, start, instructions)``: where the subtree at ``start`` ends (exclusive).
- ``crossover(a, b, rng, instructions, max_depth, internal_probability)``: a's subtree replaced by b's.
- ``gp(...)``: the generational loop, evaluations counted one program at a time.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from shared.frame.checks import integer, number
from shared.search.pipe import CONSTANT, Generation, InstructionSet, Program, Run


def random_program(instructions: InstructionSet, rng: np.random.Generator, depth: int, full: bool,
                   constant_range: tuple[float, float] = (-1.0, 1.0)) -> Program:
    """A random tree of depth <= ``depth`` (exactly ``depth`` on every branch when ``full``): functions
    until the depth is reached ("full"), or any instruction before it ("grow"), terminals at it."""
    functions = [k for k, a in enumerate(instructions.arities) if a]
    terminals = [k for k, a in enumerate(instructions.arities) if not a]
    ops, constants = [], []

    def grow(level: int) -> None:
        if level == depth:
            op = terminals[rng.integers(len(terminals))]
        elif full:
            op = functions[rng.integers(len(functions))]
        else:
            op = int(rng.integers(instructions.size))
        ops.append(int(op))
        constants.append(float(rng.uniform(*constant_range)) if instructions.names[op] == CONSTANT else math.nan)
        for _ in range(instructions.arities[op]):
            grow(level + 1)

    grow(1)
    return Program([-1] * len(ops), ops, constants)


def subtree_end(program: Program, start: int, instructions: InstructionSet) -> int:
    """One past the last node of the subtree rooted at ``start`` (prefix order)."""
    needed, position = 1, start
    while needed:
        needed += instructions.arities[program.ops[position]] - 1
        position += 1
    return position


def _pick_point(program: Program, rng: np.random.Generator, instructions: InstructionSet,
                internal_probability: float) -> int:
    internal = [k for k, op in enumerate(program.ops) if instructions.arities[op]]
    leaves = [k for k, op in enumerate(program.ops) if not instructions.arities[op]]
    if internal and (not leaves or rng.random() < internal_probability):
        return internal[rng.integers(len(internal))]
    return leaves[rng.integers(len(leaves))]


def crossover(a: Program, b: Program, rng: np.random.Generator, instructions: InstructionSet, max_depth: int,
              internal_probability: float = 0.9) -> Program:
    """a with one of its subtrees replaced by one of b's (points internal with ``internal_probability``);
    an offspring deeper than ``max_depth`` is replaced by a copy of a."""
    i = _pick_point(a, rng, instructions, internal_probability)
    j = _pick_point(b, rng, instructions, internal_probability)
    i_end, j_end = subtree_end(a, i, instructions), subtree_end(b, j, instructions)
    ops = a.ops[:i] + b.ops[j:j_end] + a.ops[i_end:]
    constants = a.constants[:i] + b.constants[j:j_end] + a.constants[i_end:]
    child = Program([-1] * len(ops), ops, constants)
    if child.depth(instructions) > max_depth:
        return Program(list(a.nodes), list(a.ops), list(a.constants), a.fitness)
    return child


def gp(instructions: InstructionSet, fitness: Callable[[Program], float], rng: np.random.Generator,
       population: int, max_evaluations: int, target_fitness: float = 0.0, tournament: int = 7,
       crossover_probability: float = 0.9, max_depth: int = 17, initial_depths: tuple[int, int] = (2, 6),
       constant_range: tuple[float, float] = (-1.0, 1.0)) -> Run:
    """Generational GP until a program's fitness is <= ``target_fitness`` or ``max_evaluations``
    programs were evaluated. Generation 0 is ramped half-and-half over ``initial_depths``; each next
    generation is filled by crossover of two tournament winners (probability
    ``crossover_probability``) or reproduction of one; the best program is carried over unchanged
    (elitism, so the best-so-far curve is the population's). Every program of every generation counts
    as one evaluation (Koza's M x G), copies included. ``history`` has one entry per generation."""
    population = integer("population", population, 2)
    max_evaluations = integer("max_evaluations", max_evaluations, 1)
    tournament = integer("tournament", tournament, 1)
    crossover_probability = number("crossover_probability", crossover_probability)
    low, high = initial_depths
    depths = [low + k % (high - low + 1) for k in range(population)]
    programs = [random_program(instructions, rng, depth, full=bool(k % 2), constant_range=constant_range)
                for k, depth in enumerate(depths)]
    evaluations, best, history = 0, None, []
    while True:
        scores = np.full(len(programs), math.inf)
        for k, program in enumerate(programs):
            if evaluations == max_evaluations:
                break
            if math.isinf(program.fitness):              # copies keep their fitness (same program)
                value = float(fitness(program))
                program.fitness = value if math.isfinite(value) else math.inf
            evaluations += 1                             # counted all the same: Koza's M x G
            scores[k] = program.fitness
            if best is None or (program.fitness, program.size) < (best.fitness, best.size):
                best = program
            if best.fitness <= target_fitness:
                break
        history.append(Generation("population", evaluations, float(np.min(scores)), best.fitness, best.size))
        if best.fitness <= target_fitness or evaluations == max_evaluations:
            return Run(best, best.fitness <= target_fitness, evaluations, history)

        def winner() -> Program:
            entrants = rng.integers(len(programs), size=tournament)
            return programs[min(entrants, key=lambda e: (scores[e], programs[e].size))]

        offspring = [Program(list(best.nodes), list(best.ops), list(best.constants), best.fitness)]
        while len(offspring) < population:
            if rng.random() < crossover_probability:
                offspring.append(crossover(winner(), winner(), rng, instructions, max_depth))
            else:
                parent = winner()
                offspring.append(Program(list(parent.nodes), list(parent.ops), list(parent.constants),
                                         parent.fitness))
        programs = offspring
