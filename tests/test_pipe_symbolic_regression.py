"""pipe-symbolic-regression: the task, the fitness, known-answer programs, a search that solves, the verdict rule."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.search import pipe

sr = load_module(ROOT / "pipe-symbolic-regression" / "pipe_symbolic_regression.py")
SCRIPT = "pipe-symbolic-regression/pipe_symbolic_regression.py"


def program(expression, out=None) -> pipe.Program:
    """A program from nested tuples ("+", "x", ("*", "x", 0.5)); floats are R's constants."""
    out = out or pipe.Program([], [], [])
    if isinstance(expression, float):
        out.nodes.append(-1), out.ops.append(sr.INSTRUCTIONS.names.index("R")), out.constants.append(expression)
        return out
    name, arguments = (expression, ()) if isinstance(expression, str) else (expression[0], expression[1:])
    out.nodes.append(-1), out.ops.append(sr.INSTRUCTIONS.names.index(name)), out.constants.append(math.nan)
    for argument in arguments:
        program(argument, out)
    return out


HORNER = ("*", "x", ("+", 1.0, ("*", "x", ("+", 1.0, ("*", "x", ("+", 1.0, "x"))))))   # x(1 + x(1 + x(1 + x)))
SUM_OF_POWERS = ("+", ("+", "x", ("*", "x", "x")), ("*", ("*", "x", "x"), ("+", "x", ("*", "x", "x"))))


def test_fitness_cases_are_twenty_random_points_per_seed():
    a, b = sr.fitness_cases(0), sr.fitness_cases(1)
    assert a.shape == (20,) and np.all(np.abs(a) <= 1) and not np.allclose(a, b)
    np.testing.assert_array_equal(a, sr.fitness_cases(0))
    assert len(np.unique(np.round(a, 6))) == 20                 # not a grid of repeated values


@pytest.mark.parametrize("expression", [HORNER, SUM_OF_POWERS])
def test_the_quartic_written_by_hand_is_solved(expression):
    x = sr.fitness_cases(3)
    p = program(expression)
    assert sr.make_fitness(x)(p) == 0.0
    d = sr.describe(p, x)
    assert d["hits"] == 20 and d["raw_fitness"] < 1e-12 and d["held_out_max_error"] < 1e-12


def test_a_near_miss_counts_hits_and_raw_fitness():
    x = sr.fitness_cases(3)
    near = program(("+", SUM_OF_POWERS, 0.02))                   # off by 0.02 everywhere: no hit
    assert sr.make_fitness(x)(near) == pytest.approx(0.4) and sr.describe(near, x)["hits"] == 0
    close = program(("+", SUM_OF_POWERS, 0.005))                 # off by 0.005: every case a hit, so solved
    assert sr.make_fitness(x)(close) == 0.0 and sr.describe(close, x)["raw_fitness"] == pytest.approx(0.1)


def test_protected_division_returns_one_at_zero():
    out = sr.protected_division(np.array([2.0, 3.0, 0.0]), np.array([4.0, 0.0, 0.0]))
    np.testing.assert_array_equal(out, [0.5, 1.0, 1.0])
    x = sr.fitness_cases(0)
    np.testing.assert_array_equal(sr.outputs(program(("%", "x", ("-", "x", "x"))), x), np.ones(20))
    np.testing.assert_allclose(sr.outputs(program(("%", "x", "x")), x), np.ones(20))


def test_an_overflowing_program_is_a_failure_not_an_error():
    x = sr.fitness_cases(0)
    big = ("%", "x", 1e-300)                                       # x * 1e300; squared: inf
    assert sr.make_fitness(x)(program(("*", big, big))) == math.inf
    assert sr.make_fitness(x)(program(("-", ("*", big, big), ("*", big, big)))) == math.inf    # inf - inf


def test_readings_are_the_two_secondary_ones():
    assert sr.HEADLINE_READING == "B"
    assert sr.READINGS["B"]["lr"] == 0.05 and sr.READINGS["B"]["mutation_rate"] == 0.6
    assert sr.READINGS["A"]["lr"] == 0.2 and sr.READINGS["A"]["terminal_probability"] == 0.6


def test_pipe_solves_an_easy_seed_and_the_runs_repeat():
    row = sr.run_pipe((100, 1), 5000, "B")                     # seed 1 solves after 2487 evaluations
    assert row["solved"] and row["hits"] == 20 and row["evaluations"] == 2487
    assert sr.run_pipe((100, 1), 5000, "B") == row


