"""Animation for predictable-stereo: seed 0's two modules learning to classify random-dot stereograms
so that each classification predicts the other.

    python3 predictable-stereo/make_predictable_stereo_gif.py   # writes the GIF

Each frame is one moment of training with the headline settings: the code units of T_1 and T_2 on the
same held-out scenes (colour: the true disparity, which neither module is told), and the held-out
recovery I(class; disparity) / log K and agreement I(c_1; c_2) so far.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import predictable_stereo as ps
from shared.frame.figures import figure_parser, frame_of, save_gif


def frame(cfg, data, codes, curve, step):
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    rng = np.random.default_rng(0)
    for l in range(2):
        y = codes[l]
        jit = 0.015 * rng.normal(size=y.shape)
        axes[l].scatter(y[:, 0] + jit[:, 0], y[:, 1] + jit[:, 1], c=data[f"class{l + 1}"], cmap="coolwarm", s=4,
                        alpha=0.6, vmin=0, vmax=cfg.disparities - 1)
        axes[l].set_xlim(-0.05, 1.05)
        axes[l].set_ylim(-0.05, 1.05)
        axes[l].set_xlabel(f"T_{l + 1} code unit 1", fontsize=8)
        axes[l].set_ylabel(f"T_{l + 1} code unit 2", fontsize=8)
        axes[l].set_title(f"T_{l + 1} (strip {l + 1}); red: disparity 1, blue: 0", fontsize=8)
    ax = axes[2]
    c = np.array(curve)
    ax.plot(c[:, 0], c[:, 1], color="C0", label="T_1: I(class; disparity) / log K")
    ax.plot(c[:, 0], c[:, 2], color="C9", ls="--", label="T_2: I(class; disparity) / log K")
    ax.plot(c[:, 0], c[:, 3], color="C3", label="I(c_1; c_2) / log 2")
    ax.set_xlim(0, cfg.steps * cfg.batch)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("training stereograms seen", fontsize=8)
    ax.set_ylabel("held-out", fontsize=8)
    ax.legend(fontsize=7, loc="center right")
    fig.suptitle(f"Seed 0 after {step * cfg.batch} training stereograms (M + {cfg.beta:g}(D_1 + D_2))", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "predictable_stereo.gif").parse_args(argv)
    cfg = ps.Config()
    if args.quick:
        cfg = replace(cfg, steps=40)
    seed = args.seed
    every = max(1, cfg.steps // (8 if args.quick else 40))
    print(f"training seed {seed} ({cfg.steps} updates) ...", flush=True)
    snapshots = ps.train(cfg, seed, False, snapshot_every=every)["snapshots"]
    data = ps.test_set(cfg, seed, False, 800)
    frames, curve = [], []
    for step, modules in snapshots:
        codes = [modules[l].forward(data[f"x{l + 1}"])[0] for l in range(2)]
        m = ps.measure(modules, cfg, seed, False, n=1000)
        curve.append([step * cfg.batch, m["nmi1"], m["nmi2"], m["agreement_mi"] / np.log(2)])
        frames.append(frame_of(frame(cfg, data, codes, curve, step), dpi=75))
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
