"""Animation for torcs-vision-evolution: seed 0's controller, evolved as 50 DCT coefficients, driving a lap.

    python3 torcs-vision-evolution/make_torcs_vision_evolution_gif.py   # writes torcs_vision_evolution.gif

Each frame is one moment of the drive from start 0: the car on the track seen from above, with its trail
(left); the 64x64 image the controller gets from the driver's seat (middle top); the steering neuron's
decoded input filter (middle bottom, one of the 16 decoded from the same 40 coefficients) and, beside it,
the filter times the image: what the steering neuron adds up (right bottom); the 16 neurons' states
over the last 40 steps and the steering (right top).
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import torcs_vision_evolution as tve
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_torcs_vision_evolution import solution, trajectory

WINDOW = 40       # steps of neuron history shown
EVERY = 8         # steps between frames


def frame(world, states, steer, hidden, filt, gain, t, laps) -> plt.Figure:
    fig = plt.figure(figsize=(11.5, 5.0))
    ax = fig.add_axes([0.01, 0.06, 0.36, 0.86])
    grey = world.grey.reshape(world.ny, world.nx)
    extent = [world.origin[0], world.origin[0] + world.nx * world.track.cell,
              world.origin[1], world.origin[1] + world.ny * world.track.cell]
    ax.imshow(grey, origin="lower", cmap="gray", vmin=0, vmax=1, extent=extent)
    ax.plot(states[:t + 1, 0], states[:t + 1, 1], color="C1", lw=1.2)
    x, y, th = states[t]
    ax.annotate("", xy=(x + 8 * np.cos(th), y + 8 * np.sin(th)), xytext=(x, y),
                arrowprops=dict(arrowstyle="-|>", color="C3", lw=2))
    ax.set_xlim(world.points[:, 0].min() - 12, world.points[:, 0].max() + 12)
    ax.set_ylim(world.points[:, 1].min() - 12, world.points[:, 1].max() + 12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"seed 0, start 0: step {t}, {laps:.2f} laps so far", fontsize=8)
    img = world.render(states[t][None])[0].reshape(64, 64)
    ax = fig.add_axes([0.39, 0.52, 0.2, 0.4])
    ax.imshow(img, cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("what it sees: 64x64 driver's view", fontsize=8)
    ax = fig.add_axes([0.39, 0.05, 0.2, 0.4])
    m = float(np.abs(filt).max()) or 1.0
    im = ax.imshow(filt, cmap="RdBu_r", vmin=-m, vmax=m)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("steering neuron's input filter\n(decoded from the 40 coefficients)", fontsize=7)
    fig.colorbar(im, ax=ax, fraction=0.045).ax.tick_params(labelsize=6)
    ax = fig.add_axes([0.66, 0.05, 0.2, 0.4])
    prod = gain * filt * img
    m2 = float(np.abs(prod).max()) or 1.0
    im2 = ax.imshow(prod, cmap="PuOr_r", vmin=-m2, vmax=m2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"filter x image (x gain): sums to {prod.sum():+.2f}", fontsize=7)
    fig.colorbar(im2, ax=ax, fraction=0.045).ax.tick_params(labelsize=6)
    ax = fig.add_axes([0.66, 0.56, 0.2, 0.36])
    shown = np.zeros((WINDOW, hidden.shape[1]))
    seg = hidden[max(0, t - WINDOW):t]
    if len(seg):
        shown[-len(seg):] = seg
    im3 = ax.imshow(shown.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest",
                    extent=[-WINDOW, 0, hidden.shape[1] - 0.5, -0.5])
    ax.set_ylabel("neuron (0 steers)", fontsize=7)
    ax.set_xlabel("steps ago", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.set_title("the 16 neurons' states", fontsize=8)
    fig.colorbar(im3, ax=ax, fraction=0.045).ax.tick_params(labelsize=6)
    ax = fig.add_axes([0.92, 0.56, 0.03, 0.36])
    u = steer[min(t, len(steer) - 1)] if len(steer) else 0.0
    ax.barh([0], [u], color="C3" if u > 0 else "C0", height=0.6)
    ax.set_xlim(-1, 1)
    ax.set_yticks([])
    ax.tick_params(labelsize=6)
    ax.set_title(f"steer\n{u:+.2f}", fontsize=7)
    ax.axvline(0, color="k", lw=0.6)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "torcs_vision_evolution.gif")
    args = parser.parse_args(argv)
    cfg, genome = solution(args.seed, args.quick)
    world = tve.world_of()
    steps = 80 if args.quick else world.track.image * 0 + int(np.ceil(world.length / world.track.speed)) + 4
    states, steer, hidden, _ = trajectory(cfg, genome, 0, steps)
    w_in, _, _ = cfg.enc.decode(genome[None])
    filt = w_in[0, 0].reshape(64, 64)
    gain = tve.input_gain(cfg.enc)
    _, arc0 = world.where(states[:1])
    progress = np.zeros(len(states))
    _, arcs = world.where(states)
    ds = (np.diff(arcs) + world.length / 2) % world.length - world.length / 2
    progress[1:] = np.cumsum(ds) / world.length
    every = 4 if args.quick else EVERY
    times = list(range(0, len(states) - 1, every)) or [0]
    if len(times) < 10:
        times = list(np.linspace(0, max(len(states) - 1, 0), 10).astype(int))
    frames = [frame_of(frame(world, states, steer, hidden, filt, gain, t, progress[t]), dpi=56 if args.quick else 80)
              for t in times]
    path = save_gif(frames, args.out, fps=8)
    print(f"wrote {path} ({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
