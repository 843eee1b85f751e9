"""Static figures for fast-weights-key-value.

    python3 fast-weights-key-value/visualize_fast_weights_key_value.py      # writes viz/*.png

Trains seed 0's slow nets (sum and delta rule) once, a few seconds, for the training curves,
the slow weights, the key geometry and the retrievals. The setup, capacity and OdyssNet
figures draw the recorded run in results.json, so they show the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import fast_weights_key_value as fw
from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
RULE_COLOURS = {"sum": "C0", "delta": "C1"}


def train_headline(seed: int, quick: bool) -> dict:
    """Seed's slow nets for both rules at N = 5: initial and final weights and the training curves."""
    task = fw.Task()
    recipe = fw.Recipe(steps=60 if quick else fw.Recipe.steps)
    out = {"task": task, "test": fw.test_set(task), "recipe": recipe}
    for rule in ("sum", "delta"):
        model = fw.Model(rule)
        params, curve, snaps = fw.train(seed, task, model, recipe, snapshot_at=[0])
        out[rule] = {"model": model, "before": snaps[0], "after": params, "curve": curve}
    return out


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    width = max(1, min(width, len(values)))
    return np.convolve(values, np.ones(width) / width, mode="valid")


def training_curves(run: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    width = 50
    for rule in ("sum", "delta"):
        curve = run[rule]["curve"]
        steps = curve[:, 0] + 1
        c = RULE_COLOURS[rule]
        axes[0].plot(steps, curve[:, 1], color=c, alpha=0.25, lw=0.6)
        axes[0].plot(steps[width - 1:], smooth(curve[:, 1], width), color=c, label=f"{rule} rule")
        axes[1].plot(steps, curve[:, 2], color=c, alpha=0.25, lw=0.6)
        axes[1].plot(steps[width - 1:], smooth(curve[:, 2], width), color=c, label=f"{rule} rule")
    for value, name in ((fw.PAPER["cosine_untrained"], "published untrained"),
                        (fw.PAPER["cosine_trained"], "published trained")):
        axes[1].axhline(value, color="0.4", ls="--", lw=0.8)
        axes[1].text(len(run["sum"]["curve"]), value, f" {name} {value}", va="bottom", ha="right", fontsize=7)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("loss 0.5 ||y - v||^2 (batch mean)")
    axes[1].set_ylabel("mean cosine(y, v) in the batch")
    for ax in axes:
        ax.set_xlabel("training step (32 fresh episodes each)")
        ax.legend(fontsize=8)
    fig.suptitle(f"Training the slow net, N = {run['task'].n_pairs} pairs (light: every step; dark: mean of {width})")
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def slow_weights(run: dict, out: Path) -> None:
    """The three slow maps before and after training (sum rule)."""
    d = run["task"].d_key
    names = ["W_K", "W_V", "W_Q"]
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.4))
    for row, moment in enumerate(("before", "after")):
        params = run["sum"][moment]
        for col, name in enumerate(names):
            w = params[name]
            limit = np.abs(w).max()
            ax = axes[row, col]
            im = ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.axvline(d - 0.5, color="k", lw=0.8)
            ax.set_title(f"{name} {moment} training", fontsize=9)
            ax.set_xticks([d / 2 - 0.5, d + d / 2 - 0.5], ["raw key part", "raw value part"], fontsize=8)
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, fraction=0.04)
    fig.suptitle("Slow weights of seed 0 (sum rule): rows = fast key / value / query units, columns = slow-net input")
    fig.tight_layout()
    save_png(fig, out / "slow_weights.png")


def key_geometry(run: dict, out: Path) -> None:
    """Cosines between the keys of one test episode and the query, before and after training;
    and how much of the bias direction survives in the trained key map."""
    test = run["test"]
    one = {k: v[:1] for k, v in test.items()}
    b = fw.bias_direction(run["task"].d_key)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1, 1, 1.2]})
    for ax, moment in zip(axes[:2], ("before", "after")):
        p = run["sum"][moment]
        k = one["x"][0] @ p["W_K"].T
        k = k / np.linalg.norm(k, axis=1, keepdims=True)
        im = ax.imshow(k @ k.T, cmap="RdBu_r", vmin=-1, vmax=1)
        for (i, j), v in np.ndenumerate(k @ k.T):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7)
        ax.set_title(f"cosines of the 5 fast keys W_K x_t,\n{moment} training (one test episode)", fontsize=9)
        ax.set_xticks(range(5))
        ax.set_yticks(range(5))
    fig.colorbar(im, ax=axes[1], fraction=0.045)
    gains = []
    for moment in ("before", "after"):
        wk = run["sum"][moment]["W_K"][:, : run["task"].d_key]
        gains.append([np.linalg.norm(wk @ b), np.median(np.linalg.svd(wk, compute_uv=False))])
    x = np.arange(2)
    axes[2].bar(x - 0.18, [g[0] for g in gains], 0.36, label="|W_K b|: gain on the shared bias direction")
    axes[2].bar(x + 0.18, [g[1] for g in gains], 0.36, label="median singular value of W_K (key part)")
    axes[2].set_xticks(x, ["before", "after"])
    axes[2].legend(fontsize=7)
    axes[2].set_title("what the key map learned: suppress b", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "key_geometry.png")


