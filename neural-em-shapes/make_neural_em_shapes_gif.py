"""Animation for neural-em-shapes: RNN-EM grouping test images, one frame per EM step.

    python3 neural-em-shapes/make_neural_em_shapes_gif.py       # writes neural_em_shapes.gif

Seed 0 of the static-shapes headline is retrained; then, for three test images, each frame shows one
EM step: the noisy input it reads (fresh bit-flip noise each step), the responsibilities gamma (colour =
component, on the clean image's foreground) and each component's prediction psi_k, with the AMI of
the step. Then the same for three flying-shapes test sequences (seed 0 of that section), one frame per
video frame.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import neural_em_shapes as nem  # noqa: E402
from shared.frame.figures import figure_parser, frame_of, save_gif  # noqa: E402
from visualize_neural_em_shapes import COLOURS, gamma_image, run_model  # noqa: E402


COLUMNS = 4      # psi panels in every frame (the largest K): all frames share one size


def frame(title, inputs, targets, gamma, psi, amis, t, K):
    n = inputs.shape[0]
    fig, axes = plt.subplots(n, COLUMNS + 2, figsize=(1.5 * (COLUMNS + 2), 1.55 * n + 0.7))
    axes = np.atleast_2d(axes)
    top = max(0.05, float(psi.max()))
    for i in range(n):
        axes[i, 0].imshow(inputs[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        axes[i, 1].imshow(gamma_image(gamma[i]) * targets[i].reshape(28, 28, 1)
                          + 0.85 * (1 - targets[i].reshape(28, 28, 1)))
        axes[i, 1].set_xlabel(f"AMI {amis[i]:.2f}", fontsize=7)
        for k in range(K):
            axes[i, k + 2].imshow(psi[i, k].reshape(28, 28), cmap="magma", vmin=0, vmax=top)
    axes[0, 0].set_title("input", fontsize=8)
    axes[0, 1].set_title("gamma", fontsize=8)
    for k in range(K):
        axes[0, k + 2].set_title(f"psi {k + 1}", fontsize=8, color=COLOURS[k])
    for k in range(K, COLUMNS):
        for i in range(n):
            axes[i, k + 2].set_visible(False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{title}, step {t + 1}  (psi: black 0 .. yellow {top:.2f})", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return frame_of(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "neural_em_shapes.gif")
    args = parser.parse_args(argv)
    frames = []
    for task in ("static", "flying"):
        rc = nem.HEADLINE[task] if not args.quick else replace(nem.HEADLINE[task], **nem.QUICK)
        print(f"training the {task}-shapes run, seed {args.seed}", flush=True)
        out = nem.train(args.seed, rc, keep=True)
        n = 3
        inputs, targets, groups, gamma, psi, _ = run_model(out, rc, out["test_data"], n, args.seed)
        title = "RNN-EM, static shapes (EM iterations)" if task == "static" else "RNN-EM, flying shapes (frames)"
        for t in range(gamma.shape[0]):
            amis = nem.grouping_ami(groups[t], gamma[t])
            frames.append(frame(title, inputs[t], targets[t], gamma[t], psi[t], amis, t, rc.K))
            plt.close("all")
        frames += [frames[-1]] * 2
    save_gif(frames, args.out, fps=2)
    print(f"wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
