"""Animation for temporal-order-4bit: the cell states on test sequences of four classes, and the
training error, as the paper's LSTM learns task 6b.

    python3 temporal-order-4bit/make_temporal_order_4bit_gif.py     # writes temporal-order-4bit/temporal_order_4bit.gif (~5 min)

Retrains the seed of the section paper_scale that met the rule first (or --seed) alone, bit for bit
the recorded bank's net, and keeps its weights every 10,000 sequences. Each frame runs the net of that moment over the same four test
sequences: the six cell states (top), the output of the right class (middle), and the mean error
of the 2000 most recent training sequences so far (bottom).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import temporal_order_4bit as to
from shared.frame.figures import draft_frames, frame_of, save_gif
from visualize_temporal_order_4bit import (CLASS_NAMES, draw_marks, inside, one_of_each_class, picture_parser, picture_seed,
                                           trained_seed)


def frame(snapshot, trial, codes, lengths, labels, limit) -> plt.Figure:
    seen, W, V = snapshot
    t = inside(W, V, codes, lengths)
    fig, axes = plt.subplots(3, 4, figsize=(12, 6.6), gridspec_kw={"height_ratios": [1.4, 0.8, 0.9]})
    for k in range(4):
        n = int(lengths[k])
        ax = axes[0, k]
        for c in range(6):
            ax.plot(t["s"][k, :n, c], lw=1.3, color=f"C{c}", label=f"cell {c + 1}")
        draw_marks(ax, codes[k], n, label_y=limit * 0.95)
        ax.set_ylim(-limit, limit)
        ax.set_title(f"class {CLASS_NAMES[labels[k]]}", fontsize=9)
        ax = axes[1, k]
        ax.plot(t["y"][k, :n, labels[k]], color="C4", lw=1.3, label="output of the right class")
        draw_marks(ax, codes[k], n)
        ax.axhline(0.7, color="0.5", lw=0.6, ls="--")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("time step", fontsize=8)
    axes[0, 0].set_ylabel("cell state")
    axes[1, 0].set_ylabel("output")
    axes[0, 0].legend(fontsize=6, loc="lower left")
    axes[1, 0].legend(fontsize=6, loc="upper left")
    gs = axes[2, 0].get_gridspec()
    for ax in axes[2]:
        ax.remove()
    ax = fig.add_subplot(gs[2, :])
    curve = np.array(trial.curve)
    ax.plot(curve[:, 0], curve[:, 1], color="0.8", lw=1)
    now = curve[curve[:, 0] <= seen]
    ax.plot(now[:, 0], now[:, 1], color="C0", lw=1.5)
    ax.axhline(to.TRAIN_ERROR, color="k", lw=0.8, ls="--", label="0.1: the stopping rule's bound")
    ax.axvline(to.PAPER_SEQUENCES, color="k", lw=0.8, label="Table 9: 571,100")
    ax.set_yscale("log")
    ax.set_xlabel("training sequences")
    ax.set_ylabel("mean E, last 2000")
    ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(f"The paper's LSTM learning task 6b (seed {trial.seed}): after {seen:,} training sequences",
                 fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = picture_parser(__file__, __doc__, "temporal_order_4bit.gif").parse_args(argv)
    seed = picture_seed(args.seed, args.quick)
    trial, snapshots = trained_seed(seed, args.quick, snapshot_every=50 if args.quick else 10_000)
    codes, lengths, labels = one_of_each_class(seed)
    final = inside(trial.params["W"], trial.params["V"], codes, lengths)
    limit = max(1.0, float(np.abs(final["s"]).max()) * 1.05)
    frames = [frame_of(frame(s, trial, codes, lengths, labels, limit)) for s in draft_frames(snapshots)]
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
