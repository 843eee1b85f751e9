"""Static figures for anbn-anbncn: the learning curves, how far each seed generalises (LSTM against
the comparisons), and the mechanism: the trained cells counting, with their gates, on one long string.

    python3 anbn-anbncn/visualize_anbn_anbncn.py          # writes anbn-anbncn/viz/*.png (seconds)

Everything is drawn from the recorded results.json (the curves, the per-seed N and the weights of
each language's best headline net), so the pictures show the runs the README quotes. Before the
first recorded run (and with --quick when there is none) a --quick run of the stub stands in.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import anbn_anbncn as ab
from shared.frame.figures import figure_parser, recorded, save_png

COMPARISONS = [("lr0.0001", "peephole LSTM, lr 1e-4", "C4"), ("lr1e-05", "peephole LSTM, the seed's lr 1e-5", "C5"),
               ("rnn", "tanh RNN, BPTT + Adam (ours)", "C3"), ("odyssnet", "OdyssNet core (ours)", "C2")]


def quick_record() -> dict:
    """What the pictures need, from a --quick-sized run (no results.json yet)."""
    rows = []
    for lang in ab.LANGUAGES:
        rows += ab.train_bank((lang, [0, 1], 1e-3, ab.MOMENTUM, 300, 30, ()))
    record = {"seeds": {"per_seed": rows}, "curves": {f"{r['language']}/{r['seed']}": r["curve"] for r in rows},
              "params": {}, "snapshots": {}}
    for lang in ab.LANGUAGES:
        rs = [r for r in rows if r["language"] == lang]
        record["params"][lang] = {"seed": rs[0]["seed"], **rs[0]["params"]}
        record["snapshots"][lang] = {"seed": rs[0]["seed"], "points": rs[0]["snapshots"]}
    return record


def load(quick: bool) -> dict:
    record = recorded(ab.__file__)
    return record if record is not None and "params" in record else quick_record()


def held(curve, grid):
    """A run's training-set score on ``grid`` (strings seen): its last check at or before each point;
    after its stop the net is frozen, so the score at the stop holds."""
    c = np.array(curve)
    idx = np.searchsorted(c[:, 0], grid, side="right") - 1
    return np.where(idx >= 0, c[np.maximum(idx, 0), 1], 0.0)


def learning_curves(record: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    setups = [(None, "peephole LSTM, lr 1e-3 (headline)", "C0")] + COMPARISONS
    for ax, lang in zip(axes, ab.LANGUAGES):
        for name, label, color in setups:
            part = record if name is None else record.get(name)
            curves = [c for k, c in sorted(((part or {}).get("curves") or {}).items()) if k.startswith(lang + "/") and c]
            if not curves:
                continue
            end = max(c[-1][0] for c in curves)
            grid = np.unique(np.geomspace(100, end, 200).astype(int))
            scores = np.array([held(c, grid) for c in curves])
            low, mid, high = np.percentile(scores, [25, 50, 75], axis=0)
            ax.fill_between(grid, low, high, color=color, alpha=0.15, lw=0)
            ax.plot(grid, mid, color=color, lw=1.8, label=f"{label} ({len(curves)} runs)")
            stops = [r["sequences"] for r in ((part or {}).get("seeds") or {}).get("per_seed", [])
                     if r["language"] == lang and r.get("sequences")]
            if stops:
                ax.plot(np.median(stops), ab.TRAIN_MAX + 0.25, "v", color=color, ms=6)
        ax.set_xscale("log")
        ax.set_xlabel("training strings seen (n uniform in 1..10)")
        ax.set_title(f"{ab.NAMES[lang]}: training strings accepted\n(median over runs, band: quartiles; "
                     f"triangle: median stop)", fontsize=8)
        ax.set_ylim(-0.3, ab.TRAIN_MAX + 0.6)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"of the {ab.TRAIN_MAX} training strings (n = 1..{ab.TRAIN_MAX}) accepted")
    axes[1].legend(fontsize=6.5, loc="center right")
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def generalisation(record: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    setups = [(None, "peephole LSTM (headline)", "C0")] + COMPARISONS
    short = {None: "LSTM\nlr 1e-3\n(headline)", "lr0.0001": "LSTM\nlr 1e-4", "lr1e-05": "LSTM\nlr 1e-5\n(the seed's)",
"rnn": "tanh RNN\n(ours)",
             "odyssnet": "OdyssNet\n(ours)"}
    setups = [s for s in setups if s[0] is None or s[0] in record]
    for ax, lang in zip(axes, ab.LANGUAGES):
        for i, (name, label, color) in enumerate(setups):
            part = record if name is None else record.get(name)
            rows = [r for r in ((part or {}).get("seeds") or {}).get("per_seed", []) if r["language"] == lang]
            if not rows:
                continue
            N = np.array([r["generalisation"] for r in rows], float)
            x = i + np.linspace(-0.25, 0.25, len(N))
            ax.scatter(x, N + 1, color=color, s=22, label=label, zorder=3)
            ax.plot([i - 0.3, i + 0.3], [np.median(N) + 1] * 2, color="k", lw=1.5)
            beyond = [r["beyond"] for r in rows if r.get("beyond")]
            for b in beyond:
                ax.scatter([i], [b + 1], marker="^", color=color, s=30, zorder=3)
        ax.axhline(ab.TRAIN_MAX + 1, color="gray", ls=":", lw=1)
        ax.text(-0.45, ab.TRAIN_MAX + 1.3, "longest training n", fontsize=7, color="gray", ha="left")
        ax.axhline(ab.LEARNED + 1, color="C1", ls="--", lw=1)
        ax.text(-0.45, ab.LEARNED + 1.8, f"'learned': N >= {ab.LEARNED}", fontsize=7, color="C1", ha="left")
        ax.axhline(ab.N_TEST + 1, color="gray", ls="-.", lw=0.8)
        ax.set_yscale("log")
        ax.set_xticks(range(len(setups)))
        ax.set_xticklabels([short[s[0]] for s in setups], fontsize=7)
        ax.set_xlim(-0.5, len(setups) - 0.5)
        ax.set_title(f"{ab.NAMES[lang]}: N + 1 per run (N: every n in 1..N accepted)\nbar: median; "
                     f"triangle: also the n of {ab.GRID} passed", fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("N + 1 (log)")
    fig.tight_layout()
    save_png(fig, out / "generalisation.png")


def draw_string(axes, t: dict, language: str, title: str) -> None:
    """Cell states, gates (heat map) and outputs against the legal sets, one string."""
    k = ab.LANGUAGES[language]
    T = len(t["codes"])
    steps = np.arange(T)
    ax = axes[0]
    for c in range(t["states"].shape[1]):
        ax.plot(steps, t["states"][:, c], lw=1.5, label=f"cell {c + 1} state s_c")
    ax.axhline(0, color="gray", lw=0.6)
    n = (T - 1) // k
    for j in range(1, k):
        ax.axvline(j * n + 0.5, color="gray", ls=":", lw=0.8)
    ax.set_ylabel("cell state")
    ax.legend(fontsize=7, loc="best")
    ax.set_title(title, fontsize=9)
    gates = np.concatenate([t["input_gate"], t["forget_gate"], t["output_gate"]], axis=1).T
    labels = [f"{kind} {j + 1}" for kind in ("in", "forget", "out") for j in range(t["input_gate"].shape[1])]
    im = axes[1].imshow(gates, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_yticks(range(len(labels)))
    axes[1].set_yticklabels(labels, fontsize=6)
    axes[1].set_ylabel("gates")
    plt.colorbar(im, ax=axes[1], pad=0.01, label="activation")
    out = t["outputs"].T
    im = axes[2].imshow(out, aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest")
    legal = np.nonzero(t["targets"].T > 0.5)
    axes[2].scatter(legal[1], legal[0], marker="s", s=6, facecolors="none", edgecolors="cyan", lw=0.6)
    wrong = ~ab.step_correct(t["outputs"], t["targets"])
    axes[2].scatter(np.nonzero(wrong)[0], np.full(wrong.sum(), -0.5), marker="v", color="red", s=12)
    axes[2].set_yticks(range(k + 1))
    axes[2].set_yticklabels(list(ab.SYMBOLS_OUT[:k]) + ["T"])
    axes[2].set_ylabel("outputs")
    axes[2].set_xlabel(f"step (input: S, then {n} a's, {n} b's" + (f", {n} c's)" if k == 3 else ")")
                       + "; cyan squares: the legal next symbols; red: a wrong step")
    plt.colorbar(im, ax=axes[2], pad=0.01, label="output")
    for ax in axes[:1]:
        ax.set_xlim(-0.5, T - 0.5)


def mechanism(record: dict, out: Path, quick: bool) -> None:
    for lang in ab.LANGUAGES:
        params = record["params"][lang]
        rows = [r for r in record["seeds"]["per_seed"] if r["language"] == lang and r["seed"] == params["seed"]]
        N = rows[0]["generalisation"] if rows else 0
        n = 8 if quick else int(min(max(N, 12), 40))
        t = ab.run_string(params, lang, n)
        fig = plt.figure(figsize=(10, 8))
        grid = fig.add_gridspec(4, 2, width_ratios=[40, 1], height_ratios=[1.2, 1, 0.8, 1.1])
        axes = [fig.add_subplot(grid[i, 0]) for i in range(3)]
        draw_string(axes, t, lang, f"{ab.NAMES[lang]}, headline seed {params['seed']} (generalises to N = {N}): "
                                   f"n = {n}, {'accepted' if t['accepted'] else 'rejected'}")
        ax = fig.add_subplot(grid[3, 0])          # the counts: states at the block ends, n = 1..many
        ns = np.unique(np.linspace(1, 30 if quick else max(60, min(3 * max(N, 1), 1000)), 40).astype(int))
        ends = {j: [] for j in range(ab.LANGUAGES[lang] + 1)}
        for m in ns:
            tm = ab.run_string(params, lang, int(m))
            for j in ends:
                ends[j].append(tm["states"][j * m])
        names = ["after S", "after the a's", "after the b's", "after the c's"]
        for j, values in ends.items():
            values = np.array(values)
            for c in range(values.shape[1]):
                ax.plot(ns, values[:, c], marker=".", ms=3, lw=0.8, color=f"C{c}", alpha=0.4 + 0.6 * j / len(ends),
                        ls=["-", "--", ":", "-."][j], label=f"cell {c + 1}, {names[j]}")
        if N:
            ax.axvline(N, color="red", lw=0.8)
            ax.text(N, ax.get_ylim()[1], f" N = {N}", color="red", fontsize=7, va="top")
        ax.set_xlabel("n (the red line: the first n past N is rejected)")
        ax.set_ylabel("cell state")
        ax.set_title("the counters: each cell's state at the end of each block, against n", fontsize=9)
        ax.legend(fontsize=5, ncol=3)
        fig.tight_layout()
        save_png(fig, out / f"mechanism_{lang}.png")


def main() -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = load(args.quick)
    learning_curves(record, out)
    generalisation(record, out)
    mechanism(record, out, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
