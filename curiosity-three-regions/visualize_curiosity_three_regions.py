"""Static figures for curiosity-three-regions: where each agent spends its time, M's error over
time, the curiosity signal per region, what M, the confidence module and the controller learned,
and every recorded seed.

    python3 curiosity-three-regions/visualize_curiosity_three_regions.py     # writes viz/*.png

Reruns seed 0 of each agent with the recorded configuration (about half a minute); the sweep figure
draws the recorded runs in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import curiosity_three_regions as cur  # noqa: E402
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402

REGION_COLORS = {0: "#4c72b0", 1: "#c44e52", 2: "#55a868"}
REGION_LABELS = {0: "A (known: 4 contexts)", 1: "B (noise)", 2: "C (learnable: 128 contexts)"}
AGENT_TITLES = {"confidence": "curious (confidence module)", "naive": "naive: reward = M's error",
                "improvement": "one-sample improvement of M", "random": "random actions"}


def config(quick: bool) -> cur.Config:
    return replace(cur.Config(), steps=1000, eval_every=100, windows=5) if quick else cur.Config()


def run_all(seed: int, cfg: cur.Config) -> dict:
    return {k: cur.run_agent(seed, k, cfg, trace=True) for k in cur.KINDS}


def windowed(regions: np.ndarray, width: int) -> np.ndarray:
    n = len(regions) // width
    return np.array([np.bincount(regions[i * width:(i + 1) * width], minlength=3) / width for i in range(n)])


def fig_visits(runs: dict, cfg: cur.Config, out: Path) -> None:
    width = max(1, cfg.steps // 60)
    fig, axes = plt.subplots(len(runs), 1, figsize=(9, 2.0 * len(runs)), sharex=True)
    for ax, (kind, r) in zip(axes, runs.items()):
        w = windowed(r["regions"], width)
        x = (np.arange(len(w)) + 0.5) * width
        ax.stackplot(x, w.T, colors=[REGION_COLORS[i] for i in range(3)],
                     labels=[REGION_LABELS[i] for i in range(3)])
        ax.set_ylim(0, 1)
        ax.set_ylabel("share")
        ax.set_title(f"{AGENT_TITLES[kind]}: overall A/B/C = "
                     + "/".join(f"{v:.2f}" for v in r["shares"]), fontsize=9)
    axes[0].legend(loc="upper right", fontsize=7, ncol=3)
    axes[-1].set_xlabel(f"environment step (shares over windows of {width} steps)")
    fig.suptitle("Seed 0: where each agent spends its time", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "visits_over_time.png")


def fig_model_error(runs: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for ax, region, name in zip(axes, ("A", "C"), ("region A (4 contexts)", "region C (128 contexts)")):
        for kind, r in runs.items():
            steps = [e["step"] for e in r["evals"]]
            ax.plot(steps, [max(e[region], 1e-6) for e in r["evals"]], label=AGENT_TITLES[kind])
        ax.set_yscale("log")
        ax.set_title(f"M's mean squared error over {name}", fontsize=9)
        ax.set_xlabel("environment step")
    axes[0].set_ylabel("mean squared error (noise-free targets)")
    axes[1].legend(fontsize=7)
    fig.suptitle("Seed 0: M's error on every deterministic context (the paper's E(t), split by region)",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "model_error.png")


def fig_reward(runs: dict, cfg: cur.Config, out: Path) -> None:
    width = max(1, cfg.steps // 30)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, kind in zip(axes, ("confidence", "improvement", "naive")):
        r = runs[kind]
        n = cfg.steps // width
        for reg in range(3):
            vals = []
            for i in range(n):
                sel = r["regions"][i * width:(i + 1) * width] == reg
                vals.append(r["rewards"][i * width:(i + 1) * width][sel].mean() if sel.any() else np.nan)
            ax.plot((np.arange(n) + 0.5) * width, vals, "o-", ms=2, color=REGION_COLORS[reg], label=REGION_LABELS[reg])
        ax.axhline(0, color="0.5", lw=0.6)
        ax.set_yscale("symlog", linthresh=1e-4)
        ax.set_title(AGENT_TITLES[kind], fontsize=9)
        ax.set_xlabel("environment step")
    axes[0].set_ylabel(f"mean reward per step in the region\n(windows of {width} steps)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Seed 0: the reward each agent gets in each region (missing points: region not visited)",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "curiosity_reward.png")


def fig_learned(runs: dict, cfg: cur.Config, out: Path) -> None:
    r = runs["confidence"]
    world = r["world"]
    snap = r["snapshots"][-1]
    mid = r["snapshots"][len(r["snapshots"]) // 4]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.6), gridspec_kw={"width_ratios": [1.4, 1.4, 1.2, 1.2]})
    for ax, s, name in ((axes[0], mid, "early"), (axes[1], snap, "end")):
        err = np.abs(s["pred_c"] - world.c_values.ravel()).reshape(cfg.cells, cfg.cues)
        im = ax.imshow(err, aspect="auto", cmap="magma", vmin=0, vmax=1)
        ax.set_title(f"|M's error| on C's contexts, step {s['step']}", fontsize=9)
        ax.set_xlabel("cue")
        ax.set_ylabel("cell of C")
        fig.colorbar(im, ax=ax, fraction=0.05)
    conf = snap["conf"]
    n = cfg.cells
    groups = [conf[:n], conf[n:2 * n], conf[2 * n:]]
    axes[2].boxplot(groups)
    axes[2].set_xticks([1, 2, 3], ["A", "B", "C"])
    axes[2].axhline(cfg.sigma_b ** 2, color=REGION_COLORS[1], ls="--", lw=0.8, label="B's noise variance")
    axes[2].set_title("confidence module: M's expected error\nper context, at the end", fontsize=9)
    axes[2].legend(fontsize=7)
    q = snap["q"]
    im = axes[3].imshow(q.T, aspect="auto", cmap="coolwarm", vmin=-np.abs(q).max(), vmax=np.abs(q).max())
    axes[3].set_yticks([0, 1, 2], ["left", "stay", "right"])
    axes[3].set_xticks(range(world.n_cells), ["A"] * n + ["B"] * n + ["C"] * n, fontsize=7)
    axes[3].set_title("controller's Q(cell, action), end", fontsize=9)
    fig.colorbar(im, ax=axes[3], fraction=0.05)
    fig.suptitle("Seed 0, curious agent: what M, the confidence module and the controller learned", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "learned_maps.png")


def fig_sweep(record: dict, out: Path) -> None:
    rows = record["seeds"]["per_seed"]
    kinds = [k for k in cur.KINDS if any(r["kind"] == k for r in rows)]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    ax = axes[0]
    for i, kind in enumerate(kinds):
        rk = [r for r in rows if r["kind"] == kind]
        for j, reg in enumerate("ABC"):
            vals = [r[f"share_{reg}"] for r in rk]
            x = i + (j - 1) * 0.25
            ax.scatter(np.full(len(vals), x) + np.linspace(-0.05, 0.05, len(vals)), vals, s=10,
                       color=REGION_COLORS[j], label=REGION_LABELS[j] if i == 0 else None)
            ax.plot([x - 0.1, x + 0.1], [np.mean(vals)] * 2, color="k", lw=1.5)
    ax.set_xticks(range(len(kinds)), [AGENT_TITLES[k] for k in kinds], fontsize=7, rotation=10)
    ax.set_ylabel("share of steps in the region (dots: seeds; bar: mean)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    ax.set_title(f"Visit shares, seeds {min(r['seed'] for r in rows)}-{max(r['seed'] for r in rows)}", fontsize=9)
    ax = axes[1]
    cfg = record.get("config", {})
    every = cfg.get("eval_every", 500)
    for kind in kinds:
        curves = np.array([r["E_curve"] for r in rows if r["kind"] == kind])
        steps = np.arange(curves.shape[1]) * every
        ax.plot(steps, np.median(curves, 0), label=AGENT_TITLES[kind])
        ax.fill_between(steps, curves.min(0), curves.max(0), alpha=0.15)
    ax.set_yscale("log")
    ax.set_xlabel("environment step")
    ax.set_ylabel("E(t) (summed squared error)")
    ax.set_title("E(t): median over seeds, band = range", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "sweep.png")


def main() -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = config(args.quick)
    runs = run_all(args.seed, cfg)
    fig_visits(runs, cfg, out)
    fig_model_error(runs, out)
    fig_reward(runs, cfg, out)
    fig_learned(runs, cfg, out)
    record = recorded(cur.__file__)
    if record and record.get("seeds"):
        fig_sweep(record, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
