"""Animation for double-pole-no-velocity: seed 0's CoSyNE network balancing both poles from positions only.

    python3 double-pole-no-velocity/make_double_pole_no_velocity_gif.py   # writes double_pole_no_velocity.gif

Each frame is one moment of the 1000-step episode from the standard start (long pole at 4.5 degrees):
the cart and both poles with the force the network applies (left); its five neurons over the last
second (top right); the long pole's angular velocity theta1', which the network never sees, against a
linear read-out of it from the five neurons (bottom right; read-out fitted on the whole episode).
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import double_pole_no_velocity as dp
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_double_pole_no_velocity import readout, solution, trajectory

WINDOW = 100      # steps of history shown (1 s)
EVERY = 16        # steps between frames


def frame(states, acts, hidden, fit, t, row) -> plt.Figure:
    x, _, th1, _, th2, _ = states[t]
    force = acts[min(t, len(acts) - 1)] * dp.POLE.max_force if len(acts) else 0.0
    fig = plt.figure(figsize=(9.6, 4.4))
    ax = fig.add_axes([0.02, 0.1, 0.44, 0.8])
    ax.plot([-2.4, 2.4], [0, 0], color="k", lw=1)
    for edge in (-2.4, 2.4):
        ax.plot([edge, edge], [-0.1, 0.1], color="C3", lw=2)
    ax.add_patch(plt.Rectangle((x - 0.25, -0.08), 0.5, 0.16, color="C0"))
    for th, half, colour, off in ((th1, 0.5, "C1", -0.08), (th2, 0.05, "C2", 0.08)):
        base = x + off
        ax.plot([base, base + 2 * half * np.sin(th)], [0.08, 0.08 + 2 * half * np.cos(th)], color=colour, lw=5,
                solid_capstyle="round")
    ax.annotate("", xy=(x + 0.06 * force, -0.25), xytext=(x, -0.25),
                arrowprops=dict(arrowstyle="->", color="C3", lw=2))
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-0.45, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"seed {row['seed']}, CoSyNE network (sees x, theta1, theta2 only)\n"
                 f"t = {t * dp.POLE.dt:5.2f} s, step {t}, force {force:+5.1f} N, "
                 f"theta1 {np.degrees(th1):+5.2f} deg, theta2 {np.degrees(th2):+5.2f} deg", fontsize=8)
    lo = max(0, t - WINDOW)
    ax = fig.add_axes([0.54, 0.56, 0.36, 0.34])
    shown = np.zeros((WINDOW, hidden.shape[1]))
    seg = hidden[lo:t]
    if len(seg):
        shown[-len(seg):] = seg
    im = ax.imshow(shown.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest",
                   extent=[-WINDOW * dp.POLE.dt, 0, hidden.shape[1] - 0.5, -0.5])
    ax.set_ylabel("neuron", fontsize=8)
    ax.set_title("the five neurons over the last second (0 = output)", fontsize=8)
    ax.tick_params(labelsize=7)
    fig.colorbar(im, ax=ax, pad=0.02, fraction=0.05).ax.tick_params(labelsize=7)
    ax = fig.add_axes([0.54, 0.1, 0.36, 0.33])
    steps = np.arange(lo, max(t, lo + 1))
    truth = states[1:, 3]
    ax.plot((steps - t) * dp.POLE.dt, truth[steps[steps < len(truth)]] if len(truth) else [], color="C1",
            label="theta1' (hidden)")
    ax.plot((steps - t) * dp.POLE.dt, fit[steps[steps < len(fit)]] if len(fit) else [], color="k", ls="--",
            lw=1, label="read-out of the neurons")
    lim = max(np.abs(truth).max() if len(truth) else 1.0, 1e-3) * 1.1
    ax.set_ylim(-lim, lim)
    ax.set_xlim(-WINDOW * dp.POLE.dt, 0)
    ax.set_xlabel("time before now (s)", fontsize=8)
    ax.set_ylabel("rad/s", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper left")
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "double_pole_no_velocity.gif")
    args = parser.parse_args(argv)
    cfg, row, genome = solution(args.seed, args.quick)
    states, acts, hidden = trajectory(cfg, genome)
    fit, r2 = readout(hidden, states[1:, 3]) if len(hidden) > 2 else (np.zeros(len(hidden)), 0.0)
    last = len(states) - 1
    times = list(range(0, last + 1, EVERY if not args.quick else max(EVERY, last // 6 + 1)))
    if len(times) < 6:
        times = list(np.linspace(0, last, 6).astype(int))
    frames = [frame_of(frame(states, acts, hidden, fit, t, row)) for t in times]
    save_gif(frames, args.out, fps=10)
    print(f"wrote {args.out} ({len(frames)} frames; read-out R^2 of theta1' {r2:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
