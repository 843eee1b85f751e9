"""chunker-very-deep-1200: the stream and its Markov filler, the third level's on-line gradients
(checked numerically), a short-lag run that must solve, the batch baselines, the verdict rule, the CLI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.gradcheck import check_gradients

ck = load_module(ROOT / "chunker-very-deep-1200" / "chunker_very_deep_1200.py")
SCRIPT = ROOT / "chunker-very-deep-1200" / "chunker_very_deep_1200.py"


# ---- the stream

def test_a_block_is_a_trigger_then_a_markov_filler_from_the_first_segment():
    sym, lab = ck.make_blocks(np.random.default_rng(0), (40,), 0.01)
    assert sym.shape == (40, ck.BLOCK)
    assert set(sym[:, 0]) == {ck.SYMBOL_A, ck.SYMBOL_X}
    assert np.array_equal(lab, (sym[:, 0] == ck.SYMBOL_A).astype(float))
    assert (sym[:, 1] == 2).all() and (sym[:, 1:] >= 2).all()
    prev, cur = sym[:, 1:-1] - 2, sym[:, 2:] - 2
    succ = (prev // ck.SEG_LEN) * ck.SEG_LEN + (prev % ck.SEG_LEN + 1) % ck.SEG_LEN
    jump = ((prev // ck.SEG_LEN + 1) % ck.SEGMENTS) * ck.SEG_LEN
    assert ((cur == succ) | (cur == jump)).all()            # a cycle step or a jump to the next segment's start
    rate = ck.count_jumps(sym).sum() / (40 * (ck.BLOCK - 2))
    assert 0.007 < rate < 0.013                              # the jump probability, measured


def test_count_jumps_by_hand():
    blk = np.array([0, 2, 3, 4, 5, 2, 6, 7, 10, 2])        # x P0 P1 P2 P3 P0 Q0(jump) Q1 R0(jump) P0(jump)
    assert ck.count_jumps(blk) == 3


def test_without_jumps_the_filler_is_the_first_segments_cycle():
    sym, _ = ck.make_blocks(np.random.default_rng(1), (3,), 0.0)
    assert (sym[:, 1:] == 2 + (np.arange(ck.BLOCK - 1) % ck.SEG_LEN)).all()


def test_first_solved_needs_a_full_window_of_right_answers():
    right = np.ones(80, bool)
    right[[5, 20]] = False
    assert ck.first_solved(right) == 41
    assert ck.first_solved(right[:40]) is None


# ---- the third level's on-line gradient: summed over a masked stream with the weights frozen, it is
#      the gradient of the summed losses (float64 central differences)

def _level_losses(level, xs, masks, targets):
    total, grads = 0.0, {}
    for x, m, tg in zip(xs, masks, targets):
        level.tick()
        loss, g = level.take(x, m)
        total += loss.sum()
        for k, v in g.items():
            grads[k] = grads.get(k, 0.0) + v
        if tg is not None:
            _, loss, g = level.answer(tg)
            total += loss.sum()
            for k, v in g.items():
                grads[k] = grads[k] + v
    return total, grads


def test_the_upper_levels_online_gradient_matches_the_numerical_gradient():
    rng = np.random.default_rng(3)
    s, n, steps = 2, ck.N_SYMBOLS, 7
    xs = [np.eye(n)[rng.integers(0, n, s)] for _ in range(steps)]
    masks = [rng.random(s) < 0.6 for _ in range(steps)]
    masks[0][:] = True
    targets = [rng.integers(0, 2, (s, 1)).astype(float) if t in (3, 6) else None for t in range(steps)]
    level = ck.UpperLevel(n, 3, [np.random.default_rng(i) for i in range(s)], lr=0.0)
    params = level.bank.params
    _, grads = _level_losses(level, xs, masks, targets)

    def loss():
        fresh = ck.UpperLevel(n, 3, [np.random.default_rng(i) for i in range(s)], lr=0.0)
        fresh.bank.params.update({k: v.copy() for k, v in params.items()})
        fresh.out = fresh.bank.params["c"].copy()
        fresh.rtrl.reset(1)
        return _level_losses(fresh, xs, masks, targets)[0]

    errors = check_gradients(loss, params, grads)
    assert max(errors.values()) < 1e-6, errors


def test_the_gradient_check_catches_a_wrong_gradient():
    rng = np.random.default_rng(4)
    s, n = 2, ck.N_SYMBOLS
    xs = [np.eye(n)[rng.integers(0, n, s)] for _ in range(5)]
    masks = [np.ones(s, bool) for _ in range(5)]
    targets = [None] * 4 + [np.ones((s, 1))]
    level = ck.UpperLevel(n, 3, [np.random.default_rng(i) for i in range(s)], lr=0.0)
    params = level.bank.params
    _, grads = _level_losses(level, xs, masks, targets)
    grads["U"] = grads["U"] * 1.02

    def loss():
        fresh = ck.UpperLevel(n, 3, [np.random.default_rng(i) for i in range(s)], lr=0.0)
        fresh.bank.params.update({k: v.copy() for k, v in params.items()})
        fresh.out = fresh.bank.params["c"].copy()
        return _level_losses(fresh, xs, masks, targets)[0]

    assert check_gradients(loss, {"U": params["U"]}, {"U": grads["U"]})["U"] > 1e-6


def test_the_upper_level_keeps_its_state_where_it_takes_no_input():
    level = ck.UpperLevel(ck.N_SYMBOLS, 4, [np.random.default_rng(i) for i in range(2)], lr=0.1)
    level.take(np.eye(ck.N_SYMBOLS)[[0, 1]], np.array([True, True]))
    before = level.state().copy()
    level.tick()
    level.take(np.eye(ck.N_SYMBOLS)[[3, 3]], np.array([True, False]))
    assert np.array_equal(level.state()[1], before[1]) and not np.array_equal(level.state()[0], before[0])
    assert level.since[1] == 1 and level.since[0] == 0


# ---- known answers: short blocks (a 29-step lag), where every system learns quickly

@pytest.fixture
def short_blocks(monkeypatch):
    monkeypatch.setattr(ck, "BLOCK", 30)


def test_a_short_lag_chunker_run_solves_and_compresses(short_blocks):
    hist, trace = ck.run_online(replace(ck.RunConfig(pair=ck.PAIR), jump=0.0), [0], 250, keep=(249,))
    assert hist["c_right"][0, -30:].mean() >= 0.9
    assert hist["c_inputs"][0, -30:].mean() < 1.5                # only the trigger reaches C
    assert trace[249]["c_input"][0, 0]                            # ... the trigger
    assert hist["jumps"].sum() == 0


def test_a_short_lag_three_level_run_passes_only_the_trigger_to_p3(short_blocks):
    hist, _ = ck.run_online(replace(ck.RunConfig(pair=ck.PAIR, levels=3), jump=0.02), [0], 250)
    assert hist["top_inputs"][0, -30:].mean() < hist["c_inputs"][0, -30:].mean()
    assert hist["top_right"][0, -30:].mean() >= 0.75                 # chance: 0.5


def test_the_batch_baselines_run_and_answer_every_target(short_blocks):
    for model in ("bptt-net", "lstm", "odyssnet"):
        right = ck.run_batch(replace(ck.BatchConfig(model=model), streams=4), [0, 1], 8)
        assert right.shape == (2, 8) and right.dtype == bool


# ---- the verdict

def _rows(solved, n=10, c_steps=3.0):
    return [{"seed": i, "solved": i < solved, "blocks_to_solve": 100 if i < solved else None,
             "C_steps_per_block": c_steps * (1 + 0.1 * (i % 3 - 1))} for i in range(n)]


def record_with(chunker, single, large, three, budget=8000, n=10, c_steps=3.0):
    return {"seeds": {"per_seed": _rows(chunker, n, c_steps)},
            "rtrl-net": {"seeds": {"per_seed": _rows(single, n)}},
            "bptt-net": {"headline": {"blocks_per_run": budget}, "seeds": {"per_seed": _rows(large, n)}},
            "three-level": {"seeds": {"per_seed": _rows(three, n)}}}


@pytest.mark.parametrize("chunker, single, large, three, value", [
    (10, 0, 0, 10, "yes"), (10, 0, 0, 0, "yes"), (10, 10, 0, 10, "partial"), (10, 0, 10, 10, "partial"),
    (5, 0, 0, 10, "no"), (0, 0, 0, 0, "no")])
def test_verdict_on_both_sides(chunker, single, large, three, value):
    assert ck.verdict(record_with(chunker, single, large, three))["value"] == value


def test_verdict_depth_reduction_claim_on_both_sides():
    assert ck.verdict(record_with(10, 0, 0, 10, c_steps=20.0))["value"] == "partial"
    assert ck.verdict(record_with(10, 0, 0, 10, c_steps=12.0))["value"] == "partial"    # mean at the limit
    assert ck.verdict(record_with(10, 0, 0, 10, c_steps=4.0))["value"] == "yes"


def test_verdict_is_pending_without_the_sections_it_needs():
    assert ck.verdict(record_with(10, 0, 0, 10, n=9))["value"] == "pending"
    rec = record_with(10, 0, 0, 10)
    del rec["rtrl-net"]
    assert ck.verdict(rec)["value"] == "pending"
    assert ck.verdict(record_with(10, 0, 0, 10, budget=1000))["value"] == "pending"


# ---- the command line

@pytest.mark.parametrize("bad", [["--model", "gru"], ["--blocks", "0"], ["--blocks", "2000000"], ["--jump", "0.5"],
                                 ["--jump", "-1"], ["--n-seeds", "3", "--record", "/tmp/x.json"]])
def test_bad_arguments_exit_with_one_line(bad):
    result = run_script(SCRIPT, *bad, timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_quick_runs_are_deterministic():
    a = run_script(SCRIPT, "--quick", timeout=60)
    b = run_script(SCRIPT, "--quick", timeout=60)
    assert a.returncode == 0 and a.stdout.split("== verdict")[0] == b.stdout.split("== verdict")[0]
