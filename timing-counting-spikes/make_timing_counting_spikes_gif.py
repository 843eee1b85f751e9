"""Animation for timing-counting-spikes: seed 0's trained peephole and no-peephole nets generating
timed spikes (GTS, F = 10), measuring spike delays (MSD, F = 10) and generating a periodic function
(PFG f_rect, F = 10), step by step: the output against the target, the cell state and the output gate.

    python3 timing-counting-spikes/make_timing_counting_spikes_gif.py   # writes timing-counting-spikes/timing_counting_spikes.gif

The weights are the recorded headline's and PFG section's (results.json keeps seed 0's final weights).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import timing_counting_spikes as tcs
from shared.frame.figures import draft_frames, figure_parser, frame_of, recorded, save_gif
from visualize_timing_counting_spikes import COLORS, task_spec, trained_params, trained_pfg_params


def frame(runs, now: int, steps: int, limits) -> plt.Figure:
    fig, axes = plt.subplots(3, len(runs), figsize=(14, 6), sharex=True)
    t = np.arange(1, steps + 1)
    for col, (task, by_variant) in enumerate(runs.items()):
        for variant, run in by_variant.items():
            c = COLORS[variant]
            axes[0, col].plot(t[:now], run["y"][:now], color=c, lw=1.4, label=f"output, {variant}")
            axes[1, col].plot(t[:now], run["s"][:now], color=c, lw=1.4, label=variant)
            axes[2, col].plot(t[:now], run["out"][:now], color=c, lw=1.4, label=variant)
        target = next(iter(by_variant.values()))["target"]
        axes[0, col].step(t, target, where="mid", color="k", lw=0.8, label="target")
        axes[0, col].set_ylim(*((-0.45, 1.45) if task.startswith("PFG") else (-0.05, 1.1)))
        axes[1, col].set_ylim(*limits[task])
        axes[2, col].set_ylim(-0.03, 1.03)
        axes[0, col].set_title(task, fontsize=10)
        axes[0, col].legend(fontsize=7, loc="upper left", ncol=3)
        axes[2, col].set_xlabel("time step")
        axes[2, col].set_xlim(0, steps + 1)
    axes[0, 0].set_ylabel("output")
    axes[1, 0].set_ylabel("cell state")
    axes[2, 0].set_ylabel("output gate")
    fig.suptitle(f"Seed 0's trained nets, step {now}: peephole (blue) vs no peephole (red)", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "timing_counting_spikes.gif").parse_args(argv)
    record = None if args.quick else recorded(__file__)
    params = trained_params(record, args.seed, args.quick)
    params.update(trained_pfg_params(record, args.seed, args.quick))
    steps = 30 if args.quick else 60
    runs, limits = {}, {}
    for task in ("GTS F=10", "MSD F=10", "PFG rect F=10"):
        kind, F, delays = task_spec(task)
        runs[task] = {v: tcs.run_frozen(params[task][v], kind, F, delays, steps, args.seed) for v in tcs.VARIANTS}
        low = min(float(r["s"].min()) for r in runs[task].values())
        high = max(float(r["s"].max()) for r in runs[task].values())
        pad = 0.05 * max(high - low, 1e-3)
        limits[task] = (low - pad, high + pad)
    stride = 6 if args.quick else 4
    frames = [frame_of(frame(runs, now, steps, limits)) for now in draft_frames(range(stride, steps + 1, stride))]
    save_gif(frames, Path(args.out), fps=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
