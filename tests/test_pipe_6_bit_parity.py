"""pipe-6-bit-parity: the task's fitness (known answers), the runs' records, the section names and the verdict
rule on synthetic records on both sides of every threshold."""

import math

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.search import pipe

m = load_module(ROOT / "pipe-6-bit-parity" / "pipe_6_bit_parity.py")


def build(task, expression, ppt=None, node=0, program=None):
    """A program from nested tuples ("IF", "x0", ("NOT", "x1"), "x1"), placed on a PPT's nodes."""
    ppt = ppt or pipe.PPT(task.instructions, 0.8)
    program = program or pipe.Program([], [], [])
    name, arguments = (expression, ()) if isinstance(expression, str) else (expression[0], expression[1:])
    program.nodes.append(node), program.ops.append(task.instructions.names.index(name))
    program.constants.append(math.nan)
    for slot, argument in enumerate(arguments):
        build(task, argument, ppt, ppt.child(node, slot), program)
    return program


def xor(a, b):
    return ("IF", a, ("NOT", b), b)


def even_parity_program(n):
    """NOT(x0 XOR x1 XOR ... ): a hand-written solution."""
    expression = "x0"
    for i in range(1, n):
        expression = xor(expression, f"x{i}")
    return ("NOT", expression)


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_the_hand_written_parity_program_has_no_wrong_case(n):
    task = m.parity_task(n)
    assert task.n_cases == 1 << n
    assert m.wrong_cases(task, build(task, even_parity_program(n))) == 0
    # its negation (odd parity) is wrong everywhere, a lone terminal on exactly half of the cases
    assert m.wrong_cases(task, build(task, even_parity_program(n)[1])) == 1 << n
    assert m.wrong_cases(task, build(task, "x0")) == 1 << (n - 1)


def test_target_is_even_parity_case_by_case():
    task = m.parity_task(6)
    for case in range(64):
        assert (task.target >> case) & 1 == (bin(case).count("1") % 2 == 0)


def test_pipe_solves_3_bit_parity_and_its_row_is_complete():
    row = m.pipe_seed((1, 3, "B", 20000, None, False))
    assert row["solved"] and row["wrong_cases"] == 0 and row["evaluations"] <= 20000
    task = m.parity_task(3)
    assert int(row["elite_outputs"], 16) == task.target
    assert row["curve"][-1][1] == 0 and all(a[1] > b[1] for a, b in zip(row["curve"], row["curve"][1:]))
    again = m.pipe_seed((1, 3, "B", 20000, None, False))
    assert {k: v for k, v in again.items() if k != "wallclock_s"} == {k: v for k, v in row.items() if k != "wallclock_s"}


def test_a_budget_stops_an_unsolved_run():
    row = m.pipe_seed((0, 6, "A", 300, None, False))
    assert not row["solved"] and row["evaluations"] == 300 and row["wrong_cases"] > 0


def test_gp_row_counts_evaluations():
    row = m.gp_seed((0, 3, 40000, 200, False))
    assert row["solved"] and row["evaluations"] <= 40000 and row["wrong_cases"] == 0


def test_odyssnet_cases_are_plus_minus_one_and_even_parity():
    x, y = m.odyssnet_cases(4)
    assert x.shape == (16, 4) and set(np.unique(x)) == {-1.0, 1.0}
    assert all((y[c, 0] > 0) == (bin(c).count("1") % 2 == 0) for c in range(16))


