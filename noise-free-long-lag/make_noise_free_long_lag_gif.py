"""Animation for noise-free-long-lag: the paper's 2a net learning to carry the first symbol across
p = 100 steps: the cell state along the two sequences, the x and y outputs, and the largest error.

    python3 noise-free-long-lag/make_noise_free_long_lag_gif.py     # writes noise-free-long-lag/noise_free_long_lag.gif (~2 min)

Retrains one seed of the 2a headline alone (bit for bit the recorded bank's; by default the first
recorded seed that met the criterion) and draws it every 250 training sequences (a frame every
1,000, plus the 250-sequence frames around the cell's addition).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import noise_free_long_lag as nf
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_noise_free_long_lag import default_seed, trained_seed


def frame(snap, row, p, limit, history) -> plt.Figure:
    seen, s, y, cell = snap
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    steps = np.arange(p)
    ax = axes[0]
    ax.plot(steps, s[0], color="C0", lw=1.5, label="y first")
    ax.plot(steps, s[1], color="C3", lw=1.5, label="x first")
    top = max(0.5, 1.1 * float(s.max()))          # per frame: the state spans 0.3 to 25 over training
    ax.set_ylim(-0.05 * top, top)
    ax.set_xlabel("time step")
    ax.set_ylabel("cell state s(t)")
    ax.set_title("cell state (scale per frame)" + ("" if cell else ": cell not yet added"), fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    ax.plot(steps, y[0, :, p], color="C0", lw=1.3, label="output y | y first")
    ax.plot(steps, y[1, :, p], color="C3", lw=1.3, label="output y | x first")
    ax.plot(steps, y[1, :, p - 1], color="C3", lw=1.0, ls="--", label="output x | x first")
    ax.plot(steps, y[0, :, p - 1], color="C0", lw=1.0, ls="--", label="output x | y first")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("time step (target x or y at the last)")
    ax.set_title("outputs x and y", fontsize=10)
    ax.legend(fontsize=7, loc="center left")
    ax = axes[2]
    h = np.array(history)
    ax.plot(h[:, 0], h[:, 1], color="C4", lw=1.3)
    ax.axhline(nf.THRESHOLD_AB, color="k", lw=0.8, ls="--", label="0.25")
    ax.set_xlim(0, row["seen"])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("training sequences")
    ax.set_title("largest |error|, frozen, both sequences", fontsize=10)
    ax.legend(fontsize=8)
    fig.suptitle(f"The paper's 2a net (p = {p}), seed {row['seed']}: after {seen:,} training sequences", fontsize=11)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "noise_free_long_lag.gif").parse_args(argv)
    seed = default_seed(argv)
    seed = args.seed if seed is None or args.quick else seed
    row, snaps, p = trained_seed(seed, args.quick)
    seqs = nf.two_sequences(p)
    limit = max(1.0, max(float(sn[1].max()) for sn in snaps) * 1.05)
    history, frames = [], []
    added = row["cell_added_at"] or 0
    for snap in snaps:
        worst = float(np.abs(snap[2] - np.eye(p + 1)[seqs[:, 1:]]).max())
        history.append([snap[0], worst])
        keep = args.quick or snap[0] % 1000 == 0 or abs(snap[0] - added) <= 1000 or snap is snaps[-1]
        if keep:
            frames.append(frame_of(frame(snap, row, p, limit, history)))
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
