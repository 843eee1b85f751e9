"""Static figures for oops-towers-of-hanoi: what each task cost OOPS and the search without reuse, the frozen code
growing task by task, and the found solver's moves beyond the trained sizes.

    python3 oops-towers-of-hanoi/visualize_oops_towers_of_hanoi.py      # writes oops-towers-of-hanoi/viz/*.png

Draws results.json (the recorded runs); without it (or with --quick), reruns OOPS on Hanoi tasks 1..2 (seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import oops_towers_of_hanoi as oh
from shared.frame.figures import figure_parser, recorded, save_png

TOKEN_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#ffffff"]


def live_rows(seed: int) -> list:
    """OOPS on tasks 1..2 (the --quick configuration), as results.json's per-seed rows."""
    r = oh.run_seed(seed, 2, True, 200_000, False, 6, 8)
    return [{"seed": seed, "steps_per_task": [h["steps"] for h in r["history"]], "history": r["history"]}]


def cost_figure(rows, fresh_rows, budget, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    for i, r in enumerate(rows):
        steps = r["steps_per_task"]
        ax.plot(range(1, len(steps) + 1), np.maximum(steps, 1), "o-", color="C0", alpha=0.7, lw=1.2,
                label="OOPS (reuse of frozen code)" if i == 0 else None)
    for i, r in enumerate(fresh_rows):
        steps = r["steps_per_task"]
        solved = r["tasks_solved"]
        ax.plot(range(1, len(steps) + 1), np.maximum(steps, 1), "s--", color="C3", alpha=0.7, lw=1.2,
                label="fresh Levin search per task (no reuse)" if i == 0 else None)
        if solved < len(steps):
            ax.plot([len(steps)], [max(steps[-1], 1)], "x", color="k", ms=10,
                    label="budget spent, task unsolved" if i == 0 else None)
    ax.set_yscale("log")
    ax.set_xlabel("Hanoi task n (instances 1..n)")
    ax.set_ylabel("steps spent on the task (all searches)")
    ax.set_title(f"Search cost per task, every token order (budget {budget:,} steps per run)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, out / "cost_per_task.png")


def library_figure(history, out: Path) -> None:
    """Rows: tasks; columns: the solver's tokens (code from its start address); colour: the token."""
    progs = [h.get("program", []) for h in history if h["solved"]]
    width = max(len(p) for p in progs)
    grid = np.full((len(progs), width), oh.N_PRIMITIVES, dtype=float)
    for i, p in enumerate(progs):
        grid[i, :len(p)] = p
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(progs) + 1.6))
    im = ax.imshow(grid, cmap=ListedColormap(TOKEN_COLORS), vmin=-0.5, vmax=oh.N_PRIMITIVES + 0.5, aspect="auto")
    for i, h in enumerate([h for h in history if h["solved"]]):
        ax.text(width - 0.4, i, f"  {h['how']}, {h['steps']:,} steps", va="center", fontsize=7)
    ax.set_xlim(-0.5, width + 6)
    ax.set_yticks(range(len(progs)), [f"task {h['task']}" for h in history if h["solved"]])
    ax.set_xlabel("token position in the frozen solver (from its start address)")
    ax.set_title("The solver OOPS holds after each task (seed 0)", fontsize=10)
    bar = fig.colorbar(im, ax=ax, ticks=range(oh.N_PRIMITIVES + 1), fraction=0.05)
    bar.ax.set_yticklabels(list(oh.NAMES) + ["(none)"], fontsize=7)
    bar.set_label("token")
    fig.tight_layout()
    save_png(fig, out / "library.png")


def moves_figure(solver, out: Path, n_sim: int = 14, n_proof: int = 30) -> None:
    prog = oh.tokens_of(solver)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ns = np.arange(1, n_proof + 1)
    ax.plot(ns, 2.0 ** ns - 1, "k-", lw=1, label="2^n - 1 (optimal)")
    sim = [oh.simulate(prog, n) for n in range(1, n_sim + 1)]
    ax.plot([n for n, s in zip(range(1, n_sim + 1), sim) if s[0]], [s[1] for s in sim if s[0]], "o", color="C2",
            ms=7, label="direct simulation (solved)")
    try:
        proof = [oh.induction_check(prog, int(n)) for n in ns]
        ax.plot([n for n, p in zip(ns, proof) if p[0]], [p[1] for p in proof if p[0]], ".", color="C0", ms=6,
                label="induction check (solved)")
    except oh.NotATowerMover as e:
        ax.text(0.05, 0.9, f"induction check: {e}", transform=ax.transAxes, fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("disks n")
    ax.set_ylabel("moves of the solver")
    ax.set_title(f"The frozen solver beyond its trained sizes:\n{solver}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, out / "solver_moves.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = None if args.quick else recorded(oh.__file__)
    if record is not None and "seeds" in record:
        rows = record["seeds"]["per_seed"]
        fresh_rows = record.get("fresh", {}).get("seeds", {}).get("per_seed", [])
        budget = int(record["command"].split("--budget ")[1].split()[0]) if "--budget" in record["command"] else 36_000_000
        history = [{"task": t[0], "how": t[1], "steps": t[4], "solved": t[1] != "-",
                    "program": oh.tokens_of(t[5]) if t[1] != "-" else []} for t in record["tables"][0]["rows"]]
        solver = record["headline"]["solver"]
    else:
        rows = live_rows(args.seed)
        fresh_rows, budget, history = [], 200_000, rows[0]["history"]
        solver = oh.disassemble(history[-1]["program"])
    cost_figure(rows, fresh_rows, budget, out)
    library_figure(history, out)
    moves_figure(solver, out, 8 if args.quick else 14, 10 if args.quick else 30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
