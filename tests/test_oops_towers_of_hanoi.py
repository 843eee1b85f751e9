"""oops-towers-of-hanoi: the language, Try and Method 3.1 (also on a toy language), the checks, the verdict."""

from __future__ import annotations

import copy

import pytest

from conftest import ROOT, load_module

oh = load_module(ROOT / "oops-towers-of-hanoi" / "oops_towers_of_hanoi.py")

HANOI = [oh.DEFNP, oh.XAD, oh.CALLTP, oh.XAD, oh.MVDSK, oh.XSA, oh.CALLTP, oh.ENDNP, oh.CALLTP]


# ---------------------------------------------------------------- the language


@pytest.mark.parametrize("n", [1, 2, 3, 6, 10])
def test_the_recursive_program_solves_hanoi_optimally(n):
    solved, moves, _ = oh.simulate(HANOI, n)
    assert solved and moves == 2 ** n - 1


def test_illegal_moves_halt_and_the_goal_is_checked_after_every_instruction():
    tape = oh.Tape(2, 0)
    assert oh.run(tape, [oh.MVDSK, oh.MVDSK], [], 100)[0] == oh.HALTED      # disk 2 onto disk 1
    tape = oh.Tape(1, 0)
    assert oh.run(tape, [oh.MVDSK, oh.XSA, oh.XSA], [], 100) == (oh.SOLVED, 1)
    tape = oh.Tape(3, 0)
    assert oh.run(tape, [oh.XSA], [], 100) == (oh.NEEDS_TOKEN, 1)           # the program asks for a token
    assert oh.run(oh.Tape(3, 0), [oh.CALLTP], [], 100)[0] == oh.HALTED      # no procedure to call


def test_nothing_recursive_is_built_in():
    """A procedure runs only if the program defines it, and recurses only where its body calls it."""
    flat = [oh.DEFNP, oh.MVDSK, oh.ENDNP, oh.CALLTP]                  # one move, no recursion
    assert oh.simulate(flat, 1)[0] and not oh.simulate(flat, 2)[0]
    wrong = [oh.DEFNP, oh.CALLTP, oh.MVDSK, oh.CALLTP, oh.ENDNP, oh.CALLTP]   # recursion without peg swaps
    assert not oh.simulate(wrong, 2)[0]


def test_legal_tokens():
    t = oh.Tape(2, 0)
    assert oh.legal_tokens(t, 0, range(6)) == [oh.MVDSK, oh.XSA, oh.XAD, oh.DEFNP]
    t.defining = 1
    assert oh.legal_tokens(t, 1, range(7)) == [oh.MVDSK, oh.XSA, oh.XAD, oh.ENDNP, oh.CALLTP, 6]


def test_frozen_programs_run_as_subroutines():
    code = [oh.MVDSK, 6]                    # frozen program 1 = [mvdsk] at 0..1, then the new code calls it
    tape = oh.Tape(2, 1)
    tape.frames[0][2], tape.frames[0][3] = 2, 1   # swap A and D: disk 1 goes to A
    assert oh.run(tape, code, [(0, 1)], 100) == (oh.NEEDS_TOKEN, 2) and tape.pegs == [[2], [1], []]


# ---------------------------------------------------------------- the induction check


@pytest.mark.parametrize("n", [1, 2, 5, 9, 13])
def test_induction_check_agrees_with_simulation(n):
    solved, moves, _ = oh.simulate(HANOI, n)
    assert oh.induction_check(HANOI, n) == (solved, moves)


def test_induction_check_at_n_30_and_64():
    assert oh.induction_check(HANOI, 30) == (True, 2 ** 30 - 1)
    assert oh.induction_check(HANOI, 64) == (True, 2 ** 64 - 1)


def test_induction_check_refuses_what_it_cannot_prove():
    with pytest.raises(oh.NotATowerMover):
        oh.induction_check([oh.DEFNP, oh.CALLTP, oh.MVDSK, oh.CALLTP, oh.ENDNP, oh.CALLTP], 3)
    flat = [oh.MVDSK, oh.XAD, oh.XSA, oh.MVDSK, oh.XSA, oh.XAD, oh.MVDSK, oh.XSA, oh.MVDSK]
    assert oh.induction_check(flat, 2) == (True, 4) and oh.induction_check(flat, 3)[0] is False