def test_gp_runs_on_the_same_cases_within_the_budget():
    row = sr.run_gp((50, 0), 500)
    assert row["evaluations"] <= 500 and 0 <= row["hits"] <= 20


def test_populations_flag():
    assert sr.populations_list("1000,100") == (100, 1000)
    for bad in ("0", "100,100", "a", "6000", ""):
        with pytest.raises(Exception):
            sr.populations_list(bad)


def test_quick_runs():
    done = run_script(SCRIPT, "--quick")
    assert done.returncode == 0 and "== verdict" in done.stdout


def test_odyssnet_quick_runs():
    done = run_script(SCRIPT, "--model", "odyssnet", "--quick")
    assert done.returncode == 0 and "OdyssNet core" in done.stdout


def test_bad_input_exits_2():
    assert run_script(SCRIPT, "--budget", "-3").returncode == 2
    assert run_script(SCRIPT, "--model", "odyssnet", "--budget", "100").returncode == 2
    assert run_script(SCRIPT, "--populations", "100", "--n-seeds", "3", "--record").returncode == 2


# ---------------------------------------------------------------------------------------- the verdict


def record(solved_small=(True,) * 20, solved_large=(True,) * 20, small=100, large=1000):
    rows = [{"population": small, "seed": s, "solved": v} for s, v in enumerate(solved_small)]
    rows += [{"population": large, "seed": s, "solved": v} for s, v in enumerate(solved_large)]
    return {"seeds": {"per_seed": rows, "summary": {}}}


def k_of(k, n=20):
    return (True,) * k + (False,) * (n - k)


def claims(v):
    return [c["holds"] for c in v["claims"]]


def test_verdict_yes_and_pending():
    v = sr.verdict(record())
    assert v["value"] == "yes" and all(claims(v)) and len(v["claims"]) == 3
    assert sr.verdict(record(solved_small=k_of(19, 19)))["value"] == "pending"
    assert sr.verdict(record(large=500))["value"] == "pending"
    assert sr.verdict(record(small=300))["value"] == "pending"
    assert sr.verdict({})["value"] == "pending"


def test_one_population_both_sides_of_the_threshold():
    # 18/20: p = P(X >= 18 | 0.6) = 0.0036 < 0.05/3 -> holds; 16/20: p = 0.051 > 0.05 (the largest of three
    # under Holm) -> fails; pooled 38/40 and 36/40 both hold (p < 1e-4)
    ok = sr.verdict(record(solved_large=k_of(18)))
    no = sr.verdict(record(solved_large=k_of(16)))
    assert claims(ok) == [True, True, True] and ok["value"] == "yes"
    assert claims(no) == [True, True, False] and no["value"] == "partial"


def test_pooled_both_sides():
    # pooled 30/40: p = P(X >= 30 | 0.6) = 0.035, the smallest of three (15/20: 0.126): 0.035 > 0.05/3 -> fails.
    # 16/20 + 17/20: pooled 33/40 (p 0.002) and 17/20 (0.016 < 0.025) hold, 16/20 (0.051 > 0.05) not.
    fails = sr.verdict(record(solved_small=k_of(15), solved_large=k_of(15)))
    assert claims(fails)[0] is False and fails["value"] == "no"
    holds = sr.verdict(record(solved_small=k_of(16), solved_large=k_of(17)))
    assert claims(holds)[0] is True and holds["value"] == "partial"


def test_verdict_reads_a_json_round_trip():
    r = record(solved_small=k_of(17))
    assert sr.verdict(json.loads(json.dumps(r))) == json.loads(json.dumps(sr.verdict(copy.deepcopy(r))))


def test_section_names():
    assert sr.section_name("pipe", "B", (100, 1000), 50000) is None
    assert sr.section_name("pipe", "A", (100, 1000), 50000) == "reading_a"
    assert sr.section_name("gp", "B", (100, 1000), 50000) == "gp"
    assert sr.section_name("pipe", "B", (100, 300, 1000), 200000) == "pipe_b_budget_200000"
    assert sr.section_name("gp", "B", (100, 300, 1000), 200000) == "gp_budget_200000"
    assert sr.section_name("pipe", "B", (20,), 600, quick=True) is None
