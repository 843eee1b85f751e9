"""Static figures for torcs-vision-evolution (the recorded sweeps, and seed 0's DCT solution).

    python3 torcs-vision-evolution/visualize_torcs_vision_evolution.py     # writes viz/*.png

- search.png: from results.json, the best fitness (mean laps over the three starts, averaged over the
  seeds) and the share of runs solved against the networks evaluated: CoSyNE on the DCT coefficients
  (headline), CoSyNE on the raw weights, random search in either space, CMA-ES on the coefficients,
  and the 64-neuron scale-up in both encodings.
- k_sweep.png: from results.json, runs solved and median evaluations against K, the input-array
  coefficients (the compression ratio on the top axis).
- filters.png: seed 0's solution decoded: the 16 neurons' 64x64 input filters (decoded from 40
  coefficients), its recurrent weights and biases (from 10), and the raw run's neuron-0 filter after
  the cap (recorded), on the same kind of axes.
- drive.png: the track seen from above with seed 0's solution driving from the three starts, and four
  of the 64x64 images it steered by.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import torcs_vision_evolution as tve
from shared.frame.figures import figure_parser, recorded, save_png

RUNS = ((None, "CoSyNE, DCT (50 genes)", "C0", "-"), ("raw", "CoSyNE, raw (65,808 genes)", "C3", "-"),
        ("random-dct", "random search, DCT", "C0", ":"), ("random-raw", "random search, raw", "C3", ":"),
        ("cmaes", "CMA-ES, DCT", "C2", "--"), ("h64-dct", "CoSyNE, DCT, 64 neurons (266,304 weights)", "C4", "-."),
        ("h64-raw", "CoSyNE, raw, 64 neurons (266,304 genes)", "C1", "-."))


def solution(seed: int, quick: bool):
    """(config, genome) of seed `seed`'s DCT run: the recorded solution, or (quick, or nothing recorded) a
    fresh run of the stub's configuration (--quick: its reduced one)."""
    args = tve.parse_args(["--seed", str(seed)] + (["--quick"] if quick else []))
    cfg = tve.config_of(args)
    rec = recorded(tve.__file__)
    if not quick and rec and str(seed) in rec.get("genomes", {}):
        return cfg, np.array(rec["genomes"][str(seed)])
    rows, best, _ = tve.evolve(cfg, [seed], progress=not quick)
    return cfg, best[seed]


def trajectory(cfg, genome, start_index: int = 0, steps: int | None = None):
    """The net from one of the three starts: states (T+1, 3), steering (T,), hidden states (T, H), laps."""
    world = tve.world_of()
    steps = steps or cfg.steps
    ctrl = tve.Controllers(cfg.enc, genome[None], 1)
    ctrl.log = []
    laps, survived, states, steer = tve.drive(world, ctrl, tve.starts_of(world)[start_index:start_index + 1], steps,
                                              record=True)
    t = int(survived[0])
    hidden = np.array([h[0] for _, h in ctrl.log])[:t]
    return states[:t + 1, 0], steer[:t, 0], hidden, float(laps[0])


