"""timit-blstm-ctc: the synthetic corpus, the BRNN / windowed-MLP / OdyssNet wrappers and the CTC BLSTM
against finite differences, the target delay, the label error rate, a tiny framewise problem solved,
determinism, the command line and the verdict on both sides of each threshold."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

tb = load_module(ROOT / "timit-blstm-ctc" / "timit_blstm_ctc.py")


def test_hand_written_gradients_pass_the_numerical_check():
    errors = tb.gradient_errors()
    assert any(k.startswith("BRNN.backward") for k in errors) and any(k.startswith("ctc-BLSTM") for k in errors)
    assert max(errors.values()) < 1e-6, max(errors.items(), key=lambda kv: kv[1])


def test_a_wrong_brnn_gradient_is_caught():
    from shared.frame.gradcheck import check_gradients
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 5, tb.CEPSTRA)), rng.integers(0, tb.K, (2, 5))
    net = tb.BRNN(tb.CEPSTRA, 3, tb.K, rng=1)
    _, d = tb.softmax_xent(net.forward(x), y)
    grads = net.backward(d)
    grads["backward.U"][1, 2] *= 1.02
    errors = check_gradients(lambda: tb.softmax_xent(net.forward(x), y)[0], net.params, grads)
    assert errors["backward.U"] > 1e-4


def test_corpus_is_deterministic_and_shaped_as_stated():
    a = tb.make_corpus(5, 3)
    b = tb.make_corpus(5, 3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    x, y, lengths, strings, log_mel = a
    assert x.shape[2] == tb.CEPSTRA and log_mel[0].shape[1] == tb.BANDS
    for i, z in enumerate(strings):
        assert 6 <= len(z) <= 11 and np.all(z[1:] != z[:-1])          # no phoneme follows itself
        frames = y[i, :lengths[i]]
        collapsed = frames[np.r_[True, frames[1:] != frames[:-1]]]
        assert np.array_equal(collapsed, z)                           # frame labels are the string, stretched
        assert np.all(y[i, lengths[i]:] == -1)
        assert np.allclose(x[i, :lengths[i]], log_mel[i] @ tb.dct_matrix())


def test_confusable_pairs_differ_in_f2_and_duration_only():
    formants, amps, chain, _ = tb.inventory()
    for j in range(tb.K // 2):
        d = formants[2 * j + 1] - formants[2 * j]
        assert np.allclose(d, [0, tb.CorpusSpec.pair_shift, 0]) and np.allclose(amps[2 * j], amps[2 * j + 1])
    assert np.allclose(chain.sum(1), 1) and np.all(np.diag(chain) == 0)
    rng = np.random.default_rng(0)
    lens = {0: [], 1: []}
    for _ in range(40):
        _, labels, phones, _ = tb.utterance(rng)
        runs = np.diff(np.flatnonzero(np.r_[True, labels[1:] != labels[:-1], True]))
        for p, n in zip(phones, runs):
            lens[p % 2].append(n)
    assert 3 <= min(lens[0]) and max(lens[0]) <= 6 and 5 <= min(lens[1]) and max(lens[1]) <= 9


def test_dct_is_orthonormal():
    d = tb.dct_matrix(tb.BANDS, tb.BANDS)
    assert np.allclose(d.T @ d, np.eye(tb.BANDS))


def test_target_delay_shifts_labels_and_pads_frames():
    x = np.arange(2 * 4 * 1, dtype=float).reshape(2, 4, 1)
    y = np.array([[1, 2, 3, -1], [4, 5, 6, 7]])
    xd, yd, ld = tb.delayed(x, y, np.array([3, 4]), 2)
    assert xd.shape == (2, 6, 1) and np.all(xd[:, 4:] == 0)
    assert np.array_equal(yd, [[-1, -1, 1, 2, 3, -1], [-1, -1, 4, 5, 6, 7]]) and list(ld) == [5, 6]


def test_brnn_backward_direction_sees_the_future():
    rng = np.random.default_rng(0)
    net = tb.BRNN(tb.CEPSTRA, 4, 3, rng=0)
    x = rng.normal(size=(1, 6, tb.CEPSTRA))
    y0 = net.forward(x.copy(), np.array([6]))
    x[0, 5] += 1.0
    y1 = net.forward(x, np.array([6]))
    assert np.abs(y1[0, 0] - y0[0, 0]).max() > 0             # frame 0's output depends on frame 5
    lstm = tb.build("LSTM", tb.Config(h_lstm=4), np.random.default_rng(0))
    x2 = x.copy()
    x2[0, 5] += 1.0
    assert np.allclose(lstm.forward(x)[0, :5], lstm.forward(x2)[0, :5])   # a unidirectional net does not


def test_prefix_search_beats_best_path_on_a_handmade_output():
    # two frames, labels a (0) and blank: best path is the blank path ("" at 0.36), but "a" sums to 0.64
    y = np.full((2, tb.K + 1), 1e-9)
    y[:, tb.BLANK], y[:, 0] = 0.6, 0.4
    logits = np.log(y / y.sum(1, keepdims=True))[None]
    assert len(tb.best_path_decode(logits, blank=tb.BLANK)[0]) == 0
    lab, _, exact = tb.prefix_search_decode(tb.log_softmax(logits)[0], blank=tb.BLANK)
    assert exact and list(lab) == [0]


def test_a_tiny_noiseless_framewise_problem_is_learned():
    spec = tb.CorpusSpec(noise=0.0, speaker_shift=0.0, speaker_tilt=0.0)
    rng = np.random.default_rng(0)
    utts = [tb.utterance(rng, spec) for _ in range(24)]
    steps = max(u[0].shape[0] for u in utts)
    x = np.zeros((24, steps, tb.CEPSTRA))
    y = np.full((24, steps), -1)
    lengths = np.array([u[0].shape[0] for u in utts])
    for i, u in enumerate(utts):
        x[i, :lengths[i]], y[i, :lengths[i]] = u[0], u[1]
    x, _ = tb.normalise(x, lengths)
    net = tb.build("BRNN", tb.Config(h_brnn=16), np.random.default_rng(1))
    opt = tb.Adam(net.params, lr=0.02)
    for _ in range(150):
        _, d = tb.softmax_xent(net.forward(x, lengths), y)
        opt.step(net.backward(d))
    assert tb.frame_error(net, x, y, lengths) < 0.1


def test_quick_run_repeats_exactly():
    cfg = tb.config_of(tb.parse_args(["--quick"]))
    assert tb.framewise_job((0, cfg, ("BLSTM", "MLP"))) == tb.framewise_job((0, cfg, ("BLSTM", "MLP")))
    assert tb.ctc_job((1, cfg)) == tb.ctc_job((1, cfg))


@pytest.mark.parametrize("bad", [["--epochs", "0"], ["--lr", "nan"], ["--workers", "3"],
                                 ["--ctc", "--model", "odyssnet"], ["--ctc-epochs", "3"], ["--ctc", "--epochs", "3"],
                                 ["--record", "--n-seeds", "3"], ["--gradcheck", "--ctc"]])
def test_impossible_settings_are_refused(bad):
    with pytest.raises(SystemExit) as exit_info:
        tb.parse_args(bad)
    assert exit_info.value.code == 2


def _record(framewise, ctc_diff, n=10):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        rows.append({"seed": i, **{f"{a}_error": v * (1 + 0.01 * rng.standard_normal()) for a, v in framewise.items()}})
    ctc = [{"seed": i, "ler_best_path": 0.2, "ler_prefix": 0.2 + ctc_diff + 0.002 * rng.standard_normal()}
           for i in range(n)]
    return {"seeds": {"per_seed": rows}, "ctc": {"seeds": {"per_seed": ctc}}}


PAPERLIKE = {"BLSTM": 0.10, "BRNN": 0.12, "LSTM": 0.13, "RNN": 0.16, "MLP": 0.15}


def test_verdict_yes_when_the_papers_ordering_holds():
    assert tb.verdict(_record(PAPERLIKE, -0.01))["value"] == "yes"


def test_verdict_partial_when_only_ctc_fails():
    v = tb.verdict(_record(PAPERLIKE, +0.02))
    assert v["value"] == "partial" and "prefix" in v["reason"]


def test_verdict_no_when_unidirectional_wins():
    assert tb.verdict(_record({**PAPERLIKE, "LSTM": 0.08}, -0.01))["value"] == "no"


def test_verdict_partial_when_brnn_beats_blstm():
    v = tb.verdict(_record({**PAPERLIKE, "BRNN": 0.09}, 0.0))
    assert v["value"] == "partial" and "BLSTM < BRNN" in v["reason"]


def test_verdict_pending_below_the_minimum_seeds():
    assert tb.verdict(_record(PAPERLIKE, 0.0, n=9))["value"] == "pending"
    rec = _record(PAPERLIKE, 0.0)
    rec["ctc"]["seeds"]["per_seed"] = rec["ctc"]["seeds"]["per_seed"][:4]
    assert tb.verdict(rec)["value"] == "pending"
    rec = _record(PAPERLIKE, 0.0)
    rec.pop("ctc")
    assert tb.verdict(rec)["value"] == "pending"
