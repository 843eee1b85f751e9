"""Static figures for levin-count-inputs: search cost, the found program at work, generalization.

    python3 levin-count-inputs/visualize_levin_count_inputs.py      # writes levin-count-inputs/viz/*.png

Runs the headline search once (a few seconds; --quick: 20-bit inputs); the cost-growth and learner
figures draw the recorded run in results.json, so they show the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import levin_count_inputs as lv
from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def headline_search(seed: int, quick: bool):
    width = 20 if quick else lv.N_INPUTS
    x_train, y_train, x_test, y_test = lv.make_task(seed, width)
    search = lv.levin_search([x_train], [y_train], 30, width, progress=False)
    return width, search, (x_train, y_train, x_test, y_test)


def search_cost(search, width: int, out: Path) -> None:
    found = search.finds[0]
    phases = np.array([p[0] for p in search.phase_log])
    programs = np.array([p[1] for p in search.phase_log])
    charged = np.array([p[2] for p in search.phase_log])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    axes[0].semilogy(phases, np.maximum(programs, 1), "o-", label="programs run (cumulative)")
    axes[0].semilogy(phases, np.maximum(charged, 1), "s-", label="steps charged (cumulative)")
    axes[0].semilogy(phases, 2.0 ** phases, "k:", lw=1, label="2^phase")
    axes[0].axvline(found.phase, color="C3", ls="--", lw=1)
    axes[0].text(found.phase - 0.3, 3, f"found in phase {found.phase}\n({found.programs} programs)", color="C3",
                 ha="right", fontsize=8)
    axes[0].set_xlabel("phase i (programs of <= i bits, 2^(i - bits) steps each)")
    axes[0].set_title(f"Levin search, {width}-bit inputs: cost up to each phase")
    axes[0].legend(fontsize=8, loc="upper left")
    last = search.by_length[-1]
    bits = sorted(last)
    axes[1].bar(bits, [last[b] for b in bits], color="C0", width=0.8)
    axes[1].set_yscale("log")
    axes[1].axvline(found.bits, color="C3", ls="--", lw=1)
    axes[1].text(found.bits + 0.3, max(last.values()), f"the counting loop:\n{found.bits} bits, t = {found.steps}",
                 color="C3", va="top", fontsize=8)
    axes[1].set_xlabel("program length (bits)")
    axes[1].set_ylabel("programs run")
    axes[1].set_title(f"phase {found.phase} (until the find): programs by length")
    fig.tight_layout()
    save_png(fig, out / "search_cost.png")


def program_trace(found, width: int, out: Path) -> None:
    """The found program running: instruction pointer, cell c0 and weights written, step by step."""
    program = found.program
    machine = lv.Machine()
    ips, c0, written = [0], [0], [0]
    while len(ips) <= 40:
        status = lv.execute(program, machine, machine.steps + 1, width)
        ips.append(machine.ip)
        c0.append(machine.cells[0])
        written.append(len(machine.weights))
        if status == lv.HALTED:
            break
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1.4, 1]})
    steps = np.arange(len(ips))
    axes[0].step(steps, ips, where="post", label="instruction pointer")
    axes[0].step(steps, c0, where="post", label="cell c0")
    axes[0].step(steps, np.array(written) / 4, where="post", label="weights written / 4")
    axes[0].set_xlabel("time step")
    axes[0].set_title(f"{lv.disassemble(program)}: the first 40 of {found.steps} steps", fontsize=10)
    axes[0].legend(fontsize=8, loc="upper left")
    listing = "\n".join(f"{i}: {lv.disassemble([ins])}" for i, ins in enumerate(program))
    axes[0].text(0.98, 0.04, listing, transform=axes[0].transAxes, ha="right", va="bottom", family="monospace",
                 fontsize=9, bbox={"facecolor": "white", "edgecolor": "0.7"})
    axes[1].bar(np.arange(width), found.weights, color="C2", width=1.0)
    axes[1].set_ylim(0, 2)
    axes[1].set_xlabel("input i")
    axes[1].set_ylabel("weight w_i")
    axes[1].set_title(f"the net it writes: all {width} weights = 1", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "found_program.png")


def generalization(found, task, seed: int, out: Path) -> None:
    x_train, y_train, x_test, y_test = task
    width = x_train.shape[1]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharex=True, sharey=True)
    gd = lv.fit_linear_unit(x_train, y_train)
    x_more, y_more, _, _ = lv.training_sets(seed, (30,), width)
    gd30 = lv.fit_linear_unit(x_more[:30], y_more[:30])
    for ax, w, name in zip(axes, [found.weights, gd, gd30],
                           ["Levin search, 3 examples", "gradient descent, same 3 examples",
                            "gradient descent, 30 examples"]):
        pred = x_test @ w
        right = np.rint(pred) == y_test
        ax.plot([0, width], [0, width], color="0.8", lw=1)
        ax.scatter(y_test[right], pred[right], s=10, color="C2", label="rounded output right")
        ax.scatter(y_test[~right], pred[~right], s=10, color="C3", label="wrong")
        ax.scatter(y_train, x_train @ w, marker="*", s=120, color="k", label="training examples")
        ax.set_title(f"{name}: {right.sum()} of {len(y_test)} right", fontsize=10)
        ax.set_xlabel("number of ones (target)")
    axes[0].set_ylabel("net output w . x")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("The same linear unit, held-out inputs: weights written by the shortest fitting program vs fitted")
    fig.tight_layout()
    save_png(fig, out / "generalization.png")


def cost_growth(record: dict, out: Path) -> None:
    table = next(t for t in record["tables"] if t["title"].startswith("Search cost against the target"))
    cols = table["columns"]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for k, row in enumerate(table["rows"]):
        if row[cols.index("phase")] is None:
            continue
        phase, programs = row[cols.index("phase")], row[cols.index("programs run")]
        ax.scatter(phase, programs, s=60, zorder=3, color=f"C{k}",
                   label=f"{row[0].split(' (')[0]}: {row[cols.index('found program')]} "
                         f"({row[cols.index('bits')]} bits, t = {row[cols.index('t')]})")
    phases = np.arange(1, 28)
    ax.semilogy(phases, 2.0 ** phases * 0.02, "k:", lw=1, label="proportional to 2^phase")
    ax.set_xlabel("phase of the find = ceil(len(p) + log2 t(p))")
    ax.set_ylabel("programs run until the find")
    ax.set_ylim(0.5, 3e8)
    ax.set_xlim(0, 28)
    ax.set_title(table["title"].split(":")[0] + " (from results.json)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "cost_growth.png")


def learners(record: dict, out: Path) -> None:
    rows = next(t for t in record["tables"] if "against gradient descent" in t["title"])["rows"]
    fig, ax = plt.subplots(figsize=(7, 4))
    levin = [r for r in rows if r[0].startswith("Levin")]
    gd = [r for r in rows if r[0].startswith("linear")]
    ax.plot([r[1] for r in gd], [r[3] for r in gd], "o-", label="linear unit, gradient descent")
    if "odyssnet" in record:
        ody = record["odyssnet"]["tables"][0]["rows"]
        ax.plot([r[1] for r in ody], [r[3] for r in ody], "s-", label="OdyssNet core, BPTT")
    ax.scatter([r[1] for r in levin], [r[3] for r in levin], marker="*", s=250, color="C3", zorder=3,
               label="Levin search")
    ax.set_xscale("log")
    ax.set_xlabel("training examples")
    ax.set_ylabel("held-out accuracy (exact count)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("Seed 0: held-out accuracy against training examples (from results.json)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "learners.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    width, search, task = headline_search(args.seed, args.quick)
    found = search.finds[0]
    search_cost(search, width, out)
    program_trace(found, width, out)
    generalization(found, task, args.seed, out)
    record = json.loads((HERE / "results.json").read_text())
    cost_growth(record, out)
    learners(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
