"""iam-handwriting: the synthetic script and language, the batched CTC and the sparse-bigram token passing
against shared.networks.ctc (and brute-force answers), the gradient checks, the word accuracy, determinism,
the command line and the verdict on both sides of each threshold."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

ih = load_module(ROOT / "iam-handwriting" / "iam_handwriting.py")


def test_hand_written_gradients_pass_the_numerical_check():
    errors = ih.gradient_errors()
    assert any(k.startswith("BLSTM.backward") for k in errors) and any(k.startswith("OdyssNet") for k in errors)
    assert max(errors.values()) < 1e-6, max(errors.items(), key=lambda kv: kv[1])


def test_a_wrong_ctc_gradient_is_caught():
    from shared.frame.gradcheck import check_gradients
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, ih.FEATURES))
    lengths, labels = np.array([6, 4]), [np.array([1, 2]), np.array([3])]
    net = ih.build("LSTM", ih.Config(h_lstm=3), np.random.default_rng(1))
    _, backward = ih.ctc_batch(net.forward(x, lengths), labels, lengths)
    grads = net.backward(backward())
    grads["U"][1, 2] *= 1.02
    errors = check_gradients(lambda: float(ih.ctc_batch(net.forward(x, lengths), labels, lengths)[0].sum()),
                             net.params, grads)
    assert errors["U"] > 1e-4


def test_batched_ctc_equals_the_shared_per_sequence_ctc():
    from shared.networks.ctc import ctc_loss, ctc_loss_backward
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(5, 12, 6)) * 2
    lengths = np.array([12, 9, 5, 12, 7])
    labels = [np.array([1, 2, 2, 3]), np.array([0]), np.array([1, 1]), np.array([4, 3, 2, 1, 0]), np.array([2, 3])]
    nll, cache = ctc_loss(logits, labels, lengths, blank=5)
    mine, backward = ih.ctc_batch(logits, labels, lengths, blank=5)
    w = np.arange(1.0, 6.0)
    assert np.allclose(nll, mine, atol=1e-12)
    assert np.allclose(ctc_loss_backward(cache, w), backward(w), atol=1e-12)


def _distinct_words(rng, n, letters, longest):
    words, seen = [], set()
    while len(words) < n:
        w = tuple(int(v) for v in rng.integers(0, letters, rng.integers(1, longest + 1)))
        if w not in seen:
            seen.add(w)
            words.append(np.array(w))
    return words


@pytest.mark.parametrize("trial", range(12))
def test_sparse_token_passing_equals_the_shared_dense_decoder(trial):
    from shared.networks.ctc import log_softmax, token_passing_decode
    rng = np.random.default_rng(trial)
    n_words = int(rng.integers(2, 8))
    words = _distinct_words(rng, n_words, 4, 3)
    log_p = log_softmax(rng.normal(size=(int(rng.integers(6, 14)), 5)) * 2.5)
    lm = ih.estimate_lm([list(rng.integers(0, n_words, rng.integers(1, 4))) for _ in range(12)], n_words)
    for model in (None, lm):
        kw = {} if model is None else {"log_unigram": lm.log_start, "log_bigram": lm.dense()}
        ref_words, ref_score = token_passing_decode(log_p, words, blank=4, **kw)
        got_words, got_score = ih.token_passing(log_p, words, model, blank=4)
        assert got_score == pytest.approx(ref_score, abs=1e-9)
        assert got_words == ref_words


def test_token_passing_reads_a_clear_output_and_the_bigram_breaks_a_tie():
    from shared.networks.ctc import log_softmax
    words = [np.array([0, 1]), np.array([2]), np.array([3])]    # "ab", "c", "d"
    path = [0, 4, 1, 4, 2, 4]                                     # a _ b _ c _: "ab c"
    y = np.full((len(path), 5), -8.0)
    y[np.arange(len(path)), path] = 0.0
    assert ih.token_passing(log_softmax(y), words, blank=4)[0] == [0, 1]
    y[4] = -8.0
    y[4, 2] = y[4, 3] = 0.0                                       # frame 4: "c" or "d", equally likely
    y[5] = -8.0
    y[5, 4] = 0.0
    y[3] = -8.0
    y[3, 4] = 0.0
    for follower in (1, 2):                                       # "ab" is always followed by "c", or by "d"
        lm = ih.estimate_lm([[0, follower]] * 3, 3)
        assert ih.token_passing(log_softmax(y), words, lm, blank=4)[0] == [0, follower]


def test_the_bigram_is_a_distribution_and_the_floor_bounds_it():
    lines = ih.sample_text(ih.language(50), np.random.default_rng(0), 300, (2, 5))
    lm = ih.estimate_lm(lines, 50)
    dense = np.exp(lm.dense())
    has_next = np.zeros(50, bool)
    has_next[lm.prev] = True
    assert np.allclose(dense[has_next].sum(1), 1.0) and np.isclose(np.exp(lm.log_start).sum(), 1.0)
    assert np.all(lm.dense() >= lm.log_floor[None, :] - 1e-12)


def test_corpus_is_deterministic_and_labelled_as_stated():
    spec = ih.CorpusSpec(n_words=100, train_writers=3, lines_per_writer=2, test_writers=2, lm_lines=200)
    a, b = ih.make_corpus(3, spec), ih.make_corpus(3, spec)
    assert all(np.array_equal(u["x"], v["x"]) for u, v in zip(a["train"], b["train"]))
    assert len(a["train"]) == 6 and len(a["test"]) == 4 and len(set(a["words"])) == 100
    for line in a["train"] + a["test"]:
        text = " ".join(a["words"][w] for w in line["words"]) + " "
        assert "".join(ih.LETTERS[v] if v != ih.SPACE else " " for v in line["labels"]) == text
        assert line["x"].shape == (len(line["xy"]), ih.FEATURES)
        assert int(line["up"].sum()) == 3 * len(line["words"])        # 3 pen-up samples after every word
        assert len(line["x"]) >= 2 * len(line["labels"])              # room for CTC's blanks
    assert {c for w in ih.lexicon() for c in w} == set(ih.LETTERS)


def test_word_accuracy_counts_insertions_deletions_substitutions():
    t = [[(1,), (2,), (3,)], [(4,)]]
    assert ih.word_accuracy(t, t) == 1.0
    assert ih.word_accuracy([[(1,), (9,), (3,)], [(4,), (5,)]], t) == pytest.approx(1 - 2 / 4)
    assert ih.split_words([1, 2, ih.SPACE, 3, ih.SPACE]) == [(1, 2), (3,)]


def test_quick_seed_repeats_exactly():
    cfg = ih.config_of(ih.parse_args(["--quick"]))
    assert ih.run_seed(("BLSTM", 1, cfg)) == ih.run_seed(("BLSTM", 1, cfg))


@pytest.mark.parametrize("bad", [["--epochs", "0"], ["--lr", "nan"], ["--model", "crnn"], ["--model", "hmm", "--epochs", "3"],
                                 ["--record", "--n-seeds", "2"], ["--gradcheck", "--epochs", "3"]])
def test_impossible_settings_are_refused(bad):
    with pytest.raises(SystemExit) as exit_info:
        ih.parse_args(bad)
    assert exit_info.value.code == 2


def _rows(n, cer, wacc, offset=0.0):
    rng = np.random.default_rng(len(str(wacc)))
    return [{"seed": s, "cer_best": cer + 0.01 * rng.random(), "test_words": 60,
             **{f"wacc_{m}": v + 0.01 * rng.random() + offset for m, v in wacc.items()}} for s in range(n)]


def _record(blstm, lstm, n=3):
    return {"seeds": {"per_seed": _rows(n, *blstm)}, "lstm": {"seeds": {"per_seed": _rows(n, *lstm)}}}


PAPERLIKE = ((0.2, {"best": 0.4, "dict": 0.7, "lm": 0.87}), (0.55, {"best": 0.05, "dict": 0.1, "lm": 0.2}))


def test_verdict_yes_when_the_papers_ordering_holds():
    assert ih.verdict(_record(*PAPERLIKE))["value"] == "yes"


def test_verdict_partial_when_the_lm_does_not_help():
    blstm = (0.2, {"best": 0.4, "dict": 0.87, "lm": 0.70})
    v = ih.verdict(_record(blstm, PAPERLIKE[1]))
    assert v["value"] == "partial" and "bigram" in v["reason"]


def test_verdict_no_when_the_unidirectional_baseline_wins():
    lstm = (0.1, {"best": 0.5, "dict": 0.8, "lm": 0.95})
    assert ih.verdict(_record(PAPERLIKE[0], lstm))["value"] == "no"


def test_verdict_pending_below_the_minimum_seeds():
    assert ih.verdict(_record(*PAPERLIKE, n=2))["value"] == "pending"
    rec = _record(*PAPERLIKE)
    del rec["lstm"]
    assert ih.verdict(rec)["value"] == "pending"


def test_the_hmm_baseline_reads_frames_drawn_from_its_own_states():
    hmm = ih.LetterHMM()
    rng = np.random.default_rng(0)
    hmm.mean = rng.normal(0, 3, hmm.mean.shape)
    hmm.var[:] = 0.1
    words = [[0, 1, ih.SPACE], [2, ih.SPACE], [1, 2, ih.SPACE]]
    line = words[2] + words[0]                      # "bc ab "
    states = np.concatenate([np.repeat(np.arange(3) + 3 * k, 2) for k in line])
    x = hmm.mean[states] + rng.normal(0, 0.05, (len(states), ih.FEATURES))
    assert ih.hmm_decode(hmm, x, words)[0] == [2, 0]
    loop = [[k] for k in range(ih.SPACE + 1)]
    assert ih.spell(ih.hmm_decode(hmm, x, loop)[0], loop) == line
    fitted = ih.LetterHMM().fit([x], [np.array(line)], iterations=2)
    assert np.all(np.isfinite(fitted.mean)) and np.all(fitted.var > 0)


def test_hmm_quick_seed_runs():
    cfg = ih.config_of(ih.parse_args(["--quick", "--model", "hmm"]))
    row = ih.run_seed(("HMM", 0, cfg))
    assert row["lm_weight"] in ih.HMM_LM_WEIGHTS and -1 <= row["wacc_lm"] <= 1
