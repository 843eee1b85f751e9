"""Animation for rs-parity: random weight guessing on parity (A2 without self-connections), seed 0, until it stops.

    python3 rs-parity/make_rs_parity_gif.py     # writes rs-parity/rs_parity.gif

Reruns seed 0's search of the headline (the same training set and the same stream of guesses, so it stops at
the recorded trial). Left: every guess so far, by how many training sequences it classified correctly before
its first mistake (the staged check stops a guess there); most fail on the first or second sequence, as a
random net is right on a sequence about half the time. Right: the best guess so far at the end of all 100
training sequences (blue: even, target 0; orange: odd, target 1; shaded: within 0.1 of a target).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import rs_parity as rs
from shared.search import guessing
from shared.frame.figures import figure_parser, frame_of, save_gif


def replay(seed: int, lengths, max_trials: int):
    """Every guess of seed ``seed``'s headline search until the first accepted one: (guesses, sequences right
    before the first mistake, the training data)."""
    arch = rs.net("a2-noself")
    data = rs.sequences(np.random.default_rng([seed, 0]), rs.N_TRAIN, lengths)
    rng = np.random.default_rng([seed, 1])
    draw = guessing.uniform_prior(*rs.PRIOR, arch.size)
    guesses, right = [], []
    while sum(len(g) for g in guesses) < max_trials:
        w = draw(rng, rs.BATCH["a2-noself"])
        passed, cost = rs.all_correct(arch, w, data)
        guesses.append(w)
        right.append(np.where(passed, rs.N_TRAIN, cost - 1))
        if passed.any():
            stop = int(np.argmax(passed)) + 1
            guesses[-1], right[-1] = w[:stop], right[-1][:stop]
            break
    return np.concatenate(guesses), np.concatenate(right), data


def frame(guesses, right, data, upto: int, lengths) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.0))
    shown = right[:upto]
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, upto)
    axes[0].scatter(np.arange(1, upto + 1), shown + jitter, s=6, alpha=0.35, color="C0")
    best = int(np.argmax(shown))
    axes[0].plot(np.arange(1, upto + 1), np.maximum.accumulate(shown), color="C2", lw=1.5, label="best so far")
    done = shown[best] == rs.N_TRAIN
    axes[0].scatter([best + 1], [shown[best]], s=140, marker="*", color="C3" if done else "C2", zorder=3,
                    label="accepted: all 100 right" if done else "best guess")
    axes[0].set_xlim(0, len(right) * 1.02)
    axes[0].set_ylim(-1, rs.N_TRAIN + 3)
    axes[0].set_xlabel("trial (guess of all 42 weights, uniform in [-100, 100])")
    axes[0].set_ylabel("training sequences right before the first mistake")
    axes[0].set_title(f"{upto:,} guesses" + (" - stop" if done else ""), fontsize=10)
    axes[0].legend(fontsize=8, loc="center right")
    x, n, cls = data
    ends = rs.end_values(rs.net("a2-noself"), guesses[best][None, :], x, n)[0]
    for c, color, label in [(0, "C0", "even (target 0)"), (1, "C1", "odd (target 1)")]:
        rows = np.flatnonzero(cls == c)
        axes[1].scatter(rows, ends[rows], s=12, color=color, label=label)
    axes[1].axhspan(-0.05, rs.TOLERANCE, color="C0", alpha=0.12)
    axes[1].axhspan(1 - rs.TOLERANCE, 1.05, color="C1", alpha=0.12)
    ok = int(np.sum(np.abs(ends - cls) < rs.TOLERANCE))
    axes[1].set_ylim(-0.05, 1.05)
    axes[1].set_xlabel("training sequence")
    axes[1].set_ylabel("output at the sequence end")
    axes[1].set_title(f"the best guess on all 100 training sequences: {ok} right", fontsize=10)
    axes[1].legend(fontsize=8, loc="center")
    fig.suptitle(f"Random weight guessing, parity, lengths {lengths[0]}-{lengths[1]}, A2 without self-connections, "
                 "seed 0", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "rs_parity.gif").parse_args(argv)
    lengths, budget = ((20, 24), 3000) if args.quick else (rs.LENGTHS, 100_000)
    guesses, right, data = replay(args.seed, lengths, budget)
    total = len(right)
    marks = sorted({int(v) for v in np.unique(np.geomspace(1, total, 5 if args.quick else 20).round())} | {total})
    frames = [frame_of(frame(guesses, right, data, upto, lengths), dpi=70) for upto in marks]
    frames += frames[-1:] * 4                                       # hold the last frame
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
