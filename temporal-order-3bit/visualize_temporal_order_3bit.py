"""Static figures for temporal-order-3bit: how the trained net stores the two symbols and their order
(cell states and gates on one test sequence of each class), the learning curves and the sequences to
the stopping rule over the recorded seeds.

    python3 temporal-order-3bit/visualize_temporal_order_3bit.py      # writes temporal-order-3bit/viz/*.png (~1 min)

The mechanism figures retrain seed 0 of the headline alone: a seed computes the same alone as in
the recorded bank, so this is the recorded run's seed 0. Curves and counts are drawn from the
recorded results.json, the figures the README quotes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import temporal_order_3bit as to
from shared.environments import tasks
from shared.frame.figures import figure_parser, recorded, save_png
from shared.learning.online import Stream

CLASS_NAMES = ["XX (Q)", "XY (R)", "YX (S)", "YY (U)"]
SECTIONS = [(None, "the paper's LSTM (headline)", "C0"), ("rnn", "tanh RNN, BPTT + Adam (ours)", "C3"),
            ("odyssnet", "OdyssNet core (ours)", "C6")]


def trained_seed(seed: int, quick: bool, snapshot_every: int = 0):
    """Seed ``seed`` of the headline, trained alone (bit for bit the recorded bank's), its final
    weights and, with ``snapshot_every``, its weights every that many sequences."""
    snapshots, every = [], 50 if quick else 1000

    def watch(seen, net):                  # called every `every` sequences and once at the end
        if snapshot_every and (seen % snapshot_every == 0 or seen % every):
            snapshots.append((seen, net.W[0].copy(), net.V[0].copy()))

    trial = to.train_paper_bank([seed], 300 if quick else to.BUDGET, every=every, keep_params=True, watch=watch)[0]
    return trial, snapshots


def one_of_each_class(seed: int):
    """Test sequences of the seed's test set, the first of each class."""
    test = Stream(to.make_sequences, [to.streams(seed)["test"]]).batch(to.TEST_SEQUENCES)
    labels = np.argmax(test.targets[0, :, 0], axis=1)
    picks = [int(np.argmax(labels == k)) for k in range(to.CLASSES)]
    return test.inputs[0, picks], test.lengths[0, picks], labels[picks]


def inside(W, V, codes, lengths) -> dict:
    """Run one net (weights W, V) over sequences (n, 110) and keep what is inside."""
    net = to.paper_net([0])
    net.W[0], net.V[0] = W, V
    net.start(len(codes), learn=False)
    steps = int(lengths.max())
    padded = np.where(np.arange(steps) < lengths[:, None], codes[:, :steps], -1)
    y = net.sequence(padded[None])[0]                                        # (n, T, 4)
    cache = net.cache
    return {"y": y, "s": cache["s"][:, 0].transpose(1, 0, 2), "gates": cache["gates"][:, 0].transpose(1, 0, 2),
            "lengths": lengths, "codes": codes}


def marks(codes, n) -> list[tuple[int, str]]:
    X, Y = tasks.TEMPORAL_SYMBOLS.index("X"), tasks.TEMPORAL_SYMBOLS.index("Y")
    return [(t, "X" if c == X else "Y") for t, c in enumerate(codes[:n]) if c in (X, Y)]


def draw_marks(ax, codes, n, label_y=None):
    for t, name in marks(codes, n):
        ax.axvline(t, color="C1" if name == "X" else "C2", lw=1.0, ls=":")
        if label_y is not None:
            ax.text(t + 1, label_y, name, color="C1" if name == "X" else "C2", fontsize=8, va="top")
    ax.axvline(n - 1, color="k", lw=0.8, ls=":")


def cell_state_figure(trial, seed: int, out: Path) -> None:
    codes, lengths, labels = one_of_each_class(seed)
    t = inside(trial.params["W"], trial.params["V"], codes, lengths)
    limit = max(1.0, float(np.abs(t["s"]).max()) * 1.05)
    fig, axes = plt.subplots(2, 4, figsize=(13, 6.2), sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    for k in range(4):
        n = int(lengths[k])
        ax = axes[0, k]
        for c in range(4):
            ax.plot(t["s"][k, :n, c], lw=1.4, color=f"C{[0, 9, 3, 6][c]}", label=f"cell {c + 1} (block {c // 2 + 1})")
        draw_marks(ax, codes[k], n, label_y=limit * 0.95)
        ax.set_ylim(-limit, limit)
        ax.set_title(f"class {CLASS_NAMES[labels[k]]}, length {n}", fontsize=9)
        ax = axes[1, k]
        for j in range(4):
            ax.plot(t["y"][k, :n, j], lw=1.3 if j == labels[k] else 0.9, color=f"C{j + 4}",
                    label=f"output {CLASS_NAMES[j]}")
        draw_marks(ax, codes[k], n)
        ax.axhline(0.7, color="0.5", lw=0.6, ls="--")
        ax.axhline(0.3, color="0.5", lw=0.6, ls="--")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("time step")
    axes[0, 0].set_ylabel("cell state s_c")
    axes[1, 0].set_ylabel("class outputs (read at the end)")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    axes[1, 0].legend(fontsize=7, loc="center left")
    stop = f"stopped at {trial.stopped_at:,}" if trial.solved else f"not stopped in {trial.seen:,}"
    fig.suptitle(f"Task 6a, the paper's LSTM after training (seed {seed}, {stop} sequences, {trial.test['wrong']} of "
                 f"2560 test sequences wrong): one test sequence per class; dotted: the X/Y positions and the end",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "cell_states.png")


def gates_figure(trial, seed: int, out: Path) -> None:
    codes, lengths, labels = one_of_each_class(seed)
    t = inside(trial.params["W"], trial.params["V"], codes, lengths)
    names = ["input gate, block 1", "input gate, block 2", "output gate, block 1", "output gate, block 2"]
    fig, axes = plt.subplots(4, 1, figsize=(11, 7.5), sharex=True)
    steps = int(lengths.max())
    for k, ax in enumerate(axes):
        n = int(lengths[k])
        gates = np.full((4, steps), np.nan)
        gates[:, :n] = t["gates"][k, :n].T
        image = ax.imshow(gates, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        for when, name in marks(codes[k], n):
            ax.axvline(when, color="w", lw=1.2, ls=":")
            ax.text(when + 0.8, -0.6, name, color="k", fontsize=8)
        ax.set_yticks(range(4), names, fontsize=7)
        ax.set_title(f"class {CLASS_NAMES[labels[k]]}", fontsize=9, loc="left")
        fig.colorbar(image, ax=ax, pad=0.01, label="activation")
    axes[-1].set_xlabel("time step")
    fig.suptitle(f"Gates of the trained net (seed {seed}): the input gates open at the X/Y symbols, the output gates "
                 f"decide when the cells are read", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "gates.png")


def part(record, section):
    return record if section is None else record.get(section)


def curves_figure(record, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(9, 5))
    if record is None:
        ax.text(0.5, 0.5, "no results.json recorded yet", ha="center", va="center")
        save_png(fig, out / "training_curves.png")
        return
    for section, label, color in SECTIONS:
        rec = part(record, section)
        if not rec or not rec.get("curves"):
            continue
        for k, (seed, curve) in enumerate(rec["curves"].items()):
            curve = np.array(curve)
            ax.plot(curve[:, 0], curve[:, 1], color=color, lw=0.8, alpha=0.6, label=label if k == 0 else None)
            if section is None and rec["seeds"] and any(r["seed"] == int(seed) and r["solved"]
                                                        for r in rec["seeds"]["per_seed"]):
                ax.scatter([curve[-1, 0]], [curve[-1, 1]], color=color, s=12, zorder=3)
    ax.axhline(to.TRAIN_ERROR, color="k", lw=0.8, ls="--", label="the rule's bound on the average error (0.1)")
    ax.axvline(to.PAPER_SEQUENCES, color="k", lw=1.2, label="Table 9: 31,390 sequences (mean of 20 trials)")
    ax.set_yscale("log")
    ax.set_xlabel("training sequences")
    ax.set_ylabel("mean error E of the 2000 most recent training sequences")
    ax.set_title("Task 6a: learning curves of every recorded seed (dots: stopping rule met)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def sequences_figure(record, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if record is None or not record.get("seeds"):
        ax.text(0.5, 0.5, "no seed sweep recorded yet", ha="center", va="center")
        save_png(fig, out / "sequences_to_solve.png")
        return
    rows = record["seeds"]["per_seed"]
    seeds = np.array([r["seed"] for r in rows])
    heights = np.array([r["sequences"] if r["solved"] else r["seen"] for r in rows])
    bars = ax.bar(seeds, heights, color="C0", label="the paper's LSTM: sequences to ST3(0.1)")
    for bar, r in zip(bars, rows):
        if not r["solved"]:
            bar.set_hatch("//")
            bar.set_alpha(0.4)
    mean = record["headline"].get("mean_sequences_to_rule")
    if mean:
        ax.axhline(mean, color="C0", lw=1.2, ls="--", label=f"our mean: {mean:,}")
    ax.axhline(to.PAPER_SEQUENCES, color="k", lw=1.2, label="Table 9: 31,390 (mean of 20 trials)")
    ax.set_xticks(seeds)
    ax.set_xlabel("seed")
    ax.set_ylabel("training sequences")
    ax.set_title("Sequences to the stopping rule per seed (hatched: not met, the bar is the budget)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "sequences_to_solve.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trial, _ = trained_seed(args.seed, args.quick)
    cell_state_figure(trial, args.seed, out)
    gates_figure(trial, args.seed, out)
    record = recorded(__file__)
    curves_figure(record, out)
    sequences_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
