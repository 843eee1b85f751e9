"""Static figures for subgoal-obstacle-avoidance: test arenas with S's sub-goals and C's walks, the
landscape of the learned evaluator M against the truth, S's training curve, every recorded seed.

    python3 subgoal-obstacle-avoidance/visualize_subgoal_obstacle_avoidance.py   # writes viz/*.png

Trains seed 0 with the headline settings (about 20 s of CPU); the sweep figure draws the recorded
runs in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle

import subgoal_obstacle_avoidance as sg
from shared.frame.figures import figure_parser, recorded, save_png

HERE = Path(__file__).resolve().parent


def headline(seed: int, quick: bool) -> tuple[sg.Config, dict]:
    cfg = sg.Config()
    if quick:
        cfg = replace(cfg, s_iters=150, m_iters=150, m_samples=5000, n_test=100, cem_iters=3)
    row = sg.run_seed(seed, cfg, keep=True)
    return cfg, row


def draw_arena(ax, ep, i, subgoals=None, ok=None, cem=None, title=None, small=False):
    for c in ep["disks"][i]:
        ax.add_patch(Circle(c, sg.RADIUS, color="0.35", alpha=0.8, lw=0))
    s, g = ep["start"][i], ep["goal"][i]
    ax.plot(*zip(s, g), ls=":", color="C3", lw=1.2, label="direct program (hits)")
    if cem is not None:
        pts = np.vstack([s, cem[i], g])
        ax.plot(pts[:, 0], pts[:, 1], "-", color="C0", lw=0.9, alpha=0.6, label="CEM plan")
    if subgoals is not None:
        pts = np.vstack([s, subgoals[i], g])
        color = "C2" if (ok is None or ok[i]) else "C1"
        walk = sg.walk(s, np.vstack([subgoals[i], g]), ep["disks"][i])
        ax.plot(walk["points"][:, 0], walk["points"][:, 1], ".-", color=color, ms=2.5 if not small else 1.5, lw=1.4,
                label="C's walk through S's sub-goals")
        ax.plot(subgoals[i][:, 0], subgoals[i][:, 1], "D", color=color, ms=6 if not small else 4, mec="k", mew=0.6)
    ax.plot(*s, "o", color="k", ms=6 if not small else 4)
    ax.plot(*g, "*", color="gold", mec="k", ms=12 if not small else 8)
    ax.set_xlim(0, sg.ARENA)
    ax.set_ylim(0, sg.ARENA)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def fig_arenas(row, out):
    k = row["_keep"]
    test, ok = k["test"], k["ok"]["subgoals"]
    fails = np.flatnonzero(~ok)
    picks = list(range(6)) if len(fails) == 0 else [int(i) for i in np.flatnonzero(ok)[:5]] + [int(fails[0])]
    fig, axes = plt.subplots(2, 3, figsize=(9.6, 6.6))
    for ax, i in zip(axes.ravel(), picks):
        draw_arena(ax, test, i, k["subgoals"], ok, k["cem"],
                   title=f"test arena {i}: S {'reaches the goal' if ok[i] else 'FAILS'}")
    axes[0, 0].legend(loc="lower right", fontsize=6)
    fig.suptitle("Seed 0, test arenas (start: black dot, goal: star): S's 2 sub-goals (diamonds) and C's "
                 "straight walks through them;\nthe direct program (dotted) always hits the blocking disk; "
                 "the last panel is the first failure (orange) if there is one", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "arenas.png")


def fig_landscape(row, out, index=0):
    """M's predicted cost of start -> p -> goal over a single way-point p, against the true outcome."""
    k = row["_keep"]
    test = k["test"]
    grid = np.linspace(0, sg.ARENA, 121)
    px, py = np.meshgrid(grid, grid)
    p = np.stack([px.ravel(), py.ravel()], axis=1)[:, None]
    n = len(p)
    ep = {key: np.repeat(v[index:index + 1], n, axis=0) for key, v in test.items()}
    cost, _ = sg.path_cost(k["hit_net"], k["steps_net"], ep["start"], ep["goal"], ep["disks"], p, need_grad=False)
    ok = sg.outcome(ep["start"], ep["goal"], ep["disks"], p)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    im = axes[0].imshow(np.log10(cost.reshape(px.shape)), origin="lower", extent=(0, sg.ARENA, 0, sg.ARENA),
                        cmap="viridis")
    fig.colorbar(im, ax=axes[0], label="log10 M's cost of start -> p -> goal")
    axes[0].set_title("learned, frozen M: predicted cost with one way-point p", fontsize=9)
    im = axes[1].imshow(ok.reshape(px.shape).astype(float), origin="lower", extent=(0, sg.ARENA, 0, sg.ARENA),
                        cmap="RdYlGn", vmin=0, vmax=1)
    fig.colorbar(im, ax=axes[1], label="C reaches the goal via p (1) or not (0)")
    axes[1].set_title("the truth: C's walk start -> p -> goal", fontsize=9)
    for ax in axes:
        draw_arena(ax, test, index, k["subgoals"], k["ok"]["subgoals"])
    fig.suptitle(f"Seed 0, test arena {index}: M learned from random single-disk rollouts of C; S's 2 "
                 "sub-goals (diamonds) sit where M's cost is low", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "m_landscape.png")


