"""Animation for lococode-ica: the code forming while flat minimum search trains the autoassociator.

    python3 lococode-ica/make_lococode_ica_gif.py     # writes lococode_ica.gif (trains seed 0, ~1-2 min)

Seed 0 on the noisy bars (Task 2.2), the recorded configuration. Each frame is one moment of training:
the 25 hidden units' input weights (5 x 5 receptive fields, each on its own colour scale; units in the
order of their final importance; greyed when the unit is pruned, i.e. moves the output by less than
10% of the strongest), a test input with the hidden code it gets, and the training error against
E_tol, lambda and the number of active units so far.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import lococode_ica as lc  # noqa: E402
from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif  # noqa: E402
from visualize_lococode_ica import train_seed  # noqa: E402

FRAMES = 36


def frame(run, epoch, params, order, sample) -> plt.Figure:
    fig = plt.figure(figsize=(9.6, 4.8))
    contribution = lc.unit_contribution(params, run["test"]["x"])
    active = contribution >= lc.ACTIVE * contribution.max()
    for i, unit in enumerate(order):
        ax = fig.add_axes([0.02 + (i % 5) * 0.085, 0.70 - (i // 5) * 0.165, 0.075, 0.14])
        w = params["W1"][unit].reshape(lc.GRID, lc.GRID)
        m = np.abs(w).max() or 1.0
        ax.imshow(w, cmap="RdBu_r", vmin=-m, vmax=m)
        if not active[unit]:
            ax.imshow(np.ones_like(w), cmap="gray", vmin=0, vmax=1, alpha=0.6)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"u{unit} {contribution[unit]:.2f}", fontsize=6, pad=1)
    fig.text(0.23, 0.93, f"epoch {epoch}: hidden units' receptive fields (W1), {int(active.sum())} of 25 active",
             ha="center", fontsize=9)
    fig.text(0.23, 0.02, "red +, blue -, own scale per unit; number: std(y) |W2 column|; grey = pruned",
             ha="center", fontsize=7)
    x = run["test"]["x"][sample]
    y, o = lc.forward(params, x[None])
    ax = fig.add_axes([0.47, 0.58, 0.09, 0.27])
    ax.imshow(x.reshape(lc.GRID, lc.GRID), cmap="gray", vmin=-1, vmax=1)
    ax.set_title("test input", fontsize=7)
    ax.axis("off")
    ax = fig.add_axes([0.58, 0.58, 0.09, 0.27])
    ax.imshow(o[0].reshape(lc.GRID, lc.GRID), cmap="gray", vmin=-1, vmax=1)
    ax.set_title("reconstruction", fontsize=7)
    ax.axis("off")
    ax = fig.add_axes([0.71, 0.58, 0.27, 0.27])
    ax.bar(range(25), y[0][order], color=["C0" if active[u] else "0.7" for u in order])
    ax.set_ylim(0, 1)
    ax.set_xlabel("hidden unit (final order)", fontsize=7)
    ax.set_ylabel("activation", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.set_title("its code", fontsize=7)
    h = run["history"]
    ax = fig.add_axes([0.50, 0.10, 0.2, 0.33])
    ep = np.arange(1, epoch + 1)
    ax.plot(ep, h["error"][:epoch, 0], lw=0.8, color="C0")
    ax.axhline(run["cfg"].e_tol, color="k", ls="--", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlim(1, len(h["error"]))
    ax.set_ylim(0.1, 10)
    ax.set_xlabel("epoch", fontsize=7)
    ax.set_ylabel("training error (-- E_tol)", fontsize=7)
    ax.tick_params(labelsize=6)
    ax = fig.add_axes([0.78, 0.10, 0.2, 0.33])
    ax.plot(ep, h["lambda"][:epoch, 0], lw=0.8, color="C1")
    ax.set_xlim(1, len(h["error"]))
    ax.set_ylim(0, max(1e-3, h["lambda"][:, 0].max() * 1.05))
    ax.set_xlabel("epoch", fontsize=7)
    ax.set_ylabel("lambda", fontsize=7)
    ax.tick_params(labelsize=6)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "lococode_ica.gif")
    args = parser.parse_args(argv)
    run = train_seed("noisy-bars", "fms", args.seed, args.quick, snapshots=FRAMES)
    order = np.argsort(-run["contribution"])
    sample = int(np.argmax(run["test"]["on"].sum(axis=1) == 3))          # a test input with three bars
    frames = []
    for epoch, params in draft_frames(run["snapshots"]):
        if epoch == 0:
            continue
        fig = frame(run, epoch, lc._net(params, 0), order, sample)
        frames.append(frame_of(fig))
        plt.close(fig)
    frames += [frames[-1]] * 6
    save_gif(frames, args.out, fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
