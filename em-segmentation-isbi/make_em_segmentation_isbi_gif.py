"""Animation for em-segmentation-isbi: the membrane map of one net sharpening over training (seed 0,
net 0 of the headline, retrained bit for bit).

    python3 em-segmentation-isbi/make_em_segmentation_isbi_gif.py     # writes em_segmentation_isbi.gif

Each frame: the held-out synthetic slice, the net's membrane probability for every pixel (each from
the window centred on it), its errors at threshold 0.5 against the truth (red: missed, blue:
invented), and the training loss so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import em_segmentation_isbi as em
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_em_segmentation_isbi import config, error_overlay


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "em_segmentation_isbi.gif").parse_args(argv)
    cfg = config(args.quick)
    stack = em.prepare(args.seed, cfg)
    k = cfg.test_slices[0]
    truth = stack["membrane"][k]
    snaps = []

    def snapshot(step, p):
        snaps.append((step, em.sigmoid(em.cnn_dense(p, stack["padded"][k]))))
    _, curve = em.train_cnn(np.random.default_rng([args.seed, 1, 0]), stack["padded"], stack["pools"], cfg,
                            snapshot=snapshot)
    curve = np.asarray(curve)
    frames = []
    for step, prob in snaps:
        fig, axes = plt.subplots(1, 4, figsize=(13.5, 3.9), gridspec_kw={"width_ratios": [1, 1, 1, 1.25]})
        axes[0].imshow(stack["images"][k], cmap="gray", vmin=0, vmax=1)
        axes[0].set_title(f"held-out synthetic slice {k}", fontsize=9)
        im = axes[1].imshow(prob, cmap="magma", vmin=0, vmax=1)
        axes[1].set_title("P(membrane), every pixel's window", fontsize=9)
        fig.colorbar(im, ax=axes[1], fraction=0.046, pad=0.02)
        pred = prob >= 0.5
        axes[2].imshow(error_overlay(truth, pred))
        axes[2].set_title(f"at 0.5: {np.mean(pred != truth):.3f} wrong (red missed, blue invented)", fontsize=8)
        for ax in axes[:3]:
            ax.set_xticks([])
            ax.set_yticks([])
        if step > 0:
            c = curve[:step]
            smooth = np.convolve(c, np.ones(10) / 10, mode="valid") if len(c) > 20 else c
            axes[3].plot(np.arange(len(smooth)) + len(c) - len(smooth), smooth, color="C0", lw=1.2)
        axes[3].axhline(np.log(2), color="k", ls=":", lw=0.8, label="chance (ln 2)")
        axes[3].set_xlim(0, len(curve))
        axes[3].set_ylim(0, max(1.0, float(curve.max())))
        axes[3].set_xlabel("SGD step (32 balanced windows)", fontsize=8)
        axes[3].set_ylabel("training cross-entropy", fontsize=8)
        axes[3].legend(fontsize=7)
        fig.suptitle(f"Seed 0, net 0 after {step} of {cfg.steps} steps", fontsize=10)
        fig.tight_layout()
        frames.append(frame_of(fig))
        plt.close(fig)
    save_gif(frames, Path(args.out), fps=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
