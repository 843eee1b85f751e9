"""chunker-22-symbol: the stream, the chunker pair's on-line gradients (checked numerically), the
surprise channel, a small run that must solve, the batch baselines, the verdict rule, the CLI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.verdict import binomial_sf, rate_bounds

ck = load_module(ROOT / "chunker-22-symbol" / "chunker_22_symbol.py")
SCRIPT = ROOT / "chunker-22-symbol" / "chunker_22_symbol.py"


def test_the_stream_is_blocks_of_a_or_x_then_b1_to_b20_without_boundaries():
    sym, lab = ck.make_stream(np.random.default_rng(0), 50)
    blocks = sym.reshape(50, 21)
    assert set(blocks[:, 0]) == {ck.SYMBOL_A, ck.SYMBOL_X}
    assert (blocks[:, 1:] == np.arange(2, 22)).all()            # b1..b20 are symbols 2..21
    assert np.array_equal(lab, (blocks[:, 0] == ck.SYMBOL_A).astype(float))
    assert 10 < lab.sum() < 40


def test_first_solved_needs_a_full_window_of_right_answers():
    right = np.ones(250, bool)
    right[[10, 60]] = False
    assert ck.first_solved(right) == 161
    assert ck.first_solved(right[:160]) is None


def test_a_small_run_of_the_chunker_solves_and_compresses_the_stream_to_one_surprise_a_block():
    """Known answer: seed 0 alone, 700 sequences: C answers the 20-step lag, A's surprises fall to
    the block start."""
    hist, pair, _, _ = ck.run_pair(ck.PairConfig(), [0], 700)
    assert hist["c_right"][0, -100:].mean() >= 0.95
    assert hist["surprises"][0, -100:].mean() < 1.2
    assert hist["a_right"][0, :100].mean() < 0.8                # A alone starts at chance


def test_the_batch_baselines_run_and_answer_every_target():
    for model in ("bptt-net", "lstm", "odyssnet"):
        right, _ = ck.run_batch(replace(ck.BatchConfig(model=model), streams=4), [0, 1], 16)
        assert right.shape == (2, 16) and right.dtype == bool


# ---- the verdict

def test_the_chunker_threshold_is_the_lower_end_of_the_papers_interval():
    low, _ = rate_bounds(13, 17, 0.90)
    assert ck.CHUNKER_THRESHOLD <= low < ck.CHUNKER_THRESHOLD + 0.01


def _rows(solved, n=17, seqs=3000):
    return [{"seed": i, "solved": i < solved, "sequences_to_solve": seqs if i < solved else None} for i in range(n)]


def record_with(chunker, single, large, budget=200_000, n=17):
    return {"seeds": {"per_seed": _rows(chunker, n)}, "rtrl-net": {"seeds": {"per_seed": _rows(single, n)}},
            "bptt-net": {"headline": {"sequences_per_run": budget}, "seeds": {"per_seed": _rows(large, n)}}}


def _needed():
    """The fewest chunker runs (of 17) that the rule accepts with the other claims clear."""
    return min(k for k in range(18) if binomial_sf(k, 17, ck.CHUNKER_THRESHOLD) < 0.05 / 3)


@pytest.mark.parametrize("chunker, single, large, value", [
    (17, 0, 0, "yes"), (15, 0, 0, "yes"), (17, 0, 17, "partial"), (17, 15, 0, "partial"), (5, 0, 0, "no"),
    (0, 0, 0, "no")])
def test_verdict_on_both_sides(chunker, single, large, value):
    assert ck.verdict(record_with(chunker, single, large))["value"] == value


def test_verdict_edge_of_the_chunker_claim():
    k = _needed()
    assert ck.verdict(record_with(k, 0, 0))["value"] == "yes"
    assert ck.verdict(record_with(k - 3, 0, 0))["value"] == "no"


def test_verdict_counts_only_solves_within_5000_sequences():
    rec = record_with(17, 0, 0)
    for r in rec["seeds"]["per_seed"]:
        r["sequences_to_solve"] = 6000
    assert ck.verdict(rec)["value"] == "no"


def test_verdict_is_pending_without_the_sections_it_needs():
    assert ck.verdict(record_with(17, 0, 0, n=10))["value"] == "pending"
    rec = record_with(17, 0, 0)
    del rec["rtrl-net"]
    assert ck.verdict(rec)["value"] == "pending"
    assert ck.verdict(record_with(17, 0, 0, budget=50_000))["value"] == "pending"


# ---- the command line

@pytest.mark.parametrize("bad", [["--model", "gru"], ["--blocks", "0"], ["--blocks", "2000000"],
                                 ["--model", "lstm", "--no-predict-c"], ["--n-seeds", "3", "--record", "/tmp/x.json"]])
def test_bad_arguments_exit_with_one_line(bad):
    result = run_script(SCRIPT, *bad, timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_quick_runs_are_deterministic():
    a = run_script(SCRIPT, "--quick", timeout=60)
    b = run_script(SCRIPT, "--quick", timeout=60)
    assert a.returncode == 0 and a.stdout.split("== verdict")[0] == b.stdout.split("== verdict")[0]
