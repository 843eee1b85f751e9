"""Static figures for chunker-very-deep-1200 (seed 0's chunker retrained on line, and the recorded sweep).

    python3 chunker-very-deep-1200/visualize_chunker_very_deep_1200.py     # writes viz/*.png

- learning.png: seed 0 on line: C's and A's answers to the 1199-step-lag target (share right over the
  last 20 blocks) and the steps C takes per block beside the filler's jumps; and, from results.json,
  blocks to solve per run for every recorded system.
- depth.png: from results.json, the depth reduction per seed (1200 steps over the steps C, or P3,
  actually takes a block) and the filler's random jumps per block that set it.
- block.png: one block of seed 0 late in training: the 1200 symbols, A's probability of each, the few
  that reach C, C's state held between its inputs from the trigger to the target, and C's answer.
"""

from __future__ import annotations

import sys

# shared first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)
from shared.frame.figures import figure_parser, recorded, save_png

import matplotlib.pyplot as plt
import numpy as np

import chunker_very_deep_1200 as ck

BLOCKS = 150
MODEL_ORDER = [("chunker", None), ("three-level", "three-level"), ("rtrl-net", "rtrl-net"),
               ("bptt-net", "bptt-net"), ("lstm", "lstm"), ("odyssnet", "odyssnet")]


def traced_run(seed: int, blocks: int, keep=()):
    """Seed `seed`'s chunker (the recorded configuration) with the blocks in `keep` traced step by step."""
    cfg = ck.RunConfig(pair=ck.PAIR)
    return ck.run_online(cfg, [seed], blocks, keep=tuple(keep))


def running(x, w=20):
    x = np.asarray(x, float)
    c = np.cumsum(np.insert(x, 0, 0.0))
    lo = np.maximum(0, np.arange(1, len(x) + 1) - w)
    return (c[1:] - c[lo]) / (np.arange(1, len(x) + 1) - lo)


def symbol_colors(sym):
    """RGB per symbol: a red, x blue, segments P/Q/R in three greys-greens."""
    table = np.array([[0.85, 0.15, 0.15], [0.15, 0.35, 0.85]] +
                     [[0.75, 0.85, 0.75]] * ck.SEG_LEN + [[0.85, 0.8, 0.65]] * ck.SEG_LEN +
                     [[0.75, 0.78, 0.9]] * ck.SEG_LEN)
    return table[sym]


def learning(hist, record, seed, path):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    n_blocks = hist["c_right"].shape[1]
    blocks = np.arange(1, n_blocks + 1)
    ax = axes[0]
    ax.plot(blocks, running(hist["c_right"][0]), label="C's answer (the chunker)")
    ax.plot(blocks, running(hist["a_right"][0]), label="A's own answer")
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    n = ck.first_solved(hist["c_right"][0])
    if n:
        ax.axvline(n, color="C0", ls="--", lw=1, label=f"solved ({ck.WINDOW} right in a row) at {n}")
    ax.set(xlabel="training blocks of 1200 steps (on-line)", ylabel="share of targets right (last 20)",
           title=f"seed {seed}: the target 1199 steps after the trigger", ylim=(0, 1.05))
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[1]
    ax.semilogy(blocks, hist["c_inputs"][0], ".-", lw=0.8, ms=3, label="steps C takes (A's surprises)")
    ax.semilogy(blocks, hist["jumps"][0] + 1, "k.", ms=4, label="trigger + the filler's jumps (unpredictable)")
    ax.axhline(ck.BLOCK, color="grey", ls=":", lw=1)
    ax.text(1, ck.BLOCK * 0.75, "the stream: 1200 steps a block", fontsize=8, color="grey")
    ax.set(xlabel="training blocks (on-line)", ylabel="per block", title="history compression while A learns",
           ylim=(0.5, 3000))
    ax.legend(fontsize=8, loc="center right")
    ax = axes[2]
    names, ticks = [], []
    for i, (name, section) in enumerate(MODEL_ORDER):
        part = record if section is None else record.get(section)
        if not part or "seeds" not in part:
            continue
        rows = part["seeds"]["per_seed"]
        budget = part["headline"]["blocks_per_run"]
        for j, r in enumerate(rows):
            y = r["blocks_to_solve"] if r["solved"] else budget
            ax.scatter(i + 0.05 * (j - len(rows) / 2), y, marker="o" if r["solved"] else "x",
                       color="C2" if r["solved"] else "C3", s=20)
        ax.hlines(budget, i - 0.35, i + 0.35, color="grey", lw=1)
        names.append(f"{name}\n{sum(r['solved'] for r in rows)}/{len(rows)}")
        ticks.append(i)
    ax.set_yscale("log")
    ax.set_xticks(ticks, names, fontsize=8)
    ax.set(ylabel="blocks to solve (x: not solved, at its budget -)",
           title="the recorded runs (this machine's): solved / runs")
    fig.tight_layout()
    save_png(fig, path)


