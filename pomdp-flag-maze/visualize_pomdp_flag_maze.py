"""Static figures for pomdp-flag-maze (seed 0's headline run, corridor 4, and the recorded sweeps).

    python3 pomdp-flag-maze/visualize_pomdp_flag_maze.py     # writes viz/*.png

- paths.png: the T-maze and the greedy paths of seed 0's final C for both indicators.
- hidden_state.png: C's LSTM output h along both paths, their difference (the indicator carried through
  identical corridor cells), and M's predicted reinforcement 2 (q+ - q-) along each real path.
- learning.png: seed 0's training (M's loss, C's imagined reinforcement, the greedy C's success after
  each cycle) and, from results.json, the runs solved per setting against the published catalog's 6/10.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import pomdp_flag_maze as pf
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def train_headline(seed: int, quick: bool):
    """Seed `seed`'s headline run (corridor 4, C through an LSTM M), its nets kept as they end."""
    args = pf.parse_args(["--seed", str(seed)] + (["--quick"] if quick else []))
    cfg = pf.config_of(args)
    return cfg, pf.train_runs(cfg, [seed], progress=not quick, keep=True)


def rollouts(cfg, run):
    """The final greedy C for indicator +1 and -1: cells visited, actions, C's h (T, H), pi (T, 4), and M's
    predicted reinforcement 2 (q+ - q-) along the real path (M reading the real observations and actions)."""
    env, c, m = run["env"], run["controller"], run["model"]
    record = []
    ok, steps, (obs, acts, outs, mask) = pf.evaluate(env, c, cfg.t_max, record=record)
    out = []
    for j, ind in enumerate((1.0, -1.0)):
        n = int(steps[0, j])
        cells = [env.start]
        for t in range(n):
            cells.append(int(env.maze.step(np.array([cells[-1]]), np.array([acts[0, j, t]]))[0]))
        state = m.initial_state(1)
        pred = []
        for t in range(n):
            x = np.concatenate([obs[:, j:j + 1, t], np.eye(pf.N_ACT)[acts[:, j:j + 1, t]]], axis=-1)
            state, y = m.step(state, x)
            q = pf.softmax(y[..., pf.N_OBS:])[0, 0]
            pred.append(pf.REWARD * (q[1] - q[2]))
        out.append({"indicator": ind, "cells": cells, "actions": acts[0, j, :n], "solved": bool(ok[0, j]),
                    "hidden": np.array([r[0][0, j] for r in record[:n]], dtype=float),
                    "pi": np.array([r[1][0, j] for r in record[:n]], dtype=float),
                    "predicted": np.array(pred), "reward": pf.REWARD * (1 if outs[0, j, n - 1] == 1 else
                                                                     -1 if outs[0, j, n - 1] == 2 else 0)})
    return out


def draw_maze(ax, env, trails=(), agent=None, indicator=None):
    walls = env.maze.walls
    ax.imshow(walls, cmap="Greys", vmin=0, vmax=1.4, interpolation="nearest")
    for mark, colour in (("A", "C0"), ("B", "C3")):
        r, c = env.maze.coords[env.maze.cell_of(mark)]
        ax.text(c, r, "top flag\n(+1)" if mark == "A" else "bottom flag\n(-1)", ha="center", va="center",
                fontsize=6, color=colour, fontweight="bold")
    r, c = env.maze.coords[env.start]
    ax.text(c, r + 0.38, "S", ha="center", va="center", fontsize=7)
    r, c = env.maze.coords[env.maze.cell_of("T")]
    ax.text(c, r + 0.38, "T", ha="center", va="center", fontsize=7)
    for cells, colour, dy in trails:
        rc = env.maze.coords[cells]
        ax.plot(rc[:, 1], rc[:, 0] + dy, "-o", color=colour, lw=2, ms=3, alpha=0.8)
    if agent is not None:
        r, c = env.maze.coords[agent]
        ax.plot(c, r, "o", ms=14, color="gold", mec="k")
    if indicator is not None:
        r, c = env.maze.coords[env.start]
        ax.text(c, r - 0.05, f"{indicator:+.0f}", ha="center", va="center", fontsize=9, fontweight="bold",
                color="C0" if indicator > 0 else "C3")
    ax.set_xticks([])
    ax.set_yticks([])


def draw_paths(cfg, rolls, out):
    env = pf.TMaze(cfg.corridor)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    draw_maze(ax, env, trails=[(rolls[0]["cells"], "C0", -0.12), (rolls[1]["cells"], "C3", 0.12)])
    ax.set_title(f"seed 0, final greedy C, corridor {cfg.corridor}: blue indicator +1 "
                 f"({'reaches' if rolls[0]['solved'] else 'misses'} the top flag), red -1 "
                 f"({'reaches' if rolls[1]['solved'] else 'misses'} the bottom flag)", fontsize=8)
    save_png(fig, out / "paths.png")
    plt.close(fig)


