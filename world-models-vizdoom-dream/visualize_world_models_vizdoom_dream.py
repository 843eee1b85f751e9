"""Pictures for world-models-vizdoom-dream, written to viz/:

  temperature_sweep.png  the paper's temperature table beside ours: each controller's score in its dream
                         and in the real room, against tau (read from results.json, every recorded seed)
  training_curves.png    CMA-ES in the dream at every tau and in the real room (the headline seed, retrained)
  world_model.png        V's reconstructions of real frames; M's done probability along a held-out random
                         episode; what M dreams at tau 0.10 and 1.15 (fireballs per frame)
  controller.png         the evolved linear C at tau 0.10 and 1.15: its weights on z, c and h

    python3 world-models-vizdoom-dream/visualize_world_models_vizdoom_dream.py

Retrains the headline seed (bit for bit the recorded run's seed 0; about a minute on a free core).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import world_models_vizdoom_dream as wm
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
PAPER_TABLE = {0.10: (2086, 140, 193, 58), 0.50: (2060, 277, 196, 50), 1.00: (1145, 690, 868, 511),
               1.15: (918, 546, 1092, 556), 1.30: (732, 269, 753, 139)}   # 'Cheating the World Model' table
PAPER_RANDOM, PAPER_CAP = 210, 2100


def train_headline(seed: int, quick: bool) -> dict:
    cfg = wm.QUICK if quick else wm.Config()
    run = wm.run_seed(seed, cfg, verbose=True)
    run["cfg"] = cfg
    return run


def all_rows() -> list[dict]:
    path = HERE / "results.json"
    return wm.seed_rows(json.loads(path.read_text())) if path.exists() else []


def draw_sweep(rows: list[dict], cfg, out: Path) -> None:
    taus = [t for t in wm.PAPER_TAUS if rows and f"real_{wm.tau_key(t)}" in rows[0]]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.0), sharey=True)
    ax = axes[0]
    t = np.array(list(PAPER_TABLE))
    v = np.array([PAPER_TABLE[k] for k in t]) / PAPER_CAP
    ax.errorbar(t - 0.01, v[:, 0], v[:, 1], fmt="o-", color="C0", capsize=3, label="score in the dream")
    ax.errorbar(t + 0.01, v[:, 2], v[:, 3], fmt="s-", color="C3", capsize=3, label="score in the real game")
    ax.axhline(PAPER_RANDOM / PAPER_CAP, color="gray", ls="--", label="random policy")
    ax.axhline(750 / PAPER_CAP, color="k", ls=":", lw=0.8, label="solved (750 frames)")
    ax.set_title("paper: VizDoom take cover (table in\n'Cheating the World Model'; +- sd over 100 rollouts)",
                 fontsize=9)
    ax.set_xlabel("temperature tau of the dream C was evolved in")
    ax.set_ylabel("survival / episode cap")
    ax.legend(fontsize=7, loc="upper right")
    ax = axes[1]
    cap = cfg.env.max_steps
    if rows:
        dream = np.array([[r[f"dream_{wm.tau_key(x)}"] for x in taus] for r in rows]) / cap
        real = np.array([[r[f"real_{wm.tau_key(x)}"] for x in taus] for r in rows]) / cap
        tt = np.array(taus)
        for i in range(len(rows)):
            ax.plot(tt - 0.01, dream[i], ".", color="C0", alpha=0.25, ms=4)
            ax.plot(tt + 0.01, real[i], ".", color="C3", alpha=0.25, ms=4)
        ax.errorbar(tt - 0.01, dream.mean(0), dream.std(0), fmt="o-", color="C0", capsize=3,
                    label="score in the dream (100 dreams)")
        ax.errorbar(tt + 0.01, real.mean(0), real.std(0), fmt="s-", color="C3", capsize=3,
                    label="score in the real room (100 rooms)")
        for name, color, ls in (("random", "gray", "--"), ("always_move", "C7", "-."),
                                ("real_trained", "C2", "-"), ("dodging", "C4", ":")):
            ax.axhline(np.mean([r[name] for r in rows]) / cap, color=color, ls=ls, lw=1,
                       label=wm.POLICY_LABELS.get(name, name).replace(" (our reference)", ""))
    ax.set_title(f"ours: numpy take-cover room, {len(rows)} seeds\n(mean +- sd over seeds; dots: one seed each)",
                 fontsize=9)
    ax.set_xlabel("temperature tau of the dream C was evolved in")
    ax.legend(fontsize=6.5, loc="upper right")
    ax.set_ylim(0, 1.05)
    fig.tight_layout()
    save_png(fig, out / "temperature_sweep.png")


def draw_curves(run: dict, out: Path) -> None:
    cfg = run["cfg"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    gens = np.arange(1, cfg.generations + 1)
    for i, tau in enumerate(cfg.taus):
        axes[0].plot(gens, run["dream_curve"][:, i, 1], color=plt.cm.viridis(i / max(1, len(cfg.taus) - 1)),
                     label=f"tau {tau:g}")
    axes[0].set_title("CMA-ES inside M's dream: population's mean survival in the dream", fontsize=9)
    axes[1].plot(gens, run["real_curve"][:, 0, 1], color="C2", label="population mean")
    axes[1].plot(gens, run["real_curve"][:, 0, 0], color="C2", ls=":", label="best candidate")
    axes[1].set_title("CMA-ES in the real room (our reference)", fontsize=9)
    for ax in axes:
        ax.set_xlabel("generation")
        ax.set_ylabel(f"survival steps (cap {cfg.env.max_steps})")
        ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def fireballs(frames: np.ndarray, size: int) -> np.ndarray:
    """Bright pixels above the agent's rows, in fireball areas (a decoded frame's count of fireballs)."""
    img = frames.reshape(len(frames), size, size)[:, 2:-2]
    return (img > 0.5).sum(axis=(1, 2)) / 4.0


def draw_world_model(run: dict, out: Path) -> None:
    cfg, world = run["cfg"], run["world"]
    vae, m, size = world["vae"], world["m"], cfg.env.size
    frames, moves, dead, lengths = wm.collect_rollouts(40, cfg.env, wm.stream(10_000, "viz rollouts"))
    i = int(np.argmax(np.minimum(lengths, 60)))
    n = int(lengths[i])
    fig = plt.figure(figsize=(10, 6.2))
    grid = fig.add_gridspec(3, 8)
    picks = np.linspace(0, n, 8).round().astype(int)
    mu, lv = vae.encode(frames[i])
    recon = vae.decode(mu)
    for j, t in enumerate(picks[:4]):
        for row, (img, label) in enumerate(((frames[i, t], "real"), (recon[t], "V: decode(z)"))):
            ax = fig.add_subplot(grid[row, j])
            ax.imshow(img.reshape(size, size), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(f"{label}, t={t}", fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
    z = mu + np.exp(0.5 * lv) * np.random.default_rng(0).standard_normal(mu.shape)
    x = np.concatenate([z[None, :-1], moves[i][None, :, None]], axis=2)
    p = 0.5 * (1 + np.tanh(0.5 * m.forward(x)[0, :, -1]))
    ax = fig.add_subplot(grid[0:2, 4:])
    ax.plot(np.arange(1, n + 1), p[:n], color="C3", label="M: P(done at t+1)")
    ax.axhline(0.5, color="k", ls=":", lw=0.8, label="the paper's cut-off 0.5")
    if dead[i, n] > 0:
        ax.axvline(n, color="gray", ls="--", label="the agent is hit")
    ax.set_xlabel("step of a held-out random episode")
    ax.set_ylabel("done probability")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    ax.set_title("M's done head on a real episode (teacher forced)", fontsize=9)
    ax = fig.add_subplot(grid[2, :])
    c = run["dream_c"][list(cfg.taus).index(wm.PAPER_TAU)] if wm.PAPER_TAU in cfg.taus else run["dream_c"][-1]
    for tau, color in ((0.10, "C0"), (wm.PAPER_TAU, "C3")):
        counts = []
        for rep in range(20):
            _, log = wm.dream(c[None], np.array([tau]), m, world["z_start"][rep:rep + 1], cfg,
                              wm.stream(rep, f"viz dream {tau}"), trace=True)
            counts.append(fireballs(vae.decode(np.array([s["z"] for s in log])), size).mean())
        ax.hist(counts, bins=np.linspace(0, 3, 25), alpha=0.6, color=color,
                label=f"tau {tau:g}: {np.mean(counts):.2f} fireballs per frame")
    real_counts = fireballs(frames[:, :60].reshape(-1, size * size), size).mean()
    ax.axvline(real_counts, color="k", ls="--", lw=1, label=f"real random episodes: {real_counts:.2f}")
    ax.set_xlabel("fireballs per frame in a dream (decoded by V), 20 dreams of the tau 1.15 controller")
    ax.set_ylabel("dreams")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "world_model.png")


def draw_controller(run: dict, out: Path) -> None:
    cfg = run["cfg"]
    fig, axes = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True)
    names = [f"z{i}" for i in range(cfg.z_dim)] + [f"c{i}" for i in range(cfg.m_hidden)] + \
            [f"h{i}" for i in range(cfg.m_hidden)]
    for ax, tau in zip(axes, (0.10, wm.PAPER_TAU)):
        if tau not in cfg.taus:
            continue
        w = run["dream_c"][list(cfg.taus).index(tau)]
        colors = ["C0"] * cfg.z_dim + ["C1"] * cfg.m_hidden + ["C2"] * cfg.m_hidden
        ax.bar(np.arange(len(w)), w, color=colors)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_ylabel(f"W_c, tau {tau:g}")
        ax.set_title(f"linear C evolved in the dream at tau {tau:g}: weights on z (blue), M's cell c (orange) "
                     f"and output h (green)", fontsize=8)
    axes[-1].set_xticks(np.arange(0, len(names), 4))
    axes[-1].set_xticklabels(names[::4], fontsize=6, rotation=90)
    fig.tight_layout()
    save_png(fig, out / "controller.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run = train_headline(args.seed, args.quick)
    draw_sweep(all_rows(), run["cfg"], out)
    draw_curves(run, out)
    draw_world_model(run, out)
    draw_controller(run, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
