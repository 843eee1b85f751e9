"""The clockwork RNN (Koutník, Greff, Gomez & Schmidhuber 2014, "A Clockwork RNN", ICML; arXiv:1402.3511).

The hidden layer of a simple RNN is split into g modules of k tanh units; module i has the clock period
T_i = 2^(i-1) and is computed only at the steps t with t mod T_i = 0 (otherwise it keeps its value);
slower modules feed faster ones, never the reverse (shared.networks.clockwork, gradient-checked BPTT).
The paper compares it with a simple RNN (SRN) and an LSTM of about the same number of weights on
audio-signal generation and TIMIT spoken-word classification (abstract). TIMIT is not available
offline, so both tasks are built here in numpy (what each generator is: below and in the README):

  generation (the stub's main record): one 320-sample speech-like waveform per seed (a vowel excerpt
      at 8 kHz: a glottal pulse train with jittered, gliding pitch through three formant resonators,
      a rising amplitude envelope), memorised from a constant input; metric NMSE = MSE / var(target).
      CW-RNN (9 modules x 4 units, periods 1..256, 829 weights), SRN (27 units, 811), LSTM (13 cells,
      Greff et al.'s vanilla cell, 833), each trained by full BPTT with RMSProp.
  words (--task words): 25 synthetic spoken words in 5 groups that share a phonetic suffix (the paper's
      split: 7 speakers a word, 5 train / 2 test, 125 / 50 sequences), synthesised as waveforms by the
      same source-filter model with per-speaker pitch, vocal-tract length, speaking rate and noise, then
      read as 12 log filter-bank energies per 10 ms frame; metric: test classification error.
      CW-RNN (6 modules x 8, periods 1..32), SRN (40), LSTM (20): about 3,200 weights each.
  --model odyssnet: the catalog's OdyssNet core on the same sequences, seeds and epochs.

Run:  python3 clockwork-rnn/clockwork_rnn.py --n-seeds 10 --record                 (generation)
      python3 clockwork-rnn/clockwork_rnn.py --task words --n-seeds 10 --record    (word classification)
"""

from __future__ import annotations

import argparse
import re
import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, positive_float, require_seeds,
                                     stub_parser, summarize_measured)
from shared.frame.gradcheck import check_gradients, gradcheck_report
from shared.frame.verdict import grade, judge, paired_better, pending
from shared.networks.clockwork import Clockwork
from shared.networks.recurrent import LSTM, RNN
from shared.networks import tape_sequence, tape_steps

RATE = 8000            # samples per second of every synthetic waveform
STEPS = 320            # the generation task's sequence length (the paper's 320 samples)
MODELS = ("cw", "srn", "lstm")
NAMES = {"cw": "CW-RNN", "srn": "SRN", "lstm": "LSTM", "odyssnet": "OdyssNet"}

# ----------------------------------------------------------------------------------------
# Speech-like waveforms: a source-filter model in numpy
# ----------------------------------------------------------------------------------------

# (F1, F2, F3) in Hz of the vowels (Peterson & Barney-like adult averages, rounded)
VOWELS = {"a": (730, 1090, 2440), "i": (270, 2290, 3010), "u": (300, 870, 2240), "e": (530, 1840, 2480),
          "o": (570, 840, 2410), "ae": (660, 1720, 2410), "er": (490, 1350, 1690)}
# fricatives and nasals: (kind, band or formants)
CONSONANTS = {"s": ("noise", (3000, 3900)), "sh": ("noise", (1800, 2900)), "f": ("noise", (600, 3900)),
              "m": ("nasal", (250, 1000, 2200)), "n": ("nasal", (250, 1500, 2500))}


def resonator(signal: np.ndarray, freq: float, bandwidth: float) -> np.ndarray:
    """A two-pole resonance (a formant) at ``freq`` Hz of ``bandwidth`` Hz, unit gain at DC removed."""
    r = np.exp(-np.pi * bandwidth / RATE)
    a1, a2 = 2 * r * np.cos(2 * np.pi * freq / RATE), -r * r
    out = np.zeros_like(signal)
    y1 = y2 = 0.0
    for n, s in enumerate(signal):
        y = (1 - r) * s + a1 * y1 + a2 * y2
        out[n], y2, y1 = y, y1, y
    return out


