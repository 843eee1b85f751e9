"""Framewise phoneme classification with BLSTM and other architectures (Graves & Schmidhuber 2005,
Neural Networks 18(5-6):602-610) and connectionist temporal classification (Graves, Fernandez, Gomez &
Schmidhuber 2006, ICML) on a speech-like synthetic corpus generated in numpy (TIMIT cannot be had here).

The corpus (`make_corpus`, stated exactly in the README): 12 phonemes in 6 confusable pairs, each a set of
three formants on a 20-band mel axis; a pair differs by one band in its second formant and by its
duration (the "long" member lasts longer). Utterances are phoneme strings from a bigram chain; formants
move linearly from one phoneme's targets to the next over co-articulation frames at each boundary; each
utterance has a speaker (a vocal-tract shift of all formants and a spectral tilt); log mel energies get
Gaussian noise; the frame features are the first 13 DCT-II coefficients (MFCC-like cepstra).

Framewise (2005): every frame is labelled with its phoneme. BLSTM, BRNN, a unidirectional LSTM and RNN
(each with a target delay of DELAY frames) and an MLP on a window of frames are trained by cross-entropy
and compared by the framewise error on a test set of other speakers.
CTC (2006): a BLSTM with K + 1 softmax outputs (blank last) trained by the CTC loss on the phoneme
strings only (no frame labels); label error rate (edit distance / target length) of best-path and
prefix-search decoding on the test set.
--model odyssnet: the OdyssNet core as a framewise sequence model (unidirectional, same delay).

Run:  python3 timit-blstm-ctc/timit_blstm_ctc.py --n-seeds 10 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # noqa: F401 -- first: it pins the BLAS and SIMD kernels before numpy loads

import numpy as np

from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, positive_float,
                                     require_seeds, stub_parser, summarize_measured)
from shared.frame.gradcheck import check_gradients, gradcheck_report
from shared.frame.verdict import grade, judge, mean_below, paired_better, pending
from shared.networks.ctc import (best_path_decode, ctc_loss, ctc_loss_backward, label_error,
                                 log_softmax, prefix_search_decode)
from shared.networks.mlp import MLP
from shared.networks.odyssnet import OdyssNetSequence
from shared.networks.optim import Adam, clip_global_norm
from shared.networks.recurrent import BLSTM, LSTM, RNN
from shared.networks import tape_sequence, tape_steps

# ----------------------------------------------------------------------------------------
# The corpus
# ----------------------------------------------------------------------------------------

K = 12              # phonemes: 6 confusable pairs (2j, 2j + 1)
BANDS = 20          # mel bands of the log spectrum
CEPSTRA = 13        # DCT-II coefficients kept: the frame features
CORPUS_SEED = 2005  # the phoneme inventory (formants, bigram chain) is fixed for the whole catalog


@dataclass(frozen=True)
class CorpusSpec:
    min_phonemes: int = 6
    max_phonemes: int = 11
    short: tuple = (3, 6)        # frames of the short member of a pair (inclusive range)
    long: tuple = (5, 9)         # frames of the long member
    coart: int = 2               # frames on each side of a boundary over which the formants glide
    pair_shift: float = 1.0      # bands between the second formants of a confusable pair
    speaker_shift: float = 0.6   # std of the per-utterance vocal-tract shift of all formants (bands)
    speaker_tilt: float = 0.3    # std of the per-utterance spectral tilt (log units across the axis)
    formant_width: float = 1.3   # std of a formant's bump (bands)
    noise: float = 0.35          # std of the Gaussian noise on the log mel energies
    floor: float = 0.05          # spectral floor under the formants


def inventory(seed: int = CORPUS_SEED):
    """Formant targets (K, 3) in bands, formant amplitudes (K, 3), bigram chain (K, K), initial (K,)."""
    rng = np.random.default_rng(seed)
    formants = np.zeros((K, 3))
    amps = np.zeros((K, 3))
    for j in range(K // 2):
        base = np.array([rng.uniform(1.5, 5.5), rng.uniform(6.5, 12.5), rng.uniform(13.5, 18.0)])
        a = rng.uniform(0.6, 1.0, 3)
        formants[2 * j], formants[2 * j + 1] = base, base + np.array([0.0, CorpusSpec.pair_shift, 0.0])
        amps[2 * j] = amps[2 * j + 1] = a
    logits = rng.normal(0.0, 1.0, (K, K))
    np.fill_diagonal(logits, -np.inf)                     # no phoneme follows itself
    chain = np.exp(logits - logits.max(axis=1, keepdims=True))
    chain /= chain.sum(axis=1, keepdims=True)
    return formants, amps, chain, np.full(K, 1.0 / K)


def dct_matrix(n_in: int = BANDS, n_out: int = CEPSTRA) -> np.ndarray:
    """Orthonormal DCT-II (n_in, n_out): cepstra = log_mel @ D."""
    n = np.arange(n_in)[:, None]
    k = np.arange(n_out)[None, :]
    d = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    d[:, 0] /= np.sqrt(2.0)
    return d


def utterance(rng: np.random.Generator, spec: CorpusSpec = CorpusSpec(), inv=None):
    """One utterance: features (T, 13), frame labels (T,), phoneme string (N,), log mel (T, 20)."""
    formants, amps, chain, initial = inventory() if inv is None else inv
    n = int(rng.integers(spec.min_phonemes, spec.max_phonemes + 1))
    phones = [int(rng.choice(K, p=initial))]
    for _ in range(n - 1):
        phones.append(int(rng.choice(K, p=chain[phones[-1]])))
    durations = [int(rng.integers(*(spec.short if p % 2 == 0 else spec.long), endpoint=True)) for p in phones]
    labels = np.repeat(phones, durations)
    steps = labels.size
    # formant trajectories: the phoneme's target, gliding linearly to the neighbour's over the boundary
    track = formants[labels].copy()
    amp = amps[labels].copy()
    starts = np.cumsum([0] + durations[:-1])
    for i in range(1, n):
        b = starts[i]                                     # first frame of phoneme i
        left, right = formants[phones[i - 1]], formants[phones[i]]
        al, ar = amps[phones[i - 1]], amps[phones[i]]
        for off in range(-spec.coart, spec.coart):
            t = b + off
            if 0 <= t < steps:
                w = (off + spec.coart + 0.5) / (2 * spec.coart)   # 0..1 across the boundary
                track[t] = (1 - w) * left + w * right
                amp[t] = (1 - w) * al + w * ar
    track = track + rng.normal(0.0, spec.speaker_shift)   # the speaker's vocal tract
    band = np.arange(BANDS)[None, None, :]
    spectrum = (amp[:, :, None] * np.exp(-0.5 * ((band - track[:, :, None]) / spec.formant_width) ** 2)).sum(1)
    log_mel = np.log(spectrum + spec.floor)
    log_mel = log_mel + rng.normal(0.0, spec.speaker_tilt) * np.linspace(-1, 1, BANDS)[None, :]
    log_mel = log_mel + rng.normal(0.0, spec.noise, log_mel.shape)
    return log_mel @ dct_matrix(), labels, np.asarray(phones), log_mel


def make_corpus(n: int, seed: int, spec: CorpusSpec = CorpusSpec()):
    """n utterances from the generator seeded ``seed``: padded features (n, T, 13), frame labels (n, T)
    (-1 past each length), lengths (n,), phoneme strings (list), log mel (list)."""
    rng = np.random.default_rng(seed)
    inv = inventory()
    utts = [utterance(rng, spec, inv) for _ in range(n)]
    steps = max(u[0].shape[0] for u in utts)
    x = np.zeros((n, steps, CEPSTRA))
    y = np.full((n, steps), -1, dtype=int)
    lengths = np.array([u[0].shape[0] for u in utts])
    for i, (f, lab, _, _) in enumerate(utts):
        x[i, :f.shape[0]], y[i, :f.shape[0]] = f, lab
    return x, y, lengths, [u[2] for u in utts], [u[3] for u in utts]


def normalise(x, lengths, stats=None):
    """Zero mean, unit variance per feature over the training frames (the papers normalise the inputs)."""
    mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
    if stats is None:
        frames = x[mask]
        stats = (frames.mean(axis=0), frames.std(axis=0) + 1e-8)
    return np.where(mask[:, :, None], (x - stats[0]) / stats[1], 0.0), stats


# ----------------------------------------------------------------------------------------
# Networks (BRNN, the MLP on a window and the OdyssNet sequence model are written here; BLSTM, LSTM,
# RNN come from shared.networks.recurrent)
# ---- general piece for shared/ (BRNN: two RNNs like shared.networks.recurrent.BLSTM) ----
# ----------------------------------------------------------------------------------------

def reversal(lengths, batch: int, steps: int) -> np.ndarray:
    t = np.arange(steps)[None, :]
    lengths = np.full((batch, 1), steps) if lengths is None else np.asarray(lengths)[:, None]
    return np.where(t < lengths, lengths - 1 - t, t)


class BRNN:
    """Bidirectional tanh RNN (Schuster & Paliwal 1997): one RNN forward, one backward within each length,
    both into one output layer (the backward net's output bias unused). Gradients keyed 'forward.*' /
    'backward.*' like shared.networks.recurrent.BLSTM (no input_grad: shared RNN sets none)."""

    def __init__(self, input_size, hidden_size, output_size, rng=None, init_scale=0.1):
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.fwd = RNN(input_size, hidden_size, output_size, init_scale=init_scale, rng=rng)
        self.bwd = RNN(input_size, hidden_size, output_size, init_scale=init_scale, rng=rng)
        self.bwd.params["c"][:] = 0.0
        self.params = {f"forward.{k}": v for k, v in self.fwd.params.items()}
        self.params.update({f"backward.{k}": v for k, v in self.bwd.params.items() if k != "c"})
        self._rev = None

    def forward(self, x, lengths=None):
        x = np.asarray(x)
        rows = np.arange(x.shape[0])[:, None]
        self._rev = reversal(lengths, x.shape[0], x.shape[1])
        return self.fwd.forward(x, lengths) + self.bwd.forward(x[rows, self._rev], lengths)[rows, self._rev]

    def backward(self, dy):
        rows = np.arange(dy.shape[0])[:, None]
        grads = {f"forward.{k}": g for k, g in self.fwd.backward(dy).items()}
        grads.update({f"backward.{k}": g for k, g in self.bwd.backward(dy[rows, self._rev]).items() if k != "c"})
        return grads


# ---- end of the general piece ----

def window_frames(x, half: int) -> np.ndarray:
    """(B, T, D) -> (B, T, (2 half + 1) D): each frame with its half neighbours on each side (zeros beyond)."""
    b, t, d = x.shape
    padded = np.zeros((b, t + 2 * half, d))
    padded[:, half:half + t] = x
    return np.concatenate([padded[:, k:k + t] for k in range(2 * half + 1)], axis=2)


class WindowMLP:
    """The 2005 paper's time-windowed MLP: one tanh hidden layer over a window of frames."""

    def __init__(self, input_size, hidden_size, output_size, half, rng):
        self.half = half
        self.mlp = MLP([input_size * (2 * half + 1), hidden_size, output_size], rng)
        self.params = self.mlp.params
        self._cache = None

    def forward(self, x, lengths=None):
        mask = (np.arange(x.shape[1])[None, :] < (x.shape[1] if lengths is None else lengths)[:, None])
        y, self._cache = self.mlp.forward(window_frames(x * mask[:, :, None], self.half))
        return y

    def backward(self, dy):
        grads, _ = self.mlp.backward(self._cache, dy)
        return grads


# ----------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    n_train: int = 240          # utterances (training speakers: one utterance each)
    n_test: int = 120
    n_val: int = 60             # validation utterances: the epoch with the lowest validation error is kept
    epochs: int = 20
    batch: int = 16
    lr: float = 1e-2            # Adam
    clip: float = 1.0
    delay: int = 3              # target delay of the unidirectional nets (frames)
    half: int = 4               # MLP window: 4 frames on each side
    h_blstm: int = 16           # per direction
    h_lstm: int = 24
    h_brnn: int = 32            # per direction
    h_rnn: int = 48
    h_mlp: int = 64
    ctc_epochs: int = 30
    odyss_neurons: int = 48
    odyss_think: int = 2
    max_expansions: int = 100   # prefix search budget per section
    blank_threshold: float = 0.9999   # sections split where the blank's probability exceeds this (2006, Sec. 3.2)


ARCHS = ("BLSTM", "BRNN", "LSTM", "RNN", "MLP")
BIDIRECTIONAL = {"BLSTM", "BRNN", "MLP"}   # the MLP's window looks ahead by itself; no delay


def build(arch: str, cfg: Config, rng, outputs: int = K):
    if arch == "BLSTM":
        return BLSTM(CEPSTRA, cfg.h_blstm, outputs, rng=rng, variant="V", init_scale=0.1)
    if arch == "LSTM":
        return LSTM(CEPSTRA, cfg.h_lstm, outputs, variant="V", readout="all", init_scale=0.1, rng=rng)
    if arch == "BRNN":
        return BRNN(CEPSTRA, cfg.h_brnn, outputs, rng=rng)
    if arch == "RNN":
        return RNN(CEPSTRA, cfg.h_rnn, outputs, readout="all", rng=rng)
    if arch == "MLP":
        return WindowMLP(CEPSTRA, cfg.h_mlp, outputs, cfg.half, rng)
    if arch == "OdyssNet":
        return OdyssNetSequence(CEPSTRA, cfg.odyss_neurons, outputs, cfg.odyss_think, rng)
    raise ValueError(arch)


def delayed(x, y, lengths, delay):
    """Unidirectional nets answer frame t at output t + delay: pad delay zero frames, shift the targets."""
    if delay == 0:
        return x, y, lengths
    b, t, d = x.shape
    xd = np.zeros((b, t + delay, d))
    xd[:, :t] = x
    yd = np.full((b, t + delay), -1, dtype=int)
    yd[:, delay:] = y
    return xd, yd, lengths + delay


def softmax_xent(logits, y):
    """Mean cross-entropy over labelled frames (y >= 0) and its gradient."""
    mask = y >= 0
    log_p = log_softmax(logits)
    n = max(int(mask.sum()), 1)
    yy = np.where(mask, y, 0)
    nll = -np.take_along_axis(log_p, yy[..., None], axis=-1)[..., 0]
    d = np.exp(log_p)
    np.put_along_axis(d, yy[..., None], np.take_along_axis(d, yy[..., None], -1) - 1.0, -1)
    d *= mask[..., None] / n
    return float((nll * mask).sum() / n), d


def frame_error(net, x, y, lengths):
    pred = net.forward(x, lengths).argmax(-1)
    mask = y >= 0
    return float((pred[mask] != y[mask]).mean())


def data_for(seed: int, cfg: Config):
    xtr, ytr, ltr, ztr, mtr = make_corpus(cfg.n_train, 10_000 + 3 * seed)
    xte, yte, lte, zte, mte = make_corpus(cfg.n_test, 10_001 + 3 * seed)
    xva, yva, lva, zva, _ = make_corpus(cfg.n_val, 10_002 + 3 * seed)
    xtr, stats = normalise(xtr, ltr)
    xte, _ = normalise(xte, lte, stats)
    xva, _ = normalise(xva, lva, stats)
    return (xtr, ytr, ltr, ztr), (xte, yte, lte, zte), (mtr, mte), (xva, yva, lva, zva)


def train_framewise(arch: str, seed: int, cfg: Config, data, curve_every: int = 0):
    (xtr, ytr, ltr, _), (xte, yte, lte, _), _, (xva, yva, lva, _) = data
    rng = np.random.default_rng(1000 * seed + ARCHS_ALL.index(arch))
    net = build(arch, cfg, rng)
    delay = 0 if arch in BIDIRECTIONAL else cfg.delay
    xtr_d, ytr_d, ltr_d = delayed(xtr, ytr, ltr, delay)
    xte_d, yte_d, lte_d = delayed(xte, yte, lte, delay)
    xva_d, yva_d, lva_d = delayed(xva, yva, lva, delay)
    opt = Adam(net.params, lr=cfg.lr)
    curve, best, kept = [], np.inf, None
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(ltr))
        for s in range(0, len(order), cfg.batch):
            idx = order[s:s + cfg.batch]
            width = int(ltr_d[idx].max())
            logits = net.forward(xtr_d[idx, :width], ltr_d[idx])
            _, d = softmax_xent(logits, ytr_d[idx, :width])
            grads = net.backward(d)
            clip_global_norm(grads, cfg.clip)
            opt.step(grads)
        val = frame_error(net, xva_d, yva_d, lva_d)
        if val < best:
            best, kept, best_epoch = val, {k: v.copy() for k, v in net.params.items()}, epoch + 1
        if curve_every and (epoch + 1) % curve_every == 0:
            curve.append(frame_error(net, xte_d, yte_d, lte_d))
    for k, v in kept.items():
        net.params[k][...] = v          # early stopping: the epoch with the lowest validation error
    return {"val_error": best, "best_epoch": best_epoch,"train_error": frame_error(net, xtr_d, ytr_d, ltr_d), "test_error": frame_error(net, xte_d, yte_d, lte_d),
            "weights": int(sum(p.size for p in net.params.values())), "curve": curve, "net": net}


