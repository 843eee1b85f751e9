"""The GIF of chunker-very-deep-1200: seed 0's chunker learning on line across the 1199-step lag.

    python3 chunker-very-deep-1200/make_chunker_very_deep_1200_gif.py

Each frame is one whole block of 1200 steps at a later point of training: the stream (the trigger a/x
and the Markov filler), A's probability of each symbol that came, the symbols that reach C (bold, with
their time steps), C's state held between its inputs, and C's and A's answers with the target at step
1199. Early on A fails on hundreds of symbols and all of them reach C; soon only the trigger and the
filler's random jumps do, and C carries the trigger across the lag in a handful of its own steps.
"""

from __future__ import annotations

import sys

# shared first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)
from shared.frame.figures import figure_parser, frame_of, save_gif

import matplotlib.pyplot as plt
import numpy as np

import chunker_very_deep_1200 as ck
from visualize_chunker_very_deep_1200 import BLOCKS, draw_block, traced_run


def frame(tr, b, hist) -> plt.Figure:
    lab = float(tr["symbol"][0, 0] == ck.SYMBOL_A)
    fig, axes = plt.subplots(4, 1, figsize=(11, 6.6), sharex=True, gridspec_kw={"height_ratios": [0.6, 1.3, 1, 1]})
    reach = np.where(tr["c_input"][:, 0])[0]
    path = ", ".join(f"{ck.NAMES[tr['symbol'][i, 0]]}@{i}" for i in reach[:8]) + (" ..." if len(reach) > 8 else "")
    right = hist["c_right"][0, max(0, b - 19):b + 1].mean()
    draw_block(axes, tr, lab, f"block {b + 1} (on-line): {len(reach)} of {ck.BLOCK} steps reach C; C right on "
                              f"{right:.0%} of the last 20 targets\nC's inputs: {path} -> target@{ck.BLOCK - 1}")
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "chunker_very_deep_1200.gif")
    args = parser.parse_args(argv)
    blocks = 5 if args.quick else BLOCKS
    keep = list(range(5)) if args.quick else np.unique(np.geomspace(1, blocks, 14).astype(int) - 1).tolist()
    hist, trace = traced_run(args.seed, blocks, keep=keep)
    frames = [frame_of(frame(trace[b], b, hist), dpi=60) for b in keep]
    save_gif(frames, args.out, fps=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
