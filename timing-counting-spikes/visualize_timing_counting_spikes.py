"""Static figures for timing-counting-spikes: inside seed 0's trained nets (peephole and no
peephole) on a fresh MSD and GTS stream -- input, target, output, cell state and the three gates
step by step -- the learning curves over the recorded seeds, and which seeds solved which task;
the same for PFG (the generated waveform against the target, the cell state, the output gate; the
error-free steps per training stream), and the OdyssNet row's training curves.

    python3 timing-counting-spikes/visualize_timing_counting_spikes.py     # writes timing-counting-spikes/viz/*.png

The trained weights, curves and counts come from the recorded results.json (the headline run keeps
the final weights of its first two seeds); without a record (or with --quick) the nets are trained
briefly here, which draws the untrained behaviour.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import timing_counting_spikes as tcs
from shared.frame.figures import figure_parser, recorded, save_png

COLORS = {"peephole": "C0", "no peephole": "C3"}


def trained_params(record, seed: int, quick: bool) -> dict:
    """{task: {variant: params}} of the seed: from the record, or trained briefly here."""
    if record and not quick and str(seed) in record.get("params", {}):
        return record["params"][str(seed)]
    result = tcs.train_bank([seed], 300 if quick else 20_000, keep_params=True)[0]
    return {task: {v: result[task][v]["params"] for v in tcs.VARIANTS} for task in result}


def trained_pfg_params(record, seed: int, quick: bool) -> dict:
    """{task: {variant: params}} of the seed's PFG nets: from the record's PFG section, or trained briefly."""
    section = (record or {}).get(tcs.PFG_SECTION) or {}
    if not quick and str(seed) in section.get("params", {}):
        return section["params"][str(seed)]
    result = tcs.train_bank([seed], 300 if quick else 20_000, tcs.PFG_LEARNING_RATE, tcs.PFG_MOMENTUM, tcs.PFG_TASKS,
                            keep_params=True)[0]
    return {task: {v: result[task][v]["params"] for v in tcs.VARIANTS} for task in result}


def task_spec(name: str):
    return next((kind, F, delays) for task, kind, F, delays in tcs.TASKS + tcs.PFG_TASKS if task == name)


PFG_FB2 = "pfg_forget_bias2_lr0.001"      # the PFG section with the forget gate starting open (+2)


def pfg_figure(params: dict, seed: int, F: int, periods: int, out: Path, note: str = "", suffix: str = "") -> None:
    """Seed 0's trained PFG nets free-running from the zero state: output against the target (red
    dots: |error| >= 0.3), the cell state and the output gate, per function, both variants."""
    names = [f"PFG {f} F={F}" for f in tcs.PFG_FUNCTIONS]
    steps = periods * F
    fig, axes = plt.subplots(3, 3, figsize=(14, 7.5), sharex=True)
    t = np.arange(1, steps + 1)
    for col, name in enumerate(names):
        kind, _, function = task_spec(name)
        runs = {v: tcs.run_frozen(params[name][v], kind, F, function, steps, seed) for v in tcs.VARIANTS}
        target = runs["peephole"]["target"]
        ax = axes[0, col]
        ax.plot(t, target, color="k", lw=1.2, label="target")
        ax.axhspan(-0.5, 1.5, color="w")
        ax.fill_between(t, target - tcs.PFG_THRESHOLD, target + tcs.PFG_THRESHOLD, color="0.88", step=None,
                        label="|error| < 0.3")
        for v, run in runs.items():
            wrong = np.abs(run["y"] - target) >= tcs.PFG_THRESHOLD
            ax.plot(t, run["y"], color=COLORS[v], lw=1.3, ls="-" if v == "peephole" else "--", label=f"output, {v}")
            first = np.flatnonzero(wrong)
            if first.size:
                ax.scatter(t[first[0]], run["y"][first[0]], color=COLORS[v], edgecolor="k", s=40, zorder=4,
                           marker="X")
        ax.set_ylim(-0.45, 1.45)
        ax.set_title(f"{name} (X: first error, where a stream stops)", fontsize=9)
        ax.legend(fontsize=6.5, loc="upper right", ncol=2)
        for v, run in runs.items():
            style = "-" if v == "peephole" else "--"
            axes[1, col].plot(t, run["s"], color=COLORS[v], lw=1.3, ls=style, label=v)
            axes[2, col].plot(t, run["out"], color=COLORS[v], lw=1.3, ls=style, label=v)
        axes[2, col].set_ylim(-0.03, 1.03)
        axes[2, col].set_xlabel("time step (from the stream's start)")
        axes[1, col].legend(fontsize=7)
    axes[0, 0].set_ylabel("output / target")
    axes[1, 0].set_ylabel("cell state s(t)")
    axes[2, 0].set_ylabel("output gate")
    fig.suptitle(f"PFG, F = {F}{note}: seed {seed}'s trained nets free-running from the zero state (no input), "
                 f"{periods} periods; peephole (blue) vs no peephole (red, dashed)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / f"mechanism_pfg{F}{suffix}.png")


def pfg_curves_figure(record, out: Path) -> None:
    section = (record or {}).get(tcs.PFG_SECTION) or {}
    curves = section.get("curves", {})
    budget = section.get("headline", {}).get("budget_steps", tcs.PFG_BUDGET)
    fig, axes = plt.subplots(2, 3, figsize=(14, 6.5), sharex=True)
    for ax, (task, _, F, _) in zip(axes.T.ravel(), tcs.PFG_TASKS):
        for variant in tcs.VARIANTS:
            series = [c[task][variant] for c in curves.values()]
            if not series:
                continue
            arr = np.array([[np.nan if v is None else v for v in s] for s in series], float)
            x = np.linspace(budget / arr.shape[1], budget, arr.shape[1]) / 1000
            for row in arr:
                ax.plot(x, row, color=COLORS[variant], lw=0.5, alpha=0.25)
            with np.errstate(all="ignore"):
                ax.plot(x, np.nanmedian(arr, axis=0), color=COLORS[variant], lw=2, label=f"{variant}: median")
        ax.axhline(F, color="k", lw=0.8, ls="--", label=f"one period ({F} steps)")
        ax.set_title(task, fontsize=10)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("training time steps per trial (thousands)")
    for ax in axes[:, 0]:
        ax.set_ylabel("mean error-free steps per\ntraining stream (per window)")
    fig.suptitle("PFG learning curves over the recorded seeds (thin: one seed); a training stream stops at its "
                 "first step with |error| >= 0.3" if curves else "no PFG run recorded yet", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "learning_curves_pfg.png")


def odyssnet_figure(record, out: Path) -> None:
    section = (record or {}).get("odyssnet") or {}
    curves = section.get("curves", {})
    tasks = tcs.TASKS + tcs.PFG_TASKS
    fig, axes = plt.subplots(3, 3, figsize=(14, 8))
    for ax, (task, kind, F, _) in zip(axes.ravel(), tasks):
        series = [c[task] for c in curves.values() if task in c]
        for row in series:
            ax.plot(np.arange(1, len(row) + 1), row, color="C2", lw=0.6, alpha=0.35)
        if series:
            width = min(len(r) for r in series)
            ax.plot(np.arange(1, width + 1), np.median([r[:width] for r in series], axis=0), color="C2", lw=2,
                    label="median over seeds")
        ax.axhline(F if kind else F + 1, color="k", lw=0.8, ls="--", label="one period / interval")
        ax.set_ylim(0, tcs.ODYSS_WINDOW + 2)
        ax.set_title(task, fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    for ax in axes[-1]:
        ax.set_xlabel("training progress (a point every ~1/30 of the updates)")
    for ax in axes[:, 0]:
        ax.set_ylabel("error-free steps from\na window's start (mean)")
    fig.suptitle(f"OdyssNet (ours): error-free steps from a training window's start ({tcs.ODYSS_WINDOW} = the whole "
                 "window), every seed (thin) and the median" if curves else "no OdyssNet run recorded yet", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "odyssnet.png")


def mechanism_figure(params: dict, task: str, seed: int, steps: int, out: Path, fname: str) -> None:
    kind, F, delays = task_spec(task)
    fig, axes = plt.subplots(3, 2, figsize=(12, 7), sharex=True)
    for col, variant in enumerate(tcs.VARIANTS):
        run = tcs.run_frozen(params[task][variant], kind, F, delays, steps, seed)
        t = np.arange(1, steps + 1)
        spikes = np.flatnonzero(run["target"] > 0) + 1 if kind == 1 else np.flatnonzero(run["x"] > 0) + 1
        wrong = np.abs(run["y"] - run["target"]) >= tcs.THRESHOLD
        ax = axes[0, col]
        if kind == 0:
            ax.vlines(spikes, 0, 1, color="0.75", lw=1, label="input spike")
        ax.step(t, run["target"], where="mid", color="k", lw=1, label="target")
        ax.plot(t, run["y"], color=COLORS[variant], lw=1.4, label="output")
        ax.scatter(t[wrong], run["y"][wrong], color="r", s=14, zorder=3, label="error (|e| >= 0.49)")
        ax.set_ylim(-0.05, 1.1)
        ax.set_title(f"{task}, {variant} LSTM (seed {seed})", fontsize=10)
        ax.legend(fontsize=7, loc="upper right", ncol=2)
        ax = axes[1, col]
        ax.plot(t, run["s"], color="C2", lw=1.4)
        ax.vlines(spikes, *ax.get_ylim(), color="0.85", lw=0.8)
        ax.set_ylabel("cell state s(t)")
        ax = axes[2, col]
        for key, color in (("in", "C1"), ("forget", "C4"), ("out", "C0")):
            ax.plot(t, run[key], color=color, lw=1.2, label=f"{key} gate" if key != "out" else "output gate")
        ax.vlines(spikes, 0, 1, color="0.85", lw=0.8)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("time step")
        ax.legend(fontsize=7, loc="lower right", ncol=3)
    axes[0, 0].set_ylabel("output / target")
    axes[2, 0].set_ylabel("gate activation")
    fig.suptitle(f"Inside the trained nets on a fresh {task} stream (grey lines: spike times)", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / fname)


def curves_figure(record, out: Path) -> None:
    fig, axes = plt.subplots(1, len(tcs.TASKS), figsize=(14, 4), sharey=False)
    curves = (record or {}).get("curves", {})
    budget = (record or {}).get("headline", {}).get("budget_steps", tcs.BUDGET)
    for ax, (task, *_) in zip(axes, tcs.TASKS):
        for variant in tcs.VARIANTS:
            series = [c[task][variant] for c in curves.values()]
            if not series:
                continue
            arr = np.array([[np.nan if v is None else v for v in s] for s in series], float)
            x = np.linspace(budget / arr.shape[1], budget, arr.shape[1])
            for row in arr:
                ax.plot(x, row, color=COLORS[variant], lw=0.5, alpha=0.25)
            with np.errstate(all="ignore"):
                ax.plot(x, np.nanmedian(arr, axis=0), color=COLORS[variant], lw=2, label=f"{variant}: median")
        ax.set_yscale("symlog", linthresh=1)
        ax.axhline(tcs.TRAIN_SPIKES, color="k", lw=0.8, ls="--", label="100 spikes: a training stream passes")
        ax.set_title(task, fontsize=10)
        ax.set_xlabel("training time steps per trial")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("mean correct spikes per training stream\n(per window; gaps: solved)")
    fig.suptitle("Learning curves over the recorded seeds (thin: one seed)" if curves else "no run recorded yet",
                 fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def solved_figure(record, out: Path) -> None:
    rows = ((record or {}).get("seeds") or {}).get("per_seed", [])
    columns = [(task, v) for task, *_ in tcs.TASKS for v in tcs.VARIANTS]
    fig, ax = plt.subplots(figsize=(10, 5))
    if rows:
        grid = np.array([[r[f"{t} {v} best_train_spikes"] for t, v in columns] for r in rows], float)
        image = ax.imshow(np.log10(1 + grid.T), aspect="auto", cmap="viridis", interpolation="nearest",
                          vmin=0, vmax=np.log10(1 + tcs.TRAIN_SPIKES))
        bar = fig.colorbar(image, ax=ax, label="most correct spikes in one training stream")
        ticks = [0, 1, 3, 10, 30, 100]
        bar.set_ticks(np.log10(1 + np.array(ticks)), labels=[str(t) for t in ticks])
        for i, r in enumerate(rows):
            for j, (t, v) in enumerate(columns):
                ax.text(i, j, "S" if r[f"{t} {v} solved"] else str(int(grid[i, j])), ha="center", va="center",
                        fontsize=6, color="w" if grid[i, j] < 10 else "k")
        ax.set_xticks(range(len(rows)), [str(r["seed"]) for r in rows], fontsize=7)
        ax.set_yticks(range(len(columns)), [f"{t}, {v}" for t, v in columns], fontsize=8)
        ax.set_xlabel("seed")
    else:
        ax.text(0.5, 0.5, "no seed sweep recorded yet", ha="center", va="center")
    ax.set_title("Per seed: the longest error-free training stream (100 passes it to a test; S: solved, 1000 test spikes)", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "solved.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = recorded(__file__)
    params = trained_params(record, args.seed, args.quick)
    steps = 40 if args.quick else 120
    mechanism_figure(params, "MSD F=10", args.seed, steps, out, "mechanism_msd.png")
    mechanism_figure(params, "GTS F=10", args.seed, steps, out, "mechanism_gts.png")
    mechanism_figure(params, "MSD F=49", args.seed, 3 * steps, out, "mechanism_msd49.png")
    curves_figure(None if args.quick else record, out)
    solved_figure(None if args.quick else record, out)
    pfg_params = trained_pfg_params(record, args.seed, args.quick)
    pfg_figure(pfg_params, args.seed, 10, 4, out)
    pfg_figure(pfg_params, args.seed, 25, 3, out)
    pfg_curves_figure(None if args.quick else record, out)
    fb2 = (record or {}).get(PFG_FB2) or {}
    if not args.quick and str(args.seed) in fb2.get("params", {}):
        pfg_figure(fb2["params"][str(args.seed)], args.seed, 25, 3, out, ", forget bias +2 (section)", "_forget_bias2")
    odyssnet_figure(None if args.quick else record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
