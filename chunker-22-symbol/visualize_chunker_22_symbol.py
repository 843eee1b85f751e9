"""Static figures for chunker-22-symbol (seed 0's chunker run with every step kept, and the recorded sweep).

    python3 chunker-22-symbol/visualize_chunker_22_symbol.py     # writes viz/*.png

- learning.png: seed 0's chunker on-line: C's and A's answers to the targets (running share right over
  50 blocks) and A's surprises per block; and, from results.json, sequences to solve per run for the
  chunker and the baselines against the paper's 5000.
- surprises.png: where A's surprises fall within a block (position 0 = the block's a/x) over training:
  history compression happening.
- stream.png: four blocks of seed 0's stream late in training: the symbols, A's probability of each
  symbol that came, the inputs that reach C, C's state and its answer at each b20, A's own answer.
- weights.png: A's and C's weights after training.
"""

from __future__ import annotations

import sys

# shared first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)
from shared.frame.figures import figure_parser, recorded, save_png

import matplotlib.pyplot as plt
import numpy as np

import chunker_22_symbol as ck

BLOCKS = 2000


def traced_run(seed: int, blocks: int):
    """Seed `seed`'s chunker (the recorded configuration) with every step kept."""
    hist, pair, trace, lab = ck.run_pair(ck.PairConfig(), [seed], blocks, keep_trace=blocks)
    return hist, pair, {k: v[:, 0] for k, v in trace.items()}, lab[0]


def running(x, w=50):
    x = np.asarray(x, float)
    c = np.cumsum(np.insert(x, 0, 0.0))
    out = np.empty_like(x)
    for i in range(len(x)):
        lo = max(0, i + 1 - w)
        out[i] = (c[i + 1] - c[lo]) / (i + 1 - lo)
    return out


def learning(hist, record, seed, path):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    last = hist["c_right"].shape[1] - 1                # the stream's last target is never answered
    blocks = np.arange(1, last + 1)
    ax = axes[0]
    ax.plot(blocks, running(hist["c_right"][0, :last]), label="C's answer (the chunker)")
    ax.plot(blocks, running(hist["a_right"][0, :last]), label="A's own answer")
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    n = ck.first_solved(hist["c_right"][0])
    if n:
        ax.axvline(n, color="C0", ls="--", lw=1, label=f"solved (100 right in a row) at {n}")
    ax.set_xscale("log")
    ax.set(xlabel="training sequences (blocks), on-line", ylabel="share of targets right (last 50)",
           title=f"seed {seed}: the 20-step-lag target", ylim=(0, 1.05))
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[1]
    ax.plot(blocks, running(hist["surprises"][0, :last], 20), color="C3")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axhline(1.0, color="grey", ls=":", lw=1)
    ax.set(xlabel="training sequences (blocks)", ylabel="A's surprises per block (inputs to C)",
           title="history compression: 21 inputs a block -> 1")
    ax = axes[2]
    if record:
        series = [("chunker", record.get("seeds"))] + [(m, (record.get(m) or {}).get("seeds"))
                                                       for m in ("truncated-3", "no-predict-c", "rtrl-net", "bptt-net", "bptt-net-1m", "lstm", "odyssnet")]
        for i, (name, seeds) in enumerate(series):
            if not seeds:
                continue
            rows = seeds["per_seed"]
            budget = (record if name == "chunker" else record[name])["headline"]["sequences_per_run"]
            vals = [r["sequences_to_solve"] if r["solved"] else budget * 1.6 for r in rows]
            jitter = np.linspace(-0.25, 0.25, len(vals))
            solved = np.array([r["solved"] for r in rows])
            ax.scatter(np.full(len(vals), i)[solved] + jitter[solved], np.array(vals)[solved], s=14, color="C0")
            ax.scatter(np.full(len(vals), i)[~solved] + jitter[~solved], np.array(vals)[~solved], s=14,
                       marker="x", color="C3")
            ax.text(i, budget * 2.6, f"{solved.sum()}/{len(rows)}", ha="center", fontsize=9)
            ax.plot([i - 0.35, i + 0.35], [budget, budget], color="grey", lw=1)
        ax.axhline(ck.PAPER_BUDGET, color="C2", ls="--", lw=1, label="paper: 13/17 chunker runs < 5000")
        ax.set_yscale("log")
        ax.set_xticks(range(len(series)), [s[0] for s in series], fontsize=7, rotation=30)
        ax.set(ylabel="sequences to solve (x: not solved)",
               title="17 runs each (grey bar: the run's budget)", ylim=(50, 5e6))
        ax.legend(fontsize=8, loc="upper left")
    else:
        ax.text(0.5, 0.5, "no results.json yet", ha="center")
    fig.tight_layout()
    save_png(fig, path)


