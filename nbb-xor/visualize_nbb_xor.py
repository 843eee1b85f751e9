"""Static figures for nbb-xor: training curves, weights, per-pattern firing, the seed sweep, the readings.

    python3 nbb-xor/visualize_nbb_xor.py            # writes nbb-xor/viz/*.png

Trains the headline seed once (seconds); the sweep and readings figures draw the recorded
run in results.json, so they show exactly the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import nbb_xor as nbb
from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
UNIT_NAMES = ["on", "x1", "x2", "h1", "h2", "h3", "y=0", "y=1"]


def train_headline(seed: int, quick: bool):
    setting = nbb.Setting()
    cap = 120 if quick else setting.max_presentations
    return nbb.train([seed], nbb.ARCHITECTURES["one-subset"], setting.rule, cap, setting.order,
                     stable_window=30 if quick else setting.stable_window, snapshot_every=1)


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    width = max(1, min(width, len(values)))
    return np.convolve(values, np.ones(width) / width, mode="valid")


def training_curves(run, out: Path) -> None:
    correct = run.correct[:, 0]                                    # (P, 4)
    n = np.arange(1, len(correct) + 1)
    first = run.solved_at[0]
    fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1.2, 1.2]})
    width = 100
    axes[0].plot(n, correct.sum(axis=1), lw=0.3, color="0.75", label="after each presentation")
    axes[0].plot(n[width - 1:], smooth(correct.sum(axis=1), width), color="C0", label=f"mean of last {width}")
    axes[0].set_ylabel("patterns right\n(frozen network)")
    axes[0].set_ylim(-0.2, 4.2)
    axes[0].set_yticks(range(5))
    if first > 0:
        for ax in axes:
            ax.axvline(first, color="C3", ls="--", lw=1)
        axes[0].text(first, 0.15, f" first solution: {first}", color="C3")
    axes[0].legend(loc="upper left", fontsize=8)
    axes[0].set_title(f"nbb-xor, seed {run.seeds[0]}: the frozen network after each training presentation")
    axes[1].imshow(correct.T, aspect="auto", interpolation="nearest", cmap="RdYlGn", vmin=0, vmax=1,
                   extent=(0.5, len(correct) + 0.5, 3.5, -0.5))
    axes[1].set_yticks(range(4), nbb.PATTERN_NAMES)
    axes[1].set_ylabel("pattern right?\n(green = yes)")
    axes[2].semilogy(n, run.substance[:, 0], color="C2")
    axes[2].set_ylabel("total weight\nsubstance")
    axes[2].set_xlabel("pattern presentations")
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def weights_figure(run, out: Path) -> None:
    """Input -> hidden substance, and how strongly each hidden unit prefers one output."""
    arch = nbb.ARCHITECTURES["one-subset"]
    first = run.solved_at[0]
    moments = [(0, "initial"), (first, f"first solution ({first})"), (run.presentations, f"end ({run.presentations})")]
    if first <= 0:
        moments = [moments[0], moments[2]]
    snapshots = dict(run.snapshots)
    fig, axes = plt.subplots(2, len(moments), figsize=(3.4 * len(moments), 5.6))
    for col, (p, name) in enumerate(moments):
        w = snapshots[p][0]
        block = w[: arch.n_inputs, arch.hidden]
        relative = block / block.max()            # substance shrinks over training: show shares of the largest
        ax = axes[0, col]
        ax.imshow(relative, cmap="viridis", vmin=relative.min(), vmax=1)
        ax.set_xticks(range(3), UNIT_NAMES[3:6])
        ax.set_yticks(range(3), UNIT_NAMES[:3])
        for (i, j), v in np.ndenumerate(block):
            bright = (relative[i, j] - relative.min()) / max(1e-12, 1 - relative.min()) > 0.5
            ax.text(j, i, f"{v:.4g}", ha="center", va="center", fontsize=7, color="black" if bright else "white")
        ax.set_title(f"{name}\ninput -> hidden (colour: share of largest)", fontsize=9)
        ho = w[arch.hidden, arch.outputs]
        margin = (ho[:, 1] - ho[:, 0]) / ho.sum(axis=1)  # > 0: the hidden unit sends its signal to y=1
        ax = axes[1, col]
        ax.barh(range(3), margin, color=["C1" if m > 0 else "C0" for m in margin])
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(range(3), UNIT_NAMES[3:6])
        ax.invert_yaxis()
        limit = max(1e-6, np.abs(margin).max()) * 1.6
        ax.set_xlim(-limit, limit)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
        for k, m in enumerate(margin):
            ax.text(m, k, f" {m:+.1e} ", va="center", ha="left" if m > 0 else "right", fontsize=7)
        ax.set_title("hidden -> output: (w[y=1] - w[y=0]) / sum\n(> 0 routes to y=1)", fontsize=9)
    fig.suptitle(f"Weights of seed {run.seeds[0]}: the routing hangs on margins of a fraction of a percent")
    fig.tight_layout()
    save_png(fig, out / "weights.png")


def firing_figure(run, out: Path) -> None:
    arch = nbb.ARCHITECTURES["one-subset"]
    first = run.solved_at[0]
    p = first if first > 0 else run.presentations
    weights = dict(run.snapshots)[p]
    activity = nbb.frozen_activity(weights, arch, nbb.Rule())[0]   # (4, ticks + 1, N)
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.4), sharey=True)
    for k, ax in enumerate(axes):
        ax.imshow(activity[k].T, cmap="Greys", vmin=0, vmax=1.4, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(activity.shape[1]))
        ax.set_xlabel("tick")
        answer = nbb.output_winner(activity[k, -1], arch)
        right = answer == nbb.TARGETS[k]
        ax.set_title(f"input {nbb.PATTERN_NAMES[k]}: target y={nbb.TARGETS[k]}\nanswer y={answer} "
                     f"({'right' if right else 'wrong'})", color="C2" if right else "C3", fontsize=9)
        for boundary in (2.5, 5.5):
            ax.axhline(boundary, color="C0", lw=0.8)
    axes[0].set_yticks(range(arch.n_units), UNIT_NAMES)
    fig.suptitle(f"Which units fire, tick by tick, in the frozen network at presentation {p} (black = fires)")
    fig.tight_layout()
    save_png(fig, out / "firing.png")


def sweep_figure(record: dict, out: Path) -> None:
    rows = [r for r in record["seeds"]["per_seed"] if r["solved"]]
    seeds = [r["seed"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes[0].bar(seeds, [r["per_pattern"] for r in rows], color="C0", label="ours: presentations per pattern")
    axes[0].plot(seeds, [r["presentations"] for r in rows], "o", color="C1", ms=4, label="ours: presentations in all")
    axes[0].axhline(619, color="C3", ls="--", label="paper: 619")
    axes[0].axhspan(619 / nbb.WITHIN, 619 * nbb.WITHIN, color="C3", alpha=0.08, label="within 1.5x of 619")
    axes[0].set_xlabel("seed")
    axes[0].set_ylabel("presentations to first solution")
    axes[0].set_ylim(0, max(r["presentations"] for r in rows) * 1.45)
    axes[0].legend(fontsize=7, loc="upper center", ncol=2)
    for ax in axes:
        ax.set_xticks(seeds, [str(s) for s in seeds], fontsize=7)
    axes[1].bar(seeds, [r["held_after"] for r in rows], color="C2")
    axes[1].set_ylim(0, 1)
    axes[1].set_xlabel("seed")
    axes[1].set_ylabel(f"share of the next {nbb.Setting.stable_window} presentations\nat which XOR is still solved")
    fig.suptitle("Seed sweep (recorded run): solutions are found, but they do not last")
    fig.tight_layout()
    save_png(fig, out / "sweep.png")


def readings_figure(record: dict, out: Path) -> None:
    table = next(t for t in record["tables"] if t["title"].startswith("Readings of the paper"))
    cols = table["columns"]
    names = [r[0] for r in table["rows"]]
    per = [r[cols.index("mean per pattern")] for r in table["rows"]]
    total = [r[cols.index("mean presentations")] for r in table["rows"]]
    held = [r[cols.index(nbb.HELD)] for r in table["rows"]]
    y = np.arange(len(names))
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.45 * len(names) + 1.6), sharey=True,
                             gridspec_kw={"width_ratios": [2, 1]})
    axes[0].barh(y - 0.2, [t or 0 for t in total], height=0.4, color="C1", label="presentations in all")
    axes[0].barh(y + 0.2, [p or 0 for p in per], height=0.4, color="C0", label="per pattern")
    axes[0].axvline(619, color="C3", ls="--", label="paper: 619")
    axes[0].axvspan(619 / nbb.WITHIN, 619 * nbb.WITHIN, color="C3", alpha=0.08)
    axes[0].set_yticks(y, names, fontsize=8)
    axes[0].invert_yaxis()
    axes[0].set_xlabel("mean presentations to first solution (solved seeds)")
    axes[0].legend(fontsize=7, loc="lower right")
    axes[1].barh(y, [h or 0 for h in held], color="C2")
    axes[1].set_xlim(0, 1)
    axes[1].set_xlabel(f"share of the next {nbb.Setting.stable_window}\npresentations still solved")
    fig.suptitle("Readings of the paper (recorded run)")
    fig.tight_layout()
    save_png(fig, out / "readings.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    run = train_headline(args.seed, args.quick)
    training_curves(run, out)
    weights_figure(run, out)
    firing_figure(run, out)
    record = json.loads((HERE / "results.json").read_text())
    if record["seeds"]:
        sweep_figure(record, out)
    if any(t["title"].startswith("Readings of the paper") for t in record["tables"]):
        readings_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
