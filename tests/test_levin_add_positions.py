"""levin-add-positions: the paper's task, known-answer programs, the search, the baseline, the verdict rule."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.search import levin

la = load_module(ROOT / "levin-add-positions" / "levin_add_positions.py")


def test_the_papers_task():
    assert len(la.TRIPLES) == 161700 and la.N_UNSEEN == 161697
    assert [sum(t) for t in la.PAPER_TRAIN] == list(la.PAPER_TARGETS) == [108, 126, 221]


def test_only_the_ramp_is_right_everywhere():
    ramp = list(range(100))
    assert la.fits(ramp) and la.unseen_accuracy(ramp) == 1.0
    w = ramp[:]
    w[0] = 7                       # unit 0 is never on in training: still fits, wrong where it is on
    assert la.fits(w) and la.unseen_accuracy(w) == pytest.approx(1 - 99 * 98 / 2 / 161697)
    assert not la.fits([1] * 100)


@pytest.mark.parametrize("program, writes2, steps", [(la.RAMP_PROGRAM, False, 302), (la.TABLE5_PROGRAM, True, 399)])
def test_known_programs_write_the_ramp(program, writes2, steps):
    status, m = levin.run_program(program, writes2=writes2)
    assert status in levin.HALTS and list(m.w) == list(range(100)) and m.steps == steps
    assert la.fits(m.w) and la.unseen_accuracy(m.w) == 1.0


def test_table5_denominator_under_2_argument_writes():
    # 13*4 (Allocate 1) x 13*4 (Increment -1 at 2) x 13*6*7 (WriteWeight at 4) x 13*8 (Jump 0 at 7)
    assert levin.program_denominator(la.TABLE5_PROGRAM, writes2=True) == 52 * 52 * 546 * 104


def test_search_finds_the_ramp():
    found, _ = levin.probabilistic_search(0, 20000, la.fits)
    assert found and la.unseen_accuracy(found[0].weights) == 1.0


def test_minimum_norm_fit_from_three_examples_fails():
    assert la.gd_accuracy(0, 3) < 0.01


def test_gradcheck():
    assert la.gradcheck(0) < 1e-6


def test_quick_runs():
    done = run_script("levin-add-positions/levin_add_positions.py", "--quick")
    assert done.returncode == 0 and "== verdict" in done.stdout


def test_bad_input_exits_2():
    done = run_script("levin-add-positions/levin_add_positions.py", "--runs", "-3")
    assert done.returncode == 2


# ---------------------------------------------------------------------------------------- the verdict


def record(fits=(20,) * 10, generalizing=None, gd=0.001):
    generalizing = fits if generalizing is None else generalizing
    rows = [{"seed": s, "solved": f > 0, "fits": f, "generalizing_fits": g, "gd_3_unseen_accuracy": gd}
            for s, (f, g) in enumerate(zip(fits, generalizing))]
    return {"seeds": {"per_seed": rows, "summary": {}}}


def claims(v):
    return {c["claim"]: c["holds"] for c in v["claims"]}


def test_verdict_yes_and_pending():
    v = la.verdict(record())
    assert v["value"] == "yes" and all(claims(v).values()) and len(v["claims"]) == 2
    assert la.verdict(record(fits=(20,) * 9))["value"] == "pending"
    assert la.verdict({})["value"] == "pending"


def test_claim_1_both_sides_of_one_half():
    name = "fitting programs generalise perfectly"
    ok = la.verdict(record(fits=(60,) * 10, generalizing=(35,) * 9 + (30,)))      # 345 / 600
    no = la.verdict(record(fits=(60,) * 10, generalizing=(31,) * 10))             # 310 / 600
    assert claims(ok)[name] and not claims(no)[name] and no["value"] == "no"
    none = la.verdict(record(fits=(0,) * 10))
    assert not claims(none)[name] and none["value"] == "no"


def test_claim_2_both_sides():
    name = "gradient descent from the 3 examples does not generalise"
    assert claims(la.verdict(record(gd=0.49)))[name]
    v = la.verdict(record(gd=0.5))
    assert not claims(v)[name] and v["value"] == "partial"


def test_verdict_reads_a_json_round_trip():
    r = record()
    assert la.verdict(json.loads(json.dumps(r))) == json.loads(json.dumps(la.verdict(copy.deepcopy(r))))


def test_odyssnet_quick_runs():
    done = run_script("levin-add-positions/levin_add_positions.py", "--model", "odyssnet", "--quick")
    assert done.returncode == 0 and "OdyssNet core" in done.stdout