def draw_hidden(cfg, rolls, out):
    n = min(len(rolls[0]["hidden"]), len(rolls[1]["hidden"]))
    h_plus, h_minus = rolls[0]["hidden"][:n], rolls[1]["hidden"][:n]
    diff = h_plus - h_minus
    order = np.argsort(-np.abs(diff).mean(axis=0))
    fig, axes = plt.subplots(2, 2, figsize=(9.0, 5.6), gridspec_kw={"height_ratios": [1, 1]})
    for ax, data, title in ((axes[0, 0], h_plus, "C's h, indicator +1"), (axes[0, 1], h_minus, "C's h, indicator -1"),
                            (axes[1, 0], diff, "difference (+1 minus -1)")):
        image = ax.imshow(data[:, order].T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_xlabel("time step (0: the start, the only step with the indicator)", fontsize=7)
        ax.set_ylabel("C's LSTM units (sorted by |difference|)", fontsize=7)
        ax.set_title(title, fontsize=9)
        ax.axvspan(0.5, cfg.corridor - 0.5, color="none", ec="k", ls="--", lw=0.8)
        fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02, label="h")
    ax = axes[1, 1]
    for roll, colour, dx, style in zip(rolls, ("C0", "C3"), (-0.06, 0.06), ("-o", "--s")):
        steps = np.arange(len(roll["predicted"])) + dx
        ax.plot(steps, roll["predicted"], style, color=colour, ms=3,
                label=f"indicator {roll['indicator']:+.0f} (real reward at the end {roll['reward']:+.0f})")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylim(-2.3, 2.3)
    ax.set_xlabel("time step of the real path", fontsize=7)
    ax.set_ylabel("M's predicted reinforcement 2 (q+ - q-)", fontsize=7)
    ax.set_title("M predicts the flag's sign from the indicator it saw at t = 0", fontsize=9)
    ax.legend(fontsize=6, loc="lower left")
    fig.suptitle(f"seed 0, corridor {cfg.corridor}: the corridor cells (dashed box) look the same; only the "
                 f"state carries the indicator", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "hidden_state.png")
    plt.close(fig)


SETTINGS = [("main", "solved", "C through M,\ncorridor 4"), ("corridor-10", "corridor_10_solved", "corridor 10"),
            ("corridor-20", "corridor_20_solved", "corridor 20"), ("reinforce", "reinforce_solved",
                                                                   "REINFORCE,\ncorridor 4"),
            ("corridor-10-reinforce", "corridor_10_reinforce_solved", "REINFORCE,\ncorridor 10"),
            ("corridor-20-reinforce", "corridor_20_reinforce_solved", "REINFORCE,\ncorridor 20"),
            ("odyssnet", "odyssnet_solved", "OdyssNet C,\ncorridor 4"),
            ("odyssnet-m", "odyssnet_m_solved", "OdyssNet M,\ncorridor 4")]


def recorded_counts():
    path = HERE / "results.json"
    if not path.exists():
        return []
    record = json.loads(path.read_text())
    rows = []
    for section, key, label in SETTINGS:
        part = record if section == "main" else record.get(section)
        if part and key in part.get("headline", {}):
            k, n = map(int, str(part["headline"][key]).split("/"))
            rows.append((label, k, n))
    return rows


def draw_learning(cfg, run, out):
    h = run["history"]
    fig, axes = plt.subplots(1, 3, figsize=(13.0, 4.2), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    ax = axes[0]
    m_loss = np.concatenate([c[:, 0] for c in h["m_loss"]])
    ax.semilogy(m_loss, lw=0.7, color="C0", label="M's loss")
    edges = np.cumsum([len(c) for c in h["m_loss"]])
    for e in edges[:-1]:
        ax.axvline(e, color="grey", lw=0.5, ls=":")
    ax.set_xlabel("M's updates (dotted: cycle boundaries)", fontsize=8)
    ax.set_ylabel("squared error + 5 x cross-entropy", fontsize=8)
    ax.set_title("seed 0: M's system identification", fontsize=9)
    ax = axes[1]
    imagined = np.concatenate([c[:, 0] for c in h["imagined"]])
    ax.plot(imagined, lw=0.6, color="C1")
    ax.set_xlabel("C's updates through M", fontsize=8)
    ax.set_ylim(-2.1, 2.1)
    ax2 = ax.twinx()
    ends = np.cumsum([len(c) for c in h["imagined"]])
    ax2.plot(ends, [g[0] for g in h["greedy"]], "s-", color="C2", ms=4)
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_ylabel("greedy C's real success after the cycle (green)", fontsize=7, color="C2")
    ax.set_ylabel("imagined reinforcement per episode (orange)", fontsize=8, color="C1")
    ax.set_title("seed 0: C through the frozen M", fontsize=9)
    ax = axes[2]
    rows = recorded_counts()
    labels = [r[0] for r in rows] + ["published\ncatalog (side\nchannel etc.)"]
    values = [r[1] / r[2] for r in rows] + [0.6]
    colours = ["C2"] * len(rows) + ["grey"]
    ax.bar(range(len(values)), values, color=colours)
    for i, r in enumerate(rows):
        ax.text(i, values[i] + 0.02, f"{r[1]}/{r[2]}", ha="center", fontsize=7)
    ax.text(len(rows), 0.62, "6/10", ha="center", fontsize=7)
    ax.axhline(0.8, color="k", ls="--", lw=0.8)
    ax.text(len(values) - 0.5, 0.82, "target 8/10", ha="right", fontsize=7)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels([lab.replace("\n", " ") for lab in labels], fontsize=6, rotation=40, ha="right")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share of runs solved (recorded sweeps)", fontsize=8)
    ax.set_title("runs whose greedy C reaches the indicated flag", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "learning.png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg, run = train_headline(args.seed, args.quick)
    rolls = rollouts(cfg, run)
    draw_paths(cfg, rolls, out)
    draw_hidden(cfg, rolls, out)
    draw_learning(cfg, run, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
