"""Static figures for noise-free-long-lag: how the paper's 2a net carries the first symbol across the
lag (its cell state along the two sequences, the x and y outputs, the cell state over training), the
learning curves of every recorded seed, and what 2c's frozen checks found.

    python3 noise-free-long-lag/visualize_noise_free_long_lag.py      # writes noise-free-long-lag/viz/*.png (~2 min)

The mechanism figures retrain one seed of the 2a headline alone (a seed computes the same alone as
in the recorded bank): by default the first recorded seed that met the criterion, else seed 0.
Curves are drawn from the recorded results.json, the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import noise_free_long_lag as nf
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def record() -> dict:
    path = HERE / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def default_seed(argv) -> int | None:
    """The first recorded 2a seed that met the criterion, unless --seed was given."""
    if argv is not None and "--seed" in argv or argv is None and "--seed" in sys.argv:
        return None
    rows = (record().get("seeds") or {}).get("per_seed", [])
    solved = [r["seed"] for r in rows if r["solved"]]
    return solved[0] if solved else None


def trained_seed(seed: int, quick: bool, every: int = 250):
    """The seed's 2a net trained alone, with what it does on the two sequences every ``every``
    training sequences: [(seen, s (2, p), outputs (2, p, p + 1))]."""
    p = 10 if quick else nf.P_AB
    snaps = []

    def watch(seen, net):
        y, s = net.forward(nf.two_sequences(p)[None, :, :-1])
        snaps.append((seen, s[0].copy(), y[0].copy(), net.cell[0]))

    row = nf.train_predictor([seed], "2a", p, 300 if quick else nf.BUDGET_AB, watch=watch,
                             curve_every=50 if quick else every)[0]
    return row, snaps, p


def mechanism(row, snaps, p, path):
    seen, s, y, _ = snaps[-1]
    seqs = nf.two_sequences(p)
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
    steps = np.arange(p)
    ax = axes[0, 0]
    for k, (name, color) in enumerate((("(y, a_1 .. a_99, y)", "C0"), ("(x, a_1 .. a_99, x)", "C3"))):
        ax.plot(steps, s[k], color=color, lw=1.5, label=name.replace("99", str(p - 1)))
    ax.set_xlabel("time step (input a_t; the first input is x or y)")
    ax.set_ylabel("cell state s(t)")
    ax.set_title("the cell state along the two sequences", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    for k, (name, color) in enumerate((("y-sequence", "C0"), ("x-sequence", "C3"))):
        ax.plot(steps, y[k, :, p], color=color, lw=1.3, label=f"output y, {name}")
        ax.plot(steps, y[k, :, p - 1], color=color, lw=1.3, ls="--", label=f"output x, {name}")
    ax.axhspan(0.75, 1.0, color="0.9", zorder=0)
    ax.axhspan(0.0, 0.25, color="0.9", zorder=0)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("time step")
    ax.set_ylabel("output")
    ax.set_title("outputs x and y: only the last step's target is x or y (grey: within 0.25)", fontsize=10)
    ax.legend(fontsize=7, loc="center left")
    ax = axes[1, 0]
    seen_all = np.array([sn[0] for sn in snaps])
    gap = np.array([sn[1][0] - sn[1][1] for sn in snaps])            # s along the y-sequence minus the x-sequence
    lim = max(1e-6, float(np.abs(gap).max()))
    im = ax.imshow(gap.T, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim,
                   extent=[seen_all[0], seen_all[-1], 0, p])
    fig.colorbar(im, ax=ax, label="s(t | y first) - s(t | x first)")
    if row["cell_added_at"]:
        ax.axvline(row["cell_added_at"], color="k", lw=0.8, ls=":")
    ax.set_xlabel("training sequences")
    ax.set_ylabel("time step")
    ax.set_title("what the cell state remembers of the first symbol, over training", fontsize=10)
    ax = axes[1, 1]
    worst = np.array([np.abs(sn[2] - np.eye(p + 1)[seqs[:, 1:]]).max(axis=2) for sn in snaps])   # (n, 2, p)
    ax.plot(seen_all, worst[:, :, -1].max(axis=1), color="C4", lw=1.2, label="last step (x or y)")
    ax.plot(seen_all, worst[:, :, :-1].max(axis=(1, 2)), color="0.5", lw=1.0, label="every other step")
    ax.axhline(nf.THRESHOLD_AB, color="k", lw=0.8, ls="--", label="0.25: the criterion")
    if row["cell_added_at"]:
        ax.axvline(row["cell_added_at"], color="k", lw=0.8, ls=":", label="cell added")
    ax.axvline(nf.PAPER_2A, color="C2", lw=0.8, label="Table 2: 5,040")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("training sequences")
    ax.set_ylabel("largest |error| (both sequences)")
    ax.legend(fontsize=7)
    ax.set_title("the frozen test over training", fontsize=10)
    status = (f"met the criterion after {row['sequences']:,} sequences" if row["solved"]
              else f"not solved within {row['seen']:,} sequences")
    fig.suptitle(f"The paper's 2a net (1 cell, input gate, no output gate; p = {p}), seed {row['seed']}: {status}",
                 fontsize=11)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def learning_curves(rec, path):
    parts = [(None, "2a: the paper's LSTM (headline)"), ("2b", "2b: the paper's LSTM"),
             ("bptt", "2a: the paper's BPTT net"), ("odyssnet", "2a: the OdyssNet core (ours)")]
    parts = [(k, t) for k, t in parts if (rec if k is None else rec.get(k, {})).get("curves")]
    if not parts:
        return
    fig, axes = plt.subplots(1, len(parts), figsize=(4.6 * len(parts), 4), squeeze=False)
    for ax, (key, title) in zip(axes[0], parts):
        part = rec if key is None else rec[key]
        rows = {str(r["seed"]): r for r in part["seeds"]["per_seed"]}
        for seed, curve in part["curves"].items():
            c = np.array(curve)
            r = rows.get(seed, {})
            ax.plot(c[:, 0], c[:, 1], lw=0.8, color="C2" if r.get("solved") else "C0", alpha=0.8)
        ax.axvline(nf.PAPER_2A if key != "2b" else nf.PAPER_2B, color="k", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.set_xlabel("training sequences")
        ax.set_title(f"{title}\n{part['headline']['runs_solved']} solved (green)", fontsize=9)
    axes[0, 0].set_ylabel("mean E per sequence (250-sequence blocks)")
    fig.suptitle("Learning curves of every recorded seed (dashed: the paper's mean to success)", fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def checks_2c(rec, path):
    part = rec.get("2c")
    if not part:
        return
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    for r in part["seeds"]["per_seed"]:
        pts = np.array([[s, w] for s, w in r["frozen_wrong"] if w >= 0], float)
        if len(pts):
            ax.plot(pts[:, 0], np.maximum(pts[:, 1], 0.5), marker=".", lw=0.8, color="C2" if r["solved"] else "C0")
    ax.set_yscale("log")
    h = part["headline"]
    paper = nf.PAPER_2C.get((h["q"], h["p"]))
    if paper:
        ax.axvline(paper, color="k", lw=0.8, ls="--", label=f"Table 3: {paper:,}")
        ax.legend(fontsize=8)
    ax.set_xlabel("training sequences")
    ax.set_ylabel("wrong in the frozen check\n(of 1,000; of 10,000 past the screen)")
    ax.set_title(f"2c, q = {h['q']}, p = {h['p']}: frozen checks every 2,000 sequences per seed\n"
                 f"({h['runs_solved']} passed all 10,000 at some check: green; a pass drawn at 0.5, then no more checks)",
                 fontsize=9)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seed = default_seed(argv)
    seed = args.seed if seed is None or args.quick else seed
    row, snaps, p = trained_seed(seed, args.quick)
    mechanism(row, snaps, p, out / "mechanism_2a.png")
    rec = record()
    if not args.quick:
        learning_curves(rec, out / "learning_curves.png")
        checks_2c(rec, out / "checks_2c.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