def retrievals(run: dict, out: Path) -> None:
    """Distribution of retrieval cosines on the test set; one episode's retrieval."""
    test = run["test"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.3, 1]})
    bins = np.linspace(-1, 1, 41)
    for label, rule, moment, colour in (("untrained pass-through", "sum", "before", "0.6"),
                                        ("sum rule, trained", "sum", "after", "C0"),
                                        ("delta rule, trained", "delta", "after", "C1")):
        y, _ = fw.forward(run[rule][moment], test, run[rule]["model"])
        cos = fw.cosines(y, test["target"])
        axes[0].hist(cos, bins=bins, histtype="step", lw=1.6, color=colour, label=f"{label}: mean {cos.mean():.3f}")
    axes[0].set_xlabel(f"cosine(y, v) over {len(test['target'])} test episodes")
    axes[0].set_ylabel("episodes")
    axes[0].legend(fontsize=7, loc="upper left")
    one = {k: v[:1] for k, v in test.items()}
    width = 0.2
    d = np.arange(run["task"].d_val)
    axes[1].bar(d - 1.5 * width, one["target"][0], width, color="k", label="target value")
    for i, (label, rule, moment, colour) in enumerate((("untrained", "sum", "before", "0.6"),
                                                       ("sum, trained", "sum", "after", "C0"),
                                                       ("delta, trained", "delta", "after", "C1"))):
        y = fw.forward(run[rule][moment], one, run[rule]["model"])[0][0]
        cos = fw.cosines(y[None], one["target"])[0]
        axes[1].bar(d + (i - 0.5) * width, y, width, color=colour, label=f"{label} (cos {cos:.2f})")
    axes[1].set_xlabel("value component")
    axes[1].set_title("test episode 0: read-out y = W_fast q", fontsize=9)
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "retrieval.png")


def setups_figure(record: dict, out: Path) -> None:
    table = next(t for t in record["tables"] if t["title"].startswith("Retrieval cosine at N"))
    cols = table["columns"]
    rows = table["rows"]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.6))
    ax.barh(y - 0.2, [r[cols.index("cosine before")] for r in rows], 0.4, color="0.7", label="before training")
    ax.barh(y + 0.2, [r[cols.index("cosine after")] for r in rows], 0.4, color="C0", label="after training")
    for i, r in enumerate(rows):
        ax.plot([r[cols.index("min after")], r[cols.index("max after")]], [i + 0.2] * 2, color="k", lw=1.5)
    for value, name in ((fw.PAPER["cosine_untrained"], "published untrained"), (fw.PAPER["cosine_trained"],
                                                                                 "published trained")):
        ax.axvline(value, color="C3", ls="--", lw=0.8)
        ax.text(value, -0.9, name, color="C3", fontsize=7, ha="center")
    ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("mean retrieval cosine on the test episodes (black: range over seeds)")
    ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Setups at N = 5 (recorded run)")
    fig.tight_layout()
    save_png(fig, out / "setups.png")


def capacity_figure(record: dict, out: Path) -> None:
    table = next(t for t in record["tables"] if t["title"].startswith("Capacity"))
    cols = table["columns"]
    rows = np.array([[float(v) for v in r] for r in table["rows"]])
    n = rows[:, 0]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for rule in ("sum", "delta"):
        c = RULE_COLOURS[rule]
        mean, std = rows[:, cols.index(f"{rule}, trained at N")], rows[:, cols.index(f"{rule}, std over seeds")]
        ax.errorbar(n, mean, yerr=std, color=c, marker="o", ms=4, capsize=2, label=f"{rule} rule, trained at N")
        ax.plot(n, rows[:, cols.index(f"{rule}, trained at 5")], color=c, ls="--", marker="x", ms=4,
                label=f"{rule} rule, trained at N = 5 only")
    ax.plot(n, rows[:, cols.index("untrained pass-through, sum")], color="0.5", ls=":", marker=".",
            label="untrained pass-through (sum)")
    ax.plot(n, rows[:, cols.index("bias projected out (I - b b^T), sum")], color="k", ls="-.", lw=0.9,
            label="hand-set key map I - b b^T, not trained (sum)")
    d_key = fw.PAPER["d_key"]
    ax.axvline(d_key, color="0.3", lw=0.8)
    ax.text(d_key, 0.02, " N = d_key", fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_xticks(n, [str(int(v)) for v in n])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("stored pairs N")
    ax.set_ylabel("mean retrieval cosine")
    ax.legend(fontsize=7)
    ax.set_title("Capacity of the fast weight matrix (recorded run)")
    fig.tight_layout()
    save_png(fig, out / "capacity.png")


def odyssnet_figure(record: dict, out: Path) -> None:
    table = record["odyssnet"]["tables"][0]
    cols = table["columns"]
    rows = table["rows"]
    y = np.arange(len(rows))
    colours = ["C2" if r[0].startswith("OdyssNet") else "C0" for r in rows]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.6))
    ax.barh(y, [r[cols.index("cosine after")] for r in rows], color=colours)
    for i, r in enumerate(rows):
        ax.plot([r[cols.index("min after")], r[cols.index("max after")]], [i, i], color="k", lw=1.5)
        ax.text(max(r[cols.index("max after")], 0) + 0.015, i, f"{r[cols.index('cosine after')]:.3f}",
                va="center", fontsize=7)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(min(-0.05, min(r[cols.index("min after")] for r in rows) - 0.02), 1)
    ax.set_xlabel("mean retrieval cosine after training (black: range over seeds)")
    fig.suptitle("Same episodes, same budget: OdyssNet (green) against programmed fast weights (blue)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "odyssnet.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    run = train_headline(args.seed, args.quick)
    training_curves(run, out)
    slow_weights(run, out)
    key_geometry(run, out)
    retrievals(run, out)
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {"tables": []}
    if any(t["title"].startswith("Retrieval cosine at N") for t in record["tables"]):
        setups_figure(record, out)
    if any(t["title"].startswith("Capacity") for t in record["tables"]):
        capacity_figure(record, out)
    if "odyssnet" in record:
        odyssnet_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
