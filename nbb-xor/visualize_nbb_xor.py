"""Static figures for nbb-xor: training curves, weights, firing, the configurations, the readings.

    python3 nbb-xor/visualize_nbb_xor.py            # writes nbb-xor/viz/*.png

Trains the headline seed once (seconds) for the first three figures; the configurations and
readings figures draw the recorded runs in results.json, so they show exactly the figures the
README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm

import nbb_xor as nbb
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
UNIT_NAMES = ["x1", "x2", "on", "h1", "h2", "h3", "y0", "y1"]   # y0: XOR = 0, y1: XOR = 1
ARCH = nbb.ARCHITECTURES["three-hidden"]
RIGHT_WRONG = ListedColormap(["#d7301f", "#1a9850"])


def train_headline(seed: int, quick: bool):
    """Seed `seed` under the headline protocol, with a snapshot of the weights after every cycle."""
    setting = nbb.Setting(max_cycles=120 if quick else nbb.Setting.max_cycles,
                          stable_window=30 if quick else nbb.Setting.stable_window)
    return nbb.train([(seed, setting)], snapshot_every=1)


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    width = max(1, min(width, len(values)))
    return np.convolve(values, np.ones(width) / width, mode="valid")


def mark_events(ax, run, text: bool = False) -> None:
    first, stable = run.solved_at[0], run.stable_at[0]
    if first > 0:
        ax.axvline(first, color="C3", ls="--", lw=1)
        if text:
            ax.text(first, 0.3, f" first solution: {first}", color="C3", fontsize=8)
    if stable > 0:
        ax.axvline(stable, color="C4", ls=":", lw=1.2)
        if text:
            ax.text(stable, 0.3, f" stable from {stable}", color="C4", fontsize=8)


def training_curves(run, out: Path) -> None:
    correct = run.correct[:, 0]                                    # (P, 4)
    n = np.arange(1, len(correct) + 1)
    fig, axes = plt.subplots(3, 1, figsize=(8.5, 7.8), sharex=True, gridspec_kw={"height_ratios": [2, 1.2, 1.2]})
    width = 100
    axes[0].plot(n, correct.sum(axis=1), lw=0.3, color="0.75", label="frozen test after each cycle")
    axes[0].plot(n[width - 1:], smooth(correct.sum(axis=1), width), color="C0",
                 label=f"frozen test, mean of last {width}")
    axes[0].plot(n[width - 1:], 4 * smooth(run.online_right[:, 0].astype(float), width), color="C1",
                 label=f"training cycles right as they came (x4), mean of last {width}")
    axes[0].set_ylabel("patterns right")
    axes[0].set_ylim(-0.2, 4.4)
    axes[0].set_yticks(range(5))
    for ax in axes:
        mark_events(ax, run)
    mark_events(axes[0], run, text=True)
    axes[0].legend(loc="center right", fontsize=7)
    axes[0].set_title(f"nbb-xor, seed {run.networks[0][0]}: the frozen network after each training cycle")
    image = axes[1].imshow(correct.T, aspect="auto", interpolation="nearest", cmap=RIGHT_WRONG, vmin=0, vmax=1,
                           extent=(0.5, len(correct) + 0.5, 3.5, -0.5))
    bar = fig.colorbar(image, cax=axes[1].inset_axes([1.005, 0.0, 0.012, 1.0]), ticks=[0.25, 0.75])
    bar.ax.set_yticklabels(["wrong", "right"], fontsize=7)
    axes[1].set_yticks(range(4), nbb.PATTERN_NAMES)
    axes[1].set_ylabel("frozen test\nper pattern")
    axes[2].semilogy(n, run.substance[:, 0], color="C2")
    axes[2].set_ylabel("total weight\nsubstance")
    axes[2].set_xlabel("training cycles (one random pattern each)")
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def weights_figure(run, out: Path) -> None:
    """Input -> hidden substance, and how strongly each unit feeding the outputs prefers one of them."""
    first, stable, end = run.solved_at[0], run.stable_at[0], run.cycles
    moments = [(0, "initial")] + ([(first, f"first solution ({first})")] if first > 0 else []) + \
        ([(stable + 500, f"inside the stable streak ({stable + 500})")] if stable > 0 and stable + 500 <= end
         else [(end, f"end ({end})")])
    snapshots = dict(run.snapshots)
    fig, axes = plt.subplots(2, len(moments), figsize=(3.6 * len(moments), 6.2))
    sources = list(range(3)) + list(range(3, 6))
    for col, (p, name) in enumerate(moments):
        w = snapshots[p][0].astype(float)
        block = w[: ARCH.n_inputs, ARCH.hidden]
        relative = block / block.max()            # substance shrinks over training: show shares of the largest
        ax = axes[0, col]
        image = ax.imshow(relative, cmap="viridis", vmin=relative.min(), vmax=1)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the largest")
        ax.set_xticks(range(3), UNIT_NAMES[3:6])
        ax.set_yticks(range(3), UNIT_NAMES[:3])
        for (i, j), v in np.ndenumerate(block):
            bright = (relative[i, j] - relative.min()) / max(1e-12, 1 - relative.min()) > 0.5
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7, color="black" if bright else "white")
        ax.set_title(f"{name}\ninput -> hidden substance", fontsize=9)
        to_out = w[sources][:, ARCH.outputs]
        margin = (to_out[:, 1] - to_out[:, 0]) / to_out.sum(axis=1)  # > 0: the unit pushes toward y1
        ax = axes[1, col]
        ax.barh(range(6), margin, color=["C1" if m > 0 else "C0" for m in margin])
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(range(6), [UNIT_NAMES[s] for s in sources])
        ax.invert_yaxis()
        limit = max(1e-6, np.abs(margin).max()) * 1.7
        ax.set_xlim(-limit, limit)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
        for k, m in enumerate(margin):
            ax.text(m, k, f" {m:+.1e} ", va="center", ha="left" if m > 0 else "right", fontsize=7)
        ax.set_title("-> outputs: (w[y1] - w[y0]) / sum\n(> 0 pushes toward y1, XOR = 1)", fontsize=9)
    fig.suptitle(f"Weights of seed {run.networks[0][0]}: the routing hangs on margins of a fraction of a percent")
    fig.tight_layout()
    save_png(fig, out / "weights.png")


def firing_figure(run, out: Path) -> None:
    """The frozen network tick by tick at the first solution and at the start of the stable streak."""
    first, stable = run.solved_at[0], run.stable_at[0]
    moments = [(first if first > 0 else run.cycles, "first solution" if first > 0 else "end")]
    if stable > 0:
        moments.append((stable, "start of the stable streak"))
    rule = nbb.Rule()
    snapshots = dict(run.snapshots)
    fig, axes = plt.subplots(len(moments), 4, figsize=(12, 3.3 * len(moments) + 0.4), sharey=True,
                             layout="constrained", squeeze=False)
    fires = ListedColormap(["white", "0.15"])
    for row, (p, name) in enumerate(moments):
        activity = nbb.frozen_activity(snapshots[p], ARCH, rule)[0]          # (4, ticks + 1, N)
        correct = nbb.frozen_correct(activity[None], ARCH, rule)[0]
        for k, ax in enumerate(axes[row]):
            image = ax.imshow(activity[k].T, cmap=fires, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            ax.axvspan(rule.ticks - rule.judged + 0.5, rule.ticks + 0.5, color="C0", alpha=0.15)
            ax.set_xticks(range(activity.shape[1]))
            for boundary in (2.5, 5.5):
                ax.axhline(boundary, color="C0", lw=0.8)
            ax.set_title(f"input {nbb.PATTERN_NAMES[k]}, target y{nbb.TARGETS[k]}: "
                         f"{'right' if correct[k] else 'wrong'}", color="C2" if correct[k] else "C3", fontsize=9)
        axes[row, 0].set_yticks(range(ARCH.n_units), UNIT_NAMES)
        axes[row, 0].set_ylabel(f"{name}\n(cycle {p})", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("tick (shaded: judged)")
    bar = fig.colorbar(image, ax=axes, ticks=[0.25, 0.75], fraction=0.02, pad=0.01)
    bar.ax.set_yticklabels(["silent", "on"])
    fig.suptitle(f"Which units are on, tick by tick, in the frozen network of seed {run.networks[0][0]}: the hidden "
                 f"code changes between the first solution and the stable one", fontsize=11)
    save_png(fig, out / "firing.png")


CONFIGURATIONS = [  # (record part, label, count key, paper's figure in cycles, paper's label)
    (None, "3 hidden, one subset\nfrozen test", "cycles", nbb.PAPER_CYCLES, "619"),
    ("two-hidden", "2 hidden, one subset\nonline (declared)", "cycles", 4 * nbb.PAPER_TWO_HIDDEN_PER_PATTERN,
     "4 x 160"),
    ("two-hidden", "2 hidden, one subset\nfrozen test", "frozen_cycles", 4 * nbb.PAPER_TWO_HIDDEN_PER_PATTERN,
     "4 x 160"),
    ("two-subsets", "two 2-unit subsets\nfrozen test", "cycles", 4 * nbb.PAPER_TWO_SUBSETS_PER_PATTERN, "4 x 263"),
]


def configurations_figure(record: dict, out: Path) -> None:
    """Every seed's count in each configuration against the seed's figure (in cycles), and stability."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [2.2, 1]})
    rng = np.random.default_rng(0)                                 # horizontal jitter only
    labels, stable, held = [], [], []
    for x, (part, label, key, paper, paper_label) in enumerate(CONFIGURATIONS):
        rows = (record if part is None else record[part])["seeds"]["per_seed"]
        values = np.array([r[key] for r in rows if r[key] is not None], dtype=float)
        axes[0].scatter(x + rng.uniform(-0.18, 0.18, len(values)), values, s=9, color="C0", alpha=0.7, zorder=3)
        if len(values):
            axes[0].plot([x - 0.3, x + 0.3], [values.mean()] * 2, color="C0", lw=2.5, zorder=4)
        axes[0].plot([x - 0.34, x + 0.34], [paper] * 2, color="C3", lw=2, zorder=2)
        axes[0].fill_between([x - 0.34, x + 0.34], paper / nbb.COUNT_FACTOR, paper * nbb.COUNT_FACTOR, color="C3",
                             alpha=0.12, zorder=1)
        axes[0].text(x + 0.36, paper, paper_label, color="C3", fontsize=7, va="center")
        labels.append(f"{label}\n{len(values)}/{len(rows)} solved")
        if key == "cycles" or part is None:
            stable.append(np.mean([r["stable"] for r in rows]))
            held.append(np.mean([r["held"] for r in rows if r["held"] is not None]))
    axes[0].set_yscale("log")
    axes[0].set_xticks(range(len(CONFIGURATIONS)), labels, fontsize=8)
    axes[0].set_ylabel("training cycles to the solution (log)")
    axes[0].set_xlim(-0.6, len(CONFIGURATIONS) - 0.2)
    axes[0].plot([], [], color="C0", lw=2.5, label="ours: mean over solved seeds (dots: seeds)")
    axes[0].plot([], [], color="C3", lw=2, label="the seed's figure in cycles, band 1/1.5 .. 1.5x")
    axes[0].legend(fontsize=7, loc="upper left")
    names = ["3 hidden", "2 hidden", "two subsets"]
    x = np.arange(len(names))
    axes[1].bar(x - 0.2, stable, width=0.4, color="C4", label="share of seeds with a stable solution")
    axes[1].bar(x + 0.2, held, width=0.4, color="C2", label="held: share of the next 1000 cycles solved")
    axes[1].set_xticks(x, names, fontsize=8)
    axes[1].set_ylim(0, 1.15)
    axes[1].legend(fontsize=7, loc="upper right")
    axes[1].set_title("do the solutions last? (frozen test)", fontsize=9)
    fig.suptitle("Recorded sweeps (40 seeds each): counts against the seed's figures, and stability")
    fig.tight_layout()
    save_png(fig, out / "configurations.png")


