"""shared.search.levin: the weight-writing machine (Schmidhuber 1995/1997, Sec. 3; Sec. 4.5 and Table 5), its
guess probabilities, Levin's systematic search (the shared-prefix enumeration against running every
program alone) and the probabilistic search of the paper's runs."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from shared.search import levin

PAPER_TRAIN = ((5, 17, 86), (13, 55, 58), (40, 87, 94))     # the paper's 3 training inputs (bits on)


def counts(target: int):
    """The task of levin-count-inputs: y = w . x equals ``target`` on the paper's 3 inputs."""
    return lambda w: all(w[a] + w[b] + w[c] == target for a, b, c in PAPER_TRAIN)


# ---------------------------------------------------------------------------------------- the machine


def test_table5_program_of_section_4_5_runs_as_the_paper_reports():
    """Sec. 4.5, Table 5: 'Allocate 1; Increment -1; WriteWeight(-1, -1); Jump 0' ran 399 steps, wrote w_i = i
    and left 100 work cells, 0 ... 0 100."""
    status, m = levin.run_program(levin.TABLE5_PROGRAM, writes2=True)
    assert status == levin.IMPOSSIBLE and m.steps == 399
    assert m.w == list(range(100))
    assert m.work[::-1] == [0] * 99 + [100]          # addresses -100 .. -1


def test_the_counting_program():
    program = (1, 0, 2, 0)                           # WriteWeight 0 (contents: 1, the opcode); Jump 0
    status, m = levin.run_program(program)
    assert status == levin.IMPOSSIBLE and m.steps == 201 and m.w == [1] * 100
    assert levin.program_denominator(program) == 13 * 1 * 13 * 3
    assert levin.levin_phase_of(program) == 17
    assert levin.disassemble(program) == "WriteWeight 0; Jump 0"


def run(program, **kw):
    return levin.run_program(program, **kw)


def test_machine_semantics():
    # Allocate 2; Increment -1; Increment -1; Add -1 -1 -2 (s[-2] = 4); WriteWeight -2; Stop
    status, m = run((7, 2, 8, -1, 8, -1, 4, -1, -1, -2, 1, -2, 3))
    assert status == levin.HALTED and m.w[:2] == [4, 0] and m.work == [2, 4] and m.steps == 6
    # Subtract a b c: s[c] = s[b] - s[a]; Multiply; Move; Decrement
    status, m = run((7, 3, 8, -1, 8, -1, 8, -2, 10, -2, -1, -3, 11, -1, -1, -2, 6, -3, -1, 9, -1, 3))
    assert status == levin.HALTED and m.work == [0, 4, 1]
    # Jumpleq taken (0 <= 0) skips a WriteWeight; Free
    status, m = run((7, 1, 0, -1, -1, 8, 1, 0, 12, 1, 3))
    assert status == levin.HALTED and m.w[0] == 0 and m.work == [] and m.steps == 4
    # GetInput 1 -1: input component s[1] = 1; the weights are written before any input is shown, so it reads 0
    status, m = run((7, 1, 8, -1, 5, 1, -1, 1, -1, 3))
    assert status == levin.HALTED and m.work == [0] and m.w[0] == 0
    assert run((7, 1, 5, -1, -1, 3))[1].work == [0] and run((7, 1, 9, -1, 5, -1, -1, 3))[0] == levin.IMPOSSIBLE
    # ReadWeight in the Sec. 4.5 set: s[a] <- w[s[b]]
    status, m = run((7, 2, 8, -1, 1, -1, -2, 5, -2, -2, 3), writes2=True)
    assert status == levin.HALTED and m.w[0] == 1 and m.work == [1, 1]


def test_impossible_instructions_halt_the_program():
    assert run((8, -1))[0] == levin.IMPOSSIBLE                       # no work cell -1
    assert run((12, 1))[0] == levin.IMPOSSIBLE                       # Free more than allocated
    status, m = run((7, 1, 8, -1, 8, -1, 4, -1, -1, -1, 2, 6))  # doubles s[-1] until it passes 10000
    assert status == levin.IMPOSSIBLE and m.work[0] == 8192
    status, m = run((1, 0, 1, 0) * 50 + (1, 0))                   # a 101st weight
    assert status == levin.IMPOSSIBLE and m.steps == 101 and m.w == [1] * 100
    assert run((42,))[0] == levin.IMPOSSIBLE                         # not an instruction
    assert run((2, 5, 3))[0] == levin.IMPOSSIBLE                     # a jump beyond the tape read so far


def test_loops_and_time_limits():
    assert run((2, 0))[0] == levin.LOOPS                             # Jump 0 forever
    assert run((8, 0, 2, 0))[0] == levin.LOOPS                       # cell 0 flips 8 <-> 9, the state repeats
    assert run((1, 0, 2, 0), budget=150)[0] == levin.TIMEOUT
    assert run((7, 1))[0] == levin.NEEDS_MORE


def test_guess_probabilities_sum_to_one():
    """At an oracle request every legal instruction is guessed with probability 1/D, and they sum to 1."""
    from fractions import Fraction
    for cells, at in [(0, 0), (0, 4), (3, 2), (5, 9)]:
        total = Fraction(0)
        for op in range(13):
            values = levin.legal_arguments(op, cells, at)
            count = int(np.prod([len(v) for v in values])) if values else 1
            total += Fraction(count, levin.instruction_denominator(op, cells, at))
        assert total == 1


# ---------------------------------------------------------------------------------------- the searches