def surprises(trace, path):
    s = trace["surprise"].astype(float)          # step t: A's surprise at the symbol of step t + 1
    steps = len(s)
    inputs_c = np.concatenate([[1.0], s[:-1]])   # C takes symbol t where A was surprised by it
    n_blocks = steps // ck.BLOCK
    grid = inputs_c[: n_blocks * ck.BLOCK].reshape(n_blocks, ck.BLOCK)
    per = 20
    coarse = grid[: (n_blocks // per) * per].reshape(-1, per, ck.BLOCK).mean(axis=1)
    fig, ax = plt.subplots(figsize=(11, 4))
    im = ax.imshow(coarse.T, aspect="auto", origin="lower", cmap="magma", vmin=0, vmax=1,
                   extent=(0, coarse.shape[0] * per, -0.5, ck.BLOCK - 0.5))
    ax.set_yticks(range(0, ck.BLOCK, 2), [ck.NAMES[0] + "/x" if i == 0 else f"b{i}" for i in range(0, ck.BLOCK, 2)])
    ax.set(xlabel="training sequences (blocks), on-line", ylabel="position in the block",
           title="which symbols reach C: A's surprises by position (share of blocks, 20-block bins)")
    fig.colorbar(im, ax=ax, label="share of blocks where this symbol reached C")
    fig.tight_layout()
    save_png(fig, path)


def stream(trace, lab, path, n_blocks=4):
    steps = len(trace["symbol"])
    start = (steps // ck.BLOCK - n_blocks - 1) * ck.BLOCK
    sl = slice(start, start + n_blocks * ck.BLOCK)
    sym = trace["symbol"][sl]
    t = np.arange(len(sym))
    surprise_prev = np.concatenate([[True], trace["surprise"]])[sl]   # C takes symbol t
    p_prev = np.concatenate([[np.nan], trace["p_next"]])[sl]          # A's probability of symbol t
    fig, axes = plt.subplots(4, 1, figsize=(13, 8.5), sharex=True,
                             gridspec_kw={"height_ratios": [1.1, 1.3, 1.6, 1.3]})
    ax = axes[0]
    colors = np.where(sym == ck.SYMBOL_A, "C3", np.where(sym == ck.SYMBOL_X, "C0", "0.75"))
    ax.bar(t, 1, color=colors, width=0.9)
    for i in range(len(sym)):
        ax.text(t[i], 0.5, ck.NAMES[sym[i]], ha="center", va="center", fontsize=6, rotation=90)
    ax.set(yticks=[], title="the stream (red a, blue x, grey b1..b20), no boundary marks")
    ax = axes[1]
    ax.plot(t, p_prev, "k.-", lw=0.8, ms=3)
    ax.axhline(ck.PairConfig().confidence, color="C3", ls="--", lw=1, label="surprise below this")
    ax.scatter(t[surprise_prev], np.zeros(surprise_prev.sum()) + 0.02, marker="v", color="C3", s=40,
               label="surprise: the symbol reaches C")
    ax.set(ylabel="A's probability\nof the symbol", ylim=(-0.05, 1.05))
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[2]
    hc = trace["c_state"][sl]
    im = ax.imshow(hc.T, aspect="auto", cmap="coolwarm", vmin=-1, vmax=1, interpolation="nearest",
                   extent=(-0.5, len(sym) - 0.5, hc.shape[1] - 0.5, -0.5))
    ax.set(ylabel="C's state (units)", title="C's state: it changes only when a symbol reaches it")
    fig.colorbar(im, ax=axes[2], orientation="vertical", fraction=0.02, pad=0.01, label="activation")
    ax = axes[3]
    q = np.where(sym == ck.BLOCK)[0]                      # b20: the target
    ax.bar(q - 0.2, trace["c_target"][sl][q], width=0.4, color="C0", label="C's answer P(a)")
    ax.bar(q + 0.2, trace["a_target"][sl][q], width=0.4, color="C1", label="A's answer P(a)")
    blocks_here = (start + q) // ck.BLOCK
    ax.scatter(q, lab[blocks_here], marker="*", color="k", s=60, zorder=3, label="target (1 = a)")
    ax.set(xlabel="time step", ylabel="answer at b20", ylim=(-0.05, 1.45), yticks=[0, 0.5, 1])
    ax.legend(fontsize=8, loc="upper center", ncol=3)
    fig.tight_layout()
    save_png(fig, path)


def weights(pair, path):
    fig, axes = plt.subplots(1, 4, figsize=(15, 4))
    pa, pc = pair.a.seed_params(0), pair.c.seed_params(0)
    for ax, (m, title, ylabels) in zip(axes, [(pa["W"], "A: input -> hidden (W)", ck.NAMES),
                                              (pa["U"], "A: hidden -> hidden (U)", None),
                                              (pc["W"], "C: input -> hidden (W)", ck.NAMES + ["time"]),
                                              (pc["U"], "C: hidden -> hidden (U)", None)]):
        lim = np.abs(m).max()
        im = ax.imshow(m, cmap="coolwarm", vmin=-lim, vmax=lim, aspect="auto")
        ax.set(title=title, xlabel="to hidden unit")
        if ylabels:
            ax.set_yticks(range(len(ylabels)), ylabels, fontsize=6)
        else:
            ax.set_ylabel("from hidden unit")
            ax.set_yticks(range(m.shape[0]))
        ax.set_xticks(range(m.shape[1]))
        fig.colorbar(im, ax=ax, fraction=0.05)
    fig.tight_layout()
    save_png(fig, path)


def main(argv=None) -> int:
    from pathlib import Path
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    blocks = 40 if args.quick else BLOCKS
    hist, pair, trace, lab = traced_run(args.seed, blocks)
    learning(hist, recorded(__file__), args.seed, out / "learning.png")
    surprises(trace, out / "surprises.png")
    stream(trace, lab, out / "stream.png", n_blocks=2 if args.quick else 4)
    weights(pair, out / "weights.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
