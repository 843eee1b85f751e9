"""Pictures for lococode-ica: what the hidden units of the FMS-trained autoassociator learned.

    python3 lococode-ica/visualize_lococode_ica.py            # writes viz/*.png (trains seed 0, ~minutes)

- viz/receptive_fields_bars.png: the noisy bars (Task 2.2), seed 0: the 25 hidden units' input weights
  (5 x 5 receptive fields) of the FMS-trained AA and of the L1 stand-in, ranked by how much each unit
  moves the output (pruned units marked), beside the PCA-10 and FastICA-10 filters, and test inputs.
- viz/receptive_fields_patches.png: the same for 7 x 7 patches of the photographs.
- viz/source_match.png: |corr(component, bar source)| for the 10 leading components of each code.
- viz/learning.png: reconstruction error, lambda and active hidden units over training (seed 0).
- viz/amari.png: the recorded sweep's Amari index per seed and method (from results.json).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import lococode_ica as lc  # noqa: E402
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402


def train_seed(task: str, regulariser: str, seed: int, quick: bool, snapshots: int = 0) -> dict:
    """Seed ``seed``'s recorded configuration (the stub's defaults), trained alone."""
    cfg = lc.Config(task=task, snapshots=snapshots, **lc.TASK_DEFAULTS[task])
    if quick:
        cfg = replace(cfg, epochs=30, n_train=100, n_test=100)
    train, test = lc.seed_data(seed, cfg)
    result = lc.train(train["x"][None], cfg, regulariser, [np.random.default_rng([seed, 2])])
    params = lc._net(result["params"], 0)
    return {"cfg": cfg, "train": train, "test": test, "params": params, "history": result["history"],
            "snapshots": result["snapshots"], "contribution": lc.unit_contribution(params, test["x"]),
            "active": lc.active_units(params, test["x"])}


def draw_fields(ax_grid, weights, side, titles, active=None, cmap="RdBu_r"):
    """One receptive field per axis, each on its own symmetric colour scale."""
    for i, ax in enumerate(ax_grid):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(weights):
            ax.axis("off")
            continue
        w = weights[i].reshape(side, side)
        m = np.abs(w).max() or 1.0
        ax.imshow(w, cmap=cmap, vmin=-m, vmax=m)
        ax.set_title(titles[i], fontsize=6, pad=2)
        if active is not None and not active[i]:
            for spine in ax.spines.values():
                spine.set_edgecolor("0.6")
                spine.set_linestyle(":")
            ax.imshow(np.ones((side, side)), cmap="gray", vmin=0, vmax=1, alpha=0.55)


def fields_figure(runs: dict, base: dict, side: int, title: str, inputs: np.ndarray) -> plt.Figure:
    rows = len(runs) * 2 + 3
    fig, axes = plt.subplots(rows, 13, figsize=(11, 0.95 * rows + 0.6))
    r = 0
    for name, run in runs.items():
        order = np.argsort(-run["contribution"])
        grid = axes[r:r + 2, :].ravel()
        draw_fields(grid[:25], run["params"]["W1"][order], side,
                    [f"u{j} c={run['contribution'][j]:.2f}" for j in order], run["active"][order])
        for ax in grid[25:]:
            ax.axis("off")
        axes[r, 0].text(-0.5, 0.5, name, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=8,
                        rotation=90)
        r += 2
    for name, filt in base.items():
        draw_fields(axes[r, :], filt, side, [f"{name} {j}" for j in range(len(filt))])
        r += 1
    draw_fields(axes[r, :], inputs, side, [f"test input {j}" for j in range(len(inputs))], cmap="gray")
    fig.suptitle(title, fontsize=9)
    fig.text(0.5, 0.005, "each field: the unit's input weights W1 (or the filter) on the pixel grid, red + / blue -, "
             "own scale; c = std(y) |W2 column| (how much the unit moves the output); greyed: pruned "
             "(c < 10% of the largest)", ha="center", fontsize=7)
    fig.subplots_adjust(left=0.05, right=0.99, top=0.93, bottom=0.04, hspace=0.55, wspace=0.15)
    return fig


def match_figure(run: dict, base: dict) -> plt.Figure:
    sources = run["test"]["s"]
    y, _ = lc.forward(run["params"], run["test"]["x"])
    order = np.argsort(-run["contribution"])[:lc.N_SOURCES]
    mats = {"LOCOCODE (FMS), 10 leading units": lc.source_match(y[:, order], sources)}
    for name, (filt, mean) in base.items():
        mats[name] = lc.source_match(lc.linear_codes(filt, mean, run["test"]["x"]), sources)
    fig, axes = plt.subplots(1, len(mats), figsize=(12, 4.0))
    for ax, (name, m) in zip(axes, mats.items()):
        rows = np.argsort(np.argmax(m, axis=1) + 0.01 * np.arange(len(m)))       # order components by best bar
        im = ax.imshow(m[rows], cmap="viridis", vmin=0, vmax=1)
        amari = lc.ica.amari_distance(m, np.eye(lc.N_SOURCES))
        ax.set_title(f"{name}\nAmari index {amari:.3f}\nbars with a component |r| >= 0.8: "
                     f"{int(np.sum(m.max(0) >= 0.8))}", fontsize=8)
        ax.set_xlabel("bar (0-4 horizontal, 5-9 vertical)")
        ax.set_ylabel("code component")
        ax.set_xticks(range(10))
    fig.colorbar(im, ax=axes, shrink=0.8, label="|corr(component, bar's source)|, test patterns")
    fig.suptitle("Noisy bars, seed 0: which bar each code component follows", fontsize=9)
    return fig


def learning_figure(runs: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for name, run in runs.items():
        h = run["history"]
        epochs = np.arange(1, len(h["error"]) + 1)
        axes[0].plot(epochs, h["error"][:, 0], label=name, lw=1)
        axes[1].plot(epochs, h["lambda"][:, 0], label=name, lw=1)
        e, a = zip(*h["active"])
        axes[2].plot(e, [v[0] for v in a], label=name, lw=1.2)
    axes[0].axhline(run["cfg"].e_tol, color="k", ls="--", lw=0.8, label="E_tol")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("training error per pattern (sum of squares)")
    axes[1].set_ylabel("lambda")
    axes[2].set_ylabel("active hidden units (of 25)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=7)
    fig.suptitle("Noisy bars, seed 0: lambda rises while the error is below E_tol; FMS prunes, L1 does not",
                 fontsize=9)
    fig.tight_layout()
    return fig


def amari_figure(record: dict) -> plt.Figure | None:
    rows = (record.get("seeds") or {}).get("per_seed") or []
    if not rows:
        return None
    series = {"LOCOCODE (FMS)": [r["aa_amari"] for r in rows], "PCA-10": [r["pca_amari"] for r in rows],
              "FastICA-10": [r["ica_amari"] for r in rows]}
    for key, name in (("l1", "L1 stand-in"), ("none", "AA, no regulariser")):
        part = ((record.get(key) or {}).get("seeds") or {}).get("per_seed") or []
        if part:
            series[name] = [r["aa_amari"] for r in part]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for i, (name, values) in enumerate(series.items()):
        ax.scatter(np.full(len(values), i) + np.linspace(-0.15, 0.15, len(values)), values, s=14)
        ax.plot([i - 0.25, i + 0.25], [np.mean(values)] * 2, color="k", lw=1.5)
    ax.set_xticks(range(len(series)))
    ax.set_xticklabels(list(series), fontsize=8)
    ax.set_ylabel("Amari index of |corr(component, bar)|\n(0 = one bar per component)")
    ax.set_title(f"Noisy bars, {len(rows)} seeds (dots), means (bars); recorded sweep", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("training seed", args.seed, "(noisy bars: FMS and L1; patches: FMS)", flush=True)
    bars = {"LOCOCODE (FMS)": train_seed("noisy-bars", "fms", args.seed, args.quick),
            "L1 stand-in": train_seed("noisy-bars", "l1", args.seed, args.quick)}
    patches = train_seed("patches", "fms", args.seed, args.quick)
    run = bars["LOCOCODE (FMS)"]
    base_bars = lc.baselines(args.seed, run["train"]["x"], run["test"])
    pm = lc.pca_filters(run["train"]["x"], lc.N_SOURCES)
    ica_res = lc.ica.fast_ica(run["train"]["x"], lc.N_SOURCES, np.random.default_rng([args.seed, 7]))
    save_png(fields_figure(bars, {"PCA-10": base_bars["pca_filters"], "ICA-10": base_bars["ica_filters"]}, lc.GRID,
                           f"Noisy bars (Task 2.2), seed {args.seed}: hidden units' receptive fields, strongest first",
                           run["test"]["x"][:13]), out / "receptive_fields_bars.png")
    base_p = lc.baselines(args.seed, patches["train"]["x"], patches["test"])
    save_png(fields_figure({"LOCOCODE (FMS)": patches}, {"PCA-10": base_p["pca_filters"],
                                                          "ICA-10": base_p["ica_filters"]}, lc.PATCH,
                           f"7 x 7 patches of the photographs, seed {args.seed}: receptive fields", patches["test"]["x"][:13]),
             out / "receptive_fields_patches.png")
    save_png(match_figure(run, {"PCA-10": pm, "FastICA-10": (ica_res["unmixing"], ica_res["mean"])}),
             out / "source_match.png")
    save_png(learning_figure(bars), out / "learning.png")
    record = recorded(Path(__file__).with_name("lococode_ica.py")) or {}
    fig = amari_figure(record)
    if fig is not None:
        save_png(fig, out / "amari.png")
    print("wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
