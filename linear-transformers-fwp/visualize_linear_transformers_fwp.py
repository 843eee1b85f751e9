"""Figures for linear-transformers-fwp, drawn from results.json (and, for the DPFP picture, the map itself).

    python3 linear-transformers-fwp/visualize_linear_transformers_fwp.py   # writes viz/*.png

* capacity.png: Setting 1, final loss against the number of keys S for softmax, elu+1 and DPFP nu = 1, 2, 3
  (mean and range over the seeds), each map's d_dot marked: the paper's capacity experiment (Sec. 6.1.1).
* update_rule.png: Setting 2, the sum rule against the delta rule (DPFP nu = 1), per seed and mean (Sec. 6.1.2).
* learning_curves.png: the evaluation loss during training, seed 0, every run of the record.
* recall_lm.png: Setting 3 (ours), the 2-layer linear Transformer's recall accuracy per variant.
* dpfp.png: what DPFP does: the four features of R^2 (nu = 1) over the plane (eqs. 33-36), and how far
  random keys' features are from orthogonal for elu+1 and DPFP nu = 1..3 (d = 4).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import linear_transformers_fwp as lt  # noqa: E402
from shared.networks.attention import dpfp  # noqa: E402
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402

COLOURS = {"softmax": "k", "linear": "C0", "dpfp1": "C1", "dpfp2": "C2", "dpfp3": "C3", "odyssnet": "C4"}
LABELS = {"softmax": "softmax", "linear": "elu+1 (d_dot 4)", "dpfp1": "DPFP nu=1 (d_dot 8)",
          "dpfp2": "DPFP nu=2 (d_dot 16)", "dpfp3": "DPFP nu=3 (d_dot 24)", "odyssnet": "OdyssNet (ours)"}


def seeds_table(section: dict, prefix: str, grid):
    rows = section["seeds"]["per_seed"]
    return np.array([[r[f"{prefix}{s}"] for s in grid] for r in rows])


def capacity(record: dict, out: Path) -> None:
    wide = [k for k in ("capacity_linear_d8", "capacity_dpfp1_d8") if k in record]
    fig, axes = plt.subplots(1, 2 if wide else 1, figsize=(12 if wide else 7.5, 4.6), squeeze=False)
    panels = [(axes[0, 0], [(n, n if n == "odyssnet" else f"capacity_{n}") for n in
                            ("softmax", "linear", "dpfp1", "dpfp2", "dpfp3", "odyssnet")], lt.D_KEY)]
    if wide:
        panels.append((axes[0, 1], [(k.split("_")[1], k) for k in wide], 8))
    for ax, names, d in panels:
        for name, key in names:
            if key not in record:
                continue
            grid = record[key]["grid"]
            table = seeds_table(record[key], "loss_S", grid)
            label = LABELS[name] if d == lt.D_KEY else f"{name.replace('linear', 'elu+1')} (d_dot {lt.d_dot(name, d)})"
            ax.plot(grid, table.mean(axis=0), "o-", color=COLOURS[name], label=label, lw=1.5)
            ax.fill_between(grid, table.min(axis=0), table.max(axis=0), color=COLOURS[name], alpha=0.07)
            if name.startswith("dpfp") or name == "linear":
                ax.axvline(lt.d_dot(name, d), color=COLOURS[name], ls=":", lw=1)
        ax.axhline(0.5, color="grey", ls="--", lw=1, label="0.5: output 0")
        ax.set_xlabel("number of unique keys S (= sequence length L)")
        ax.set_ylabel("final evaluation loss 0.5||y - v||^2 (mean, range)")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 1)
        ax.set_title(f"Setting 1 (capacity), d = {d}, sum rule, 10 seeds; dotted: each map's d_dot"
                     + ("\n(the paper's Sec. 6.1.1 at d = 64, S up to 600)" if d == lt.D_KEY else "\n(ours: a wider key)"),
                     fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, out / "capacity.png")


def update_rule(record: dict, out: Path) -> None:
    grid = record["grid"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    ax = axes[0]
    for rule, colour in (("sum", "C0"), ("delta", "C3")):
        table = seeds_table(record, f"{rule}_S", grid)
        for row in table:
            ax.plot(grid, row, color=colour, alpha=0.2, lw=0.8)
        ax.plot(grid, table.mean(axis=0), "o-", color=colour, lw=2,
                label=f"{rule} rule" + (" (learned beta, sum-normalised)" if rule == "delta" else " (attention-normalised)"))
    ax.axvline(lt.d_dot("dpfp1", lt.D_KEY), color="grey", ls=":", lw=1, label="d_dot = 8")
    ax.set_xlabel("number of unique keys S (sequence length L = 2S, keys re-bound)")
    ax.set_ylabel("final evaluation loss")
    ax.set_title("Setting 2 (update rule), DPFP nu = 1, d = 4: 10 seeds (thin) and mean", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax = axes[1]
    s = grid[-1]
    a, b = seeds_table(record, "sum_S", [s])[:, 0], seeds_table(record, "delta_S", [s])[:, 0]
    ax.scatter(a, b, color="C3")
    lim = [0, max(a.max(), b.max()) * 1.1]
    ax.plot(lim, lim, "k--", lw=1)
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_xlabel(f"sum rule final loss, S = {s}")
    ax.set_ylabel(f"delta rule final loss, S = {s}")
    ax.set_title("one point per seed: below the diagonal, the delta rule wins", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, out / "update_rule.png")


def learning_curves(record: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    for key, curve in sorted(record.get("curves_seed0", {}).items()):
        c = np.array(curve)
        rule = key.split("_")[0]
        s = int(key.split("S")[-1])
        ax.plot(c[:, 0], c[:, 1], color="C3" if rule == "delta" else "C0",
                alpha=0.4 + 0.6 * s / max(record["grid"]), label=key.replace("_", " "))
    ax.set_title("Setting 2, seed 0: evaluation loss (sum: blue, delta: red; darker = larger S)", fontsize=9)
    ax.set_xlabel("training step (batches of 32)")
    ax.set_ylabel("evaluation loss")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    ax = axes[1]
    for name in ("softmax", "linear", "dpfp1", "dpfp2", "dpfp3"):
        key = f"capacity_{name}"
        if key not in record:
            continue
        grid = record[key]["grid"]
        curves = record[key]["curves_seed0"]
        for s in grid:
            c = np.array(curves[f"loss_S{s}"])
            ax.plot(c[:, 0], c[:, 1], color=COLOURS[name], alpha=0.3 + 0.7 * s / max(grid),
                    label=LABELS[name] if s == grid[-1] else None)
    ax.set_title("Setting 1, seed 0: every S (darker = larger S); runs stop at loss <= 0.001", fontsize=9)
    ax.set_xlabel("training step")
    ax.set_ylabel("evaluation loss")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def recall_lm(record: dict, out: Path) -> None:
    variants = [k for k in ("lm_sum_linear", "lm_delta_linear", "lm_sum_dpfp1", "lm_delta_dpfp1") if k in record]
    if not variants:
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    for i, key in enumerate(variants):
        acc = np.array([r["test_accuracy"] for r in record[key]["seeds"]["per_seed"]])
        colour = "C3" if "delta" in key else "C0"
        ax.bar(i, acc.mean(), color=colour, alpha=0.5 if "linear" in key else 0.9)
        ax.scatter(np.full(len(acc), i) + np.linspace(-0.2, 0.2, len(acc)), acc, color="k", s=10, zorder=3)
    ax.axhline(1 / 8, color="grey", ls=":", label="chance (1/8)")
    ax.set_xticks(range(len(variants)), [k[3:].replace("_", " rule\n").replace("linear", "elu+1")
                                         .replace("dpfp1", "DPFP nu=1") for k in variants], fontsize=8)
    ax.set_ylabel("recall accuracy, 512 test sequences")
    ax.set_ylim(0, 1.05)
    ax.set_title("Setting 3 (ours): 2-layer causal linear Transformer, 10 seeds (dots) and mean", fontsize=9)
    ax.legend(fontsize=8)
    ax = axes[1]
    for key in variants:
        c = np.array(record[key]["curves_seed0"]["train"])
        ax.plot(c[:, 0], c[:, 2], color="C3" if "delta" in key else "C0", ls="-" if "dpfp" in key else "--",
                label=key[3:].replace("_", " ").replace("linear", "elu+1"))
    ax.set_xlabel("training step (batches of 32)")
    ax.set_ylabel("training batch accuracy on the questions")
    ax.set_title("seed 0 during training", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, out / "recall_lm.png")


def dpfp_picture(out: Path) -> None:
    fig = plt.figure(figsize=(11, 4.4))
    grid = fig.add_gridspec(2, 6, width_ratios=[1, 1, 0.15, 1.3, 1.3, 1.3], hspace=0.45, wspace=0.35)
    xs = np.linspace(-2, 2, 101)
    plane = np.stack(np.meshgrid(xs, xs), axis=-1)
    phi = dpfp(plane, 1)[0]
    names = ["r(x1) r(-x2)", "r(x2) r(x1)", "r(-x1) r(x2)", "r(-x2) r(-x1)"]
    for i in range(4):
        ax = fig.add_subplot(grid[i // 2, i % 2])
        im = ax.imshow(phi[..., i], origin="lower", extent=(-2, 2, -2, 2), cmap="viridis", vmin=0, vmax=4)
        ax.set_title(f"phi_{i + 1} = {names[i]}", fontsize=7)
        ax.tick_params(labelsize=6)
        if i % 2 == 0:
            ax.set_ylabel("x2", fontsize=7)
        if i // 2 == 1:
            ax.set_xlabel("x1", fontsize=7)
    fig.colorbar(im, cax=fig.add_subplot(grid[:, 2])).ax.tick_params(labelsize=6)
    rng = np.random.default_rng(0)
    keys = rng.standard_normal((24, lt.D_KEY))
    for j, name in enumerate(("linear", "dpfp1", "dpfp3")):
        f = lt.feature_map(name, keys)[0]
        f = f / np.linalg.norm(f, axis=1, keepdims=True)
        ax = fig.add_subplot(grid[:, 3 + j])
        im2 = ax.imshow(f @ f.T, cmap="magma", vmin=0, vmax=1)
        off = (f @ f.T)[~np.eye(len(f), dtype=bool)].mean()
        ax.set_title(f"{LABELS[name]}\ncosines of 24 random keys\nmean off-diagonal {off:.2f}", fontsize=8)
        ax.set_xlabel("key", fontsize=7)
        ax.tick_params(labelsize=6)
    fig.colorbar(im2, ax=ax, fraction=0.046).ax.tick_params(labelsize=6)
    fig.suptitle("DPFP (Sec. 5.4): left, R^2 -> R^4 with nu = 1, one non-zero feature per quadrant (eqs. 33-36);"
                 " right, d = 4 keys: more features, closer to orthogonal", fontsize=9)
    save_png(fig, out / "dpfp.png")


def main() -> None:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    dpfp_picture(out)
    record = recorded(__file__)
    if record is None:
        print("no results.json yet: only dpfp.png drawn")
        return
    capacity(record, out)
    if "grid" in record:
        update_rule(record, out)
        learning_curves(record, out)
    recall_lm(record, out)


if __name__ == "__main__":
    main()
