"""Animation for levin-count-inputs: systematic search, one frame per phase, until the counting program halts.

    python3 levin-count-inputs/make_levin_count_inputs_gif.py     # writes levin-count-inputs/levin_count_inputs.gif

Each frame is one phase i of seed 0's systematic search on the paper's training set. Left: the programs run in
that phase, by -log2 P(p). Right: the budget log2 t = i - (-log2 P) that a program of each probability gets, and
the program 'WriteWeight 0; Jump 0' (-log2 P = 8.99, 201 steps); it halts, and the search ends, in the first
phase whose budget line passes above it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import levin_count_inputs as lv
from shared.search import levin
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_levin_count_inputs import systematic_search


def frame(search, phase: int) -> plt.Figure:
    found = search.finds[0]
    bits_found, need = np.log2(found.denominator), np.log2(found.steps)
    counts = search.by_bits[phase - 1]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8))
    top = 20
    ran = sorted(counts)
    axes[0].bar(ran, [counts[b] for b in ran], color="C0", width=0.8)
    axes[0].set_yscale("log")
    axes[0].set_ylim(0.7, 5e3)
    axes[0].set_xlim(-0.5, top)
    axes[0].set_xlabel("floor(-log2 P(program))")
    axes[0].set_ylabel("programs run in this phase")
    total = search.phase_log[phase - 1][1]
    axes[0].set_title(f"phase {phase}: {total} programs run so far", fontsize=10)
    x = np.linspace(0, top, 50)
    axes[1].plot(x, phase - x, "C0-", label=f"budget: log2 t = {phase} - (-log2 P)")
    axes[1].fill_between(x, 0, np.maximum(phase - x, 0), color="C0", alpha=0.12)
    done = phase >= found.phase
    axes[1].scatter([bits_found], [need], s=90, color="C2" if done else "C3", zorder=3,
                    label=f"{levin.disassemble(found.program)} ({found.steps} steps)")
    axes[1].set_xlim(0, top)
    axes[1].set_ylim(0, top)
    axes[1].set_xlabel("-log2 P(program)")
    axes[1].set_ylabel("log2 steps")
    axes[1].legend(fontsize=7, loc="upper right")
    axes[1].set_title("it halts within its budget and fits: found" if done else "it needs more steps than its budget",
                      fontsize=10, color="C2" if done else "C3")
    fig.suptitle("Systematic universal search for the weights of the counting perceptron (the paper's 3 inputs)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "levin_count_inputs.gif").parse_args(argv)
    search = systematic_search(args.seed)
    phases = range(1, len(search.phase_log) + 1)
    if args.quick:        # the tests: five phases, the last included, exercise every drawing path
        phases = sorted({int(round(x)) for x in np.linspace(1, len(search.phase_log), 5)})
    frames = [frame_of(frame(search, phase), dpi=70) for phase in phases]
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
