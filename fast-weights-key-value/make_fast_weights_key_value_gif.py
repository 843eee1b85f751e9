"""Animation for fast-weights-key-value: the slow net learning to program the fast weights.

    python3 fast-weights-key-value/make_fast_weights_key_value_gif.py   # writes fast_weights_key_value.gif

Seed 0, sum rule, N = 5. Each frame is one moment of training: the cosines between the five
fast keys of a fixed test episode (they start almost parallel, all carrying the shared bias
direction, and pull apart), the fast weight matrix after the five writes, the read-out against
the target value, and the mean test cosine so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import fast_weights_key_value as fw
from shared.figures import figure_parser, frame_of, save_gif


def frame(params: dict, step: int, history: list, total: int, test: dict, model) -> plt.Figure:
    one = {k: v[:1] for k, v in test.items()}
    y, cache = fw.forward(params, one, model)
    k = cache["k"][0] / np.linalg.norm(cache["k"][0], axis=1, keepdims=True)
    fig = plt.figure(figsize=(10, 5.2))
    grid = fig.add_gridspec(2, 3, height_ratios=[1.4, 1])
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(k @ k.T, cmap="RdBu_r", vmin=-1, vmax=1)
    for (i, j), v in np.ndenumerate(k @ k.T):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="w" if abs(v) > 0.6 else "k")
    ax.set_title(f"cosines of the 5 fast keys k_t = W_K x_t\n(query: key {one['query'][0]})", fontsize=9)
    ax.set_xticks(range(5))
    ax.set_yticks(range(5))
    ax = fig.add_subplot(grid[0, 1])
    fast = cache["fast"][0]
    limit = max(np.abs(fast).max(), 1e-9)
    ax.imshow(fast, cmap="PuOr", vmin=-limit, vmax=limit)
    ax.set_title("fast weights after 5 writes\nW = sum_t v_t k_t^T", fontsize=9)
    ax.set_xlabel("key unit")
    ax.set_ylabel("value unit")
    ax = fig.add_subplot(grid[0, 2])
    d = np.arange(len(one["target"][0]))
    ax.bar(d - 0.2, one["target"][0], 0.4, color="k", label="target v")
    scale = np.linalg.norm(one["target"][0]) / max(np.linalg.norm(y[0]), 1e-12)
    ax.bar(d + 0.2, y[0] * scale, 0.4, color="C0", label=f"read-out y = W q (x {scale:.2g})")
    cos = fw.cosines(y, one["target"])[0]
    ax.set_title(f"retrieval, cosine {cos:.2f}", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    ax = fig.add_subplot(grid[1, :])
    steps, values = zip(*history)
    ax.plot(steps, values, color="C0", marker="o", ms=3)
    ax.axhline(fw.PAPER["cosine_untrained"], color="0.5", ls="--", lw=0.8)
    ax.axhline(fw.PAPER["cosine_trained"], color="C3", ls="--", lw=0.8)
    ax.text(0.3, fw.PAPER["cosine_trained"], "published trained 0.754", color="C3", fontsize=7, ha="left",
            va="bottom")
    ax.text(0.3, fw.PAPER["cosine_untrained"], "published untrained 0.428", color="0.4", fontsize=7,
            ha="left", va="bottom")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(0, total)
    ax.set_ylim(0.3, 0.9)
    ax.set_xlabel("training step")
    ax.set_ylabel("mean test cosine")
    fig.suptitle(f"Slow net programming fast weights (seed 0, sum rule, N = 5): step {step}", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "fast_weights_key_value.gif").parse_args(argv)
    task, model = fw.Task(), fw.Model("sum")
    total = 60 if args.quick else fw.Recipe.steps
    moments = sorted(set(np.unique(np.geomspace(1, total, 8 if args.quick else 28).astype(int)).tolist()) | {0})
    test = fw.test_set(task)
    _, _, snaps = fw.train(args.seed, task, model, fw.Recipe(steps=total), snapshot_at=moments)
    history, frames = [], []
    for step in moments:
        history.append((step, fw.evaluate(snaps[step], test, model)["cosine"]))
        frames.append(frame_of(frame(snaps[step], step, history, total, test, model), dpi=70))
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