ARCHS_ALL = ARCHS + ("OdyssNet",)


BLANK = K   # the CTC blank is the last output; phonemes keep their indices 0..K-1


def segmented_prefix_search(log_y, threshold: float, max_expansions: int):
    """Prefix search on the sections between frames whose blank probability exceeds ``threshold`` (the 2006
    paper's heuristic, Sec. 3.2: the output is split where a blank is almost certain and each section is
    searched alone; such a frame separates the sections' labels, so their labellings concatenate).
    Returns (labelling, every section exact)."""
    sure = np.flatnonzero(np.exp(log_y[:, BLANK]) > threshold)
    cuts = [0] + [int(t) for t in sure] + [len(log_y)]
    out, exact = [], True
    for a, b in zip(cuts[:-1], cuts[1:]):
        a = a + 1 if a in sure else a           # the sure-blank frame itself carries no label
        if b - a <= 0:
            continue
        lab, _, ok = prefix_search_decode(log_y[a:b], blank=BLANK, max_expansions=max_expansions)
        out.extend(int(v) for v in lab)
        exact &= bool(ok)
    return np.asarray(out, dtype=int), exact


def ctc_decode(net, x, lengths, cfg: Config):
    logits = net.forward(x, lengths)
    best = best_path_decode(logits, lengths, blank=BLANK)
    log_y = log_softmax(logits)
    prefix, exact = [], 0
    for b in range(len(lengths)):
        lab, ok = segmented_prefix_search(log_y[b, :lengths[b]], cfg.blank_threshold, cfg.max_expansions)
        prefix.append(lab)
        exact += bool(ok)
    return best, prefix, exact, logits


