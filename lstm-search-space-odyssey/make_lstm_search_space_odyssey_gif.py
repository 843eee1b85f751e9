"""Animation for lstm-search-space-odyssey: V, CIFG, NFG and NOAF learning the continual sign task.

    python3 lstm-search-space-odyssey/make_lstm_search_space_odyssey_gif.py    # writes lstm_search_space_odyssey.gif

Seed 0 of each variant is retrained alone, exactly as in the recorded search (results.json; a trial's
arithmetic does not depend on the trials it was packed with), at its best learning rate (NOAF at
the learning rate where it learns, its lowest median validation MSE: its best by the mean is the
lowest, where it does not), with a snapshot every 50 batches. Each frame replays one snapshot on the same fresh 400-step stream
(from a zero state) and shows its last 120 steps: the target sign and the output. On the right,
every variant's validation curve from the recorded search, drawn up to the frame's batch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import lstm_search_space_odyssey as ody  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.frame.figures import figure_parser, frame_of, save_gif  # noqa: E402
from visualize_lstm_search_space_odyssey import COLORS, gmean, load_record, ordered, recorded_trial, searched  # noqa

SHOWN = ("V", "CIFG", "NFG", "NOAF")


def frame(step: int, total: int, seed: int, outputs: dict, inputs, targets, data: dict, window: slice,
          lrs: dict) -> plt.Figure:
    fig = plt.figure(figsize=(11, 5.6))
    grid = fig.add_gridspec(len(SHOWN), 2, width_ratios=[1.5, 1])
    t = np.arange(window.start, window.stop)
    resets = t[inputs[0, window, 1] > 0]
    for row, name in enumerate(SHOWN):
        ax = fig.add_subplot(grid[row, 0])
        y = outputs[name]
        for r in resets:
            ax.axvline(r, color="0.88", lw=0.8, zorder=0)
        ax.step(t, targets[0, window, 0], where="mid", color="0.6", lw=1.4)
        ax.plot(t, np.clip(y[0, window, 0], -2.4, 2.4), color=COLORS[name], lw=1.4)
        wrong = np.mean(np.sign(y[0, :, 0]) != targets[0, :, 0])
        ax.set_ylim(-2.5, 2.5)
        ax.set_yticks([-1, 0, 1])
        ax.text(0.01, 0.96, f"{name} (lr {lrs[name]:.2g}): wrong sign on {wrong:.0%} of the stream",
                transform=ax.transAxes,
                va="top", fontsize=8, color=COLORS[name] if name != "V" else "black",
                bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
        if row < len(SHOWN) - 1:
            ax.set_xticklabels([])
        else:
            ax.set_xlabel("step of a fresh stream (grey: target sign; vertical lines: resets)", fontsize=8)
    ax = fig.add_subplot(grid[:, 1])
    learners = data.get("stream", {})
    for name in ordered(learners):
        e = learners[name]
        x = np.array(e["eval_at"])
        curve = gmean(e["curves"][e["best"]], axis=0)
        bold = name in SHOWN
        ax.plot(x, curve, color=COLORS[name], lw=0.8, alpha=0.25)
        shown = x <= step
        ax.plot(x[shown], curve[shown], color=COLORS[name], lw=2.2 if bold else 1.0, label=name)
    ax.axvline(step, color="0.4", lw=0.8)
    ax.set_xlim(0, total)
    ax.set_yscale("log")
    ax.set_xlabel("training batches")
    ax.set_ylabel("validation MSE (recorded searches, each variant at\nits best lr, geometric mean over seeds)")
    ax.legend(fontsize=7, ncol=3, loc="upper right")
    fig.suptitle(f"Continual sign task, seed {seed}, after {step} of {total} training batches", fontsize=11)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "lstm_search_space_odyssey.gif").parse_args(argv)
    record = load_record()
    data = searched(record)
    every = 4 if args.quick else 50
    stream = ody.SignStream(np.random.default_rng([ody.DATA["stream"], 98]), 1, ody.TASKS["stream"].reset_p)
    inputs, targets, _ = stream.chunk(400)
    noaf = data.get("stream", {}).get("NOAF")
    where = {"NOAF": int(np.argmin(np.median(noaf["val"], axis=1)))} if noaf is not None and not args.quick else {}
    trials = {name: recorded_trial(record, name, args.seed, args.quick, snapshot_every=every,
                                   lr_index=where.get(name)) for name in SHOWN}
    snapshots = {name: trial[2] for name, trial in trials.items()}
    lrs = {name: trial[0] for name, trial in trials.items()}
    total = snapshots[SHOWN[0]][-1][0]
    frames = []
    for k, (step, _) in enumerate(snapshots[SHOWN[0]]):
        outputs = {name: ody.replay(name, snapshots[name][k][1], inputs)[0] for name in SHOWN}
        frames.append(frame_of(frame(step, total, args.seed, outputs, inputs, targets, data,
                                     slice(inputs.shape[1] - 120, inputs.shape[1]), lrs), dpi=72))
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
