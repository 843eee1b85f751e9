"""Animation for world-models-carracing: the evolved V+M+C driver on a held-out track, with the
16x16 frame it sees and V's reconstruction of that frame from z beside it.

    python3 world-models-carracing/make_world_models_carracing_gif.py    # writes world-models-carracing/world_models_carracing.gif

Trains the headline seed once (about 20 s), then drives the first held-out test track.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import world_models_carracing as wm
from shared.figures import figure_parser, frame_of, save_gif
from visualize_world_models_carracing import draw_track, train_headline


def frame(log, t: int, track, vae, env: wm.Env, total: float) -> plt.Figure:
    fig = plt.figure(figsize=(7.2, 3.6))
    grid = fig.add_gridspec(2, 3, width_ratios=[2.1, 1, 1])
    ax = fig.add_subplot(grid[:, 0])
    draw_track(ax, track, env)
    x = np.array([s["x"] for s in log[: t + 1]])
    y = np.array([s["y"] for s in log[: t + 1]])
    ax.plot(x, y, color="C1", lw=1.0)
    s = log[t]
    ax.arrow(s["x"], s["y"], 2.2 * np.cos(s["theta"]), 2.2 * np.sin(s["theta"]), width=0.35, color="C3",
             length_includes_head=True, zorder=4)
    ax.set_title(f"step {t}   speed {s['v']:.2f}   return {total:.0f}", fontsize=9)
    side = env.patch
    for col, (image, name) in enumerate(((s["frame"], "what C's V sees"),
                                         (vae.decode(s["z"][None])[0], "V: decode(z)"))):
        a = fig.add_subplot(grid[0, 1 + col])
        a.imshow(image.reshape(side, side), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        a.set_title(name, fontsize=8)
        a.set_xticks([])
        a.set_yticks([])
    a = fig.add_subplot(grid[1, 1:])
    a.bar(np.arange(len(s["z"])), s["z"], color="C0")
    a.set_ylim(-3, 3)
    a.set_title("z (and action: steer %+.2f, throttle %+.2f)" % tuple(s["action"]), fontsize=8)
    a.set_xticks(range(len(s["z"])))
    a.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "world_models_carracing.gif").parse_args(argv)
    run = train_headline(args.seed, args.quick)
    env, world = wm.Env(), run["world"]
    track = run["test_tracks"][:1]
    _, log = wm.rollout(run["params"][None], track, world["vae"], "lstm", world["m_model"], run["cfg"], env,
                        trace=True)
    cars = wm.Cars(track, env)                      # replay the actions for the running return
    totals = []
    for s in log:
        totals.append(float(cars.step(s["action"][None])[0]) + (totals[-1] if totals else 0.0))
    times = np.unique(np.linspace(0, len(log) - 1, max(5, -(-len(log) // 3))).round().astype(int))
    frames = [frame_of(frame(log, t, track[0], world["vae"], env, totals[t - 1] if t else 0.0), dpi=80)
              for t in times]
    save_gif(frames, args.out, fps=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
