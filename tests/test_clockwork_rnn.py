"""clockwork-rnn: the generators, the matched networks, RMSProp, the loss gradients, a CW-RNN that
memorises a waveform, the verdict rule."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients

cw = load_module(ROOT / "clockwork-rnn" / "clockwork_rnn.py")


def test_loss_gradients_through_every_network_pass_the_numerical_check():
    errors = cw.gradient_errors()
    assert len(errors) == 2 * (5 + 5 + 8)
    assert max(errors.values()) < 1e-6, max(errors.items(), key=lambda kv: kv[1])


def test_a_wrong_gradient_is_caught():
    net = cw.Net("cw", 2, 3, {"modules": 2, "module_size": 2}, seed=0)
    x = np.random.default_rng(0).normal(size=(2, 6, 2))
    labels = np.array([0, 2])
    out = net.forward(x)
    _, d = cw.softmax_xent(out[:, -1], labels)
    dy = np.zeros_like(out)
    dy[:, -1] = d
    grads = net.backward(dy)
    grads["W_out"][1, 1] *= 1.02
    errors = check_gradients(lambda: cw.softmax_xent(net.forward(x)[:, -1], labels)[0], net.params, grads)
    assert errors["W_out"] > 1e-4


def test_rmsprop_first_step_is_the_normalised_gradient():
    p = {"w": np.array([1.0, -2.0, 0.5])}
    g = np.array([0.3, -4.0, 1e-3])
    opt = cw.RMSProp(p, lr=0.01, rho=0.9, momentum=0.9, eps=0.0)
    opt.step({"w": g})
    np.testing.assert_allclose(p["w"], [1.0, -2.0, 0.5] - 0.01 * np.sign(g) / np.sqrt(0.1))
    opt.step({"w": g})            # momentum carries the first step: m2 = 0.9 m1 - lr g / sqrt(0.19 g^2)
    expected = [1.0, -2.0, 0.5] - 0.01 * np.sign(g) * (1 / np.sqrt(0.1) * 1.9 + 1 / np.sqrt(0.19))
    np.testing.assert_allclose(p["w"], expected)


def test_waveforms_are_seeded_speech_like_and_peak_normalised():
    a, info = cw.vowel_waveform(np.random.default_rng([3, 3]))
    b, _ = cw.vowel_waveform(np.random.default_rng([3, 3]))
    c, _ = cw.vowel_waveform(np.random.default_rng([4, 3]))
    assert a.shape == (cw.STEPS,) and np.array_equal(a, b) and not np.allclose(a, c)
    assert np.isclose(np.abs(a).max(), 1.0) and abs(a.mean()) < 1e-9
    # the spectrum's strongest band lies near a formant of the drawn vowel (scaled by the tract factor)
    f = np.fft.rfftfreq(4096, 1 / cw.RATE)
    p = np.abs(np.fft.rfft(a * np.hanning(cw.STEPS), 4096)) ** 2
    peak = f[np.argmax(p)]
    formants = np.array(cw.VOWELS[info["vowel"]]) * info["tract"]
    assert np.min(np.abs(formants - peak)) < 250


def test_word_corpus_has_the_papers_split_and_suffix_groups():
    d = cw.word_corpus(0)
    assert d["x_train"].shape == (125, cw.WORD_FRAMES, cw.BANDS) and d["x_test"].shape == (50, cw.WORD_FRAMES, cw.BANDS)
    assert np.array_equal(np.bincount(d["y_train"]), np.full(25, 5))
    assert np.array_equal(np.bincount(d["y_test"]), np.full(25, 2))
    x, y = d["x_train"], d["y_train"]
    means_end = np.stack([x[y == w, -12:].mean(0) for w in range(25)])     # the suffix region
    means_start = np.stack([x[y == w, -40:-28].mean(0) for w in range(25)])  # around the onset
    dist = lambda m, a, b: np.linalg.norm(m[a] - m[b])                      # noqa: E731
    within = [dist(means_end, g * 5 + i, g * 5 + j) for g in range(5) for i in range(5) for j in range(i)]
    across = [dist(means_end, a, b) for a in range(25) for b in range(a) if a // 5 != b // 5]
    assert np.mean(within) < 0.6 * np.mean(across)      # words of a group end alike
    onset_within = [dist(means_start, g * 5 + i, g * 5 + j) for g in range(5) for i in range(5) for j in range(i)]
    assert np.mean(onset_within) > 2 * np.mean(within)  # and differ where they start


@pytest.mark.parametrize("sizes,n_in,n_out", [(cw.GEN_SIZES, 1, 1), (cw.WORD_SIZES, cw.BANDS, 25)])
def test_the_three_networks_have_about_the_same_number_of_weights(sizes, n_in, n_out):
    counts = {k: cw.Net(k, n_in, n_out, sizes[k], seed=0).n_weights() for k in cw.MODELS}
    assert max(counts.values()) / min(counts.values()) < 1.05, counts


def test_cw_rnn_memorises_a_waveform_and_keeps_its_connectivity():
    r = cw.train_generation("cw", 0, 200, 3e-3)
    assert r["curve"][0][1] > 0.5 and r["nmse"] < 0.2
    net = r["net"].net
    assert np.all(net.params["W_rec"][~net.mask] == 0)


def gen_rows(ratio_srn, ratio_lstm, n=6):
    rng = np.random.default_rng(0)
    base = np.exp(rng.normal(-5, 0.3, n))
    return [{"seed": i, "nmse_cw": b, "nmse_srn": b * ratio_srn * np.exp(rng.normal(0, 0.1)),
             "nmse_lstm": b * ratio_lstm * np.exp(rng.normal(0, 0.1))} for i, b in enumerate(base)]


def word_rows(wrong_cw, wrong_srn, wrong_lstm, n=6):
    return [{"seed": i, "wrong_cw": wrong_cw + i % 2, "wrong_srn": wrong_srn + i % 3, "wrong_lstm": wrong_lstm + i % 2}
            for i in range(n)]


def test_verdict_yes_partial_no_and_pending():
    rec = {"seeds": {"per_seed": gen_rows(100, 10)}, "words": {"seeds": {"per_seed": word_rows(5, 35, 20)}}}
    assert cw.verdict(rec)["value"] == "yes"
    rec = {"seeds": {"per_seed": gen_rows(100, 10)}, "words": {"seeds": {"per_seed": word_rows(10, 35, 2)}}}
    v = cw.verdict(rec)
    assert v["value"] == "partial" and "LSTM" in v["reason"]
    rec = {"seeds": {"per_seed": gen_rows(0.5, 10)}, "words": {"seeds": {"per_seed": word_rows(5, 35, 20)}}}
    assert cw.verdict(rec)["value"] == "no"
    rec = {"seeds": {"per_seed": gen_rows(1.0, 1.0)}, "words": {"seeds": {"per_seed": word_rows(20, 20, 20)}}}
    assert cw.verdict(rec)["value"] == "no"
    assert cw.verdict({"seeds": {"per_seed": gen_rows(100, 10, n=4)}})["value"] == "pending"
    assert cw.verdict({"seeds": {"per_seed": gen_rows(100, 10)}})["value"] == "pending"


def test_bad_command_lines_fail_before_any_work(capsys):
    for argv in (["--task", "speech"], ["--epochs", "0"], ["--lr-scale", "nan"], ["--record", "--n-seeds", "2"],
                 ["--gradcheck", "--epochs", "5"]):
        with pytest.raises(SystemExit) as e:
            cw.parse_args(argv)
        assert e.value.code != 0
