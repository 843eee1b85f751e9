"""Static figures for rs-two-sequence: the trials each search took, the net it found at work, the lag sweep,
the gradient learners.

    python3 rs-two-sequence/visualize_rs_two_sequence.py      # writes rs-two-sequence/viz/*.png

The trial figures draw the recorded runs in results.json; the mechanism figure reruns the found net of seed 0
(its weights are in the record) on its training sequences.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import rs_two_sequence as rs
from shared.search import guessing
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def trials(record: dict, out: Path) -> None:
    """Trials to the first accepted guess, per seed, for the three tasks, against the papers' figures."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    panels = [("seeds", "2-sequence problem (A1, n = 1)", rs.SEED_TRIALS, "seed's ~718"),
              ("latch1", "latch variant I", rs.LATCH1_MEAN, "paper's mean 6"),
              ("latch2", "latch variant II", rs.LATCH2_MEAN, "paper's mean 22")]
    for ax, (key, title, paper, label) in zip(axes, panels):
        rows = (record["seeds"] if key == "seeds" else record.get(key, {}).get("seeds", {})).get("per_seed", [])
        if not rows:
            ax.set_title(f"{title}: not recorded", fontsize=10)
            continue
        values = np.array(sorted(r["trials"] for r in rows))
        solved = np.array([r["solved"] for r in sorted(rows, key=lambda r: r["trials"])])
        ranks = np.arange(1, len(values) + 1)
        ax.step(values, ranks / len(values), where="post", color="C0",
                label=f"ours: {solved.sum()}/{len(values)} seeds solved")
        ax.scatter(values[~solved], ranks[~solved] / len(values), marker="x", color="C3", label="budget ran out")
        ax.axvline(paper, color="C3", ls="--", lw=1, label=label)
        ax.axvline(np.mean(values), color="C0", ls=":", lw=1, label=f"our mean {np.mean(values):,.0f}")
        ax.axvline(np.median(values), color="C2", ls=":", lw=1, label=f"our median {np.median(values):,.0f}")
        ax.set_xscale("log")
        ax.set_xlabel("trials to the first net right on all 100")
        ax.set_ylabel("share of seeds solved within")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Random weight guessing, weights uniform in [-100, 100], sequences of 500-600 steps", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "trials.png")


def traces(weights: np.ndarray, data: tuple, show: int = 12):
    """The found A1 net's two units over time on the first ``show`` training sequences."""
    arch = guessing.a1(1)
    w, u, b = arch.unpack(weights[None, :])
    x, n, cls = data
    state = np.zeros((show, 2))
    out = np.full((show, x.shape[1], 2), np.nan)
    for t in range(int(n[:show].max())):
        net = state @ w[0] + x[:show, t] @ u[0] + b[0]
        state = 0.5 + 0.5 * np.tanh(0.5 * net)
        live = t < n[:show]
        out[live, t] = state[live]
    return out


def mechanism(record: dict, seed: int, out: Path, lengths=rs.LENGTHS) -> None:
    rows = [r for r in record["seeds"]["per_seed"] if r["seed"] == seed and r["solved"]]
    if not rows:
        return
    weights = np.array(rows[0]["weights"])
    data = rs.sequences(np.random.default_rng([seed, 0]), rs.N_TRAIN, lengths)
    act = traces(weights, data)
    x, n, cls = data
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), gridspec_kw={"width_ratios": [1.2, 1.2, 1]})
    for k in range(act.shape[0]):
        color = "C1" if cls[k] else "C0"
        steps = np.arange(1, act.shape[1] + 1)
        axes[0].plot(steps, act[k, :, 0], color=color, lw=0.8, alpha=0.8)
        axes[1].plot(steps, act[k, :, 1], color=color, lw=0.8, alpha=0.8)
    for ax, name in ((axes[0], "hidden unit"), (axes[1], "output unit")):
        ax.set_xlabel("time step (1 = the informative first input)")
        ax.set_ylabel(f"{name} activation")
        ax.set_ylim(-0.05, 1.05)
        ax.set_xscale("log")
    axes[0].plot([], [], color="C0", label="class 1 (first input -1, target 0)")
    axes[0].plot([], [], color="C1", label="class 2 (first input +1, target 1)")
    axes[0].legend(fontsize=7, loc="center right")
    axes[0].set_title(f"seed {seed}: the found net on 12 training sequences", fontsize=10)
    axes[1].axhspan(0.9, 1.0, color="C1", alpha=0.1)
    axes[1].axhspan(0.0, 0.1, color="C0", alpha=0.1)
    axes[1].set_title("output: within 0.1 of the target at each sequence's end", fontsize=10)
    arch = guessing.a1(1)
    w, u, b = arch.unpack(weights[None, :])
    table = np.zeros((2, 4))
    table[:, :2] = w[0].T            # row = receiving unit: from hidden, from output
    table[:, 2] = u[0][0]
    table[:, 3] = b[0]
    image = axes[2].imshow(table, cmap="RdBu_r", vmin=-100, vmax=100)
    for (i, j), v in np.ndenumerate(table):
        axes[2].text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=9)
    axes[2].set_xticks(range(4), ["from hidden", "from output", "from input", "bias"], fontsize=8)
    axes[2].set_yticks(range(2), ["hidden", "output"])
    axes[2].set_title(f"its 8 weights (trial {rows[0]['trials']:,})", fontsize=10)
    fig.colorbar(image, ax=axes[2], fraction=0.046, label="weight")
    fig.tight_layout()
    save_png(fig, out / "found_net.png")


