"""Animation for anbn-anbncn: the peephole LSTM learning a^n b^n c^n, one frame per kept snapshot.

    python3 anbn-anbncn/make_anbn_anbncn_gif.py       # writes anbn-anbncn/anbn_anbncn.gif (seconds)

The headline run keeps the weights of its first seed at log-spaced points of training (results.json,
"snapshots"). Each frame runs the net of that moment on the same string (n = 12, just past the
training range): the cell states, the gates and the outputs against the legal next symbols, and
how many of the ten training strings it accepts at that point.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import anbn_anbncn as ab
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_anbn_anbncn import draw_string, load

LANGUAGE = "anbncn"


def main() -> int:
    parser = figure_parser(__file__, __doc__, "anbn_anbncn.gif")
    args = parser.parse_args()
    record = load(args.quick)
    snaps = record["snapshots"][LANGUAGE]
    seed, points = snaps["seed"], snaps["points"]
    curve = {int(s): (a, o) for s, a, o in record["curves"].get(f"{LANGUAGE}/{seed}", [])}
    n = 6 if args.quick else 12
    frames, limits = [], [0.0, 0.0]
    traces = []
    for seen, params in points:
        t = ab.run_string(params, LANGUAGE, n)
        traces.append((seen, t))
        limits = [min(limits[0], t["states"].min()), max(limits[1], t["states"].max())]
    while len(traces) < 5:                       # a GIF needs a few frames even from a short quick run
        traces.append(traces[-1])
    for seen, t in traces:
        fig = plt.figure(figsize=(8.5, 6.4))
        grid = fig.add_gridspec(3, 1, height_ratios=[1.2, 1, 0.8])
        axes = [fig.add_subplot(grid[i, 0]) for i in range(3)]
        accepted = curve.get(int(seen), (None, None))[0]
        draw_string(axes, t, LANGUAGE, f"{ab.NAMES[LANGUAGE]}, seed {seed}, after {seen:,} training strings: "
                                       f"n = {n} {'accepted' if t['accepted'] else 'rejected'}"
                                       + (f"; {accepted}/10 training strings accepted" if accepted is not None else ""))
        pad = 0.05 * (limits[1] - limits[0] + 1e-9)
        axes[0].set_ylim(limits[0] - pad, limits[1] + pad)
        fig.tight_layout()
        frames.append(frame_of(fig, dpi=60 if args.quick else 80))
    save_gif(frames, Path(args.out), fps=2.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
