"""levin-count-inputs: the paper's task and machine, both searches, the baselines, the verdict rule."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.search import levin

lv = load_module(ROOT / "levin-count-inputs" / "levin_count_inputs.py")


# ---------------------------------------------------------------------------------------- the task


def test_the_papers_task():
    assert len(lv.TRIPLES) == 161700 and lv.N_UNSEEN == 161697
    assert lv.PAPER_TRAIN == ((5, 17, 86), (13, 55, 58), (40, 87, 94))
    assert lv.unseen_mask(lv.PAPER_TRAIN).sum() == 161697


def test_triple_index_is_the_row_of_the_triple():
    rng = np.random.default_rng(0)
    rows = np.concatenate([[0, 1, len(lv.TRIPLES) - 1], rng.integers(0, len(lv.TRIPLES), 3000)])
    for row in rows:
        assert lv.triple_index(lv.TRIPLES[row]) == row


def test_only_all_ones_is_right_on_every_input():
    assert lv.unseen_accuracy([1] * 100) == 1.0
    assert lv.probe_accuracy([1] * 100) == 1.0
    w = [1] * 100
    w[0] = 0                      # unit 0 is never on in training: the net still fits, but fails where 0 is on
    assert lv.fits(w, lv.PAPER_TRAIN)
    assert lv.unseen_accuracy(w) == pytest.approx(1 - 99 * 98 / 2 / 161697)


def test_minimum_norm_fit_of_the_three_examples_is_right_on_81_inputs():
    """Gradient descent from w = 0 puts weight 1 on the 9 units that were on: right only where all 3 bits lie
    there, C(9,3) - 3 = 81 of the 161,697 unseen inputs."""
    x = levin.dense(lv.PAPER_TRAIN)
    w = levin.fit_linear_unit(x, np.full(3, 3.0))
    np.testing.assert_allclose(w, np.linalg.pinv(x) @ np.full(3, 3.0), atol=1e-9)
    assert lv.unseen_accuracy(w) == pytest.approx(81 / 161697)


def test_gradient_descent_reaches_the_minimum_norm_fit_from_30_examples():
    train = lv.training_triples(4, 30)
    x, y = levin.dense(train), np.full(30, 3.0)
    np.testing.assert_allclose(levin.fit_linear_unit(x, y), np.linalg.pinv(x) @ y, atol=1e-6)


def test_training_sets_extend_the_papers_examples():
    a, b = lv.training_triples(3, 30), lv.training_triples(3, 300)
    assert a[:3] == list(lv.PAPER_TRAIN) and b[:30] == a and len(set(b)) == 300
    assert lv.training_triples(4, 30) != a


def test_permuted_training_sets():
    sets = [lv.permuted_train(s) for s in range(5)]
    for t in sets:
        assert len({u for triple in t for u in triple}) == 9 and t != lv.PAPER_TRAIN
    assert sets[0] == lv.permuted_train(0) and len(set(sets)) == 5


def test_probe_counts():
    assert [(k, len(idx)) for k, idx in lv.PROBE] == [(1, 100), (2, 1000), (4, 1000), (5, 1000), (6, 1000)]
    assert all(len(set(row)) == k for k, idx in lv.PROBE for row in idx.tolist())
    assert all(len({tuple(r) for r in idx.tolist()}) == len(idx) for _, idx in lv.PROBE)
    assert lv.probe_accuracy([0] * 100) == 0.0


# ---------------------------------------------------------------------------------------- the searches on this task
# (the machine and the searches themselves: tests/test_levin.py)


def test_the_searches_test_is_the_papers_fit():
    rng = np.random.default_rng(0)
    for _ in range(200):
        w = rng.integers(0, 3, 100).tolist()
        assert lv.fitting(lv.PAPER_TRAIN)(w) == lv.fits(w, lv.PAPER_TRAIN)
    assert lv.fitting(lv.PAPER_TRAIN, [0, 0, 0])([0] * 100) and not lv.fitting(lv.PAPER_TRAIN)([0] * 100)


def test_systematic_search_finds_the_counting_net_and_it_generalises():
    found = levin.levin_search([lv.fitting(lv.PAPER_TRAIN)], 20, progress=False).finds[0]
    assert levin.disassemble(found.program) == "WriteWeight 0; Jump 0" and found.phase == 17
    assert lv.unseen_accuracy(found.weights) == 1.0


# ---------------------------------------------------------------------------------------- the command line


def test_growth_max_phase_zero_skips_the_growth_search():
    args = lv.parse_args(["--search", "systematic", "--growth-max-phase", "0", "--quick"])
    assert args.growth_max_phase == 0
    section = lv.systematic_run([0], 17, 0)
    assert not any(t["title"].startswith("Cost against the target") for t in section["tables"])
    section = lv.systematic_run([0], 17, 5)
    assert any(t["title"].startswith("Cost against the target") for t in section["tables"])


def test_growth_max_phase_zero_from_the_command_line(tmp_path):
    done = run_script(ROOT / "levin-count-inputs" / "levin_count_inputs.py", "--search", "systematic", "--quick",
                      "--growth-max-phase", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Cost growth" not in done.stdout and "== verdict" in done.stdout


@pytest.mark.parametrize("argv", [["--growth-max-phase", "-1"], ["--max-phase", "41"],
                                  ["--model", "odyssnet", "--search", "systematic"],
                                  ["--n-seeds", "5", "--record"], ["--search", "systematic", "--n-seeds", "10",
                                                                   "--record"]])
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as info:
        lv.parse_args(argv)
    assert info.value.code == 2


def test_odyssnet_summary_says_what_its_table_holds():
    section = lv.odyssnet_run([0, 1], (3, 30), 3, n_test=500, n_probe=50)
    means = section["tables"][1]["rows"]
    text = section["summary"]
    unseen = " / ".join(lv.format_value(r[2]) for r in means)
    probe = " / ".join(lv.format_value(r[3]) for r in means)
    assert f"exact-count accuracy {unseen} on a fixed sample of 500 unseen three-bit inputs" in text
    assert f"and {probe} on probe inputs with 1, 2, 4, 5 or 6 bits on" in text and "means of 2 seeds" in text
    for r, n in zip(means, (3, 30)):
        assert r[2] == pytest.approx(np.mean([s[f"unseen_accuracy_{n}"] for s in section["seeds"]["per_seed"]]))
    assert "Levin" not in text and "search" not in text


def test_linear_gradient_is_checked_and_a_wrong_one_is_caught():
    assert lv.gradcheck(0) < 1e-6
    rng = np.random.default_rng(1)
    x, y = rng.random((4, 6)), rng.random(4)
    params = {"w": rng.normal(size=6)}
    _, grad = levin.linear_loss(params["w"], x, y)
    grad = grad.copy()
    grad[2] *= 1.01
    errors = lv.check_gradients(lambda: levin.linear_loss(params["w"], x, y)[0], params, {"w": grad})
    assert max(errors.values()) > 1e-6


# ---------------------------------------------------------------------------------------- the verdict


def record(fits=(60,) * 10, generalizing=None, n_systematic=20, permuted_ok=20, t=201, all_ones=True, gd=81 / 161697,
           systematic_solved=True):
    generalizing = fits if generalizing is None else generalizing
    rows = [{"seed": s, "solved": f > 0, "fits": f, "generalizing_fits": g, "gd_3_unseen_accuracy": gd}
            for s, (f, g) in enumerate(zip(fits, generalizing))]
    srows = [{"seed": s, "solved": systematic_solved, "t": t, "all_ones": all_ones,
              "permuted_generalizes": s < permuted_ok} for s in range(n_systematic)]
    return {"seeds": {"per_seed": rows, "summary": {}},
            "systematic": {"seeds": {"per_seed": srows, "summary": {}}, "command": "x"}}


def claims(v):
    return {c["claim"]: c["holds"] for c in v["claims"]}


def test_verdict_yes_when_every_claim_holds():
    v = lv.verdict(record())
    assert v["value"] == "yes" and all(claims(v).values()) and len(v["claims"]) == 4


def test_verdict_pending_without_enough_seeds_or_the_systematic_section():
    assert lv.verdict(record(fits=(60,) * 9, generalizing=(60,) * 9))["value"] == "pending"
    assert lv.verdict(record(n_systematic=19, permuted_ok=19))["value"] == "pending"
    r = record()
    del r["systematic"]
    assert lv.verdict(r)["value"] == "pending"
    assert lv.verdict({})["value"] == "pending"


def test_claim_1_generalisation_share_both_sides_of_one_half():
    # 600 fits, threshold 0.5 (0.8 - 0.3): 310 generalising (0.517, p = 0.22) is not enough evidence, 345
    # (0.575, p = 1.4e-4) is
    ok = lv.verdict(record(generalizing=(35,) * 9 + (30,)))          # 345 / 600
    no = lv.verdict(record(generalizing=(31,) * 10))                 # 310 / 600
    name = "fitting programs generalise perfectly"
    assert claims(ok)[name] and not claims(no)[name]
    assert no["value"] == "no"                                       # a primary claim fails
    few = lv.verdict(record(fits=(1,) + (0,) * 9, generalizing=(1,) + (0,) * 9))
    assert not claims(few)[name]                                     # one fitting run is no evidence
    none = lv.verdict(record(fits=(0,) * 10))
    assert not claims(none)[name] and none["value"] == "no"


def test_claim_2_program_character_both_sides():
    name = "the program found writes w_i = 1 and runs < 400 steps"
    assert claims(lv.verdict(record(t=399)))[name]
    v = lv.verdict(record(t=400))
    assert not claims(v)[name] and v["value"] == "no"
    assert not claims(lv.verdict(record(all_ones=False)))[name]
    assert not claims(lv.verdict(record(systematic_solved=False)))[name]


def test_claim_3_permuted_sets_both_sides():
    name = "other training sets give similar results"
    assert claims(lv.verdict(record(permuted_ok=18)))[name]
    v = lv.verdict(record(permuted_ok=17))
    assert not claims(v)[name] and v["value"] == "partial"
    assert claims(lv.verdict(record(n_systematic=40, permuted_ok=34)))[name]     # p = 0.024
    assert not claims(lv.verdict(record(n_systematic=40, permuted_ok=33)))[name]  # p = 0.055


def test_claim_4_gradient_descent_both_sides():
    name = "gradient descent from the 3 examples does not generalise"
    assert claims(lv.verdict(record(gd=0.49)))[name]
    v = lv.verdict(record(gd=0.5))
    assert not claims(v)[name] and v["value"] == "partial"


def test_verdict_reads_a_json_round_trip():
    import json
    r = record()
    assert lv.verdict(json.loads(json.dumps(r))) == json.loads(json.dumps(lv.verdict(copy.deepcopy(r))))


def test_headline_summary_says_what_its_seeds_hold():
    record = lv.probabilistic_run([0, 1], 1500, (3,))
    rows = record["seeds"]["per_seed"]
    fits, good = sum(r["fits"] for r in rows), sum(r["generalizing_fits"] for r in rows)
    assert f"{good} of {fits} fitting runs (2 seeds x 1500 runs) right on all 161697 unseen inputs" in record["summary"]
    assert f"is right on {lv.format_value(rows[0]['gd_3_unseen_accuracy'])} of them" in record["summary"]
    assert lv.verdict(record)["value"] == "pending"
