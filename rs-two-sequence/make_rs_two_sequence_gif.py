"""Animation for rs-two-sequence: random weight guessing on the 2-sequence problem, seed 0, until it stops.

    python3 rs-two-sequence/make_rs_two_sequence_gif.py     # writes rs-two-sequence/rs_two_sequence.gif

Reruns seed 0's search of the headline (the same training set and the same stream of guesses, so it stops at
the recorded trial). Left: every guess so far, by how many training sequences it classified correctly before
its first mistake (the staged check stops a guess there); most fail on the first or second sequence. Right:
the output unit of the best guess so far on 12 training sequences (blue: target 0, orange: target 1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import rs_two_sequence as rs
from shared.search import guessing
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_rs_two_sequence import traces


def replay(seed: int, lengths, max_trials: int):
    """Every guess of seed ``seed``'s search until the first accepted one: (guesses, sequences right before the
    first mistake, the training data)."""
    data = rs.sequences(np.random.default_rng([seed, 0]), rs.N_TRAIN, lengths)
    _, score, _ = rs.task_setup("two-sequence", data)
    rng = np.random.default_rng([seed, 1])
    draw = guessing.uniform_prior(*rs.PRIOR, guessing.a1(1).size)
    guesses, right = [], []
    while sum(len(g) for g in guesses) < max_trials:
        w = draw(rng, rs.BATCH)
        passed, cost = score(w)
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
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, upto)
    axes[0].scatter(np.arange(1, upto + 1), shown + jitter, s=3, alpha=0.25, color="C0")
    best = int(np.argmax(shown))
    axes[0].plot(np.arange(1, upto + 1), np.maximum.accumulate(shown), color="C2", lw=1.5, label="best so far")
    done = shown[best] == rs.N_TRAIN
    axes[0].scatter([best + 1], [shown[best]], s=120, marker="*", color="C3" if done else "C2", zorder=3,
                    label="accepted: all 100 right" if done else "best guess")
    axes[0].set_xlim(0, len(right) * 1.02)
    axes[0].set_ylim(-1, rs.N_TRAIN + 3)
    axes[0].set_xlabel("trial (guess of all 8 weights, uniform in [-100, 100])")
    axes[0].set_ylabel("training sequences right before the first mistake")
    axes[0].set_title(f"{upto:,} guesses" + (" - stop" if done else ""), fontsize=10)
    axes[0].legend(fontsize=8, loc="center right")
    act = traces(guesses[best], data)
    _, _, cls = data
    for k in range(act.shape[0]):
        axes[1].plot(act[k, :, 1], color="C1" if cls[k] else "C0", lw=0.8)
    axes[1].set_ylim(-0.05, 1.05)
    axes[1].set_xlabel("time step")
    axes[1].set_ylabel("output unit")
    axes[1].set_title("the best guess's output on 12 training sequences", fontsize=10)
    fig.suptitle(f"Random weight guessing, 2-sequence problem, lengths {lengths[0]}-{lengths[1]}, seed 0",
                 fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "rs_two_sequence.gif").parse_args(argv)
    lengths, budget = ((20, 24), 3000) if args.quick else (rs.LENGTHS, 100_000)
    guesses, right, data = replay(args.seed, lengths, budget)
    total = len(right)
    marks = sorted({int(v) for v in np.unique(np.geomspace(1, total, 5 if args.quick else 24).round())} | {total})
    frames = [frame_of(frame(guesses, right, data, upto, lengths), dpi=70) for upto in marks]
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
