"""Animation for fast-weights-unknown-delay: the fast matrix written and read over one episode.

    python3 fast-weights-unknown-delay/make_fast_weights_unknown_delay_gif.py   # writes fast_weights_unknown_delay.gif

A slow net trained on-line on the stored-pattern task (p = 16 bits, 3 patterns stored, seed 0, 2000
presentations; rerun here, a few seconds) meets one test episode with K = 20 distractors. Each frame is
one time step: S's input (left), the outer product S writes at that step, value (TO) x key (FROM)
(middle left), the fast matrix after the write (middle right), and at the recall cues F's read beside
the stored pattern (right). Ungated: every step writes; the slow net has learned to make the
distractors' writes vanish.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif  # noqa: E402
from visualize_fast_weights_unknown_delay import PICTURE_DELAY, PICTURE_TASK, recall_trace, train_recall  # noqa: E402


def frame(tr, t, lim, task, budget) -> plt.Figure:
    n, p = task.stored, task.p
    x = tr["x"][t]
    phase = "store" if t < n else ("distractor" if t < n + PICTURE_DELAY else "recall cue")
    fig = plt.figure(figsize=(10.5, 4.2))
    fig.suptitle(f"step {t} of the episode: {phase}   (p = {p}, {n} stored, K = {PICTURE_DELAY}; slow net after "
                 f"{budget} on-line presentations, ungated writes)", fontsize=10)
    ax = fig.add_axes([0.03, 0.12, 0.05, 0.72])
    ax.imshow(x[:, None], cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks([])
    ax.set_yticks([0, p, p + 1] + [p + 2 + i for i in range(n)], ["bits", "store", "recall"]
                  + [f"slot {i}" for i in range(n)], fontsize=6)
    ax.set_title("S's input", fontsize=8)
    write = np.outer(tr["values"][t], tr["keys"][t])
    for i, (mat, title) in enumerate(((write, "this step's write\nTO x FROM"), (tr["mats"][t], "fast matrix W\nafter it"))):
        ax = fig.add_axes([0.2 + 0.2 * i, 0.12, 0.15, 0.72])
        im = ax.imshow(mat, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("FROM (key) unit", fontsize=7)
        if i == 0:
            ax.set_ylabel("TO unit = pattern bit", fontsize=7)
        ax.tick_params(labelsize=6)
    fig.colorbar(im, cax=fig.add_axes([0.56, 0.12, 0.008, 0.72]), label="weight")
    ax = fig.add_axes([0.66, 0.12, 0.3, 0.72])
    if tr["mask"][t] > 0:
        ax.bar(np.arange(p) - 0.2, tr["target"][t], width=0.4, color="0.6", label="stored pattern")
        ax.bar(np.arange(p) + 0.2, tr["reads"][t], width=0.4, color="C2", label="F's read W q")
        right = int(np.sum(np.sign(tr["reads"][t]) == tr["target"][t]))
        ax.set_title(f"recall of slot {int(np.argmax(x[p + 2:]))}: {right}/{p} bits right", fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
    else:
        ax.text(0.5, 0.5, "no target at this step\n(F's read is not scored)", ha="center", va="center",
                transform=ax.transAxes, fontsize=8, color="0.4")
        ax.set_title("F's read at the recall cues", fontsize=8)
    ax.set_ylim(-2, 2)
    ax.set_xlabel("pattern bit", fontsize=7)
    ax.axhline(0, color="k", lw=0.6)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "fast_weights_unknown_delay.gif")
    args = parser.parse_args(argv)
    task = PICTURE_TASK
    budget = 200 if args.quick else 2000
    params, _ = train_recall(args.seed, budget, task)
    tr = recall_trace(params, task)
    lim = max(np.abs(tr["mats"]).max(), 1e-3)
    steps = range(len(tr["x"]))
    frames = [frame_of(frame(tr, t, lim, task, budget), dpi=70) for t in draft_frames(steps)]
    save_gif(frames, args.out, fps=3, hold_last=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
