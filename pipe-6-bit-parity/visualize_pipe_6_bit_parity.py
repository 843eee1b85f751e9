"""Static figures for pipe-6-bit-parity, drawn from results.json: the elite's wrong cases over evaluations for
every seed of every recorded search, the searches' elites at equal cost (1e5, 2.04e5, 5e5, 2e6 evaluations), and the final elites' 64
cases seed by seed.

    python3 pipe-6-bit-parity/visualize_pipe_6_bit_parity.py      # writes pipe-6-bit-parity/viz/*.png

Without a record, a 4-bit run of 2 seeds of 3000 evaluations stands in for it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import pipe_6_bit_parity as pp
from shared.frame.figures import figure_parser, recorded, save_png

STYLE = {None: ("C9", "PIPE, reading B, 204k (headline)"), "paper_scale": ("C0", "PIPE, reading B, 2M (paper scale)"),
         "reading_a_paper_scale": ("C1", "PIPE, reading A, 2M"), "gp": ("C3", "GP with crossover, 204k")}


def searches(record: dict) -> list[tuple[str | None, dict]]:
    """(section, part) for the 6-bit searches present in the record: the headline first."""
    found = [(None, record)] if record.get("seeds") else []
    found += [(k, record[k]) for k in STYLE if k is not None and isinstance(record.get(k), dict)]
    return found


def curves_figure(record: dict, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.8))
    budgets = sorted({part["headline"]["budget"] for _, part in searches(record)})
    ax.axvspan(*pp.PAPER_EVALUATIONS, color="0.9", zorder=0, label="[S] several hundred thousand to a million")
    for name, part in searches(record):
        color, label = STYLE.get(name, ("C2", name))
        for k, row in enumerate(part["seeds"]["per_seed"]):
            curve = np.array(row["curve"] + [[row["evaluations"], row["wrong_cases"]]], dtype=float)
            curve[:, 0] = np.maximum(curve[:, 0], 1)
            ax.step(curve[:, 0], curve[:, 1], where="post", color=color, alpha=0.55, lw=1.1,
                    label=f"{label} ({part['headline']['solved']}/{len(part['seeds']['per_seed'])} solved)" if k == 0 else None)
            if row["solved"]:
                ax.plot(row["evaluations"], 0, "o", color=color, ms=4)
    for budget in budgets:
        ax.axvline(budget, color="k", ls=":", lw=1)
    ax.plot([], [], color="k", ls=":", lw=1, label="budgets: " + ", ".join(f"{b:,}" for b in budgets))
    ax.set_xscale("log")
    ax.set_xlabel("program evaluations")
    ax.set_ylabel(f"wrong cases of the elite (of {1 << record['headline']['n_bits']})")
    ax.set_title(f"Even {record['headline']['n_bits']}-bit parity: the best program so far, every seed", fontsize=10)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    save_png(fig, out / "elite_curves.png")


def wrong_at(row: dict, evaluations: float) -> int | None:
    """The elite's wrong cases after ``evaluations`` (None if the run was shorter and unsolved)."""
    if evaluations > row["evaluations"] and not row["solved"]:
        return None
    wrong = 1 << 10
    for e, w in row["curve"]:
        if e <= evaluations:
            wrong = w
    return wrong


CHECKPOINTS = (1e5, 2.04e5, 5e5, 2e6)   # 2.04e5: the GP section's budget (Koza's 4000 x 51)


def checkpoint_figure(record: dict, out: Path) -> None:
    """Every search's seeds at equal cost: the elite's wrong cases after each of CHECKPOINTS evaluations."""
    parts = searches(record)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    width = 0.8 / max(len(parts), 1)
    rng = np.random.default_rng(0)
    for j, (name, part) in enumerate(parts):
        color, label = STYLE.get(name, ("C2", name))
        for i, point in enumerate(CHECKPOINTS):
            values = [v for v in (wrong_at(r, point) for r in part["seeds"]["per_seed"]) if v is not None]
            if not values:
                continue
            x = i + (j - (len(parts) - 1) / 2) * width
            ax.scatter(x + rng.uniform(-0.25, 0.25, len(values)) * width, values, s=18, color=color, alpha=0.7,
                       label=label if i == 0 else None)
            ax.hlines(np.median(values), x - 0.4 * width, x + 0.4 * width, color=color, lw=2)
    ax.axhline(18, color="0.5", ls="--", lw=1, label="published catalog: 18 wrong after ~420,000 [S]")
    ax.set_xticks(range(len(CHECKPOINTS)), [f"{int(c):,}" for c in CHECKPOINTS])
    ax.set_xlabel("program evaluations spent (bars: medians over seeds)")
    ax.set_ylabel("wrong cases of the elite (of 64)")
    ax.set_ylim(bottom=-1)
    ax.set_title("The searches at equal cost, seed by seed (0 = solved)", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "at_equal_cost.png")


def truth_table_figure(record: dict, out: Path) -> None:
    parts = searches(record)
    n_bits = record["headline"]["n_bits"]
    task = pp.parity_task(n_bits)
    fig, axes = plt.subplots(len(parts), 1, figsize=(9, 1.2 + 0.3 * sum(len(p["seeds"]["per_seed"]) for _, p in parts)),
                             squeeze=False)
    for ax, (name, part) in zip(axes[:, 0], parts):
        rows = part["seeds"]["per_seed"]
        grid = np.array([[(((int(r["elite_outputs"], 16) ^ task.target) >> c) & 1) for c in range(task.n_cases)]
                         for r in rows])
        image = ax.imshow(grid, cmap=ListedColormap(["#9fd49f", "#d62728"]), vmin=0, vmax=1, aspect="auto",
                          interpolation="nearest")
        ax.set_yticks(range(len(rows)), [f"seed {r['seed']}" for r in rows], fontsize=6)
        ax.set_xlabel(f"input case c (bits x0..x{n_bits - 1} = binary c)")
        ax.set_title(f"{STYLE.get(name, ('', name))[1]}: the final elite on every case", fontsize=9)
        bar = fig.colorbar(image, ax=ax, ticks=[0.25, 0.75], fraction=0.03)
        bar.ax.set_yticklabels(["right", "wrong"], fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "final_elites.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = recorded(pp.__file__)
    if record is None or not record.get("seeds"):
        record = pp.search_section([0, 1], "pipe", 4, pp.HEADLINE_READING, 3000, None, 1)
    curves_figure(record, out)
    checkpoint_figure(record, out)
    truth_table_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
