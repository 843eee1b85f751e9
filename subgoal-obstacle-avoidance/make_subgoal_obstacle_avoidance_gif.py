"""Animation for subgoal-obstacle-avoidance: S learning sub-goals through the frozen evaluator M (seed 0).

    python3 subgoal-obstacle-avoidance/make_subgoal_obstacle_avoidance_gif.py   # writes the GIF

M is learned first from random rollouts of C and frozen; then S trains with the headline settings.
Each frame is one moment of S's training: four fixed test arenas with S's current sub-goals and
C's walk through them (green: reaches the goal, orange: touches a disk), the direct program (dotted),
and M's predicted cost on the training batches so far.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import subgoal_obstacle_avoidance as sg
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_subgoal_obstacle_avoidance import draw_arena


def frame(test, subgoals, ok, step, total, curve, direct_cost):
    fig = plt.figure(figsize=(9.2, 5.0))
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.25])
    for j in range(4):
        ax = fig.add_subplot(grid[j // 2, j % 2])
        draw_arena(ax, test, j, subgoals, ok, small=True)
    ax = fig.add_subplot(grid[:, 2])
    c = np.array(curve)
    ax.plot(c[:, 0], c[:, 1], color="C2", lw=1)
    ax.axhline(direct_cost, color="C3", ls=":", label="direct program")
    ax.set_xlim(0, total)
    ax.set_ylim(0.1, 12)
    ax.set_yscale("log")
    ax.set_xlabel("Adam steps on S (M frozen)", fontsize=8)
    ax.set_ylabel("M's predicted cost (training batch)", fontsize=8)
    ax.legend(fontsize=7)
    fig.suptitle(f"Seed 0: S after {step} steps; success on 200 test arenas now: {ok.mean():.2f}", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "subgoal_obstacle_avoidance.gif").parse_args(argv)
    cfg = sg.Config()
    if args.quick:
        cfg = replace(cfg, s_iters=60, m_iters=150, m_samples=5000)
    seed = args.seed
    rng_m, rng_s, rng_train, rng_test = (np.random.default_rng([seed, i]) for i in range(1, 5))
    hit_net, steps_net, _ = sg.train_model(rng_m, cfg)
    gen = sg.make_generator(cfg, seed, rng_s)
    test = sg.sample_episodes(rng_test, 200)
    direct = float(np.median(sg.direct_cost(hit_net, steps_net, test)))
    checkpoints = set(np.unique(np.geomspace(1, cfg.s_iters, 6 if args.quick else 30).astype(int)).tolist())
    frames, curve = [], []
    for it in range(cfg.s_iters + 1):
        if it in checkpoints or it == 0:
            subgoals = sg.subgoals_of(gen, test)
            ok = sg.outcome(test["start"], test["goal"], test["disks"], subgoals)
            frames.append(frame_of(frame(test, subgoals, ok, it, cfg.s_iters, curve or [[0, direct]], direct),
                                   dpi=60))
        if it == cfg.s_iters:
            break
        loss, grads = sg.generator_loss_and_grads(gen, hit_net, steps_net, sg.sample_episodes(rng_train, cfg.batch))
        gen.apply(grads)
        curve.append([it + 1, loss])
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
