"""shared.search.pipe (the prototype tree, its learning rules, the evaluators) and shared.search.gp (the GP baseline)."""

import math

import numpy as np
import pytest

from shared.search import pipe

BOOLEAN = pipe.instruction_set({"AND": 2, "OR": 2, "NOT": 1, "IF": 3}, ["x0", "x1", "x2"])
ARITHMETIC = pipe.instruction_set({"+": 2, "-": 2, "*": 2}, ["x", "R"])


def build(ppt: pipe.PPT, expression, node: int = 0, program=None) -> pipe.Program:
    """A program from nested tuples ("IF", "x0", ("NOT", "x1"), "x2"), placed on the PPT's nodes."""
    program = program or pipe.Program([], [], [])
    name, arguments = (expression, ()) if isinstance(expression, (str, float)) else (expression[0], expression[1:])
    if isinstance(name, float):
        program.nodes.append(node), program.ops.append(ppt.instructions.names.index("R"))
        program.constants.append(name)
        return program
    program.nodes.append(node), program.ops.append(ppt.instructions.names.index(name))
    program.constants.append(math.nan)
    for slot, argument in enumerate(arguments):
        build(ppt, argument, ppt.child(node, slot), program)
    return program


def test_instruction_set_orders_functions_first_and_refuses_bad_sets():
    assert BOOLEAN.names[:4] == ("AND", "OR", "NOT", "IF") and BOOLEAN.arities == (2, 2, 1, 3, 0, 0, 0)
    assert BOOLEAN.n_functions == 4 and BOOLEAN.max_arity == 3
    with pytest.raises(ValueError, match="at least one"):
        pipe.instruction_set({}, ["x"])
    with pytest.raises(ValueError, match="distinct"):
        pipe.instruction_set({"x": 1}, ["x"])
    with pytest.raises(ValueError, match="arity of f"):
        pipe.instruction_set({"f": 0}, ["x"])


def test_initial_vector_spreads_terminal_probability_over_terminals():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    np.testing.assert_allclose(ppt.probs[0], [0.1] * 4 + [0.2] * 3)
    with pytest.raises(ValueError, match="terminal_probability"):
        pipe.PPT(BOOLEAN, terminal_probability=1.0)


def test_sampled_programs_are_well_formed_and_root_frequencies_follow_the_vector():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6, max_depth=6)
    rng = np.random.default_rng(0)
    roots = np.zeros(BOOLEAN.size)
    for _ in range(4000):
        program = ppt.sample(rng)
        needed = 1                                   # prefix order: every function opens its arguments
        for op in program.ops:
            assert needed > 0
            needed += BOOLEAN.arities[op] - 1
        assert needed == 0 and program.depth(BOOLEAN) <= 6
        roots[program.ops[0]] += 1
    expected = ppt.probs[0] * 4000
    assert np.all(np.abs(roots - expected) < 5 * np.sqrt(expected))


def test_max_depth_forces_terminals():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.01, max_depth=2)
    rng = np.random.default_rng(1)
    assert all(ppt.sample(rng).depth(BOOLEAN) <= 2 for _ in range(200))


def test_probability_is_the_product_over_nodes():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    program = build(ppt, ("IF", "x0", ("NOT", "x1"), "x2"))
    assert ppt.probability(program) == pytest.approx(0.1 * 0.2 * 0.1 * 0.2 * 0.2)
    assert program.size == 5 and program.depth(BOOLEAN) == 3
    assert program.text(BOOLEAN) == "IF(x0, NOT(x1), x2)"


def test_adapt_reaches_the_target_with_the_fewest_repetitions():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    program = build(ppt, ("AND", "x0", ("OR", "x1", "x2")))
    program.fitness, lr, epsilon = 3.0, 0.2, 1.0
    before = ppt.probability(program)
    elite_fitness = 1.0
    target = before + (1 - before) * lr * (epsilon + elite_fitness) / (epsilon + program.fitness)
    chosen = ppt.probs[program.nodes, program.ops].copy()
    repetitions = ppt.adapt(program, elite_fitness, lr, epsilon)
    assert ppt.probability(program) >= target
    one_fewer = chosen.copy()
    for _ in range(repetitions - 1):
        one_fewer = one_fewer + pipe.C_LR * lr * (1 - one_fewer)
    assert np.prod(one_fewer) < target
    np.testing.assert_allclose(ppt.probs[:ppt.n_nodes].sum(axis=1), 1.0)
    # the other instructions of an adapted node keep their ratios
    row = ppt.probs[program.nodes[0]]
    assert row[1] / row[2] == pytest.approx(1.0) and row[4] / row[5] == pytest.approx(1.0)


def test_adapt_learns_nothing_from_a_failed_program_unless_all_failed():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    program = build(ppt, "x0")
    program.fitness = math.inf
    assert ppt.adapt(program, 2.0, 0.2, 1.0) == 0
    assert ppt.adapt(program, math.inf, 0.2, 1.0) > 0


def test_mutation_raises_components_and_renormalises():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    program = build(ppt, ("NOT", "x0"))
    before = ppt.probs[program.nodes].copy()
    raised = ppt.mutate(program, np.random.default_rng(0), mutation_probability=1e9, mutation_rate=0.5)
    assert raised == 2 * BOOLEAN.size                # every component hit
    expected = before + 0.5 * (1 - before)
    np.testing.assert_allclose(ppt.probs[program.nodes], expected / expected.sum(axis=1, keepdims=True))
    assert ppt.mutate(program, np.random.default_rng(0), mutation_probability=0.0, mutation_rate=0.5) == 0