def glottal_source(rng: np.random.Generator, n: int, f0: float, glide: float, jitter: float) -> np.ndarray:
    """A pulse train whose pitch moves linearly from f0 to f0 * (1 + glide), each period jittered;
    every pulse a Rosenberg-like opening (half a raised cosine) and a sharp closure."""
    src = np.zeros(n)
    t = 0.0
    while t < n:
        f = f0 * (1 + glide * t / n) * (1 + jitter * rng.normal())
        period = RATE / f
        open_len = max(int(0.6 * period), 2)
        start = int(t)
        k = np.arange(open_len)
        pulse = 0.5 * (1 - np.cos(np.pi * k / open_len))
        end = min(start + open_len, n)
        src[start:end] += pulse[:end - start]
        if end < n:
            src[end] -= 1.0     # the closure: most of the excitation's high-frequency energy
        t += period
    return np.diff(src, prepend=0.0)


def vowel_waveform(rng: np.random.Generator, n: int = STEPS) -> tuple[np.ndarray, dict]:
    """One speech-like target: ``n`` samples at 8 kHz of a vowel, peak-normalised to 1.

    Vowel drawn from VOWELS, formants scaled by a vocal-tract factor U(0.85, 1.2), bandwidths 60/90/150 Hz,
    f0 ~ U(90, 240) Hz gliding by U(-0.15, 0.15) over the excerpt with 1% jitter, an onset envelope
    (amplitude rising over the first U(40, 160) samples) and 1% aspiration noise."""
    vowel = list(VOWELS)[rng.integers(len(VOWELS))]
    scale = rng.uniform(0.85, 1.2)
    f0, glide = rng.uniform(90, 240), rng.uniform(-0.15, 0.15)
    src = glottal_source(rng, n, f0, glide, 0.01) + 0.01 * rng.normal(size=n)
    wave = sum(resonator(src, f * scale, bw) * g for f, bw, g in zip(VOWELS[vowel], (60, 90, 150), (1.0, 0.6, 0.3)))
    rise = rng.uniform(40, 160)
    wave = wave * (1 - np.exp(-np.arange(n) / rise * 3))
    wave = wave - wave.mean()
    info = {"vowel": vowel, "f0": float(f0), "tract": float(scale)}
    return wave / np.max(np.abs(wave)), info


# ----------------------------------------------------------------------------------------
# Synthetic spoken words: 25 words in 5 suffix groups, 7 speakers each
# ----------------------------------------------------------------------------------------

ONSETS = [("s", "i"), ("m", "a"), ("f", "u"), ("sh", "o"), ("n", "e")]        # word j of a group starts so
SUFFIXES = [("a", "n"), ("i", "s"), ("u", "m"), ("er", "sh"), ("ae", "f")]   # group g ends so (shared suffix)
FRAME, HOP, BANDS, WORD_FRAMES = 200, 80, 12, 56                         # 25 ms windows, 10 ms hop, 12 bands


def phone_wave(rng, phone: str, n: int, speaker: dict) -> np.ndarray:
    if phone in VOWELS:
        src = glottal_source(rng, n, speaker["f0"], speaker["glide"], 0.01) + 0.01 * rng.normal(size=n)
        out = sum(resonator(src, f * speaker["tract"], bw) * g
                  for f, bw, g in zip(VOWELS[phone], (60, 90, 150), (1.0, 0.6, 0.3)))
        return out
    kind, spec = CONSONANTS[phone]
    if kind == "noise":
        lo, hi = spec
        spectrum = np.fft.rfft(rng.normal(size=n))
        freqs = np.fft.rfftfreq(n, 1 / RATE)
        spectrum[(freqs < lo * speaker["tract"]) | (freqs > min(hi * speaker["tract"], RATE / 2))] = 0
        return 0.5 * np.fft.irfft(spectrum, n) / np.sqrt(max((hi - lo) / (RATE / 2), 0.05))
    src = glottal_source(rng, n, speaker["f0"], speaker["glide"], 0.01)
    return 0.4 * sum(resonator(src, f * speaker["tract"], bw) * g for f, bw, g in zip(spec, (50, 200, 300),
                                                                                    (1.0, 0.2, 0.1)))


