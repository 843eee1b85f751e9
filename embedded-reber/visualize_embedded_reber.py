"""Static figures for embedded-reber: learning curves, predictions, the memory cells, the sweeps.

    python3 embedded-reber/visualize_embedded_reber.py          # writes embedded-reber/viz/*.png

Trains the headline network (seed 0) once, about ten seconds; the sweep figure draws the
recorded runs in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import embedded_reber as er

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
PAPER_MEAN = 8440


def headline_config(quick: bool) -> er.Config:
    config = er.SETUPS[er.HEADLINE].config
    if quick:
        config = replace(config, train_size=64, test_size=64, max_sequences=300, eval_every=50)
    return config


def train_headline(seed: int, quick: bool) -> tuple[er.Run, er.Data]:
    config = headline_config(quick)
    return er.train(config, seed, snapshot_every=config.eval_every), er.seed_data(config, seed)


def showcase(data: er.Data) -> tuple[str, str]:
    """A fixed test string of 12 to 16 symbols, and the same string with the other outer letter."""
    string = next((s for s in data.test.strings if 12 <= len(s) <= 16), data.test.strings[0])
    other = "P" if string[1] == "T" else "T"
    return string, string[0] + other + string[2:-2] + other + string[-1]


def outputs_with(model, params: dict, batch: er.Batch) -> np.ndarray:
    """The output units on ``batch`` with the parameters ``params`` (the model's own are restored)."""
    saved = model.params
    model.params = params
    try:
        return er.lstm_outputs(model, batch)
    finally:
        model.params = saved


def draw_predictions(ax, out: np.ndarray, string: str, cmap="Blues", colorbar=False):
    """Output activations (T, 7) on ``string``: legal next symbols boxed, the outer T/P column marked."""
    batch = er.encode([string])
    steps = len(string) - 1
    image = ax.imshow(out[:steps].T, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    outer = len(string) - 3
    ax.add_patch(Rectangle((outer - 0.5, -0.5), 1, er.N_SYMBOLS, facecolor="gold", alpha=0.35, edgecolor="none"))
    for t in range(steps):
        for k in np.flatnonzero(batch.legal[0, t]):
            ax.add_patch(Rectangle((t - 0.45, k - 0.45), 0.9, 0.9, fill=False, edgecolor="C3", lw=1.6))
    ax.set_xticks(range(steps), list(string[:-1]))
    ax.set_yticks(range(er.N_SYMBOLS), list(er.SYMBOLS))
    ax.set_xlabel("symbol just read")
    ax.set_ylabel("output unit (next symbol)")
    if colorbar:
        plt.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="activation")
    return image


def training_curves(run: er.Run, out: Path) -> None:
    n = np.array([p for p, _, _ in run.curve])
    fig, axes = plt.subplots(2, 1, figsize=(8.5, 6.2), sharex=True)
    for split, style in ((1, "--"), (2, "-")):
        name = "training set" if split == 1 else "test set"
        axes[0].plot(n, [c[split]["strings_correct"] for c in run.curve], style, color="C0",
                     label=f"strings fully correct, {name}")
    axes[0].set_ylabel("share of strings meeting\nthe paper's criterion")
    axes[0].set_ylim(-0.03, 1.03)
    axes[1].plot(n, [c[2]["legal_accuracy"] for c in run.curve], color="C2",
                 label="legal-symbol accuracy (most active unit legal)")
    axes[1].plot(n, [c[2]["outer_accuracy"] for c in run.curve], color="C1",
                 label="outer T/P accuracy (second-to-last prediction)")
    axes[1].set_ylabel("test set")
    axes[1].set_ylim(0.3, 1.02)
    axes[1].set_xlabel("training strings presented (online, one update each)")
    for ax in axes:
        ax.axvline(PAPER_MEAN, color="0.5", ls=":", lw=1)
        if run.solved_at:
            ax.axvline(run.solved_at, color="C3", ls="--", lw=1)
        ax.legend(loc="lower right", fontsize=8)
    axes[0].text(PAPER_MEAN, 0.5, " paper's mean: 8,440", color="0.4", fontsize=8)
    if run.solved_at:
        axes[0].text(run.solved_at, 0.1, f" solved: {run.solved_at:,} ", color="C3", fontsize=8,
                     ha="right" if run.solved_at > PAPER_MEAN else "left")
    axes[0].set_title(f"embedded-reber, seed {run.seed}: 1997 LSTM (4 blocks of 1 cell), tested every "
                      f"{run.curve[0][0] if run.curve else 0} strings", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def predictions_figure(run: er.Run, data: er.Data, out: Path) -> None:
    pair = showcase(data)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, string in zip(axes, pair):
        y = er.lstm_outputs(run.model, er.encode([string]))[0]
        draw_predictions(ax, y, string)
        outer = len(string) - 3
        ax.set_title(f"{string}: at the marked step, unit {string[-2]} = {y[outer, er.CODE[string[-2]]]:.2f}",
                     fontsize=9)
    fig.suptitle(f"Output units of the trained network (seed {run.seed}, after {run.presented:,} strings); "
                 f"red boxes: legal next symbols; gold: the step that must recall the outer letter", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "predictions.png")


def cells_figure(run: er.Run, data: er.Data, out: Path) -> None:
    """Cell states and gates on the showcase string and its twin with the other outer letter."""
    pair = showcase(data)
    model = run.model
    batch = er.encode(list(pair))
    model.forward(batch.x)
    cache = model.cache
    states, gates_in, gates_out = cache["cs"][1:], cache["gates"]["input"], cache["gates"]["output"]
    steps = len(pair[0]) - 1
    fig, axes = plt.subplots(3, 1, figsize=(9, 7.2), sharex=True)
    for b, style in ((0, "-"), (1, "--")):
        for k in range(model.hidden_size):
            axes[0].plot(range(steps), states[:steps, b, k], style, color=f"C{k}",
                         label=f"cell {k + 1}" if b == 0 else None)
        for k in range(model.blocks):
            axes[1].plot(range(steps), gates_in[:steps, b, k], style, color=f"C{k}")
            axes[2].plot(range(steps), gates_out[:steps, b, k], style, color=f"C{k}")
    axes[0].set_ylabel("cell state c")
    axes[1].set_ylabel("input gate")
    axes[2].set_ylabel("output gate")
    axes[0].legend(fontsize=8, ncol=4, loc="upper left")
    for ax in axes:
        ax.axvspan(steps - 2.5, steps - 1.5, color="gold", alpha=0.35)
    axes[2].set_xticks(range(steps), [f"{a}/{b}" if a != b else a for a, b in zip(pair[0][:-1], pair[1][:-1])])
    axes[2].set_xlabel(f"symbol just read (solid: {pair[0]}, dashed: {pair[1]})")
    fig.suptitle(f"Inside the trained network (seed {run.seed}): the two strings differ only in the outer letter",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "cells.png")


def sweep_figure(record: dict, out: Path) -> None:
    """Strings to solve per seed for every recorded setup, failures at the cap."""
    runs = [("headline: " + record["tables"][0]["rows"][0][0], record)]
    growth_only = {key for key, _ in GROWTH_SECTIONS if key != "odyssnet"} | {"odyssnet-pruned"}
    runs += [(section["tables"][0]["rows"][0][0], section) for key, section in record.items()
             if isinstance(section, dict) and "command" in section and section.get("seeds")
             and key not in growth_only]                  # those have their own figure
    runs = [(name, rec) for name, rec in runs if rec.get("seeds")]
    if not runs:
        return
    fig, ax = plt.subplots(figsize=(10, 0.62 * len(runs) + 2.2))
    cap = er.Config.max_sequences                      # every recorded sweep used the default cap
    for i, (name, rec) in enumerate(runs):
        rows = rec["seeds"]["per_seed"]
        solved = [r["sequences"] for r in rows if r["solved"]]
        failed = sum(not r["solved"] for r in rows)
        jitter = np.linspace(-0.18, 0.18, len(rows))[: len(solved)]
        ax.plot(solved, i + jitter, "o", color="C0", ms=5)
        if solved:
            ax.plot([np.mean(solved)] * 2, [i - 0.3, i + 0.3], color="C0", lw=2)
        if failed:
            ax.plot([cap * 1.03] * failed, i + np.linspace(-0.18, 0.18, failed), "x", color="C3", ms=6)
        ax.text(cap * 1.08, i, f"{len(solved)}/{len(rows)}", va="center", fontsize=8)
    ax.axvline(PAPER_MEAN, color="0.4", ls=":", label="paper's mean (4 x 1): 8,440")
    ax.axvspan(PAPER_MEAN / er.WITHIN, PAPER_MEAN * er.WITHIN, color="0.5", alpha=0.08,
               label="within 1.5x of 8,440")
    ax.set_yticks(range(len(runs)), [name for name, _ in runs], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, cap * 1.14)
    ax.set_xlabel(f"training strings until the criterion holds (dots: seeds; bar: mean;\n"
                  f"x: not solved by {cap:,}; right: seeds solved)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    ax.set_title("Recorded sweeps (results.json)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "sweep.png")


GROWTH_SECTIONS = [("odyssnet-20", "20, fixed"), ("odyssnet-20-grown-to-32", "20, grown to 32"),
                   ("odyssnet-20-grown-to-40", "20, grown to 40"), ("odyssnet-24", "24, fixed"), ("odyssnet-24-grown-to-32", "24, grown to 32"),
                   ("odyssnet", "32, fixed")]


def growth_pruning_figure(record: dict, out: Path) -> None:
    """The OdyssNet core grown under DNO's policy against fixed sizes; the pruned core's accuracy."""
    runs = [(label, record[key]) for key, label in GROWTH_SECTIONS if key in record and record[key].get("seeds")]
    pruned = record.get("odyssnet-pruned")
    if not runs or not pruned:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    cap = er.Config.max_sequences
    for i, (label, section) in enumerate(runs):
        rows = section["seeds"]["per_seed"]
        solved = [r["sequences"] for r in rows if r["solved"]]
        color = "C2" if "grown" in label else "C0"
        left.plot(solved, i + np.linspace(-0.15, 0.15, len(rows))[: len(solved)], "o", color=color, ms=5)
        if solved:
            left.plot([np.mean(solved)] * 2, [i - 0.3, i + 0.3], color=color, lw=2)
        failed = len(rows) - len(solved)
        if failed:
            left.plot([cap * 1.03] * failed, i + np.linspace(-0.15, 0.15, failed), "x", color="C3", ms=6)
        left.text(cap * 1.08, i, f"{len(solved)}/{len(rows)}", va="center", fontsize=8)
    left.set_yticks(range(len(runs)), [label for label, _ in runs], fontsize=9)
    left.set_ylabel("neurons")
    left.invert_yaxis()
    left.set_xlim(0, cap * 1.2)
    left.set_xlabel(f"training strings until the criterion holds\n(x: not by {cap:,}; right: seeds solved)")
    left.set_title("Growth: starting too small, growing under DNO's policy", fontsize=10)

    accuracy = pruned["tables"][-2]
    columns = accuracy["columns"]
    column = lambda name: [row[columns.index(name)] for row in accuracy["rows"]]  # noqa: E731
    sparsity = column("sparsity")
    for name, style in (("test strings correct", "C0-"), ("fresh outer T/P acc.", "C1--")):
        right.plot(sparsity, column(name), style, marker="o", ms=4, label=f"{name} (after regaining)")
    right.text(0.42, 0.33, "criterion holds again in\n(extra updates needed):", fontsize=8)
    for k, (x, regained, extra) in enumerate(zip(sparsity, column("criterion regained"),
                                                 column("mean extra updates to regain"))):
        note = regained + (f"\n(+{extra:.0f})" if extra is not None else "")
        right.annotate(note, (x, 0.06 + 0.13 * (k % 2)), ha="center", fontsize=8)
    right.set_xlabel("share of W's synapses pruned for good")
    right.set_ylabel("share of test strings / accuracy")
    right.set_xlim(0.4, 1.0)
    right.set_ylim(-0.03, 1.05)
    right.legend(fontsize=8, loc="center left")
    solved = column("criterion regained")[0].split("/")[1]
    right.set_title(f"Pruning the {solved} trained 32-neuron cores that had solved it (means)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "growth_pruning.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    run, data = train_headline(args.seed, args.quick)
    training_curves(run, out)
    predictions_figure(run, data, out)
    cells_figure(run, data, out)
    path = HERE / "results.json"
    if path.exists():
        sweep_figure(json.loads(path.read_text()), out)
        growth_pruning_figure(json.loads(path.read_text()), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
