"""Static figures for flip-flop: training curves, a test episode, M's pain landscape, the sweeps.

    python3 flip-flop/visualize_flip_flop.py          # writes flip-flop/viz/*.png

Trains seed 0 in both regimes (about half a minute); the sweep figure draws the recorded runs
in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import flip_flop as ff
from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
EVENT_COLORS = {0: "C3", 1: "C2", 2: "0.75"}


def headline_config(regime: str, quick: bool) -> ff.Config:
    cfg = replace(ff.Config(), regime=regime)
    if quick:
        cfg = replace(cfg, budget=40 * cfg.batch * cfg.steps, model_iters=15, eval_every=5, test_episodes=5)
    return cfg


def train_headline(seed: int, regime: str, quick: bool, snapshot_every: int = 0) -> tuple[ff.Config, dict]:
    cfg = headline_config(regime, quick)
    return cfg, ff.train(seed, cfg, keep_curve=True, snapshot_every=snapshot_every)


def draw_events(ax, events: np.ndarray) -> None:
    """Event letters along the top of an axis (A red, B green, X grey)."""
    for t, e in enumerate(events):
        ax.text(t, 1.13, ff.EVENTS[e], ha="center", va="center", fontsize=7, color=EVENT_COLORS[e],
                fontweight="bold" if e < 2 else "normal")


def training_curves(runs: dict, out: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.2), sharex="col")
    for col, (regime, (cfg, run)) in enumerate(runs.items()):
        curve = run["curve"]
        steps = np.array([c["steps"] for c in curve])
        ax = axes[0, col]
        ax.semilogy(steps, [c["test_max_pain"] for c in curve], color="C3", label="worst test step")
        ax.semilogy(steps, [c["test_mean_pain"] for c in curve], color="C1", label="mean over test steps")
        ax.axhline(ff.SOLVE_PAIN, color="k", ls=":", lw=1, label=f"solved below {ff.SOLVE_PAIN}")
        ax.set_ylabel("pain of deterministic C")
        status = f"solved after {run['steps_to_solve']} steps" if run["solved"] else "not solved"
        ax.set_title(f"{regime} regime, seed 0: {status}", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
        ax = axes[1, col]
        ax.semilogy(steps, [c["model_loss"] for c in curve], color="C0", label="M: squared error of predicted pain")
        ax.semilogy(steps, [max(c["train_pain"], 1e-6) for c in curve], color="C2", alpha=0.7,
                    label="pain felt in training episodes (with exploration)")
        ax.set_xlabel("environment time steps")
        ax.legend(fontsize=7, loc="lower left")
        if regime == "sequential":
            for a in axes[:, col]:
                a.axvspan(0, cfg.model_iters * cfg.batch * cfg.steps, color="C0", alpha=0.08)
            axes[0, col].text(cfg.model_iters * cfg.batch * cfg.steps / 2, 0.5, "M learns,\nC waits",
                              ha="center", fontsize=8, color="C0", transform=axes[0, col].get_xaxis_transform())
    fig.suptitle("flip-flop: C learns only through M's predicted pain", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def model_prediction(run: dict, obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    return run["model"].forward(ff.model_input(obs, actions))


def test_episode(cfg: ff.Config, run: dict, out: Path, title: str) -> None:
    events, desired = ff.test_set(cfg)
    events, desired = events[:1], desired[:1]
    obs, actions, pain = ff.rollout(run["controller"], events, desired, np.zeros(events.shape))
    predicted = model_prediction(run, obs, actions)
    t = np.arange(events.shape[1])
    fig, axes = plt.subplots(2, 1, figsize=(11, 5.2), sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    ax = axes[0]
    ax.step(t, desired[0], where="mid", color="k", lw=1.5, label="latch (never shown to C)")
    ax.plot(t, actions[0], "o-", color="C1", ms=3, lw=1.2, label="C's output y")
    draw_events(ax, events[0])
    ax.set_ylim(-0.15, 1.25)
    ax.set_ylabel("output")
    ax.legend(loc="center right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax = axes[1]
    ax.semilogy(t, np.maximum(pain[0], 1e-8), color="C3", label="pain felt")
    ax.semilogy(t, np.maximum(np.abs(predicted[0]), 1e-8), "--", color="C0", label="|pain predicted by M|")
    ax.axhline(ff.SOLVE_PAIN, color="k", ls=":", lw=1)
    ax.set_ylabel("pain")
    ax.set_xlabel("time step of the test episode")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "test_episode.png")


def pain_landscape(cfg: ff.Config, run: dict, out: Path) -> None:
    """M's predicted pain at one step as a function of the action taken there (C's actions elsewhere)."""
    events, desired = ff.test_set(cfg)
    events, desired = events[:1], desired[:1]
    obs, actions, _ = ff.rollout(run["controller"], events, desired, np.zeros(events.shape))
    grid = np.linspace(-0.2, 1.2, 57)
    picks = []
    for want, event in ((0.0, 0), (1.0, 1)):   # per latch value: the step of an event that set it, the last X after it
        setting = np.flatnonzero((desired[0] == want) & (events[0] == event))
        waiting = np.flatnonzero((desired[0] == want) & (events[0] == 2))
        picks += [int(i) for i in (setting[:1].tolist() + waiting[-1:].tolist())]
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    for k, step in enumerate(picks):
        tried = np.repeat(actions, grid.size, axis=0)
        tried[:, step] = grid
        pred = model_prediction(run, np.repeat(obs, grid.size, axis=0), tried)[:, step]
        since = ff.EVENTS[events[0, step]]
        color = f"C{k}"
        ax.plot(grid, pred, color=color, label=f"step {step}: latch {int(desired[0, step])}, event {since}")
        ax.plot(grid, (grid - desired[0, step]) ** 2, ":", color=color, lw=1)
        ax.axvline(desired[0, step], color=color, lw=0.6, alpha=0.5)
    ax.set_xlabel("action y at that step")
    ax.set_ylabel("pain predicted by M (dotted: true pain)")
    ax.set_title("M's pain landscape on a test episode (parallel regime, seed 0)", fontsize=10)
    ax.legend(fontsize=7)
    ax.set_ylim(-0.1, 1.5)
    fig.tight_layout()
    save_png(fig, out / "pain_landscape.png")


def sweep_figure(out: Path) -> None:
    """Steps to solve per seed for every recorded configuration (results.json)."""
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    groups = {}
    for key, label in ((None, ""), ("truncated", "same-step gradient: "), ("odyssnet", "")):
        rec = record if key is None else record.get(key)
        if not rec or not rec.get("seeds"):
            continue
        for row in rec["seeds"]["per_seed"]:
            name = label + (row.get("variant", "RNN C and M") + ", " + row["regime"])
            groups.setdefault(name, []).append(row)
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.45 * max(len(groups), 1)))
    budget = 1_000_000
    for i, (name, rows) in enumerate(groups.items()):
        solved = [r["steps_to_solve"] for r in rows if r["solved"]]
        failed = sum(not r["solved"] for r in rows)
        ax.scatter(solved, np.full(len(solved), i), color="C0", s=22, zorder=3)
        ax.scatter(np.full(failed, budget * 1.04), i + np.linspace(-0.2, 0.2, failed) if failed else [],
                   marker="x", color="C3", s=22, zorder=3)
        if solved:
            ax.plot([np.median(solved)] * 2, [i - 0.3, i + 0.3], color="C0", lw=2)
        ax.text(budget * 1.09, i, f"{len(solved)}/{len(rows)}", va="center", fontsize=8)
    ax.set_yticks(range(len(groups)), list(groups), fontsize=8)
    ax.axvline(budget, color="k", ls=":", lw=1)
    ax.set_xlim(0, budget * 1.16)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v / 1e6:g}"))
    ax.set_xlabel("environment steps to solve, millions (dot: a seed; bar: median; x: unsolved at 10^6)")
    ax.set_title("flip-flop: every recorded seed (results.json)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "sweep.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = {regime: train_headline(args.seed, regime, args.quick) for regime in ff.REGIMES}
    training_curves(runs, out)
    cfg, run = runs["parallel"]
    test_episode(cfg, run, out, f"parallel regime, seed {args.seed}: deterministic C on the first test episode "
                                f"(A red, B green, X grey)")
    pain_landscape(cfg, run, out)
    sweep_figure(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