# ---------------------------------------------------------------- OOPS (shared.search.oops) on the Hanoi language


def test_oops_finds_the_first_hanoi_solvers():
    hist = oh.oops(oh.Language(range(6)), oh.hanoi_tasks(2), 10 ** 6)
    assert [h["solved"] for h in hist] == [True, True]
    assert hist[0]["program"] == [oh.MVDSK]
    assert oh.simulate(hist[1]["program"], 1)[0] and oh.simulate(hist[1]["program"], 2)[0]


# ---------------------------------------------------------------- the verdict


def record(ok=3, n=3, fresh_less=True, with_fresh=True):
    per = [{"seed": s, "all_tasks_solved": s < ok, "verified_to_n": 30 if s < ok else 0, "tasks_solved": 12}
           for s in range(n)]
    rec = {"seeds": {"per_seed": per}}
    if with_fresh:
        rec["fresh"] = {"seeds": {"per_seed": [{"seed": s, "tasks_solved": 3 if fresh_less else 12}
                                               for s in range(n)]}}
    return rec


def test_verdict_yes():
    assert oh.verdict(record())["value"] == "yes"


def test_verdict_partial_when_reuse_does_not_help():
    assert oh.verdict(record(fresh_less=False))["value"] == "partial"
    rec = record()
    rec["fresh"]["seeds"]["per_seed"][1]["tasks_solved"] = 12     # one order where fresh search keeps up
    assert oh.verdict(rec)["value"] == "partial"


def test_verdict_no_when_one_order_fails():
    assert oh.verdict(record(ok=2))["value"] == "no"
    rec = record()
    rec["seeds"]["per_seed"][0]["verified_to_n"] = 29               # the check stops short of n = 30
    assert oh.verdict(rec)["value"] == "no"


def test_verdict_pending():
    assert oh.verdict(record(n=2))["value"] == "pending"
    assert oh.verdict(record(with_fresh=False))["value"] == "pending"
    assert oh.verdict({})["value"] == "pending"


def test_token_orders_are_distinct_permutations():
    orders = [tuple(oh.token_order(s)) for s in range(50)]
    assert orders[0] == tuple(range(6)) and len(set(orders)) == 50
    assert all(sorted(o) == list(range(6)) for o in orders)


def test_callable_frozen_runs_write_their_own_section(monkeypatch):
    """--callable-frozen is a comparison: it must never write over the headline (nor --model fresh)."""
    sections = []
    monkeypatch.setattr(oh, "conclude", lambda record, *a, **k: sections.append(k.get("section")))
    oh.main(["--quick", "--callable-frozen"])
    oh.main(["--quick", "--model", "fresh"])
    oh.main(["--quick"])
    assert sections == ["callable_frozen", "fresh", None]


def test_a_solver_that_calls_frozen_code_is_simulated_inside_it():
    """--callable-frozen solvers call frozen programs (tokens >= N_PRIMITIVES): the check runs them in the code."""
    code, spans = [oh.MVDSK, oh.N_PRIMITIVES], [(0, 1)]          # frozen program 0 = mvdsk; the solver calls it
    assert oh.simulate([oh.N_PRIMITIVES], 1, context=(code, 1, spans))[:2] == (True, 1)
    check = oh.verify([oh.N_PRIMITIVES], 3, 3, context=(code, 1, spans))
    assert check["sim_moves"][0] == 1 and not check["simulated_all"] and not check["proof_all"]


def test_the_movement_interpreter_executes_the_tokens_run_does():
    from shared.frame.movement import Tape as MovementTape
    solver = oh.tokens_of("defnp xAD calltp xAD mvdsk xSA calltp endnp calltp")
    for n in (1, 2, 3, 5):
        assert oh.tape_run(MovementTape(), solver, (n,))[1] == oh.simulate(solver, n)[2]
    assert oh.tape_run(MovementTape(), solver, (1, 2, 3))[1] == 13 + 26 + 53
