"""Animation for ssa-bias-transfer-mazes: seed 0's SSA+ALS life on the goal ladder.

    python3 ssa-bias-transfer-mazes/make_ssa_bias_transfer_mazes_gif.py     # writes the GIF

Each frame is one moment of the learner's life (the epochs of the first goalset, then the last goal
of every epoch, then the last epoch goal by goal, the agent walking): left, the POMDP labyrinth with
the agent running the program Levin search just found for the current goal; middle, the probability
matrix P the next search draws programs from (after SSA's checkpoint and Adapt); right, SSA's stack:
the reward/time ratio Q(i, t) of every surviving modification above R(t)/t since birth, and the
stack's size over life time.
"""

from __future__ import annotations

import sys

import shared  # noqa: F401  first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np

import ssa_bias_transfer_mazes as ssa
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_ssa_bias_transfer_mazes import draw_matrix, draw_maze, settings


def frame(task, cfg, event, cells, walked, history, g_ssa):
    fig = plt.figure(figsize=(11.5, 4.7))
    grid = fig.add_gridspec(2, 3, width_ratios=[1.05, 0.9, 0.9], height_ratios=[1, 1], wspace=0.35, hspace=0.6,
                            bottom=0.17, top=0.86, left=0.02, right=0.98)
    ax = fig.add_subplot(grid[:, 0])
    g = event["goal"]
    shown = cells[:walked] if cells else []
    agent = shown[-1][0] if shown else task["start"]
    heading = shown[-1][1] if shown else task["heading"]
    draw_maze(ax, task, cfg, paths=[([task["start"]] + [c for c, _ in shown], "C1")] if shown else None,
              agent=agent, heading=heading, small=True,
              title=f"epoch {event['epoch']}, goal {g}: "
                    + ("program found" if event["program"] else "LS found nothing") + f" after {event['steps']} steps")
    axm = fig.add_subplot(grid[:, 1])
    draw_matrix(axm, event["P"], "P after SSA and Adapt", fig)
    axq = fig.add_subplot(grid[0, 2])
    ratios = [q for q in event["ratios"] if np.isfinite(q)]
    axq.bar(range(1, len(ratios) + 1), ratios, color="C2")
    axq.axhline(event["R"] / event["t"], color="k", lw=1, ls="--", label="R(t)/t")
    axq.set_yscale("log")
    axq.set_ylim(1e-5, 1e-1)
    axq.set_xlim(0.3, 8.7)
    axq.set_xlabel("stack entry (bottom = 1)", fontsize=7)
    axq.set_ylabel("Q(i, t)", fontsize=7)
    axq.tick_params(labelsize=6)
    axq.legend(fontsize=6, loc="upper left")
    axq.set_title(f"SSA stack: {event['stack']} entries, popped {event['popped']} now", fontsize=8)
    axs = fig.add_subplot(grid[1, 2])
    t = np.array([h["t"] for h in history], float)
    axs.step(t, [h["stack"] for h in history], where="post", color="C2", lw=1)
    axs.set_xscale("log")
    axs.set_xlim(10, max(history[-1]["t"], 100) * 1.5 if history else 1e5)
    axs.set_ylim(-0.3, 8)
    axs.set_xlabel("life time t (LS steps)", fontsize=7)
    axs.set_ylabel("entries", fontsize=7)
    axs.tick_params(labelsize=6)
    fig.suptitle(f"Seed 0, SSA+ALS (gamma {g_ssa}): Levin search draws programs from P; Adapt shifts P toward "
                 "what it found; SSA undoes shifts not followed by faster reward", fontsize=9)
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "ssa_bias_transfer_mazes.gif").parse_args(argv)
    cfg, _, g_ssa, _ = settings(args.quick)
    task = ssa.make_tasks(args.seed, cfg)
    life = ssa.live(task, cfg, "SSA+ALS", g_ssa, history=True)
    events = life["events"]
    last_epoch = events[-1]["epoch"]
    picks = [i for i, e in enumerate(events)
             if e["epoch"] <= (1 if args.quick else 2) or (e["goal"] == max(x["goal"] for x in events
                                                                           if x["epoch"] == e["epoch"]))]
    picks = [i for i in picks if events[i]["epoch"] != last_epoch]
    frames = []
    for i in picks:
        e = events[i]
        cells = None
        if e["program"]:
            trace: list = []
            ssa.run_program(task["agent"], e["program"], task["start"], task["heading"], task["goals"][e["goal"] - 1],
                            100_000, cfg.max_len, trace)
            cells = [(c, h) for c, h, _, _ in trace]
        frames.append(frame_of(frame(task, cfg, e, cells, len(cells) if cells else 0, events[:i + 1], g_ssa)))
    for i, e in enumerate(events):
        if e["epoch"] != last_epoch or not e["program"]:
            continue
        trace = []
        ssa.run_program(task["agent"], e["program"], task["start"], task["heading"], task["goals"][e["goal"] - 1],
                        100_000, cfg.max_len, trace)
        cells = [(c, h) for c, h, _, _ in trace]
        steps = 2 if args.quick else 4
        for k in range(1, steps + 1):
            frames.append(frame_of(frame(task, cfg, e, cells, max(1, len(cells) * k // steps), events[:i + 1], g_ssa)))
    save_gif(frames, args.out, fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