def fig_curve(row, out):
    curve = np.array(row["_keep"]["curve"])
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(curve[:, 0], curve[:, 1], color="C2", label="S's sub-goals (mean over the training batch of 128 fresh arenas)")
    ax.axhline(row["m_cost_direct"], color="C3", ls=":", label="direct program (median over test arenas)")
    ax.axhline(row["m_cost_subgoals"], color="C2", ls="--", lw=0.8, label="S after training (median, test)")
    ax.set_yscale("log")
    ax.set_xlabel("Adam steps on S (M frozen)")
    ax.set_ylabel("M's predicted cost")
    ax.set_title("Seed 0: S learns through the frozen evaluator", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "training_curve.png")


def fig_sweep(out):
    record = recorded(sg.__file__)
    if not record or not record.get("seeds"):
        print("no recorded sweep: sweep.png not drawn")
        return
    rows = record["seeds"]["per_seed"]
    seeds = [r["seed"] for r in rows]
    fig, ax = plt.subplots(figsize=(7.6, 3.8))
    series = [("success", "S (MLP) through frozen M", "C2", "o"), ("cem_success", "CEM per episode", "C0", "s"),
              ("random_success", "random way-points", "C7", "^"), ("direct_success", "direct program", "C3", "x")]
    for key, label, color, marker in series:
        ax.plot(seeds, [r[key] for r in rows], marker, color=color, label=label, ms=6)
    for section, label, color, marker in (("odyssnet", "OdyssNet S through frozen M", "C4", "D"),
                                          ("recurrent", "recurrent S (paper's arch. 2)", "C1", "v")):
        part = (record.get(section) or {}).get("seeds") or {}
        if part.get("per_seed"):
            ax.plot([r["seed"] for r in part["per_seed"]], [r["success"] for r in part["per_seed"]], marker,
                    color=color, mfc="none", label=label)
    ax.axhline(0.8, color="k", ls=":", lw=0.8)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xticks(seeds)
    ax.set_xlabel("seed (this machine's runs)")
    ax.set_ylabel(f"share of {rows[0]['n_test']} test arenas solved")
    ax.set_title("Every recorded seed, the same test arenas for every method (dotted: the rule's 0.8)", fontsize=9)
    ax.legend(fontsize=7, loc="center", bbox_to_anchor=(0.5, 0.6), ncol=3)
    fig.tight_layout()
    save_png(fig, out / "sweep.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg, row = headline(args.seed, args.quick)
    fig_arenas(row, out)
    fig_landscape(row, out)
    fig_curve(row, out)
    fig_sweep(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
