"""Static figures for nbb-moving-light: training curves, the frozen net's firing, the weights, the readings.

    python3 nbb-moving-light/visualize_nbb_moving_light.py       # writes nbb-moving-light/viz/*.png

Trains the headline seed once (a few seconds) for the first three figures; the readings figure
draws the recorded runs in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import nbb_moving_light as ml
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
NET = ml.Net(5)
UNIT_NAMES = ["c0", "c1", "c2", "c3", "c4", "on", "out0 (LR)", "out1 (RL)"]


def train_headline(seed: int, quick: bool):
    """Seed `seed` under the headline protocol, with a snapshot of the weights after every cycle."""
    setting = ml.Setting(max_cycles=60 if quick else 1500, stable_window=20 if quick else ml.Setting.stable_window)
    return ml.train([(seed, setting)], snapshot_every=1), setting


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    width = max(1, min(width, len(values)))
    return np.convolve(values, np.ones(width) / width, mode="valid")


def training_curves(run, setting, out: Path) -> None:
    correct = run.correct[:, 0]                                        # (P, 2) last-tick frozen test
    weights = np.array([w[0] for _, w in run.snapshots[1:]]).astype(float)          # (P, N, N)
    n = np.arange(1, len(correct) + 1)
    fig, axes = plt.subplots(3, 1, figsize=(8.5, 8), sharex=True, gridspec_kw={"height_ratios": [1.6, 1.6, 1.2]})
    width = 25
    axes[0].plot(n, correct.all(axis=1), lw=0.3, color="0.75", label="both right after this cycle (0/1)")
    axes[0].plot(np.arange(width, len(n) + 1), smooth(correct.all(axis=1).astype(float), width), color="C0",
                 label=f"mean over {width} cycles")
    for k, name in enumerate(ml.SEQUENCES):
        axes[0].plot(np.arange(width, len(n) + 1), smooth(correct[:, k].astype(float), width), lw=0.8,
                     color=f"C{k + 1}", label=f"{name} right (mean over {width})")
    first = run.solved_at["last-tick"][0]
    for ax in axes:
        if first > 0:
            ax.axvline(first, color="C3", ls="--", lw=1)
    axes[0].set_ylabel("frozen test:\ncorrect output on at the last tick")
    axes[0].set_ylim(-0.05, 1.05)
    axes[0].legend(fontsize=7, loc="upper right")
    axes[0].set_title(f"Seed {run.networks[0][0]}: first solution after cycle {first} (red dashed)", fontsize=10)
    o0, o1 = NET.outputs.start, NET.outputs.start + 1
    for i in range(NET.n_inputs):
        axes[1].plot(n, weights[:, i, o0] - weights[:, i, o1], lw=1, label=UNIT_NAMES[i],
                     color=plt.cm.viridis(i / NET.n_inputs))
    axes[1].plot(n, weights[:, o0, o0] - weights[:, o0, o1], color="C3", lw=1.2, ls="--", label="out0 (recurrent)")
    axes[1].plot(n, weights[:, o1, o0] - weights[:, o1, o1], color="C1", lw=1.2, ls="--", label="out1 (recurrent)")
    axes[1].axhline(0, color="0.5", lw=0.5)
    axes[1].set_ylabel("w[unit -> out0] - w[unit -> out1]\n(> 0: votes LR)")
    axes[1].legend(fontsize=7, ncol=4, loc="lower left")
    axes[2].plot(n, run.substance[:, 0], color="C5")
    axes[2].set_ylabel("total weight substance")
    axes[2].set_xlabel("training cycles (one sequence each)")
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def firing_grid(ax, activity: np.ndarray, sequence: int, title: str) -> None:
    """activity (T+1, N) of one frozen sequence: units by ticks."""
    grid = activity.T.astype(float)                                    # (N, T+1)
    target = NET.outputs.start + sequence
    color = np.where(grid > 0, 1.0, 0.0)
    color[target] *= 2                                                 # the correct output in green
    color[NET.outputs.start + 1 - sequence] *= 3                       # the wrong one in red
    cmap = plt.matplotlib.colors.ListedColormap(["white", "0.25", "#1a9850", "#d7301f"])
    ax.imshow(color, cmap=cmap, vmin=-0.5, vmax=3.5, aspect="auto")
    ax.set_yticks(range(NET.n_units), UNIT_NAMES, fontsize=7)
    ax.set_xticks(range(grid.shape[1]))
    ax.set_xlabel("tick", fontsize=8)
    ax.axhline(NET.n_inputs - 0.5, color="0.5", lw=0.8)
    ax.set_title(title, fontsize=8)


def firing_figure(run, setting, out: Path) -> None:
    snapshots = dict(run.snapshots)
    first = int(run.solved_at["last-tick"][0])
    moments = [("start", 0), (f"first solution (cycle {first})", first) if first > 0 else ("start", 0),
               (f"cycle {first + 1}", first + 1) if first > 0 else ("end", run.cycles),
               (f"end (cycle {run.cycles})", run.cycles)]
    fig, axes = plt.subplots(2, len(moments), figsize=(11, 6.2))
    for col, (name, p) in enumerate(moments):
        activity = ml.frozen_on(snapshots[p], setting)[0]              # (2, T+1, N)
        right = ml.judged(activity[None], setting, "last-tick")[0]
        for k in range(2):
            firing_grid(axes[k, col], activity[k], k, f"{name}\n{ml.SEQUENCES[k]}: "
                                                      f"{'right' if right[k] else 'wrong'} at the last tick")
    fig.suptitle("The frozen net tick by tick (dark: on; green: the correct output on; red: the wrong output on)",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "firing.png")


def weights_figure(run, setting, out: Path) -> None:
    snapshots = dict(run.snapshots)
    first = int(run.solved_at["last-tick"][0])
    moments = [("initial", 0)] + ([(f"first solution (cycle {first})", first)] if first > 0 else []) + \
        [(f"end (cycle {run.cycles})", run.cycles)]
    fig, axes = plt.subplots(1, len(moments), figsize=(4 * len(moments), 4.4))
    rows = list(range(NET.n_units))
    for ax, (name, p) in zip(np.atleast_1d(axes), moments):
        w = snapshots[p][0].astype(float)[:, NET.outputs]               # (N, 2): every unit -> the outputs
        image = ax.imshow(w, cmap="magma", aspect="auto")
        for i in rows:
            for j in range(2):
                ax.text(j, i, f"{w[i, j]:.4f}", ha="center", va="center", fontsize=7,
                        color="white" if w[i, j] < w.mean() else "black")
        ax.set_yticks(rows, [f"from {u}" for u in UNIT_NAMES], fontsize=7)
        ax.set_xticks([0, 1], ["to out0 (LR)", "to out1 (RL)"], fontsize=8)
        ax.set_title(name, fontsize=9)
        fig.colorbar(image, ax=ax, label="weight substance", shrink=0.8)
    fig.suptitle(f"Weights into the outputs, seed {run.networks[0][0]}", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "weights.png")


def readings_figure(record: dict, out: Path) -> None:
    table = record["readings"]["tables"][0]
    cols = table["columns"]
    names = [r[0] for r in table["rows"]]
    solved = [int(r[cols.index("solved")].split("/")[0]) for r in table["rows"]]
    total = int(table["rows"][0][cols.index("solved")].split("/")[1])
    means = [r[cols.index("mean cycles per sequence")] or 0 for r in table["rows"]]
    held = [r[cols.index(ml.HELD)] or 0 for r in table["rows"]]
    panels = 3 if record.get("retina") else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 5.5), gridspec_kw={"width_ratios": [1.4] + [1] * (panels - 1)})
    y = np.arange(len(names))
    axes[0].barh(y, means, color="C0")
    axes[0].axvline(ml.PAPER_PER_SEQUENCE, color="C3", ls="--", label="the seed's 223 per sequence")
    axes[0].axvspan(ml.PAPER_PER_SEQUENCE / ml.COUNT_FACTOR, ml.PAPER_PER_SEQUENCE * ml.COUNT_FACTOR, color="C3",
                    alpha=0.08)
    for k in range(len(names)):
        axes[0].text(max(means[k], 1), k, f" {solved[k]}/{total} solved", va="center", fontsize=7)
    axes[0].set_xscale("symlog", linthresh=10)
    axes[0].set_yticks(y, names, fontsize=7)
    axes[0].invert_yaxis()
    axes[0].set_xlabel("mean cycles per sequence to the run criterion (solved seeds)")
    axes[0].legend(fontsize=7, loc="lower right")
    axes[0].set_title("one reading at a time", fontsize=10)
    axes[1].barh(y, held, color="C2")
    axes[1].set_yticks(y, [""] * len(names))
    axes[1].invert_yaxis()
    axes[1].set_xlim(0, 1)
    axes[1].set_xlabel("held: share of the 1000 cycles after the first\nsolution at which the frozen test still passes")
    axes[1].set_title("how long a solution lasts", fontsize=10)
    if panels == 3:
        rt = record["retina"]["tables"][0]
        rc = rt["columns"]
        cells = [r[0] for r in rt["rows"]]
        rs = [int(r[rc.index("solved")].split("/")[0]) for r in rt["rows"]]
        rm = [r[rc.index("mean cycles per sequence")] or 0 for r in rt["rows"]]
        axes[2].bar(np.arange(len(cells)), rm, color="C4")
        for k in range(len(cells)):
            axes[2].text(k, rm[k], f"{rs[k]}/{total}\nsolved", ha="center", va="bottom", fontsize=8)
        axes[2].set_xticks(np.arange(len(cells)), [f"{c} cells" for c in cells])
        axes[2].set_ylabel("mean cycles per sequence (solved seeds)")
        axes[2].set_ylim(0, max(rm + [1]) * 1.35)
        axes[2].set_title("larger retinas (one tick per cell)", fontsize=10)
    fig.suptitle("Recorded runs: the open readings and larger retinas", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "readings.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    run, setting = train_headline(args.seed, args.quick)
    training_curves(run, setting, out)
    firing_figure(run, setting, out)
    weights_figure(run, setting, out)
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    if record.get("readings"):
        readings_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
