"""Animation for flip-flop: C learning the latch through M (parallel regime, seed 0).

    python3 flip-flop/make_flip_flop_gif.py          # writes flip-flop/flip_flop.gif

Each frame is one check of the deterministic controller during seed 0's parallel-regime run (the
headline settings): its output on the first test stream against the latch it never sees (top),
its hidden state there (middle, units ordered as in the last frame), the pain it feels and the
pain M predicts for it (bottom), and the worst scored test pain so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import flip_flop as ff
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_flip_flop import draw_events, test_stream, train_headline


def frame(stream, order, snap, history, budget) -> plt.Figure:
    t = np.arange(stream["events"].size)
    fig, axes = plt.subplots(4, 1, figsize=(8.4, 7.4), gridspec_kw={"height_ratios": [1.4, 1.5, 1, 0.8]})
    ax = axes[0]
    ax.step(t, stream["desired"], where="mid", color="k", lw=1.5, label="latch (hidden from C)")
    ax.plot(t, stream["actions"], "o-", color="C1", ms=2, lw=1.1, label="C's output")
    draw_events(ax, stream["events"], y=1.06)
    ax.set_ylim(-0.15, 1.2)
    ax.set_xlim(-0.5, t[-1] + 0.5)
    ax.legend(loc="center right", fontsize=7)
    ax.set_title(f"parallel regime, seed 0, after {snap['steps']} environment steps", fontsize=10, pad=16)
    ax = axes[1]
    image = ax.imshow(stream["hidden"][:, order].T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1,
                      interpolation="nearest", extent=(-0.5, t[-1] + 0.5, len(order) - 0.5, -0.5))
    ax.set_ylabel("C's hidden\nunits", fontsize=8)
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01, label="tanh")
    ax = axes[2]
    ax.semilogy(t, np.maximum(stream["pain"], 1e-6), color="C3", label="pain felt")
    ax.semilogy(t, np.maximum(np.abs(stream["predicted"]), 1e-6), "--", color="C0", label="|M's prediction|")
    ax.set_ylim(1e-6, 3)
    ax.set_xlim(-0.5, t[-1] + 0.5)
    ax.set_xlabel("test-stream time step", fontsize=8)
    ax.legend(loc="lower right", fontsize=7)
    ax = axes[3]
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
    history = [{"steps": s["steps"], "max_pain": float(s["max_pain"][0])} for s in snaps]
    keep = np.unique(np.linspace(0, len(snaps) - 1, min(len(snaps), 6 if args.quick else 36)).astype(int))
    streams = [test_stream(cfg, ff.RecurrentBank.from_params(snaps[i]["controller"]),
                           ff.RecurrentBank.from_params(snaps[i]["model"])) for i in keep]
    last = streams[-1]
    corr = [abs(np.corrcoef(last["hidden"][:, j], last["desired"])[0, 1]) if last["hidden"][:, j].std() > 1e-9 else 0
            for j in range(last["hidden"].shape[1])]
    order = np.argsort(corr)[::-1]
    budget = history[-1]["steps"]
    frames = [frame_of(frame(stream, order, snaps[i], history[: i + 1], budget), dpi=72)
              for stream, i in zip(streams, keep)]
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
