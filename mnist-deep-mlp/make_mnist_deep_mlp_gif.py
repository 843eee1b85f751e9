"""Animation for mnist-deep-mlp: seed 0's deep MLP learning from digits deformed afresh every epoch.

    python3 mnist-deep-mlp/make_mnist_deep_mlp_gif.py   # writes mnist_deep_mlp.gif

Retrains seed 0 with the headline settings (bit for bit the recorded seed 0; about a minute of CPU).
One frame per epoch: left, 32 first-layer units' weights forming; middle, this epoch's deformed
version of six training digits (what the net is shown); right, its test error so far beside the
recorded seed-0 curve of the same net trained without deformations (from results.json).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import mnist_deep_mlp as mdm
from shared.frame.figures import figure_parser, frame_of, recorded, save_gif


def tile(w: np.ndarray, cols: int) -> np.ndarray:
    rows = int(np.ceil(len(w) / cols))
    out = np.full((rows * 29 - 1, cols * 29 - 1), np.nan)
    for k, f in enumerate(w):
        r, c = divmod(k, cols)
        out[r * 29:r * 29 + 28, c * 29:c * 29 + 28] = f
    return out


def frame(epoch, params, shown, curve, plain, cfg):
    fig = plt.figure(figsize=(13, 4.6))
    grid = fig.add_gridspec(1, 3, width_ratios=[1.6, 0.55, 1.3], wspace=0.2)
    ax = fig.add_subplot(grid[0])
    w = tile(params["W0"][:, :32].T.reshape(-1, 28, 28), 8)
    lim = np.nanpercentile(np.abs(w), 99.5)      # a few large weights would wash the rest out
    im = ax.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("first-layer weights (32 units)", fontsize=9)
    fig.colorbar(im, ax=ax, shrink=0.75, label="weight (clipped at the 99.5th percentile of |w|)")
    ax = fig.add_subplot(grid[1])
    ax.imshow(tile(shown, 2), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("six training digits,\nas deformed this epoch", fontsize=9)
    ax = fig.add_subplot(grid[2])
    if plain:
        k = sum(1 for e in plain["epoch"] if e <= epoch)
        ax.plot(plain["epoch"][:k], 100 * np.array(plain["test_error"][:k]), color="C3", lw=1.5,
                label="same net, no deformations (recorded)")
    ax.plot(curve["epoch"], 100 * np.array(curve["test_error"]), color="C0", lw=2, label="deformed (this run)")
    ax.set_xlim(0, cfg.epochs)
    ax.set_yscale("log")
    ax.set_ylim(1, 100)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test error on 2,000 held-out digits (%)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"Seed 0, {'-'.join(map(str, [784, *cfg.hidden, 10]))} MLP, epoch {epoch}: test error "
                 f"{100 * curve['test_error'][-1]:.2f}%", fontsize=10)
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "mnist_deep_mlp.gif").parse_args(argv)
    cfg = mdm.Config()
    if args.quick:
        cfg = replace(cfg, hidden=(64, 32), epochs=5, n_train=400)   # >= 5 distinct frames
    digits = mdm.load_digits(mdm.DEFAULT_DATA, cfg.n_train)
    if args.quick:
        digits["test01"], digits["y_test"] = digits["test01"][:200], digits["y_test"][:200]
    record = None if args.quick else recorded(__file__)
    rows = (((record or {}).get("plain") or {}).get("seeds") or {}).get("per_seed") or []
    plain = next((r["curve"] for r in rows if r["seed"] == args.seed), None)
    shown_rng = np.random.default_rng(777)       # only for the pictures; the training draws its own
    frames = []

    def on_epoch(epoch, learner, curve):
        images = digits["train01"][:6]
        shown = images if epoch == 0 else mdm.deform(images, shown_rng, cfg.alpha, cfg.sigma, cfg.max_rotation,
                                                     cfg.max_scale, cfg.max_shear)
        frames.append(frame_of(frame(epoch, learner.params, shown, curve, plain, cfg), dpi=60))
        plt.close("all")

    mdm.run_seed(args.seed, cfg, digits, on_epoch=on_epoch)
    frames += [frames[-1]] * 4
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
