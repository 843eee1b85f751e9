"""Animation for fast-weights-key-value: the paper's parking lot (Sec. 3.2), learned on-line.

    python3 fast-weights-key-value/make_fast_weights_key_value_gif.py   # writes fast_weights_key_value.gif

One seed (the lowest recorded seed that ends with the binding; --seed picks another) runs the
paper's on-line protocol. Each frame freezes S at one moment: its six-by-three weight matrix, the
three fast weights over a fixed stretch of the shared test stream (with the slot the car stands
in), F's error at the queries there, and the frozen net's test accuracy and binding share so far.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import fast_weights_key_value as fw
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_fast_weights_key_value import INPUT_NAMES, SLOT_NAMES, mechanism_seed

HERE = Path(__file__).resolve().parent
START, LENGTH = 200, 48


def frame(W, step, history, total, stream, solve_step, seed) -> plt.Figure:
    done = fw.replay(W[None], stream, fw.PAPER_LEARNER)
    t = np.arange(START, START + LENGTH)
    fig = plt.figure(figsize=(10, 5.6))
    grid = fig.add_gridspec(3, 2, width_ratios=[1, 2.6], height_ratios=[1, 0.55, 1.1], left=0.07, right=0.97,
                            top=0.9, bottom=0.09, hspace=0.55, wspace=0.25)
    ax = fig.add_subplot(grid[0:2, 0])
    im = ax.imshow(W, cmap="RdBu_r", vmin=-2, vmax=2)
    for (i, j), v in np.ndenumerate(W):
        ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(W.shape[1]), INPUT_NAMES[:W.shape[1]], fontsize=7)
    ax.set_yticks(range(3), [f"row {s}" for s in SLOT_NAMES], fontsize=7)
    ax.set_title("S's weights (I: slot detectors,\nD: distractors)", fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.046).ax.tick_params(labelsize=6)
    ax = fig.add_subplot(grid[0, 1])
    im = ax.imshow(done["fast"][t, 0].T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    parked = stream["parked"][t + 1]
    slot = stream["slot"][t + 1]
    ax.scatter(np.flatnonzero(parked), slot[parked], marker=".", s=10, color="w")
    ax.set_yticks(range(3), [f"w {s}" for s in SLOT_NAMES], fontsize=7)
    ax.set_xticks([])
    ax.set_title("fast weights on a stretch of the test stream (white dots: where the car stands)", fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01).ax.tick_params(labelsize=6)
    ax = fig.add_subplot(grid[1, 1])
    E = done["E"][t, 0]
    asked = stream["q"][t + 1] > 0
    colours = np.where(E[asked] <= 0.05, "C2", "C3")
    ax.bar(np.flatnonzero(asked), E[asked], color=colours, width=0.8)
    ax.scatter(np.flatnonzero(asked), E[asked], color=colours, s=8, zorder=3)
    ax.set_xlim(-0.5, LENGTH - 0.5)
    ax.set_ylim(-0.03, 1.05)
    ax.set_ylabel("E at queries", fontsize=7)
    ax.tick_params(labelsize=6)
    ax = fig.add_subplot(grid[2, :])
    steps, acc, bind = zip(*history)
    ax.plot(steps, acc, color="C2", marker="o", ms=3, label="frozen test accuracy (share of queries with E <= 0.05)")
    ax.plot(steps, bind, color="k", marker=".", ms=3, label="share of parked test steps with the binding")
    ax.axvline(fw.PAPER_STEPS, color="C3", ls="--", lw=0.8)
    ax.text(fw.PAPER_STEPS, 1.02, "paper: within 6000", color="C3", fontsize=7, ha="center", va="bottom")
    if 0 < solve_step <= step:
        ax.axvline(solve_step, color="C0", ls=":", lw=1)
        ax.text(solve_step, 0.5, f" criterion first met\n (step {solve_step})", color="C0", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(90, total * 1.1)
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("on-line time step")
    ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Sec. 3.2 parking lot, on-line (seed {seed}): step {step}", fontsize=10)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "fast_weights_key_value.gif")
    args = parser.parse_args(argv)
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    seed = mechanism_seed(record) if "--seed" not in (argv if argv is not None else sys.argv[1:]) else args.seed
    total = 7000 if args.quick else fw.BUDGET
    moments = sorted(set(np.unique(np.geomspace(100, total, 6 if args.quick else 30).astype(int)).tolist()))
    run = fw.online([seed], fw.PAPER_TASK, fw.PAPER_LEARNER, total, checkpoints=moments)
    stream = fw.test_stream(fw.PAPER_TASK, 1000 if args.quick else 4000)
    history, frames = [], []
    for step in moments:
        W = run["snapshots"][step][0]
        scores = fw.frozen_scores(W[None], stream, fw.PAPER_LEARNER)
        history.append((step, float(scores["accuracy"][0]), float(scores["binding"][0])))
        frames.append(frame_of(frame(W, step, history, total, stream, int(run["solve_step"][0]), seed), dpi=70))
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