def brute_force_phase(phase: int):
    """Levin's phase by the definition: every complete program with 2^phase P(p) >= 1, run alone from scratch."""
    programs, charged = 0, 0

    def extend(prefix, d):
        nonlocal programs, charged
        budget = (1 << phase) // d
        status, m = levin.run_program(tuple(prefix), budget)
        if status != levin.NEEDS_MORE:
            programs += 1
            charged += budget if status in (levin.LOOPS, levin.TIMEOUT) else m.steps
            return
        at, cells = len(m.prog), len(m.work)
        for op in range(13):
            values = levin.legal_arguments(op, cells, at)
            child = d * levin.instruction_denominator(op, cells, at)
            if (1 << phase) // child < m.steps + 1:
                continue
            for args in product(*values):
                extend(prefix + [op, *args], child)

    extend([], 1)
    return programs, charged


@pytest.mark.parametrize("phase", [8, 11, 13])
def test_shared_prefix_enumeration_matches_running_each_program_alone(phase):
    search = levin.levin_search([lambda w: False], phase, progress=False)        # nothing fits: every program runs
    before = search.phase_log[-2]
    assert (search.phase_log[-1][1] - before[1], search.phase_log[-1][2] - before[2]) == brute_force_phase(phase)


def test_systematic_search_finds_the_counting_program_in_its_phase():
    search = levin.levin_search([counts(3)], 20, progress=False)
    found = search.finds[0]
    assert levin.disassemble(found.program) == "WriteWeight 0; Jump 0"
    assert found.phase == levin.levin_phase_of(found.program) == 17 and found.steps == 201
    assert found.weights == (1,) * 100


def test_systematic_search_puts_stop_first_for_the_zero_net():
    found = levin.levin_search([counts(0)], 10, progress=False).finds[0]
    # phase 4 runs 'Jump 0' (a loop, charged its 1 step) and then 'Stop' (1 step); nothing else gets a step
    assert levin.disassemble(found.program) == "Stop" and found.phase == 4
    assert (found.programs, found.charged_steps) == (2, 2)


def test_tie_breaking_changes_the_order_not_the_find():
    a = levin.levin_search([counts(3)], 20, order=levin.tie_break_order(1), progress=False).finds[0]
    b = levin.levin_search([counts(3)], 20, order=levin.tie_break_order(2), progress=False).finds[0]
    assert a.phase == b.phase == 17 and levin.tie_break_order(1) != levin.tie_break_order(2)


def test_probabilistic_search_is_reproducible_and_its_probabilities_are_the_programs():
    a, charged_a = levin.probabilistic_search(3, 3000, counts(3))
    b, charged_b = levin.probabilistic_search(3, 3000, counts(3))
    assert [(r.run, r.program) for r in a] == [(r.run, r.program) for r in b] and charged_a == charged_b
    assert a, "some run fits"
    for r in a:
        assert r.denominator == levin.program_denominator(r.program)
        status, m = levin.run_program(r.program)
        assert status in levin.HALTS and m.steps == r.steps <= r.limit and tuple(m.w) == r.weights


def test_time_limits_have_probability_32_over_t():
    stream = levin.uniforms(np.random.default_rng(0))
    limits = np.array([levin.draw_limit(stream) for _ in range(40000)])
    for j in (1, 2, 3):
        assert abs(np.mean(limits == 2 ** (5 + j)) - 2.0 ** -j) < 0.01
    assert limits.min() == 64 and limits.max() <= 2 ** 15


def test_the_number_of_weights_is_the_machines():
    """A net of 5 weights: the counting program writes 5 and halts at the sixth write (11 steps)."""
    status, m = levin.run_program((1, 0, 2, 0), n_weights=5)
    assert status == levin.IMPOSSIBLE and m.w == [1] * 5 and m.steps == 11
    assert levin.levin_phase_of((1, 0, 2, 0), n_weights=5) < levin.levin_phase_of((1, 0, 2, 0))
    found = levin.levin_search([lambda w: w == [1] * 5], 16, n_weights=5, progress=False).finds[0]
    assert levin.disassemble(found.program) == "WriteWeight 0; Jump 0" and found.weights == (1,) * 5
    runs, _ = levin.probabilistic_search(0, 500, lambda w: len(w) == 5, n_weights=5)
    assert runs and all(len(r.weights) == 5 for r in runs)


def test_a_program_that_does_not_halt_has_no_phase():
    with pytest.raises(ValueError, match="does not halt"):
        levin.levin_phase_of((2, 0))


def test_writes2_search_replays_its_own_denominators():
    runs, _ = levin.probabilistic_search(1, 4000, lambda w: True, writes2=True)
    assert runs
    for r in runs[:50]:
        assert r.denominator == levin.program_denominator(r.program, writes2=True)


def test_linear_unit_gradient_and_minimum_norm_fit():
    from shared.frame.gradcheck import check_gradients
    rng = np.random.default_rng(0)
    x, y = (rng.random((5, 12)) < 0.3).astype(float), rng.normal(size=5) * 3
    params = {"w": rng.normal(size=12)}
    _, grad = levin.linear_loss(params["w"], x, y)
    assert max(check_gradients(lambda: levin.linear_loss(params["w"], x, y)[0], params, {"w": grad}).values()) < 1e-6
    x = levin.dense([(5, 17, 86), (13, 55, 58), (40, 87, 94)])
    assert x.shape == (3, 100) and x.sum() == 9 and x[0, 86] == 1
    np.testing.assert_allclose(levin.fit_linear_unit(x, np.full(3, 3.0)), np.linalg.pinv(x) @ np.full(3, 3.0), atol=1e-9)