def train_ctc(seed: int, cfg: Config, data, snapshots: int = 0, watch: int = 0):
    (xtr, _, ltr, ztr), (xte, _, lte, zte), _, _ = data
    rng = np.random.default_rng(1000 * seed + 99)
    net = build("BLSTM", cfg, rng, outputs=K + 1)
    opt = Adam(net.params, lr=cfg.lr)
    frames, losses = [], []
    for epoch in range(cfg.ctc_epochs):
        order = rng.permutation(len(ltr))
        total = 0.0
        for s in range(0, len(order), cfg.batch):
            idx = order[s:s + cfg.batch]
            width = int(ltr[idx].max())
            logits = net.forward(xtr[idx, :width], ltr[idx])
            nll, cache = ctc_loss(logits, [ztr[i] for i in idx], ltr[idx], blank=BLANK)
            total += float(nll.sum())
            grads = net.backward(ctc_loss_backward(cache, np.full(len(idx), 1.0 / len(idx))))
            clip_global_norm(grads, cfg.clip)
            opt.step(grads)
        losses.append(total / len(ltr))
        if snapshots and (epoch % max(1, cfg.ctc_epochs // snapshots) == 0 or epoch == cfg.ctc_epochs - 1):
            w = int(lte[watch])
            frames.append((epoch + 1, np.exp(log_softmax(net.forward(xte[watch:watch + 1, :w], lte[watch:watch + 1])))[0]))
    best, prefix, exact, _ = ctc_decode(net, xte, lte, cfg)
    return {"ler_best_path": label_error(best, zte), "ler_prefix": label_error(prefix, zte),
            "prefix_exact": exact, "n_test": len(lte), "final_nll": losses[-1], "losses": losses,
            "frames": frames, "net": net}


def framewise_job(job) -> dict:
    """One seed of the 2005 comparison (a pure function of (seed, cfg, archs), for the process pool)."""
    seed, cfg, archs = job
    data = data_for(seed, cfg)
    row = {"seed": seed}
    for arch in archs:
        r = train_framewise(arch, seed, cfg, data)
        row[f"{arch}_error"] = r["test_error"]
        row[f"{arch}_train_error"] = r["train_error"]
        row[f"{arch}_weights"] = r["weights"]
        row[f"{arch}_epoch"] = r["best_epoch"]
    return row


def ctc_job(job) -> dict:
    """One seed of the 2006 CTC experiment."""
    seed, cfg = job
    r = train_ctc(seed, cfg, data_for(seed, cfg))
    return {"seed": seed, "ler_best_path": r["ler_best_path"], "ler_prefix": r["ler_prefix"],
            "prefix_exact": r["prefix_exact"], "n_test": r["n_test"], "final_nll": r["final_nll"]}


def run_jobs(fn, jobs, workers: int, label: str, show):
    """Run the per-seed jobs (in order) on ``workers`` processes, printing progress as they finish."""
    clock = Progress(len(jobs), label=label)
    rows = []
    if workers == 1:
        for job in jobs:
            rows.append(fn(job))
            clock.update(len(rows), **show(rows[-1]))
        return rows, clock.elapsed
    from shared.frame.cluster import pool
    with pool(workers) as executor:
        for row in executor.map(fn, jobs):
            rows.append(row)
            clock.update(len(rows), **show(row))
    return rows, clock.elapsed


# ----------------------------------------------------------------------------------------
# Gradient checks
# ----------------------------------------------------------------------------------------

def gradient_errors() -> dict:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7, CEPSTRA))
    lengths = np.array([7, 5, 4])
    y = rng.integers(0, K, (3, 7))
    y[1, 5:] = -1
    y[2, 4:] = -1
    errors = {}
    small = Config(h_blstm=3, h_lstm=3, h_brnn=3, h_rnn=3, h_mlp=4, half=1, odyss_neurons=K + CEPSTRA + 2)
    for arch in ("BRNN", "MLP", "BLSTM", "OdyssNet"):
        net = build(arch, small, np.random.default_rng(1))
        if arch == "OdyssNet":
            net.think = 1

        def loss():
            return softmax_xent(net.forward(x, lengths), y)[0]
        _, d = softmax_xent(net.forward(x, lengths), y)
        grads = net.backward(d)
        entries = None
        if arch == "OdyssNet":                  # W's diagonal is structurally zero
            n = net.neurons
            entries = {"W": np.flatnonzero(~np.eye(n, dtype=bool))}
        errs = check_gradients(loss, net.params, grads, max_entries=12, rng=np.random.default_rng(3), entries=entries)
        errors.update({f"{arch}.{k}": v for k, v in errs.items()})
    net = build("BLSTM", small, np.random.default_rng(2), outputs=K + 1)
    labels = [np.array([1, 3, 3]), np.array([0, 5]), np.array([7])]

    def ctc_total():
        return float(ctc_loss(net.forward(x, lengths), labels, lengths, blank=BLANK)[0].sum())
    _, cache = ctc_loss(net.forward(x, lengths), labels, lengths, blank=BLANK)
    grads = net.backward(ctc_loss_backward(cache))
    errors.update({f"ctc-BLSTM.{k}": v for k, v in check_gradients(ctc_total, net.params, grads, max_entries=12,
                                                                     rng=np.random.default_rng(4)).items()})
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py timit-blstm-ctc): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

