"""Animation for rs-tomita: random weight guessing on Tomita grammar #4 (no 000), A1 with n = 3, until it stops.

    python3 rs-tomita/make_rs_tomita_gif.py     # writes rs-tomita/rs_tomita.gif

Reruns the headline search of seed 0 on #4 (the same training strings and stream of guesses, so it stops at
the recorded trial). Left: every guess so far, by how many of the 16 training strings it classifies correctly
(all 16 run, not only up to the first mistake); the best so far in green. Right: the best guess's output at
the end of each training string (filled: in the language, target 1; open: not, target 0), the tolerance band
0.1 around each target shaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import rs_tomita as rs
from shared.search import guessing
from shared.frame.figures import figure_parser, frame_of, save_gif

GRAMMAR, ARCH = 4, "A1"


def replay(seed: int, max_trials: int):
    """Every guess of the search until the first accepted one: (guesses, strings right of 16, end outputs)."""
    arch = rs.architecture(ARCH)
    strings, target = rs.training_set(GRAMMAR)
    x, n = rs.encode(strings)
    rng = np.random.default_rng([seed, 1, GRAMMAR, rs.ARCHS.index(ARCH), rs.A1_HIDDEN])
    draw = guessing.uniform_prior(*rs.PRIOR, arch.size)
    guesses, right, ends = [], [], []
    total = 0
    while total < max_trials:
        w = draw(rng, min(rs.BATCH, max_trials - total))
        out = guessing.end_outputs(arch, w, x, n)[:, :, 0]
        ok = np.abs(out - target) < rs.TOLERANCE
        guesses.append(w)
        right.append(ok.sum(axis=1))
        ends.append(out)
        total += len(w)
        if ok.all(axis=1).any():
            stop = int(np.argmax(ok.all(axis=1))) + 1
            guesses[-1], right[-1], ends[-1] = w[:stop], right[-1][:stop], out[:stop]
            break
    return np.concatenate(guesses), np.concatenate(right), np.concatenate(ends), strings, target


def frame(right, ends, strings, target, upto: int) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    shown = right[:upto]
    # thin the scatter for speed and size: every guess that set a new best, plus a sample of the rest
    keep = np.unique(np.concatenate([np.flatnonzero(shown == np.maximum.accumulate(shown)),
                                     np.random.default_rng(0).choice(upto, min(upto, 4000), replace=False)]))
    jitter = np.random.default_rng(1).uniform(-0.3, 0.3, len(keep))
    axes[0].scatter(keep + 1, shown[keep] + jitter, s=3, alpha=0.25, color="C0", label="guesses (a sample)")
    axes[0].plot(np.arange(1, upto + 1), np.maximum.accumulate(shown), color="C2", lw=1.5, label="best so far")
    best = int(np.argmax(shown))
    done = shown[best] == len(strings)
    axes[0].scatter([best + 1], [shown[best]], s=140, marker="*", color="C3" if done else "C2", zorder=3,
                    label="accepted: all 16 right" if done else "best guess")
    axes[0].set_xscale("log")
    axes[0].set_xlim(0.8, len(right) * 1.3)
    axes[0].set_ylim(-0.5, len(strings) + 1)
    axes[0].set_xlabel(f"trial (a guess of all {rs.architecture(ARCH).size} weights in [-100, 100])")
    axes[0].set_ylabel("training strings classified correctly (of 16)")
    axes[0].set_title(f"{upto:,} guesses" + (" - stop" if done else ""), fontsize=10)
    axes[0].legend(fontsize=7, loc="lower right")
    out = ends[best]
    k = np.arange(len(strings))
    for tgt in (0.0, 1.0):
        axes[1].axhspan(tgt - rs.TOLERANCE, tgt + rs.TOLERANCE, color="C2" if tgt else "C1", alpha=0.12)
    inside = target == 1.0
    axes[1].scatter(k[inside], out[inside], s=40, color="C2", label="in the language (target 1)")
    axes[1].scatter(k[~inside], out[~inside], s=40, facecolors="none", edgecolors="C1",
                    label="not in it (target 0)")
    axes[1].set_xticks(k, strings, rotation=70, fontsize=6)
    axes[1].set_ylim(-0.08, 1.08)
    axes[1].set_ylabel("output at the string's last symbol")
    axes[1].set_title("the best guess on the training strings", fontsize=10)
    axes[1].legend(fontsize=7, loc="center right")
    fig.suptitle(f"Random weight guessing on Tomita #{GRAMMAR} ({rs.GRAMMARS[GRAMMAR][0]}), A1 with "
                 f"n = {rs.A1_HIDDEN}, seed 0", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "rs_tomita.gif").parse_args(argv)
    budget = 3000 if args.quick else rs.HEADLINE_TRIALS
    _, right, ends, strings, target = replay(args.seed, budget)
    total = len(right)
    marks = sorted({int(v) for v in np.unique(np.geomspace(1, total, 5 if args.quick else 26).round())} | {total})
    frames = [frame_of(frame(right, ends, strings, target, upto), dpi=70) for upto in marks]
    frames += [frames[-1]] * (2 if args.quick else 6)
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
