"""Figures for em-segmentation-isbi (seed 0 of the headline, retrained bit for bit; the summary from
results.json).

    python3 em-segmentation-isbi/visualize_em_segmentation_isbi.py        # writes viz/*.png

viz/stack.png        the synthetic stack: slices with their true membranes, the drift between slices
viz/slice_rows.png   a held-out slice, its truth, every row's membrane probability map and segmentation,
                     errors marked (red: membrane missed, blue: membrane invented)
viz/results.png      pixel, Rand and warping error of every row over the recorded seeds, 95% intervals
viz/training.png     training loss of the three nets, the MLP (seed 0), and the first layer's kernels
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import em_segmentation_isbi as em
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
SHOWN = ["filter", "mlp", "cnn1", "cnnN_views"]
SHORT = {"filter": "Hessian-ridge filter", "mlp": "MLP", "cnn1": "CNN, one net", "cnn1_views": "one net + 8 views",
         "cnnN": f"{em.Config.nets} nets", "cnnN_views": f"{em.Config.nets} nets + 8 views",
         "cnnN_views_median": "+ median 3x3", "odyssnet": "OdyssNet core"}


def config(quick: bool) -> em.Config:
    cfg = em.Config()
    if quick:
        cfg = replace(cfg, steps=20, nets=2, stack=replace(cfg.stack, size=48, slices=6, cells=4, vesicles=3,
                                                           organelles=1),
                      train_slices=(0, 1, 2), val_slices=(3,), test_slices=(4, 5))
    return cfg


def error_overlay(truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """RGB: grey where right (dark membrane, light cell), red membrane missed, blue membrane invented."""
    rgb = np.where(truth[..., None], 0.15, 0.85) * np.ones(3)
    rgb[truth & ~pred] = (0.9, 0.1, 0.1)
    rgb[~truth & pred] = (0.1, 0.3, 0.95)
    return rgb


def draw_stack(stack: dict, cfg: em.Config, out: Path) -> None:
    show = [0, 1, 2, cfg.test_slices[0]]
    fig, axes = plt.subplots(2, len(show), figsize=(3.1 * len(show), 6.4))
    for j, k in enumerate(show):
        axes[0, j].imshow(stack["images"][k], cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(f"slice {k} ({'train' if k in cfg.train_slices else 'test'})", fontsize=9)
        axes[1, j].imshow(stack["images"][k], cmap="gray", vmin=0, vmax=1)
        axes[1, j].contour(stack["membrane"][k], [0.5], colors="orangered", linewidths=0.6)
        axes[1, j].set_title(f"true membrane outline ({stack['cells'][k].max()} cells)", fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("synthetic EM slice", fontsize=9)
    axes[1, 0].set_ylabel("with the truth", fontsize=9)
    fig.suptitle("The SYNTHETIC stack of seed 0 (not ISBI data): warped 3-D Voronoi cells, membranes of varying "
                 "width and contrast,\nvesicles and organelles with dark rims inside the cells, texture, noise, "
                 "blur, slice-to-slice drift", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "stack.png")
    plt.close(fig)


def draw_rows(stack, maps, cfg: em.Config, row: dict | None, out: Path) -> None:
    nv = len(cfg.val_slices)
    k = cfg.test_slices[0]
    truth = stack["membrane"][k]
    fig, axes = plt.subplots(3, len(SHOWN) + 1, figsize=(2.9 * (len(SHOWN) + 1), 8.6))
    axes[0, 0].imshow(stack["images"][k], cmap="gray", vmin=0, vmax=1)
    axes[0, 0].set_title(f"held-out slice {k}", fontsize=9)
    axes[1, 0].imshow(truth, cmap="gray_r")
    axes[1, 0].set_title("true membrane", fontsize=9)
    axes[2, 0].imshow(np.ma.masked_equal(stack["cells"][k], 0) % 20, cmap="tab20", interpolation="nearest")
    axes[2, 0].set_title("true cells", fontsize=9)
    for j, name in enumerate(SHOWN, start=1):
        prob = maps[name][nv]
        im = axes[0, j].imshow(prob, cmap="magma", vmin=0, vmax=1)
        axes[0, j].set_title(f"{SHORT[name]}: P(membrane)", fontsize=9)
        t = row[f"{name}_t_pixel"] if row else 0.5
        pred = prob >= t
        axes[1, j].imshow(error_overlay(truth, pred))
        axes[1, j].set_title(f"threshold {t:.2f}: {np.mean(pred != truth):.3f} of pixels wrong", fontsize=8)
        tr = row[f"{name}_t_rand"] if row else 0.5
        seg = em.segment(prob, tr)
        f = em.rand_f_score(stack["cells"][k], seg)
        axes[2, j].imshow(seg % 20, cmap="tab20", interpolation="nearest")
        axes[2, j].set_title(f"cells at {tr:.1f}: Rand F {f:.3f}", fontsize=8)
    fig.colorbar(im, ax=axes[0, 1:].tolist(), fraction=0.02, pad=0.01, label="P(membrane)")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1, 1].set_ylabel("red: missed  blue: invented", fontsize=8)
    fig.suptitle("Seed 0, a held-out synthetic slice: each row's membrane map (top), its errors at the threshold "
                 "tuned on the validation slices (middle), its segmentation at the Rand-best threshold (bottom)",
                 fontsize=10)
    save_png(fig, out / "slice_rows.png")
    plt.close(fig)


def draw_results(record: dict | None, out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.6))
    if record and record.get("seeds"):
        rows = record["seeds"]["per_seed"]
        extra = (record.get("odyssnet") or {}).get("seeds", {}).get("per_seed") or []
        names = [k for k in em.ROWS if f"{k}_pixel" in rows[0]] + (["odyssnet"] if extra else [])
        for ax, metric, label in zip(axes, ("pixel", "rand", "warp"),
                                     ("pixel error", "Rand error (1 - best Rand F)", "warping error")):
            means, halves = [], []
            for name in names:
                src = extra if name == "odyssnet" else rows
                v = np.array([r[f"{name}_{metric}"] for r in src])
                means.append(v.mean())
                halves.append(em.t_quantile(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0)
                ax.scatter(np.full(len(v), len(means) - 1) + np.linspace(-0.15, 0.15, len(v)), v, s=8, color="k",
                           zorder=3)
            colors = ["C7", "C1", "C0", "C0", "C2", "C3", "C3", "C4"][:len(names)]
            ax.bar(range(len(names)), means, yerr=halves, color=colors, alpha=0.75, capsize=3)
            ax.set_xticks(range(len(names)))
            ax.set_xticklabels([SHORT[n] for n in names], rotation=40, ha="right", fontsize=8)
            ax.set_ylabel(label)
            ax.set_title(f"{label}, {len(rows)} synthetic stacks (dots: seeds)", fontsize=9)
    fig.suptitle("Held-out synthetic slices: mean and 95% t interval over seeds (this machine's runs)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "results.png")
    plt.close(fig)


def draw_training(curves: dict, nets: dict, out: Path) -> None:
    fig = plt.figure(figsize=(13, 4.4))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.3, 1])
    ax = fig.add_subplot(grid[0])
    for name, c in curves.items():
        c = np.asarray(c)
        smooth = np.convolve(c, np.ones(20) / 20, mode="valid") if len(c) > 40 else c
        ax.plot(np.arange(len(smooth)) + (len(c) - len(smooth)), smooth,
                label=("MLP" if name == "mlp" else f"CNN net {name[3:]}"), lw=1.2)
    ax.axhline(np.log(2), color="k", ls=":", lw=0.8, label="chance (ln 2)")
    ax.set_xlabel("training step (32 balanced windows each)")
    ax.set_ylabel("cross-entropy on the batch (running mean of 20)")
    ax.legend(fontsize=8)
    ax.set_title("Seed 0: training loss", fontsize=10)
    k1 = nets["cnn0"]["k1"][:, 0]
    sub = grid[1].subgridspec(2, (len(k1) + 1) // 2)
    lim = np.abs(k1).max()
    for i, k in enumerate(k1):
        a = fig.add_subplot(sub[i % 2, i // 2])
        im = a.imshow(k, cmap="RdBu_r", vmin=-lim, vmax=lim)
        a.set_xticks([])
        a.set_yticks([])
        a.set_title(f"map {i}", fontsize=7)
    fig.colorbar(im, ax=fig.axes[-len(k1):], fraction=0.03, label="weight")
    fig.text(0.72, 0.93, "net 0's first-layer kernels (4 x 4)", ha="center", fontsize=10)
    save_png(fig, out / "training.png")
    plt.close(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = config(args.quick)
    stack = em.prepare(args.seed, cfg)
    maps, curves, nets = em.probability_maps(args.seed, cfg, stack, keep=True)
    record_path = HERE / "results.json"
    record = json.loads(record_path.read_text()) if record_path.exists() and not args.quick else None
    row = None
    if record:
        row = next((r for r in record["seeds"]["per_seed"] if r["seed"] == args.seed), None)
    draw_stack(stack, cfg, out)
    draw_rows(stack, maps, cfg, row, out)
    draw_results(record, out)
    draw_training(curves, nets, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