def readings_figure(record: dict, out: Path) -> None:
    grid, choices = record["readings"]["tables"]
    cols = grid["columns"]
    lambdas = sorted({r[0] for r in grid["rows"]})
    ratios = nbb.GRID_ETA_RATIOS
    mean = np.full((len(lambdas), len(ratios)), np.nan)
    for row in grid["rows"]:
        i, j = lambdas.index(row[0]), ratios.index(round(row[1] / row[0], 6))
        mean[i, j] = np.nan if row[cols.index("mean cycles")] is None else row[cols.index("mean cycles")]
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.2), gridspec_kw={"width_ratios": [1.15, 1]})
    image = axes[0].imshow(mean, cmap="viridis_r", norm=LogNorm(vmin=250, vmax=2500), aspect="auto")
    fig.colorbar(image, ax=axes[0], label="mean cycles to the first frozen solution (solved seeds)")
    for row in grid["rows"]:
        i, j = lambdas.index(row[0]), ratios.index(round(row[1] / row[0], 6))
        value = row[cols.index("mean cycles")]
        text = f"{format(value, '.0f') if value else '-'}\n{row[cols.index('solved')]} solved\n" \
               f"{row[cols.index(nbb.STABLE)]} stable"
        axes[0].text(j, i, text, ha="center", va="center", fontsize=7,
                     color="white" if value and value > 700 else "black")
    axes[0].set_xticks(range(len(ratios)), [f"η = {r:g} λ" for r in ratios], fontsize=9)
    axes[0].set_yticks(range(len(lambdas)), [f"λ = {v:g}" for v in lambdas], fontsize=9)
    axes[0].set_title("the λ/η grid (3 hidden units)", fontsize=10)
    ccols = choices["columns"]
    names = [r[0] for r in choices["rows"]]
    values = [r[ccols.index("mean cycles")] or 0 for r in choices["rows"]]
    y = np.arange(len(names))
    axes[1].barh(y, values, color="C0")
    axes[1].axvline(nbb.PAPER_CYCLES, color="C3", ls="--", label="the seed's 619")
    axes[1].axvspan(nbb.PAPER_CYCLES / nbb.COUNT_FACTOR, nbb.PAPER_CYCLES * nbb.COUNT_FACTOR, color="C3", alpha=0.08)
    for k, row in enumerate(choices["rows"]):
        axes[1].text(values[k], k, f" {row[ccols.index('solved')]} solved, {row[ccols.index(nbb.STABLE)]} stable",
                     va="center", fontsize=7)
    axes[1].set_yticks(y, names, fontsize=8)
    axes[1].invert_yaxis()
    axes[1].set_xlim(0, max(values) * 1.6)
    axes[1].set_xlabel("mean cycles to the first frozen solution")
    axes[1].legend(fontsize=7, loc="lower right")
    axes[1].set_title("one change at a time from the headline", fontsize=10)
    fig.suptitle(f"Readings of the paper (recorded, {record['readings']['command'].split('--n-seeds ')[-1].split()[0]}"
                 f" seeds each)")
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
    if record.get("seeds") and all((record.get(p) or {}).get("seeds") for p in ("two-hidden", "two-subsets")):
        configurations_figure(record, out)
    if record.get("readings"):
        readings_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
