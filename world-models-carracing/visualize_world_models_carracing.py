"""Static figures for world-models-carracing: V's reconstructions, M's predictions, the training
curves, the evolved driver's path and the returns of the seed sweep.

    python3 world-models-carracing/visualize_world_models_carracing.py     # writes world-models-carracing/viz/*.png

Trains the headline seed once (about 20 s); the returns figure draws the recorded sweep in
results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import world_models_carracing as wm
from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def train_headline(seed: int, quick: bool) -> dict:
    """The recorded configuration's run for one seed (the quick one with --quick)."""
    cfg = wm.QUICK if quick else wm.Config()
    run = wm.run_seed(seed, cfg, wm.Env(), "lstm", ablation=True, verbose=False)
    run["cfg"] = cfg
    return run


def track_outline(tracks_row: np.ndarray, env: wm.Env, n: int = 400):
    """Centre line and both edges (radial offsets of +-half width) of one track."""
    phi = np.linspace(0, 2 * np.pi, n)
    r, _ = wm.track_radius(phi, tracks_row, env)
    return [((r + d) * np.cos(phi), (r + d) * np.sin(phi)) for d in (0.0, -env.half_width, env.half_width)]


def draw_track(ax, tracks_row, env: wm.Env) -> None:
    centre, inner, outer = track_outline(tracks_row, env)
    ax.fill(np.r_[outer[0], inner[0][::-1]], np.r_[outer[1], inner[1][::-1]], color="0.55", lw=0)
    ax.plot(*centre, color="white", lw=0.6, ls=(0, (4, 4)))
    ax.set_facecolor("#7fb069")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


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
    fig.suptitle(f"V on held-out frames (16x16, car at the bottom centre facing up): z has {vae.n_z} dimensions; "
                 f"pixel error of the rounded reconstruction {wm.format_value(world['pixel_error'])}", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "vae_reconstruction.png")


def m_figure(run: dict, out: Path) -> None:
    """M's mixture, one step ahead, along a held-out random rollout."""
    cfg, world = run["cfg"], run["world"]
    vae, lstm = world["vae"], world["m_model"]
    frames, mu = world["frames"][cfg.rollouts:cfg.rollouts + 1], world["mu"][cfg.rollouts:cfg.rollouts + 1]
    actions = world["actions"][cfg.rollouts:cfg.rollouts + 1]
    out_m = lstm.forward(wm.m_inputs(mu, actions))
    logit, m_mu, log_sigma = wm.mdn_split(out_m, cfg.z_dim, cfg.mixtures)
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
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    v = curves["v"]
    width = max(1, len(v) // 50)
    smooth = np.convolve(v[:, 1], np.ones(width) / width, mode="valid")
    axes[0].plot(smooth, label="reconstruction (BCE, nats)")
    axes[0].plot(np.convolve(v[:, 2], np.ones(width) / width, mode="valid"), label="KL (nats)")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("Adam step")
    axes[0].set_title("V: loss per frame", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].plot(curves["m"], color="C2")
    axes[1].set_xlabel("Adam step")
    axes[1].set_title("M: NLL per z dimension (nats)", fontsize=10)
    for name, color, label in (("c_full", "C0", "C on z + h (V+M+C)"), ("c_z", "C3", "C on z only")):
        c = curves[name]
        g = np.arange(1, len(c) + 1)
        axes[2].plot(g, c[:, 0], color=color, label=f"{label}: best")
        axes[2].plot(g, c[:, 1], color=color, ls="--", lw=0.8, label=f"{label}: mean")
    axes[2].axhline(wm.LAP, color="0.5", lw=0.6, ls=":")
    axes[2].set_xlabel("CMA-ES generation")
    axes[2].set_title(f"C: population's return\n(on {cfg.train_tracks} new tracks each generation)", fontsize=10)
    axes[2].legend(fontsize=7)
    fig.suptitle(f"Training of seed {run['seed']}: the three modules, one after the other", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def driving_figure(run: dict, out: Path) -> None:
    cfg, world, env = run["cfg"], run["world"], wm.Env()
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.9), gridspec_kw={"width_ratios": [1, 1, 1, 1.5]})
    logs = []
    for i in range(3):
        track = run["test_tracks"][i:i + 1]
        ret, log = wm.rollout(run["params"][None], track, world["vae"], "lstm", world["m_model"], cfg, env,
                              trace=True)
        logs.append(log)
        ax = axes[i]
        draw_track(ax, track[0], env)
        x, y, v = (np.array([s[k] for s in log]) for k in ("x", "y", "v"))
        points = ax.scatter(x, y, c=v, s=4, cmap="plasma", vmin=0, vmax=1.6, zorder=3)
        ax.plot(x[0], y[0], "o", color="white", ms=5, mec="k", zorder=4)
        ax.set_title(f"held-out track {i + 1}: return {wm.format_value(float(ret[0, 0]))}", fontsize=9)
    fig.colorbar(points, ax=axes[2], fraction=0.046, label="speed")
    log = logs[0]
    t = np.arange(len(log))
    ax = axes[3]
    ax.plot(t, [s["v"] for s in log], color="k", label="speed (not in the frame)")
    ax.plot(t, [s["action"][0] for s in log], color="C0", lw=0.8, label="steer")
    ax.plot(t, [s["action"][1] for s in log], color="C3", lw=0.8, label="throttle")
    ax.axhline(np.sqrt(env.grip * env.radius), color="0.5", ls=":", lw=0.8,
               label="grip-limited speed on a circle of radius R")
    ax.set_xlabel("step")
    ax.set_title("track 1: what C does", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    fig.suptitle(f"The evolved V+M+C driver of seed {run['seed']} (start: white dot, counter-clockwise)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "driving.png")


def returns_figure(run: dict, out: Path) -> None:
    """Per-seed test returns of the recorded sweep (results.json), or of this run alone."""
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else None
    if record and record.get("seeds"):
        rows = record["seeds"]["per_seed"]
        odyssnet = record.get("odyssnet", {}).get("seeds")
        ody = {r["seed"]: r["full_return"] for r in odyssnet["per_seed"]} if odyssnet else {}
        source = "results.json"
    else:
        rows = [{"seed": run["seed"], **run["row"]}]
        ody, source = {}, "this run"
    seeds = [r["seed"] for r in rows]
    series = [("V + M + C", [r["full_return"] for r in rows], "C0"),
              ("V + C (z only)", [r["z_only_return"] for r in rows], "C3"),
              ("random policy", [r["random_return"] for r in rows], "0.5")]
    if ody:
        series.insert(1, ("V + OdyssNet + C", [ody.get(s, np.nan) for s in seeds], "C2"))
    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.8 / len(series)
    for j, (name, values, color) in enumerate(series):
        xs = np.arange(len(seeds)) + (j - (len(series) - 1) / 2) * width
        ax.bar(xs, values, width, color=color, label=f"{name} (mean {wm.format_value(float(np.nanmean(values)))})")
    ax.axhline(wm.LAP, color="k", lw=0.6, ls=":")
    ax.text(len(seeds) - 0.5, wm.LAP, " 1 lap", va="bottom", ha="right", fontsize=8)
    ax.set_xticks(np.arange(len(seeds)), [f"seed {s}" for s in seeds])
    ax.set_ylabel("mean return on held-out tracks")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"Returns per seed ({source})", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "returns.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run = train_headline(args.seed, args.quick)
    run["seed"] = args.seed
    vae_figure(run, out)
    m_figure(run, out)
    curves_figure(run, out)
    driving_figure(run, out)
    returns_figure(run, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
