"""Animation for nbb-moving-light: the frozen net's answer to both sequences, as training proceeds.

    python3 nbb-moving-light/make_nbb_moving_light_gif.py     # writes nbb-moving-light/nbb_moving_light.gif

Each frame shows seed 0's frozen network after some training cycle: for the light crossing left to
right (LR) and right to left (RL), which units are on at every tick (green: the correct output on,
red: the wrong one), its weights into the two outputs, and the frozen test so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import nbb_moving_light as ml
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_nbb_moving_light import NET, UNIT_NAMES, firing_grid, smooth, train_headline

SHOWN_CYCLES = 400       # the first cycles, where the solutions come and go


def frame(run, setting, p: int, weights: np.ndarray) -> plt.Figure:
    activity = ml.frozen_on(weights[None], setting)[0]
    right = ml.judged(activity[None], setting, "last-tick")[0]
    fig = plt.figure(figsize=(9, 5.6))
    grid = fig.add_gridspec(2, 3, height_ratios=[1.5, 1], width_ratios=[1, 1, 1.1])
    for k in range(2):
        firing_grid(fig.add_subplot(grid[0, k]), activity[k], k,
                    f"{ml.SEQUENCES[k]}: {'right' if right[k] else 'wrong'} at the last tick")
    ax = fig.add_subplot(grid[0, 2])
    w = weights[:, NET.outputs].astype(float)
    image = ax.imshow(w, cmap="magma", aspect="auto")
    ax.set_yticks(range(NET.n_units), UNIT_NAMES, fontsize=7)
    ax.set_xticks([0, 1], ["to out0", "to out1"], fontsize=7)
    ax.set_title("weights into the outputs", fontsize=8)
    fig.colorbar(image, ax=ax, label="weight substance", shrink=0.8)
    ax = fig.add_subplot(grid[1, :])
    both = run.correct[:SHOWN_CYCLES, 0].all(axis=1).astype(float)
    width = 10
    curve = smooth(both, width)
    ax.plot(np.arange(width, len(both) + 1), curve, color="0.8", lw=1)
    shown = max(0, p - width + 1)
    ax.plot(np.arange(width, width + shown), curve[:shown], color="C0", lw=1.5)
    ax.axvline(p, color="0.3", lw=0.8)
    first = run.solved_at["last-tick"][0]
    if 0 < first <= p:
        ax.axvline(first, color="C3", ls="--", lw=1)
    ax.set_xlim(0, len(both))
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"both right, frozen\n(mean of {width} cycles)", fontsize=8)
    ax.set_xlabel("training cycles (red dashed: first solution)", fontsize=8)
    fig.suptitle(f"NBB on the moving light, seed {run.networks[0][0]}, after {p} cycles: "
                 f"{int(right.sum())}/2 sequences right", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "nbb_moving_light.gif").parse_args(argv)
    run, setting = train_headline(args.seed, args.quick)
    snapshots = dict(run.snapshots)
    last = min(run.cycles, SHOWN_CYCLES)
    n_frames = 6 if args.quick else 40
    first = int(run.solved_at["last-tick"][0])
    moments = sorted(set(np.linspace(0, last, n_frames).astype(int)) | ({first, first + 1} if 0 < first < last else set()))
    frames = [frame_of(frame(run, setting, p, snapshots[p][0]), dpi=65) for p in moments]
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
