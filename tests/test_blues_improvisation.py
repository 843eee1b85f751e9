"""blues-improvisation: the form and the corpus rule, the partition of the LSTM, the loss's gradient,
free-running composition and its scores, and the verdict rule on both sides of its thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

bl = load_module(ROOT / "blues-improvisation" / "blues_improvisation.py")


# ----------------------------------------------------------------------------------------
# The data
# ----------------------------------------------------------------------------------------


def test_the_form_is_the_standard_12_bar_blues_in_c():
    assert bl.FORM == ["C7"] * 4 + ["F7"] * 2 + ["C7"] * 2 + ["G7", "F7", "C7", "C7"]
    n, s = bl.CHORUS, bl.STEPS_PER_BAR
    assert bl.FORM_STEPS.shape == (n, 12) and bl.FORM_STEPS.sum(axis=1).tolist() == [4] * n
    names = [bl.PITCH_NAMES[p] for p in np.flatnonzero(bl.FORM_STEPS[8 * s])]      # bar 9
    assert sorted(names) == sorted(["G", "B", "D", "F"])


def test_the_corpus_follows_its_rule_and_is_the_same_every_time():
    melodies = bl.corpus()
    assert melodies.shape == (16, bl.CHORUS) and np.array_equal(melodies, bl.corpus())
    assert melodies.min() >= 0 and melodies.max() <= bl.REST
    for chorus in melodies:
        for t, code in enumerate(chorus):
            if code == bl.REST:
                continue
            tones = set(bl.CHORDS[bl.FORM[t // bl.STEPS_PER_BAR]])
            allowed = tones if t % 2 == 0 else tones | set(bl.BLUES_SCALE)
            assert code % 12 in allowed
    f = bl.melody_figures(melodies.reshape(1, -1), set())
    assert f["strong_chord_tone_share"] == 1.0 and 0.1 < f["rest_share"] < 0.3
    pitch_classes = {c % 12 for c in melodies.ravel() if c != bl.REST}
    assert len(pitch_classes) >= 10                                 # a chromatic vocabulary in use


def test_a_training_stream_is_the_next_step_of_its_inputs():
    inputs, targets = bl.training_stream(np.random.default_rng(0), bl.corpus())
    n = bl.STREAM_CHORUSES * bl.CHORUS
    assert inputs.shape == targets.shape == (bl.BATCH, n, 26)
    assert np.all(inputs[:, 0] == 0) and np.array_equal(inputs[:, 1:], targets[:, :-1])
    assert np.all(targets[:, :, :12] == bl.FORM_STEPS[np.arange(n) % bl.CHORUS])
    assert np.all(targets[:, :, 12:].sum(axis=-1) == 1)


# ----------------------------------------------------------------------------------------
# The network
# ----------------------------------------------------------------------------------------


def test_the_chord_part_never_reads_the_melody_cells():
    """The partition in the forward pass: changing every weight into the melody blocks (their gates
    and cells) leaves the chord outputs and the chord cells exactly as they were; the melody outputs
    change."""
    learner = bl.Learner("lstm", np.random.default_rng(1))
    x = bl.frames(np.random.default_rng(2).integers(0, 14, (3, 50)))
    y1, (h1, c1) = learner.forward(x, None)
    blocks = bl.CHORD_BLOCKS + bl.MELODY_BLOCKS
    melody_columns = np.concatenate([np.tile(np.arange(blocks), 3), np.arange(16) // 2]) >= bl.CHORD_BLOCKS
    for name in ("W", "U", "b"):
        learner.params[name][..., melody_columns] += 0.5
    y2, (h2, c2) = learner.forward(x, None)
    np.testing.assert_array_equal(y1[..., :12], y2[..., :12])
    np.testing.assert_array_equal(c1[:, :8], c2[:, :8])
    assert np.abs(y1[..., 12:] - y2[..., 12:]).max() > 1e-3


def test_the_partition_stays_after_training():
    learner = bl.Learner("lstm", np.random.default_rng(0))
    bl.train(learner, np.random.default_rng(0), 6, bl.corpus())
    masks = bl.partition_masks()
    for name in ("W", "U", "V"):
        assert np.all(learner.params[name][~masks[name]] == 0.0), name
    assert learner.weights < sum(v.size for v in learner.params.values())


def test_the_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(2, 5, 26))
    targets = bl.frames(rng.integers(0, 14, (2, 5)))
    _, dy, _ = bl.next_step_loss(logits, targets)
    h = 1e-6
    for index in [(0, 0, 0), (1, 3, 5), (0, 4, 12), (1, 2, 20), (0, 1, 25)]:
        up, down = logits.copy(), logits.copy()
        up[index] += h
        down[index] -= h
        numeric = (bl.next_step_loss(up, targets)[0] - bl.next_step_loss(down, targets)[0]) / (2 * h)
        assert abs(numeric - dy[index]) < 1e-7


@pytest.mark.parametrize("model", ["lstm", "lstm-full", "rnn", "odyssnet"])
def test_every_learner_trains_and_composes(model):
    row, curve, (chords, melody), _, learner = bl.run_seed(model, 0, budget=6, choruses=2, runs=2)
    assert chords.shape == (2, 2 * bl.CHORUS, 12) and melody.shape == (2, 2 * bl.CHORUS) and len(row["curve"]) == 2
    assert 0 <= row["bar_match"] <= 1 and np.isfinite(curve[-1][1])
    again = bl.run_seed(model, 0, budget=6, choruses=2, runs=2)[0]
    assert again == row                                             # a seed computes the same every time


def test_a_seed_computes_the_same_in_any_process():
    together = bl.over_banks(bl.bank, [0, 1], 1, "lstm", 6, 1, 2)
    apart = bl.over_banks(bl.bank, [0, 1], 2, "lstm", 6, 1, 2)
    assert together == apart


def test_the_training_loss_falls():
    learner = bl.Learner("lstm", np.random.default_rng(0))
    curve = bl.train(learner, np.random.default_rng(0), 12, bl.corpus(), every=6)
    assert curve[-1][1] < curve[0][1]


# ----------------------------------------------------------------------------------------
# Scoring a free run
# ----------------------------------------------------------------------------------------


def test_the_form_itself_scores_perfectly_and_a_slip_is_seen():
    n, bar = bl.CHORUS, bl.STEPS_PER_BAR
    steps = 20 * n
    chords = np.broadcast_to(bl.FORM_STEPS[np.arange(steps) % n], (1, steps, 12)).copy()
    melodies = bl.corpus()
    melody = np.tile(melodies[:4].ravel(), 5)[None]
    s = bl.score_run(chords, melody, bl.corpus_bars(melodies))
    assert s["bar_match"] == 1.0 and s["kept"] and s["found"] and s["drift"] == 0.0
    assert s["novel_bar_share"] == 0.0 and s["strong_chord_tone_share"] == 1.0
    slipped = np.concatenate([chords[:, :10 * n], chords[:, 10 * n - bar:-bar]], axis=1)   # one bar played twice
    s = bl.score_run(slipped, melody, set())
    assert s["early_bar_match"] == 1.0 and s["late_bar_match"] < 0.7 and not s["kept"] and s["drift"] > 0.3
    assert s["novel_bar_share"] == 1.0


def test_a_bar_matches_only_when_all_its_eighths_do():
    s = bl.STEPS_PER_BAR
    chords = np.broadcast_to(bl.FORM_STEPS, (1, bl.CHORUS, 12)).copy()
    chords[0, s * 4 + s - 1] = bl.CHORD_VECTORS[0]                  # C7 on the last step of bar 5 (F7)
    assert bl.bar_matches(chords)[0].tolist() == [True] * 4 + [False] + [True] * 7
    assert bl.chord_names(chords[0, 5 * s - 2:5 * s + 1]).tolist() == [1, 0, 1]
    assert bl.chord_names(np.zeros((2, 12), bool)).tolist() == [3, 3]


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def seed_rows(n=10, kept=None, drift=None, strong=None, novel=None, early=None):
    kept = [True] * n if kept is None else kept
    drift = [0.0, 0.01] * (n // 2) if drift is None else drift
    strong = [0.95, 0.97] * (n // 2) if strong is None else strong
    novel = [0.9, 0.95] * (n // 2) if novel is None else novel
    early = [1.0 if k else 0.5 for k in kept] if early is None else early
    return [{"seed": i, "kept": k, "found": e >= bl.FOUND, "drift": d, "strong_chord_tone_share": s,
             "novel_bar_share": v} for i, (k, d, s, v, e) in enumerate(zip(kept, drift, strong, novel, early))]


def record(lstm, rnn=None, corpus_share=1.0):
    r = {"seeds": {"per_seed": lstm}, "headline": {"corpus_strong_chord_tone_share": corpus_share}}
    if rnn is not None:
        r["rnn"] = {"seeds": {"per_seed": rnn}}
    return r


def failing_rnn(n=10):
    return seed_rows(n, kept=[False] * n)


def holds(v):
    return [c["holds"] for c in v["claims"]]


def test_verdict_pending_without_enough_seeds_or_the_rnn():
    assert bl.verdict({})["value"] == "pending"
    assert bl.verdict(record(seed_rows(8), failing_rnn()))["value"] == "pending"
    assert bl.verdict(record(seed_rows()))["value"] == "pending"
    assert bl.verdict(record(seed_rows(), failing_rnn(6)))["value"] == "pending"


def test_verdict_yes_when_every_claim_holds():
    v = bl.verdict(record(seed_rows(), failing_rnn()))
    assert v["value"] == "yes" and all(holds(v)) and len(v["claims"]) == 5


def test_the_keeping_rate_holds_at_9_of_10_not_at_8():
    v = bl.verdict(record(seed_rows(kept=[True] * 9 + [False]), failing_rnn()))
    assert holds(v)[0]
    v = bl.verdict(record(seed_rows(kept=[True] * 8 + [False] * 2), failing_rnn()))
    assert not holds(v)[0] and v["value"] == "no"


def test_drift_on_both_sides_of_its_limit():
    v = bl.verdict(record(seed_rows(drift=[0.02, 0.03] * 5), failing_rnn()))
    assert holds(v)[1]
    v = bl.verdict(record(seed_rows(drift=[0.04, 0.08] * 5), failing_rnn()))
    assert not holds(v)[1] and v["value"] == "no"
    v = bl.verdict(record(seed_rows(kept=[False] * 10, early=[0.5] * 9 + [0.95]), failing_rnn()))
    assert not holds(v)[1]                                          # one seed found it: too few


def test_style_and_novelty_on_both_sides_of_their_limits():
    v = bl.verdict(record(seed_rows(strong=[0.9, 0.92] * 5), failing_rnn()))
    assert holds(v)[2] and v["value"] == "yes"
    v = bl.verdict(record(seed_rows(strong=[0.8, 0.9] * 5), failing_rnn()))
    assert not holds(v)[2] and v["value"] == "partial"
    v = bl.verdict(record(seed_rows(novel=[0.6, 0.7] * 5), failing_rnn()))
    assert holds(v)[3]
    v = bl.verdict(record(seed_rows(novel=[0.4, 0.55] * 5), failing_rnn()))
    assert not holds(v)[3] and v["value"] == "partial"


def test_the_rnn_comparison_needs_a_difference():
    v = bl.verdict(record(seed_rows(), seed_rows(kept=[True] * 3 + [False] * 7)))
    assert holds(v)[4]
    v = bl.verdict(record(seed_rows(), seed_rows(kept=[True] * 7 + [False] * 3)))
    assert not holds(v)[4] and v["value"] == "partial"


def test_quick_run_records_a_well_formed_record(tmp_path):
    path = tmp_path / "r.json"
    assert bl.main(["--quick", "--record", str(path)]) == 0
    import json
    r = json.loads(path.read_text())
    assert r["verdict"]["value"] == "pending" and len(r["chorus_curves"]["0"]) == 2
