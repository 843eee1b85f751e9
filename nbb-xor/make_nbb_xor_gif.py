"""Animation for nbb-xor: the routing of the four patterns and the frozen test, as training proceeds.

    python3 nbb-xor/make_nbb_xor_gif.py             # writes nbb-xor/nbb_xor.gif

Each frame shows the frozen network at one moment of seed 0's training under the paper's
protocol: for every input pattern, the units that are on at the last tick (filled) and the
connections that carried the signal (dark; the curved ones run from the inputs straight to the
outputs), line width growing with the weight's share of the largest weight into the same layer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import nbb_xor as nbb
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_nbb_xor import ARCH, UNIT_NAMES, smooth, train_headline

POSITIONS = {0: (0, 2), 1: (0, 1), 2: (0, 0), 3: (1, 2), 4: (1, 1), 5: (1, 0), 6: (2, 1.5), 7: (2, 0.5)}


def draw_network(ax, weights: np.ndarray, activity: np.ndarray, pattern: int, right: bool) -> None:
    """One pattern's pass through the frozen network: weights (N, N), last-tick activity (N,)."""
    sources, targets = np.nonzero(ARCH.connections)
    into_hidden = weights[:, ARCH.hidden].max()
    into_output = weights[:, ARCH.outputs].max()
    for i, j in zip(sources, targets):
        share = weights[i, j] / (into_hidden if j < ARCH.outputs.start else into_output)
        carried = activity[i] > 0 and activity[j] > 0
        (x0, y0), (x1, y1) = POSITIONS[i], POSITIONS[j]
        style = dict(color="0.15" if carried else "0.85", lw=0.3 + 3.0 * share ** 4, zorder=2 if carried else 1)
        if i < ARCH.n_inputs and j >= ARCH.outputs.start:          # input -> output: an arc over the hidden layer
            ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="-", connectionstyle="arc3,rad=-0.45",
                                                                shrinkA=0, shrinkB=0, **style))
        else:
            ax.plot([x0, x1], [y0, y1], **style)
    answer = nbb.output_winner(activity, ARCH)
    for unit, (x, y) in POSITIONS.items():
        on = activity[unit] > 0
        edge = "C2" if unit == ARCH.outputs.start + nbb.TARGETS[pattern] else "0.3"
        face = ("C2" if right else "C3") if on and unit >= ARCH.outputs.start else ("0.2" if on else "white")
        ax.scatter([x], [y], s=300, c=[face], edgecolors=[edge], linewidths=2, zorder=3)
        ax.text(x, y - 0.33, UNIT_NAMES[unit], ha="center", va="top", fontsize=7)
    ax.set_title(f"input {nbb.PATTERN_NAMES[pattern]} -> y{answer}", fontsize=9, color="C2" if right else "C3")
    ax.set_xlim(-0.4, 2.4)
    ax.set_ylim(-0.7, 2.9)
    ax.axis("off")


def frame(run, p: int, weights: np.ndarray) -> plt.Figure:
    rule = nbb.Rule()
    activity = nbb.frozen_activity(weights[None], ARCH, rule)           # (1, 4, ticks + 1, N)
    right = nbb.frozen_correct(activity, ARCH, rule)[0]                # (4,)
    fig = plt.figure(figsize=(9, 4.8))
    grid = fig.add_gridspec(2, 4, height_ratios=[1.6, 1])
    for k in range(4):
        draw_network(fig.add_subplot(grid[0, k]), weights.astype(float), activity[0, k, -1], k, bool(right[k]))
    ax = fig.add_subplot(grid[1, :])
    solved = run.correct[:, 0].sum(axis=1)
    width = 50
    curve = smooth(solved, width)
    ax.plot(np.arange(width, len(solved) + 1), curve, color="0.8", lw=1)
    shown = max(0, p - width + 1)
    ax.plot(np.arange(width, width + shown), curve[:shown], color="C0", lw=1.5)
    ax.axvline(p, color="0.3", lw=0.8)
    if 0 < run.solved_at[0] <= p:
        ax.axvline(run.solved_at[0], color="C3", ls="--", lw=1)
    if 0 < run.stable_at[0] <= p:
        ax.axvline(run.stable_at[0], color="C4", ls=":", lw=1.2)
    ax.set_xlim(0, len(solved))
    ax.set_ylim(0, 4.1)
    ax.set_ylabel(f"patterns right\n(frozen, mean of {width})", fontsize=8)
    ax.set_xlabel("training cycles (red dashed: first solution; purple dotted: stable from)", fontsize=8)
    fig.suptitle(f"NBB on XOR, seed {run.networks[0][0]}: after {p} cycles the frozen network is right on "
                 f"{int(right.sum())}/4 patterns at ticks 4-6", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "nbb_xor.gif").parse_args(argv)
    run = train_headline(args.seed, args.quick)
    snapshots = dict(run.snapshots)
    n_frames = 6 if args.quick else 48
    events = {int(e) for e in (run.solved_at[0], run.stable_at[0]) if e > 0}
    moments = sorted(set(np.linspace(0, run.cycles, n_frames).astype(int)) | events)
    frames = [frame_of(frame(run, p, snapshots[p][0]), dpi=70) for p in moments]
    save_gif(frames, Path(args.out), fps=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
