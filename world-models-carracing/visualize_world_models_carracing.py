"""Static figures for world-models-carracing: V's reconstructions, M's predictions, the training
curves, CMA-ES's step size and covariance conditioning, the drivers' paths and the returns of the
recorded seeds.

    python3 world-models-carracing/visualize_world_models_carracing.py     # writes world-models-carracing/viz/*.png

Trains the headline seed once with every arm (about a minute and a half on a free core); the returns
figure draws the recorded seed blocks in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import world_models_carracing as wm
from shared.frame.figures import figure_parser, save_png
from shared.networks.worldmodel import mdn_split

HERE = Path(__file__).resolve().parent
COLORS = {"oracle": "k", "full": "C0", "z_only": "C3", "z_hidden": "C1", "random_m": "C2"}
SHORT = {"oracle": "oracle", "full": "V+M+C", "z_only": "C on z", "z_hidden": "C on z, hidden layer",
         "random_m": "untrained M"}


def train_headline(seed: int, quick: bool, only=None) -> dict:
    """The recorded configuration's run for one seed (the quick one with --quick)."""
    cfg = wm.QUICK if quick else wm.Config()
    run = wm.run_seed(seed, cfg, wm.Env(), "lstm", verbose=False, only=only)
    run.update(cfg=cfg, seed=seed)
    return run


def track_outline(tracks_row: np.ndarray, env: wm.Env, n: int = 400):
    """Centre line and both edges (radial offsets of +-half width) of one track."""
    phi = np.linspace(0, 2 * np.pi, n)
    r, _, _ = wm.track_radius(phi, tracks_row, env)
    return [((r + d) * np.cos(phi), (r + d) * np.sin(phi)) for d in (0.0, -env.half_width, env.half_width)]


def draw_track(ax, tracks_row, env: wm.Env) -> None:
    centre, inner, outer = track_outline(tracks_row, env)
    ax.fill(np.r_[outer[0], inner[0][::-1]], np.r_[outer[1], inner[1][::-1]], color="0.55", lw=0)
    ax.plot(*centre, color="white", lw=0.6, ls=(0, (4, 4)))
    ax.set_facecolor("#7fb069")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def oracle_trace(track: np.ndarray, env: wm.Env, steps: int) -> list[dict]:
    cars = wm.Cars(track, env)
    log = []
    for _ in range(steps):
        action = wm.oracle_action(cars, env)
        cars.step(action)
        log.append({"x": cars.x[0], "y": cars.y[0], "v": cars.v[0], "action": action[0]})
        if cars.done.all():
            break
    return log