MOVEMENT_SHARE = 4          # a priced unit: 4 of a batch's 16 utterances (a whole batch is ~80M events)


def recorded_config(part: dict) -> Config:
    """The configuration a recorded section ran with: its command line read by this stub's parser."""
    return config_of(parse_args(part["command"].split()[2:]))


def movement_shapes(cfg: Config) -> tuple[int, int]:
    """Seed 0's training corpus: the mean padded width of its batches of ``cfg.batch`` utterances (each
    batch runs to its longest utterance) and the mean phoneme string length (the CTC labellings)."""
    _, _, lengths, strings, _ = make_corpus(cfg.n_train, 10_000)
    widths = [int(lengths[s:s + cfg.batch].max()) for s in range(0, len(lengths), cfg.batch)]
    return int(round(np.mean(widths))), int(round(np.mean([len(z) for z in strings])))


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: one Adam step on a batch of 16 utterances padded to the
    batch's longest, priced for a quarter of it, 4 utterances of the mean padded width of seed 0's training
    batches (the LRU cost of the whole batch would be somewhat higher than 4 quarters). BLSTM (headline,
    framewise) and the CTC BLSTM: tape_sequence.blstm_step (peephole LSTMs as shared.networks.recurrent
    computes them, both directions, the softmax cross-entropy on every frame or CTC's log-space
    forward-backward per utterance over the whole padded width, the global-norm clip, Adam); the
    unidirectional LSTM (24 cells, 3 frames of target delay added) the same without the backward
    direction; OdyssNet: tape_steps.odyssnet_step (48 neurons, two thinking steps per frame, targets read
    at every thinking step where the stub reads every second one, the loss's gradient as the core's y - t
    in place of the softmax cross-entropy's, no clip). Simplified: one instruction
    per element of each elementwise formula; the recurrent nets' gradients are written, not added to
    zeroed buffers. Not priced: the corpus generation, the validation pass after each epoch (the
    experimenter's early stopping), the decoders. No claim has a solve criterion: steps to solve are the
    recorded command's whole budget (epochs x 15 batches x 4 quarters), from the record's command line."""
    cfg = recorded_config(record)
    width, labels = movement_shapes(cfg)
    batches = -(-cfg.n_train // cfg.batch)
    unit = cfg.batch // MOVEMENT_SHARE
    quarter = f"{unit} of a batch's {cfg.batch} utterances, {width} frames"

    def budget(part_cfg: Config, epochs: int, where: str) -> tuple[int, str]:
        return (epochs * batches * MOVEMENT_SHARE,
                f"the recorded run's budget: {epochs} epochs x {batches} batches x {MOVEMENT_SHARE} quarters "
                f"({where} command line, its configuration); no solve criterion")

    steps, source = budget(cfg, cfg.epochs, "the record's")
    weights = lambda arch, outputs=K: build(arch, cfg, np.random.default_rng(0), outputs).num_params  # noqa: E731
    rows = [{"row": "BLSTM", "family": "gradient", "step": f"framewise: {quarter}",
             "size": f"{cfg.h_blstm} peephole cells per direction, {weights('BLSTM')} weights, Adam, float64",
             "program": lambda tape: tape_sequence.blstm_step(tape, CEPSTRA, cfg.h_blstm, K, width, batch=unit),
             "steps_to_solve": steps, "steps_from": source}]
    if "odyssnet" in record:
        ocfg = recorded_config(record["odyssnet"])
        o_steps, o_source = budget(ocfg, ocfg.epochs, "[odyssnet]")
        think = ocfg.odyss_think
        rows.append({"row": "OdyssNet", "family": "gradient", "step": f"framewise: {quarter} + {ocfg.delay} of delay",
                     "size": f"{ocfg.odyss_neurons} neurons, {think} thinking steps per frame, Adam, float64",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, ocfg.odyss_neurons, CEPSTRA, K,
                                                                      (width + ocfg.delay) * think, batch=unit,
                                                                      itemsize=8),
                     "steps_to_solve": o_steps, "steps_from": o_source})
    rows.append({"row": "LSTM", "family": "gradient", "step": f"framewise: {quarter} + {cfg.delay} of delay",
                 "size": f"{cfg.h_lstm} peephole cells, {weights('LSTM')} weights, Adam, float64",
                 "program": lambda tape: tape_sequence.blstm_step(tape, CEPSTRA, cfg.h_lstm, K, width + cfg.delay,
                                                                  batch=unit, bidirectional=False),
                 "steps_to_solve": steps, "steps_from": source})
    if "ctc" in record:
        ccfg = recorded_config(record["ctc"])
        c_steps, c_source = budget(ccfg, ccfg.ctc_epochs, "[ctc]")
        draw = np.random.default_rng(0)
        strings = [draw.permutation(K)[:labels] for _ in range(unit)]    # no label next to itself
        rows.append({"row": "CTC BLSTM", "family": "gradient",
                     "step": f"CTC: {quarter}, {labels} phonemes each",
                     "size": f"{ccfg.h_blstm} peephole cells per direction, {weights('BLSTM', K + 1)} weights, "
                             "Adam, float64",
                     "program": lambda tape: tape_sequence.blstm_step(tape, CEPSTRA, ccfg.h_blstm, K + 1, width,
                                                                      batch=unit, labels=strings, blank=BLANK),
                     "steps_to_solve": c_steps, "steps_from": c_source})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (fixed before the recorded run)
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10       # the framewise comparison
MIN_CTC_SEEDS = 5    # the CTC section (its lattices and prefix searches cost ~6x a framewise seed)
W2005 = "Graves & Schmidhuber 2005, abstract (Neural Networks 18(5-6):602-610; PubMed 16112549)"
W2006 = "Graves et al. 2006, Table 1: CTC best path 31.47 +- 0.21 %, prefix search 30.51 +- 0.19 % LER on TIMIT"
PREFIX_MARGIN = 0.005   # prefix search's LER may exceed best path's by at most 0.5 points (non-inferiority)


def verdict(record: dict) -> dict:
    """The catalog's verdict for timit-blstm-ctc: the main record's per-seed framewise rows and section ctc.

    Claims, in order (the first is primary: bidirectional beats unidirectional):
    1. BLSTM's framewise test error is below the unidirectional LSTM's (with its target delay)
       (2005: "bidirectional networks outperform unidirectional ones"); one-sided paired t on log ratios.
    2. BRNN below RNN (the same claim for the other cell).
    3. BLSTM below BRNN and 4. BLSTM below the windowed MLP (2005: BLSTM the best architecture).
    5. LSTM below RNN and 6. LSTM below the windowed MLP (2005: "LSTM ... more accurate than both standard
       RNNs and time-windowed MLPs").
    7. CTC (section ctc): prefix search at least as good as best path (2006 Table 1: 30.51 vs 31.47 % LER):
       the mean over seeds of LER(prefix) - LER(best path) is below +0.005 (one-sided t; non-inferiority).
    Holm over the seven at alpha 0.05; minimum 10 framewise seeds and 5 CTC seeds. Grade: yes if all hold, partial if
    claim 1 holds and another does not, no if claim 1 fails. The OdyssNet section is reported, not graded.
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    ctc_rows = ((record.get("ctc") or {}).get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_SEEDS or len(ctc_rows) < MIN_CTC_SEEDS:
        return pending(f"{len(rows)} framewise and {len(ctc_rows)} CTC seeds, the rule needs {MIN_SEEDS} and "
                       f"{MIN_CTC_SEEDS} (python3 timit-blstm-ctc/timit_blstm_ctc.py --n-seeds {MIN_SEEDS} --record; "
                       f"--ctc --n-seeds {MIN_CTC_SEEDS} --record)")
    col = {a: [r[f"{a}_error"] for r in rows] for a in ARCHS}
    metric = "framewise test error (share of test frames misclassified)"
    claims = judge([
        paired_better("bidirectional beats unidirectional: BLSTM < LSTM (delayed targets)", W2005,
                      col["BLSTM"], col["LSTM"], metric),
        paired_better("bidirectional beats unidirectional: BRNN < RNN (delayed targets)", W2005,
                      col["BRNN"], col["RNN"], metric),
        paired_better("BLSTM best: BLSTM < BRNN", W2005, col["BLSTM"], col["BRNN"], metric),
        paired_better("BLSTM best: BLSTM < windowed MLP", W2005, col["BLSTM"], col["MLP"], metric),
        paired_better("LSTM more accurate than RNN", W2005, col["LSTM"], col["RNN"], metric),
        paired_better("LSTM more accurate than the windowed MLP", W2005, col["LSTM"], col["MLP"], metric),
        mean_below("CTC: prefix search at least as good as best path", W2006,
                   [r["ler_prefix"] - r["ler_best_path"] for r in ctc_rows], PREFIX_MARGIN,
                   "LER(prefix search) - LER(best path) on the test set, per seed"),
    ])
    return grade(claims, primary=1)


PAPER = {
    "citation": "A. Graves & J. Schmidhuber (2005), Framewise phoneme classification with bidirectional LSTM and "
                "other neural network architectures, Neural Networks 18(5-6):602-610; A. Graves, S. Fernandez, "
                "F. Gomez & J. Schmidhuber (2006), Connectionist temporal classification: labelling unsegmented "
                "sequence data with recurrent neural networks, ICML 2006, 369-376",
    "claim": "Bidirectional nets beat unidirectional ones on framewise phoneme classification, LSTM more accurate "
             "than RNNs and windowed MLPs, BLSTM best (2005); a BLSTM trained with CTC labels TIMIT without "
             "segmentation, prefix-search decoding better than best path (2006)",
    "figures": [
        {"name": "CTC label error rate on TIMIT, best-path decoding (%)", "value": 31.47,
         "where": "2006, Table 1 (as transcribed by four independent summaries; the PDF was not readable here)"},
        {"name": "CTC label error rate on TIMIT, prefix-search decoding (%)", "value": 30.51,
         "where": "2006, Table 1 (idem)"},
        {"name": "BLSTM/HMM hybrid label error rate on TIMIT (%)", "value": 33.84, "where": "2006, Table 1 (idem)"},
    ],
}


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="a 2-seed run on 32 utterances, 2 epochs, small nets")
    parser.add_argument("--model", choices=["paper", "odyssnet"], default="paper",
                        help="paper: the 2005 architectures (default); odyssnet: the OdyssNet core as a framewise "
                             "sequence model (section odyssnet)")
    parser.add_argument("--ctc", action="store_true",
                        help="the 2006 experiment: a BLSTM trained by CTC, best-path and prefix-search decoding "
                             "(section ctc)")
    parser.add_argument("--epochs", type=int_at_most(200, "each epoch trains five nets"), default=Config.epochs,
                        help="framewise training epochs")
    parser.add_argument("--ctc-epochs", type=int_at_most(500, "each epoch runs the CTC lattice per utterance"),
                        default=Config.ctc_epochs, help="CTC training epochs")
    parser.add_argument("--lr", type=positive_float, default=Config.lr, help="Adam step size")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1,
                        help="processes the seeds are split over (the same figures)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check every hand-written gradient numerically and exit (non-zero above 1e-6)")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck"), "to training runs, not to --gradcheck")
    parser.only_when(args.ctc, ["--ctc-epochs"], "with --ctc")
    parser.only_when(not args.ctc, ["--epochs"], "to the framewise runs, not with --ctc")
    if args.ctc and args.model == "odyssnet":
        parser.error("one section at a time: --ctc or --model odyssnet")
    tuned = [n for n, dflt in (("epochs", Config.epochs), ("ctc_epochs", Config.ctc_epochs), ("lr", Config.lr))
             if getattr(args, n) != dflt]
    if args.record and tuned and not args.quick:
        parser.error(f"--record writes the catalog's configuration only; changed: {', '.join(tuned)}")
    require_seeds(parser, args, MIN_CTC_SEEDS if args.ctc else MIN_SEEDS)
    return args


def config_of(args) -> Config:
    cfg = Config(epochs=args.epochs, ctc_epochs=args.ctc_epochs, lr=args.lr)
    if args.quick:
        cfg = replace(cfg, n_train=24, n_test=8, n_val=8, epochs=1, ctc_epochs=1, h_blstm=4, h_lstm=4, h_brnn=4, h_rnn=4,
                      h_mlp=8, odyss_neurons=K + CEPSTRA + 2, odyss_think=1, max_expansions=20)
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_report(gradient_errors())
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    cfg = config_of(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    if args.model == "odyssnet":
        print(f"OdyssNet framewise, {cfg.odyss_neurons} neurons, {cfg.odyss_think} steps per frame, target delay "
              f"{cfg.delay}, {cfg.epochs} epochs; seeds {seeds[0]}..{seeds[-1]}", flush=True)
        rows, elapsed = run_jobs(framewise_job, [(s, cfg, ("OdyssNet",)) for s in seeds], args.workers, "seed",
                                 lambda r: {"error": r["OdyssNet_error"]})
        print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
        errs = [r["OdyssNet_error"] for r in rows]
        part = {"summary": f"OdyssNet core ({cfg.odyss_neurons} neurons), framewise with target delay {cfg.delay}: "
                           f"mean test frame error {np.mean(errs):.4f} over {len(errs)} seeds",
                "headline": {"odyssnet_frame_error": float(np.mean(errs))},
                "seeds": {"per_seed": rows, "summary": summarize_measured(errs, "OdyssNet_error")},
                "tables": [{"title": "Per seed: OdyssNet framewise test and training errors, weights",
                            "columns": list(rows[0]), "rows": [list(r.values()) for r in rows]}],
                "wallclock_s": elapsed}
        conclude(part, __file__, verdict, args.record, section="odyssnet",
                 measured={"OdyssNet mean framewise test error": float(np.mean(errs))})
        return 0
    if args.ctc:
        print(f"CTC: BLSTM ({cfg.h_blstm} per direction, {K} + blank outputs), {cfg.ctc_epochs} epochs on "
              f"{cfg.n_train} utterances, test on {cfg.n_test}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
        rows, elapsed = run_jobs(ctc_job, [(s, cfg) for s in seeds], args.workers, "seed",
                                 lambda r: {"best_path": r["ler_best_path"], "prefix": r["ler_prefix"]})
        print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
        ler_b = float(np.mean([r["ler_best_path"] for r in rows]))
        ler_p = float(np.mean([r["ler_prefix"] for r in rows]))
        part = {"summary": f"CTC BLSTM label error rate: best path {ler_b:.4f}, prefix search {ler_p:.4f} "
                           f"({len(rows)} seeds)",
                "headline": {"ctc_ler_best_path": ler_b, "ctc_ler_prefix": ler_p},
                "seeds": {"per_seed": rows, "summary": summarize_measured([r["ler_prefix"] for r in rows],
                                                                          "ler_prefix")},
                "tables": [{"title": "Per seed: CTC label error rates (edit distance / target length, test set), "
                                     "utterances whose prefix search ended exact, final training NLL per utterance",
                            "columns": list(rows[0]), "rows": [list(r.values()) for r in rows]}],
                "wallclock_s": elapsed}
        conclude(part, __file__, verdict, args.record, section="ctc",
                 measured={"CTC LER best path": ler_b, "CTC LER prefix search": ler_p})
        return 0
    print(f"framewise {', '.join(ARCHS)} ({cfg.epochs} epochs, target delay {cfg.delay} for LSTM and RNN) on "
          f"{cfg.n_train} training / {cfg.n_test} test utterances; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows, elapsed = run_jobs(framewise_job, [(s, cfg, ARCHS) for s in seeds], args.workers, "seed",
                             lambda r: {"BLSTM": r["BLSTM_error"], "LSTM": r["LSTM_error"]})
    cols = ["seed"] + [f"{a}_error" for a in ARCHS]
    print(format_table(cols, [[r[c] for c in cols] for r in rows]))
    mean = {a: float(np.mean([r[f"{a}_error"] for r in rows])) for a in ARCHS}
    headline = {f"{a}_frame_error": mean[a] for a in ARCHS}
    weights = {a: rows[0][f"{a}_weights"] for a in ARCHS}
    summary_table = [[a, weights[a], mean[a], float(np.mean([r[f"{a}_train_error"] for r in rows])),
                      float(np.std([r[f"{a}_error"] for r in rows]))] for a in ARCHS]
    part = {"summary": f"framewise test error BLSTM {mean['BLSTM']:.4f}, BRNN {mean['BRNN']:.4f}, "
                       f"LSTM {mean['LSTM']:.4f}, RNN {mean['RNN']:.4f}, MLP {mean['MLP']:.4f} ({len(rows)} seeds)",
            "headline": headline,
            "seeds": {"per_seed": rows, "summary": summarize_measured([r["BLSTM_error"] for r in rows],
                                                                      "BLSTM_error")},
            "tables": [{"title": "Framewise phoneme classification (means over seeds): weights, test and training "
                                 "frame error, std of the test error over seeds",
                        "columns": ["net", "weights", "test error", "train error", "std test"],
                        "rows": summary_table},
                       {"title": "Per seed: framewise test errors", "columns": cols,
                        "rows": [[r[c] for c in cols] for r in rows]}],
            "wallclock_s": elapsed}
    conclude(part, __file__, verdict, args.record, measured={f"{a} framewise test error": mean[a] for a in ARCHS},
             paper=PAPER, tour="A synthetic utterance's MFCC-like frames beside the CTC BLSTM's output spikes "
                               "forming over training, and each architecture's framewise outputs.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
