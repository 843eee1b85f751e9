"""Static figures for levin-add-positions: the nets the search finds, the program's probability against its run
time, and gradient descent on the same data.

    python3 levin-add-positions/visualize_levin_add_positions.py      # writes levin-add-positions/viz/*.png

Reruns seed 0 of the probabilistic search (800000 runs, about 25 s; --quick: 20000); the gradient-descent figure draws results.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import levin_add_positions as la
from shared.search import levin
from shared.frame.figures import figure_parser, recorded, save_png


def weights_figure(found, seed: int, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.2))
    i = np.arange(100)
    for f in found[:6]:
        acc = la.unseen_accuracy(f.weights)
        axes[0].plot(i, f.weights, lw=1.2, label=f"run {f.run}: {levin.disassemble(f.program)[:38]} (acc {acc:.3g})")
    axes[0].plot(i, i, "k:", lw=1, label="w_i = i (the solution)")
    for t in la.PAPER_TRAIN:
        for b in t:
            axes[0].axvline(b, color="0.85", lw=0.6, zorder=0)
    axes[0].set_xlabel("weight index i (grey: units on in the 3 training inputs)")
    axes[0].set_ylabel("weight w_i")
    axes[0].set_title(f"Seed {seed}: nets of the fitting runs of the probabilistic search", fontsize=10)
    axes[0].legend(fontsize=6, loc="upper left")
    w_gd = levin.fit_linear_unit(levin.dense(la.PAPER_TRAIN), np.array(la.PAPER_TARGETS, dtype=float))
    axes[1].plot(i, w_gd, "C3", lw=1.2, label=f"gradient descent, 3 examples (acc {la.gd_accuracy(seed, 3):.2g})")
    train = la.training_triples(seed, 30)
    w30 = levin.fit_linear_unit(levin.dense(train), np.array([sum(t) for t in train], dtype=float))
    axes[1].plot(i, w30, "C1", lw=1.2, label=f"gradient descent, 30 examples (acc {la.gd_accuracy(seed, 30):.2g})")
    axes[1].plot(i, i, "k:", lw=1, label="w_i = i")
    axes[1].set_xlabel("weight index i")
    axes[1].set_ylabel("weight w_i")
    axes[1].set_title("The linear unit fitted by gradient descent from w = 0", fontsize=10)
    axes[1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "weights.png")


def cost_figure(found, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ok = [f for f in found if la.unseen_accuracy(f.weights) == 1.0]
    bad = [f for f in found if la.unseen_accuracy(f.weights) < 1.0]
    for group, color, name in ((ok, "C2", "fitting, right on all unseen inputs"), (bad, "C3", "fitting, wrong on some")):
        if group:
            ax.scatter([np.log2(f.denominator) for f in group], [np.log2(f.steps) for f in group], color=color,
                       s=30, label=name)
    for name, prog, w2, marker in (("Allocate 1; WriteWeight -1; Increment -1; Jump 2", la.RAMP_PROGRAM, False, "*"),
                                   ("Table 5 (2-argument writes)", la.TABLE5_PROGRAM, True, "P")):
        _, m = levin.run_program(prog, writes2=w2)
        ax.scatter([np.log2(levin.program_denominator(prog, writes2=w2))], [np.log2(m.steps)], marker=marker, s=140,
                   color="k", label=f"known: {name}")
    x = np.linspace(0, 60, 10)
    for phase in (30, 40, 50):
        ax.plot(x, phase - x, ":", color="0.6", lw=1)
        ax.text(phase - 9.5, 9.7, f"Levin phase {phase}", fontsize=7, color="0.4", rotation=-30)
    ax.set_xlim(0, 60)
    ax.set_ylim(5, 14)
    ax.set_xlabel("-log2 P(program)")
    ax.set_ylabel("log2 steps run")
    ax.set_title("Fitting programs of seed 0: probability against run time", fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    save_png(fig, out / "program_cost.png")


def gd_figure(record, out: Path) -> None:
    rows = record["seeds"]["per_seed"]
    sizes = [n for n in la.TRAIN_SIZES if f"gd_{n}_unseen_accuracy" in rows[0]]
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        ax.plot(sizes, [r[f"gd_{n}_unseen_accuracy"] for n in sizes], "o-", color="C3", alpha=0.4, lw=1)
    fits = sum(r["fits"] for r in rows)
    share = sum(r["generalizing_fits"] for r in rows) / fits if fits else float("nan")
    ax.axhline(share, color="C2", ls="--", label=f"search, 3 examples: share of fits right everywhere ({share:.2f})")
    ax.set_xscale("log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("training examples")
    ax.set_ylabel("share of unseen inputs right")
    ax.set_title(f"Gradient descent on the linear unit ({len(rows)} seeds, red)", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "gradient_descent.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    found, _ = levin.probabilistic_search(args.seed, 20000 if args.quick else 800000, la.fits)
    weights_figure(found, args.seed, out)
    cost_figure(found, out)
    record = recorded(la.__file__)
    if record is not None:
        gd_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
