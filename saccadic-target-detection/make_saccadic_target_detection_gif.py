"""Animation for saccadic-target-detection: the trained fovea moving over the scene (seed 0), beside what
it sees, what M predicts it will see next, the target pattern, and C's learned move field.

    python3 saccadic-target-detection/make_saccadic_target_detection_gif.py   # writes the GIF

M is learned first from random moves and frozen; C is trained through it with the headline settings.
Each frame is one step of a test trial (the four whose starts lie farthest from the target): left, the scene around the triangle with the fovea's 40
receptive fields (coloured by their inputs) and the path so far; middle, the inputs now, M's
prediction of the next inputs given C's chosen move, and the desired final input; right, C's move at
every offset from the target (its policy) with the fovea's current offset marked.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import saccadic_target_detection as st
from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif
from visualize_saccadic_target_detection import draw_move_field, draw_scene, fovea_image, trained


def frame(k, run, trial, t, pred):
    trials = k["test"]
    fig = plt.figure(figsize=(11, 4.4))
    grid = fig.add_gridspec(2, 4, width_ratios=[1.6, 0.75, 0.75, 1.5])
    ax = fig.add_subplot(grid[:, 0])
    draw_scene(ax, trials, trial, [(run, "C0", "C's path")], t_max=t, crop=120)
    from visualize_saccadic_target_detection import draw_fovea_boxes
    draw_fovea_boxes(ax, run["pos"][0, trial, t], values=run["x"][0, trial, t], alpha=0.75)
    d = np.linalg.norm(run["pos"][0, trial, t] - trials["target"][0, trial])
    ax.set_title(f"trial {trial}, step {t}: {d:.1f} px from the target", fontsize=9)
    sm = fovea_image(run["x"][0, trial, t], fig.add_subplot(grid[0, 1]), f"fovea input x({t})")
    if pred is not None:
        fovea_image(pred, fig.add_subplot(grid[0, 2]), f"M's prediction of x({t + 1})")
    else:
        fig.add_subplot(grid[0, 2]).axis("off")
    fovea_image(st.target_input(), fig.add_subplot(grid[1, 1]), "desired final input")
    cax = fig.add_subplot(grid[1, 2])
    fig.colorbar(sm, cax=cax, orientation="horizontal", label="activation (black = 1)")
    cax.set_aspect(0.12)
    ax2 = fig.add_subplot(grid[:, 3])
    q = draw_move_field(ax2, k["C"], "C's move at each offset (its policy)", span=70, n=13)
    off = run["pos"][0, trial, t] - trials["target"][0, trial]
    ax2.plot(*off, "o", color="C0", ms=9, mfc="none", mew=2)
    fig.colorbar(q, ax=ax2, fraction=0.04, label="move (px)")
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "saccadic_target_detection.gif").parse_args(argv)
    k = trained(args.seed, args.quick)
    scene = k["cfg"].the_scene
    run, _ = st.evaluate(k["C"], k["M"], k["test"], scene)
    frames = []
    start = np.linalg.norm(k["test"]["start"][0] - k["test"]["target"][0], axis=-1)
    for trial in np.argsort(-start)[:1 if args.quick else 4]:      # the starts farthest from the target
        for t in draft_frames(range(scene.steps + 1)):
            pred = None
            if t < scene.steps:
                inp = np.concatenate([run["x"][:, trial:trial + 1, t], run["a"][:, trial:trial + 1, t]], -1)
                _, pred, _ = k["M"].step(k["M"].initial_state(1), inp)
                pred = pred[0, 0]
            f = frame_of(frame(k, run, int(trial), t, pred), dpi=72)
            frames += [f] * (3 if t == scene.steps else 1)
    save_gif(frames, args.out, fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