def plot_search(rec, out: Path):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    found = False
    for key, label, colour, style in RUNS:
        part = rec if key is None else (rec or {}).get(key)
        if not part or not part.get("tables"):
            continue
        table = next((t for t in part["tables"] if "within a budget" in t["title"]), None)
        if table is None:
            continue
        found = True
        rows = np.array(table["rows"], dtype=float)
        n = part["seeds"]["summary"]["n_runs"]
        evals = np.concatenate([[0], rows[:, 0]])
        axes[0].plot(evals[1:], rows[:, 2], style, color=colour, marker="o", ms=3, label=f"{label} ({n} seeds)")
        done = sorted(r["evaluations"] for r in part["seeds"]["per_seed"] if r["solved"])
        grid = np.arange(0, tve.Config.max_evals + 1)
        axes[1].plot(grid, np.searchsorted(done, grid, side="right") / n, style, color=colour, label=label)
    if not found:
        for ax in axes:
            ax.text(0.5, 0.5, "no recorded runs yet", ha="center", va="center", transform=ax.transAxes)
    axes[0].axhline(1.0, color="k", lw=0.8, ls="--")
    axes[0].set_xlabel("networks evaluated")
    axes[0].set_ylabel("best mean laps so far (mean over seeds)")
    axes[0].set_title("Best fitness against evaluations (1 = a full lap from each start)", fontsize=9)
    axes[0].legend(fontsize=7, loc="lower right")
    axes[1].set_xlabel("networks evaluated")
    axes[1].set_ylabel("share of runs solved")
    axes[1].set_ylim(-0.03, 1.03)
    axes[1].set_title("Runs with a network that drives a lap from all three starts", fontsize=9)
    fig.suptitle("Driving from 64x64 pixels: the same search on 50 DCT coefficients vs the raw weights "
                 "(recorded sweeps, this machine)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "search.png")


def plot_k_sweep(rec, out: Path):
    fig, ax = plt.subplots(figsize=(6.8, 4.2))
    part = (rec or {}).get("k-sweep")
    rows = []
    if part:
        rows = [list(r) for r in part["tables"][0]["rows"]]
    head = (rec or {}).get("headline") or {}
    if rec and "solved" in head:
        k = tve.Config.k
        rows.append([k, tve.Config.k + tve.Config.k_rec, head["compression"], head["solved"],
                     head["median_evaluations"], head["mean_evaluations"], head["mean_best_laps"]])
    if not rows:
        ax.text(0.5, 0.5, "no recorded K sweep yet", ha="center", va="center", transform=ax.transAxes)
    else:
        rows.sort(key=lambda r: r[0])
        ks = np.array([r[0] for r in rows], dtype=float)
        share = np.array([int(r[3].split("/")[0]) / int(r[3].split("/")[1]) for r in rows])
        med = np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=float)
        ax.plot(ks, share, "o-", color="C0", label="share of runs solved (left axis)")
        ax.set_xscale("log")
        ax.set_xticks(ks)
        ax.set_xticklabels([f"{int(k)}" for k in ks])
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlabel("K: DCT coefficients of the 16 x 64 x 64 input-weight array (+10 recurrent)")
        ax.set_ylabel(f"share of runs solved within {tve.Config.max_evals} evaluations", color="C0")
        ax2 = ax.twinx()
        ax2.plot(ks, med, "s--", color="C1", label="median evaluations of the solved runs (right axis)")
        ax2.set_ylabel("median networks evaluated to solve", color="C1")
        top = ax.secondary_xaxis("top", functions=(lambda k: 65808 / (np.asarray(k) + 10),
                                                   lambda c: 65808 / np.asarray(c) - 10))
        top.set_xlabel("compression: weights / genes", fontsize=8)
        for i, r in enumerate(rows):
            ax.annotate(r[3], (ks[i], share[i]), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
        lines = ax.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=7, loc="lower right")
    ax.set_title("How many coefficients? CoSyNE on the DCT encoding at K = 5 .. 160", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "k_sweep.png")


