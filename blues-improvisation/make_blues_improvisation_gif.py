"""Animation for blues-improvisation: seed 0 composing with no guidance, chorus after chorus.

    python3 blues-improvisation/make_blues_improvisation_gif.py     # writes blues-improvisation/blues_improvisation.gif (~1 min)

Retrains seed 0 of the headline (the same as in the recorded sweep) and composes its first free run
of 100 choruses. Each frame is one chorus (the first ten, then every tenth): the melody and the
played chord against the form, the chord blocks' cell states during that chorus, and the share of
bars on the form for every chorus so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import blues_improvisation as bl
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_blues_improvisation import draw_roll, seed_run


def frame(run: dict, k: int, limit: float, per_chorus: np.ndarray) -> plt.Figure:
    fig, axes = plt.subplots(3, 1, figsize=(9, 7), gridspec_kw={"height_ratios": [1.6, 1, 0.9]})
    start = k * bl.CHORUS
    draw_roll(axes[0], run["chords"], run["melody"], start, bl.CHORUS,
              f"seed 0 composing, chorus {k + 1} of {run['choruses']} (bars {12 * k + 1}-{12 * k + 12}): "
              f"{int(round(per_chorus[k] * 12))}/12 bars on the form")
    cells = run["cells"][start:start + bl.CHORUS, :bl.CHORD_BLOCKS * bl.BLOCK_SIZE]
    for i in range(cells.shape[1]):
        axes[1].plot(np.arange(start, start + bl.CHORUS) + 0.5, cells[:, i], lw=1)
    for bar in range(start, start + bl.CHORUS + 1, bl.STEPS_PER_BAR):
        axes[1].axvline(bar, color="0.85", lw=0.6, zorder=0)
    axes[1].set_xlim(start, start + bl.CHORUS)
    axes[1].set_ylim(-limit, limit)
    axes[1].set_ylabel("chord cells' states", fontsize=8)
    x = np.arange(1, len(per_chorus) + 1)
    axes[2].plot(x, per_chorus, color="0.85", lw=1)
    axes[2].plot(x[:k + 1], per_chorus[:k + 1], color="C0", lw=1.6)
    axes[2].scatter([k + 1], [per_chorus[k]], color="C0", s=18)
    axes[2].set_ylim(-0.05, 1.05)
    axes[2].set_xlim(0.5, len(per_chorus) + 0.5)
    axes[2].set_xlabel("chorus of the free run")
    axes[2].set_ylabel("bars on the form", fontsize=8)
    fig.tight_layout()
    return fig


def main() -> int:
    parser = figure_parser(__file__, __doc__, "blues_improvisation.gif")
    args = parser.parse_args()
    run = seed_run(args.seed, args.quick, keep_cells=10**9, quick_choruses=6)
    n = run["choruses"]
    per_chorus = bl.bar_matches(run["chords"][None])[0].reshape(n, bl.BARS).mean(axis=1)
    limit = 1.05 * max(np.abs(run["cells"][:, :bl.CHORD_BLOCKS * bl.BLOCK_SIZE]).max(), 1e-9)
    shown = sorted(set(list(range(min(n, 10))) + list(range(19, n, 10)) + [n - 1]))
    frames = [frame_of(frame(run, k, limit, per_chorus), dpi=70) for k in shown]
    save_gif(frames, Path(args.out), fps=1.5, hold_last=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