def word_waveform(rng, word: int, speaker: dict) -> np.ndarray:
    """Word ``word`` (group word // 5, onset word % 5): onset consonant + vowel, suffix vowel + consonant,
    each phone 70-110 ms times the speaker's rate, cross-faded over 10 ms."""
    phones = [*ONSETS[word % 5], *SUFFIXES[word // 5]]
    pieces = []
    for p in phones:
        n = int(RATE * rng.uniform(0.07, 0.11) * speaker["rate"])
        w = phone_wave(rng, p, n, speaker)
        ramp = np.minimum(1, np.minimum(np.arange(n), np.arange(n)[::-1]) / 80)
        pieces.append(w * ramp / (np.std(w) + 1e-9))
    return np.concatenate(pieces)


def filterbank(wave: np.ndarray) -> np.ndarray:
    """(frames, 12) log energies of 12 mel-spaced triangular bands of 25 ms Hann windows every 10 ms."""
    n_frames = 1 + max(len(wave) - FRAME, 0) // HOP
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n_frames)[:, None]
    power = np.abs(np.fft.rfft(np.hanning(FRAME) * wave[idx], axis=1)) ** 2
    mel = lambda f: 2595 * np.log10(1 + f / 700)                            # noqa: E731
    edges = 700 * (10 ** (np.linspace(mel(100), mel(RATE / 2), BANDS + 2) / 2595) - 1)
    freqs = np.fft.rfftfreq(FRAME, 1 / RATE)
    bank = np.clip(np.minimum((freqs[None] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None]),
                              (edges[2:, None] - freqs[None]) / (edges[2:, None] - edges[1:-1, None])), 0, None)
    return np.log(power @ bank.T + 1e-3)


def word_corpus(seed: int) -> dict:
    """The corpus of one seed: 25 words x 7 speakers (the first 5 train, the last 2 test), each a
    sequence of WORD_FRAMES frames (silence before the word: every word ends at the last frame),
    standardised with the training set's statistics."""
    rng = np.random.default_rng([seed, 7])
    speakers = [{"f0": rng.uniform(90, 240), "glide": rng.uniform(-0.1, 0.1), "tract": rng.uniform(0.85, 1.2),
                 "rate": rng.uniform(0.8, 1.25), "noise": rng.uniform(0.01, 0.05)} for _ in range(7)]
    feats, labels, spk = [], [], []
    for word in range(25):
        for s, speaker in enumerate(speakers):
            wave = word_waveform(rng, word, speaker)
            wave = wave + speaker["noise"] * rng.normal(size=len(wave))
            f = filterbank(wave)[-WORD_FRAMES:]
            silence = filterbank(speaker["noise"] * rng.normal(size=FRAME + HOP * (WORD_FRAMES - len(f))))
            feats.append(np.concatenate([silence[:WORD_FRAMES - len(f)], f]))
            labels.append(word)
            spk.append(s)
    x, y, spk = np.stack(feats), np.array(labels), np.array(spk)
    train = spk < 5
    mu, sd = x[train].mean(axis=(0, 1)), x[train].std(axis=(0, 1))
    x = (x - mu) / sd
    return {"x_train": x[train], "y_train": y[train], "x_test": x[~train], "y_test": y[~train]}


# ----------------------------------------------------------------------------------------
# General piece (for shared.networks.optim): RMSProp
# ----------------------------------------------------------------------------------------

class RMSProp:
    """RMSProp (Tieleman & Hinton 2012) with momentum: v <- rho v + (1 - rho) g^2;
    m <- mu m - lr g / sqrt(v + eps); p <- p + m. Updates ``params`` in place."""

    def __init__(self, params: dict, lr: float, rho: float = 0.9, momentum: float = 0.9, eps: float = 1e-8):
        self.params, self.lr, self.rho, self.momentum, self.eps = params, float(lr), rho, momentum, eps
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.m = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, grads: dict) -> None:
        for k, g in grads.items():
            self.v[k] *= self.rho
            self.v[k] += (1 - self.rho) * g * g
            self.m[k] *= self.momentum
            self.m[k] -= self.lr * g / np.sqrt(self.v[k] + self.eps)
            self.params[k] += self.m[k]

# ---------------------------------------------------------------------------- end RMSProp


# ----------------------------------------------------------------------------------------
# The networks, at matched numbers of weights
# ----------------------------------------------------------------------------------------

class Net:
    """One interface over the three networks: forward(x) -> y (B, T, O), backward(dy) -> grads."""

    def __init__(self, kind: str, n_in: int, n_out: int, size: dict, seed: int, readout: str = "all"):
        self.kind, self.readout = kind, readout
        rng = np.random.default_rng([seed, 1])
        if kind == "cw":
            self.net = Clockwork(n_in, size["modules"], size["module_size"], n_out, rng)
            self.params = self.net.params
        elif kind == "srn":
            self.net = RNN(n_in, size["hidden"], n_out, readout="all", rng=rng)
            self.params = self.net.params
        else:
            self.net = LSTM(n_in, size["hidden"], n_out, variant="V", readout="all", rng=rng)
            self.params = self.net.params

    def n_weights(self) -> int:
        if self.kind == "cw":
            p = self.params
            return int(self.net.mask.sum() + p["W_in"].size + p["b"].size + p["W_out"].size + p["c"].size)
        return int(sum(v.size for v in self.params.values()))

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "cw":
            y, self.cache = self.net.forward(x)
            return y
        return self.net.forward(x)

    def backward(self, dy: np.ndarray) -> dict:
        if self.kind == "cw":
            return self.net.backward(self.cache, dy)[0]
        return self.net.backward(dy)

    def hidden(self) -> np.ndarray:
        """(B, T, N) hidden states of the last forward."""
        if self.kind == "cw":
            return self.cache["hs"][:, 1:]
        return np.transpose(self.net.cache["hs"][1:], (2, 0, 1)) if self.kind == "lstm" else \
            np.transpose(self.net.cache["hs"][1:], (2, 0, 1))


