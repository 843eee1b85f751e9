"""Animation for nbb-xor: the routing of the four patterns and the accuracy, as training proceeds.

    python3 nbb-xor/make_nbb_xor_gif.py             # writes nbb-xor/nbb_xor.gif

Each frame shows the frozen network at one moment of seed 0's training: for every input
pattern, the units that fire at the last tick (filled) and the connections that carried the
signal (dark), line width proportional to the weight's share of its layer's largest weight.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import nbb_xor as nbb
from shared.figures import figure_parser, frame_of, save_gif
from visualize_nbb_xor import UNIT_NAMES, smooth, train_headline

ARCH = nbb.ARCHITECTURES["one-subset"]
POSITIONS = {0: (0, 2), 1: (0, 1), 2: (0, 0), 3: (1, 2), 4: (1, 1), 5: (1, 0), 6: (2, 1.5), 7: (2, 0.5)}


def draw_network(ax, weights: np.ndarray, activity: np.ndarray, pattern: int) -> None:
    """One pattern's pass through the frozen network: weights (N, N), last-tick activity (N,)."""
    sources, targets = np.nonzero(ARCH.connections)
    layer_max = {"ih": weights[: ARCH.n_inputs, ARCH.hidden].max(), "ho": weights[ARCH.hidden, ARCH.outputs].max()}
    for i, j in zip(sources, targets):
        share = weights[i, j] / layer_max["ih" if i < ARCH.n_inputs else "ho"]
        carried = activity[i] > 0 and activity[j] > 0
        (x0, y0), (x1, y1) = POSITIONS[i], POSITIONS[j]
        ax.plot([x0, x1], [y0, y1], color="0.15" if carried else "0.82", lw=0.3 + 3.2 * share ** 4,
                zorder=2 if carried else 1)
    answer = nbb.output_winner(activity, ARCH)
    right = answer == nbb.TARGETS[pattern]
    for unit, (x, y) in POSITIONS.items():
        fires = activity[unit] > 0
        edge = "C2" if unit == ARCH.outputs.start + nbb.TARGETS[pattern] else "0.3"
        face = ("C2" if right else "C3") if fires and unit >= ARCH.outputs.start else ("0.2" if fires else "white")
        ax.scatter([x], [y], s=330, c=[face], edgecolors=[edge], linewidths=2, zorder=3)
        ax.text(x, y - 0.36, UNIT_NAMES[unit], ha="center", va="top", fontsize=7)
    ax.set_title(f"input {nbb.PATTERN_NAMES[pattern]} -> y={answer}", fontsize=9, color="C2" if right else "C3")
    ax.set_xlim(-0.4, 2.4)
    ax.set_ylim(-0.7, 2.4)
    ax.axis("off")


def frame(run, p: int, weights: np.ndarray) -> plt.Figure:
    activity = nbb.frozen_activity(weights[None], ARCH, nbb.Rule())[0, :, -1]      # (4, N)
    fig = plt.figure(figsize=(9, 4.6))
    grid = fig.add_gridspec(2, 4, height_ratios=[1.5, 1])
    for k in range(4):
        draw_network(fig.add_subplot(grid[0, k]), weights, activity[k], k)
    ax = fig.add_subplot(grid[1, :])
    right = run.correct[:, 0].sum(axis=1)
    width = 50
    curve = smooth(right, width)
    ax.plot(np.arange(width, len(right) + 1), curve, color="0.8", lw=1)
    shown = max(0, p - width + 1)
    ax.plot(np.arange(width, width + shown), curve[:shown], color="C0", lw=1.5)
    ax.axvline(p, color="0.3", lw=0.8)
    if 0 < run.solved_at[0] <= p:
        ax.axvline(run.solved_at[0], color="C3", ls="--", lw=1)
    ax.set_xlim(0, len(right))
    ax.set_ylim(0, 4.1)
    ax.set_ylabel(f"patterns right\n(mean of {width})")
    ax.set_xlabel("pattern presentations")
    n_right = int((nbb.output_winner(activity, ARCH) == nbb.TARGETS).sum())
    fig.suptitle(f"NBB on XOR, seed {run.seeds[0]}: after {p} presentations the frozen network "
                 f"is right on {n_right}/4 patterns", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "nbb_xor.gif").parse_args(argv)
    run = train_headline(args.seed, args.quick)
    snapshots = dict(run.snapshots)
    n_frames = 12 if args.quick else 48
    moments = sorted(set(np.linspace(0, run.presentations, n_frames).astype(int))
                     | ({int(run.solved_at[0])} if run.solved_at[0] > 0 else set()))
    frames = [frame_of(frame(run, p, snapshots[p][0]), dpi=70) for p in moments]
    save_gif(frames, Path(args.out), fps=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
