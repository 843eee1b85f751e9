"""The static figures of hq-learning-pomdp, drawn from results.json (no training):

viz/maze.png            the maze, each free cell's input code, S, G and the optimal 28-step route
viz/learning_curves.png mean greedy test steps and share of optimal tests over the trials, every recorded system
viz/tables.png          one HQ system's learned greedy actions per agent and input, and its HQ-tables
viz/test_path.png       that system's greedy test run, each step coloured by the agent in control
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # noqa: F401  (kernel pins)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.frame.figures import figure_parser, save_png  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import hq_learning_pomdp as hq  # noqa: E402

AGENT_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink",
                 "tab:gray", "tab:olive", "tab:cyan", "gold", "black"]
ARROW = {0: (-0.3, 0), 1: (0, 0.3), 2: (0.3, 0), 3: (0, -0.3)}      # W N E S in plot coordinates (y up)


def draw_maze(ax, maze: hq.Maze, codes: bool = True):
    walls = maze.grid.walls
    ax.imshow(walls, cmap="Greys", vmin=0, vmax=1.4, origin="upper")
    if codes:
        for cell, (r, c) in enumerate(maze.grid.coords):
            ax.text(c, r, str(maze.obs[cell]), ha="center", va="center", fontsize=7, color="0.35")
    for mark, colour in (("S", "tab:green"), ("G", "tab:red")):
        r, c = maze.grid.coords[maze.grid.cell_of(mark)]
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, lw=2.5, color=colour))
        ax.text(c + 0.32, r - 0.3, mark, color=colour, fontsize=8, fontweight="bold")
    ax.set_xticks([])
    ax.set_yticks([])


def optimal_route(maze: hq.Maze) -> list[int]:
    route = [maze.start]
    while route[-1] != maze.goal:
        nxt = maze.next_cell[route[-1]]
        route.append(int(nxt[np.argmin(maze.distance[nxt])]))
    return route


def fig_maze(maze):
    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    draw_maze(ax, maze)
    xy = maze.grid.coords[optimal_route(maze)]
    ax.plot(xy[:, 1], xy[:, 0], "-", color="tab:red", alpha=0.45, lw=3)
    ax.set_title("Our maze: 62 free cells, 9 inputs (wall bits W=1, N=2, E=4, S=8),\n"
                 "optimal route S (green) -> G (red) 28 steps; input 5 = walls left and right", fontsize=8.5)
    return fig


def parts(record):
    out = [("HQ-learning, M = 4 (headline)", record)]
    for key, value in record.items():
        if isinstance(value, dict) and "headline" in value and "mean_test_steps_curve" in value["headline"]:
            out.append((value["headline"]["method"] + ("" if key == "flat" else f" [{key}]"), value))
    return out


def fig_curves(record):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for k, (label, part) in enumerate(parts(record)):
        if label.startswith("HQ-learning, M = 4 (headline)"):
            label = "HQ-learning, M = 4"
        head = part["headline"]
        every = head["config"]["test_every"]
        x = every * (1 + np.arange(len(head["mean_test_steps_curve"])))
        colour = AGENT_COLOURS[k % len(AGENT_COLOURS)]
        axes[0].plot(x, head["mean_test_steps_curve"], "o-", ms=3, color=colour,
                     label=f"{label} ({head['simulations']} sims)")
        axes[1].plot(x, head["share_optimal_curve"], "o-", ms=3, color=colour)
    axes[0].axhline(hq.OPTIMAL_STEPS, ls="--", color="k", lw=0.8)
    axes[0].set_yscale("log")
    for ax in axes:
        ax.set_xscale("log")
    axes[0].set_ylabel("mean greedy test steps (failure = 1000)")
    axes[1].set_ylabel("share of simulations at the 28-step optimum")
    axes[1].set_ylim(-0.02, 1.02)
    for ax in axes:
        ax.set_xlabel("trials")
        ax.grid(alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=7)
    fig.suptitle("Greedy test runs after every 500th trial (this machine's seeds)", fontsize=9)
    fig.tight_layout(rect=(0, 0.15, 1, 1))
    return fig


def fig_tables(record):
    ex = record["headline"]["example"]
    greedy, qmax, hqv = np.array(ex["greedy_actions"]), np.array(ex["q_max"]), np.array(ex["hq"])
    maze = hq.Maze()
    inputs = np.unique(maze.obs)
    M = greedy.shape[0]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    im = axes[0].imshow(qmax[:, inputs], cmap="viridis", aspect="auto")
    for i in range(M):
        for j, o in enumerate(inputs):
            axes[0].text(j, i, hq.ACTIONS[greedy[i, o]], ha="center", va="center", color="w", fontsize=9,
                         fontweight="bold")
    axes[0].set_xticks(range(len(inputs)), [str(o) for o in inputs])
    axes[0].set_yticks(range(M), [f"agent {i + 1}" for i in range(M)])
    axes[0].set_xlabel("input")
    axes[0].set_title(f"simulation {ex['seed']}: greedy action per agent and input\n(colour: max_a Q_i(o, a))",
                      fontsize=8.5)
    fig.colorbar(im, ax=axes[0])
    im2 = axes[1].imshow(hqv[:M - 1], cmap="magma", aspect="auto")
    for i in range(M - 1):
        best = int(np.argmax(hqv[i]))
        axes[1].add_patch(plt.Rectangle((best - 0.5, i - 0.5), 1, 1, fill=False, color="cyan", lw=2))
    axes[1].set_xticks(range(hq.N_OBS), [str(o) for o in range(hq.N_OBS)], fontsize=7)
    axes[1].set_yticks(range(M - 1), [f"agent {i + 1}" for i in range(M - 1)])
    axes[1].set_xlabel("subgoal input (all 16; 9 occur)")
    axes[1].set_title("HQ_i(o): value of choosing input o as subgoal\n(cyan: the greedy subgoal)", fontsize=8.5)
    fig.colorbar(im2, ax=axes[1])
    fig.tight_layout()
    return fig


def fig_path(record):
    ex = record["headline"]["example"]
    maze = hq.Maze()
    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    draw_maze(ax, maze, codes=False)
    xy = maze.grid.coords[ex["path_cells"]]
    agents = ex["path_agents"]
    for k in range(len(xy) - 1):
        ax.plot(xy[k:k + 2, 1], xy[k:k + 2, 0], "-", color=AGENT_COLOURS[agents[k]], lw=3)
    for i in sorted(set(agents)):
        ax.plot([], [], color=AGENT_COLOURS[i], lw=3, label=f"agent {i + 1}")
    ax.legend(fontsize=7, loc="lower right")
    steps = len(xy) - 1
    ax.set_title(f"simulation {ex['seed']}: greedy test run, {steps} steps\n(colour: the agent in control)",
                 fontsize=8.5)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    record = json.loads((HERE / "results.json").read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    maze = hq.Maze()
    for name, fig in (("maze", fig_maze(maze)), ("learning_curves", fig_curves(record)),
                      ("tables", fig_tables(record)), ("test_path", fig_path(record))):
        save_png(fig, out / f"{name}.png")
        plt.close(fig)
        print(f"wrote {out / name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
