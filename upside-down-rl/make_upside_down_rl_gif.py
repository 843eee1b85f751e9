"""Animation for upside-down-rl: one trained behaviour function, four commanded returns.

    python3 upside-down-rl/make_upside_down_rl_gif.py    # writes upside_down_rl.gif

Seed 0's headline run (UDRL on the sparse lander) is retrained; the same behaviour function then flies
the same start four times, each under another desired return (horizon: its evaluation command's). The
start is the one of 20 whose returns differ most across the four commands (an illustration chosen for
contrast; the sweep over all test starts is viz/command_following.png).
Each panel: the lander's path so far in (x, y) with the pad, the engine it fires, and below, the command
as the agent sees it at that step (desired return, which only changes at the end -- the reward is paid
then -- and the desired horizon counting down) and the return paid so far.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import upside_down_rl as ud
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_upside_down_rl import train_seed

ACTION_NAMES = ["-", "main", "left", "right"]


def fly(behaviour, buffers, cfg, seed, returns, candidates=20):
    """Each desired return from `candidates` starts; the start whose returns differ most across the
    commands is shown (the figure says so). -> the trajectory and the command at every step, per command."""
    base = ud.udrl_eval_command(buffers, cfg)[0]
    starts = ud.starts_for([np.random.default_rng([seed, 9])], candidates)
    runs = []
    for k, r in enumerate(returns):
        seen = []
        policy = ud.udrl_policy(behaviour, [np.random.default_rng([seed, 10, k])])

        def watched(o, c, policy=policy, seen=seen):
            seen.append(c[0].copy())
            return policy(o, c)
        cmd = np.tile([r, base[1]], (1, candidates, 1))
        runs.append((ud.rollout(watched, starts, cfg.reward, cmd), np.array(seen)))
    totals = np.stack([run["total"][0] for run, _ in runs])
    pick = int(np.argmax(totals.max(axis=0) - totals.min(axis=0)))
    out = []
    for r, (run, seen) in zip(returns, runs):
        n = int(run["length"][0, pick])
        states = run["obs"][0, pick, :n] * [2, 2, 1, 1]
        last, _, _, _ = ud.ENV.step(states[-1:], run["actions"][0, pick, n - 1:n])   # the state after the last action
        out.append({"states": np.concatenate([states, last]), "actions": run["actions"][0, pick, :n],
                    "commands": seen[:n, pick], "rewards": run["rewards"][0, pick, :n],
                    "total": float(run["total"][0, pick]), "landed": bool(run["landed"][0, pick]), "desired": r,
                    "length": n})
    return base, out, pick


def frame(flights, t, pick):
    fig, axes = plt.subplots(2, len(flights), figsize=(3.2 * len(flights), 4.6),
                             gridspec_kw={"height_ratios": [3, 1]})
    for k, f in enumerate(flights):
        ax = axes[0, k]
        i = min(t, f["length"])
        path = f["states"][:i + 1]
        ax.plot(path[:, 0], path[:, 1], color="C0", lw=1)
        x, y = path[-1, 0], path[-1, 1]
        ax.plot([-ud.ENV.pad, ud.ENV.pad], [0, 0], color="lime", lw=6, solid_capstyle="butt")
        ax.axhline(0, color="saddlebrown", lw=1)
        ax.plot(x, max(y, 0), marker="^", color="k", ms=9)
        if i < f["length"]:
            a = f["actions"][i]
            if a == 1:
                ax.plot([x, x], [max(y, 0) - 0.25, max(y, 0) - 0.08], color="orange", lw=3)
            elif a in (2, 3):
                dx = 0.25 if a == 2 else -0.25
                ax.plot([x + dx * 0.3, x + dx], [max(y, 0), max(y, 0)], color="orange", lw=3)
            status = f"engine: {ACTION_NAMES[a]}"
        else:
            status = "LANDED" if f["landed"] else "CRASHED"
        ax.set_xlim(-2.5, 2.5)
        ax.set_ylim(-0.1, 3.0)
        ax.set_xlabel("x")
        if k == 0:
            ax.set_ylabel("height y")
        ax.set_title(f"commanded return {f['desired']:.0f}\n{status}"
                     + (f" (return {f['total']:.0f})" if i >= f["length"] else ""), fontsize=9,
                     color="green" if status == "LANDED" else ("red" if status == "CRASHED" else "k"))
        ax2 = axes[1, k]
        ax2.axis("off")
        c = f["commands"][min(i, f["length"] - 1)]
        paid = f["rewards"][:i].sum()
        ax2.text(0.02, 0.75, f"desired return  {c[0]:7.1f}", family="monospace", fontsize=8)
        ax2.text(0.02, 0.45, f"desired horizon {c[1]:7.1f}", family="monospace", fontsize=8)
        ax2.text(0.02, 0.15, f"return paid     {paid:7.1f}", family="monospace", fontsize=8)
    fig.suptitle(f"One UDRL behaviour function (seed 0, sparse reward), one start (of 20, the one whose outcomes "
                 f"differ most across the commands), four commanded returns: step {t}", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "upside_down_rl.gif")
    args = parser.parse_args(argv)
    cfg, behaviour, buffers = train_seed(args.seed, args.quick)
    best = float(ud.udrl_eval_command(buffers, cfg)[0, 0])
    _, flights, pick = fly(behaviour, buffers, cfg, args.seed, [-200.0, -100.0, 0.0, round(best)])
    longest = max(f["length"] for f in flights)
    frames = []
    for t in list(range(0, longest + 1, 2)) + [longest] * 6:
        fig = frame(flights, t, pick)
        frames.append(frame_of(fig))
        plt.close(fig)
    save_gif(frames, args.out, fps=8)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
