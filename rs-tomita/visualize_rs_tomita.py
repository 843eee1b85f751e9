"""Static figures for rs-tomita: the trials each search took against the seed's figures, whether the found nets
generalise, the net found for grammar #4 at work, A1's size, the gradient learner.

    python3 rs-tomita/visualize_rs_tomita.py      # writes rs-tomita/viz/*.png

The trial and generalisation figures draw the recorded runs in results.json; the mechanism figure reruns the
net seed 0's search found for #4 on A1 (its weights are in the record).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import rs_tomita as rs
from shared.search import guessing
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def rows_of(record: dict, section: str | None = None) -> list:
    part = record if section is None else record.get(section) or {}
    return (part.get("seeds") or {}).get("per_seed", [])


def trials(record: dict, out: Path) -> None:
    """Trials per search, per grammar and architecture; the seed's figures as bars; capped searches as x."""
    head, hard = rows_of(record), rows_of(record, "hard")
    fig, ax = plt.subplots(figsize=(11, 4.6))
    grammars = sorted({r["grammar"] for r in head + hard})
    jitter = np.random.default_rng(0)
    for gi, g in enumerate(grammars):
        for ai, a in enumerate(rs.ARCHS):
            group = [r for r in head + hard if r["grammar"] == g and r["arch"] == a]
            if not group:
                continue
            x = gi + (ai - 0.5) * 0.36
            t = np.array([r["trials"] for r in group], float)
            ok = np.array([r["solved"] for r in group])
            xs = x + jitter.uniform(-0.07, 0.07, len(t))
            ax.scatter(xs[ok], t[ok], s=16, color=f"C{ai}", label=f"{a}: solved" if gi == 0 else None, zorder=3)
            ax.scatter(xs[~ok], t[~ok], s=30, marker="x", color=f"C{ai}",
                       label=f"{a}: budget ran out" if g == 4 and ai == 1 or (g == 5 and ai == 0) else None)
            if ok.sum():
                ax.hlines(np.exp(np.mean(np.log(t[ok]))), x - 0.12, x + 0.12, color=f"C{ai}", lw=2)
            if g in rs.SEED_FIGURES:
                ax.hlines(rs.SEED_FIGURES[g][ai], x - 0.15, x + 0.15, color="k", lw=2, ls="--",
                          label="seed's figure (read as A1 / A2)" if g == 1 and ai == 0 else None)
    ax.set_xticks(range(len(grammars)), [f"#{g}\n{rs.GRAMMARS[g][0]}" for g in grammars], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("trials to the first net right on all training strings")
    ax.set_xlabel("Tomita grammar (left of each pair: A1 with n = 3; right: A2). Budgets: #1, #2, #4 500,000 trials; #3, #5-#7 200,000")
    ax.set_title("Random weight guessing, weights in [-100, 100]: every search (dots), geometric means (solid), "
                 "the seed's figures (dashed)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", ncol=3)
    fig.tight_layout()
    save_png(fig, out / "trials.png")


def generalisation(record: dict, out: Path) -> None:
    """Balanced held-out accuracy of every net that fit its training strings: RG on A1 and A2, OdyssNet."""
    head, hard, ody = rows_of(record), rows_of(record, "hard"), rows_of(record, "odyssnet")
    fig, ax = plt.subplots(figsize=(11, 4.2))
    grammars = sorted({r["grammar"] for r in head + hard})
    learners = [("A1", "RG on A1"), ("A2", "RG on A2"), ("ody", "OdyssNet (BPTT)")]
    jitter = np.random.default_rng(1)
    for gi, g in enumerate(grammars):
        for li, (key, label) in enumerate(learners):
            group = [r for r in (ody if key == "ody" else head + hard) if r["grammar"] == g
                     and (key == "ody" or r["arch"] == key) and r["solved"]]
            if not group:
                continue
            x = gi + (li - 1) * 0.28
            acc = np.array([r["balanced_accuracy"] for r in group])
            ax.scatter(x + jitter.uniform(-0.06, 0.06, len(acc)), acc, s=16, color=f"C{li}",
                       label=label + " (train-solved runs)" if not any(t.get_label().startswith(label)
                                                                      for t in ax.collections) else None)
    ax.axhline(rs.GENERALISES, color="k", ls="--", lw=1, label=f"'generalises': {rs.GENERALISES}")
    ax.axhline(0.5, color="gray", ls=":", lw=1, label="chance")
    ax.set_xticks(range(len(grammars)), [f"#{g}" for g in grammars])
    ax.set_ylim(0.3, 1.02)
    ax.set_xlabel("Tomita grammar")
    ax.set_ylabel("balanced accuracy on the other strings of length 1..12")
    ax.set_title("Fitting 16 training strings is not learning the language: held-out accuracy of every net that "
                 "fit them", fontsize=10)
    ax.legend(fontsize=7, loc="lower left", ncol=2)
    fig.tight_layout()
    save_png(fig, out / "generalisation.png")


def states(arch, weights: np.ndarray, s: str) -> np.ndarray:
    """Every unit's activation after each symbol of ``s``: (len(s), units)."""
    x, n = rs.encode([s])
    w, u, b = (a[0] for a in arch.unpack(weights[None, :]))
    a = np.zeros(arch.units)
    out = []
    for t in range(len(s)):
        a = 1.0 / (1.0 + np.exp(-(a @ w + x[0, t, 0] * u[0] + b)))
        out.append(a)
    return np.array(out)


def mechanism(record: dict, seed: int, out: Path) -> None:
    """A net the search found for #4 on A1: its weights, and its units reading strings with and without 000.
    The first seed from ``seed`` on whose net generalises (a net that learned the automaton, not the strings)."""
    found = [r for r in rows_of(record) if r["grammar"] == 4 and r["arch"] == "A1" and r["solved"] and "weights" in r]
    found = sorted([r for r in found if r["seed"] >= seed and r["generalises"]], key=lambda r: r["seed"]) or found
    if not found:
        return
    row = found[0]
    arch = rs.architecture("A1")
    weights = np.array(row["weights"])
    w, u, b = (a[0] for a in arch.unpack(weights[None, :]))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1, 2.2]})
    matrix = np.vstack([w, u, b[None, :]])
    im = axes[0].imshow(matrix, cmap="RdBu_r", vmin=-100, vmax=100)
    names = [f"h{i + 1}" for i in range(arch.units - 1)] + ["out"]
    axes[0].set_xticks(range(arch.units), names)
    axes[0].set_yticks(range(matrix.shape[0]), names + ["input", "bias"])
    axes[0].set_xlabel("to unit")
    axes[0].set_ylabel("from")
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            axes[0].text(j, i, f"{matrix[i, j]:.0f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=axes[0], label="weight")
    axes[0].set_title(f"#4 (no 000), A1 n = 3, seed {row['seed']}: the found weights", fontsize=9)
    strings = ["1101001", "1100010", "0010011", "0001011"]
    blocks, ticks, labels = [], [], []
    for s in strings:
        act = states(arch, weights, s).T
        blocks.append(act)
        blocks.append(np.full((arch.units, 1), np.nan))
    grid = np.concatenate(blocks[:-1], axis=1)
    im2 = axes[1].imshow(grid, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    col = 0
    for s in strings:
        for t, c in enumerate(s):
            ticks.append(col + t)
            labels.append(c)
        verdict = "in" if rs.accepts(4, s) else "not in"
        axes[1].text(col + len(s) / 2 - 0.5, -0.8, f"{s} ({verdict})", ha="center", fontsize=8)
        col += len(s) + 1
    axes[1].set_xticks(ticks, labels, fontsize=7)
    axes[1].set_yticks(range(arch.units), names)
    axes[1].set_xlabel("symbol read (time ->)")
    axes[1].set_ylim(arch.units - 0.5, -1.3)
    fig.colorbar(im2, ax=axes[1], label="activation (logistic)")
    axes[1].set_title(f"its units on four strings; held-out balanced accuracy {row['balanced_accuracy']:.3f}",
                      fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "found_net.png")


def sizes(record: dict, out: Path) -> None:
    rows = rows_of(record, "sizes")
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for gi, g in enumerate(rs.HEADLINE_GRAMMARS):
        ns, geo, lo = [], [], []
        for n in rs.SIZES:
            group = [r for r in rows if r["grammar"] == g and r["hidden"] == n]
            t = [r["trials"] for r in group if r["solved"]]
            ns.append(n)
            geo.append(np.exp(np.mean(np.log(t))) if t else np.nan)
            lo.append(f"{len(t)}/{len(group)}")
        ax.plot(ns, geo, marker="o", color=f"C{gi}", label=f"#{g}")
        for n, v, text in zip(ns, geo, lo):
            if np.isfinite(v):
                ax.annotate(text, (n, v), textcoords="offset points", xytext=(4, 4), fontsize=7, color=f"C{gi}")
    ax.set_yscale("log")
    ax.set_xticks(list(rs.SIZES))
    ax.set_xlabel("hidden units n of A1 (weights: (n+1)^2 + 2(n+1))")
    ax.set_ylabel("geometric mean trials (solved searches)")
    ax.set_title("A1's size: more weights, more ways to be right (labels: searches solved)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "sizes.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = json.loads((HERE / "results.json").read_text())
    trials(record, out)
    generalisation(record, out)
    mechanism(record, args.seed, out)
    sizes(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
