"""Static figures for double-pole-no-velocity (seed 0's CoSyNE run, and the recorded sweeps).

    python3 double-pole-no-velocity/visualize_double_pole_no_velocity.py     # writes viz/*.png

- evaluations.png: from results.json, the share of runs solved against the networks evaluated, for
  CoSyNE (headline), ESP, CMA-ES, CoSyNE on an OdyssNet core and the damping-fitness runs.
- rollout.png: seed 0's CoSyNE solution from the standard start for 1000 steps: the three positions it
  sees, the three velocities it does not, its force, its five neurons, and how well a linear read-out
  of the neurons recovers each velocity.
- generalisation.png: the same network from the 625 generalisation starts: steps balanced (up to 1000)
  on a 25 x 25 grid (x and x' across, theta1 and theta1' down).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import double_pole_no_velocity as dp
from shared.frame.figures import figure_parser, recorded, save_png

VELOCITIES = ((1, "x' (m/s)"), (3, "theta1' (rad/s)"), (5, "theta2' (rad/s)"))


def solution(seed: int, quick: bool, method: str = "cosyne"):
    """Seed `seed`'s run of the headline configuration (or its --quick one): (config, row, genome)."""
    args = dp.parse_args(["--seed", str(seed), "--method", method] + (["--quick"] if quick else []))
    cfg = dp.config_of(args)
    rows, sols, _ = dp.evolve(cfg, [seed], progress=not quick)
    return cfg, rows[0], sols[seed]


def trajectory(cfg, genome, steps: int = dp.EVAL_STEPS, start=None):
    """The network from `start` (default: the standard start): states (T+1, 6), actions (T,), hidden (T, H)."""
    start = dp.POLE.standard_start(1) if start is None else start[None]
    n, _, states, acts, hidden = dp.rollout(dp.policy_of(cfg, genome[None]), start, steps, record=True)
    t = int(n[0])
    return states[: t + 1, 0], acts[:t, 0], hidden[:t, 0].reshape(t, -1)


