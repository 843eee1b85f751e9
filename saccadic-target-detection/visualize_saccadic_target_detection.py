"""Static figures for saccadic-target-detection: test trajectories of C, the myopic C and random saccades
over the scene; what C learned (its move at every offset from the target) and what M learned (its
prediction of the next fovea input against the truth); the training curves; every recorded seed.

    python3 saccadic-target-detection/visualize_saccadic_target_detection.py   # writes viz/*.png

Trains seed 0 with the headline settings (about a minute of CPU); the sweep figure draws the recorded
runs in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.patches import Polygon, Rectangle

import saccadic_target_detection as st
from shared.frame.figures import figure_parser, recorded, save_png

HERE = Path(__file__).resolve().parent


def trained(seed: int, quick: bool, scene: str = "paper") -> dict:
    cfg = replace(st.Config(), scene=scene, n_test=200, c_trajectories=st.default_trajectories("mlp", scene))
    if quick:
        cfg = replace(cfg, m_cycles=1500, c_trajectories=150, n_test=50)     # the drawing paths only
    row = st.run_seeds([seed], cfg, keep=True, log=lambda *a: None)[0]
    return {"cfg": cfg, "row": row, **row["_keep"]}


def triangle_outline(centre):
    pts = []
    for k in range(3):
        ang = -np.pi / 2 + 2 * np.pi * k / 3
        pts.append(centre + 45.0 * np.array([np.cos(ang), np.sin(ang)]))
    return np.array(pts)


def draw_fovea_boxes(ax, pos, values=None, alpha=0.9, lw=0.6, cmap=plt.cm.viridis):
    px, py = np.rint(pos)
    for i, (x0, x1, y0, y1) in enumerate(st.FIELDS):
        face = "none" if values is None else cmap(float(values[i]))
        ax.add_patch(Rectangle((px + x0 - 0.5, py + y0 - 0.5), x1 - x0, y1 - y0, fill=values is not None,
                               facecolor=face, edgecolor="C3" if values is None else "0.3", lw=lw, alpha=alpha))


def draw_scene(ax, trials, i, runs, t_max=None, fovea_at=None, crop=150):
    """The target triangle (and distractors), trajectories of each run, the fovea's fields at one point."""
    target = trials["target"][0, i]
    ax.add_patch(Polygon(triangle_outline(target), closed=True, color="k"))
    for j in range(trials["others"].shape[-2]):
        c = trials["others"][0, i, j]
        shape = st.SHAPES[1 + j]
        if shape == "disk":
            ax.add_patch(plt.Circle(c, 38, color="0.45"))
        elif shape == "square":
            ax.add_patch(Rectangle(c - 32, 64, 64, color="0.45"))
        else:
            ax.add_patch(Polygon(triangle_outline(np.zeros(2)) * [1, -1] + c, closed=True, color="0.45"))
    for run, color, label in runs:
        p = run["pos"][0, i][: (t_max + 1 if t_max is not None else None)]
        ax.plot(p[:, 0], p[:, 1], ".-", color=color, lw=1.3, ms=4, label=label)
    if fovea_at is not None:
        draw_fovea_boxes(ax, fovea_at)
    ax.plot(*target, "+", color="gold", ms=10, mew=2)
    ax.set_xlim(target[0] - crop, target[0] + crop)
    ax.set_ylim(target[1] + crop, target[1] - crop)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def move_field(C, offsets):
    """C's first move (px) at fovea offsets (G, 2) from the target (feedforward C: its policy)."""
    trials = {"target": np.zeros((1, len(offsets), 2)) + 256, "others": np.zeros((1, len(offsets), 0, 2)),
              "velocity": np.zeros((1, len(offsets), 2))}
    x = st.sense(trials, 256 + offsets[None])
    _, a, _ = C.step(C.initial_state(len(offsets)), x)
    return st.move_of(a)[0]


