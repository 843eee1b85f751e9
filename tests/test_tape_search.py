"""shared.search.tape_search: hand-counted instruction totals of one guessed net over a sequence and of a PIPE and
a GP generation, the prefix parser, and the tree evaluation priced the same as its scalar loop (the Trace)."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.movement import Tape, Trace
from shared.search import tape_search as ts


@pytest.mark.parametrize("units,length,layered", [(2, 550, False), (11, 550, True), (4, 6, False), (3, 1, True)])
def test_guess_sequence_counts(units, length, layered):
    # per step: x_t U_in (U products), + b (U), a W (U (2U - 1)), + drive (U), f (U) = U (2U + 3), either order;
    # the zero activations (U writes) and the end check (1)
    tape = ts.guess_sequence(Tape(), units, 1, 1, length, layered=layered)
    assert tape.instructions + tape.free_writes == units + length * units * (2 * units + 3) + 1


def test_guess_sequence_reads_every_weight_each_step():
    tape = ts.guess_sequence(Tape(), 3, 1, 1, 4)
    cost = tape.price()
    # reads: per step U (x, U_in) pairs, U (d, b), U^2 products (2 reads) + U (U - 1) sums (2), U (2), U (1)
    u = 3
    reads = 4 * (2 * u + 2 * u + 2 * u * u + 2 * u * (u - 1) + 2 * u + u) + 2
    assert cost.reads == reads
    assert cost.bytes_read == 8 * reads


def test_prefix_arities():
    assert ts.prefix_arities("x") == [0]
    assert ts.prefix_arities("+(x, *(x, 0.5))") == [2, 0, 2, 0, 0]
    assert ts.prefix_arities("IF(NOT(x1), x2, AND(x0, x3))") == [3, 1, 0, 0, 2, 0, 0]
    with pytest.raises(ValueError):
        ts.prefix_arities("+(x, y")


def test_tree_evaluation_equals_its_scalar_loop():
    # + (x, * (x, x)) on 3 cases: the product node first (case by case), then the sum, as the stack runs it
    cases = 3
    tape = Tape()
    x = tape.argument(cases, np.float64)
    ts.tree_evaluation(tape, [2, 0, 2, 0, 0], lambda k: x)
    trace = Trace()
    xs = [trace.argument(8) for _ in range(cases)]
    products = [trace.op([v, v], 8) for v in xs]
    [trace.op([v, p], 8) for v, p in zip(xs, products)]
    assert tape.price().total == trace.price().total
    assert tape.instructions == 2 * cases
    with pytest.raises(ValueError):
        ts.tree_evaluation(Tape(), [2, 0], lambda k: x)


@pytest.mark.parametrize("packed", [False, True])
def test_pipe_generation_counts(packed):
    arities, population, cases, k = [2, 0, 2, 0, 0], 4, 5, 6
    nodes, functions = len(arities), 2
    tape = ts.pipe_generation(Tape(), arities, population, cases, k, constants=[4] if not packed else (),
                              packed=packed, terminal_inputs=[0, 1, 0] if packed else None)
    per_program = 2 * nodes                                   # a free uniform and the bisection's instruction per node
    if packed:
        per_program += functions + 2
    else:
        per_program += 1 + functions * cases + cases + cases + (cases - 1) + (cases - 1)   # R, nodes, e, hits, sums
    update = (nodes - 1) + 1 + nodes + (nodes - 1) + 1 + nodes + 4 * nodes * k + 2 * nodes * (k - 1) + nodes * k
    assert tape.instructions + tape.free_writes == population * per_program + (population - 1) + update


def test_gp_generation_counts():
    arities, population, cases, tournament = [1, 0], 5, 64, 3
    tape = ts.gp_generation(Tape(), arities, population, cases, tournament=tournament, packed=True)
    per_offspring = 2 * (tournament - 1) + 2 + 1 + 2        # tournaments, node copies, NOT, XOR + popcount
    assert tape.instructions == population * per_offspring
    assert tape.price().total > 0


def test_levin_run_counts_the_counting_program():
    from shared.search import levin
    program = ts.levin_assemble("WriteWeight 0; Jump 0")
    assert program == (1, 0, 2, 0) and levin.disassemble(program) == "WriteWeight 0; Jump 0"
    tape = ts.levin_run(Tape(), program, 100, checks=[(5, 17, 86), (13, 55, 58), (40, 87, 94)])
    # 100 zero weights; 100 WriteWeights (budget check, step count, opcode, argument, operation, wp, ip: 7);
    # 100 taken Jumps (5, ip from the target, the loop check's hash over 4 cells, ip and wp: 5 + 1 + 5);
    # the 201st instruction, the impossible write (5); the test: 3 sums of 3 weights and 3 comparisons
    assert tape.instructions + tape.free_writes == 100 + 100 * 7 + 100 * 11 + 5 + 3 * (2 + 1)
    assert levin.run_program(program)[1].steps == 201


def test_levin_run_refuses_an_incomplete_program():
    with pytest.raises(ValueError):
        ts.levin_run(Tape(), (7, 1), 10)                  # Allocate 1, then the oracle would be asked


def test_guess_sequences_reads_the_steps_to_solve_and_the_mean_evaluation():
    part = {"seeds": {"per_seed": [{"solved": True, "sequences_run": 30, "trials": 10},
                                   {"solved": False, "sequences_run": 50, "trials": 40},
                                   {"solved": True, "sequences_run": 10, "trials": 10}]}}
    assert ts.guess_sequences(part) == (20.0, 90 / 60)
    assert ts.guess_sequences({}) == (None, 0.0)
