"""Animation for pipe-6-bit-parity: PIPE's search on even 6-bit parity, improvement by improvement.

    python3 pipe-6-bit-parity/make_pipe_6_bit_parity_gif.py     # writes pipe-6-bit-parity/pipe_6_bit_parity.gif

Reruns one seed of the paper_scale section (2M evaluations; the headline's if that section is not recorded): by
default the recorded seed that got furthest (solved with the fewest evaluations, else the fewest wrong cases;
--seed picks another), with the headline's constants, up to that seed's last recorded improvement (the rest of
its budget brings no better count, so no frame would change). Left: the elite's output on the 64 inputs as an 8 x 8 grid
(input c at row c // 8, column c % 8; green right, red wrong). Middle: the probabilities of the PPT's root
node. Right: the elite's wrong cases against evaluations so far. One frame per improvement of the elite and per
factor 1.5 of evaluations. --quick: 4 bits, 3000 evaluations, 8 frames.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import pipe_6_bit_parity as pp
from shared.search import pipe
from shared.frame.figures import figure_parser, frame_of, recorded, save_gif

MAX_FRAMES = 60


def snapshots(seed: int, n_bits: int, budget: int):
    """Rerun the headline's PIPE on one seed; keep (evaluations, elite wrong, elite outputs, root probabilities,
    elite text, elite size) at every improvement of the elite and at log-spaced evaluations, and the last state."""
    task = pp.parity_task(n_bits)
    constants = dict(pp.READINGS[pp.HEADLINE_READING])
    ppt = pipe.PPT(task.instructions, constants.pop("terminal_probability"), max_depth=pp.MAX_DEPTH)
    shots, checkpoint = [], [100.0]

    def watch(step, tree, elite):
        # a frame at every improvement of the elite, and at log-spaced evaluations (the PPT moves meanwhile)
        if not shots or elite.fitness < shots[-1][1] or step.evaluations >= checkpoint[0]:
            while checkpoint[0] <= step.evaluations:
                checkpoint[0] *= 1.5
            shots.append((step.evaluations, int(elite.fitness), pp.outputs(task, elite), tree.probs[0].copy(),
                          elite.text(task.instructions), elite.size))

    run = pipe.pipe(ppt, lambda p: pp.wrong_cases(task, p), np.random.default_rng(seed), max_evaluations=budget,
                    on_iteration=watch, **constants)
    shots.append((run.evaluations, int(run.elite.fitness), pp.outputs(task, run.elite), ppt.probs[0].copy(),
                  run.elite.text(task.instructions), run.elite.size))
    return task, shots, run


def frame(task, shots, k: int, seed: int, budget: int, note: str = "") -> plt.Figure:
    evaluations, wrong, out, root, text, size = shots[k]
    side = 1 << (task.n_bits // 2)
    fig = plt.figure(figsize=(12.5, 4.6))
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.4], height_ratios=[1, 0.16], wspace=0.42, hspace=0.45,
                            left=0.05, right=0.98, top=0.88, bottom=0.04)
    ax = fig.add_subplot(grid[0, 0])
    cases = np.array([((out ^ task.target) >> c) & 1 for c in range(task.n_cases)]).reshape(-1, side)
    image = ax.imshow(cases, cmap=ListedColormap(["#9fd49f", "#d62728"]), vmin=0, vmax=1)
    for c in range(task.n_cases):
        ax.text(c % side, c // side, "1" if (out >> c) & 1 else "0", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(side))
    ax.set_yticks(range(cases.shape[0]))
    ax.set_xlabel(f"input c mod {side}")
    ax.set_ylabel(f"input c // {side}")
    ax.set_title(f"elite output per input: {wrong} of {task.n_cases} wrong", fontsize=9)
    bar = fig.colorbar(image, ax=ax, ticks=[0.25, 0.75], fraction=0.046, pad=0.03)
    bar.ax.set_yticklabels(["right", "wrong"], fontsize=7)
    ax = fig.add_subplot(grid[0, 1])
    ax.bar(range(task.instructions.size), root, color=["C0"] * task.instructions.n_functions
           + ["C2"] * (task.instructions.size - task.instructions.n_functions))
    ax.set_xticks(range(task.instructions.size), task.instructions.names, rotation=60, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability at the PPT's root")
    ax.set_title("the root's instruction vector", fontsize=9)
    ax = fig.add_subplot(grid[0, 2])
    e = np.array([max(s[0], 1) for s in shots[:k + 1]], dtype=float)
    w = np.array([s[1] for s in shots[:k + 1]], dtype=float)
    ax.step(e, w, where="post", color="C0")
    ax.plot(e[-1], w[-1], "o", color="C3")
    ax.axvspan(*pp.PAPER_EVALUATIONS, color="0.9", zorder=0, label="[S] paper's mean range")
    ax.set_xscale("log")
    ax.set_xlim(1, budget * 1.5)
    ax.set_ylim(-1, task.n_cases // 2 + 2)
    ax.set_xlabel("program evaluations")
    ax.set_ylabel("elite's wrong cases")
    ax.set_title(f"seed {seed}: after {evaluations:,} evaluations{note}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    ax = fig.add_subplot(grid[1, :])
    ax.axis("off")
    shown = text if len(text) <= 230 else text[:227] + "..."
    ax.text(0, 0.5, f"elite ({size} nodes): {shown}", fontsize=7, family="monospace", va="center", wrap=True)
    fig.suptitle(f"PIPE (reading {pp.HEADLINE_READING}) on even {task.n_bits}-bit parity", fontsize=10)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "pipe_6_bit_parity.gif")
    args = parser.parse_args(argv)
    n_bits, budget, seed, stop = pp.N_BITS, pp.PAPER_BUDGET, args.seed, None
    record = recorded(pp.__file__)
    if args.quick:
        n_bits, budget = 4, 3000
    elif record and record.get("seeds"):
        part = record.get(pp.PAPER_SCALE) or record     # the paper-scale runs go furthest; else the headline's
        rows = part["seeds"]["per_seed"]
        if "--seed" in " ".join(sys.argv[1:] if argv is None else argv):
            row = next(r for r in rows if r["seed"] == seed)
        else:           # the recorded seed that got furthest (solved with the fewest evaluations, else fewest wrong)
            row = min(rows, key=lambda r: (r["wrong_cases"], r["evaluations"]))
        seed, budget = row["seed"], part["headline"]["budget"]
        # the rerun stops at the seed's last recorded improvement: the rest of its budget changes no frame
        stop = row["evaluations"] if row["solved"] else row["curve"][-1][0]
    task, shots, run = snapshots(seed, n_bits, stop if stop else budget)
    most = 8 if args.quick else MAX_FRAMES
    picks = sorted(set(np.linspace(0, len(shots) - 1, min(most, len(shots))).astype(int).tolist()))
    last = (f"\n(its last improvement; the recorded run ends at {budget:,}\nwith the same count)"
            if stop and stop < budget and not run.solved else "")
    frames = [frame_of(frame(task, shots, k, seed, budget, last if k == picks[-1] else ""), dpi=70) for k in picks]
    frames += [frames[-1]] * 6                       # linger on the last state
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