def draw_move_field(ax, C, title, span=80, n=17):
    g = np.linspace(-span, span, n)
    xx, yy = np.meshgrid(g, g)
    off = np.stack([xx.ravel(), yy.ravel()], -1)
    mv = move_field(C, off)
    q = ax.quiver(off[:, 0], off[:, 1], mv[:, 0], mv[:, 1], np.linalg.norm(mv, axis=-1), cmap="plasma",
                  angles="xy", scale_units="xy", scale=1, width=0.004, norm=Normalize(0, 28))
    ax.add_patch(Polygon(triangle_outline(np.zeros(2)), closed=True, fill=False, ec="k", lw=1))
    ax.plot(0, 0, "+", color="gold", ms=10, mew=2)
    ax.set_xlim(-span - 10, span + 10)
    ax.set_ylim(span + 10, -span - 10)
    ax.set_aspect("equal")
    ax.set_xlabel("fovea x offset from the target point (px)", fontsize=8)
    ax.set_ylabel("y offset (px, down)", fontsize=8)
    ax.set_title(title, fontsize=9)
    return q


def fovea_image(values, ax, title, vmin=0, vmax=1, cmap="viridis"):
    """The 40 inputs drawn where their receptive fields sit on the fovea."""
    norm = Normalize(vmin, vmax)
    cm = plt.get_cmap(cmap)
    for i, (x0, x1, y0, y1) in enumerate(st.FIELDS):
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=cm(norm(values[i])), edgecolor="0.3", lw=0.4))
    ax.set_xlim(-50, 50)
    ax.set_ylim(50, -50)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)
    return plt.cm.ScalarMappable(norm=norm, cmap=cm)


def fig_trajectories(k):
    trials = {kk: v for kk, v in k["test"].items()}
    runs = [(None, "C0", "C through M (whole trajectory)"), (None, "C1", "myopic C"), (None, "0.5", "random saccades")]
    scene = k["cfg"].the_scene
    r_c, _ = st.evaluate(k["C"], k["M"], trials, scene)
    r_m, _ = st.evaluate(k["C_myopic"], k["M"], trials, scene) if k["C_myopic"] is not None else (None, None)
    rng = np.random.default_rng(4)
    r_r, _ = st.evaluate(None, None, trials, scene, policy=lambda x, t: st.random_actions(rng, x.shape[:2]))
    runs = [(r_c, "C0", runs[0][2]), (r_r, "0.55", runs[2][2])] + ([(r_m, "C1", runs[1][2])] if r_m else [])
    fig, axes = plt.subplots(2, 4, figsize=(11, 5.8))
    for j, ax in enumerate(axes.ravel()):
        draw_scene(ax, trials, j, runs, fovea_at=r_c["pos"][0, j, 0])
        d = np.linalg.norm(r_c["pos"][0, j, -1] - trials["target"][0, j])
        ax.set_title(f"test trial {j}: C ends {d:.1f} px away", fontsize=8)
    axes[0, 0].legend(fontsize=6, loc="lower left")
    fig.suptitle(f"Seed 0, {scene.name} scene: {scene.steps} moves from a random start (red boxes: the fovea's 40 "
                 f"receptive fields there); + the target point", fontsize=10)
    fig.tight_layout()
    return fig