GEN_SIZES = {"cw": {"modules": 9, "module_size": 4}, "srn": {"hidden": 27}, "lstm": {"hidden": 13}}
WORD_SIZES = {"cw": {"modules": 6, "module_size": 8}, "srn": {"hidden": 40}, "lstm": {"hidden": 20}}
# RMSProp step sizes: the best of 1e-3, 3e-3, 1e-2 (generation) / 1e-3, 3e-3 (words) on seed 100, which no
# recorded run uses; the SRN and the LSTM stay at NMSE ~1 on generation at all three (README, Deviations).
# OdyssNet: its trainer's AdamW at the step size the catalog's other OdyssNet rows use.
LR = {"gen": {"cw": 1e-3, "srn": 1e-3, "lstm": 1e-3, "odyssnet": 3e-3},
      "words": {"cw": 1e-3, "srn": 1e-3, "lstm": 1e-3, "odyssnet": 3e-3}}
EPOCHS = {"gen": 600, "words": 200}
ODYSS = {"gen": {"neurons": 28, "steps": 1}, "words": {"neurons": 55, "steps": 1}}


def nmse(y: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((y - target) ** 2) / np.var(target))


def train_generation(kind: str, seed: int, epochs: int, lr: float, snapshots: int = 0) -> dict:
    """Memorise seed's waveform from a constant input by full BPTT and RMSProp; NMSE every 10 epochs."""
    target, info = vowel_waveform(np.random.default_rng([seed, 3]))
    x = np.ones((1, STEPS, 1))
    net = Net(kind, 1, 1, GEN_SIZES[kind], seed)
    opt = RMSProp(net.params, lr)
    curve, frames = [], []
    keep = set(np.unique(np.geomspace(1, epochs, snapshots).astype(int))) if snapshots else set()
    for epoch in range(1, epochs + 1):
        y = net.forward(x)
        err = y[0, :, 0] - target
        dy = (2 * err / STEPS)[None, :, None]
        grads = net.backward(dy)
        opt.step(grads)
        if kind == "cw":
            net.params["W_rec"] *= net.net.mask
        if epoch % 10 == 0 or epoch == 1:
            curve.append((epoch, float(np.mean(err ** 2) / np.var(target))))
        if epoch in keep:
            frames.append({"epoch": epoch, "y": y[0, :, 0].copy(), "h": net.hidden()[0].copy()})
    y = net.forward(x)[0, :, 0]
    return {"nmse": nmse(y, target), "target": target, "y": y, "info": info, "curve": curve,
            "weights": net.n_weights(), "frames": frames, "h": net.hidden()[0].copy(), "net": net}


def softmax_xent(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[np.arange(len(labels)), labels] + 1e-300)))
    d = p.copy()
    d[np.arange(len(labels)), labels] -= 1
    return loss, d / len(labels)


def train_words(kind: str, seed: int, epochs: int, lr: float, data: dict | None = None) -> dict:
    """Classify the 25 words from the last frame's output (softmax), full-batch BPTT and RMSProp."""
    data = word_corpus(seed) if data is None else data
    net = Net(kind, BANDS, 25, WORD_SIZES[kind], seed)
    opt = RMSProp(net.params, lr)
    x, y = data["x_train"], data["y_train"]
    curve = []
    for epoch in range(1, epochs + 1):
        out = net.forward(x)
        loss, d_last = softmax_xent(out[:, -1], y)
        dy = np.zeros_like(out)
        dy[:, -1] = d_last
        opt.step(net.backward(dy))
        if kind == "cw":
            net.params["W_rec"] *= net.net.mask
        if epoch % 10 == 0 or epoch == 1:
            test_out = net.forward(data["x_test"])[:, -1]
            curve.append((epoch, loss, float(np.mean(test_out.argmax(1) != data["y_test"]))))
    train_err = float(np.mean(net.forward(x)[:, -1].argmax(1) != y))
    test_pred = net.forward(data["x_test"])[:, -1].argmax(1)
    wrong = int(np.sum(test_pred != data["y_test"]))
    return {"test_error": wrong / len(test_pred), "test_wrong": wrong, "train_error": train_err,
            "weights": net.n_weights(), "curve": curve, "pred": test_pred}