def test_prune_cuts_slots_a_dominant_instruction_cannot_use():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    build(ppt, ("IF", "x0", "x1", "x2"))
    ppt.probs[0] = 0.0
    ppt.probs[0, BOOLEAN.names.index("NOT")] = 1.0
    assert ppt.prune(0.999, [0]) == 2                  # NOT keeps one argument
    assert list(ppt.children[0]) == [1, -1, -1]
    assert ppt.reachable() == 2


def test_evaluate_arithmetic_on_all_cases_with_constants():
    x = np.linspace(-1, 1, 5)
    operations = {"+": np.add, "-": np.subtract, "*": np.multiply}
    ppt = pipe.PPT(ARITHMETIC, terminal_probability=0.5)
    program = build(ppt, ("-", ("*", "x", ("+", "x", 0.5)), "x"))
    np.testing.assert_allclose(pipe.evaluate(program, ARITHMETIC, operations, {"x": x}), x * (x + 0.5) - x)
    assert program.text(ARITHMETIC) == "-(*(x, +(x, 0.5)), x)"


def test_truth_table_and_boolean_operations_run_all_inputs_at_once():
    masks, all_cases = pipe.truth_table(3)
    assert all_cases == 0xFF and masks["x0"] == 0b10101010 and masks["x2"] == 0b11110000
    operations = pipe.boolean_operations(all_cases)
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    # XOR(x0, x1) from IF and NOT, then even parity of three bits: NOT XOR(XOR(x0, x1), x2)
    xor01 = ("IF", "x0", ("NOT", "x1"), "x1")
    even = build(ppt, ("NOT", ("IF", xor01, ("NOT", "x2"), "x2")))
    got = pipe.evaluate(even, BOOLEAN, operations, masks)
    for case in range(8):
        bits = [(case >> i) & 1 for i in range(3)]
        assert (got >> case) & 1 == (sum(bits) % 2 == 0)
    with pytest.raises(ValueError, match="n_bits"):
        pipe.truth_table(17)


def even_parity_fitness(n_bits):
    masks, all_cases = pipe.truth_table(n_bits)
    operations = pipe.boolean_operations(all_cases)
    odd = 0
    for i in range(n_bits):
        odd ^= masks[f"x{i}"]
    return lambda program: ((pipe.evaluate(program, BOOLEAN, operations, masks) ^ (all_cases & ~odd))
                            & all_cases).bit_count()


def run_pipe(seed, max_evaluations=20_000, **kw):
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.8, max_depth=10)
    return pipe.pipe(ppt, even_parity_fitness(3), np.random.default_rng(seed), population=50,
                     max_evaluations=max_evaluations, lr=0.2, epsilon=1e-6, elitist_probability=0.2,
                     mutation_probability=0.4, mutation_rate=0.4, prune_threshold=0.999, **kw)


def test_pipe_solves_3_bit_even_parity_and_is_reproducible():
    seen = []
    run = run_pipe(3, on_iteration=lambda step, ppt, elite: seen.append(step.kind))
    assert run.solved and run.elite.fitness == 0 and run.evaluations <= 20_000
    assert even_parity_fitness(3)(run.elite) == 0
    assert len(seen) == len(run.history) and set(seen) <= {"population", "elitist"}
    elite_curve = [step.elite_fitness for step in run.history]
    assert all(a >= b for a, b in zip(elite_curve, elite_curve[1:]))     # the elite never gets worse
    again = run_pipe(3)
    assert again.evaluations == run.evaluations and again.elite.ops == run.elite.ops


def test_pipe_counts_evaluations_up_to_the_budget():
    run = run_pipe(0, max_evaluations=120)            # seed 0 does not solve it this early
    assert not run.solved and run.evaluations == 120
    assert sum(step.kind == "population" for step in run.history) == 3   # 50 + 50 + 20


# ---------------------------------------------------------------------------------------
# shared.search.gp: the genetic-programming baseline on the same programs
# ---------------------------------------------------------------------------------------

from shared.search import gp  # noqa: E402


def test_random_programs_full_and_grow():
    rng = np.random.default_rng(0)
    for depth in (1, 2, 4):
        assert gp.random_program(BOOLEAN, rng, depth, full=True).depth(BOOLEAN) == depth
        assert gp.random_program(BOOLEAN, rng, depth, full=False).depth(BOOLEAN) <= depth


def test_subtree_end_and_crossover_keep_programs_well_formed():
    ppt = pipe.PPT(BOOLEAN, terminal_probability=0.6)
    program = build(ppt, ("IF", ("AND", "x0", "x1"), ("NOT", "x2"), "x0"))
    assert gp.subtree_end(program, 0, BOOLEAN) == 7
    assert gp.subtree_end(program, 1, BOOLEAN) == 4 and gp.subtree_end(program, 4, BOOLEAN) == 6
    rng = np.random.default_rng(1)
    for _ in range(300):
        a = gp.random_program(BOOLEAN, rng, 4, full=False)
        b = gp.random_program(BOOLEAN, rng, 4, full=True)
        child = gp.crossover(a, b, rng, BOOLEAN, max_depth=6)
        assert gp.subtree_end(child, 0, BOOLEAN) == child.size and child.depth(BOOLEAN) <= 6


def test_gp_solves_3_bit_even_parity_and_counts_every_program():
    fitness = even_parity_fitness(3)
    run = gp.gp(BOOLEAN, fitness, np.random.default_rng(0), population=200, max_evaluations=40_000)
    assert run.solved and fitness(run.elite) == 0
    assert all(step.evaluations % 200 == 0 for step in run.history[:-1])
    short = gp.gp(BOOLEAN, fitness, np.random.default_rng(0), population=200, max_evaluations=300)
    assert short.evaluations == 300 or short.solved
