"""Animation for linear-transformers-fwp: the fast weight matrix written pair by pair (Setting 2).

    python3 linear-transformers-fwp/make_linear_transformers_fwp_gif.py   # writes linear_transformers_fwp.gif

Seed 0 of the recorded Setting 2 runs at S = 8 (d = 4, DPFP nu = 1, d_dot = 8) is retrained with the
delta rule and with the sum rule (bit for bit the recorded runs' seed 0). Both read one fresh sequence of
L = 16 pairs in which keys come back with new values. Each frame is one write: the fast weight matrix
W_t (values x DPFP features) of each rule, and beside it the retrieval error of every key seen so far,
queried with its latest value as the target.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import linear_transformers_fwp as lt  # noqa: E402
from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif  # noqa: E402

S = 8


def trace(model: lt.Retriever, keys: np.ndarray, values: np.ndarray):
    """The fast weights after every write of one sequence and each seen key's read at that moment."""
    p = model.params
    n = model.n
    v = np.eye(n)[values[None]]
    x = np.concatenate([v, p["emb"][keys[None]]], axis=-1)
    fk = lt.feature_map(model.phi, x @ p["wk"].T + p["bk"])[0][0]           # (L, d_dot)
    queries = np.arange(n)
    fq = lt.feature_map(model.phi, p["emb"][queries] @ p["wq"].T + p["bq"])[0]  # (S, d_dot)
    w = np.zeros((n, fk.shape[1]))
    z = np.zeros(fk.shape[1])
    beta = 1.0 / (1.0 + np.exp(-(x[0] @ p["wb"] + p["bb"][0])))
    frames = []
    for t in range(len(keys)):
        if model.rule == "delta":
            nk = fk[t] / fk[t].sum()
            w = w + beta[t] * np.outer(v[0, t] - w @ nk, nk)
            reads = (fq / (fq.sum(axis=1, keepdims=True) + lt.EPS)) @ w.T
        else:
            w = w + np.outer(v[0, t], fk[t])
            z = z + fk[t]
            reads = (fq @ w.T) / (fq @ z + lt.EPS)[:, None]
        seen = np.zeros(n, bool)
        target = np.zeros((n, n))
        for s in range(t + 1):
            seen[keys[s]] = True
            target[keys[s]] = np.eye(n)[values[s]]
        err = 0.5 * np.sum((reads - target) ** 2, axis=1)
        frames.append({"w": w.copy(), "err": np.where(seen, err, np.nan), "beta": beta[t]})
    return frames


def main() -> None:
    parser = figure_parser(__file__, __doc__, "linear_transformers_fwp.gif")
    args = parser.parse_args()
    steps = 200 if args.quick else 1000
    models = {rule: lt.train(S, lt.D_KEY, "dpfp1", rule, True, args.seed, steps)["model"] for rule in ("delta", "sum")}
    keys, values, _, _ = lt.batch(np.random.default_rng([args.seed, 99]), S, 1, True)
    keys, values = keys[0], values[0]
    traces = {rule: trace(m, keys, values) for rule, m in models.items()}
    images = []
    for t in draft_frames(range(len(keys))):
        fig, axes = plt.subplots(2, 2, figsize=(9.6, 6.4), gridspec_kw={"width_ratios": [1.2, 1]})
        for row, rule in enumerate(("delta", "sum")):
            f = traces[rule][t]
            ax = axes[row, 0]
            lim = 1.0 if rule == "delta" else max(1.0, float(np.abs(f["w"]).max()))
            im = ax.imshow(f["w"], cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
            ax.set_ylabel("value unit (one-hot value)", fontsize=8)
            ax.set_xlabel("DPFP feature of the key (d_dot = 8)", fontsize=8)
            name = "delta rule (Sec. 4.2)" if rule == "delta" else "sum rule (linear attention)"
            extra = f", beta_t = {f['beta']:.2f}" if rule == "delta" else ""
            ax.set_title(f"{name}: W after write {t + 1}{extra}", fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046).ax.tick_params(labelsize=7)
            ax = axes[row, 1]
            err = f["err"]
            colours = ["C7" if np.isnan(e) else ("C2" if e < 0.1 else "C3") for e in err]
            ax.bar(np.arange(S), np.nan_to_num(err), color=colours)
            seen = ~np.isnan(err)
            ax.scatter(np.flatnonzero(seen), err[seen], color=[c for c, ok in zip(colours, seen) if ok], s=18, zorder=3)
            for i in np.flatnonzero(np.isnan(err)):
                ax.bar(i, 1.05, color="C7", alpha=0.15)
                ax.text(i, 0.5, "not yet\nwritten", ha="center", va="center", fontsize=6, rotation=90)
            ax.set_ylim(0, 1.05)
            ax.set_xticks(range(S), [f"k{i}" for i in range(S)], fontsize=7)
            ax.set_ylabel("retrieval loss 0.5||y - v||^2", fontsize=8)
            mean = np.nanmean(err)
            ax.set_title(f"every key written so far, queried (green < 0.1): mean loss {mean:.3f}", fontsize=8)
        pair = f"write {t + 1}/{len(keys)}: key k{keys[t]} -> value {values[t]}"
        again = " (key seen before: re-bound)" if keys[t] in keys[:t] else ""
        fig.suptitle(f"Setting 2, S = {S}, seed {args.seed}. {pair}{again}", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 0.95))
        images.append(frame_of(fig, dpi=70))
    save_gif(images, args.out, fps=1.5, hold_last=4)


if __name__ == "__main__":
    main()
