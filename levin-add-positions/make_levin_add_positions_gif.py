"""Animation for levin-add-positions: the probabilistic search's first fitting program (seed 0) writing the weights.

    python3 levin-add-positions/make_levin_add_positions_gif.py     # writes levin-add-positions/levin_add_positions.gif

Seed 0's probabilistic search is rerun until its first fitting run; the frames replay that program on the machine:
left, the program with the instruction about to run; right, the weights written so far against w_i = i and the
work tape. The last frame tests the net on the 3 training inputs and on the 161,697 unseen ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import levin_add_positions as la
from shared.search import levin
from shared.frame.figures import figure_parser, frame_of, save_gif


def state_after(program, steps: int):
    m = levin.Machine()
    m.code, m.prog = list(program), list(program)
    levin.execute(m, steps)
    return m


def frame(program, first, m, total: int, done: bool) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1, 1.6]})
    parts, i = [], 0
    while i < len(program):
        n = 1 + levin.NARGS[program[i]]
        parts.append((i, levin.disassemble(program[i:i + n])))
        i += n
    axes[0].axis("off")
    axes[0].text(0, 1, f"seed 0, run {first.run}: the first fitting program\n"
                       f"-log2 P = {np.log2(first.denominator):.1f}, limit T = {first.limit}", va="top", fontsize=9)
    for k, (addr, text) in enumerate(parts):
        here = addr == m.ip and not done
        axes[0].text(0.02, 0.72 - 0.1 * k, f"({addr}) {text}", fontsize=10, family="monospace",
                     color="C3" if here else "k", weight="bold" if here else "normal")
    axes[0].text(0, 0.05, f"step {m.steps} of {total}; work tape (-1, -2, ...): {m.work[:6]}"
                 + (" ..." if len(m.work) > 6 else ""), fontsize=8)
    idx = np.arange(100)
    axes[1].bar(idx, m.w, color="C0", width=0.9, label="weights written so far")
    axes[1].plot(idx, idx, "k:", lw=1, label="w_i = i (the solution)")
    axes[1].set_xlim(-1, 100)
    axes[1].set_ylim(-5, 105)
    axes[1].set_xlabel("weight index i")
    axes[1].set_ylabel("w_i")
    if done:
        fit = la.fits(m.w)
        axes[1].set_title(f"halted: fits the 3 training inputs: {'yes' if fit else 'no'}; right on "
                          f"{la.unseen_accuracy(m.w):.4g} of the {la.N_UNSEEN} unseen inputs", fontsize=9, color="C2")
    else:
        axes[1].set_title("the program writes the weights of the adding perceptron", fontsize=9)
    axes[1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "levin_add_positions.gif").parse_args(argv)
    found, _ = levin.probabilistic_search(args.seed, 200000, la.fits)
    first = found[0]
    program = first.program
    total = first.steps
    steps = sorted(set(np.linspace(0, total, 8 if args.quick else 40).astype(int).tolist()))
    frames = [frame_of(frame(program, first, state_after(program, s), total, s == total), dpi=70) for s in steps]
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
