"""Animation for adding-problem: a test sequence's cell states and the training error, as training proceeds.

    python3 adding-problem/make_adding_problem_gif.py       # writes adding-problem/adding_problem.gif (about nine minutes)

Trains seed 0 of the section "online" (the paper's net, truncated gradient and training: one
sequence per update, T = 100; bit for bit the recorded sweep's seed 0) and keeps its weights every
few thousand sequences. Each
frame runs the net of that moment over the same test sequence: the inputs (marked values in
orange), the four cell states, the output unit's reading of the cells, and the MSE of the 2000
most recent training sequences so far.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import adding_problem as ap
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_adding_problem import draw_inputs, headline_config, mark_lines, pick_sequence, single_net, trace


def frame(config, snapshot, run, data, index, limits) -> plt.Figure:
    seen, W, V = snapshot
    net = single_net(config, {"W": W[0], "V": V[0]})
    t = trace(net, data, index)
    fig, axes = plt.subplots(4, 1, figsize=(8, 7.6), gridspec_kw={"height_ratios": [1, 1.3, 0.9, 1.1]})
    draw_inputs(axes[0], t)
    axes[0].set_title(f"the paper's LSTM, on-line, T = {config.T}, seed {run.seed}: target {t['target']:.3f}, "
                      f"network {t['output']:.3f} (error {t['output'] - t['target']:+.3f})", fontsize=9)
    for c in range(4):
        axes[1].plot(t["states"][:, c], lw=1.4, label=f"cell {c + 1}")
    mark_lines(axes[1], t)
    axes[1].set_ylim(*limits)
    axes[1].set_ylabel("cell state")
    axes[1].legend(fontsize=7, ncol=4, loc="upper center")
    axes[2].plot(t["readout"], color="C0", lw=1.3)
    axes[2].axhline(t["target"], color="C1", ls="--", lw=1, label="target at the end")
    mark_lines(axes[2], t)
    axes[2].set_ylim(-0.05, 1.05)
    axes[2].set_ylabel("output")
    axes[2].legend(fontsize=7, loc="lower left")
    for ax in axes[:3]:
        ax.set_xlim(-1, t["n"])
    curve = run.curve
    shown = curve[:, 0] <= seen
    ax = axes[3]
    ax.semilogy(curve[:, 0], curve[:, 1], color="0.85", lw=1)
    ax.semilogy(curve[shown, 0], curve[shown, 1], color="C0", lw=1.5, label="MSE of the 2000 most recent training "
                                                                            "sequences")
    ax.axhline(ap.TRAIN_ERROR, color="0.5", ls="-.", lw=0.8, label="0.01")
    if config.T in ap.PAPER_SEQUENCES:
        ax.axvline(ap.PAPER_SEQUENCES[config.T], color="k", lw=1, label="Table 7: 74,000 (mean of 10 trials)")
    ax.axvline(seen, color="0.3", lw=0.8)
    if run.solved and run.stopped_at <= seen:
        ax.axvline(run.stopped_at, color="C2", ls=":", lw=1.2, label=f"stopping rule met ({run.stopped_at:,})")
    ax.set_xlim(0, max(curve[-1, 0], ap.PAPER_SEQUENCES.get(config.T, 0)) * 1.03)
    ax.set_ylim(max(curve[:, 1].min() / 2, 1e-6), 0.1)
    ax.set_xlabel(f"training sequences (now {seen:,})")
    ax.set_ylabel("MSE")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "adding_problem.gif").parse_args(argv)
    config = replace(headline_config(args.quick), batch=1)          # on-line: the section "online"
    snapshots = []
    every = 200 if args.quick else 4000
    run = ap.train_bank(config, [args.seed], label="seed 0 with snapshots: ", snapshots=snapshots,
                        snapshot_every=every)[0]
    data = ap.adding_sequences(ap.streams(args.seed)["test"], ap.TEST_SEQUENCES, config.T)
    index = pick_sequence(data)
    keep = np.unique(np.linspace(0, len(snapshots) - 1, min(len(snapshots), 6 if args.quick else 36)).round()
                     .astype(int))
    states = [trace(single_net(config, {"W": snapshots[k][1][0], "V": snapshots[k][2][0]}), data, index)["states"]
              for k in keep]
    low, high = min(s.min() for s in states), max(s.max() for s in states)
    pad = 0.08 * (high - low + 1e-9)
    frames = [frame_of(frame(config, snapshots[int(k)], run, data, index, (low - pad, high + pad)), dpi=72)
              for k in keep]
    save_gif(frames, Path(args.out), fps=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