def test_section_names():
    assert m.section_name("pipe", m.HEADLINE_READING, 6) is None
    other = next(r for r in m.READINGS if r != m.HEADLINE_READING)
    assert m.section_name("pipe", other, 6) == f"reading_{other.lower()}"
    assert m.section_name("pipe", m.HEADLINE_READING, 4) == "bits4"
    assert m.section_name("gp", m.HEADLINE_READING, 6) == "gp"
    assert m.section_name("odyssnet", m.HEADLINE_READING, 6) == "odyssnet"
    assert m.section_name("pipe", m.HEADLINE_READING, 6, m.READINGS[m.HEADLINE_READING]["population"]) is None
    assert m.section_name("pipe", m.HEADLINE_READING, 6, 1000) == "pop1000"
    assert m.section_name("gp", m.HEADLINE_READING, 6, m.GP_POPULATION) == "gp"
    assert m.section_name("pipe", m.HEADLINE_READING, 6, None, m.HEADLINE_BUDGET) is None
    assert m.section_name("pipe", m.HEADLINE_READING, 6, None, m.PAPER_BUDGET) == "paper_scale"
    assert m.section_name("pipe", other, 6, None, m.PAPER_BUDGET) == f"reading_{other.lower()}_paper_scale"
    assert m.section_name("pipe", m.HEADLINE_READING, 6, None, 500_000) == "budget500000"
    assert m.section_name("gp", m.HEADLINE_READING, 6, None, m.GP_BUDGET) == "gp"


# ---------------------------------------------------------------------------------------
# The verdict rule
# ---------------------------------------------------------------------------------------


def record(solved, evaluations, n_bits=6, budget=2_000_000):
    rows = [{"seed": k, "solved": s, "evaluations": e if s else budget} for k, (s, e) in enumerate(zip(solved, evaluations))]
    part = {"headline": {"n_bits": n_bits, "budget": budget}, "seeds": {"per_seed": rows, "summary": {}}}
    return {"paper_scale": part}


SPREAD = [3e5, 4e5, 5e5, 6e5, 4.5e5, 3.5e5, 5.5e5, 4e5, 5e5, 4.2e5]


def test_verdict_pending_without_the_paper_scale_section():
    assert m.verdict({})["value"] == "pending"
    part = record([True] * 10, SPREAD)["paper_scale"]
    assert m.verdict(part)["value"] == "pending"     # the same runs as the (scaled) headline: not read
    assert m.verdict(record([True] * 9, SPREAD[:9]))["value"] == "pending"                 # 9 seeds
    assert m.verdict(record([True] * 10, SPREAD, n_bits=5))["value"] == "pending"          # not 6 bits
    assert m.verdict(record([True] * 10, SPREAD, budget=2_000_001))["value"] == "pending"  # above the budget


def test_verdict_yes_when_runs_solve_in_the_papers_range():
    v = m.verdict(record([True] * 10, SPREAD))
    assert v["value"] == "yes", v["reason"]


def test_solve_rate_threshold_both_sides():
    # 10 seeds: 9 solved clears "more than half" at 5% (P(X >= 9 | 0.5) = 0.011), 8 do not (0.055)
    nine = m.verdict(record([True] * 9 + [False], SPREAD))
    assert nine["claims"][0]["holds"] and nine["value"] == "yes"
    eight = m.verdict(record([True] * 8 + [False] * 2, SPREAD))
    assert not eight["claims"][0]["holds"] and eight["value"] == "no"


def test_evaluations_range_both_sides():
    # all at ~2.5e6 (above the widened range 1e5 .. 2e6): the claim fails, the verdict is partial
    high = m.verdict(record([True] * 10, [2.5e6 * (1 + 0.01 * k) for k in range(10)], budget=2_000_000))
    assert high["claims"][0]["holds"] and not high["claims"][1]["holds"] and high["value"] == "partial"
    # all at ~5e4 (below 1e5): fails too
    low = m.verdict(record([True] * 10, [5e4 * (1 + 0.01 * k) for k in range(10)]))
    assert not low["claims"][1]["holds"] and low["value"] == "partial"
    # just inside both ends, tightly spread: holds
    for centre in (1.3e5, 1.5e6):
        inside = m.verdict(record([True] * 10, [centre * (1 + 0.01 * (k - 5)) for k in range(10)]))
        assert inside["claims"][1]["holds"], centre
    # one solved run only: no mean, the claim fails; none solved: no
    one = m.verdict(record([True] + [False] * 9, SPREAD))
    assert not one["claims"][1]["holds"] and one["value"] == "no"