def plot_filters(cfg, genome, rec, out: Path):
    w_in, w_rec, b = cfg.enc.decode(genome[None])
    w_in = w_in[0].reshape(cfg.hidden, 64, 64)
    vmax = float(np.abs(w_in).max()) or 1.0
    fig = plt.figure(figsize=(12, 7.2))
    for j in range(cfg.hidden):
        ax = fig.add_axes([0.02 + (j % 4) * 0.145, 0.70 - (j // 4) * 0.225, 0.13, 0.19])
        im = ax.imshow(w_in[j], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.axhline(cfg.enc.image * 16 / 64 - 0.5, color="k", lw=0.4, ls=":")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"neuron {j}" + (" (steers)" if j == 0 else ""), fontsize=7)
    cax = fig.add_axes([0.605, 0.1, 0.01, 0.78])
    fig.colorbar(im, cax=cax).set_label("input weight (before the gain)", fontsize=7)
    ax = fig.add_axes([0.72, 0.55, 0.22, 0.33])
    rb = np.concatenate([w_rec[0], b[0][:, None]], 1)
    m = float(np.abs(rb).max()) or 1.0
    im2 = ax.imshow(rb, cmap="RdBu_r", vmin=-m, vmax=m)
    ax.set_xlabel("from neuron (16 = bias)", fontsize=7)
    ax.set_ylabel("to neuron", fontsize=7)
    ax.set_title("recurrent weights and biases\n(decoded from 10 coefficients)", fontsize=7)
    ax.tick_params(labelsize=6)
    fig.colorbar(im2, ax=ax, fraction=0.05)
    ax = fig.add_axes([0.72, 0.08, 0.22, 0.33])
    raw = (rec or {}).get("raw", {}).get("raw_filter_seed0")
    if raw is not None:
        r = np.array(raw).reshape(64, 64)
        m = float(np.percentile(np.abs(r), 99))
        im3 = ax.imshow(r, cmap="RdBu_r", vmin=-m, vmax=m)
        fig.colorbar(im3, ax=ax, fraction=0.05, extend="both")
        ax.set_title(f"raw run, seed 0: neuron 0's evolved filter (65,808 genes)\n"
                     f"colours clipped at the 99th percentile; |w| up to {np.abs(r).max():.0f}", fontsize=7)
    else:
        ax.text(0.5, 0.5, "raw run not recorded", ha="center", va="center", transform=ax.transAxes, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.suptitle(f"Seed 0's controller: 65,808 weights decoded from {cfg.enc.genes} DCT coefficients "
                 f"(the 64x64 filters are laid out as the image; dotted: the horizon)", fontsize=10)
    save_png(fig, out / "filters.png")


def plot_drive(cfg, genome, out: Path):
    world = tve.world_of()
    fig = plt.figure(figsize=(12, 5.2))
    ax = fig.add_axes([0.03, 0.08, 0.5, 0.84])
    grey = world.grey.reshape(world.ny, world.nx)
    extent = [world.origin[0], world.origin[0] + world.nx * world.track.cell,
              world.origin[1], world.origin[1] + world.ny * world.track.cell]
    ax.imshow(grey, origin="lower", cmap="gray", vmin=0, vmax=1, extent=extent)
    shots = []
    for i, colour in enumerate(("C0", "C1", "C2")):
        states, steer, _, laps = trajectory(cfg, genome, i)
        ax.plot(states[:, 0], states[:, 1], color=colour, lw=1.2,
                label=f"start {i}: {laps:.2f} laps in {len(steer)} steps")
        ax.plot(*states[0, :2], "o", color=colour, ms=6)
        if i == 0:
            for t in np.linspace(0, max(len(steer) - 1, 0), 4).astype(int):
                shots.append((t, states[t], steer[t] if len(steer) else 0.0))
                ax.annotate(f"t={t}", states[t, :2], fontsize=7, color="y")
    ax.set_xlim(world.points[:, 0].min() - 15, world.points[:, 0].max() + 15)
    ax.set_ylim(world.points[:, 1].min() - 15, world.points[:, 1].max() + 15)
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Seed 0's DCT solution from the three starts (dots), seen from above", fontsize=9)
    for k, (t, s, u) in enumerate(shots):
        ax = fig.add_axes([0.58 + (k % 2) * 0.21, 0.53 - (k // 2) * 0.45, 0.18, 0.38])
        img = world.render(s[None])[0].reshape(64, 64)
        ax.imshow(img, cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"start 0, step {t}: steering {u:+.2f}", fontsize=7)
    fig.suptitle("What the controller sees: 64x64 grey levels from the driver's seat (textured asphalt, grass, "
                 "kerbs)", fontsize=10)
    save_png(fig, out / "drive.png")


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rec = recorded(__file__)
    plot_search(rec, out)
    plot_k_sweep(rec, out)
    cfg, genome = solution(args.seed, args.quick)
    plot_filters(cfg, genome, rec, out)
    plot_drive(cfg, genome, out)
    print(f"wrote {out}/search.png, k_sweep.png, filters.png, drive.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
