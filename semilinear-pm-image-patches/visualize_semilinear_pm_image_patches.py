"""Pictures for semilinear-pm-image-patches (seed 0 of the headline, retrained here; the per-seed
measures read from results.json):

    python3 semilinear-pm-image-patches/visualize_semilinear_pm_image_patches.py    # writes viz/*.png

  input_area.png     a photograph with one input area (64 px), its 32 receptive fields (20 px) and the
                     training / test split; the 81 inputs of every field for that area.
  filters.png        the 32 code units' filters after training, the same units at initialisation and
                     FastICA's 32 filters on the same inputs, each drawn on its 81 input units.
  measures.png       per seed: oriented units, centre-surround units, spatial extent, response kurtosis
                     for trained PM, its initialisation and FastICA.
  learning.png       V_C and the code's variance during training; the distribution of code outputs.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle

import semilinear_pm_image_patches as sl
from shared.frame.experiment import load_json, seed_rows
from shared.frame.figures import figure_parser, save_png


_GRID = np.linspace(-11.0, 11.0, 45)
_GY, _GX = np.meshgrid(_GRID, _GRID, indexing="ij")
_NEAREST = np.argmin((_GY[..., None] - sl.OFFSETS[:, 0]) ** 2 + (_GX[..., None] - sl.OFFSETS[:, 1]) ** 2, axis=2)
_OUTSIDE = np.hypot(_GY, _GX) > sl.RF_RADIUS + 1.25


def draw_filter(ax, w, title=None, mark=None):
    """One filter on its field's 81 input units, each unit's weight painted over the part of the disc
    nearest to it (red: positive, blue: negative; each filter scaled to its own largest weight)."""
    m = max(np.abs(w).max(), 1e-12)
    picture = np.ma.masked_array(w[_NEAREST], _OUTSIDE)
    ax.imshow(picture, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest", extent=(-11, 11, -11, 11))
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(mark is not None)
        if mark is not None:
            side.set_color(mark)
            side.set_linewidth(1.6)
    if title is not None:
        ax.set_title(title, fontsize=6, pad=1.5)


ORIENTED, CENTRE_SURROUND = "C2", "C1"


def filter_grid(fig, spec, filters, threshold, heading):
    osi = sl.orientation_selectivity(filters)
    cs = sl.centre_surround(filters)
    sub = spec.subgridspec(4, 8, wspace=0.08, hspace=0.35)
    for k in range(len(filters)):
        ax = fig.add_subplot(sub[k // 8, k % 8])
        mark = ORIENTED if osi[k] > threshold else CENTRE_SURROUND if cs[k] else None
        label = f"{osi[k]:.2f}" + {1: " on", -1: " off", 0: ""}[int(cs[k])]
        draw_filter(ax, filters[k], label, mark)
        if k == 3:
            ax.text(1.1, 1.55, heading, transform=ax.transAxes, ha="center", fontsize=9, weight="bold")


def input_area(args, out: Path, rng):
    source = sl.AreaSource("train", names=("camera",))
    xs, metas = source.sample(rng, 50, return_meta=True)
    pick = int(np.argmax(xs.reshape(50, -1).std(axis=1)))        # the most varied of 50 drawn areas
    x, meta = xs[pick:pick + 1], metas[pick:pick + 1]
    k, row, col, angle = meta[0]
    name = source.names[int(k)]
    img = sl.quantised(name)
    fig = plt.figure(figsize=(10.5, 4.6))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.15, 1])
    ax = fig.add_subplot(grid[0])
    im = ax.imshow(img, cmap="gray", vmin=-1, vmax=1)
    cut = int(sl.TRAIN_SHARE * img.shape[0])
    ax.axhline(cut - 0.5, color="C3", lw=1.2)
    ax.text(5, cut - 6, "training rows above, test rows below", color="C3", fontsize=8)
    ax.add_patch(Circle((col, row), sl.AREA_RADIUS, fill=False, color="yellow", lw=1.3))
    c, s = np.cos(angle), np.sin(angle)
    for centre in sl.CENTRES:
        r = row + c * centre[0] - s * centre[1]
        q = col + s * centre[0] + c * centre[1]
        ax.add_patch(Circle((q, r), sl.RF_RADIUS, fill=False, color="C0", lw=0.5, alpha=0.8))
    ax.set_title(f"'{name}' as 16 grey levels; a training input area (yellow, 64 px, rotated "
                 f"{np.degrees(angle):.0f} deg;\nthe most varied of 50 drawn)"
                 f" with its 32 receptive fields (blue, 20 px)", fontsize=9)
    ax.set_xlabel("column (px)")
    ax.set_ylabel("row (px)")
    fig.colorbar(im, ax=ax, fraction=0.035, label="grey level, scaled around zero")
    ax = fig.add_subplot(grid[1])
    pts = sl.CENTRES[:, None, :] + sl.OFFSETS[None] * 0.34        # fields shrunk to stand apart
    sc = ax.scatter(pts[..., 1].ravel(), -pts[..., 0].ravel(), c=x[0].ravel(), cmap="gray", vmin=-1, vmax=1, s=4)
    ax.add_patch(Circle((0, 0), sl.AREA_RADIUS, fill=False, color="yellow", lw=1.0))
    ax.set_aspect("equal")
    ax.set_title("the 32 x 81 input units of that area (cross-averaged pixels),\n"
                 "each field shrunk to a third, at its place in the area (unrotated)", fontsize=9)
    ax.set_xlabel("position in the input area (px)")
    fig.colorbar(sc, ax=ax, fraction=0.04, label="input activation")
    fig.tight_layout()
    save_png(fig, out / "input_area.png")
    plt.close(fig)


def filters_png(out: Path, row, threshold):
    keep = row["_keep"]
    W = keep["out"]["code"].params["W"]
    W0 = keep["out"]["init"]["W"]
    U = keep["ica"]["unmixing"]
    order = np.argsort(-sl.orientation_selectivity(U))
    fig = plt.figure(figsize=(13.5, 4.3))
    grid = fig.add_gridspec(1, 3, wspace=0.1)
    filter_grid(fig, grid[0], W, threshold, f"semilinear PM, trained (seed {row['seed']})")
    filter_grid(fig, grid[1], W0, threshold, "the same units at initialisation")
    filter_grid(fig, grid[2], U[order], threshold, "FastICA on the same inputs (sorted by OSI)")
    fig.suptitle(f"Filters on the 81 input units of a receptive field (red +, blue -; each scaled to its largest "
                 f"weight). Above each: orientation selectivity (OSI).\nGreen frame: oriented (OSI > {threshold:.2f}, "
                 f"the 95th percentile of random filters); orange frame: centre-surround (on / off centre)", fontsize=9)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.82, bottom=0.02)
    save_png(fig, out / "filters.png")
    plt.close(fig)


MEASURES = (("oriented", "oriented units (of 32)"), ("centre_surround", "centre-surround units (of 32)"),
            ("extent_px", "spatial extent (px, RMS about centroid)"), ("kurtosis", "excess kurtosis of linear response"))


def measures_png(out: Path, rows):
    fig, axes = plt.subplots(1, 4, figsize=(12.5, 3.6))
    names = (("init", "PM at init", "0.6"), ("pm", "PM trained", "C0"), ("ica", "FastICA", "C3"))
    for ax, (key, label) in zip(axes, MEASURES):
        for j, (p, name, color) in enumerate(names):
            v = np.array([r[f"{p}_{key}"] for r in rows], dtype=float)
            jitter = np.linspace(-0.15, 0.15, len(v))
            ax.scatter(j + jitter, v, color=color, s=14)
            ax.hlines(v.mean(), j - 0.3, j + 0.3, color=color, lw=2)
        ax.set_xticks(range(3))
        ax.set_xticklabels([n for _, n, _ in names], fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("per seed (dots), mean (bar)")
    fig.suptitle(f"The filters measured on the same 2000 held-out input areas, {len(rows)} seeds", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "measures.png")
    plt.close(fig)


def learning_png(out: Path, row):
    keep = row["_keep"]
    c = np.array(keep["out"]["curve"])
    y = keep["y"]
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.7))
    ax = axes[0]
    ax.plot(c[:, 0], c[:, 1], color="C0", lw=1, label="V_C = sum_i mean (P_i - y_i)^2 (batch)")
    ax.plot(c[:, 0], c[:, 2], color="C1", lw=1, label="sum_i VAR(y_i) (batch)")
    ax.axhline(sl.N_CODES * 0.25, color="0.5", ls=":", lw=1, label="32 x 0.25: every unit binary, 50/50")
    ax.set_xlabel("input areas presented")
    ax.set_ylabel("summed over the 32 units")
    ax.legend(fontsize=7)
    ax.set_title(f"Seed {row['seed']}: the code units escape their predictors", fontsize=9)
    ax = axes[1]
    bins = np.linspace(0, 1, 41)
    ax.hist(y.ravel(), bins=bins, color="C0", alpha=0.8, label="trained")
    ax.set_yscale("log")
    ax.set_xlabel("code unit output y on the test areas")
    ax.set_ylabel("count (32 units x test areas)")
    ax.set_title(f"near-binary outputs: {row['near_binary']:.2f} within 0.1 of 0 or 1 "
                 f"(at initialisation {row['init_near_binary']:.2f})", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "learning.png")
    plt.close(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = sl.Config()
    if args.quick:
        cfg = replace(cfg, presentations=1500, n_test=200, ica_areas=60)
    threshold = sl.random_filter_osi_threshold(np.random.default_rng(sl.OSI_SEED))
    source = sl.AreaSource("train")
    input_area(args, out, np.random.default_rng([args.seed, 77]))
    xt = sl.test_areas(cfg)
    row = {"seed": args.seed, **sl.run_seed(args.seed, cfg, source, xt, threshold, keep=True)}
    filters_png(out, row, threshold)
    learning_png(out, row)
    record = load_json(Path(sl.__file__).with_name("results.json"))
    rows = seed_rows(record) if record and not args.quick else [row]
    measures_png(out, rows)
    print(f"wrote {out}/input_area.png, filters.png, measures.png, learning.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