def vae_figure(run: dict, out: Path) -> None:
    world = run["world"]
    vae, frames = world["vae"], world["frames"]
    held = frames[run["cfg"].rollouts:]
    picks = held[np.arange(8) % len(held), (np.arange(8) * 7 + 3) % held.shape[1]]
    mu, _ = vae.encode(picks)
    recon = vae.decode(mu)
    prior = vae.decode(np.random.default_rng(0).standard_normal((8, vae.n_z)))
    side = wm.Env().patch
    fig, axes = plt.subplots(3, 8, figsize=(10, 4.2))
    for i in range(8):
        for row, (image, name) in enumerate(((picks[i], "frame"), (recon[i], "V: decode(mu)"),
                                             (prior[i], "V: decode(z ~ N(0, I))"))):
            ax = axes[row, i]
            ax.imshow(image.reshape(side, side), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_ylabel(name, fontsize=8)
    fig.suptitle(f"V on held-out frames (16x16, car at the bottom centre facing up; white = track): z has "
                 f"{vae.n_z} dimensions; pixel error of the rounded reconstruction "
                 f"{wm.format_value(world['pixel_error'])}", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "vae_reconstruction.png")


def m_figure(run: dict, out: Path) -> None:
    """M's mixture, one step ahead, along a held-out random rollout."""
    cfg, world = run["cfg"], run["world"]
    vae, lstm = world["vae"], world["m_model"]
    frames, mu = world["frames"][cfg.rollouts:cfg.rollouts + 1], world["mu"][cfg.rollouts:cfg.rollouts + 1]
    actions = world["actions"][cfg.rollouts:cfg.rollouts + 1]
    out_m = lstm.forward(wm.m_inputs(mu, actions))
    logit, m_mu, log_sigma = mdn_split(out_m, cfg.z_dim, cfg.mixtures)
    pi = np.exp(logit - np.logaddexp.reduce(logit, axis=-1, keepdims=True))
    mean = (pi * m_mu).sum(-1)[0]
    sd = np.sqrt((pi * (np.exp(2 * log_sigma) + m_mu ** 2)).sum(-1)[0] - mean ** 2)
    steps = np.arange(1, mean.shape[0] + 1)
    fig = plt.figure(figsize=(10, 6.2))
    grid = fig.add_gridspec(3, 8, height_ratios=[1, 1, 1.1])
    for k in range(2):
        ax = fig.add_subplot(grid[k, :])
        ax.plot(steps, mu[0, 1:, k], color="k", lw=1.2, label="V's code of the next frame")
        ax.plot(steps, mean[:, k], color="C1", lw=1.2, label="M's mixture mean")
        ax.fill_between(steps, mean[:, k] - sd[:, k], mean[:, k] + sd[:, k], color="C1", alpha=0.25,
                        label="M's mixture +- 1 sd")
        ax.plot(steps, mu[0, :-1, k], color="0.6", lw=0.8, ls="--", label="'no change' (current code)")
        ax.set_ylabel(f"z[{k}]")
        if k == 0:
            ax.legend(fontsize=7, ncol=4, loc="upper left")
            ax.set_title(f"M (MDN-LSTM, {cfg.mixtures} components per dimension) one step ahead on a held-out "
                         f"random rollout; held-out next-z MSE {wm.format_value(world['m_eval']['mse'])} vs "
                         f"'no change' {wm.format_value(world['m_eval']['copy_mse'])}", fontsize=9)
    ax.set_xlabel("step")
    side = wm.Env().patch
    times = np.linspace(4, mean.shape[0] - 1, 4).astype(int)
    for j, t in enumerate(times):
        for i, (image, name) in enumerate(((frames[0, t + 1], f"frame t={t + 1}"),
                                           (vae.decode(mean[t][None])[0], "decode(M's mean)"))):
            ax = fig.add_subplot(grid[2, 2 * j + i])
            ax.imshow(image.reshape(side, side), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(name, fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    save_png(fig, out / "m_prediction.png")


def curves_figure(run: dict, out: Path) -> None:
    curves, cfg = run["curves"], run["cfg"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [1, 1, 1.5]})
    v = run["world"]["v_curve"]
    width = max(1, len(v) // 50)
    axes[0].plot(np.convolve(v[:, 1], np.ones(width) / width, mode="valid"), label="reconstruction (BCE, nats)")
    axes[0].plot(np.convolve(v[:, 2], np.ones(width) / width, mode="valid"), label="KL (nats)")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("Adam step")
    axes[0].set_title("V: loss per frame", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].plot(run["world"]["m_curve"], color="C2")
    axes[1].set_xlabel("Adam step")
    axes[1].set_title("M: NLL per z dimension (nats)", fontsize=10)
    ax = axes[2]
    for name, curve in curves.items():
        chosen = run["row"][f"{name}_restart"]
        g = np.arange(1, len(curve) + 1)
        for r in range(curve.shape[1]):
            ax.plot(g, curve[:, r, 1], color=COLORS[name], lw=1.4 if r == chosen else 0.5,
                    alpha=1.0 if r == chosen else 0.5, label=SHORT[name] if r == chosen else None)
    ax.axhline(run["row"]["oracle"], color="k", ls="--", lw=0.8, label="oracle (test tracks)")
    ax.set_xlabel("CMA-ES generation")
    ax.set_ylabel("population's mean return")
    ax.set_title(f"C: every restart (thick: the one chosen on the selection tracks)\n"
                 f"on {cfg.train_tracks} new tracks each generation", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Training of seed {run['seed']}: the three modules, one after the other", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def cmaes_figure(run: dict, out: Path) -> None:
    """sigma and the condition number of CMA-ES's covariance per generation, every arm and restart."""
    curves = run["curves"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, curve in curves.items():
        chosen = run["row"][f"{name}_restart"]
        g = np.arange(1, len(curve) + 1)
        for r in range(curve.shape[1]):
            style = dict(color=COLORS[name], lw=1.4 if r == chosen else 0.6, alpha=1.0 if r == chosen else 0.45)
            label = (f"{SHORT[name]} ({wm.controller_size(run['arms'][name], run['cfg'])} parameters)"
                     if r == chosen else None)
            axes[0].plot(g, curve[:, r, 2], label=label, **style)
            axes[1].plot(g, curve[:, r, 3], **style)
    axes[0].set_title("step size sigma", fontsize=10)
    axes[1].set_title("condition number of the covariance C (largest / smallest eigenvalue)", fontsize=10)
    axes[1].set_ylim(bottom=1.0)   # a condition number is at least 1; the range here is small enough for a linear axis
    for ax in axes:
        ax.set_xlabel("CMA-ES generation")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"CMA-ES on seed {run['seed']}: every arm and restart (thick: the chosen restart)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "cmaes_sigma_condition.png")


def driving_figure(run: dict, out: Path) -> None:
    cfg, world, env = run["cfg"], run["world"], wm.Env()
    fig, axes = plt.subplots(1, 4, figsize=(14, 4.1), gridspec_kw={"width_ratios": [1, 1, 1, 1.6]})
    logs = {}
    for i, name in enumerate(("oracle", "full", "z_only")):
        track = run["test_tracks"][:1]
        if name == "oracle":
            log = oracle_trace(track, env, cfg.max_steps)
            ret = run["tests"]["oracle"][0]
        else:
            ret, log = wm.rollout(run["agents"][name][None], track, run["arms"][name], world, cfg, env, trace=True)
            ret = ret[0, 0]
        logs[name] = log
        ax = axes[i]
        draw_track(ax, track[0], env)
        x, y, v = (np.array([s[k] for s in log]) for k in ("x", "y", "v"))
        points = ax.scatter(x, y, c=v, s=4, cmap="plasma", vmin=0, vmax=1.4, zorder=3)
        ax.plot(x[0], y[0], "o", color="white", ms=5, mec="k", zorder=4)
        ax.set_title(f"{SHORT[name]}: return {wm.format_value(float(ret))}", fontsize=9)
    fig.colorbar(points, ax=axes[2], fraction=0.046, label="speed")
    ax = axes[3]
    for name, log in logs.items():
        ax.plot(np.arange(len(log)), [s["v"] for s in log], color=COLORS[name], label=f"speed, {SHORT[name]}")
    ax.plot(np.arange(len(logs["full"])), [s["action"][1] for s in logs["full"]], color="C0", lw=0.6, ls=":",
            label="throttle, V+M+C")
    ax.set_xlabel("step")
    ax.set_title("the same test track: speed (hidden from the frames)", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    fig.suptitle(f"Seed {run['seed']}, first test track: the oracle, the V+M+C driver and C on z alone "
                 f"(start: white dot, counter-clockwise)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "driving.png")


def returns_figure(run: dict, out: Path) -> None:
    """Every recorded seed (results.json, all seed blocks): each arm's return as a share of the oracle's."""
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    rows = [r for r in wm.seed_rows(record) if "oracle" in r]
    source = "results.json"
    if not rows:
        rows, source = [{"seed": run["seed"], **run["row"]}], "this run"
    seeds = [r["seed"] for r in rows]
    arms = [a for a in ("full", "z_only", "z_hidden", "random_m") if a in rows[0]]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.0), gridspec_kw={"width_ratios": [2.2, 1]})
    ax = axes[0]
    width = 0.8 / len(arms)
    for j, name in enumerate(arms):
        share = np.array([r[name] / r["oracle"] for r in rows])
        xs = np.arange(len(seeds)) + (j - (len(arms) - 1) / 2) * width
        ax.bar(xs, share, width, color=COLORS[name],
               label=f"{SHORT[name]} (geometric mean {wm.format_value(float(np.exp(np.log(share).mean())))})")
    ax.axhline(wm.SOLVED_SHARE, color="k", lw=0.8, ls="--")
    ax.text(len(seeds) - 0.5, wm.SOLVED_SHARE, f" our 'solved' bar: {wm.SOLVED_SHARE:g} of the oracle",
            va="bottom", ha="right", fontsize=8)
    ax.set_ylim(0.6, 1.14)
    ax.set_xticks(np.arange(len(seeds)), [str(s) for s in seeds])
    ax.set_xlabel("seed")
    ax.set_ylabel("mean test return / oracle's")
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    ax.set_title(f"Each arm's chosen agent as a share of the oracle, per seed ({source})", fontsize=10)
    ax = axes[1]
    for j, (name, base) in enumerate((("full", "z_only"), ("full", "z_hidden"), ("full", "random_m"),
                                      ("z_hidden", "z_only"))):
        if name not in rows[0] or base not in rows[0]:
            continue
        ratio = np.array([r[name] / r[base] for r in rows])
        ax.scatter(np.full(len(ratio), j) + np.linspace(-0.15, 0.15, len(ratio)), ratio, s=12,
                   color=COLORS[name if name != "full" else base])
        ax.plot([j - 0.25, j + 0.25], [np.exp(np.log(ratio).mean())] * 2, color="k", lw=1.5)
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.set_xticks(range(4), ["V+M+C /\nC on z", "V+M+C /\nhidden layer", "V+M+C /\nuntrained M",
                             "hidden layer /\nC on z"], fontsize=8)
    ax.set_ylabel("paired ratio of mean test returns")
    ax.set_title("Paired ratios per seed (bar: geometric mean)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "returns.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run = train_headline(args.seed, args.quick)
    vae_figure(run, out)
    m_figure(run, out)
    curves_figure(run, out)
    cmaes_figure(run, out)
    driving_figure(run, out)
    returns_figure(run, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
