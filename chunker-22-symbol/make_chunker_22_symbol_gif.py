"""The GIF of chunker-22-symbol: seed 0's chunker learning on-line.

    python3 chunker-22-symbol/make_chunker_22_symbol_gif.py

Each frame is three consecutive blocks of the training stream at a later point of training: the
symbols, A's probability of each symbol that came (a surprise below the dashed line), the symbols
that reach C (with the time unit C gets beside them), and C's answer to the target at every b20
beside A's. Early on every symbol reaches C; later only the a/x that opens each block does, and C
answers the 20-step-lag question from the one input it got.
"""

from __future__ import annotations

import sys

# shared first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)
from shared.frame.figures import figure_parser, frame_of, save_gif

import matplotlib.pyplot as plt
import numpy as np

import chunker_22_symbol as ck
from visualize_chunker_22_symbol import traced_run

WINDOW_BLOCKS = 3


def frame(trace, lab, block, hist) -> plt.Figure:
    start = block * ck.BLOCK
    sl = slice(start, start + WINDOW_BLOCKS * ck.BLOCK)
    sym = trace["symbol"][sl]
    t = np.arange(len(sym))
    reach = np.concatenate([[True], trace["surprise"]])[sl]
    p = np.concatenate([[np.nan], trace["p_next"]])[sl]
    fig, axes = plt.subplots(4, 1, figsize=(10, 6.2), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1.4, 1, 1.3]})
    colors = np.where(sym == ck.SYMBOL_A, "C3", np.where(sym == ck.SYMBOL_X, "C0", "0.8"))
    axes[0].bar(t, 1, color=colors, width=0.9)
    for i in range(len(sym)):
        axes[0].text(t[i], 0.5, ck.NAMES[sym[i]], ha="center", va="center", fontsize=6, rotation=90)
    right = hist["c_right"][0, max(0, block - 50):block + 1].mean()
    axes[0].set(yticks=[], title=f"training sequence {block + 1} (on-line): the stream; C right on "
                                 f"{right:.0%} of the last 50 targets")
    axes[1].plot(t, p, "k.-", lw=0.8, ms=3)
    axes[1].axhline(ck.PairConfig().confidence, color="C3", ls="--", lw=1)
    axes[1].scatter(t[reach], np.full(reach.sum(), 0.03), marker="v", color="C3", s=30)
    axes[1].set(ylabel="A's P(symbol)", ylim=(-0.05, 1.05))
    axes[2].bar(t[reach], 1, color=colors[reach], width=0.9)
    for i in np.where(reach)[0]:
        axes[2].text(t[i], 0.5, ck.NAMES[sym[i]], ha="center", va="center", fontsize=6, rotation=90)
    axes[2].set(yticks=[], ylabel="to C", ylim=(0, 1))
    axes[2].set_title(f"what reaches C: {reach.sum()} of {len(sym)} symbols", fontsize=9)
    q = np.where(sym == ck.BLOCK)[0]
    axes[3].bar(q - 0.3, trace["c_target"][sl][q], width=0.6, color="C0", label="C's answer P(a)")
    axes[3].bar(q + 0.3, trace["a_target"][sl][q], width=0.6, color="C1", label="A's answer P(a)")
    axes[3].scatter(q, lab[(start + q) // ck.BLOCK], marker="*", s=80, color="k", zorder=3, label="target")
    axes[3].set(ylim=(-0.05, 1.1), xlabel="time step in the window", ylabel="answer at b20")
    axes[3].legend(fontsize=7, loc="center left", ncol=3)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "chunker_22_symbol.gif")
    args = parser.parse_args(argv)
    blocks = 30 if args.quick else 1500
    hist, _, trace, lab = traced_run(args.seed, blocks)
    last = blocks - WINDOW_BLOCKS - 1
    starts = np.unique(np.geomspace(1, last, 8 if args.quick else 45).astype(int) - 1)
    frames = [frame_of(frame(trace, lab, int(b), hist), dpi=70) for b in starts]
    save_gif(frames, args.out, fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
