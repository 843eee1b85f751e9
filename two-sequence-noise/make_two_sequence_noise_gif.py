"""Animation for two-sequence-noise: trial 0 of the headline (task 3a, the paper's net and training)
learning to carry the class across the noise.

    python3 two-sequence-noise/make_two_sequence_noise_gif.py    # writes two-sequence-noise/two_sequence_noise.gif

Trial 0 of the headline is retrained alone up to the sequence at which it met ST2 (results.json),
with snapshots of its weights every 500 training sequences: a trial computes bit for bit the same
alone as in the recorded banks (the stub's tests check it). Each frame: 16 fixed test sequences of
each class, the three cell states over the 100-110 steps (the class enters at steps 1-3), the output
at every step, and the fraction misclassified among the last 1000 training sequences so far.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import two_sequence_noise as tsn
from shared.frame.figures import figure_parser, frame_of, save_gif


def frame(snapshot, data, curve, budget_end, T):
    seen, W, V = snapshot
    got = tsn.inspect({"W": W, "V": V}, data)
    fig, axes = plt.subplots(1, 5, figsize=(15, 3.3), gridspec_kw={"width_ratios": [1, 1, 1, 1, 1.1]})
    for c in range(3):
        ax = axes[c]
        for k in range(len(data.lengths)):
            n = data.lengths[k]
            ax.plot(np.arange(1, n + 1), got["s"][k, :n, c], color="C3" if data.label[k] == 1 else "C0", lw=0.7,
                    alpha=0.8)
        ax.axvspan(0.5, 3.5, color="0.85", zorder=0)
        ax.set_title(f"cell {c + 1}: state", fontsize=9)
        ax.set_xlabel("time step", fontsize=8)
        lim = max(1.0, float(np.abs(got["s"][..., c]).max()) * 1.05)
        ax.set_ylim(-lim, lim)
    ax = axes[3]
    for k in range(len(data.lengths)):
        n = data.lengths[k]
        ax.plot(np.arange(1, n + 1), got["y"][k, :n], color="C3" if data.label[k] == 1 else "C0", lw=0.7, alpha=0.8)
    ax.axhline(1.0, color="k", ls=":", lw=0.7)
    ax.axhline(0.0, color="k", ls=":", lw=0.7)
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("output (red: class 1, target 1;\nblue: class 2, target 0)", fontsize=8)
    ax.set_xlabel("time step", fontsize=8)
    ax = axes[4]
    done = [p for p in curve if p[0] <= seen]
    if done:
        pts = np.array(done)
        ax.plot(pts[:, 0], pts[:, 1], color="C0")
    ax.set_xlim(0, budget_end)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("fraction misclassified,\nlast 1000 training sequences", fontsize=8)
    ax.set_xlabel("training sequences", fontsize=8)
    fig.suptitle(f"Task 3a (T = {T}), trial 0, the paper's 102-weight LSTM: after {seen:,} training sequences",
                 fontsize=10)
    fig.tight_layout()
    return frame_of(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "two_sequence_noise.gif").parse_args(argv)
    seeds, budget = [0, 1], 600
    if not args.quick:
        record = json.loads((Path(__file__).resolve().parent / "results.json").read_text())
        rows = record["seeds"]["per_seed"]
        seeds = [args.seed]
        budget = next(r["seen"] for r in rows if r["seed"] == args.seed)
    config = tsn.Config(budget=budget, curve_every=500)
    if args.quick:
        config = replace(config, T=20, curve_every=100)
    snapshots = []

    def watch(seen, net, alive):
        if seeds.index(args.seed) in alive:
            j = list(alive).index(seeds.index(args.seed))
            snapshots.append((seen, net.W[j].copy(), net.V[j].copy()))
    trial = tsn.train_paper(config, seeds, watch=watch, label="bank: ")[seeds.index(args.seed)]
    snapshots.append((trial.seen, trial.W, trial.V))
    data = tsn.two_sequence_problem(np.random.default_rng(3000), 32, config.T, 3, "3a")
    keep = np.unique(np.linspace(0, len(snapshots) - 1, min(len(snapshots), 6 if args.quick else 40)).round()
                     .astype(int))
    frames = [frame(snapshots[i], data, trial.curve, trial.seen, config.T) for i in keep]
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
