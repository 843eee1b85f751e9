"""Animation for levin-count-inputs: Levin search, one frame per phase, until the counting loop halts.

    python3 levin-count-inputs/make_levin_count_inputs_gif.py     # writes levin-count-inputs/levin_count_inputs.gif

Each frame is one phase i. Left: the programs run in that phase, by length. Right: the budget
2^(i - bits) that a program of each length gets (log scale), and the steps the counting loop
needs; the loop halts, and the search ends, in the first phase whose budget line passes it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import levin_count_inputs as lv
from shared.figures import figure_parser, frame_of, save_gif
from visualize_levin_count_inputs import headline_search


def frame(search, width: int, phase: int) -> plt.Figure:
    found = search.finds[0]
    counts = search.by_length[phase - 1]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    top = max(found.bits + 8, 24)
    bits = np.arange(0, top)
    ran = [b for b in bits if counts.get(b, 0) > 0]
    axes[0].bar(ran, [counts[b] for b in ran], color="C0", width=0.8)
    axes[0].set_yscale("log")
    axes[0].set_ylim(0.7, 2e4)
    axes[0].set_xlim(-0.5, top)
    axes[0].set_xlabel("program length (bits)")
    axes[0].set_ylabel("programs run in this phase")
    total = search.phase_log[phase - 1][1]
    axes[0].set_title(f"phase {phase}: {total} programs so far", fontsize=10)
    lengths = np.arange(0, phase + 1)
    axes[1].plot(lengths, phase - lengths, "C0-", label=f"budget: log2 steps = {phase} - bits")
    axes[1].fill_between(lengths, 0, phase - lengths, color="C0", alpha=0.12)
    need = np.log2(found.steps)
    done = phase >= found.phase
    axes[1].scatter([found.bits], [need], s=90, color="C2" if done else "C3", zorder=3,
                    label=f"{lv.disassemble(found.program)} ({found.steps} steps)")
    axes[1].set_xlim(0, top)
    axes[1].set_ylim(0, top)
    axes[1].set_xlabel("program length (bits)")
    axes[1].set_ylabel("log2 steps")
    axes[1].legend(fontsize=7, loc="upper right")
    axes[1].set_title("halts within budget: found" if done else "needs more steps than the budget", fontsize=10,
                      color="C2" if done else "C3")
    fig.suptitle(f"Levin search for the weights of a {width}-input counting unit", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "levin_count_inputs.gif").parse_args(argv)
    width, search, _ = headline_search(args.seed, args.quick)
    frames = [frame_of(frame(search, width, phase), dpi=70) for phase in range(1, len(search.phase_log) + 1)]
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
