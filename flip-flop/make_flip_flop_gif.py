"""Animation for flip-flop: C's output on one test episode as it learns through M (parallel regime).

    python3 flip-flop/make_flip_flop_gif.py          # writes flip-flop/flip_flop.gif

Each frame is one check of the deterministic controller during seed 0's parallel-regime run:
its output on the first test episode against the latch it never sees (top), the pain it feels
there and the pain M predicts for it (middle), and the worst test pain so far (bottom).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import flip_flop as ff
from shared.figures import figure_parser, frame_of, save_gif
from visualize_flip_flop import draw_events, train_headline


def frame(cfg, snap, history, desired, events, budget) -> plt.Figure:
    t = np.arange(desired.size)
    fig, axes = plt.subplots(3, 1, figsize=(8, 5.6), gridspec_kw={"height_ratios": [1.5, 1, 0.9]})
    ax = axes[0]
    ax.step(t, desired, where="mid", color="k", lw=1.5, label="latch (hidden from C)")
    ax.plot(t, snap["actions"], "o-", color="C1", ms=2.5, lw=1.2, label="C's output")
    draw_events(ax, events)
    ax.set_ylim(-0.15, 1.25)
    ax.set_xlim(-0.5, t[-1] + 0.5)
    ax.legend(loc="center right", fontsize=7)
    ax.set_title(f"parallel regime, seed 0, after {snap['steps']} environment steps", fontsize=10)
    ax = axes[1]
    ax.semilogy(t, np.maximum(snap["pain"], 1e-6), color="C3", label="pain felt")
    ax.semilogy(t, np.maximum(np.abs(snap["predicted"]), 1e-6), "--", color="C0", label="|M's prediction|")
    ax.set_ylim(1e-6, 3)
    ax.set_xlim(-0.5, t[-1] + 0.5)
    ax.set_xlabel("test-episode time step", fontsize=8)
    ax.legend(loc="lower right", fontsize=7)
    ax = axes[2]
    steps = [h["steps"] for h in history]
    ax.semilogy(steps, [h["max_pain"] for h in history], color="C3")
    ax.axhline(ff.SOLVE_PAIN, color="k", ls=":", lw=1)
    ax.set_xlim(0, budget)
    ax.set_ylim(1e-3, 2)
    ax.set_ylabel("worst test\npain", fontsize=8)
    ax.set_xlabel("environment time steps", fontsize=8)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "flip_flop.gif").parse_args(argv)
    cfg, run = train_headline(args.seed, "parallel", args.quick, snapshot_every=1)
    snaps = run["snapshots"]
    events, desired = ff.test_set(cfg)
    keep = np.unique(np.linspace(0, len(snaps) - 1, min(len(snaps), 6 if args.quick else 36)).astype(int))
    budget = snaps[-1]["steps"]
    frames = [frame_of(frame(cfg, snaps[i], snaps[: i + 1], desired[0], events[0], budget), dpi=70) for i in keep]
    save_gif(frames, Path(args.out), fps=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
