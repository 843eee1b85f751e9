"""Animation for mcdnn-image-bench: seed 0's committee training on real MNIST digits.

    python3 mcdnn-image-bench/make_mcdnn_image_bench_gif.py   # writes mcdnn_image_bench.gif

Drawn from the recorded headline run (results.json, key "training": snapshots taken while the seven
columns trained, at the start and after every sixth of the epoch): the first-layer 4 x 4 kernels of every
column (one row per column, each on its own preprocessing of the digits), and the test error on the
first 500 test digits of every column and of the committee (the average of the columns' outputs) so far.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

from shared.frame.figures import figure_parser, frame_of, recorded, save_gif


def frame(training: dict, k: int, lim: float, ymax: float):
    frames, names = training["frames"], training["names"]
    kernels = np.array(frames[k]["filters"])                       # (columns, maps, 4, 4)
    n_cols, n_maps = kernels.shape[:2]
    fig = plt.figure(figsize=(11, 4.8))
    grid = fig.add_gridspec(n_cols, n_maps + 1 + 8, wspace=0.15, hspace=0.15, bottom=0.24, top=0.88)
    for i in range(n_cols):
        for j in range(n_maps):
            ax = fig.add_subplot(grid[i, j])
            im = ax.imshow(kernels[i, j], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(names[i], rotation=0, ha="right", va="center", fontsize=8)
            if i == 0 and j == 0:
                ax.set_title("first-layer kernels", fontsize=9, loc="left")
    cax = fig.add_axes([0.1, 0.12, 0.25, 0.02])
    fig.colorbar(im, cax=cax, orientation="horizontal", label="kernel weight")
    ax = fig.add_subplot(grid[:, n_maps + 2:])
    x = [f["fraction"] for f in frames[:k + 1]]
    errors = np.array([f["column_errors"] for f in frames[:k + 1]])
    for i in range(n_cols):
        ax.plot(x, 100 * errors[:, i], "-o", color=plt.cm.viridis(i / max(1, n_cols - 1)), lw=1, ms=3,
                label=names[i])
    ax.plot(x, [100 * f["committee_error"] for f in frames[:k + 1]], "-o", color="C3", lw=3, ms=5,
            label="committee")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, ymax)
    ax.set_xlabel("fraction of the training epoch")
    ax.set_ylabel(f"test error (%), first {training['probe_digits']} test digits")
    ax.legend(fontsize=7, ncol=2, loc="upper right")
    ax.set_title(f"columns and their averaged committee: committee {100 * frames[k]['committee_error']:.1f}%, "
                 f"best column {100 * min(frames[k]['column_errors']):.1f}%", fontsize=9)
    fig.suptitle("Seed 0's committee on real MNIST digits: seven small convolutional columns, one per "
                 "preprocessing", fontsize=10)
    return frame_of(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__.splitlines()[0], "mcdnn_image_bench.gif")
    args = parser.parse_args(argv)
    record = recorded(__file__)
    if record is None or "training" not in record:
        parser.error("no recorded headline run in results.json: run mcdnn_image_bench.py --record first")
    training = record["training"]
    lim = max(float(np.abs(np.array(f["filters"])).max()) for f in training["frames"])
    # the error axis: up to the largest error after the first snapshot (the start is at chance)
    later = [e for f in training["frames"][1:] for e in f["column_errors"]] or [0.5]
    ymax = min(100.0, 100 * max(later) * 1.3)
    frames = [frame(training, k, lim, ymax) for k in range(len(training["frames"]))]
    path = save_gif(frames, args.out, fps=1.5, hold_last=4)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
