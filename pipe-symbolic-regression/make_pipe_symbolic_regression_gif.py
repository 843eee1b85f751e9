"""Animation for pipe-symbolic-regression: PIPE's search on Koza's quartic, generation by generation.

    python3 pipe-symbolic-regression/make_pipe_symbolic_regression_gif.py   # writes pipe-symbolic-regression/pipe_symbolic_regression.gif

Reruns one headline run (population 100, reading B; the first seed at or after --seed that the record shows
solved). Left: the elite program's curve sliding onto the target over the 20 fitness cases; right: the
probabilities of the prototype tree's root node, which sharpen as learning toward the best programs
concentrates the distribution.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import pipe_symbolic_regression as sr
from shared.frame.figures import figure_parser, frame_of, recorded, save_gif
from visualize_pipe_symbolic_regression import pick_seed, trace


def frame(t: dict, k: int) -> plt.Figure:
    s = t["steps"][k]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1.6, 1]})
    ax = axes[0]
    grid = sr.HELD_OUT
    ax.plot(grid, sr.target(grid), "k", lw=3, alpha=0.3, label="target x^4 + x^3 + x^2 + x")
    ax.plot(grid, s["curve"], "C0", lw=1.6, label="elite program")
    ax.plot(t["x"], sr.target(t["x"]), "ko", ms=3.5, label="20 fitness cases")
    ax.set_ylim(-1, 4.5)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    text = s["program"] if len(s["program"]) <= 70 else s["program"][:67] + "..."
    ax.set_title(f"seed {t['seed']}, population {t['population']}: {s['evaluations']} programs evaluated\n"
                 f"elite: sum |error| {s['raw_fitness']:.3g}, hits {s['hits']}/20, {s['size']} nodes", fontsize=9)
    ax.text(-0.97, -0.85, text, fontsize=7, family="monospace", color="C0")
    ax.legend(fontsize=7, loc="upper left")
    names = sr.INSTRUCTIONS.names
    axes[1].bar(range(len(names)), s["root"], color=["C2"] * sr.INSTRUCTIONS.n_functions
                + ["C4"] * (len(names) - sr.INSTRUCTIONS.n_functions))
    axes[1].set_xticks(range(len(names)), names)
    axes[1].set_ylim(0, 1)
    axes[1].set_xlabel("instruction (green: functions, purple: terminals)")
    axes[1].set_ylabel("P(instruction) at the root")
    axes[1].set_title("prototype tree, root node", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "pipe_symbolic_regression.gif").parse_args(argv)
    seed = pick_seed(recorded(sr.__file__), args.seed)
    t = trace(seed, 20 if args.quick else 100, 600 if args.quick else sr.BUDGET)
    n = len(t["steps"])
    picks = sorted(set(np.linspace(0, n - 1, 8 if args.quick else 45).astype(int).tolist()) | {n - 1})
    frames = [frame_of(frame(t, k), dpi=70) for k in picks]
    save_gif(frames, Path(args.out), fps=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
