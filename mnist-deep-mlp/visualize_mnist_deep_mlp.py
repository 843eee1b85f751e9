"""Static figures for mnist-deep-mlp.

    python3 mnist-deep-mlp/visualize_mnist_deep_mlp.py   # writes viz/*.png

From results.json (the recorded runs, exactly the README's figures): test error against epoch with
and without deformations (every seed, and the mean), the final test errors per seed with their 95%
binomial intervals, paired by seed. Retrained (seed 0, the headline settings, bit for bit the
recorded seed 0; about a minute of CPU each): the first-layer weights of the deformed and the
undeformed net, and the test digits the deformed net gets wrong. Drawn afresh from the recipe: one
training digit under several deformations.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import mnist_deep_mlp as mdm
from shared.frame.figures import figure_parser, recorded, save_png

PARTS = {None: ("deep MLP, deformed (headline)", "C0", "-"), "plain": ("deep MLP, no deformations", "C3", "-"),
         "small": ("small MLP 784-100-50-10, deformed", "C2", "--"),
         "h1000-500": ("big MLP 784-1000-500-10, deformed", "C1", "-."),
         "odyssnet": ("OdyssNet core, deformed", "C4", ":")}


def parts_of(record: dict) -> dict:
    out = {}
    for key in PARTS:
        part = record if key is None else record.get(key)
        if isinstance(part, dict) and (part.get("seeds") or {}).get("per_seed"):
            out[key] = part
    return out


def draw_curves(record: dict, out: Path) -> None:
    parts = parts_of(record)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for key, part in parts.items():
        label, color, ls = PARTS[key]
        rows = part["seeds"]["per_seed"]
        epochs = rows[0]["curve"]["epoch"]
        test = np.array([r["curve"]["test_error"] for r in rows]) * 100
        train = np.array([r["curve"]["train_error"] for r in rows]) * 100
        for t in test:
            axes[0].plot(epochs, t, color=color, lw=0.5, alpha=0.35, ls=ls)
        axes[0].plot(epochs, test.mean(0), color=color, lw=2, ls=ls, label=f"{label} ({len(rows)} seeds)")
        if key in (None, "plain"):
            axes[1].plot(epochs, test.mean(0), color=color, lw=2, label=f"{label}: test")
            axes[1].plot(epochs, train.mean(0), color=color, lw=1.2, ls="--", label=f"{label}: training digits")
    nn = record.get("nn_test_error")
    for ax in axes:
        if isinstance(nn, (int, float)):
            ax.axhline(100 * nn, color="0.4", lw=1, ls="-.", label=f"1-nearest-neighbour, same digits ({100 * nn:.2f}%)")
        ax.set_xlabel("epoch")
        ax.set_yscale("log")
        ax.set_ylim(0.1, 100)
        ax.grid(alpha=0.3, which="both")
    axes[0].axhline(0.35, color="k", lw=1, ls=":", label="the paper: 0.35% (official MNIST, 12.11M weights)")
    axes[0].set_ylabel("test error on 2,000 held-out digits (%)")
    axes[0].set_title("Test error while training (thin: seeds, thick: mean)", fontsize=10)
    axes[1].set_ylabel("error (%), mean over seeds")
    axes[1].set_title("Deformations keep the training digits from being memorised\n(training error on the "
                      "undeformed training digits)", fontsize=10)
    axes[0].legend(fontsize=7, loc="upper right")
    axes[1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    save_png(fig, out / "test_error_curves.png")
    plt.close(fig)


def draw_paired(record: dict, out: Path) -> None:
    parts = parts_of(record)
    fig, ax = plt.subplots(figsize=(9.5, 4.2))
    order = [k for k in (None, "plain", "small", "h1000-500", "odyssnet") if k in parts]
    for i, key in enumerate(order):
        label, color, _ = PARTS[key]
        rows = sorted(parts[key]["seeds"]["per_seed"], key=lambda r: r["seed"])
        for j, r in enumerate(rows):
            x = i + (j - (len(rows) - 1) / 2) * 0.08
            lo, hi = r["test_error_ci95"]
            ax.errorbar([x], [100 * r["test_error"]], yerr=[[100 * (r["test_error"] - lo)], [100 * (hi - r["test_error"])]],
                        fmt="o", color=color, ms=4, capsize=2, lw=1)
        ax.plot([i - 0.3, i + 0.3], [100 * np.mean([r["test_error"] for r in rows])] * 2, color=color, lw=2)
    if None in parts and "plain" in parts:
        a = {r["seed"]: r["test_error"] for r in parts[None]["seeds"]["per_seed"]}
        b = {r["seed"]: r["test_error"] for r in parts["plain"]["seeds"]["per_seed"]}
        ia, ib = order.index(None), order.index("plain")
        for j, s in enumerate(sorted(set(a) & set(b))):
            off = (j - (len(a) - 1) / 2) * 0.08
            ax.plot([ia + off, ib + off], [100 * a[s], 100 * b[s]], color="0.6", lw=0.6, zorder=0)
    nn = record.get("nn_test_error")
    if isinstance(nn, (int, float)):
        ax.axhline(100 * nn, color="0.4", lw=1, ls="-.", label="1-nearest-neighbour on the same digits")
        ax.legend(fontsize=8, loc="upper left")
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels([PARTS[k][0].replace(", ", ",\n") for k in order], fontsize=8)
    ax.set_ylabel("final test error (%), 95% binomial CI")
    ax.set_title("Final test error per seed (grey lines pair the same seed with and without deformations)",
                 fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    save_png(fig, out / "final_errors.png")
    plt.close(fig)


def draw_sizes(record: dict, out: Path) -> bool:
    """Final test error against the number of training digits, with and without deformations."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    drawn = False
    for deformed, color, label in ((True, "C0", "deformed"), (False, "C3", "no deformations")):
        xs, means, halves = [], [], []
        for n in (2000, 4000, 8000):
            key = (None if deformed else "plain") if n == 8000 else (f"n{n}" if deformed else f"plain_n{n}")
            part = record if key is None else record.get(key)
            rows = ((part or {}).get("seeds") or {}).get("per_seed") or []
            if not rows:
                continue
            e = 100 * np.array([r["test_error"] for r in rows])
            xs.append(n)
            means.append(e.mean())
            halves.append(1.96 * e.std(ddof=1) / np.sqrt(len(e)) if len(e) > 1 else 0.0)
            ax.scatter([n] * len(e), e, color=color, s=10, alpha=0.5)
        if len(xs) > 1:
            drawn = True
            ax.errorbar(xs, means, yerr=halves, color=color, lw=2, capsize=3, label=f"{label} (mean, 95% CI)")
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xscale("log")
    ax.set_xticks([2000, 4000, 8000])
    ax.set_xticklabels(["2,000", "4,000", "8,000"])
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_yscale("log")
    ax.set_yticks([3, 4, 5, 6, 8, 10])
    ax.set_yticklabels(["3", "4", "5", "6", "8", "10"])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("training digits (the first N of MNIST-10k's 8,000)")
    ax.set_ylabel("final test error on 2,000 digits (%)")
    ax.set_title("784-300-100-10, 20 epochs: error against training-set size", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "training_set_size.png")
    plt.close(fig)
    return True