def fig_learned(k):
    fig = plt.figure(figsize=(12, 6.4))
    grid = fig.add_gridspec(2, 4, width_ratios=[1.3, 1.3, 0.8, 0.8])
    q = draw_move_field(fig.add_subplot(grid[:, 0]), k["C"], "C (whole trajectory): its move at each offset")
    if k["C_myopic"] is not None:
        draw_move_field(fig.add_subplot(grid[:, 1]), k["C_myopic"], "myopic C: its move at each offset")
    fig.colorbar(q, ax=fig.axes[:2], fraction=0.03, label="move length (px)")
    # M: one test transition, the truth against M's prediction
    trials = {kk: v[:, :1] for kk, v in k["test"].items()}
    scene = k["cfg"].the_scene
    run, _ = st.evaluate(k["C"], k["M"], trials, scene)
    x0, a0, x1 = run["x"][0, 0, 0], run["a"][0, 0, 0], run["x"][0, 0, 1]
    _, pred, _ = k["M"].step(k["M"].initial_state(1), np.concatenate([x0, a0])[None, None][np.zeros(1, int)])
    pred = pred[0, 0]
    mv = st.move_of(a0)
    sm = fovea_image(x0, fig.add_subplot(grid[0, 2]), "fovea input x(0)")
    fovea_image(x1, fig.add_subplot(grid[0, 3]), f"x(1) after C's move ({mv[0]:.0f}, {mv[1]:.0f}) px")
    fovea_image(pred, fig.add_subplot(grid[1, 2]), "M's prediction of x(1)")
    fovea_image(st.target_input(), fig.add_subplot(grid[1, 3]), "the target input (desired final)")
    fig.colorbar(sm, ax=fig.axes[-4:], fraction=0.04, label="input activation (black = 1)")
    fig.suptitle("Seed 0: what C learned (left) and what M learned (right: one test transition, the truth against "
                 "M's prediction)", fontsize=10)
    return fig


def fig_curves(k):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    m = np.array(k["m_curve"])
    axes[0].plot(m[:, 0], m[:, 1], color="C2")
    axes[0].set_xlabel("M training cycles (random moves)")
    axes[0].set_ylabel("squared error of M's prediction\n(running mean, sum over 40 inputs)")
    axes[0].set_title("M (phase 1)", fontsize=9)
    c = np.array(k["c_curve"])
    axes[1].plot(c[:, 0], c[:, 1], color="C0", label="C through M, whole trajectory")
    if k["my_curve"] is not None:
        y = np.array(k["my_curve"])
        axes[1].plot(y[:, 0], y[:, 1], color="C1", label="myopic C (one step through M)")
    axes[1].set_xlabel("C training trajectories (M frozen)")
    axes[1].set_ylabel("share of training trajectories\nending on the target")
    axes[1].set_ylim(-0.03, 1.03)
    axes[1].legend(fontsize=8)
    axes[1].set_title("C (phase 2)", fontsize=9)
    fig.tight_layout()
    return fig


SECTIONS = [("", "C (paper's nets)", "found"), ("", "myopic C", "myopic_found"), ("", "random saccades", "random_found"),
            ("unclipped", "C, paper's SGD unclipped", "found"), ("recurrent", "recurrent C and M", "found"),
            ("odyssnet", "OdyssNet C", "found"), ("distractors", "C, distractor scene", "found"),
            ("distractors", "myopic C, distractors", "myopic_found"),
            ("distractors_recurrent", "recurrent C, distractors", "found"),
            ("distractors", "random, distractors", "random_found"),
            ("moving", "C, moving target", "found"), ("moving", "myopic C, moving", "myopic_found"),
            ("moving_recurrent", "recurrent C, moving", "found")]


def fig_sweep(record):
    rows = []
    for sec, label, key in SECTIONS:
        part = record if not sec else record.get(sec)
        if not part or not part.get("seeds"):
            continue
        rows.append((label, [r[key] for r in part["seeds"]["per_seed"]]))
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for i, (label, vals) in enumerate(rows):
        ax.bar(i, np.mean(vals), color="C0" if "random" not in label else "0.6", alpha=0.6)
        ax.plot(i + np.linspace(-0.25, 0.25, len(vals)), vals, "k.", ms=4)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r[0] for r in rows], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("share of test trials ending on the target\n(bar: mean; dots: seeds)")
    ax.set_ylim(0, 1.05)
    ax.set_title("Every recorded run (results.json): find rate at the trajectory's end, per seed", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    k = trained(args.seed, args.quick)
    save_png(fig_trajectories(k), out / "trajectories.png")
    save_png(fig_learned(k), out / "learned.png")
    save_png(fig_curves(k), out / "training_curves.png")
    kd = trained(args.seed, args.quick, scene="distractors")
    save_png(fig_trajectories(kd), out / "trajectories_distractors.png")
    record = recorded(__file__)
    if record:
        save_png(fig_sweep(record), out / "sweep.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
