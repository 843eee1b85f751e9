"""Animation for adding-problem: a held-out sequence's cell states and the test MSE, as training proceeds.

    python3 adding-problem/make_adding_problem_gif.py       # writes adding-problem/adding_problem.gif (about 40 s)

Trains seed 0 of the headline run (the 1997 LSTM at T = 100) and keeps its weights at every
check. Each frame runs the network of one check over the same held-out sequence: the inputs
(marked values in orange), the four cell states, and the test MSE so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import adding_problem as ap
from shared.figures import figure_parser, frame_of, save_gif
from visualize_adding_problem import draw_inputs, headline_config, mark_lines, pick_sequence, trace


def frame(run: ap.Run, index: int, k: int, limits: tuple) -> plt.Figure:
    seen, params = run.snapshots[k]
    run.learner.restore(params)
    t = trace(run, index)
    fig, axes = plt.subplots(3, 1, figsize=(8, 6.4), gridspec_kw={"height_ratios": [1, 1.4, 1.1]})
    draw_inputs(axes[0], t)
    axes[0].set_title(f"adding problem, T = {run.config.T}, seed {run.seed}: held-out sequence, target "
                      f"{t['target']:.3f}, network {t['output']:.3f} (error {t['output'] - t['target']:+.3f})",
                      fontsize=9)
    axes[0].set_xlim(-1, t["n"])
    for c in range(t["cells"].shape[1]):
        axes[1].plot(t["cells"][:, c], lw=1.4, label=f"cell {c + 1}")
    mark_lines(axes[1], t)
    axes[1].set_ylim(*limits)
    axes[1].set_xlim(-1, t["n"])
    axes[1].set_ylabel("cell state")
    axes[1].set_xlabel("time step", fontsize=8)
    axes[1].legend(fontsize=7, ncol=4, loc="upper center")
    curve = run.curve
    shown = curve[:, 0] <= seen
    ax = axes[2]
    ax.semilogy(curve[:, 0], curve[:, 2], color="0.85", lw=1)
    ax.semilogy(curve[shown, 0], curve[shown, 2], color="C0", lw=1.5, label="test MSE (512 held-out)")
    ax.axhline(ap.mse_at_error_rate(1 / ap.TEST_SEQUENCES), color="C1", ls="--", lw=0.8,
               label="Gaussian errors, 1 of 2560 beyond 0.04")
    if run.config.T in ap.PAPER_SEQUENCES:
        ax.axvline(ap.PAPER_SEQUENCES[run.config.T], color="k", lw=1, label="paper: about 74,000")
    ax.axvline(seen, color="0.3", lw=0.8)
    if run.solved and run.solved_at <= seen:
        ax.axvline(run.solved_at, color="C2", ls=":", lw=1.2, label=f"stopping rule met ({run.solved_at:,})")
    ax.set_xlim(0, max(curve[-1, 0], ap.PAPER_SEQUENCES.get(run.config.T, 0)) * 1.03)
    ax.set_ylim(curve[:, 2].min() / 2, 0.1)
    ax.set_xlabel(f"training sequences (now {seen:,})")
    ax.set_ylabel("MSE")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "adding_problem.gif").parse_args(argv)
    run = ap.train(headline_config(args.quick), args.seed, keep_snapshots=True)
    index = pick_sequence(run)
    everything = []
    for _, params in run.snapshots:
        run.learner.restore(params)
        everything.append(trace(run, index)["cells"])
    low, high = min(c.min() for c in everything), max(c.max() for c in everything)
    pad = 0.08 * (high - low + 1e-9)
    keep = np.unique(np.linspace(0, len(run.snapshots) - 1, min(len(run.snapshots), 36)).round().astype(int))
    frames = [frame_of(frame(run, index, int(k), (low - pad, high + pad)), dpi=72) for k in keep]
    save_gif(frames, Path(args.out), fps=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
