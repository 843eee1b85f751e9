"""Animation for continual-embedded-reber: the forget-gate LSTM learning to reset its cells on the
continual stream.

    python3 continual-embedded-reber/make_continual_embedded_reber_gif.py     # writes continual-embedded-reber/continual_embedded_reber.gif (~2 min)

Retrains the headline's best forget-gate net (the seed and row the record keeps, or --seed with
alpha decay) alone, bit for bit the recorded bank's trial, and keeps its weights 24 times along
its training budget. Each frame runs the net of that moment, frozen, over the same 150 symbols of
one continual test stream: the eight cell states (top), the four forget gates (middle; 0 empties
the block) and the training streams' error-free lengths so far (bottom).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import continual_embedded_reber as cer
from shared.frame.figures import draft_frames, figure_parser, frame_of, recorded, save_gif
from shared.environments.tasks import REBER_SYMBOLS
from visualize_continual_embedded_reber import inside

SPAN = 150
FRAMES = 24


def chosen(record, seed_flag: int | None, quick: bool) -> tuple[str, int, int]:
    """(variant, seed, budget) of the net to retrain."""
    head = record or {}
    budget = 300 if quick else (head.get("headline") or {}).get("training symbols per trial", cer.BUDGET)
    if seed_flag is not None:
        return "forget-decay", seed_flag, budget
    params = head.get("params") or {}
    runs = (head.get("seeds") or {}).get("per_seed", [])
    best = max((r for r in runs if r["variant"] in params), key=lambda r: (r["test_mean_length"], -r["seed"]),
               default=None)
    return ("forget-decay", 0, budget) if best is None else (best["variant"], best["seed"], budget)


def frame(snapshot, variant, seed, limit, budget) -> plt.Figure:
    t, W, V, lengths = snapshot
    net = cer.paper_net([seed])
    net.W[0], net.V[0] = W, V
    run = inside(net, SPAN)
    fig, axes = plt.subplots(3, 1, figsize=(11, 7.2), gridspec_kw={"height_ratios": [1.1, 0.6, 0.9]})
    labels = [REBER_SYMBOLS[k] for k in run["codes"]]
    image = axes[0].imshow(run["s"].T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                           interpolation="nearest")
    fig.colorbar(image, ax=axes[0], fraction=0.025, pad=0.01, label="cell state")
    axes[0].set_yticks(range(8), [f"cell {c + 1} (block {c // 2 + 1})" for c in range(8)], fontsize=7)
    wrong = np.nonzero(~run["ok"])[0]
    axes[0].scatter(wrong, np.full(len(wrong), -0.6), marker="v", color="k", s=12, clip_on=False,
                    label="wrong prediction")
    axes[0].legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.0, 1.25))
    image = axes[1].imshow(run["forget"].T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    fig.colorbar(image, ax=axes[1], fraction=0.025, pad=0.01, label="forget gate")
    axes[1].set_yticks(range(4), [f"block {j + 1}" for j in range(4)], fontsize=7)
    for ax in axes[:2]:
        ax.set_xticks(range(SPAN), labels, fontsize=4.5)
        for s in np.nonzero(run["starts"])[0]:
            ax.axvline(s - 0.5, color="w", lw=0.6)
    ax = axes[2]
    if lengths:
        L = np.asarray(lengths, float)
        ax.plot(np.arange(1, len(L) + 1), np.maximum(L, 0.5), ".", ms=1.5, color="C0", alpha=0.4)
    ax.axhline(cer.GOOD_LENGTH, color="k", ls="--", lw=0.7, label="1000")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.5, 2 * cer.TRAIN_STREAM_CAP)
    ax.set_xlabel("training stream")
    ax.set_ylabel("error-free length")
    ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{cer.ROW_NAMES[variant]} (seed {seed}) after {t:,} of {budget:,} training symbols: "
                 f"{len(lengths):,} training streams; white lines: a string's B", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "continual_embedded_reber.gif")
    parser.set_defaults(seed=None)
    args = parser.parse_args(argv)
    record = None if args.quick else recorded(cer.__file__)
    variant, seed, budget = chosen(record, args.seed, args.quick)
    every = max(1, budget // FRAMES)
    snapshots = []

    def watch(t, net, lengths):
        if t % every == 0:
            snapshots.append((t, net.W[0].copy(), net.V[0].copy(), list(lengths[0])))

    row = cer.train_bank([(variant, seed)], budget, keep_params=True, watch=watch)[0]
    if not snapshots or snapshots[-1][0] != row["symbols"]:
        snapshots.append((row["symbols"], np.array(row["params"]["W"]), np.array(row["params"]["V"]), []))
    net = cer.paper_net([seed])
    net.W[0], net.V[0] = snapshots[-1][1], snapshots[-1][2]
    limit = max(1.0, float(np.abs(inside(net, SPAN)["s"]).max()))
    frames = [frame_of(frame(s, variant, seed, limit, budget)) for s in draft_frames(snapshots)]
    save_gif(frames, Path(args.out), fps=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
