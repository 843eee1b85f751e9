"""Static figures for adding-problem: cell states, gates, predictions, training curves, sequences to solve.

    python3 adding-problem/visualize_adding_problem.py          # writes adding-problem/viz/*.png (about 2 min)

Trains seed 0 at T = 100 with the 1997 cell, the forget-gate cell and the RNN (the recorded
configuration, so the curves are those of the recorded runs' seed 0); the figure of sequences
to solve draws the recorded results.json, so it shows the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import adding_problem as ap
from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
COLORS = {"lstm": "C0", "forget": "C2", "forget_bias3": "C8", "rnn": "C3", "odyssnet": "C4"}
LABELS = {"lstm": "1997 LSTM", "forget": "forget-gate LSTM, forget bias 1", "forget_bias3":
          "forget-gate LSTM, forget bias 3", "rnn": "tanh RNN, 8 units", "odyssnet": "OdyssNet core, 8 neurons"}


def headline_config(quick: bool, model: str = "lstm") -> ap.Config:
    """The recorded configuration of a T = 100 run ('forget_bias3': the forget-gate cell with bias 3)."""
    config = replace(ap.Config(), model=model)
    if model == "forget_bias3":
        config = replace(config, model="forget", forget_bias=3.0)
    if quick:
        config = replace(config, T=30, max_sequences=1600, check_every=10, fresh=256, monitor=256)
    return config


def trace(run: ap.Run, index: int) -> dict:
    """Run the trained LSTM over one held-out sequence and keep what is inside."""
    one = run.test.subset(slice(index, index + 1))
    model = run.learner.model
    out = model.forward(one.x, lengths=one.lengths)
    n = int(one.lengths[0])
    cache = model.cache
    return {"x": one.x[0, :n], "marked": one.marked[0], "target": float(one.target[0, 0]), "output": float(out[0, 0]),
            "cells": cache["cs"][1:n + 1, 0], "input": cache["gates"]["input"][:n, 0],
            "output_gate": cache["gates"]["output"][:n, 0], "n": n}


def pick_sequence(run: ap.Run) -> int:
    """A held-out sequence whose X1 is large, marked early, with X2 far from it: easy to read."""
    x1 = run.test.x[np.arange(len(run.test)), run.test.marked[:, 0], 0]
    x2 = run.test.x[np.arange(len(run.test)), run.test.marked[:, 1], 0]
    score = np.abs(x1) + 0.5 * np.abs(x2) * (np.sign(x2) != np.sign(x1)) + 0.02 * (run.test.marked[:, 1]
                                                                                   - run.test.marked[:, 0])
    score[run.test.marked[:, 0] == 0] = -np.inf
    return int(np.argmax(score))


def draw_inputs(ax, t: dict) -> None:
    steps = np.arange(t["n"])
    values, markers = t["x"][:, 0], t["x"][:, 1]
    ax.bar(steps, values, width=0.8, color="0.75", label="value")
    for k, name in enumerate(("X1", "X2")):
        p = t["marked"][k]
        ax.bar([p], [values[p]], width=1.6, color="C1")
        ax.annotate(f"{name} = {values[p]:+.2f}", (p, values[p]), xytext=(p + 1, 1.2 if values[p] >= 0 else -1.3),
                    fontsize=8, color="C1", va="center")
    ends = np.nonzero(markers == -1)[0]
    ax.scatter(ends, np.zeros_like(ends), marker="v", color="k", s=30, zorder=3, label="marker -1")
    ax.set_ylim(-1.5, 1.5)
    ax.set_ylabel("input value")
    ax.legend(loc="lower right", fontsize=7, ncol=2)


def mark_lines(ax, t: dict) -> None:
    for p in t["marked"]:
        ax.axvline(p, color="C1", lw=0.8, ls=":")
    ax.axvline(t["n"] - 1, color="k", lw=0.8, ls=":")


def cell_state_figure(run: ap.Run, out: Path) -> None:
    t = trace(run, pick_sequence(run))
    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": [1.1, 1.6, 1]})
    draw_inputs(axes[0], t)
    axes[0].set_title(f"adding problem, T = {run.config.T}, seed {run.seed}: a held-out sequence "
                      f"(target {t['target']:.3f}, network {t['output']:.3f})", fontsize=10)
    for k in range(t["cells"].shape[1]):
        axes[1].plot(t["cells"][:, k], lw=1.4, label=f"cell {k + 1} (block {k // 2 + 1})")
    axes[1].set_ylabel("cell state c_t")
    axes[1].legend(fontsize=7, ncol=4, loc="upper center")
    mark_lines(axes[1], t)
    params = run.learner.model.params
    squashed = 2.0 / (1.0 + np.exp(-t["cells"])) - 1.0                  # h = 2 sigma(c) - 1
    hidden = squashed * t["output_gate"].repeat(run.learner.model.block_size, axis=1)
    axes[2].plot(hidden @ params["V"][:, 0] + params["c"][0], color="C0", lw=1.4,
                 label="read-out of the cells at each step")
    axes[2].axhline(t["target"], color="C1", ls="--", lw=1, label="target at the end")
    axes[2].axhline(0.5 + t["x"][t["marked"][0], 0] / 4, color="0.5", ls=":", lw=1, label="0.5 + X1/4")
    mark_lines(axes[2], t)
    axes[2].set_ylabel("output")
    axes[2].set_xlabel("time step")
    axes[2].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    save_png(fig, out / "cell_state.png")


def gates_figure(run: ap.Run, out: Path) -> None:
    order = np.argsort(run.test.marked[:, 1])
    picks = [order[len(order) // 6], order[len(order) // 2], order[-len(order) // 8]]
    fig, axes = plt.subplots(len(picks), 1, figsize=(9, 7), sharex=True)
    for ax, index in zip(axes, picks):
        t = trace(run, int(index))
        for b in range(t["input"].shape[1]):
            ax.plot(t["input"][:, b], color=f"C{b}", lw=1.3, label=f"input gate, block {b + 1}")
            ax.plot(t["output_gate"][:, b], color=f"C{b}", lw=1.0, ls="--", label=f"output gate, block {b + 1}")
        markers = t["x"][:, 1]
        ax.scatter(np.nonzero(markers == 1)[0], np.full(2, 0.95), marker="v", color="C1", s=30, label="marker 1")
        ax.scatter(np.nonzero(markers == -1)[0], np.full((markers == -1).sum(), 0.95), marker="v", color="k", s=20,
                   label="marker -1")
        ax.set_ylim(-0.05, 1.5)
        ax.set_ylabel("activation")
        ax.set_title(f"held-out sequence {index}: X1 at step {t['marked'][0]}, X2 at step {t['marked'][1]}, "
                     f"length {t['n']}", fontsize=9)
    axes[0].legend(fontsize=7, ncol=3, loc="upper center")
    axes[-1].set_xlabel("time step")
    fig.suptitle(f"Gates of the trained 1997 LSTM (T = {run.config.T}, seed {run.seed})", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "gates.png")


def scatter_figure(runs: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, len(runs) + 1, figsize=(4.2 * (len(runs) + 1), 4.2), squeeze=False)
    for ax, (name, run) in zip(axes[0], runs.items()):
        target = run.test.target[:, 0]
        pred = target + run.test_errors
        wrong = np.abs(run.test_errors) >= ap.THRESHOLD
        ax.fill_between([0, 1], [-ap.THRESHOLD, 1 - ap.THRESHOLD], [ap.THRESHOLD, 1 + ap.THRESHOLD], color="C2",
                        alpha=0.15, lw=0, label="|error| < 0.04")
        ax.scatter(target[~wrong], pred[~wrong], s=3, color=COLORS[name], alpha=0.6, label="correct")
        ax.scatter(target[wrong], pred[wrong], s=3, color="k", alpha=0.6, label="wrong")
        ax.plot([0, 1], [0, 1], color="0.3", lw=0.6)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.1, 1.1)
        ax.set_xlabel("target 0.5 + (X1 + X2) / 4")
        ax.set_title(f"{LABELS[name]}, seed {run.seed}:\n{int(wrong.sum())} of {len(wrong)} held-out sequences "
                     f"wrong, MSE {ap.format_value(float(np.mean(run.test_errors ** 2)))}", fontsize=9)
        ax.legend(fontsize=7, loc="upper left", markerscale=3)
    axes[0, 0].set_ylabel("network output at the sequence end")
    ax = axes[0, -1]                                   # where the headline net's errors are largest
    run = runs["lstm"]
    target = run.test.target[:, 0]
    ax.scatter(target, np.abs(run.test_errors), s=3, color=COLORS["lstm"], alpha=0.6)
    ax.axhline(ap.THRESHOLD, color="k", ls="--", lw=0.8, label="0.04: the paper's bound")
    ax.set_yscale("log")
    ax.set_ylim(1e-6, 0.2)
    ax.set_xlabel("target")
    ax.set_ylabel("|error| at the sequence end")
    ax.set_title(f"{LABELS['lstm']}, seed {run.seed}:\n|error| against the target", fontsize=9)
    ax.legend(fontsize=7, loc="lower center")
    fig.tight_layout()
    save_png(fig, out / "scatter.png")


def curves_figure(runs: dict, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(8.5, 6))
    refs = ap.reference_points()
    for name, run in runs.items():
        c = run.curve
        met = f" (stopping rule met at {run.solved_at:,}, dotted)" if run.solved else " (rule never met)"
        ax.semilogy(c[:, 0], c[:, 2], color=COLORS[name], lw=1.4, label=f"{LABELS[name]}: test MSE{met}")
        ax.semilogy(c[:, 0], c[:, 1], color=COLORS[name], lw=0.6, alpha=0.5)
        if run.solved:
            ax.axvline(run.solved_at, color=COLORS[name], ls=":", lw=1)
    if run.config.T in ap.PAPER_SEQUENCES:
        ax.axvline(ap.PAPER_SEQUENCES[run.config.T], color="k", lw=1.2, label="paper: about 74,000 sequences")
    ax.axhline(refs["constant 0.5 (the target's variance, (2/3)/16)"], color="0.5", ls="--", lw=0.8,
               label="constant output 0.5")
    ax.axhline(ap.TRAIN_ERROR, color="0.5", ls="-.", lw=0.8, label="training error bound 0.01")
    ax.axhline(refs["Gaussian errors, 1 of 2560 beyond 0.04"], color="C1", ls="--", lw=0.8,
               label="MSE of Gaussian errors with 1 of 2560 beyond 0.04")
    ax.set_xlabel("training sequences")
    ax.set_ylabel("MSE at the sequence end ([0, 1] scale)")
    ax.set_title(f"T = {run.config.T}, seed {run.seed}: test MSE on 512 held-out sequences at every check "
                 f"(thin: training MSE)", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def sequences_figure(record: dict | None, out: Path) -> None:
    """The recorded sweeps: sequences to solve per seed at T = 100, and against T."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3), gridspec_kw={"width_ratios": [1.2, 1]})
    if record is None:
        for ax in axes:
            ax.text(0.5, 0.5, "no results.json recorded yet", ha="center", va="center")
        save_png(fig, out / "sequences_to_solve.png")
        return
    ax = axes[0]
    groups = [("lstm", record), ("forget", record.get("forget")), ("forget_bias3", record.get("forget_bias3")),
              ("odyssnet", record.get("odyssnet"))]
    width = 0.2
    for k, (name, rec) in enumerate(groups):
        if not rec or not rec.get("seeds"):
            continue
        rows = rec["seeds"]["per_seed"]
        seeds = np.array([r["seed"] for r in rows])
        heights = [r["sequences"] if r["solved"] else r["seen"] for r in rows]
        bars = ax.bar(seeds + (k - 1.5) * width, heights, width=width, color=COLORS[name], label=LABELS[name])
        for bar, r in zip(bars, rows):
            if not r["solved"]:
                bar.set_hatch("//")
                bar.set_alpha(0.45)
    ax.axhline(ap.PAPER_SEQUENCES[100], color="k", lw=1.2, label="paper: about 74,000")
    ax.set_xlabel("seed")
    ax.set_ylabel("training sequences until the stopping rule held")
    ax.set_title("T = 100 (hatched: not solved, bar = budget)", fontsize=10)
    ax.set_ylim(0, 2.1e5)
    ax.legend(fontsize=7, ncol=2, loc="upper center")
    ax = axes[1]
    paper_t = sorted(ap.PAPER_SEQUENCES)
    ax.loglog(paper_t, [ap.PAPER_SEQUENCES[t] for t in paper_t], "ks-", label="paper (about)")
    points = [(100, record)] + [(t, record.get(f"lstm_T{t}")) for t in (500, 1000)]
    for t, rec in points:
        if not rec:
            continue
        rows = rec["seeds"]["per_seed"] if rec.get("seeds") else None
        if rows is None:
            head = rec["headline"]
            rows = [{"solved": head["solved"], "sequences": head["sequences_to_solve"],
                     "left_plateau": head.get("sequences_to_test_mse_below_0.01"), "seen": head.get("sequences_seen")}]
        for r in rows:
            if r["solved"]:
                ax.scatter([t], [r["sequences"]], color="C0", s=25, zorder=3)
            elif r.get("seen"):
                ax.scatter([t], [r["seen"]], color="C0", marker="^", facecolors="none", s=40, zorder=3)
            if r.get("left_plateau"):
                ax.scatter([t], [r["left_plateau"]], color="C9", marker="x", s=30, zorder=3)
    ax.scatter([], [], color="C0", s=25, label="ours: stopping rule met")
    ax.scatter([], [], color="C0", marker="^", facecolors="none", s=40, label="ours: not met (budget, a lower bound)")
    ax.scatter([], [], color="C9", marker="x", s=30, label="ours: test MSE first below 0.01")
    ax.set_xlabel("minimal sequence length T")
    ax.set_ylabel("training sequences")
    ax.set_xticks(paper_t, [str(t) for t in paper_t])
    ax.set_title("growth with the time lag", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "sequences_to_solve.png")


def load_record() -> dict | None:
    path = HERE / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = {name: ap.train(headline_config(args.quick, name), args.seed)
            for name in ("lstm", "forget", "forget_bias3", "rnn")}
    cell_state_figure(runs["lstm"], out)
    gates_figure(runs["lstm"], out)
    scatter_figure({k: runs[k] for k in ("lstm", "rnn")}, out)
    curves_figure(runs, out)
    sequences_figure(load_record(), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