def draw_deformations(cfg: mdm.Config, digits: dict, out: Path, n_digits: int = 5, n_versions: int = 7) -> None:
    rng = np.random.default_rng(12345)
    fig, axes = plt.subplots(n_digits, n_versions + 1, figsize=(1.3 * (n_versions + 1), 1.35 * n_digits))
    for i in range(n_digits):
        image = digits["train01"][i]
        versions = mdm.deform(np.repeat(image[None], n_versions, axis=0), rng, cfg.alpha, cfg.sigma, cfg.max_rotation,
                              cfg.max_scale, cfg.max_shear)
        for j, im in enumerate([image, *versions]):
            ax = axes[i, j]
            ax.imshow(im, cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title("original" if j == 0 else f"deformed {j}", fontsize=8)
        axes[i, 0].set_ylabel(f"label {digits['y_train'][i]}", fontsize=8)
    fig.suptitle(f"One training digit per row under fresh deformations (elastic alpha {cfg.alpha:g}, sigma "
                 f"{cfg.sigma:g}; rotation +-{cfg.max_rotation:g} deg, scaling +-{cfg.max_scale:g}, horizontal "
                 f"shear +-{cfg.max_shear:g}; one bilinear resampling)", fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "deformations.png")
    plt.close(fig)


def draw_weights(nets: dict, out: Path, n: int = 48) -> None:
    fig, axes = plt.subplots(1, len(nets), figsize=(6.2 * len(nets), 5.2))
    axes = np.atleast_1d(axes)
    for ax, (name, params) in zip(axes, nets.items()):
        w = params["W0"][:, :n].T.reshape(-1, 28, 28)
        cols = 8
        rows = int(np.ceil(len(w) / cols))
        tile = np.full((rows * 29 - 1, cols * 29 - 1), np.nan)
        for k, f in enumerate(w):
            r, c = divmod(k, cols)
            tile[r * 29:r * 29 + 28, c * 29:c * 29 + 28] = f
        lim = np.nanpercentile(np.abs(tile), 99.5)      # a few large weights would wash the rest out
        im = ax.imshow(tile, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name}: first {len(w)} first-layer units' weights", fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8, label="weight from the pixel (clipped at the 99.5th pct of |w|)")
    fig.suptitle("Seed 0 after training, the same initial weights and digit order", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "first_layer_weights.png")
    plt.close(fig)


def draw_mistakes(learner, digits: dict, out: Path, n: int = 40) -> None:
    x = mdm.to_input(digits["test01"])
    pred = learner.predict(x)
    wrong = np.flatnonzero(pred != digits["y_test"])
    show = wrong[:n]
    cols = 10
    rows = max(1, int(np.ceil(len(show) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, 1.45 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for k, i in enumerate(show):
        ax = axes.ravel()[k]
        ax.imshow(digits["test01"][i], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"label {digits['y_test'][i]} -> {pred[i]}", fontsize=7)
    fig.suptitle(f"Seed 0, deformed net: {len(show)} of its {len(wrong)} wrong test digits (of "
                 f"{len(pred)}); 'label -> answer'", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "misclassified.png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    parser.add_argument("--no-retrain", action="store_true",
                        help="redraw only the figures read from results.json and the deformations")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = mdm.Config()
    if args.quick:
        cfg = replace(cfg, hidden=(64, 32), epochs=1, n_train=400)
    digits = mdm.load_digits(mdm.DEFAULT_DATA, cfg.n_train)
    if args.quick:
        digits["test01"], digits["y_test"] = digits["test01"][:200], digits["y_test"][:200]
    record = recorded(__file__) if not args.quick else None
    if record:
        draw_curves(record, out)
        draw_paired(record, out)
        draw_sizes(record, out)
    draw_deformations(cfg, digits, out)
    if args.no_retrain:
        return 0
    nets = {}
    for name, c in (("deformed", cfg), ("no deformations", replace(cfg, deform=False))):
        row = mdm.run_seed(args.seed, c, digits)
        nets[name] = row["learner"].params
        if name == "deformed":
            draw_mistakes(row["learner"], digits, out)
    draw_weights(nets, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
