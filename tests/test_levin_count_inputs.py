"""levin-count-inputs: the machine, Levin's schedule, the search's known answer, the gradient."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

lv = load_module(ROOT / "levin-count-inputs" / "levin_count_inputs.py")


def test_instruction_set_satisfies_krafts_equality():
    """Each instruction is chosen with probability 2^-bits; the choices must sum to exactly 1."""
    assert sum(2.0 ** -c for c in lv.INSTRUCTION_COST) == 1.0
    assert len(set(lv.INSTRUCTIONS)) == len(lv.INSTRUCTIONS)


def test_counting_loop_writes_all_ones_in_200_steps():
    status, weights, steps = lv.run_program(lv.assemble("INC 0; WRITE 0; JMP 1"))
    assert status == lv.HALTED and steps == 200
    assert weights.tolist() == [1] * 100
    assert lv.program_bits(lv.assemble("INC 0; WRITE 0; JMP 1")) == 15


def test_machine_semantics():
    status, weights, _ = lv.run_program(lv.assemble("INC 0; WRITE 0; JMP 0"), width=5)
    assert status == lv.HALTED and weights.tolist() == [1, 2, 3, 4, 5]
    status, weights, steps = lv.run_program(lv.assemble("INC 1; INC 1; MOV 0 1; ADD 0 1; WRITE 0; STOP"), width=3)
    assert status == lv.HALTED and weights.tolist() == [4, 0, 0] and steps == 6
    # JLEQ: with c1 = 1, write c0 and increment it while c0 <= c1: writes 0 and 1, then stops
    status, weights, _ = lv.run_program(lv.assemble("INC 1; WRITE 0; INC 0; JLEQ 0 1 1; STOP"), width=6)
    assert status == lv.HALTED and weights.tolist() == [0, 1, 0, 0, 0, 0]
    assert lv.run_program(lv.assemble("INC 0; JMP 0"))[0] == lv.ERROR           # leaves the cell range
    assert lv.run_program(lv.assemble("JMP 3"))[0] == lv.ERROR                  # jumps past the unread tape
    assert lv.run_program(lv.assemble("INC 0; DEC 0; JMP 0"))[0] == lv.LOOPS    # state repeats, no write
    assert lv.run_program(lv.assemble("WRITE 0; JMP 0"), budget=7)[0] == lv.TIMEOUT


def test_levin_phase_of_a_program_is_ceil_of_length_plus_log_time():
    program = lv.assemble("INC 0; WRITE 0; JMP 1")     # 15 bits, 200 steps: 15 + log2(200) = 22.64
    assert lv.levin_phase_of(program, 100) == 23


def brute_force_phase(phase: int, width: int):
    """Levin's phase by the definition: every complete program with len <= phase, run alone from scratch."""
    programs, charged = 0, 0

    def extend(prefix, bits):
        nonlocal programs, charged
        budget = 1 << (phase - bits)
        status, _, steps = lv.run_program(tuple(prefix), width, budget)
        if status != lv.NEEDS_MORE:
            programs += 1
            charged += budget if status in (lv.LOOPS, lv.TIMEOUT) else steps
            return
        for ins, cost in zip(lv.INSTRUCTIONS, lv.INSTRUCTION_COST):
            if cost <= phase - bits and steps + 1 <= 1 << (phase - bits - cost):
                extend(prefix + [ins], bits + cost)

    extend([], 0)
    return programs, charged


@pytest.mark.parametrize("phase", [9, 12, 14])
def test_shared_prefix_enumeration_matches_running_each_program_alone(phase):
    x = np.ones((1, 4), dtype=np.int64)
    search = lv.levin_search([x], [np.array([-7])], phase, width=4, progress=False)   # never fits: full phases
    before = search.phase_log[-2] if len(search.phase_log) > 1 else (0, 0, 0)
    programs, charged = brute_force_phase(phase, 4)
    assert (search.phase_log[-1][1] - before[1], search.phase_log[-1][2] - before[2]) == (programs, charged)


def test_search_finds_the_counting_net_and_it_generalizes():
    x_train, y_train, x_test, y_test = lv.make_task(3, width=12)
    search = lv.levin_search([x_train], [y_train], 22, width=12, progress=False)
    found = search.finds[0]
    assert lv.disassemble(found.program) == "INC 0; WRITE 0; JMP 1"
    assert found.phase == lv.levin_phase_of(found.program, 12)
    assert lv.accuracy(found.weights, x_test, y_test) == 1.0


def test_search_respects_the_order_len_plus_log_time():
    """With the zero target, STOP (3 bits, 1 step) must come first, in phase 3."""
    x_train, _, _, _ = lv.make_task(0, width=10)
    found = lv.levin_search([x_train], [np.zeros(3, dtype=np.int64)], 10, width=10, progress=False).finds[0]
    assert lv.disassemble(found.program) == "STOP" and found.phase == 3 and found.programs == 1


def test_training_sets_extend_the_levin_examples():
    x_all, y_all, x_test, _ = lv.training_sets(5, (3, 30), 100)
    x3, y3, x_test2, _ = lv.make_task(5)
    assert np.array_equal(x_all[:3], x3) and np.array_equal(y_all[:3], y3) and np.array_equal(x_test, x_test2)
    assert x_all.shape == (30, 100) and set(np.unique(x_all)) <= {0, 1}


def test_gradient_descent_finds_the_minimum_norm_fit():
    x_all, y_all, _, _ = lv.training_sets(0, (3,), 100)
    w = lv.fit_linear_unit(x_all[:3], y_all[:3])
    np.testing.assert_allclose(w, np.linalg.pinv(x_all[:3].astype(float)) @ y_all[:3], atol=1e-8)


def test_linear_gradient_is_checked_and_a_wrong_one_is_caught():
    assert lv.gradcheck(0) < 1e-6
    rng = np.random.default_rng(1)
    x, y = rng.random((4, 6)), rng.random(4)
    params = {"w": rng.normal(size=6)}
    _, grad = lv.linear_loss(params["w"], x, y)
    grad = grad.copy()
    grad[2] *= 1.01
    errors = lv.check_gradients(lambda: lv.linear_loss(params["w"], x, y)[0], params, {"w": grad})
    assert max(errors.values()) > 1e-6


def test_invalid_widths_are_refused():
    with pytest.raises(SystemExit) as info:
        lv.parse_args(["--width", "1"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        lv.parse_args(["--model", "odyssnet", "--width", "200"])
    assert info.value.code == 2
