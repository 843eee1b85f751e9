"""Semilinear predictability minimization on real photographs (Schmidhuber, Eldracher & Foltin 1996,
"Semilinear predictability minimization produces well-known feature detectors", Neural Computation
8(4):773-786; IDSIA transcription people.idsia.ch/~juergen/edgedetect/).

The paper's system (Sec. 3, "Application: image processing"; Sec. 2 for PM itself):
  input   a circular "input area" of diameter 64 pixel widths, placed at a random position and a
          random rotation in a grey-level image (16 levels, integers scaled around zero). 32 code
          units, each with a bias input and a circular receptive field of 81 evenly distributed
          input units (diameter 20 pixel widths); receptive fields partly overlap; their positions
          in the input area are fixed. An input unit's activation is the average grey level of the
          closest pixel and its four neighbours.
  code    semilinear: y_i = logistic(w_i . x_i + b_i), no hidden units.
  predict one predictor per code unit, P_i = logistic(v_i . y_{-i} + c_i), no hidden units,
          trained by the delta rule to minimise sum_p (P_i - y_i)^2 (eq. 1).
  code    units trained to maximise the same sum (eq. 2); "no error signals are propagated through
          the predictor input units down into the code network"; predictors and code units learn
          simultaneously (the paper's heuristic simplifications 1-3).
  claim   (abstract) "without a teacher and without any significant preprocessing, the system
          automatically learns to generate distributed representations based on well-known feature
          detectors, such as orientation-sensitive edge detectors and off-center-on-surround
          detectors"; (Sec. 2) "training tends to make the output values near-binary".

Here the photographs are eight public-domain / CC0 ones (shared.environments.natural_images), each
split by rows: input areas of the training stream lie in the top 3/4 of an image, those measured
afterwards in the bottom 1/4. Compared on the same test areas: the same 32 units at their random
initialisation, and FastICA (shared.learning.ica) fitted to the same receptive-field inputs.

Run:  python3 semilinear-pm-image-patches/semilinear_pm_image_patches.py --n-seeds 10 --record
      ... --predictor-hidden 8 --n-seeds 10 --record     (nonlinear predictors: an ablation, ours)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.environments.natural_images import IMAGES, load_image
from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, load_json, positive_float,
                                     require_seeds, seed_block_configs, seed_rows, stub_parser,
                                     summarize_measured)
from shared.frame.gradcheck import check_gradients
from shared.frame.verdict import grade, judge, mean_below, paired_better, pending, rate_at_least
from shared.learning import ica, pm, tape_codes

# ----------------------------------------------------------------------------------------
# The input: the paper's circular input area, 32 receptive fields of 81 input units each.
# ----------------------------------------------------------------------------------------

AREA_RADIUS = 32.0        # input area: diameter 64 pixel widths (Sec. 3)
RF_RADIUS = 10.0          # receptive field: diameter 20 pixel widths (Sec. 3)
N_CODES = 32              # code units (Sec. 3)
N_INPUTS = 81             # input units per receptive field (Sec. 3)
GREY_LEVELS = 16          # grey levels per pixel (Sec. 3)
ROTATIONS = 360           # rotations of the input area are drawn from 360 steps of 1 degree
TRAIN_SHARE = 0.75        # rows of every image the training stream may use (the rest: test)


def receptive_field_offsets() -> np.ndarray:
    """(81, 2) positions (row, col) of one field's input units relative to its centre, in pixels.

    "81 evenly distributed" units in a disc of diameter 20 (Sec. 3; the layout itself is in the
    paper's Fig. 3, which we could not read): our reading is the centre and rings of 8, 16, 24, 32
    units at radii 2.5, 5, 7.5, 10 (1 + 8 + 16 + 24 + 32 = 81), each ring evenly spaced."""
    points = [(0.0, 0.0)]
    for ring in range(1, 5):
        radius, count = 2.5 * ring, 8 * ring
        angles = 2 * np.pi * (np.arange(count) + 0.5 * (ring % 2)) / count
        points += [(radius * np.sin(a), radius * np.cos(a)) for a in angles]
    return np.array(points)


def receptive_field_centres() -> np.ndarray:
    """(32, 2) fixed field centres in the input area: the 32 points of a hexagonal lattice (spacing
    7.3 px) nearest the area's centre, so that the fields overlap partly and stay inside the area
    (the paper's Fig. 3 shows its layout; this one is ours)."""
    spacing = 7.3
    rows = []
    for i in range(-6, 7):
        for j in range(-6, 7):
            rows.append((i * spacing * np.sqrt(3) / 2, (j + 0.5 * (i % 2)) * spacing))
    rows = np.array(rows)
    order = np.lexsort((rows[:, 1], rows[:, 0], np.round(np.hypot(rows[:, 0], rows[:, 1]), 6)))
    return rows[order[:N_CODES]]


OFFSETS = receptive_field_offsets()
CENTRES = receptive_field_centres()
RINGS = np.array([0] + [r for r in range(1, 5) for _ in range(8 * r)])      # ring of each input unit


def quantised(name: str) -> np.ndarray:
    """An image as the paper's grey levels: 16 levels, integers 0..15 scaled around zero to
    (level - 7.5) / 7.5 in [-1, 1]."""
    levels = np.minimum(np.floor(load_image(name) * GREY_LEVELS), GREY_LEVELS - 1)
    return (levels - (GREY_LEVELS - 1) / 2) / ((GREY_LEVELS - 1) / 2)


def cross_average(img: np.ndarray) -> np.ndarray:
    """Every pixel replaced by the mean of itself and its four neighbours (the paper's input unit,
    Sec. 3, Fig. 4), precomputed once; the border pixels, which no input area reaches, keep theirs."""
    out = img.copy()
    out[1:-1, 1:-1] = (img[1:-1, 1:-1] + img[:-2, 1:-1] + img[2:, 1:-1] + img[1:-1, :-2] + img[1:-1, 2:]) / 5.0
    return out


class AreaSource:
    """Input areas drawn from the photographs: an image with probability proportional to its number
    of admissible centres, a uniform centre inside the split's rows, a uniform rotation (1-degree
    steps); the code units' inputs (count, 32, 81) are the cross-averaged pixels nearest each unit."""

    def __init__(self, split: str, names=IMAGES):
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.split, self.names = split, tuple(names)
        self.images = [cross_average(quantised(n)) for n in self.names]
        margin = int(np.ceil(AREA_RADIUS)) + 2          # + the neighbours of the averaging cross
        self.bounds = []
        for img in self.images:
            cut = int(TRAIN_SHARE * img.shape[0])
            low, high = (margin, cut - margin) if split == "train" else (cut + margin, img.shape[0] - margin)
            if high <= low:
                raise ValueError(f"an image of {img.shape} has no room for an input area in the {split} rows")
            self.bounds.append((low, high, margin, img.shape[1] - margin))
        counts = np.array([(h - l) * (r - c) for l, h, c, r in self.bounds], dtype=float)
        self.p = counts / counts.sum()
        points = (CENTRES[:, None, :] + OFFSETS[None, :, :]).reshape(-1, 2)        # (32 * 81, 2)
        angle = 2 * np.pi * np.arange(ROTATIONS) / ROTATIONS
        c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
        # nearest pixel of every input unit, relative to the area's centre pixel, for every rotation
        d_row = np.rint(c * points[None, :, 0] - s * points[None, :, 1]).astype(np.int64)
        d_col = np.rint(s * points[None, :, 0] + c * points[None, :, 1]).astype(np.int64)
        self.widths = [img.shape[1] for img in self.images]
        by_width = {w: (d_row * w + d_col).astype(np.int32) for w in set(self.widths)}
        self.tables = [by_width[w] for w in self.widths]                              # (ROTATIONS, 2592)
        self.flat = [img.ravel() for img in self.images]

    def sample(self, rng: np.random.Generator, count: int, return_meta: bool = False):
        """(count, 32, 81) inputs of `count` input areas; with return_meta also (count, 4): image index,
        centre row, centre column, rotation (radians). Rotations are drawn from ROTATIONS steps."""
        which = rng.choice(len(self.images), size=count, p=self.p)
        turn = rng.integers(0, ROTATIONS, count)
        out = np.empty((count, N_CODES * N_INPUTS))
        meta = np.empty((count, 4))
        for k in range(len(self.images)):
            idx = np.flatnonzero(which == k)
            if not len(idx):
                continue
            low, high, left, right = self.bounds[k]
            row = rng.integers(low, high, len(idx))
            col = rng.integers(left, right, len(idx))
            flat = self.flat[k]
            out[idx] = flat[(row * self.widths[k] + col)[:, None] + self.tables[k][turn[idx]]]
            meta[idx] = np.stack([np.full(len(idx), k), row, col, 2 * np.pi * turn[idx] / ROTATIONS], axis=1)
        out = out.reshape(count, N_CODES, N_INPUTS)
        return (out, meta) if return_meta else out


# ----------------------------------------------------------------------------------------
# The semilinear code: 32 logistic units, each reading only its own receptive field.
# ----------------------------------------------------------------------------------------


def logistic(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class SemilinearCode:
    """y_i = logistic(w_i . x_i + b_i) with x_i (81,) the inputs of unit i's own field; W (32, 81), b (32,)."""

    def __init__(self, rng: np.random.Generator, init_scale: float):
        self.params = {"W": rng.uniform(-init_scale, init_scale, (N_CODES, N_INPUTS)), "b": np.zeros(N_CODES)}

    def net(self, x: np.ndarray) -> np.ndarray:
        """x (B, 32, 81) -> net inputs (B, 32)."""
        return np.einsum("bij,ij->bi", x, self.params["W"]) + self.params["b"]

    def forward(self, x: np.ndarray) -> np.ndarray:
        return logistic(self.net(x))

    def backward(self, x: np.ndarray, y: np.ndarray, d_y: np.ndarray) -> dict:
        """dL/dy (B, 32) -> grads of W, b."""
        d_net = d_y * y * (1.0 - y)
        return {"W": np.einsum("bi,bij->ij", d_net, x), "b": d_net.sum(axis=0)}


@dataclass(frozen=True)
class Config:
    presentations: int = 100_000   # input areas in the training stream
    batch: int = 50                # areas per simultaneous update of predictors and code units
    lr_code: float = 0.2           # code units' step size on the batch-mean gradient
    lr_ratio: float = 2.5          # predictors' step size over the code units' (0.5: stable, see README)
    init_scale: float = 0.1        # code weights uniform in [-init_scale, init_scale]
    predictor_hidden: int = 0      # 0: the paper's semilinear predictors; > 0: tanh hidden units (ours)
    full_gradient: bool = False    # also propagate through the predictors' inputs (the paper does not)
    n_test: int = 2000             # test input areas (the same for every seed)
    ica_areas: int = 500           # training areas FastICA is fitted to (x 32 fields = samples)
    snapshots: int = 0             # filter snapshots kept for the GIF


def train(cfg: Config, seed: int, source: AreaSource, progress: Progress | None = None) -> dict:
    """The paper's simultaneous learning, in batches: each batch, the predictors descend
    V_C = sum_i mean (P_i - y_i)^2 and the code units ascend it (direct path: their own targets only,
    simplification 1), from the same forward pass."""
    rng_init, rng_pred, rng_data = (np.random.default_rng([seed, i]) for i in range(3))
    code = SemilinearCode(rng_init, cfg.init_scale)
    init = {k: v.copy() for k, v in code.params.items()}
    bank = pm.PredictorBank(N_CODES, cfg.predictor_hidden, rng_pred, output="logistic")
    steps = cfg.presentations // cfg.batch
    lr_p = cfg.lr_code * cfg.lr_ratio
    curve, snaps = [], []
    every = max(1, steps // 100)
    snap_at = set(np.unique(np.geomspace(1, steps, cfg.snapshots).astype(int))) if cfg.snapshots else set()
    if cfg.snapshots:
        snaps.append((0, code.params["W"].copy()))
    for step in range(1, steps + 1):
        x = source.sample(rng_data, cfg.batch)
        y = code.forward(x)
        pred, cache = bank.forward(y)
        value, d_code, d_pred = pm.predictability(y, pred)
        grads_p, d_code_inputs = bank.backward(cache, d_pred)
        d_y = d_code + d_code_inputs if cfg.full_gradient else d_code
        grads_c = code.backward(x, y, d_y)
        for k in bank.params:
            bank.params[k] -= lr_p * grads_p[k]
        for k in code.params:
            code.params[k] += cfg.lr_code * grads_c[k]
        if step % every == 0 or step == steps:
            variance, _ = pm.code_variance(y)
            curve.append([step * cfg.batch, value, variance])
        if step in snap_at:
            snaps.append((step * cfg.batch, code.params["W"].copy()))
        if progress is not None:
            progress.update(step, V_C=value)
    return {"code": code, "init": init, "bank": bank, "curve": curve, "snapshots": snaps}


# ----------------------------------------------------------------------------------------
# Measuring a filter (81 weights on the field's input units): orientation, centre-surround, extent.
# A GENERAL PIECE (for the lead to move into shared/, e.g. beside shared.learning.ica): filters on
# any point layout (OFFSETS here) measured by grating responses, orientation selectivity against
# random filters, ring-symmetric (centre-surround) energy, spatial extent, excess kurtosis.
# ----------------------------------------------------------------------------------------

ORIENTATIONS = np.arange(16) * np.pi / 16
FREQUENCIES = np.array([1 / 40, 1 / 24, 1 / 16, 1 / 12, 1 / 9, 1 / 7, 1 / 5.5])   # cycles per pixel


def grating_responses(filters: np.ndarray) -> np.ndarray:
    """(K, 81) -> (K, n_freq, n_orient): amplitude of each filter's response to a sinusoidal grating
    of that frequency and orientation, over all phases (|sum_j w_j exp(i 2 pi f (u_j . n))|)."""
    n = np.stack([np.cos(ORIENTATIONS), np.sin(ORIENTATIONS)], axis=1)              # (O, 2)
    phase = 2 * np.pi * FREQUENCIES[:, None, None] * (n @ OFFSETS.T)[None]           # (F, O, 81)
    return np.abs(np.einsum("kj,foj->kfo", filters, np.exp(1j * phase)))


def orientation_selectivity(filters: np.ndarray) -> np.ndarray:
    """(K, 81) -> (K,) in [0, 1]: the orientation selectivity index (A_pref - A_orth) / (A_pref + A_orth)
    of each filter with its mean weight removed (its answer to uniform light, which no grating
    tests), at its preferred frequency; A(t) is the grating amplitude at orientation t, A_pref the
    largest, A_orth the one at the orthogonal orientation. 0: the same both ways; 1: blind across."""
    r = grating_responses(filters - filters.mean(axis=1, keepdims=True))
    best = np.argmax(r.mean(axis=2), axis=1)
    a = r[np.arange(len(filters)), best]                                            # (K, O)
    pref = np.argmax(a, axis=1)
    orth = (pref + len(ORIENTATIONS) // 2) % len(ORIENTATIONS)
    ap, ao = a[np.arange(len(a)), pref], a[np.arange(len(a)), orth]
    return (ap - ao) / np.maximum(ap + ao, 1e-300)


def preferred_orientation(filters: np.ndarray) -> np.ndarray:
    """(K,) radians in [0, pi): the normal of the grating a filter answers most (at its best frequency)."""
    r = grating_responses(filters - filters.mean(axis=1, keepdims=True))
    best = np.argmax(r.mean(axis=2), axis=1)
    return ORIENTATIONS[np.argmax(r[np.arange(len(filters)), best], axis=1)]


def ring_profile(filters: np.ndarray) -> np.ndarray:
    """(K, 81) -> (K, 5): the mean weight of the centre and of each ring."""
    return np.stack([filters[:, RINGS == r].mean(axis=1) for r in range(5)], axis=1)


def isotropy(filters: np.ndarray) -> np.ndarray:
    """Share of a filter's weight energy (about zero) in its ring means: 1 for a radially symmetric one."""
    prof = ring_profile(filters)[:, RINGS]
    return np.sum(prof ** 2, axis=1) / np.maximum(np.sum(filters ** 2, axis=1), 1e-300)


def centre_surround(filters: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """(K,) in {-1, 0, 1}: 1 on-centre-off-surround, -1 off-centre-on-surround, 0 neither. A filter is
    centre-surround when most of its energy is radially symmetric (isotropy > threshold) and the
    weighted mean of the inner disc (centre, rings 1-2) and of the outer rings (3-4) differ in sign."""
    prof = ring_profile(filters)
    counts = np.array([1, 8, 16, 24, 32], dtype=float)
    inner = prof[:, :3] @ counts[:3] / counts[:3].sum()
    outer = prof[:, 3:] @ counts[3:] / counts[3:].sum()
    kind = np.where((inner > 0) & (outer < 0), 1, np.where((inner < 0) & (outer > 0), -1, 0))
    return np.where(isotropy(filters) > threshold, kind, 0)


def spatial_extent(filters: np.ndarray) -> np.ndarray:
    """(K,) pixels: RMS distance of the weight energy from its centroid (locality; smaller = more local)."""
    e = filters ** 2 / np.maximum(np.sum(filters ** 2, axis=1, keepdims=True), 1e-300)
    centroid = e @ OFFSETS
    d2 = np.sum((OFFSETS[None] - centroid[:, None]) ** 2, axis=2)
    return np.sqrt(np.sum(e * d2, axis=1))


def excess_kurtosis(v: np.ndarray) -> np.ndarray:
    """(N, K) -> (K,): E[(v - m)^4] / var^2 - 3 per column."""
    c = v - v.mean(axis=0)
    var = np.mean(c * c, axis=0)
    return np.mean(c ** 4, axis=0) / np.maximum(var * var, 1e-300) - 3.0


def random_filter_osi_threshold(rng: np.random.Generator, count: int = 4000, q: float = 0.95) -> float:
    """The q-quantile of the orientation selectivity of i.i.d. Gaussian filters on the same layout
    (fixed generator: the same threshold in every run): a unit counts as oriented when it is more
    selective than 95% of random filters."""
    return float(np.quantile(orientation_selectivity(rng.standard_normal((count, N_INPUTS))), q))


def filter_measures(filters: np.ndarray, net: np.ndarray, threshold: float) -> dict:
    """The figures of one set of filters (K, 81) with its linear responses on the test areas (N, K)."""
    osi = orientation_selectivity(filters)
    cs = centre_surround(filters)
    return {"oriented": int(np.sum(osi > threshold)), "osi_mean": float(osi.mean()),
            "centre_surround": int(np.sum(cs != 0)), "off_centre": int(np.sum(cs == -1)),
            "extent_px": float(spatial_extent(filters).mean()),
            "kurtosis": float(excess_kurtosis(net).mean())}


# ----------------------------------------------------------------------------------------
# One seed: PM trained on the training rows; PM, its initialisation and FastICA measured on the
# same test areas.
# ----------------------------------------------------------------------------------------

TEST_SEED = 20_260_001    # the test areas: one generator for every seed and every run
OSI_SEED = 20_260_002     # the random filters behind the orientation threshold


def test_areas(cfg: Config, source: AreaSource | None = None) -> np.ndarray:
    return (source or AreaSource("test")).sample(np.random.default_rng(TEST_SEED), cfg.n_test)


def fit_ica(cfg: Config, seed: int, source: AreaSource) -> dict:
    """FastICA (tanh, symmetric) on the receptive-field inputs of `ica_areas` training areas (every
    field of every area is one 81-dimensional sample), 32 components after PCA whitening to 32."""
    rng = np.random.default_rng([seed, 9])
    x = source.sample(rng, cfg.ica_areas).reshape(-1, N_INPUTS)
    return ica.fast_ica(x, N_CODES, rng, nonlinearity="tanh", max_iter=300, tol=1e-5)


def run_seed(seed: int, cfg: Config, source: AreaSource, xt: np.ndarray, threshold: float,
             keep: bool = False) -> dict:
    out = train(cfg, seed, source, progress=Progress(cfg.presentations // cfg.batch, label=f"seed {seed}: batch"))
    code = out["code"]
    W, W0 = code.params["W"], out["init"]["W"]
    net, net0 = code.net(xt), np.einsum("bij,ij->bi", xt, W0)
    y = logistic(net)
    pred = out["bank"](y)
    v_test = float(np.sum((pred - y) ** 2) / len(y))
    res = fit_ica(cfg, seed, source)
    pooled = xt.reshape(-1, N_INPUTS)
    net_ica = (pooled - res["mean"]) @ res["unmixing"].T
    m_pm, m_init, m_ica = (filter_measures(F, n, threshold) for F, n in
                           ((W, net), (W0, net0), (res["unmixing"], net_ica)))
    corr = np.corrcoef(y.T)
    row = {**{f"pm_{k}": v for k, v in m_pm.items()}, **{f"init_{k}": v for k, v in m_init.items()},
           **{f"ica_{k}": v for k, v in m_ica.items()},
           "near_binary": float(np.mean(np.minimum(y, 1 - y) < 0.1)),
           "init_near_binary": float(np.mean(np.minimum(logistic(net0), 1 - logistic(net0)) < 0.1)),
           "mean_abs_corr": float(np.mean(np.abs(corr[~np.eye(N_CODES, dtype=bool)]))),
           "v_c_test": v_test, "code_variance_test": float(np.sum(y.var(axis=0))),
           "v_c_last_batch": float(out["curve"][-1][1]), "ica_iterations": int(res["iterations"]),
           "ica_converged": bool(res["converged"])}
    if keep:
        row["_keep"] = {"out": out, "ica": res, "net": net, "y": y, "net_ica": net_ica}
    return row


# ----------------------------------------------------------------------------------------
# Gradient checks (float64): the code units' ascent on V_C (the paper's direct path, and the full
# derivative through the predictors' inputs), and the predictors' descent.
# ----------------------------------------------------------------------------------------


def gradient_errors(seed: int = 0, hidden: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    code = SemilinearCode(rng, 0.5)
    code.params["b"] = rng.normal(0.0, 0.3, N_CODES)
    bank = pm.PredictorBank(N_CODES, hidden, rng, output="logistic", init_scale=2.0)
    x = rng.normal(0.0, 0.5, (6, N_CODES, N_INPUTS))
    y = code.forward(x)
    pred_fixed, cache = bank.forward(y)

    def v_direct():      # predictions held fixed: the code units' own targets only (simplification 1)
        return pm.predictability(code.forward(x), pred_fixed)[0]

    def v_full():
        yy = code.forward(x)
        return pm.predictability(yy, bank(yy))[0]

    def v_bank():
        return pm.predictability(y, bank(y))[0]

    _, d_code, d_pred = pm.predictability(y, pred_fixed)
    grads_p, d_inputs = bank.backward(cache, d_pred)
    errors = {f"code.{k} (direct)": v for k, v in
              check_gradients(v_direct, code.params, code.backward(x, y, d_code)).items()}
    errors.update({f"code.{k} (full)": v for k, v in
                   check_gradients(v_full, code.params, code.backward(x, y, d_code + d_inputs)).items()})
    diagonal_free = {}
    if hidden == 0:
        diagonal_free["W"] = np.flatnonzero(~np.eye(N_CODES, dtype=bool))
    else:
        diagonal_free["W1"] = np.flatnonzero(np.broadcast_to(~np.eye(N_CODES, dtype=bool)[:, :, None],
                                                             bank.params["W1"].shape))
    errors.update({f"predictor.{k}": v for k, v in
                   check_gradients(v_bank, bank.params, grads_p, entries=diagonal_free, max_entries=60,
                                   rng=np.random.default_rng(seed)).items()})
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py semilinear-pm-image-patches): one step on a Tape
# ----------------------------------------------------------------------------------------


def pm_batch_program(cfg: Config):
    """A Tape program of one step of train(): a batch of cfg.batch input areas (B, 32, 81) through the
    semilinear code (per unit its own 81 inputs: the einsum as a product map and a sum over the field), the
    predictor bank (shared.learning.tape_codes), pm.predictability, the bank's backward (its input gradient
    computed, as the bank does, and used only with full_gradient), the code units' backward (d y (1 - y),
    the einsum over the batch), and the two updates (lr g, then w -/+: two maps a weight)."""
    def program(tape):
        w, b = tape.argument((N_CODES, N_INPUTS), np.float64), tape.argument(N_CODES, np.float64)
        bank = tape_codes.pm_predictor_params(tape, N_CODES, cfg.predictor_hidden)
        x = tape.argument((cfg.batch, N_CODES, N_INPUTS), np.float64)
        net = tape.reduce(tape.map(x, w[None]), axis=2)
        y = tape.map(tape.map(net, b[None]))                                   # logistic(net + b)
        pred, cache = tape_codes.pm_predictors_forward(tape, bank, y)
        _, d_code, d_pred = tape_codes.pm_predictability(tape, y, pred)
        grads_p, d_inputs = tape_codes.pm_predictors_backward(tape, bank, cache, d_pred)
        d_y = tape.map(d_code, d_inputs) if cfg.full_gradient else d_code
        d_net = tape.map(d_y, y)                                               # d_y y (1 - y)
        grads_c = {"W": tape.reduce(tape.map(d_net[:, :, None], x), axis=0), "b": tape.reduce(d_net, axis=0)}
        tape_codes.sgd(tape, bank, grads_p)
        tape_codes.sgd(tape, {"W": w, "b": b}, grads_c)
        return tape
    return program


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: one simultaneous update of predictors and code units on
    a batch of 50 input areas, float64, one run (pm_batch_program). No solve criterion (the code's figures are
    measured after the whole budget): steps to solve is the recorded run's budget, 100,000 presentations / 50 a
    batch. Left out: sampling the areas from the images (rotation, cross-averaging), the V_C curve and code
    variance kept every 1% of the run, and the measures and FastICA fit afterwards (FastICA is a baseline
    fitted once, not a stepwise learner: no row)."""
    rows = []
    for name, part, label in (("semilinear PM", record, "config"), ("PM, 8 tanh units per predictor",
                                                                     record.get("hidden-8"), "[hidden-8] config"),
                              ("PM, full gradient", record.get("full-gradient"), "[full-gradient] config")):
        if part is None:
            continue
        cfg = Config(**{k: v for k, v in part["config"].items() if k in Config.__dataclass_fields__})
        pred = (f"{N_CODES} predictors of {cfg.predictor_hidden} tanh units" if cfg.predictor_hidden else
                f"{N_CODES} semilinear predictors")
        rows.append({"row": name, "family": "gradient", "step": f"one batch of {cfg.batch} input areas",
                     "size": f"{N_CODES} code units x {N_INPUTS} inputs, {pred}, SGD, float64",
                     "program": pm_batch_program(cfg), "steps_to_solve": cfg.presentations / cfg.batch,
                     "steps_from": f"the recorded run's budget: {cfg.presentations} presentations / {cfg.batch} a "
                                   f"batch ({label}); no solve criterion"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict, fixed before the recorded run.
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10
BLOCK = 5                  # seeds per recorded command (the sweep is recorded in two blocks)
WHERE_ABSTRACT = "abstract ('orientation-sensitive edge detectors and off-center-on-surround detectors')"
WHERE_BINARY = "Sec. 2 ('training tends to make the output values near-binary')"


def pooled_rows(record: dict) -> list[dict]:
    """The headline's per-seed rows: the main part's and every "seeds-A-B" section's."""
    return seed_rows(record)


def verdict(record: dict) -> dict:
    """The catalog's verdict from the headline's per-seed rows (>= 10 seeds, pooled from the blocks).

    The paper's claims (abstract; Sec. 2), each with one metric per seed on the same 2000 test
    input areas from the images' held-out bottom quarters:
      1. (primary) orientation-sensitive edge detectors emerge: the number of trained code units
         more orientation selective than 95% of random Gaussian filters on the same layout exceeds
         the number among the same units at their random initialisation; one-sided paired t on
         log((k_trained + 0.5) / (k_init + 0.5)), H0: geometric-mean ratio <= 1.
      2. (primary) off-centre-on-surround detectors emerge: a seed has at least one unit whose
         filter is mostly radially symmetric (isotropy > 0.5) with a negative inner disc and a
         positive outer ring; exact binomial on the share of seeds, H0: share <= 0.6.
      3. the code becomes near-binary: the share of test outputs within 0.1 of 0 or 1, mean over
         seeds above 0.5; one-sided t on 1 - share, H0: mean >= 0.5.
    Holm over the three. yes: all hold; partial: 1 and 2 hold; no: 1 or 2 fails. FastICA's filters on
    the same inputs are measured and reported, not judged (the paper makes no comparison with ICA).
    """
    rows = pooled_rows(record)
    if len(rows) < MIN_SEEDS:
        return pending(f"the rule needs >= {MIN_SEEDS} seeds, got {len(rows)} (record both blocks: --seed 0 "
                       f"--n-seeds {BLOCK} and --seed {BLOCK} --n-seeds {BLOCK})")
    configs = [c for c in seed_block_configs(record) if c is not None]
    if any(c != configs[0] for c in configs):
        return pending("the recorded blocks were run with different settings")
    claims = judge([
        paired_better("orientation-sensitive edge detectors emerge", WHERE_ABSTRACT,
                      [r["pm_oriented"] + 0.5 for r in rows], [r["init_oriented"] + 0.5 for r in rows],
                      metric="units more orientation selective than 95% of random filters (+0.5), trained "
                             "over the same units at initialisation",
                      lower_is_better=False, min_ratio=1.0),
        rate_at_least("off-centre-on-surround detectors emerge", WHERE_ABSTRACT,
                      [r["pm_off_centre"] >= 1 for r in rows], 1.0, margin=0.4,
                      metric="share of seeds with >= 1 off-centre-on-surround unit"),
        mean_below("the code becomes near-binary", WHERE_BINARY, [1.0 - r["near_binary"] for r in rows], 0.5,
                   metric="share of test outputs farther than 0.1 from 0 and 1, mean over seeds"),
    ])
    return grade(claims, primary=2)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

PAPER = {
    "citation": "Schmidhuber, J., Eldracher, M. & Foltin, B. (1996). Semilinear predictability minimization "
                "produces well-known feature detectors. Neural Computation 8(4):773-786.",
    "claim": "Semilinear PM (logistic code units and predictors without hidden units, the code units "
             "maximising the predictors' error, learning simultaneously) applied to real grey-level images "
             "learns, without a teacher and without significant preprocessing, distributed representations "
             "based on well-known feature detectors: orientation-sensitive edge detectors and "
             "off-center-on-surround detectors; training tends to make the outputs near-binary.",
    "figures": [
        {"name": "code units", "value": N_CODES, "where": "Sec. 3, 'Input generation'"},
        {"name": "input units per receptive field", "value": N_INPUTS, "where": "Sec. 3, 'Input generation'"},
        {"name": "receptive field / input area diameter (px)", "value": "20 / 64",
         "where": "Sec. 3, 'Input generation'"},
        {"name": "grey levels", "value": GREY_LEVELS, "where": "Sec. 3, first paragraph"},
        {"name": "detectors found", "value": "orientation-sensitive edge detectors, off-center-on-surround detectors",
         "where": "abstract; the weight figures of Sec. 3 (not readable in the transcription we used)"},
        {"name": "learning rates, training length", "value": "not found",
         "where": "not in the parts of Sec. 3 we could read"},
    ],
}


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, 1500 presentations, "
                                                   "150 test areas, FastICA on 60 areas")
    parser.add_argument("--presentations", type=int_at_most(2_000_000, "input areas in the training stream"),
                        default=Config.presentations)
    parser.add_argument("--lr", type=positive_float, default=Config.lr_code,
                        help="the code units' step size (the predictors' is 10x)")
    parser.add_argument("--predictor-hidden", type=int_at_most(64, "tanh units per predictor", low=0),
                        default=0, help="tanh hidden units per predictor: 0 is the paper's semilinear "
                                        "predictor; > 0 is our nonlinear-predictor ablation (a section)")
    parser.add_argument("--full-gradient", action="store_true",
                        help="also propagate V_C through the predictors' inputs (the paper does not; a section)")
    parser.add_argument("--gradcheck", action="store_true", help="check the hand-written gradients and exit")
    args = parser.parse_args(argv)
    ablation = args.predictor_hidden > 0 or args.full_gradient
    require_seeds(parser, args, BLOCK)
    if args.record and not args.quick:
        changed = [flag for flag, value, default in (("--presentations", args.presentations, Config.presentations),
                                                     ("--lr", args.lr, Config.lr_code)) if value != default]
        if changed:
            parser.error(f"--record records the headline settings only; not with {', '.join(changed)}")
        if not ablation and args.seed % BLOCK:
            parser.error(f"--record: the headline is recorded in blocks of {BLOCK} seeds starting at a multiple "
                         f"of {BLOCK}, got --seed {args.seed}")
        if not ablation and args.n_seeds != BLOCK:
            parser.error(f"--record: a headline block has exactly {BLOCK} seeds, got --n-seeds {args.n_seeds}")
    return args


def config_of(args) -> Config:
    cfg = Config(presentations=args.presentations, lr_code=args.lr, predictor_hidden=args.predictor_hidden,
                 full_gradient=args.full_gradient)
    if args.quick:
        cfg = replace(cfg, presentations=min(cfg.presentations, 1500), n_test=150, ica_areas=60)
    return cfg


def section_of(args, cfg: Config) -> str | None:
    if cfg.predictor_hidden or cfg.full_gradient:
        return "-".join(([f"hidden-{cfg.predictor_hidden}"] if cfg.predictor_hidden else [])
                        + (["full-gradient"] if cfg.full_gradient else []))
    if args.seed == 0:
        return None
    return f"seeds-{args.seed}-{args.seed + args.n_seeds - 1}"


def describe(cfg: Config) -> str:
    pred = (f"predictors with {cfg.predictor_hidden} tanh hidden units" if cfg.predictor_hidden
            else "semilinear predictors")
    grad = "full gradient through the predictors' inputs" if cfg.full_gradient else "direct path only"
    return (f"32 logistic code units x 81 inputs, {pred}, {grad}; {cfg.presentations:,} input areas in batches "
            f"of {cfg.batch}, step {cfg.lr_code:g} (predictors {cfg.lr_code * cfg.lr_ratio:g})")


COMPARED = (("oriented", "oriented units (OSI > random q95)"), ("osi_mean", "mean orientation selectivity"),
            ("centre_surround", "centre-surround units"), ("off_centre", "off-centre-on-surround units"),
            ("extent_px", "spatial extent (px, RMS)"), ("kurtosis", "excess kurtosis of the linear response"))
ROW_COLUMNS = ["seed", "pm_oriented", "init_oriented", "ica_oriented", "pm_centre_surround", "pm_off_centre",
               "ica_centre_surround", "pm_extent_px", "ica_extent_px", "pm_kurtosis", "ica_kurtosis", "near_binary",
               "v_c_test"]


def pooled_with_blocks(rows: list[dict], cfg: Config, path: str) -> list[dict]:
    """This run's rows and those of the headline blocks ("seeds-A-B" sections) already in the record
    at `path` that ran with the same settings, one per seed, in seed order (the summary and tables of
    the main part cover the whole sweep; its seeds block stays this run's own)."""
    record = load_json(path)
    config = {k: v for k, v in vars(cfg).items() if k != "snapshots"}
    found = {r["seed"]: r for r in rows}
    for key, part in sorted(record.items()):
        if key.startswith("seeds-") and isinstance(part, dict) and part.get("config") == config:
            for r in (part.get("seeds") or {}).get("per_seed", []):
                found.setdefault(r["seed"], r)
    return [found[s] for s in sorted(found)]


def _mean(rows, key):
    return float(np.mean([r[key] for r in rows]))


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        errors = {f"hidden {h}: {k}": v for h in (0, 4) for k, v in gradient_errors(0, h).items()}
        print(format_table(["gradient", "relative error"], sorted(errors.items())))
        return 0 if max(errors.values()) < 1e-6 else 1
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    cfg = config_of(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    label = describe(cfg)
    print(f"semilinear PM on photographs: {label}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    threshold = random_filter_osi_threshold(np.random.default_rng(OSI_SEED))
    source = AreaSource("train")
    xt = test_areas(cfg)
    rows = []
    for seed in seeds:
        row = {"seed": seed, **run_seed(seed, cfg, source, xt, threshold)}
        rows.append(row)
        print(f"  seed {seed}: oriented {row['pm_oriented']} (init {row['init_oriented']}, ICA {row['ica_oriented']})"
              f"  centre-surround {row['pm_centre_surround']} (off-centre {row['pm_off_centre']})  kurtosis "
              f"{row['pm_kurtosis']:.2f} (ICA {row['ica_kurtosis']:.2f})  near-binary {row['near_binary']:.2f}",
              flush=True)
    print(format_table(ROW_COLUMNS, [[r[c] for c in ROW_COLUMNS] for r in rows]))
    section = section_of(args, cfg)
    lead = "" if section is None or section.startswith("seeds-") else f"ablation {section}: "
    block_rows = rows
    if section is None:       # the main part's figures pool the headline blocks already recorded
        rows = pooled_with_blocks(rows, cfg, args.record or str(Path(__file__).resolve().with_name("results.json")))
        seeds = [r["seed"] for r in rows]
    tables = [{"title": f"Filters on the same {cfg.n_test} test input areas, mean over seeds {seeds[0]}..{seeds[-1]} "
                        f"[min, max] ({label}; FastICA: tanh, 32 components, {cfg.ica_areas} areas x 32 fields)",
               "columns": ["measure", "PM trained", "PM at initialisation", "FastICA"],
               "rows": [[name] + [f"{_mean(rows, f'{p}_{k}'):.3f} [{min(r[f'{p}_{k}'] for r in rows):.3g}, "
                                  f"{max(r[f'{p}_{k}'] for r in rows):.3g}]" for p in ("pm", "init", "ica")]
                        for k, name in COMPARED]
               + [["near-binary share of outputs", f"{_mean(rows, 'near_binary'):.3f}",
                   f"{_mean(rows, 'init_near_binary'):.3f}", "-"]]},
              {"title": f"Per seed (this machine's figures; {label})", "columns": ROW_COLUMNS,
               "rows": [[r[c] for c in ROW_COLUMNS] for r in rows]}]
    seed_span = f"{seeds[0]}..{seeds[-1]}" + (" (pooled with the recorded blocks)" if len(rows) > len(block_rows) else "")
    headline = {"seeds": seed_span, "oriented_threshold": threshold,
                **{f"mean_{p}_{k}": _mean(rows, f"{p}_{k}") for p in ("pm", "init", "ica")
                   for k in ("oriented", "centre_surround", "off_centre", "extent_px", "kurtosis")},
                "mean_near_binary": _mean(rows, "near_binary"),
                "seeds_with_off_centre": int(sum(r["pm_off_centre"] >= 1 for r in rows))}
    summary_line = (f"{lead}semilinear PM on 8 photographs, seeds {seeds[0]}..{seeds[-1]}: "
                    f"{_mean(rows, 'pm_oriented'):.1f} of 32 units oriented (at initialisation "
                    f"{_mean(rows, 'init_oriented'):.1f}, FastICA {_mean(rows, 'ica_oriented'):.1f}), "
                    f"{_mean(rows, 'pm_centre_surround'):.1f} centre-surround ({_mean(rows, 'pm_off_centre'):.1f} "
                    f"off-centre), response kurtosis {_mean(rows, 'pm_kurtosis'):.2f} (FastICA "
                    f"{_mean(rows, 'ica_kurtosis'):.2f}), {_mean(rows, 'near_binary'):.2f} of outputs near-binary")
    measured = {"PM oriented units (mean)": _mean(rows, "pm_oriented"),
                "init oriented units (mean)": _mean(rows, "init_oriented"),
                "FastICA oriented units (mean)": _mean(rows, "ica_oriented"),
                "PM off-centre-on-surround units (mean)": _mean(rows, "pm_off_centre"),
                "near-binary share (mean)": _mean(rows, "near_binary")}
    part = {"summary": summary_line, "headline": headline,
            "config": {k: v for k, v in vars(cfg).items() if k != "snapshots"},
            "seeds": {"per_seed": block_rows, "summary": summarize_measured([r["pm_oriented"] for r in block_rows],
                                                                             "pm_oriented")},
            "tables": tables, "wallclock_s": clock.elapsed}
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0's 32 code units forming on the photographs: each filter on its receptive field's 81 "
                  "input units, with the predictability V_C the code units push up.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
