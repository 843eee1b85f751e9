"""Animation for world-models-carracing: the evolved V+M+C driver on a test track; beside it the frame
it sees and V's reconstruction, and M's prediction of the next frame (V's decoding of the mixture's
mean for z_{t+1}) beside the real next frame.

    python3 world-models-carracing/make_world_models_carracing_gif.py    # writes world-models-carracing/world_models_carracing.gif

Trains the headline seed's V, M and the V+M+C arm (its restarts, chosen on the selection tracks;
about half a minute on a free core), then drives the first test track.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import world_models_carracing as wm
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_world_models_carracing import draw_track, train_headline


def show(ax, image, title, side):
    ax.imshow(image.reshape(side, side), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])


def frame(log, t: int, track, vae, env: wm.Env, total: float) -> plt.Figure:
    fig = plt.figure(figsize=(7.6, 3.9))
    grid = fig.add_gridspec(2, 3, width_ratios=[2.0, 1, 1])
    ax = fig.add_subplot(grid[:, 0])
    draw_track(ax, track, env)
    x = np.array([s["x"] for s in log[: t + 1]])
    y = np.array([s["y"] for s in log[: t + 1]])
    ax.plot(x, y, color="C1", lw=1.0)
    s = log[t]
    ax.arrow(s["x"], s["y"], 2.2 * np.cos(s["theta"]), 2.2 * np.sin(s["theta"]), width=0.35, color="C3",
             length_includes_head=True, zorder=4)
    ax.set_title(f"step {t + 1}   speed {s['v']:.2f}   return {total:.0f}\nsteer {s['action'][0]:+.2f}   "
                 f"throttle {s['action'][1]:+.2f}", fontsize=8)
    side = env.patch
    show(fig.add_subplot(grid[0, 1]), s["frame"], "frame C's V sees (t)", side)
    show(fig.add_subplot(grid[0, 2]), vae.decode(s["z"][None])[0], "V: decode(z_t)", side)
    if t + 1 < len(log) and "z_next_predicted" in s:
        show(fig.add_subplot(grid[1, 1]), log[t + 1]["frame"], "real next frame (t+1)", side)
        show(fig.add_subplot(grid[1, 2]), vae.decode(s["z_next_predicted"][None])[0],
             "M's prediction of it:\ndecode(mixture mean)", side)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "world_models_carracing.gif").parse_args(argv)
    run = train_headline(args.seed, args.quick, only=("full",))
    env, world = wm.Env(), run["world"]
    track = run["test_tracks"][:1]
    _, log = wm.rollout(run["agents"]["full"][None], track, run["arms"]["full"], world, run["cfg"], env, trace=True)
    totals = np.cumsum([s["reward"] for s in log])
    times = np.unique(np.linspace(0, len(log) - 2, max(5, -(-len(log) // 3))).round().astype(int))
    frames = [frame_of(frame(log, t, track[0], world["vae"], env, totals[t]), dpi=80) for t in times]
    save_gif(frames, args.out, fps=8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
