"""Static figures for upside-down-rl (the recorded sweeps, and seed 0's headline run retrained).

    python3 upside-down-rl/visualize_upside_down_rl.py     # writes viz/*.png

- learning_curves.png: from results.json, the training episodes' return and share landed against the
  episodes used, every recorded setting (mean over seeds, band: min..max over seeds).
- final_returns.png: from results.json, each seed's mean test return per setting.
- command_following.png: from results.json, the return achieved against the return commanded (the
  headline's seeds and the mean of every UDRL setting; the diagonal is "achieved = commanded"), and
  the share of landings.
- behaviour_map.png: seed 0's trained behaviour function (retrained): the action it prefers over
  (height, vertical speed) above the pad, at a low and a high commanded return, with test trajectories
  under each command.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import upside_down_rl as ud
from shared.frame.figures import figure_parser, recorded, save_png

SETTINGS = [(None, "UDRL, sparse (top buffer)", "C0"), ("fifo", "UDRL, sparse, FIFO buffer", "C4"),
            ("odyssnet", "UDRL, sparse, OdyssNet B", "C2"), ("udrl-dense", "UDRL, dense", "C9"),
            ("dqn-sparse", "DQN, sparse", "C3"), ("dqn-dense", "DQN, dense", "C1")]
ACTIONS = ["nothing", "main", "left", "right"]


def parts(record):
    for key, label, colour in SETTINGS:
        part = record if key is None else record.get(key)
        if part and part.get("history"):
            yield key, label, colour, part


def draw_learning(record, path):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for key, label, colour, part in parts(record):
        h = part["history"]
        x = np.array(h["episodes"])
        for ax, name in zip(axes, ("return", "landed")):
            y = np.array(h[name])
            ax.plot(x, y.mean(axis=1), color=colour, label=f"{label} ({y.shape[1]} seeds)")
            if key in (None, "dqn-sparse"):
                lo, hi = np.percentile(y, [25, 75], axis=1)
                ax.fill_between(x, lo, hi, color=colour, alpha=0.15)
    axes[0].set_ylabel("return of the training episodes")
    axes[1].set_ylabel("share of training episodes landed")
    for ax in axes:
        ax.set_xlabel("episodes used (per seed)")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
    fig.suptitle("Learning curves (mean over seeds; bands: the 25-75% range over seeds for UDRL and DQN on the sparse "
                 "task)\nUDRL: the episodes of each iteration; DQN: its last 50 episodes (epsilon-greedy)", fontsize=9)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    save_png(fig, path)
    plt.close(fig)


def draw_final(record, path):
    fig, ax = plt.subplots(figsize=(9, 4.2))
    names = []
    for i, (key, label, colour, part) in enumerate(parts(record)):
        values = np.array([r["test_return"] for r in part["seeds"]["per_seed"]])
        jitter = np.linspace(-0.15, 0.15, len(values))
        ax.scatter(i + jitter, values, color=colour, s=18, zorder=3)
        ax.hlines(values.mean(), i - 0.3, i + 0.3, color="k", lw=2, zorder=4)
        names.append(label.replace(", ", "\n", 1))
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylabel("mean return of 100 test episodes")
    ax.axhline(0, color="grey", lw=0.6)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("Each seed's test return after the same number of episodes (dots); black: mean over seeds",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def draw_following(record, path):
    follow = record.get("follow")
    if not follow:
        return
    c = np.array(follow["commands"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for y in np.array(follow["achieved"]):
        axes[0].plot(c, y, color="C0", alpha=0.2, lw=0.8)
    for y in np.array(follow["landed"]):
        axes[1].plot(c, y, color="C0", alpha=0.2, lw=0.8)
    for key, label, colour, part in parts(record):
        f = part.get("follow")
        if not f:
            continue
        ach, land = np.array(f["achieved"]), np.array(f["landed"])
        lw = 2.5 if key is None else 1.5
        axes[0].plot(c, ach.mean(axis=0), color=colour, lw=lw, marker="o", ms=4,
                     label=f"{label} (mean of {len(ach)} seeds)")
        axes[1].plot(c, land.mean(axis=0), color=colour, lw=lw, marker="o", ms=4)
    axes[0].plot(c, c, color="k", ls="--", lw=1, label="achieved = commanded")
    axes[0].set_xlabel("desired return commanded at the start")
    axes[0].set_ylabel("return achieved (mean of the test episodes)")
    axes[0].legend(fontsize=7)
    axes[0].grid(alpha=0.3)
    axes[1].set_xlabel("desired return commanded at the start")
    axes[1].set_ylabel("share of test episodes landed")
    axes[1].set_ylim(-0.03, 1.03)
    axes[1].grid(alpha=0.3)
    fig.suptitle("Command following on the lander (thin: the headline's single seeds, top buffer, sparse reward)",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def train_seed(seed: int, quick: bool):
    args = ud.parse_args(["--seed", str(seed)] + (["--quick"] if quick else []))
    cfg = ud.config_of(args)
    rows, history, extras = ud.run_sweep(cfg, [seed], follow=False)
    print(f"seed {seed} retrained alone: test return {rows[0]['test_return']:.4g}, landed {rows[0]['landed']:.3g}")
    return cfg, extras["behaviour"], extras["buffers"]


def command_runs(behaviour, buffers, cfg, seed, returns, n=8):
    """Test trajectories of the trained B under each desired return (horizon: the evaluation command's)."""
    base = ud.udrl_eval_command(buffers, cfg)
    rng = np.random.default_rng([seed, 7])
    starts = ud.starts_for([rng], n)
    out = []
    for k, r in enumerate(returns):
        cmd = np.repeat(base[:, None], n, axis=1)
        cmd[..., 0] = r
        policy = ud.udrl_policy(behaviour, [np.random.default_rng([seed, 8, k])])
        out.append(ud.rollout(policy, starts, cfg.reward, cmd))
    return base, out


def draw_behaviour(behaviour, buffers, cfg, seed, path):
    base = ud.udrl_eval_command(buffers, cfg)[0]
    low, high = -100.0, float(base[0])
    ys, vys = np.linspace(0.05, 2.5, 80), np.linspace(-2.0, 1.0, 80)
    Y, V = np.meshgrid(ys, vys)
    states = np.stack([np.zeros_like(Y), Y, np.zeros_like(Y), V], axis=-1).reshape(1, -1, 4)
    _, runs = command_runs(behaviour, buffers, cfg, seed, [low, high])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, r, run in zip(axes, (low, high), runs):
        cmd = np.tile([r, base[1]], (1, states.shape[1], 1))
        p = ud.softmax(behaviour.logits(ud.ENV.observe(states), cmd))[0, :, 1].reshape(Y.shape)
        im = ax.pcolormesh(Y, V, p, cmap="RdBu_r", vmin=0, vmax=1, shading="auto")
        for e in range(run["obs"].shape[1]):
            n = run["length"][0, e]
            o = run["obs"][0, e, :n] * [2, 2, 1, 1]
            ax.plot(o[:, 1], o[:, 3], color="k", lw=0.8, alpha=0.7)
            ax.plot(o[-1, 1], o[-1, 3], marker="o" if run["landed"][0, e] else "x", color="lime"
                    if run["landed"][0, e] else "yellow", ms=6)
        ax.axhspan(-ud.ENV.v_safe, ud.ENV.v_safe, xmin=0, xmax=0.04, color="lime", alpha=0.6)
        ax.set_xlabel("height y")
        ax.set_ylabel("vertical speed vy")
        ax.set_title(f"commanded return {r:.0f} (horizon {base[1]:.0f}): "
                     f"{int(run['landed'].sum())}/{run['landed'].size} land, mean return {run['total'].mean():.0f}",
                     fontsize=9)
        fig.colorbar(im, ax=ax, label="P(main engine) at x = 0, vx = 0")
    fig.suptitle(f"Seed {seed}'s behaviour function: where it fires the main engine, for two commands "
                 "(black: test trajectories projected on (y, vy); o landed, x crashed; green bar: safe speed)",
                 fontsize=9)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = recorded(ud.__file__)
    if record is not None:
        draw_learning(record, out / "learning_curves.png")
        draw_final(record, out / "final_returns.png")
        draw_following(record, out / "command_following.png")
    cfg, behaviour, buffers = train_seed(args.seed, args.quick)
    draw_behaviour(behaviour, buffers, cfg, args.seed, out / "behaviour_map.png")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