def depth(record, path):
    rows = record["seeds"]["per_seed"]
    three = (record.get("three-level") or {}).get("seeds", {}).get("per_seed", [])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    seeds = [r["seed"] for r in rows]
    ax = axes[0]
    ax.bar(np.arange(len(rows)) - 0.2, [r["depth_reduction"] for r in rows], width=0.4, label="2-net chunker: C")
    if three:
        ax.bar(np.arange(len(three)) + 0.2, [r["depth_reduction_P3"] for r in three], width=0.4,
               label="3-level hierarchy: P3")
    ax.axhline(ck.REDUCTION_FLOOR, color="C3", ls="--", lw=1, label=f"the verdict's floor ({ck.REDUCTION_FLOOR}x)")
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(rows)), seeds)
    ax.set(xlabel="seed", ylabel="1200 / steps the level takes a block", title="depth reduction, last 50 blocks")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.scatter([r["jumps_per_block"] for r in rows], [r["C_steps_per_block"] for r in rows], label="C (2-net)")
    if three:
        ax.scatter([r["jumps_per_block"] for r in three], [r["C_steps_per_block"] for r in three], marker="s",
                   label="P2 (3-level)")
        ax.scatter([r["jumps_per_block"] for r in three], [r["P3_steps_per_block"] for r in three], marker="^",
                   label="P3 (3-level)")
    lim = max([r["jumps_per_block"] for r in rows] + [1]) + 0.5
    ax.plot([0, lim], [1, lim + 1], "k:", lw=1, label="trigger + jumps (the unpredictable steps)")
    ax.set(xlabel="filler jumps per block (measured)", ylabel="steps the level takes per block",
           title="what the random filler leaves unpredictable")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, path)


def draw_block(axes, tr, lab, title):
    sym = tr["symbol"][:, 0]
    t = np.arange(len(sym))
    reach = tr["c_input"][:, 0]
    axes[0].imshow(symbol_colors(sym)[None], aspect="auto", extent=(-0.5, len(sym) - 0.5, 0, 1))
    for i in np.where(reach)[0]:
        axes[0].text(i, 0.5, ck.NAMES[sym[i]], ha="center", va="center", fontsize=8, fontweight="bold")
    axes[0].set(yticks=[], title=title)
    p = np.concatenate([[np.nan], tr["p_next"][:-1, 0]])          # A's probability of the symbol at t
    axes[1].semilogy(t, np.clip(p, 1e-4, 1), "k-", lw=0.6)
    axes[1].axhline(ck.PAIR.confidence, color="C3", ls="--", lw=1)
    axes[1].scatter(t[reach], np.full(reach.sum(), 2e-4), marker="^", color="C3", s=40, zorder=3,
                    label="reaches C")
    axes[1].set(ylabel="A's P(symbol)", ylim=(1e-4, 2))
    axes[1].legend(fontsize=7, loc="lower right")
    state = tr["c_state"][:, 0].T
    im = axes[2].imshow(state, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1,
                        extent=(-0.5, len(sym) - 0.5, state.shape[0] - 0.5, -0.5), interpolation="nearest")
    axes[2].set(ylabel="C's units", yticks=range(state.shape[0]))
    plt.colorbar(im, ax=axes[2], fraction=0.02, pad=0.01, label="activation")
    axes[3].plot(t, tr["c_target"][:, 0], "C0-", lw=1, label="C's answer P(a)")
    axes[3].plot(t, tr["a_target"][:, 0], "C1-", lw=0.8, alpha=0.7, label="A's answer P(a)")
    axes[3].scatter([len(sym) - 1], [lab], marker="*", s=120, color="k", zorder=3, label="target at step 1199")
    axes[3].set(ylim=(-0.05, 1.1), xlabel="step within the block", ylabel="answer")
    axes[3].legend(fontsize=7, loc="center left", ncol=3)
    for ax in axes[1:]:
        for i in np.where(reach)[0]:
            ax.axvline(i, color="C3", lw=0.6, alpha=0.35)
    for ax in axes:
        ax.set_xlim(-12, len(sym) + 5)


def block_figure(trace, b, path):
    tr = trace[b]
    lab = float(tr["symbol"][0, 0] == ck.SYMBOL_A)
    fig, axes = plt.subplots(4, 1, figsize=(13, 7.5), sharex=True, gridspec_kw={"height_ratios": [0.6, 1.3, 1, 1]})
    draw_block(axes, tr, lab, f"block {b + 1} of seed 0's stream: {int(tr['c_input'].sum())} of {ck.BLOCK} "
                              f"symbols reach C (bold); C holds the trigger across the lag")
    fig.tight_layout()
    save_png(fig, path)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    record = recorded(__file__)
    blocks = 3 if args.quick else BLOCKS
    hist, trace = traced_run(args.seed, blocks, keep=(blocks - 1,))
    learning(hist, record or {}, args.seed, f"{args.out}/learning.png")
    if record and "C_steps_per_block" in record["seeds"]["per_seed"][0]:
        depth(record, f"{args.out}/depth.png")
    block_figure(trace, blocks - 1, f"{args.out}/block.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
