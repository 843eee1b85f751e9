"""Pictures for ssa-bias-transfer-mazes (from results.json and a re-run of seed 0's learners).

    python3 ssa-bias-transfer-mazes/visualize_ssa_bias_transfer_mazes.py     # writes viz/*.png

ladder_curves.png      LS steps per epoch (median over seeds) of the four learners over the 40 epochs
learning_rates.png     the learning-rate grid on the tuning mazes: median total steps, failed searches
held_out.png           the held-out goal per seed: LS from scratch vs the bias SSA+ALS ends with
maze_programs.png      seed 0's labyrinth, its goals, the paths of the programs SSA+ALS found last
policy_matrices.png    seed 0's probability matrix P after the ladder: ALS vs SSA+ALS
ssa_stack.png          seed 0's SSA stack over life time: entries, pops, reward/time ratios
ssa_small_rate.png     seed 0: SSA+ALS at a small rate (0.05) against the tuned one: why SSA undoes small steps
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # noqa: F401  first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import ssa_bias_transfer_mazes as ssa
from shared.frame.figures import figure_parser, recorded, save_png

COLORS = {"LS": "C3", "ALS": "C1", "SSA+ALS": "C2", "SSA+ALS/M1": "C0"}
NAMES = {"LS": "LS from scratch", "ALS": "ALS (no SSA)", "SSA+ALS": "SSA+ALS, METHOD 2 (bias kept)",
         "SSA+ALS/M1": "SSA+ALS, METHOD 1 (reset per goalset)"}


def settings(quick: bool):
    """The config and the two tuned rates (from the record; the defaults before the first record)."""
    cfg = ssa.Config()
    if quick:
        cfg = replace(cfg, epochs_per_goalset=1, max_phase=13)
    rec = recorded(ssa.__file__)
    g_als = rec["headline"]["gamma_als"] if rec and not quick else 0.4
    g_ssa = rec["headline"]["gamma_ssa"] if rec and not quick else 0.4
    return cfg, g_als, g_ssa, (None if quick else rec)


def draw_maze(ax, task, cfg, paths=None, agent=None, heading=None, title=None, small=False):
    """The labyrinth (walls dark), the start arrow, the goals 1..7 and the held-out goal (star); paths:
    list of (cells, color); agent: a cell drawn as a triangle pointing along ``heading``."""
    maze = task["maze"]
    ax.imshow(maze.walls, cmap=ListedColormap(["#f7f7f2", "#404040"]), interpolation="nearest")
    fs = 6 if small else 8
    for cells, color in paths or []:
        rc = maze.coords[np.asarray(cells)]
        ax.plot(rc[:, 1], rc[:, 0], color=color, lw=2.0 if small else 2.4, alpha=0.85, solid_capstyle="round")
    r0, c0 = maze.coords[task["start"]]
    ax.annotate("", xy=(c0 + 0.9, r0), xytext=(c0 - 0.4, r0),
                arrowprops=dict(arrowstyle="-|>", color="C0", lw=1.5))
    for k, g in enumerate(task["goals"]):
        r, c = maze.coords[g]
        if k < cfg.n_goals:
            ax.text(c, r, str(k + 1), ha="center", va="center", fontsize=fs, color="white", weight="bold",
                    bbox=dict(boxstyle="circle,pad=0.15", fc="C2", ec="none"))
        else:
            ax.plot(c, r, marker="*", color="C3", ms=12 if not small else 9, mec="k", mew=0.5)
    if agent is not None:
        r, c = maze.coords[agent]
        dr, dc = ssa.MOVES_RC[heading]
        ax.plot(c, r, marker=(3, 0, {0: 0, 1: -90, 2: 180, 3: 90}[heading]), color="C1", ms=10, mec="k")
        ax.plot([c, c + 0.45 * dc], [r, r + 0.45 * dr], color="k", lw=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8 if small else 9)


def draw_matrix(ax, P, title, fig=None, cbar=True):
    im = ax.imshow(P, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(ssa.N_OPS))
    ax.set_xticklabels(ssa.SHORT_NAMES, rotation=90, fontsize=7)
    ax.set_yticks(range(P.shape[0]))
    ax.set_ylabel("program address i", fontsize=8)
    ax.set_xlabel("instruction j", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=8)
    if cbar and fig is not None:
        fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02).set_label("P_ij", fontsize=7)
    return im


def program_cells(task, cfg, program, goal):
    trace: list = []
    ssa.run_program(task["agent"], program, task["start"], task["heading"], goal, 100_000, cfg.max_len, trace)
    return [task["start"]] + [c for c, _, _, _ in trace]


def ladder_curves(rec, out):
    rows = rec["seeds"]["per_seed"]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for k in ssa.LEARNERS:
        curves = np.array([r["epoch_steps"][k] for r in rows], float)
        med = np.median(curves, axis=0)
        lo, hi = np.percentile(curves, 25, axis=0), np.percentile(curves, 75, axis=0)
        x = np.arange(1, curves.shape[1] + 1)
        ax.plot(x, med, color=COLORS[k], lw=1.6, label=NAMES[k])
        ax.fill_between(x, lo, hi, color=COLORS[k], alpha=0.15)
    for b in (10.5, 20.5, 30.5):
        ax.axvline(b, color="0.6", lw=0.8, ls=":")
    for i in range(4):
        ax.text(5.5 + 10 * i, 0.97, f"goalset G{i + 1}: goals 1-{4 + i}", transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=7, color="0.3")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("time steps of the epoch's LS calls")
    ax.set_title(f"All goals of the current goalset, every epoch: median and quartiles over {len(rows)} "
                 "labyrinths", fontsize=9)
    ax.set_ylim(None, ax.get_ylim()[1] * 40)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, 0.93), ncol=2)
    fig.tight_layout()
    save_png(fig, out / "ladder_curves.png")


def learning_rates(rec, out):
    tuning = rec["tuning"]
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for k in ("ALS", "SSA+ALS"):
        gs = sorted({t["gamma"] for t in tuning if t["learner"] == k})
        runs = [[t for t in tuning if t["learner"] == k and t["gamma"] == g] for g in gs]
        med = [np.median([t["total_steps"] for t in r]) for r in runs]
        ax.plot(gs, med, marker="o", color=COLORS[k], label=NAMES[k])
        for g, r, m in zip(gs, runs, med):
            miss = sum(not t["all_found_last_epoch"] for t in r)
            if miss:
                ax.annotate(f"{miss}/{len(r)} miss a goal\nof the last epoch", (g, m), fontsize=6,
                            color=COLORS[k], xytext=(6, -4), textcoords="offset points", va="top")
    best = {k: rec["headline"][f"gamma_{'als' if k == 'ALS' else 'ssa'}"] for k in ("ALS", "SSA+ALS")}
    for k, g in best.items():
        ax.axvline(g, color=COLORS[k], ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate gamma (dotted: the rate chosen)")
    ax.set_ylabel("median total LS steps over the 40 epochs")
    ax.set_title(f"Learning-rate grid on the tuning labyrinths {sorted({t['seed'] for t in tuning})}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "learning_rates.png")


def held_out(rec, out):
    rows = rec["seeds"]["per_seed"]
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    x = np.arange(len(rows))
    ls = [r["ls_held_out"] for r in rows]
    ax.bar(x - 0.2, ls, 0.4, color=COLORS["LS"], label="LS from scratch (uniform P)")
    ax.bar(x + 0.2, [r["ssa_held_out"] for r in rows], 0.4, color=COLORS["SSA+ALS"],
           label="LS with the matrix SSA+ALS ends with")
    for i, r in enumerate(rows):
        if not r["ls_held_out_found"]:
            ax.text(i - 0.2, ls[i] * 1.15, "not\nfound", ha="center", fontsize=6, color=COLORS["LS"])
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([str(r["seed"]) for r in rows])
    ax.set_xlabel("seed (labyrinth)")
    ax.set_ylabel("time steps to find held-out goal 8")
    ax.set_title("The held-out goal, never searched for during the ladder ('not found': LS stopped at its\n"
                 "phase limit, its bar is what it spent)", fontsize=8)
    ax.set_ylim(None, max(ls) * 30)
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    save_png(fig, out / "held_out.png")


def seed0(cfg, g_als, g_ssa, seed, out):
    task = ssa.make_tasks(seed, cfg)
    life = ssa.live(task, cfg, "SSA+ALS", g_ssa, history=True)
    als = ssa.live(task, cfg, "ALS", g_als)
    # maze and the last programs
    last = {}
    for e in life["events"]:
        if e["program"] is not None:
            last[e["goal"]] = e["program"]
    fig = plt.figure(figsize=(10, 5.2))
    ax = fig.add_axes([0.01, 0.05, 0.48, 0.88])
    cmap = plt.get_cmap("viridis")
    paths = [(program_cells(task, cfg, last[g], task["goals"][g - 1]), cmap((g - 1) / cfg.n_goals))
             for g in sorted(last)]
    draw_maze(ax, task, cfg, paths=paths, title=f"Seed {seed}: the labyrinth, goals 1-7 (green), held-out goal "
                                                  "(red star), start (arrow)")
    ax2 = fig.add_axes([0.5, 0.05, 0.49, 0.88])
    ax2.axis("off")
    lines = [f"Programs SSA+ALS (gamma {g_ssa}) found last, per goal:"]
    for g in sorted(last):
        lines.append(f"goal {g}: " + ssa.disassemble(last[g]))
    final = ssa.held_out(task, cfg, life["policy"])
    lines.append("")
    lines.append("held-out goal 8 with the final matrix:")
    lines.append(ssa.disassemble(final.program) if final.program else "not found")
    ax2.text(0, 1, "\n".join(lines), va="top", fontsize=7, family="monospace", wrap=True)
    save_png(fig, out / "maze_programs.png")
    # matrices
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.4))
    fig.subplots_adjust(top=0.8, bottom=0.2, left=0.06, right=0.88, wspace=0.3)
    draw_matrix(axes[0], ssa.Policy(cfg.max_len, cfg.max_r).P, "P at birth (uniform, 1/9)", fig, cbar=False)
    draw_matrix(axes[1], als["policy"].P, f"ALS after 40 epochs (gamma {g_als})", fig, cbar=False)
    im = draw_matrix(axes[2], life["policy"].P, f"SSA+ALS after 40 epochs (gamma {g_ssa}):\n"
                     f"{life['stack']} modifications left on the stack", fig, cbar=False)
    fig.colorbar(im, ax=axes, fraction=0.02, pad=0.02).set_label("P_ij: probability of instruction j at address i")
    fig.suptitle(f"Seed {seed}: the probability matrix the next Levin search draws programs from", fontsize=10)
    save_png(fig, out / "policy_matrices.png")
    # the stack over life time
    ev = life["events"]
    t = np.array([e["t"] for e in ev], float)
    fig, axes = plt.subplots(2, 1, figsize=(8, 5.4), sharex=True)
    axes[0].step(t, [e["stack"] for e in ev], where="post", color="C2")
    pops = [(e["t"], e["popped"]) for e in ev if e["popped"]]
    if pops:
        axes[0].scatter([p[0] for p in pops], [0.2] * len(pops), s=[6 * p[1] for p in pops], color="C3",
                        label="checkpoint that popped (size: how many)")
        axes[0].legend(fontsize=7, loc="upper left")
    axes[0].set_ylabel("entries on SSA's stack")
    axes[0].set_xscale("log")
    axes[1].plot(t, [e["R"] / e["t"] for e in ev], color="k", lw=1, label="R(t) / t since birth")
    for e in ev:
        if e["ratios"]:
            axes[1].scatter([e["t"]] * len(e["ratios"]), e["ratios"], s=4, color="C2", alpha=0.6)
    axes[1].scatter([], [], s=4, color="C2", label="Q(i, t) of each surviving entry (after SSA)")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("life time t: time steps of all LS calls so far")
    axes[1].set_ylabel("reward / time")
    axes[1].legend(fontsize=7)
    fig.suptitle(f"Seed {seed}, SSA+ALS: the success-story criterion R/t < Q(1) < Q(2) < ... after every "
                 f"checkpoint ({life['pops']} pops in all)", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "ssa_stack.png")


def small_rate(cfg, g_ssa, seed, out, small=0.05):
    """SSA+ALS at a small learning rate beside the tuned one: R/t since birth, the stack, the epochs."""
    task = ssa.make_tasks(seed, cfg)
    runs = {g: ssa.live(task, cfg, "SSA+ALS", g, history=True) for g in (small, g_ssa)}
    ls = ssa.live(task, cfg, "LS", 0.0, ls_cache={})
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    for g, color in ((small, "C4"), (g_ssa, "C2")):
        ev = runs[g]["events"]
        t = np.array([e["t"] for e in ev], float)
        axes[0].plot(t, [e["R"] / e["t"] for e in ev], color=color, lw=1, label=f"gamma {g}: R(t)/t")
        axes[1].step(t, [e["stack"] for e in ev], where="post", color=color, lw=1,
                     label=f"gamma {g}: {runs[g]['pops']} pops")
        axes[2].plot(np.arange(1, len(runs[g]["epoch_steps"]) + 1), runs[g]["epoch_steps"], color=color,
                     label=f"SSA+ALS, gamma {g}")
    axes[2].plot(np.arange(1, len(ls["epoch_steps"]) + 1), ls["epoch_steps"], color=COLORS["LS"], ls="--",
                 label="LS from scratch")
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("life time t (LS steps)")
    axes[0].set_ylabel("reward / time since birth")
    axes[0].set_title("R(t)/t falls as the goals get harder; a modification\nsurvives only where the rate rises after it", fontsize=8)
    axes[1].set_xscale("log")
    axes[1].set_xlabel("life time t (LS steps)")
    axes[1].set_ylabel("entries on SSA's stack")
    axes[1].set_title("Small steps of P do not speed up the next,\nharder search enough: SSA undoes them", fontsize=8)
    axes[2].set_yscale("log")
    axes[2].set_xlabel("epoch")
    axes[2].set_ylabel("LS steps of the epoch")
    axes[2].set_title("...so at gamma 0.05 SSA+ALS stays near LS", fontsize=8)
    for ax in axes:
        ax.legend(fontsize=7)
    fig.suptitle(f"Seed {seed}: SSA+ALS at a small learning rate against the tuned one", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "ssa_small_rate.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg, g_als, g_ssa, rec = settings(args.quick)
    if rec is not None:
        ladder_curves(rec, out)
        learning_rates(rec, out)
        held_out(rec, out)
    seed0(cfg, g_als, g_ssa, args.seed, out)
    small_rate(cfg, g_ssa, args.seed, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
