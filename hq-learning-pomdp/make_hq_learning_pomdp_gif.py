"""The animation of hq-learning-pomdp, from results.json (no training): one HQ system's greedy test run on the
maze, step by step, each step coloured by the agent in control, beside that agent's greedy action for every
input (the current input framed) and its subgoal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # noqa: F401  (kernel pins)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.frame.figures import figure_parser, frame_of, save_gif  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import hq_learning_pomdp as hq  # noqa: E402
from visualize_hq_learning_pomdp import AGENT_COLOURS, draw_maze  # noqa: E402


def frames(record):
    ex = record["headline"]["example"]
    maze = hq.Maze()
    greedy, hqv = np.array(ex["greedy_actions"]), np.array(ex["hq"])
    cells, agents = ex["path_cells"], ex["path_agents"]
    inputs = np.unique(maze.obs)
    M = greedy.shape[0]
    xy = maze.grid.coords[cells]
    out = []
    for t in range(len(cells)):
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.4, 4.2), gridspec_kw={"width_ratios": [1, 1.1]})
        draw_maze(ax, maze)
        for k in range(t):
            ax.plot(xy[k:k + 2, 1], xy[k:k + 2, 0], "-", color=AGENT_COLOURS[agents[k]], lw=3)
        ax.plot(xy[t, 1], xy[t, 0], "o", ms=11, color=AGENT_COLOURS[agents[t]], mec="k")
        ax.set_title(f"greedy test run, step {t}/{len(cells) - 1}: agent {agents[t] + 1} in control", fontsize=9)
        bx.imshow(np.zeros((M, len(inputs))), cmap="Greys", vmin=0, vmax=1, aspect="auto")
        for i in range(M):
            for j, o in enumerate(inputs):
                bx.text(j, i, hq.ACTIONS[greedy[i, o]], ha="center", va="center", fontsize=10,
                        color=AGENT_COLOURS[i], fontweight="bold")
        o_now = maze.obs[cells[t]]
        j = int(np.flatnonzero(inputs == o_now)[0])
        bx.add_patch(plt.Rectangle((j - 0.5, agents[t] - 0.5), 1, 1, fill=False, lw=2.5, color="k"))
        if agents[t] < M - 1:
            goal = int(np.argmax(hqv[agents[t]]))
            bx.set_xlabel(f"input (agent {agents[t] + 1}'s subgoal: input {goal})", fontsize=8)
        else:
            bx.set_xlabel("input (the last agent has no subgoal)", fontsize=8)
        bx.set_xticks(range(len(inputs)), [str(o) for o in inputs])
        bx.set_yticks(range(M), [f"agent {i + 1}" for i in range(M)])
        bx.set_title("greedy action of each agent for each input\n(framed: the agent in control, the input now)",
                     fontsize=8.5)
        fig.tight_layout()
        out.append(frame_of(fig))
        plt.close(fig)
    return out


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "hq_learning_pomdp.gif")
    args = parser.parse_args(argv)
    record = json.loads((HERE / "results.json").read_text())
    pics = frames(record)
    save_gif(pics, args.out, fps=4, hold_last=6)
    print(f"wrote {args.out} ({len(pics)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