def sweep(record: dict, out: Path) -> None:
    section = record.get("sweep")
    if not section:
        return
    rows = section["tables"][0]["rows"]
    per = section["seeds"]["per_seed"]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for r in per:
        ax.scatter(r["T"], r["trials"], color="C0" if r["solved"] else "C3", s=12, alpha=0.6,
                   marker="o" if r["solved"] else "x")
    ax.plot([r[0] for r in rows], [r[4] for r in rows], "o-", color="C2", label="median over the solved seeds")
    ax.axhline(rs.SEED_TRIALS, color="C3", ls="--", lw=1, label="seed's ~718")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("T (sequence lengths uniform in T..1.2T)")
    ax.set_ylabel("trials to the first accepted guess")
    ax.set_title("2-sequence problem: does the lag matter to guessing? (ours)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "lag_sweep.png")


def gradients(record: dict, out: Path) -> None:
    """The two gradient learners on the same 100 training sequences: training accuracy per epoch."""
    panels = [("bptt", "BPTT + Adam on the same A1 net (8 weights)", "training MSE at the ends", 2),
              ("odyssnet", "OdyssNet core by BPTT (AdamW)", "training sequences within 0.1", 1)]
    if not any(record.get(key) for key, *_ in panels):
        return
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for ax, (key, title, ylabel, col) in zip(axes, panels):
        section = record.get(key)
        if not section:
            ax.set_title(f"{title}: not recorded", fontsize=10)
            continue
        for r in section["seeds"]["per_seed"]:
            c = np.array(r["curve"])
            ax.plot(c[:, 0], c[:, col], "-", lw=1, alpha=0.6)
        n = len(section["seeds"]["per_seed"])
        solved = sum(r["solved"] for r in section["seeds"]["per_seed"])
        ax.set_xlabel("epoch (one pass over the 100 training sequences)")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title}: {solved}/{n} seeds solve", fontsize=10)
    axes[1].set_ylim(-0.05, 1.05)
    fig.suptitle("Gradient learners on the 2-sequence problem (lengths 500-600), one line per seed (ours)",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "gradients.png")


def density(record: dict, out: Path) -> None:
    section = record.get("density")
    if not section:
        return
    rows = section["tables"][0]["rows"]
    a = np.array([r[0] for r in rows])
    d = np.array([r[3] for r in rows])
    low, high = np.array([r[4] for r in rows]), np.array([r[5] for r in rows])
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    seen = d > 0
    ax.errorbar(a[seen], d[seen], yerr=[d[seen] - low[seen], high[seen] - d[seen]], fmt="o-", color="C0",
                capsize=3, label="share of guesses right on all 100 (95% interval)")
    ax.scatter(a[~seen], high[~seen], marker="v", color="C3", label="none found: 95% upper bound")
    ax.axhline(1 / rs.SEED_TRIALS, color="C3", ls="--", lw=1, label="1 / 718 (seed's trials)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("prior half-width a (every weight uniform in [-a, a])")
    ax.set_ylabel("solution density")
    ax.set_title("2-sequence problem, A1 with n = 1: how wide a prior latching needs (ours)", fontsize=10)
    ax.set_ylim(1.5e-5, 3e-2)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "density.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = json.loads((HERE / "results.json").read_text())
    trials(record, out)
    mechanism(record, args.seed, out)
    sweep(record, out)
    gradients(record, out)
    density(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