# ----------------------------------------------------------------------------------------
# OdyssNet on the same sequences
# ----------------------------------------------------------------------------------------

def odyssnet_generation(seed: int, epochs: int, lr: float) -> dict:
    from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
    target, info = vowel_waveform(np.random.default_rng([seed, 3]))
    n = ODYSS["gen"]["neurons"]
    net = OdyssNet(n, [0], [n - 1], pulse_mode=False, dtype=np.float64, rng=seed)
    trainer = OdyssNetTrainer(net, lr=lr)
    x = np.ones((1, STEPS, 1))
    y_seq = target[None, :, None]
    for _ in range(epochs):
        net.reset_state()
        trainer.train_batch(x, y_seq, STEPS * ODYSS["gen"]["steps"], full_sequence=True)
    net.reset_state()
    y = trainer.predict(x, STEPS * ODYSS["gen"]["steps"], full_sequence=True)[0, :, 0]
    return {"nmse": nmse(y, target), "weights": int(net.get_num_params()), "info": info}


def odyssnet_words(seed: int, epochs: int, lr: float) -> dict:
    from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
    data = word_corpus(seed)
    n = ODYSS["words"]["neurons"]
    net = OdyssNet(n, range(BANDS), range(n - 25, n), pulse_mode=False, dtype=np.float64, rng=seed)
    trainer = OdyssNetTrainer(net, lr=lr, loss="cross_entropy")
    steps = WORD_FRAMES * ODYSS["words"]["steps"]
    for _ in range(epochs):
        net.reset_state()
        trainer.train_batch(data["x_train"], data["y_train"], steps)
    net.reset_state()
    out = trainer.predict(data["x_test"], steps)
    wrong = int(np.sum(np.asarray(out).reshape(len(data["y_test"]), -1)[:, -25:].argmax(1) != data["y_test"]))
    return {"test_error": wrong / len(data["y_test"]), "test_wrong": wrong, "weights": int(net.get_num_params())}


# ----------------------------------------------------------------------------------------
# Gradient check of the pieces this stub differentiates itself (the loss heads)
# ----------------------------------------------------------------------------------------

