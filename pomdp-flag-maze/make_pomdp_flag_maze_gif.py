"""Animation for pomdp-flag-maze: seed 0's final C walking the T-maze for both indicators.

    python3 pomdp-flag-maze/make_pomdp_flag_maze_gif.py   # writes pomdp_flag_maze.gif

Two real episodes back to back under the final greedy C of seed 0's headline run (corridor 4, C
through an LSTM M, sparse reward, no side channel): indicator +1, then -1. Left: the maze, the agent,
its trail; the indicator is shown at the start only while it is visible (t = 0). Right, top: C's LSTM
output h so far (units sorted by how much they differ between the two indicators): the state that
carries the indicator through corridor cells that all look the same. Right, bottom: M's predicted
reinforcement 2 (q+ - q-) along the path so far, with the real reward at the flag.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import pomdp_flag_maze as pf
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_pomdp_flag_maze import draw_maze, rollouts, train_headline

ACTIONS = "NESW"


def frame(cfg, roll, t, order, span) -> plt.Figure:
    env = pf.TMaze(cfg.corridor)
    colour = "C0" if roll["indicator"] > 0 else "C3"
    fig = plt.figure(figsize=(9.6, 4.0))
    ax = fig.add_axes([0.02, 0.1, 0.44, 0.78])
    draw_maze(ax, env, trails=[(roll["cells"][: t + 1], colour, 0.0)], agent=roll["cells"][t],
              indicator=roll["indicator"] if t == 0 else None)
    n = len(roll["actions"])
    if t < n:
        what = f"C's action {ACTIONS[roll['actions'][t]]} (pi = {roll['pi'][t].max():.2f})"
    else:
        what = f"reward {roll['reward']:+.0f} at the flag"
    ax.set_title(f"indicator {roll['indicator']:+.0f} (visible at t = 0 only); t = {t}: {what}", fontsize=9)
    ax = fig.add_axes([0.52, 0.56, 0.4, 0.34])
    shown = np.full((span, roll["hidden"].shape[1]), np.nan)
    seg = roll["hidden"][: min(t + 1, n)][:, order]
    shown[: len(seg)] = seg
    image = ax.imshow(shown.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_ylabel("C's LSTM\nunits", fontsize=8)
    ax.set_xlabel("time step", fontsize=8)
    ax.set_title("C's state h (sorted by the difference between indicators)", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01, label="h")
    ax = fig.add_axes([0.52, 0.1, 0.36, 0.3])
    k = min(t + 1, n)
    ax.plot(np.arange(k), roll["predicted"][:k], "-o", color=colour, ms=3, label="M's prediction")
    if t >= n:
        ax.plot([n - 1], [roll["reward"]], "k*", ms=10, label="real reward")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlim(-0.5, span - 0.5)
    ax.set_ylim(-2.4, 2.4)
    ax.set_xlabel("time step", fontsize=8)
    ax.set_ylabel("2 (q+ - q-)", fontsize=8)
    ax.set_title("M's predicted reinforcement of each step", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "pomdp_flag_maze.gif")
    args = parser.parse_args(argv)
    cfg, run = train_headline(args.seed, args.quick)
    rolls = rollouts(cfg, run)
    n = min(len(rolls[0]["hidden"]), len(rolls[1]["hidden"]))
    order = np.argsort(-np.abs(rolls[0]["hidden"][:n] - rolls[1]["hidden"][:n]).mean(axis=0))
    span = max(len(r["hidden"]) for r in rolls) + 1
    frames = []
    for roll in rolls:
        for t in range(len(roll["actions"]) + 1):
            frames += [frame_of(frame(cfg, roll, t, order, span), dpi=70)] * (3 if t in (0, len(roll["actions"])) else 1)
    save_gif(frames, args.out, fps=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
