"""Animation for semilinear-pm-image-patches: seed 0's 32 code units forming on the photographs.

    python3 semilinear-pm-image-patches/make_semilinear_pm_image_patches_gif.py   # writes the GIF

The headline settings, retrained; a frame at log-spaced moments of training: every unit's filter on
its receptive field's 81 input units (red +, blue -; green frame: oriented, orange: centre-surround)
and V_C, the predictors' error the code units push up, so far.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import semilinear_pm_image_patches as sl
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_semilinear_pm_image_patches import filter_grid


def frame(W, seen, curve, total, threshold):
    fig = plt.figure(figsize=(9.6, 4.4))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.55, 1], wspace=0.15)
    filter_grid(fig, grid[0], W, threshold, f"the 32 code units after {seen:,} input areas")
    ax = fig.add_subplot(grid[1])
    c = np.array(curve) if curve else np.zeros((0, 3))
    ax.plot(c[:, 0], c[:, 1], color="C0", lw=1, label="V_C (predictors' error)")
    ax.plot(c[:, 0], c[:, 2], color="C1", lw=1, label="sum of the units' variances")
    ax.set_xlim(0, total)
    ax.set_ylim(0, 10)
    ax.set_xlabel("input areas presented")
    ax.set_ylabel("summed over the 32 units (batch)")
    ax.legend(fontsize=7, loc="upper left")
    osi = sl.orientation_selectivity(W)
    cs = sl.centre_surround(W)
    ax.set_title(f"oriented {int(np.sum(osi > threshold))}, centre-surround {int(np.sum(cs != 0))} "
                 f"(off-centre {int(np.sum(cs == -1))})", fontsize=9)
    fig.subplots_adjust(left=0.01, right=0.98, top=0.88, bottom=0.12)
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "semilinear_pm_image_patches.gif").parse_args(argv)
    cfg = replace(sl.Config(), snapshots=6 if args.quick else 40)
    if args.quick:
        cfg = replace(cfg, presentations=1500)
    threshold = sl.random_filter_osi_threshold(np.random.default_rng(sl.OSI_SEED))
    out = sl.train(cfg, args.seed, sl.AreaSource("train"))
    curve = out["curve"]
    frames = []
    for seen, W in out["snapshots"]:
        fig = frame(W, seen, [c for c in curve if c[0] <= seen], cfg.presentations, threshold)
        frames.append(frame_of(fig))
        plt.close(fig)
    frames += [frames[-1]] * 6
    path = save_gif(frames, args.out, fps=4)
    print(f"wrote {path} ({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
