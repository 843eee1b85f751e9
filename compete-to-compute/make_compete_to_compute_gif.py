"""Animation for compete-to-compute: seed 0's LWTA net learning task A, then the permuted task B.

    python3 compete-to-compute/make_compete_to_compute_gif.py   # writes the GIF

Retrains seed 0's LWTA net with the headline settings (about 20 s of CPU). Each frame is one check
(every quarter epoch): left, task-A and task-B test accuracy so far, beside the recorded seed-0
curves of the ReLU and logistic nets on the same digits, permutation and batches (from
results.json); right, which units of the first LWTA layer win their blocks on task-A digits and on
task-B digits.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import compete_to_compute as ctc
from shared.frame.figures import figure_parser, frame_of, recorded, save_gif
from visualize_compete_to_compute import COLORS


def frame(curve, maps, cfg, others, total_epochs, switch):
    fig = plt.figure(figsize=(11.5, 4.4))
    grid = fig.add_gridspec(1, 3, width_ratios=[1.7, 1, 1], wspace=0.25)
    ax = fig.add_subplot(grid[0])
    now = curve["epoch"][-1]
    for m, c in others.items():
        k = sum(1 for e in c["epoch"] if e <= now + 1e-9)
        ax.plot(c["epoch"][:k], c["acc_a"][:k], color=COLORS[m], lw=1.4, ls="-.",
                label=f"{ctc.NAMES[m]}: task A (recorded)")
    ax.plot(curve["epoch"], curve["acc_a"], color=COLORS["lwta"], lw=1.8, label="LWTA: task A")
    ax.plot(curve["epoch"], curve["acc_b"], color=COLORS["lwta"], lw=1.2, ls="--", label="LWTA: task B")
    ax.axvspan(switch, total_epochs, color="0.92", zorder=0)
    ax.set_xlim(0, total_epochs)
    ax.set_ylim(0, 1)
    ax.set_xlabel("epochs (task A, then permuted task B in the grey band)")
    ax.set_ylabel("test accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    fa, fb = maps
    side = int(np.sqrt(len(fa)))
    for j, (f, name) in enumerate(((fa, "task-A digits"), (fb, "task-B digits"))):
        a = fig.add_subplot(grid[1 + j])
        im = a.imshow(f.reshape(side, -1), cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        a.set_xticks([])
        a.set_yticks([])
        a.set_title(f"LWTA layer 1 (16 x 16 units):\nwins on {name}", fontsize=8)
    fig.colorbar(im, ax=fig.axes[1:], shrink=0.7, label="share of test digits won")
    phase = "task A" if now <= switch + 1e-9 else "task B"
    fig.suptitle(f"Seed 0, epoch {now:.2f} ({phase}): task-A accuracy {curve['acc_a'][-1]:.3f}, "
                 f"task-B accuracy {curve['acc_b'][-1]:.3f}", fontsize=10)
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "compete_to_compute.gif").parse_args(argv)
    cfg = ctc.Config(model="lwta")
    if args.quick:
        cfg = replace(cfg, hidden=64, epochs_a=1, epochs_b=1, n_train=640)
    tasks = ctc.load_tasks(ctc.DEFAULT_DATA, cfg.n_train)
    if args.quick:
        tasks["x_test"], tasks["y_test"] = tasks["x_test"][:400], tasks["y_test"][:400]
    record = None if args.quick else recorded(__file__)
    others = {}
    for m in ("relu", "sigmoid"):
        rows = ((record or {}).get(m) or {}).get("seeds", {}).get("per_seed") or []
        row = next((r for r in rows if r["seed"] == args.seed), None)
        if row is not None:
            others[m] = row["curve"]
    total = cfg.epochs_a + cfg.epochs_b
    frames = []

    def on_check(learner, curve, xa, xb):
        fa = ctc.winner_frequency(learner.params, cfg, xa)[0]
        fb = ctc.winner_frequency(learner.params, cfg, xb)[0]
        frames.append(frame_of(frame(curve, (fa, fb), cfg, others, total, cfg.epochs_a), dpi=60))
        plt.close("all")

    ctc.run_seed(args.seed, cfg, tasks, on_check=on_check)
    frames += [frames[-1]] * 4
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
