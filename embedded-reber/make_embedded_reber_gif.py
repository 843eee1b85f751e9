"""Animation for embedded-reber: the output units on one test string as training proceeds, for the
paper's network and for the same trial with output biases added.

    python3 embedded-reber/make_embedded_reber_gif.py          # writes embedded-reber/embedded_reber.gif

Each frame freezes both networks of one trial (--seed, default 0) of the headline row (LSTM 4 x 1,
rate 0.5) at one moment of training and shows their 7 output units after every symbol of a fixed
test string (legal next symbols boxed in red; in gold, the step that reads the inner E and must
predict the outer T or P seen at the start), above the test-set accuracies measured so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import embedded_reber as er

import matplotlib.pyplot as plt
import numpy as np

from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif
from visualize_embedded_reber import draw_predictions, showcase, train_pair


def nearest(snapshots: list, presented: int) -> tuple[int, dict]:
    """The last snapshot taken at or before ``presented`` strings."""
    return [s for s in snapshots if s[0] <= presented][-1]


def frame(pair: dict, string: str, presented: int) -> plt.Figure:
    fig = plt.figure(figsize=(11, 6.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.3, 1])
    outer = len(string) - 3
    other = "P" if string[-2] == "T" else "T"
    curves = fig.add_subplot(grid[1, :])
    for col, (label, trials) in enumerate(pair.items()):
        shown, params = nearest(trials.snapshots[0], presented)
        y = er.net_outputs(er.with_params(trials.net, 0, params), er.encode([string]), 0)[0]
        ax = fig.add_subplot(grid[0, col])
        draw_predictions(ax, y, string)
        ax.set_title(f"{label}, after {shown:,} strings:\nat the gold step unit {string[-2]} = "
                     f"{y[outer, er.CODE[string[-2]]]:.2f}, unit {other} = {y[outer, er.CODE[other]]:.2f}", fontsize=9)
        curve = trials.curves[0]
        n = np.array([p for p, _, _ in curve])
        for key, style, name in (("strings_correct", "-", "test strings fully correct"),
                                 ("outer_accuracy", ":", "outer T/P accuracy")):
            values = np.array([c[2][key] for c in curve])
            color = "C0" if col == 0 else "C2"
            curves.plot(n, values, style, color=color, alpha=0.2, lw=1)
            curves.plot(n[n <= presented], values[n <= presented], style, color=color, lw=1.6,
                        label=f"{label}: {name}")
        if trials.solved_at[0] and trials.solved_at[0] <= presented:
            curves.axvline(trials.solved_at[0], color="C3", ls="--", lw=1)
    curves.axvline(presented, color="0.3", lw=0.8)
    curves.set_xlim(0, max(max(t.presented[0] for t in pair.values()), 1))
    curves.set_ylim(-0.03, 1.03)
    curves.set_xlabel("training strings presented")
    curves.set_ylabel("test set")
    curves.legend(fontsize=7, loc="upper left", ncol=2)
    seed = next(iter(pair.values())).seeds[0]
    fig.suptitle(f"embedded-reber, trial {seed}: LSTM 4 x 1, rate 0.5, truncated gradient; output units on the test "
                 f"string {string}", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "embedded_reber.gif").parse_args(argv)
    pair = train_pair(args.seed, args.quick)
    trials = next(iter(pair.values()))
    string = showcase(trials.data[er.pair_of(args.seed)])[0]
    last = max(t.presented[0] for t in pair.values())
    n_frames = 5 if args.quick else 40
    moments = sorted(set(np.linspace(0, last, n_frames).round(-2 if last >= 1000 else 0).astype(int)))
    frames = [frame_of(frame(pair, string, int(m)), dpi=72) for m in draft_frames(moments)]
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