def gradient_errors() -> dict:
    """Analytic vs numerical gradients of both training losses through each network (float64)."""
    errors = {}
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 9, 3))
    labels = np.array([1, 3])
    target = rng.normal(size=9)
    for kind, size in (("cw", {"modules": 3, "module_size": 2}), ("srn", {"hidden": 4}), ("lstm", {"hidden": 3})):
        net = Net(kind, 3, 4, size, seed=1)
        for p in net.params.values():
            p += 0.3 * rng.normal(size=p.shape) * (net.net.mask if (kind == "cw" and p.shape == net.net.mask.shape)
                                                     else 1)

        def loss_words():
            return softmax_xent(net.forward(x)[:, -1], labels)[0]

        out = net.forward(x)
        _, d = softmax_xent(out[:, -1], labels)
        dy = np.zeros_like(out)
        dy[:, -1] = d
        grads = net.backward(dy)
        entries = {"W_rec": np.flatnonzero(net.net.mask)} if kind == "cw" else None
        for name, e in check_gradients(loss_words, net.params, grads, entries=entries).items():
            errors[f"words/{kind}/{name}"] = e

        def loss_gen():
            return float(np.mean((net.forward(x)[0, :, 0] - target) ** 2))

        out = net.forward(x)
        dy = np.zeros_like(out)
        dy[0, :, 0] = 2 * (out[0, :, 0] - target) / len(target)
        grads = net.backward(dy)
        for name, e in check_gradients(loss_gen, net.params, grads, entries=entries).items():
            errors[f"gen/{kind}/{name}"] = e
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py clockwork-rnn): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def recorded_epochs(part: dict) -> int | None:
    """The epochs of a recorded generation run, as its per-seed table's title states them."""
    title = ((part.get("tables") or [{}])[0]).get("title", "")
    found = re.search(r"(\d+) epochs", title)
    return int(found.group(1)) if found else None


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, on the generation task (the main record): one step is
    one epoch, one full-BPTT pass over the 320-sample sequence (batch 1, a constant input, a target at
    every step) and one RMSProp update, float64. CW-RNN: shared.networks.tape_sequence.clockwork_step, as
    shared.networks.clockwork computes it: every unit's pre-activation and tanh at every step, the clock
    applied by np.where, the recurrent matrix dense (36 x 36, 1,296 entries of which 720 are connections;
    a clockwork that skipped the idle modules would move less, but that is not what the stub runs). SRN
    and LSTM: tape_steps.rnn_step / lstm_step with the "adam" update standing for RMSProp with momentum
    (the same three maps per weight, seven reads, in another order); the LSTM row leaves out the vanilla
    cell's 39 peephole weights. OdyssNet: tape_steps.odyssnet_step (28 neurons, one thinking step per
    sample, float64 as the stub builds it; its gradient clipping is left out). The waveform generator and
    the NMSE read-outs every 10 epochs are the experimenter's and are not priced. No row has a solve
    criterion: steps to solve are each run's whole budget (600 epochs), read from the record's table
    title. The spoken-words comparison (125 sequences x 56 frames a step) is not priced."""
    rows = []
    epochs = recorded_epochs(record)
    budget = f"the recorded run's budget: {epochs} epochs (tables[0] title); no solve criterion"
    gen = {kind: Net(kind, 1, 1, GEN_SIZES[kind], 0).n_weights() for kind in MODELS}
    cw = GEN_SIZES["cw"]
    rows.append({"row": "CW-RNN", "family": "gradient", "step": f"one epoch: BPTT over the {STEPS}-sample sequence",
                 "size": f"{cw['modules']} modules x {cw['module_size']} tanh units, {gen['cw']} weights "
                         f"(W_rec stored dense), RMSProp, float64",
                 "program": lambda tape: tape_sequence.clockwork_step(tape, 1, cw["modules"], cw["module_size"], 1,
                                                                      STEPS, optimizer="rmsprop", itemsize=8),
                 "steps_to_solve": epochs, "steps_from": budget})
    if "odyssnet" in record:
        neurons = ODYSS["gen"]["neurons"]
        odyss_epochs = recorded_epochs(record["odyssnet"])
        rows.append({"row": "OdyssNet", "family": "gradient",
                     "step": f"one epoch: BPTT over the {STEPS}-sample sequence",
                     "size": f"{neurons} neurons, AdamW, float64",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, neurons, 1, 1, STEPS * ODYSS["gen"]["steps"],
                                                                      optimizer="adam", itemsize=8),
                     "steps_to_solve": odyss_epochs,
                     "steps_from": f"the recorded run's budget: {odyss_epochs} epochs ([odyssnet] tables[0] title); "
                                   "no solve criterion"})
    srn, lstm = GEN_SIZES["srn"]["hidden"], GEN_SIZES["lstm"]["hidden"]
    rows.append({"row": "SRN", "family": "gradient", "step": f"one epoch: BPTT over the {STEPS}-sample sequence",
                 "size": f"{srn} tanh units, {gen['srn']} weights, RMSProp (priced as Adam's three maps), float64",
                 "program": lambda tape: tape_steps.rnn_step(tape, 1, srn, 1, STEPS, optimizer="adam", itemsize=8),
                 "steps_to_solve": epochs, "steps_from": budget})
    rows.append({"row": "LSTM", "family": "gradient", "step": f"one epoch: BPTT over the {STEPS}-sample sequence",
                 "size": f"{lstm} cells, {gen['lstm']} weights (peepholes not priced), RMSProp (priced as Adam's "
                         "three maps), float64",
                 "program": lambda tape: tape_steps.lstm_step(tape, 1, lstm, 1, STEPS, optimizer="adam", itemsize=8),
                 "steps_to_solve": epochs, "steps_from": budget})
    return rows


# ----------------------------------------------------------------------------------------
# The paper and the verdict
# ----------------------------------------------------------------------------------------

ABSTRACT = "abstract (ICML 2014 version; the arXiv v1 abstract says the same of both tasks)"
PAPER = {
    "citation": "Koutník, J., Greff, K., Gomez, F. & Schmidhuber, J. (2014). A Clockwork RNN. Proceedings of the "
                "31st International Conference on Machine Learning (ICML), JMLR W&CP 32. arXiv:1402.3511.",
    "claim": "A CW-RNN, whose hidden modules run at clock periods T_i = 2^(i-1) with slow modules feeding fast ones, "
             "outperforms an SRN and an LSTM of about the same number of weights at audio-signal generation and "
             "at TIMIT spoken-word classification (abstract). The tables' figures could not be read here (only the "
             "paper's opening pages were reachable offline); the setups below are the abstract's, the dataset "
             "split's (quoted from Sec. 4.2 by a secondary page) and ours.",
    "figures": [
        {"name": "generation: CW-RNN vs SRN and LSTM", "value": "CW-RNN outperforms both", "where": ABSTRACT},
        {"name": "spoken words: CW-RNN vs SRN and LSTM", "value": "CW-RNN outperforms both", "where": ABSTRACT},
        {"name": "spoken-word corpus", "value": "25 words in 5 groups by phonetic suffix, 7 speakers each, 5 train "
                                                "/ 2 test (175 sequences: 125 train, 50 test)",
         "where": "Sec. 4.2, as quoted by ri.k117.org's reproducibility page of the paper"},
        {"name": "generation target length", "value": "320 samples",
         "where": "the catalog plan and the seed's description (secondary; the paper's Sec. 4.1 was not read)"},
    ],
}
MIN_SEEDS = 5


def word_error_smoothed(wrong: int, n: int = 50) -> float:
    """The declared classification metric for the paired test: (wrong + 1) / (n + 2), so that a seed with
    no error keeps a finite log ratio."""
    return (wrong + 1) / (n + 2)


def verdict(record: dict) -> dict:
    """The catalog's verdict for clockwork-rnn, from the generation record and the 'words' section.

    Four claims, all from the paper's abstract ("outperforms both SRN and LSTM networks" at audio
    generation and TIMIT spoken-word classification), each a one-sided paired t-test over seeds on
    the log ratio CW-RNN / baseline (H0: geometric-mean ratio >= 1), Holm-corrected at 0.05:
      1. generation, CW-RNN beats the SRN: metric NMSE after training (per seed, its own waveform);
      2. generation, CW-RNN beats the LSTM: the same metric;
      3. words, CW-RNN beats the SRN: metric (wrong + 1) / 52 over the 50 test words;
      4. words, CW-RNN beats the LSTM: the same metric.
    Minimum 5 seeds in each record. Primary: claims 1 and 3 (the architecture against the SRN it
    modifies, on both tasks; the brief's reading); yes if all four hold, partial if 1 and 3 hold,
    no otherwise. The OdyssNet section is reported, not graded. Written before the recorded runs.
    """
    gen = (record.get("seeds") or {}).get("per_seed") or []
    words = ((record.get("words") or {}).get("seeds") or {}).get("per_seed") or []
    if len(gen) < MIN_SEEDS:
        return pending(f"{len(gen)} generation seeds, the rule needs {MIN_SEEDS} (python3 clockwork-rnn/"
                       "clockwork_rnn.py --n-seeds 10 --record)")
    if len(words) < MIN_SEEDS:
        return pending(f"{len(words)} word-classification seeds, the rule needs {MIN_SEEDS} (python3 clockwork-rnn/"
                       "clockwork_rnn.py --task words --n-seeds 10 --record)")
    cw, srn, lstm = ([r[f"nmse_{k}"] for r in gen] for k in MODELS)
    wcw, wsrn, wlstm = ([word_error_smoothed(r[f"wrong_{k}"]) for r in words] for k in MODELS)
    gen_metric = "NMSE of the memorised 320-sample waveform (MSE / variance of the target)"
    word_metric = "test error smoothed (wrong + 1) / 52 over 50 test words"
    claims = judge([
        paired_better("generation: CW-RNN beats the SRN", ABSTRACT, cw, srn, gen_metric),
        paired_better("spoken words: CW-RNN beats the SRN", ABSTRACT, wcw, wsrn, word_metric),
        paired_better("generation: CW-RNN beats the LSTM", ABSTRACT, cw, lstm, gen_metric),
        paired_better("spoken words: CW-RNN beats the LSTM", ABSTRACT, wcw, wlstm, word_metric),
    ])
    return grade(claims, primary=2)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

def lr_scale(text: str) -> float:
    value = positive_float(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"at most 100 (a step size 100x the tuned one diverges), got {text}")
    return value


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="a 2-seed run of 20 epochs (generation) / 5 epochs (words)")
    parser.add_argument("--task", choices=["gen", "words"], default="gen",
                        help="gen: memorise speech-like waveforms (the main record, default); words: classify the "
                             "synthetic spoken words (section 'words')")
    parser.add_argument("--model", choices=["paper", "odyssnet"], default="paper",
                        help="paper: CW-RNN, SRN and LSTM at matched weights (default); odyssnet: the catalog's "
                             "OdyssNet core on the same sequences (section 'odyssnet' / 'words-odyssnet')")
    parser.add_argument("--epochs", type=int_at_most(100000, "each epoch is one full BPTT pass"), default=None,
                        help="training epochs (default 600 for gen, 200 for words)")
    parser.add_argument("--lr-scale", type=lr_scale, default=1.0,
                        help="multiply every model's RMSProp step size (the recorded runs use 1)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the gradients of both losses through every network, print the largest "
                             "relative error and exit (non-zero above 1e-6)")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck"), "to training runs, not to --gradcheck")
    if args.record and not args.quick and (args.epochs not in (None, EPOCHS[args.task]) or args.lr_scale != 1.0):
        parser.error("--record writes the catalog's configuration only (default --epochs and --lr-scale)")
    require_seeds(parser, args, MIN_SEEDS)
    return args


def section_of(args) -> str | None:
    if args.model == "odyssnet":
        return "odyssnet" if args.task == "gen" else "words-odyssnet"
    return None if args.task == "gen" else "words"


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_report(gradient_errors())
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    epochs = args.epochs or (5 if args.quick and args.task == "words" else 20 if args.quick else EPOCHS[args.task])
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    section = section_of(args)
    clock = Progress(1)
    kinds = ["odyssnet"] if args.model == "odyssnet" else list(MODELS)
    optimiser = "its trainer's AdamW" if args.model == "odyssnet" else "RMSProp"
    print(f"clockwork-rnn, task {args.task}: {', '.join(NAMES[k] for k in kinds)}; {epochs} epochs of {optimiser}; "
          f"seeds {seeds[0]}..{seeds[-1]}", flush=True)
    progress = Progress(len(seeds) * len(kinds), label="run")
    rows = []
    for s in seeds:
        row = {"seed": s}
        for k in kinds:
            lr = LR[args.task][k] * args.lr_scale
            if args.task == "gen":
                r = odyssnet_generation(s, epochs, lr) if k == "odyssnet" else train_generation(k, s, epochs, lr)
                row.setdefault("vowel", r["info"]["vowel"])
                row.setdefault("f0_hz", round(r["info"]["f0"], 1))
                row[f"nmse_{k}"] = r["nmse"]
            else:
                r = odyssnet_words(s, epochs, lr) if k == "odyssnet" else train_words(k, s, epochs, lr)
                row[f"wrong_{k}"] = r["test_wrong"]
                row[f"error_{k}"] = r["test_error"]
            row[f"weights_{k}"] = r["weights"]
            progress.update(len(rows) * len(kinds) + kinds.index(k) + 1, seed=s, model=k)
        rows.append(row)
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    metric = "nmse" if args.task == "gen" else "error"
    first = kinds[0]
    means = {k: float(np.mean([r[f"{metric}_{k}"] for r in rows])) for k in kinds}
    weights = {k: rows[0][f"weights_{k}"] for k in kinds}
    label = "NMSE" if args.task == "gen" else "test error"
    task_name = "320-sample speech-like waveforms" if args.task == "gen" else "25 synthetic spoken words"
    headline = {f"{'' if args.task == 'gen' else 'words_'}mean_{metric}_{k}": means[k] for k in kinds}
    headline.update({f"{'' if args.task == 'gen' else 'words_'}weights_{k}": weights[k] for k in kinds})
    if args.task == "gen" and args.model == "paper":
        headline["seeds_cw_below_srn"] = f"{sum(r['nmse_cw'] < r['nmse_srn'] for r in rows)}/{len(rows)}"
        headline["seeds_cw_below_lstm"] = f"{sum(r['nmse_cw'] < r['nmse_lstm'] for r in rows)}/{len(rows)}"
    summary = (f"{task_name}, mean {label} over {len(rows)} seeds: "
               + ", ".join(f"{NAMES[k]} {means[k]:.3g} ({weights[k]} weights)" for k in kinds))
    tables = [{"title": f"Per seed ({task_name}, {epochs} epochs of {optimiser}): {label} of each network",
               "columns": list(rows[0]), "rows": [list(r.values()) for r in rows]}]
    part = {"summary": summary, "headline": headline,
            "seeds": {"per_seed": rows, "summary": summarize_measured([r[f"{metric}_{first}"] for r in rows],
                                                                      f"{metric}_{first}")},
            "tables": tables, "wallclock_s": clock.elapsed}
    measured = {f"mean {label}, {NAMES[k]}": means[k] for k in kinds}
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0's speech-like waveform taking shape in the CW-RNN over training, beside its nine modules' "
                  "activity (slow modules step, fast ones oscillate).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
