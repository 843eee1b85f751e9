"""Static figures for compete-to-compute: task-A accuracy while the permuted task B is learned (every
recorded net), forgetting per net with 95% intervals, and which LWTA units win their blocks per task.

    python3 compete-to-compute/visualize_compete_to_compute.py   # writes viz/*.png

The curves and bars are drawn from results.json (the recorded runs, exactly the README's figures);
the winner maps retrain seed 0's LWTA net with the headline settings (about 20 s of CPU).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import compete_to_compute as ctc
from shared.frame.figures import figure_parser, recorded, save_png

COLORS = {"lwta": "C0", "relu": "C3", "sigmoid": "C2", "maxout": "C1", "odyssnet": "C4"}


def sections(record: dict) -> dict:
    """model -> its part of the record (the LWTA record itself, and each comparison section there)."""
    out = {"lwta": record}
    for m in ctc.MODELS[1:]:
        if isinstance(record.get(m), dict) and record[m].get("seeds"):
            out[m] = record[m]
    return out


def draw_curves(record: dict, seed: int, out: Path) -> None:
    parts = sections(record)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for m, part in parts.items():
        rows = part["seeds"]["per_seed"]
        row = next((r for r in rows if r["seed"] == seed), rows[0])
        c = row["curve"]
        axes[0].plot(c["epoch"], c["acc_a"], color=COLORS[m], lw=1.6, label=f"{ctc.NAMES[m]}: task A")
        axes[0].plot(c["epoch"], c["acc_b"], color=COLORS[m], lw=1.0, ls="--")
        a = np.array([r["curve"]["acc_a"] for r in rows])
        mean, half = a.mean(0), 1.96 * a.std(0, ddof=1) / np.sqrt(len(a)) if len(a) > 1 else 0 * a.mean(0)
        axes[1].plot(c["epoch"], mean, color=COLORS[m], lw=1.6, label=f"{ctc.NAMES[m]} ({len(rows)} seeds)")
        axes[1].fill_between(c["epoch"], mean - half, mean + half, color=COLORS[m], alpha=0.2, lw=0)
    switch = max(e for e, p in zip(c["epoch"], c["phase"]) if p == "A")
    for ax in axes:
        ax.axvspan(switch, c["epoch"][-1], color="0.92", zorder=0)
        ax.axvline(switch, color="k", lw=0.8)
        ax.set_xlabel("epochs (task A, then permuted task B in the grey band)")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy (solid: task A, dashed: task B)")
    axes[0].set_title(f"Seed {seed}: every net, the same digits, permutation and batches", fontsize=9)
    axes[1].set_ylabel("task-A test accuracy, mean and 95% CI")
    axes[1].set_title("Task A while B is learned, over the recorded seeds", fontsize=9)
    axes[0].legend(fontsize=7, loc="lower left")
    axes[1].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Forgetting of task A; data: {record.get('data', '')[:70]}...", fontsize=8)
    fig.tight_layout()
    save_png(fig, out)
    plt.close(fig)


def draw_bars(record: dict, out: Path) -> None:
    parts = sections(record)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for j, (m, part) in enumerate(parts.items()):
        rows = part["seeds"]["per_seed"]
        for ax, key in ((axes[0], "forgetting"), (axes[1], "acc_b_after_b")):
            v = np.array([r[key] for r in rows])
            half = 1.96 * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0
            ax.bar(j, v.mean(), color=COLORS[m], alpha=0.6, yerr=half, capsize=4)
            ax.plot(j + np.linspace(-0.25, 0.25, len(v)), v, "k.", ms=3)
    for ax in axes:
        ax.set_xticks(range(len(parts)))
        ax.set_xticklabels([ctc.NAMES[m] for m in parts], fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("forgetting: task-A accuracy after A minus after B")
    axes[0].set_title("Forgetting (bar: mean, 95% CI; dots: seeds)", fontsize=9)
    axes[1].set_ylabel("task-B test accuracy after B")
    axes[1].set_title("How well task B was learned", fontsize=9)
    lo = min(min(r["acc_b_after_b"] for r in p["seeds"]["per_seed"]) for p in parts.values())
    axes[1].set_ylim(max(0.0, lo - 0.05), 1.0)
    fig.tight_layout()
    save_png(fig, out)
    plt.close(fig)


def winner_maps(cfg: ctc.Config, params: dict, xa: np.ndarray, xb: np.ndarray):
    """Per layer, (share of task-A digits each unit wins on, share of task-B digits)."""
    fa, fb = ctc.winner_frequency(params, cfg, xa), ctc.winner_frequency(params, cfg, xb)
    return list(zip(fa, fb))


def draw_winner_panel(axes, maps, title: str):
    """axes: 2 x layers; each map a (units,) vector shown as a grid, block partners side by side."""
    for layer, (fa, fb) in enumerate(maps):
        side = int(np.sqrt(len(fa)))
        for row, (f, name) in enumerate(((fa, "task-A digits"), (fb, "task-B digits"))):
            ax = axes[row][layer]
            im = ax.imshow(f.reshape(side, -1), cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{title}, layer {layer + 1}: {name}", fontsize=7)
    return im


def headline_lwta(seed: int, quick: bool):
    cfg = ctc.Config(model="lwta")
    tasks = ctc.load_tasks(ctc.DEFAULT_DATA, 640 if quick else cfg.n_train)
    if quick:
        cfg = replace(cfg, hidden=64, epochs_a=1, epochs_b=1, n_train=640)
    row = ctc.run_seed(seed, cfg, tasks, keep=True)
    xa = tasks["x_test"]
    return cfg, row, xa, xa[:, row["perm"]]


def draw_winners(cfg, row, xa, xb, seed: int, out: Path) -> None:
    after_a, after_b = row["snapshots"]
    fig, axes = plt.subplots(2, 5, figsize=(12, 5.2), gridspec_kw={"width_ratios": [1, 1, 0.15, 1, 1]})
    for r in range(2):
        axes[r][2].axis("off")
    im = draw_winner_panel([axes[0][:2], axes[1][:2]], winner_maps(cfg, after_a, xa, xb), "after A")
    draw_winner_panel([axes[0][3:], axes[1][3:]], winner_maps(cfg, after_b, xa, xb), "after B")
    fig.colorbar(im, ax=axes, shrink=0.8, label="share of test digits on which the unit wins its block")
    fig.suptitle(f"Seed {seed}, LWTA 2 x {cfg.hidden}, blocks of k = {cfg.block} (partners side by side in a row): "
                 f"which unit wins, per task", fontsize=9)
    save_png(fig, out)
    plt.close(fig)


def draw_specialisation(cfg, row, xa, xb, out: Path) -> None:
    """Per block: |share won by unit 1 on A - on B|: 0 = same winner for both tasks, 1 = task-specific."""
    after_a, after_b = row["snapshots"]
    fig, axes = plt.subplots(1, cfg.layers, figsize=(9, 3.4))
    for layer in range(cfg.layers):
        ax = axes[layer]
        for params, name, color in ((after_a, "after A", "C0"), (after_b, "after B", "C3")):
            fa, fb = winner_maps(cfg, params, xa, xb)[layer]
            d = np.abs(fa.reshape(-1, cfg.block)[:, 0] - fb.reshape(-1, cfg.block)[:, 0])
            ax.hist(d, bins=20, range=(0, 1), alpha=0.5, color=color, label=f"{name} (mean {d.mean():.2f})")
        ax.set_xlabel("|P(unit 1 wins | A digit) - P(unit 1 wins | B digit)| per block")
        ax.set_ylabel("blocks")
        ax.set_title(f"layer {layer + 1}", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("How task-specific the LWTA winners are (seed 0)", fontsize=9)
    fig.tight_layout()
    save_png(fig, out)
    plt.close(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.quick:   # the stub's --quick run, recorded beside the pictures and removed after
        import json
        ctc.main(["--quick", "--record", str(out / "quick.json")])
        record = json.loads((out / "quick.json").read_text())
        (out / "quick.json").unlink()
    else:
        record = recorded(__file__)
    if record is not None and record.get("seeds"):
        draw_curves(record, args.seed, out / "forgetting_curves.png")
        draw_bars(record, out / "forgetting_bars.png")
    cfg, row, xa, xb = headline_lwta(args.seed, args.quick)
    draw_winners(cfg, row, xa, xb, args.seed, out / "lwta_winners.png")
    draw_specialisation(cfg, row, xa, xb, out / "lwta_specialisation.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
