"""Animation for clockwork-rnn: seed 0's speech-like waveform taking shape over training.

    python3 clockwork-rnn/make_clockwork_rnn_gif.py     # writes clockwork_rnn.gif

Each frame is one moment of training (epochs on a logarithmic grid) of the three networks of the
recorded generation run on seed 0's target (a 320-sample vowel excerpt at 8 kHz): top, the target and
what the CW-RNN, the SRN and the LSTM generate at that epoch; bottom left, the CW-RNN's 36 hidden units
over the 320 steps, slowest module (period 256) on top, fastest (period 1) at the bottom; bottom right,
each network's NMSE so far.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import clockwork_rnn as cw
from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif

COLORS = {"cw": "C0", "srn": "C3", "lstm": "C2"}


def runs(seed: int, quick: bool, n_frames: int) -> dict:
    epochs = 20 if quick else cw.EPOCHS["gen"]
    return {k: cw.train_generation(k, seed, epochs, cw.LR["gen"][k], snapshots=n_frames) for k in cw.MODELS}


def frame(res: dict, i: int) -> plt.Figure:
    main = res["cw"]
    snap = main["frames"][i]
    epoch = snap["epoch"]
    fig = plt.figure(figsize=(9.6, 5.6))
    ax = fig.add_axes([0.07, 0.6, 0.9, 0.33])
    ax.plot(main["target"], color="0.55", lw=3.0, label="target")
    for k in cw.MODELS:
        s = res[k]["frames"][i]
        ax.plot(s["y"], color=COLORS[k], lw=1.0, alpha=0.9, label=f"{cw.NAMES[k]} ({res[k]['weights']} weights)")
    ax.set_xlim(0, cw.STEPS - 1)
    ax.set_ylim(-1.3, 1.3)
    ax.set_xlabel("time step (8 kHz samples)", fontsize=8)
    ax.set_ylabel("amplitude", fontsize=8)
    ax.legend(fontsize=7, loc="lower right", ncol=4)
    info = main["info"]
    ax.set_title(f"seed 0: a synthetic /{info['vowel']}/ (f0 {info['f0']:.0f} Hz), epoch {epoch} of RMSProp", fontsize=10)
    ax = fig.add_axes([0.07, 0.08, 0.52, 0.4])
    net = res["cw"]["net"].net
    h = snap["h"]                                   # (T, N), module 0 fastest
    order = np.arange(h.shape[1])[::-1]             # slowest module on top
    image = ax.imshow(h[:, order].T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    k = net.module_size
    periods = net.periods[::-1]
    ax.set_yticks(np.arange(len(periods)) * k + (k - 1) / 2)
    ax.set_yticklabels([str(p) for p in periods], fontsize=6)
    for b in range(1, len(periods)):
        ax.axhline(b * k - 0.5, color="k", lw=0.4)
    ax.set_ylabel("CW-RNN module (period)", fontsize=8)
    ax.set_xlabel("time step", fontsize=8)
    ax.set_title("CW-RNN hidden units: slow modules step, fast ones oscillate", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01).set_label("tanh activation", fontsize=7)
    ax = fig.add_axes([0.74, 0.08, 0.24, 0.4])
    for k in cw.MODELS:
        e, v = np.array(res[k]["curve"]).T
        keep = e <= epoch
        ax.loglog(e[keep], v[keep], color=COLORS[k], label=cw.NAMES[k])
    e_all = np.array(res["cw"]["curve"])[:, 0]
    ax.set_xlim(1, e_all.max())
    ax.set_ylim(1e-4, 2)
    ax.axvline(epoch, color="0.6", lw=0.8)
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel("NMSE (MSE / var target)", fontsize=8)
    ax.legend(fontsize=7)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "clockwork_rnn.gif")
    args = parser.parse_args(argv)
    n_frames = 10 if args.quick else 40
    res = runs(args.seed, args.quick, n_frames)
    count = min(len(res[k]["frames"]) for k in cw.MODELS)
    frames = [frame_of(frame(res, i), dpi=60 if args.quick else 72) for i in draft_frames(range(count))]
    save_gif(frames, args.out, fps=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
