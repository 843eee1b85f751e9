"""Animation for pole-balance-non-markov: a trained C balancing the pole from positions only.

    python3 pole-balance-non-markov/make_pole_balance_non_markov_gif.py   # writes pole_balance_non_markov.gif

Each frame is one moment of a real test episode (the test start it balances longest) under the final
controller of seed 1's
headline run (failure-only pain): the cart and pole with the force C applies (left); C's 16 hidden
units over the last 2 s (top right); the pole's angular velocity theta', which C never sees, against a
linear read-out of it from C's hidden state (bottom right; read-out fitted on the whole episode).
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import pole_balance_non_markov as pb
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_pole_balance_non_markov import PICTURE_SEED, best_start, test_rollout, train_headline

WINDOW = 100     # time steps of history shown (2 s)


def readout(roll):
    hidden = roll["hidden"]
    target = roll["states"][1:len(hidden) + 1, 3]
    design = np.concatenate([hidden, np.ones((len(hidden), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return design @ coef, target


def frame(roll, t, fit, truth, order) -> plt.Figure:
    x, _, theta, _ = roll["states"][t]
    force = roll["act"][min(t, len(roll["act"]) - 1)] * pb.POLE.max_force
    fig = plt.figure(figsize=(9.6, 4.4))
    ax = fig.add_axes([0.03, 0.12, 0.42, 0.8])
    ax.plot([-2.4, 2.4], [0, 0], color="k", lw=1)
    for edge in (-2.4, 2.4):
        ax.plot([edge, edge], [-0.1, 0.1], color="C3", lw=2)
    ax.add_patch(plt.Rectangle((x - 0.25, -0.08), 0.5, 0.16, color="C0"))
    length = 2 * pb.POLE.half_length
    ax.plot([x, x + length * np.sin(theta)], [0.08, 0.08 + length * np.cos(theta)], color="C1", lw=5,
            solid_capstyle="round")
    ax.annotate("", xy=(x + 0.06 * force, -0.25), xytext=(x, -0.25),
                arrowprops=dict(arrowstyle="->", color="C3", lw=2))
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-0.45, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"seed {roll['seed']}, final C, test start {roll['start']} (C sees x and theta only)\nt = {t * pb.POLE.dt:5.2f} s, step {t}, "
                 f"force {force:+5.1f} N", fontsize=9)
    lo = max(0, t - WINDOW)
    ax = fig.add_axes([0.52, 0.56, 0.4, 0.34])
    shown = np.zeros((WINDOW, roll["hidden"].shape[1]))
    seg = roll["hidden"][lo:t][:, order]
    if len(seg):
        shown[-len(seg):] = seg
    image = ax.imshow(shown.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_yticks([])
    ax.set_xticks([])
    ax.set_ylabel("C's hidden\nunits", fontsize=8)
    ax.set_title("C's hidden state, last 2 s", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01, label="tanh")
    ax = fig.add_axes([0.52, 0.12, 0.36, 0.34])
    steps = np.arange(lo, t)
    ax.plot(steps - t, truth[lo:t], color="k", lw=1.4, label="theta' (hidden from C)")
    ax.plot(steps - t, fit[lo:t], "--", color="C2", lw=1.2, label="linear read-out of C's state")
    ax.set_xlim(-WINDOW, 0)
    span = max(np.abs(truth).max(), 1e-3) * 1.2
    ax.set_ylim(-span, span)
    ax.set_xlabel("steps before now", fontsize=8)
    ax.set_ylabel("rad/s", fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "pole_balance_non_markov.gif")
    parser.set_defaults(seed=PICTURE_SEED)
    args = parser.parse_args(argv)
    _, run = train_headline(args.seed, args.quick)
    start, _ = best_start(run, args.seed, 120 if args.quick else 400)
    roll = test_rollout(run, args.seed, steps=120 if args.quick else 400, start=start)
    fit, truth = readout(roll)
    order = np.argsort(np.corrcoef(roll["hidden"].T, truth[None])[-1, :-1])
    last = len(roll["hidden"])
    times = np.linspace(5, last, 8 if args.quick else 60).astype(int)
    frames = [frame_of(frame(roll, int(t), fit, truth, order), dpi=70) for t in times]
    save_gif(frames, args.out, fps=8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
