"""Animation for world-models-vizdoom-dream: the controller evolved only inside M's dream at tau 1.15
playing the real room (left), V's reconstruction of what it sees (second), and the same controller in
M's dream at tau 1.15 and at tau 0.10 (decoded by V; third and fourth), each with its survival count.
Each panel is the median (by survival) of ten episodes: ten real rooms, ten dreams per temperature.

    python3 world-models-vizdoom-dream/make_world_models_vizdoom_dream_gif.py    # writes world_models_vizdoom_dream.gif

Retrains the headline seed (bit for bit the recorded run's seed 0; about a minute on a free core).
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import world_models_vizdoom_dream as wm
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_world_models_vizdoom_dream import train_headline


def show(ax, image, title, size):
    ax.imshow(image.reshape(size, size), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])


def panel_frame(t: int, real_log, dreams, vae, size: int) -> plt.Figure:
    fig, axes = plt.subplots(1, 4, figsize=(8.4, 2.6))
    arrow = {-1.0: "left", 0.0: "stay", 1.0: "right"}
    if t < len(real_log):
        s = real_log[t]
        show(axes[0], s["frame"], f"real room, step {t + 1}\nC: {arrow[s['move']]}", size)
        show(axes[1], vae.decode(s["z"][None])[0], "what C sees: V's decode(z)", size)
    else:
        show(axes[0], real_log[-1]["frame"], f"real room: hit after {len(real_log)} steps", size)
        show(axes[1], vae.decode(real_log[-1]["z"][None])[0], "what C saw last", size)
    for ax, (tau, log) in zip(axes[2:], dreams):
        s = log[min(t, len(log) - 1)]
        over = t >= len(log) - 1 and s["p_done"] > 0.5
        title = (f"dream, tau {tau:g}: M ends it\nafter {len(log)} steps" if over else
                 f"dream, tau {tau:g}, step {min(t, len(log) - 1) + 1}\nP(done) {s['p_done']:.2f}")
        show(ax, vae.decode(s["z"][None])[0], title, size)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "world_models_vizdoom_dream.gif").parse_args(argv)
    run = train_headline(args.seed, args.quick)
    cfg, world = run["cfg"], run["world"]
    tau = wm.PAPER_TAU if wm.PAPER_TAU in cfg.taus else cfg.taus[-1]
    c = run["dream_c"][list(cfg.taus).index(tau)][None]
    # ten real rooms and ten dreams per temperature; the GIF shows the median one of each (by survival)
    real_logs = [wm.real(c, world["vae"], world["m"], cfg, wm.stream(args.seed + k, "gif z"),
                         wm.stream(args.seed + k, "gif room"), trace=True)[1] for k in range(10)]
    real_log = sorted(real_logs, key=len)[4]
    dreams = []
    for t in (tau, min(cfg.taus)):
        logs = [wm.dream(c, np.array([t]), world["m"], world["z_start"][k:k + 1], cfg,
                         wm.stream(args.seed + k, f"gif {t}"), trace=True)[1] for k in range(10)]
        dreams.append((t, sorted(logs, key=len)[4]))
    length = min(90, max(len(real_log), *(len(log) for _, log in dreams)) + 3)
    frames = [frame_of(panel_frame(t, real_log, dreams, world["vae"], cfg.env.size), dpi=70)
              for t in range(0, length)]
    save_gif(frames, args.out, fps=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