def readout(hidden, target):
    design = np.concatenate([hidden, np.ones((len(hidden), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    fit = design @ coef
    r2 = 1.0 - np.sum((target - fit) ** 2) / max(np.sum((target - target.mean()) ** 2), 1e-300)
    return fit, float(r2)


def plot_evaluations(record, out: Path):
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    rec = record or {}
    parts = [(None, "CoSyNE (headline)", "C0"), ("esp", "ESP", "C1"), ("cmaes", "CMA-ES (baseline)", "C2"),
             ("odyssnet", "CoSyNE on an OdyssNet core", "C3"), ("damping", "CoSyNE, damping fitness", "C4"),
             ("esp-damping", "ESP, damping fitness", "C5")]
    cap = dp.Config.max_evals
    drawn = 0
    for key, label, colour in parts:
        part = rec if key is None else rec.get(key)
        rows = ((part or {}).get("seeds") or {}).get("per_seed") or []
        if not rows:
            continue
        evals = np.sort([r["evaluations"] for r in rows if r["solved"]])
        n = len(rows)
        xs = np.concatenate([[0], evals, [cap]])
        ys = np.concatenate([[0], np.arange(1, len(evals) + 1) / n, [len(evals) / n]])
        ax.step(xs, ys, where="post", color=colour, label=f"{label}: {len(evals)}/{n}")
        drawn += 1
    if not drawn:
        ax.text(0.5, 0.5, "no recorded runs yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, cap)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("networks evaluated (each up to 1000 steps)")
    ax.set_ylabel("share of runs solved")
    ax.set_title("Double pole without velocities: runs solved against evaluations (recorded sweeps, this machine)",
                 fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    save_png(fig, out / "evaluations.png")
    plt.close(fig)


def plot_rollout(cfg, row, genome, out: Path):
    states, acts, hidden = trajectory(cfg, genome)
    t = np.arange(len(states)) * dp.POLE.dt
    fig, axes = plt.subplots(4, 1, figsize=(8.5, 9.0), sharex=True)
    ax = axes[0]
    ax.plot(t, states[:, 0], label="x (m)")
    ax.plot(t, np.degrees(states[:, 2]), label="theta1 (deg)")
    ax.plot(t, np.degrees(states[:, 4]), label="theta2 (deg)")
    ax.set_ylabel("what it sees")
    ax.legend(fontsize=8, ncol=3)
    ax.set_title(f"Seed {row['seed']}'s {cfg.method.upper() if cfg.method != 'cosyne' else 'CoSyNE'} network "
                 f"({'solved after ' + str(row['evaluations']) + ' evaluations' if row['solved'] else 'unsolved'}) "
                 f"from the 4.5-degree start", fontsize=9)
    ax = axes[1]
    ax.plot(t[1:], acts * dp.POLE.max_force, color="C3", lw=0.8)
    ax.set_ylabel("force (N)")
    ax = axes[2]
    im = ax.imshow(hidden.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1,
                   extent=[t[1], t[-1] if len(t) > 1 else 1, hidden.shape[1] - 0.5, -0.5], interpolation="nearest")
    ax.set_ylabel("neuron (0 = output)")
    fig.colorbar(im, ax=ax, pad=0.01, label="activation")
    ax = axes[3]
    for (i, name), colour in zip(VELOCITIES, ("C0", "C1", "C2")):
        target = states[1:, i]
        fit, r2 = readout(hidden, target)
        scale = max(np.abs(target).max(), 1e-12)
        ax.plot(t[1:], target / scale, color=colour, lw=1.2, label=f"{name} (scaled), R^2 of read-out {r2:.2f}")
        ax.plot(t[1:], fit / scale, color=colour, lw=0.8, ls="--")
    ax.set_ylabel("hidden velocities\n(solid) and linear\nread-outs (dashed)")
    ax.set_xlabel("time (s)")
    ax.legend(fontsize=7)
    save_png(fig, out / "rollout.png")
    plt.close(fig)


def plot_generalisation(cfg, row, genome, out: Path):
    starts = dp.POLE.generalisation_starts()
    steps, _ = dp.rollout(dp.policy_of(cfg, np.repeat(genome[None], len(starts), axis=0)), starts, cfg.general_steps)
    grid = steps.reshape(5, 5, 5, 5).transpose(2, 3, 0, 1).reshape(25, 25)   # rows (theta1, theta1'), cols (x, x')
    fig, ax = plt.subplots(figsize=(7.2, 6.2))
    im = ax.imshow(grid, cmap="viridis", vmin=0, vmax=cfg.general_steps, origin="lower")
    for k in range(1, 5):
        ax.axhline(5 * k - 0.5, color="w", lw=0.6)
        ax.axvline(5 * k - 0.5, color="w", lw=0.6)
    levels = ["-0.9", "-0.5", "0", "0.5", "0.9"]
    ax.set_xticks(np.arange(2, 25, 5), [f"x={v}" for v in levels], fontsize=7)
    ax.set_yticks(np.arange(2, 25, 5), [f"th1={v}" for v in levels], fontsize=7)
    ax.set_xlabel("x: blocks (x 2.4 m); inside a block x' from -1.35 to 1.35 m/s", fontsize=9)
    ax.set_ylabel("theta1: blocks (x 4 deg); inside theta1' from -8.6 to 8.6 deg/s", fontsize=9)
    passed = int((steps >= cfg.general_steps).sum())
    ax.set_title(f"Seed {row['seed']}'s network from the 625 generalisation starts:\n{passed}/625 balanced "
                 f"{cfg.general_steps} steps (Gruau et al.'s criterion: {dp.GENERAL_PASS})", fontsize=9)
    fig.colorbar(im, ax=ax, label="steps balanced")
    save_png(fig, out / "generalisation.png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_evaluations(recorded(__file__), out)
    cfg, row, genome = solution(args.seed, args.quick)
    plot_rollout(cfg, row, genome, out)
    plot_generalisation(cfg, row, genome, out)
    print(f"wrote {out}/evaluations.png, rollout.png, generalisation.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
