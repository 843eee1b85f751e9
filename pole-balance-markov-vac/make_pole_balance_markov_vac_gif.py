"""Animation for pole-balance-markov-vac: the frozen critic-gradient actor of seed 0 balancing the
pole from a tilted start, beside the vector critic's two components along the episode.

    python3 pole-balance-markov-vac/make_pole_balance_markov_vac_gif.py      # writes pole_balance_markov_vac.gif

Trains seed 0 with the headline settings (a few seconds), then runs the frozen actor for 1000 steps
from a start tilted by 8 degrees (harder than the test starts' +-0.05 rad); each frame is one moment
of that episode: the cart and pole (left, with the force arrow) and the critic's Q_pole and Q_cart
so far (right).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import pole_balance_markov_vac as vac
from shared.environments.cartpole import CartPole
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_pole_balance_markov_vac import headline_run


def episode(run: dict, cfg: vac.Config, start: np.ndarray, steps: int) -> dict:
    env = CartPole()
    state = start[None].copy()
    states, forces, qs = [], [], []
    for _ in range(steps):
        obs = (state / vac.SCALE)[None]
        a = np.tanh(run["actor"].net.forward(obs)[0])
        q = run["critic"].forward(np.concatenate([obs, a], -1))[0][0, 0]
        states.append(state[0].copy())
        forces.append(float(a[0, 0, 0]) * vac.MAX_FORCE)
        qs.append(q)
        state = env.step(state, np.array([forces[-1]]))
        if env.failed(state)[0]:
            break
    return {"states": np.array(states), "forces": np.array(forces), "q": np.array(qs)}


def frame(ep: dict, t: int, steps: int, seed: int) -> plt.Figure:
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1.2, 1]})
    x, _, theta, _ = ep["states"][t]
    ax.plot([-2.4, 2.4], [0, 0], color="k", lw=2)
    for edge in (-2.4, 2.4):
        ax.axvline(edge, color="C3", ls=":", lw=1)
    ax.add_patch(plt.Rectangle((x - 0.25, -0.12), 0.5, 0.24, color="C0"))
    tip = (x + 2 * 0.5 * np.sin(theta), 0.12 + 2 * 0.5 * np.cos(theta))
    ax.plot([x, tip[0]], [0.12, tip[1]], color="C1", lw=4)
    f = ep["forces"][t]
    ax.annotate("", xy=(x + 0.08 * f, -0.3), xytext=(x, -0.3), arrowprops={"arrowstyle": "->", "color": "C2", "lw": 2})
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-0.5, 1.4)
    ax.set_aspect("equal")
    ax.set_yticks([])
    ax.set_xlabel("cart position x (m)")
    ax.set_title(f"seed {seed}, frozen actor: step {t + 1}, theta {np.degrees(theta):+.1f} deg, force {f:+.1f} N",
                 fontsize=9)
    q = ep["q"][: t + 1]
    bx.plot(np.arange(t + 1), q[:, 0], color="C0", label="Q_pole (r = 1 while alive)")
    bx.plot(np.arange(t + 1), q[:, 1], color="C1", label="Q_cart (r = 1 - (x/2.4)^2)")
    bx.set_xlim(0, steps)
    lo, hi = float(ep["q"].min()), float(ep["q"].max())
    bx.set_ylim(lo - 0.05 * (hi - lo) - 0.1, hi + 0.05 * (hi - lo) + 0.1)
    bx.set_xlabel("time step")
    bx.set_ylabel("critic's prediction")
    bx.legend(fontsize=8, loc="lower right")
    bx.set_title("the vector critic along the episode", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "pole_balance_markov_vac.gif").parse_args(argv)
    cfg, run = headline_run(args.seed, args.quick)
    steps = 200 if args.quick else 1000
    ep = episode(run, cfg, np.array([0.0, 0.0, np.radians(8.0), 0.0]), steps)
    n = len(ep["states"])
    times = np.unique(np.concatenate([np.arange(0, min(n, 100), 4), np.linspace(100, n - 1, 30).astype(int)])) \
        if n > 100 else np.arange(0, n, max(1, n // 12))
    if args.quick:
        times = times[:6] if len(times) >= 6 else np.arange(min(n, 6))
    frames = [frame_of(frame(ep, int(t), steps, args.seed), dpi=60) for t in times]
    save_gif(frames, Path(args.out), fps=8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
