"""Static figures for pole-balance-markov-vac: the learning curve of one run and of every recorded
run, the vector critic's two components against the returns actually received, the critic's
landscape w . Q(s, a) that the actor climbs, and the test-time re-mixing of the critic.

    python3 pole-balance-markov-vac/visualize_pole_balance_markov_vac.py     # writes viz/*.png

Trains seed 0 with the headline settings (a few seconds; the nets are taken as they were frozen at
the solve); the sweep figures draw the recorded runs in results.json, so they show exactly the
figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import pole_balance_markov_vac as vac
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def headline_run(seed: int, quick: bool):
    cfg = vac.Config()
    if quick:
        cfg = replace(cfg, max_episodes=30, max_steps=3000)
    return cfg, vac.train([seed], cfg)


def returns_of(states: np.ndarray, gamma: float) -> np.ndarray:
    """(T, 2) discounted returns of (r_pole, r_cart) received along one balanced test episode."""
    T = len(states)
    r = np.stack([np.ones(T - 1), 1.0 - (states[1:, 0] / 2.4) ** 2], -1)
    g = np.zeros((T, 2))
    for t in range(T - 2, -1, -1):
        g[t] = r[t] + gamma * g[t + 1]
    return g


def draw_learning_curve(run: dict, records: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    ax = axes[0]
    lengths = run["lengths"][0]
    ax.plot(np.arange(1, len(lengths) + 1), lengths, ".", color="0.5", ms=3, label="training episode length")
    if len(lengths) >= 10:
        k = 10
        ax.plot(np.arange(k, len(lengths) + 1), np.convolve(lengths, np.ones(k) / k, "valid"), color="C3",
                label="mean of the last 10")
    ax.axhline(1000, color="k", ls=":", lw=1)
    ax.set_xlabel("episode")
    ax.set_ylabel("steps balanced")
    ax.set_title(f"seed {run['seeds'][0]}: the critic-gradient actor (vector critic K = 2)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    for i, (name, rows) in enumerate(records.items()):
        eps = [r["episodes"] for r in rows if r["solved"]]
        unsolved = sum(not r["solved"] for r in rows)
        x = np.full(len(eps), i) + np.linspace(-0.15, 0.15, max(len(eps), 1))[: len(eps)]
        ax.plot(x, eps, "o", color=f"C{i}", ms=5, alpha=0.8)
        if eps:
            ax.plot([i - 0.25, i + 0.25], [np.median(eps)] * 2, color="k", lw=2)
        ax.text(i, 1.02, f"{len(eps)}/{len(rows)} solved", transform=ax.get_xaxis_transform(), ha="center",
                fontsize=8)
        if unsolved:
            ax.text(i, 0.02, f"{unsolved} unsolved", transform=ax.get_xaxis_transform(), ha="center", fontsize=7,
                    color="C3")
    ax.set_xticks(range(len(records)))
    ax.set_xticklabels(list(records), fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("episodes to solve (log)")
    ax.set_title("every recorded run (results.json; black: median)", fontsize=10, pad=18)
    fig.tight_layout()
    save_png(fig, out / "learning_curve.png")


def draw_critic_components(run: dict, cfg: vac.Config, out: Path) -> None:
    test = vac.rollout(run, cfg)
    fig, axes = plt.subplots(4, 1, figsize=(10, 8.5), sharex=True)
    balanced = np.flatnonzero(test["steps"][0] >= vac.TEST_STEPS)
    j = int(balanced[0]) if len(balanced) else 0
    T = int(test["steps"][0, j])
    states, q, a = test["states"][0, j, :T], test["q"][0, j, :T], test["actions"][0, j, :T]
    t = np.arange(T)
    g = returns_of(states, cfg.gamma) if T >= vac.TEST_STEPS else None
    for k, (name, ax) in enumerate(zip(["V_pole (r = 1 while alive)", "V_cart (r = 1 - (x/2.4)^2)"], axes[:2])):
        ax.plot(t, q[:, k], color=f"C{k}", label=f"critic Q_{k}(s_t, a_t): {name}")
        if g is not None:
            ax.plot(t[:-200], g[:-200, k], "--", color="k", lw=1, label="discounted return received")
        ax.legend(fontsize=8, loc="lower left")
        ax.set_ylabel("value")
    axes[0].set_title(f"seed {run['seeds'][0]}, frozen actor from test start {j}: the vector critic's two "
                      f"components", fontsize=10)
    ax = axes[2]
    ax.plot(t, states[:, 0], color="C2", label="x (m)")
    ax.plot(t, states[:, 2] * 180 / np.pi / 10, color="C4", label="theta (degrees / 10)")
    ax.axhline(0, color="k", lw=0.5)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[3]
    ax.plot(t, a * vac.MAX_FORCE, color="C5", lw=0.8)
    ax.set_ylabel("force (N)")
    ax.set_xlabel("time step")
    fig.tight_layout()
    save_png(fig, out / "critic_components.png")


def draw_landscape(run: dict, cfg: vac.Config, out: Path) -> None:
    """w . Q(s, a) over (theta, a) at x = x' = theta' = 0, with the actor's mu(s) and the critic's argmax."""
    critic, actor = run["critic"], run["actor"]
    thetas = np.linspace(-0.2, 0.2, 81)
    actions = np.linspace(-1, 1, 81)
    states = np.zeros((len(thetas), 4))
    states[:, 2] = thetas
    obs = states / vac.SCALE
    grid = np.concatenate([np.repeat(obs[:, None, :], len(actions), 1),
                           np.broadcast_to(actions[None, :, None], (len(thetas), len(actions), 1))], -1)
    q = critic.forward(grid.reshape(1, -1, 5))[0].reshape(len(thetas), len(actions), cfg.components)
    v = q @ np.asarray(cfg.mix[:cfg.components])
    mu = np.tanh(actor.net.forward(obs[None])[0][0, :, 0])
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    image = ax.pcolormesh(np.degrees(thetas), actions, v.T, shading="auto", cmap="viridis")
    fig.colorbar(image, ax=ax, label="w . Q(s, a)")
    ax.plot(np.degrees(thetas), mu, color="w", lw=2, label="actor mu(s)")
    ax.plot(np.degrees(thetas), actions[np.argmax(v, axis=1)], "--", color="C3", lw=1.5, label="argmax_a w . Q(s, a)")
    ax.set_xlabel("pole angle theta (degrees; x = x' = theta' = 0)")
    ax.set_ylabel("action a (force / 10 N)")
    ax.set_title("what the actor climbs: the critic's mixed value over the action", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "critic_landscape.png")


def draw_remix(record: dict, out: Path) -> None:
    table = next((t for t in record.get("tables", []) if t["title"].startswith("Test-time re-mixing")), None)
    if table is None:
        return
    labels = [r[0] for r in table["rows"]]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    axes[0].bar(labels, [r[1] for r in table["rows"]], color="C0")
    axes[0].set_ylim(0, 1.05)
    axes[0].set_ylabel("share of test episodes balanced")
    axes[1].bar(labels, [r[2] for r in table["rows"]], color="C1")
    axes[1].set_ylabel("mean |x| (m)")
    for ax in axes:
        ax.set_xlabel("test-time mixing w' = (w_pole, w_cart)")
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("one frozen vector critic, re-mixed without retraining: critic-greedy control (recorded runs)",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "remix.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg, run = headline_run(args.seed, args.quick)
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    records = {}
    if record.get("seeds"):
        records["vector critic\nK = 2"] = record["seeds"]["per_seed"]
    for key, name in (("scalar-critic", "scalar critic\nK = 1"), ("td-lambda", "vector critic\nTD(0.7)"),
                      ("odyssnet", "OdyssNet actor\nK = 2")):
        if key in record and record[key].get("seeds"):
            records[name] = record[key]["seeds"]["per_seed"]
    draw_learning_curve(run, records, out)
    draw_critic_components(run, cfg, out)
    draw_landscape(run, cfg, out)
    draw_remix(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
