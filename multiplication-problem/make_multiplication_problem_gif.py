"""The GIF of multiplication-problem: seed 0 of the section "paper_scale" (the paper's LSTM, on-line)
as training proceeds. Each frame: one test sequence's marked values and the four cell states over
it, the outputs against the targets on 300 test sequences, and the count of wrong sequences among
the 2000 most recent training sequences up to that point.

    python3 multiplication-problem/make_multiplication_problem_gif.py     # writes multiplication-problem/multiplication_problem.gif

The frames are the weights the recorded run kept every 20,000 sequences (results.json); --quick
trains a tiny net instead (T = 30, 600 sequences), for the tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import multiplication_problem as mp
from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif

HERE = Path(__file__).resolve().parent
SECTION = "paper_scale"


def run(weights: dict, data: mp.Sequences, rows):
    net = mp.paper_net([0])
    net.W[0], net.V[0] = np.asarray(weights["W"]), np.asarray(weights["V"])
    episode = mp.episode_of([data], np.asarray(rows))
    net.start(len(rows), learn=False)
    out = net.sequence(episode.inputs)
    return net.cache["s"][:, 0].transpose(1, 0, 2), mp.end_outputs(out, episode.lengths)[0]


def snapshots_of(quick: bool) -> tuple[list, dict, int]:
    """[(seen, {'W', 'V'})], seed 0's curve {'seen', 'wrong'}, T, seed 0's n_seq = 140 stop (or None)."""
    path = HERE / "results.json"
    section = json.loads(path.read_text()).get(SECTION) if path.exists() else None
    if not quick and section and section.get("snapshots_seed0"):
        snaps = [(s["seen"] + 1, {"W": s["W"], "V": s["V"]}) for s in section["snapshots_seed0"]]   # after n + 1
        curve = {"seen": section["curve"]["seen"], "wrong": [w[0] for w in section["curve"]["window_wrong"]]}
        return snaps, curve, mp.T_PAPER, section["seeds"]["per_seed"][0]["sequences"]
    config = mp.PaperConfig(T=30, max_sequences=600, recent=200, every=50, snapshot_every=50)
    result = mp.train_bank(config, [0], label="quick net: sequences")
    snaps = [(n + 1, {"W": w, "V": v}) for n, w, v in result["snapshots"]]
    curve = {"seen": result["curve"]["seen"], "wrong": [w[0] for w in result["curve"]["window_wrong"]]}
    return snaps, curve, 30, None


def frame(seen, weights, data, index, rows, curve, recent, stopped):
    states, _ = run(weights, data, [index])
    _, ends = run(weights, data, rows)
    L = int(data.lengths[index])
    x1, x2 = data.marked[index]
    fig = plt.figure(figsize=(11, 5.5))
    grid = fig.add_gridspec(2, 2, width_ratios=[1.6, 1], height_ratios=[1, 1])
    ax = fig.add_subplot(grid[0, 0])
    ax.plot(data.x[index, :L, 0], color="0.6", lw=0.8, label="value")
    ax.step(np.arange(L), data.x[index, :L, 1], where="mid", color="k", lw=1.0, label="marker")
    for pos, name in ((x1, "X1"), (x2, "X2")):
        ax.axvline(pos, color="r", lw=0.6)
        ax.text(pos + 0.5, 1.1, f"{name} = {data.x[index, pos, 0]:.2f}", fontsize=8)
    ax.set_ylim(-1.2, 1.4)
    ax.set_ylabel("input")
    ax.legend(fontsize=7, loc="lower right")
    ax = fig.add_subplot(grid[1, 0])
    for c in range(4):
        ax.plot(states[0, :L, c], label=f"cell {c + 1}")
    for pos in (x1, x2):
        ax.axvline(pos, color="r", lw=0.6)
    ax.set_ylabel("cell state $s_c(t)$ (axis per frame)")
    ax.set_xlabel("time step")
    ax.legend(fontsize=7, ncol=4, loc="upper left")
    ax = fig.add_subplot(grid[0, 1])
    target = data.target[rows, 0]
    wrong = ~(np.abs(ends - target) < mp.THRESHOLD)
    ax.scatter(target, ends, s=4, c=np.where(wrong, "C3", "C0"))
    ax.plot([0, 1], [0, 1], "k-", lw=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("target X1 X2")
    ax.set_ylabel("output")
    ax.set_title(f"{len(rows)} test sequences: {int(wrong.sum())} wrong", fontsize=9)
    ax = fig.add_subplot(grid[1, 1])
    upto = [i for i, s in enumerate(curve["seen"]) if s <= max(seen, curve["seen"][0])]
    ax.plot([curve["seen"][i] for i in upto], [max(curve["wrong"][i], 1) for i in upto], color="C1")
    for k in mp.N_SEQ:
        ax.axhline(k, color="k", ls=":", lw=0.8)
    ax.set_xlim(0, curve["seen"][-1])
    ax.set_ylim(1, recent * 1.1)
    ax.set_yscale("log")
    ax.set_xlabel("training sequences")
    ax.set_ylabel(f"wrong of {recent} most recent")
    stop = f" (stopped at {stopped:,}: weights frozen)" if stopped and seen >= stopped else ""
    fig.suptitle(f"Seed 0, the paper's LSTM trained on-line: after {seen:,} training sequences{stop}", fontsize=11)
    fig.tight_layout()
    return frame_of(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "multiplication_problem.gif").parse_args(argv)
    snaps, curve, T, stopped = snapshots_of(args.quick)
    data = mp.test_sets([0], T)[0]
    index = int(np.argmax((data.marked[:, 1] - data.marked[:, 0]) >= min(40, T // 3)))
    rows = np.arange(300)
    recent = 200 if T != mp.T_PAPER else mp.RECENT
    frames = [frame(seen, w, data, index, rows, curve, recent, stopped) for seen, w in draft_frames(snaps)]
    save_gif(frames, Path(args.out), fps=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
