"""Animation for embedded-reber: the output units on one test string as training proceeds.

    python3 embedded-reber/make_embedded_reber_gif.py          # writes embedded-reber/embedded_reber.gif

Each frame freezes seed 0's network at one moment of training and shows its 7 output units after
every symbol of a fixed test string (legal next symbols boxed in red; in gold, the step that
reads the inner E and must predict the outer T or P seen at the start), above the test-set
accuracies measured so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import embedded_reber as er

import matplotlib.pyplot as plt
import numpy as np

from shared.figures import figure_parser, frame_of, save_gif
from visualize_embedded_reber import draw_predictions, outputs_with, showcase, train_headline


def frame(run: er.Run, data: er.Data, string: str, presented: int, params: dict) -> plt.Figure:
    y = outputs_with(run.model, params, er.encode([string]))[0]
    outer = len(string) - 3
    fig = plt.figure(figsize=(8, 5.6))
    grid = fig.add_gridspec(2, 1, height_ratios=[1.45, 1])
    ax = fig.add_subplot(grid[0])
    draw_predictions(ax, y, string)
    recalled = y[outer, er.CODE[string[-2]]]
    ax.set_title(f"after {presented:,} training strings: on reading the inner E, unit {string[-2]} = {recalled:.2f}, "
                 f"unit {'P' if string[-2] == 'T' else 'T'} = {y[outer, er.CODE['P' if string[-2] == 'T' else 'T']]:.2f}",
                 fontsize=9)
    ax = fig.add_subplot(grid[1])
    n = np.array([p for p, _, _ in run.curve])
    shown = n <= presented
    for key, colour, name in (("strings_correct", "C0", "strings fully correct (criterion)"),
                              ("legal_accuracy", "C2", "legal-symbol accuracy"),
                              ("outer_accuracy", "C1", "outer T/P accuracy")):
        values = np.array([c[2][key] for c in run.curve])
        ax.plot(n, values, color=colour, alpha=0.18, lw=1)
        ax.plot(n[shown], values[shown], color=colour, lw=1.6, label=name)
    ax.axvline(presented, color="0.3", lw=0.8)
    if run.solved_at and run.solved_at <= presented:
        ax.axvline(run.solved_at, color="C3", ls="--", lw=1)
    ax.set_xlim(0, max(n[-1] if len(n) else 1, 1))
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("training strings presented")
    ax.set_ylabel("test set")
    ax.legend(fontsize=7, loc="center right")
    fig.suptitle(f"embedded-reber, seed {run.seed}: 1997 LSTM, output units on the test string {string}", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "embedded_reber.gif").parse_args(argv)
    run, data = train_headline(args.seed, args.quick)
    string = showcase(data)[0]
    snapshots = run.snapshots
    n_frames = 8 if args.quick else 40
    picks = sorted(set(np.linspace(0, len(snapshots) - 1, n_frames).round().astype(int)))
    frames = [frame_of(frame(run, data, string, *snapshots[i]), dpi=72) for i in picks]
    save_gif(frames, Path(args.out), fps=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
