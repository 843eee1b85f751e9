"""Animation for oops-towers-of-hanoi: OOPS's search task by task (the frozen code growing, the steps each task
cost), then the found solver moving the disks of a 4-disk instance with its call stack.

    python3 oops-towers-of-hanoi/make_oops_towers_of_hanoi_gif.py     # writes oops-towers-of-hanoi/oops_towers_of_hanoi.gif

Draws seed 0 from results.json; without it (or with --quick), reruns OOPS on Hanoi tasks 1..2 (seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import oops_towers_of_hanoi as oh
from shared.frame.figures import figure_parser, frame_of, recorded, save_gif


def search_frame(history, upto: int, n_tasks: int) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1, 1.5]})
    steps = [h["steps"] for h in history]
    cum = np.cumsum(steps)
    ax = axes[0]
    ax.bar(range(1, upto + 1), np.maximum(steps[:upto], 1), color=["C3" if h["how"] == "fresh" else "C0"
                                                                     for h in history[:upto]])
    ax.set_yscale("log")
    ax.set_xlim(0.4, n_tasks + 0.6)
    ax.set_ylim(0.8, max(steps) * 3)
    ax.set_xlabel("Hanoi task n (blue: extend frozen code, red: fresh program)")
    ax.set_ylabel("steps spent on the task")
    ax.set_title(f"OOPS, seed 0: {cum[upto - 1]:,} steps so far", fontsize=9)
    axes[1].axis("off")
    h = history[upto - 1]
    axes[1].text(0, 0.95, f"task {h['task']} (instances 1..{h['task']}): solved by {h['how']}", fontsize=10,
                 weight="bold", va="top")
    axes[1].text(0, 0.8, f"search limit T/2 = {h['limit'] // 2:,}; new tokens: {h.get('new_tokens', 0)}",
                 fontsize=9, va="top")
    words = oh.disassemble(h["program"]).split()
    lines = [" ".join(words[i:i + 7]) for i in range(0, len(words), 7)]
    axes[1].text(0, 0.65, "frozen solver:\n" + "\n".join(lines), fontsize=9, family="monospace", va="top",
                 color="C3" if oh.CALLTP in h["program"] else "k")
    fig.tight_layout()
    return fig


def trace(program, n: int):
    """(pegs, depth, move) after each move of the program on instance n."""
    tape, out, budget = oh.Tape(n, 0), [], 1
    code = list(program)
    while True:
        t = tape.copy()
        moves = []
        status, _ = oh.run(t, code, [], budget, moves)
        if len(moves) > len(out):
            out.append(([list(p) for p in t.pegs], len(t.frames) - 1, moves[-1]))
        if status != oh.TIMEOUT:
            return out
        budget += 1


def hanoi_frame(program, n, pegs, depth, move, k, total) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
    ax = axes[0]
    for p in range(3):
        ax.plot([p, p], [0, n + 0.6], color="0.4", lw=3)
        for level, disk in enumerate(pegs[p]):
            w = 0.12 + 0.33 * disk / n
            ax.add_patch(plt.Rectangle((p - w, level), 2 * w, 0.85, color=plt.cm.viridis(disk / n)))
    ax.set_xlim(-0.6, 2.6)
    ax.set_ylim(0, n + 1)
    ax.set_xticks([0, 1, 2], ["S (peg 1)", "A (peg 2)", "D (peg 3)"])
    ax.set_yticks([])
    ax.set_title(f"move {k} of {total}: peg {move[0] + 1} -> peg {move[1] + 1}" if move else "start", fontsize=10)
    axes[1].axis("off")
    words = oh.disassemble(program).split()
    lines = [" ".join(words[i:i + 5]) for i in range(0, len(words), 5)]
    axes[1].text(0, 0.95, "the frozen solver (seed 0):\n" + "\n".join(lines), fontsize=9, family="monospace",
                 va="top")
    axes[1].text(0, 0.35, f"procedure calls on the stack: {depth}", fontsize=10)
    axes[1].barh([0.15], [depth], height=0.08, color="C1", transform=axes[1].transData)
    axes[1].set_xlim(0, n + 1)
    axes[1].set_ylim(0, 1)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "oops_towers_of_hanoi.gif").parse_args(argv)
    record = None if args.quick else recorded(oh.__file__)
    if record is not None and "tables" in record:
        history = [{"task": t[0], "how": t[1], "new_tokens": t[2], "limit": 2 * t[3], "steps": t[4],
                    "program": oh.tokens_of(t[5])} for t in record["tables"][0]["rows"] if t[1] != "-"]
    else:
        r = oh.run_seed(args.seed, 2, True, 200_000, False, 6, 8)
        history = [h for h in r["history"] if h["solved"]]
    n_tasks = len(history)
    frames = [frame_of(search_frame(history, k, n_tasks)) for k in range(1, n_tasks + 1)]
    frames += [frames[-1]] * 3
    program = history[-1]["program"]
    n = 4 if oh.simulate(program, 4)[0] else 2
    steps = trace(program, n)
    frames.append(frame_of(hanoi_frame(program, n, [list(range(n, 0, -1)), [], []], 0, None, 0, len(steps))))
    for k, (pegs, depth, move) in enumerate(steps, 1):
        frames.append(frame_of(hanoi_frame(program, n, pegs, depth, move, k, len(steps))))
    save_gif(frames, args.out, fps=2.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
