"""Static figures for embedded-reber: the grammar, Table 1 against the recorded trials, and inside
the trained networks.

    python3 embedded-reber/visualize_embedded_reber.py          # writes embedded-reber/viz/*.png

viz/grammar.png draws the automaton; viz/table1.png draws the recorded runs in results.json, so it
shows exactly the figures the README quotes. The other figures train one trial (--seed, default the
showcase trial below) twice, with the paper's network and with output biases added, on the headline
row's settings (about a minute).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import embedded_reber as er

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from shared.frame.figures import figure_parser, save_png
from shared.frame.verdict import rate_bounds

HERE = Path(__file__).resolve().parent
ROW = er.ROWS[er.HEADLINE]


# ---------------------------------------------------------------------------------------- the grammar


def _node(ax, xy, label, accept=False):
    ax.add_patch(plt.Circle(xy, 0.22, facecolor="white", edgecolor="black", lw=1.3, zorder=3))
    if accept:
        ax.add_patch(plt.Circle(xy, 0.17, facecolor="none", edgecolor="black", lw=1.0, zorder=3))
    ax.text(*xy, label, ha="center", va="center", fontsize=9, zorder=4)


def _edge(ax, a, b, symbol, bend=0.0, color="black", offset=(0, 0.12), loop=None):
    if loop is not None:                                           # a self-loop above (+1) or below (-1)
        x, y = a
        arrow = FancyArrowPatch((x - 0.12, y + loop * 0.18), (x + 0.12, y + loop * 0.18),
                                connectionstyle=f"arc3,rad={-1.9 * loop}", arrowstyle="-|>", mutation_scale=11,
                                color=color, lw=1.2, zorder=2)
        ax.add_patch(arrow)
        ax.text(x, y + loop * 0.72, symbol, ha="center", va="center", fontsize=11, color=color, weight="bold")
        return
    arrow = FancyArrowPatch(a, b, connectionstyle=f"arc3,rad={bend}", arrowstyle="-|>", mutation_scale=12,
                            shrinkA=13, shrinkB=13, color=color, lw=1.2, zorder=2)
    ax.add_patch(arrow)
    mid = (np.array(a) + np.array(b)) / 2
    normal = np.array([-(b[1] - a[1]), b[0] - a[0]])
    normal = normal / (np.linalg.norm(normal) or 1)
    at = mid - bend * 0.5 * np.linalg.norm(np.array(b) - np.array(a)) * normal + np.array(offset)
    ax.text(*at, symbol, ha="center", va="center", fontsize=11, color=color, weight="bold",
            bbox=dict(facecolor="white", edgecolor="none", pad=0.5))


def grammar_figure(out: Path) -> None:
    """The Reber automaton (er.REBER) and the embedded grammar around it."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.4), gridspec_kw={"width_ratios": [1.15, 1]})
    where = {"in": (0, 0), 0: (1, 0), 1: (2.2, 1), 2: (2.2, -1), 3: (3.7, 1), 4: (3.7, -1), er.EXIT: (4.9, 0),
             "out": (5.9, 0)}
    for state, xy in where.items():
        label = {"in": "", "out": "", er.EXIT: str(er.EXIT)}.get(state, str(state))
        _node(left, xy, label, accept=state == "out")
    _edge(left, where["in"], where[0], "B")
    _edge(left, where[er.EXIT], where["out"], "E")
    bends = {(0, 1): -0.1, (0, 2): 0.1, (1, 3): 0.0, (2, 4): 0.0, (3, 2): 0.0, (4, 3): 0.0, (3, 5): -0.1,
             (4, 5): 0.1}
    for state, choices in er.REBER.items():
        for symbol, nxt in choices:
            if nxt == state:
                _edge(left, where[state], None, symbol, loop=1 if where[state][1] > 0 else -1)
            else:
                offset = (0.18, 0.0) if (state, nxt) == (4, 3) else (0.0, 0.12)
                if (state, nxt) == (3, 2):
                    offset = (0.3, 0.25)
                _edge(left, where[state], where[nxt], symbol, bends.get((state, nxt), 0.0), offset=offset)
    left.set_title("The Reber grammar as implemented (the paper's Fig. 3 is an image we could not read);\n"
                   "each choice taken with probability 1/2 (Sec. 5.1)", fontsize=10)
    left.text(0, -2.15, "states 0-5 as in embedded_reber.REBER; double circle: end of the string", fontsize=8,
              color="0.35")

    spots = {"in": (0, 0), "a": (1, 0), "T": (2.7, 0.95), "P": (2.7, -0.95), "b": (4.4, 0), "out": (5.6, 0)}
    for name in ("in", "a", "b", "out"):
        _node(right, spots[name], "", accept=name == "out")
    for name, color in (("T", "C0"), ("P", "C3")):
        x, y = spots[name]
        right.add_patch(FancyBboxPatch((x - 0.65, y - 0.3), 1.3, 0.6, boxstyle="round,pad=0.05", facecolor="0.95",
                                       edgecolor=color, lw=1.5, zorder=3))
        right.text(x, y, "Reber grammar\n(left), B ... E", ha="center", va="center", fontsize=8, zorder=4)
        _edge(right, spots["a"], (x - 0.65, y), name, 0.0, color=color, offset=(-0.15, 0.1 * np.sign(y)))
        _edge(right, (x + 0.65, y), spots["b"], name, 0.0, color=color, offset=(0.15, 0.1 * np.sign(y)))
    _edge(right, spots["in"], spots["a"], "B")
    _edge(right, spots["b"], spots["out"], "E")
    right.text(2.8, -1.7, "the letter after the first B comes back after the inner E: the one prediction\n"
                           "fixed by a symbol read long before (gold in the other figures)", ha="center",
               fontsize=8, color="0.3")
    right.set_title("The embedded Reber grammar (Sec. 5.1, Fig. 4 of the paper)", fontsize=10)
    for ax in (left, right):
        ax.set_aspect("equal")
        ax.axis("off")
    left.set_xlim(-0.4, 6.3)
    left.set_ylim(-2.35, 2.0)
    right.set_xlim(-0.4, 6.4)
    right.set_ylim(-2.0, 1.7)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    save_png(fig, out / "grammar.png")


# ---------------------------------------------------------------------------------------- Table 1


def table_runs(record: dict) -> list[tuple[str, dict, er.Row | None, str]]:
    """(label, part, Table 1 row or None, colour) of every recorded LSTM row and baseline."""
    runs = []
    for key in sorted(er.ROWS, key=lambda k: er.ROWS[k].table_row):
        row = er.ROWS[key]
        name = er.section_name("lstm", key)
        part = record if name is None else record.get(name)
        if isinstance(part, dict) and part.get("seeds"):
            runs.append((f"row {row.table_row}: LSTM {row.name}, rate {row.lr:g}", part, row, "C0"))
    for key, label in (("lstm-4x1-0.5-per-step", "LSTM 4 x 1, 0.5, per-step updates"),
                       ("lstm-4x1-0.5-igb-0.1", "LSTM 4 x 1, 0.5, input-gate biases +-0.1"),
                       ("lstm-4x1-0.5-output-biases", "LSTM 4 x 1, 0.5, + output biases"),
                       ("lstm-3x2-0.5-output-biases", "LSTM 3 x 2, 0.5, + output biases"),
                       ("lstm-4x1-0.5-per-step-output-biases", "LSTM 4 x 1, 0.5, per-step + output biases"),
                       ("lstm-3x2-0.5-per-step-output-biases", "LSTM 3 x 2, 0.5, per-step + output biases"),
                       ("elman", "Elman net, Elman's procedure (row 3)"),
                       ("bptt-rnn", "RNN, 10 hidden, full gradient (ours)"),
                       ("odyssnet", "OdyssNet core, 32 neurons (ours, 10 trials)")):
        part = record.get(key)
        if isinstance(part, dict) and part.get("seeds"):
            paper = er.ROWS["4x1-0.5" if "4x1" in key else "3x2-0.5"] if key.startswith("lstm") else None
            runs.append((label, part, paper, "C2" if key.startswith("lstm") else "C7"))
    return runs


def table_figure(record: dict, out: Path) -> None:
    """Success rate and strings to success per row, against Table 1."""
    runs = table_runs(record)
    if not runs:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 0.5 * len(runs) + 2.6), sharey=True,
                                      gridspec_kw={"width_ratios": [1, 1.4]})
    for i, (label, part, paper, color) in enumerate(runs):
        rows = part["seeds"]["per_seed"]
        k, n = sum(r["solved"] for r in rows), len(rows)
        low, high = rate_bounds(k, n, 0.90)
        left.plot([100 * low, 100 * high], [i, i], color=color, lw=2, alpha=0.6)
        left.plot(100 * k / n, i, "o", color=color, ms=7)
        left.text(106, i, f"{k}/{n}", va="center", fontsize=8)
        if paper is not None:
            left.plot(paper.paper_success, i, "D", color="black", mfc="none", ms=8)
        elif label.startswith("Elman"):
            left.plot(0, i, "D", color="black", mfc="none", ms=8)
        solved = [r["sequences"] for r in rows if r["solved"]]
        cap = part["tables"][0]["title"].split("cap of ")[1].split(" strings")[0].replace(",", "")
        right.plot(solved, i + np.linspace(-0.2, 0.2, max(len(solved), 1))[: len(solved)], "o", color=color, ms=3.5,
                   alpha=0.7)
        if solved:
            right.plot([np.mean(solved)] * 2, [i - 0.32, i + 0.32], color=color, lw=2.5)
        right.plot(float(cap), i, "|", color="C3", ms=14, mew=2)
        if paper is not None:
            right.plot(paper.paper_mean, i, "D", color="black", mfc="none", ms=8)
            right.plot([paper.paper_mean / er.MEAN_FACTOR, paper.paper_mean * er.MEAN_FACTOR], [i, i], color="0.6",
                       lw=6, alpha=0.35, solid_capstyle="butt")
    left.set_yticks(range(len(runs)), [r[0] for r in runs], fontsize=8)
    left.invert_yaxis()
    left.set_xlim(-3, 118)
    left.set_xlabel("% of trials meeting the criterion by the cap (dot: ours, bar: 90% interval;\n"
                    "diamond: Table 1; dotted: 80%, the verdict's 20-point margin below 100%)")
    left.axvline(80, color="0.6", ls=":", lw=1)
    right.set_xscale("log")
    right.set_xlim(1500, 300_000)
    right.set_xlabel("training strings to success (dots: successful trials; bar: their mean;\n"
                     "red tick: the cap; diamond: Table 1's mean; grey band: within a factor 1.5 of it)")
    fig.suptitle("Experiment 1 against Table 1 of the paper (blue: the paper's protocol, 30 trials per row; green: "
                 "analyses chosen after the failure; grey: baselines)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "table1.png")


# ---------------------------------------------------------------------------------------- inside the networks


def showcase_config(quick: bool, output_biases: bool) -> er.Config:
    config = ROW.config(output_biases=output_biases)
    if quick:
        config = replace(config, train_size=64, test_size=64, max_sequences=300, eval_every=100)
    return config


def train_pair(seed: int, quick: bool, snapshot_every: int = 0) -> dict:
    """The trial trained with the paper's network and with output biases: {label: Trials}."""
    out = {}
    for label, biases in (("the paper's network", False), ("with output biases", True)):
        config = showcase_config(quick, biases)
        out[label] = er.run_trials(config, [seed], track=True, snapshot_every=snapshot_every or config.eval_every,
                                   label=f"trial {seed}, {label}: strings")
    return out


def showcase(data: er.Data) -> tuple[str, str]:
    """A fixed test string of 12 to 16 symbols, and the same string with the other outer letter."""
    string = next((s for s in data.test.strings if 12 <= len(s) <= 16), data.test.strings[0])
    other = "P" if string[1] == "T" else "T"
    return string, string[0] + other + string[2:-2] + other + string[-1]


def draw_predictions(ax, out: np.ndarray, string: str, colorbar: bool = True):
    """Output activations (T, 7) on ``string``: legal next symbols boxed, the outer T/P column marked."""
    batch = er.encode([string])
    steps = len(string) - 1
    image = ax.imshow(out[:steps].T, cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    outer = len(string) - 3
    ax.add_patch(Rectangle((outer - 0.5, -0.5), 1, er.N_SYMBOLS, fill=False, edgecolor="gold", lw=3.5, zorder=3))
    for t in range(steps):
        for k in np.flatnonzero(batch.legal[0, t]):
            ax.add_patch(Rectangle((t - 0.45, k - 0.45), 0.9, 0.9, fill=False, edgecolor="C3", lw=1.6))
    ax.set_xticks(range(steps), list(string[:-1]))
    ax.set_yticks(range(er.N_SYMBOLS), list(er.SYMBOLS))
    ax.set_xlabel("symbol just read")
    ax.set_ylabel("output unit (next symbol)")
    if colorbar:
        plt.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="activation")
    return image


def training_curves(pair: dict, out: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(12, 6.2), sharex=True, sharey="row")
    for col, (label, trials) in enumerate(pair.items()):
        curve = trials.curves[0]
        n = np.array([p for p, _, _ in curve])
        top, bottom = axes[0, col], axes[1, col]
        for split, style in ((1, "--"), (2, "-")):
            top.plot(n, [c[split]["strings_correct"] for c in curve], style, color="C0",
                     label=f"strings fully correct, {'training' if split == 1 else 'test'} set")
        bottom.plot(n, [c[2]["legal_accuracy"] for c in curve], color="C2",
                    label="legal-symbol accuracy (most active unit legal)")
        bottom.plot(n, [c[2]["outer_accuracy"] for c in curve], color="C1",
                    label="outer T/P accuracy (the prediction before last)")
        solved = trials.solved_at[0]
        for ax in (top, bottom):
            if solved:
                ax.axvline(solved, color="C3", ls="--", lw=1)
            ax.axvline(ROW.paper_mean, color="0.5", ls=":", lw=1)
        top.set_title(f"{label}: " + (f"solved after {solved:,} strings" if solved else
                                      f"not solved by {trials.presented[0]:,} strings"), fontsize=10)
        top.text(ROW.paper_mean, 0.5, f" Table 1's mean\n for the row: {ROW.paper_mean:,}", color="0.4", fontsize=8)
        bottom.set_xlabel("training strings presented (online, one update per string)")
    axes[0, 0].set_ylabel("share of strings meeting\nthe paper's criterion")
    axes[1, 0].set_ylabel("test set")
    axes[0, 0].set_ylim(-0.03, 1.03)
    axes[1, 0].set_ylim(0.0, 1.02)
    axes[0, 0].legend(fontsize=8, loc="upper left")
    axes[1, 0].legend(fontsize=8, loc="lower right")
    seed = next(iter(pair.values())).seeds[0]
    fig.suptitle(f"Trial {seed} of row {ROW.table_row} (LSTM {ROW.name}, rate {ROW.lr:g}, truncated gradient), "
                 "tested every 100 strings", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def predictions_figure(pair: dict, out: Path) -> None:
    trials = next(iter(pair.values()))
    data = trials.data[er.pair_of(trials.seeds[0])]
    strings = showcase(data)
    fig, axes = plt.subplots(2, 2, figsize=(12, 6.4))
    for row, (label, run) in enumerate(pair.items()):
        for col, string in enumerate(strings):
            y = er.net_outputs(run.net, er.encode([string]), 0)[0]
            ax = axes[row, col]
            draw_predictions(ax, y, string)
            outer = len(string) - 3
            other = "P" if string[-2] == "T" else "T"
            ax.set_title(f"{label}, after {run.presented[0]:,} strings; at the gold step\nunit {string[-2]} (right) = "
                         f"{y[outer, er.CODE[string[-2]]]:.2f}, unit {other} (wrong) = {y[outer, er.CODE[other]]:.2f}",
                         fontsize=9)
    fig.suptitle("Output units on a test string (left) and its twin with the other outer letter (right); red boxes: "
                 "legal next symbols; gold frame: the step that must recall the outer letter", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "predictions.png")


def cells_figure(pair: dict, out: Path) -> None:
    """Cell states and gates of both networks on the showcase string and its twin."""
    trials = next(iter(pair.values()))
    strings = showcase(trials.data[er.pair_of(trials.seeds[0])])
    steps = len(strings[0]) - 1
    fig, axes = plt.subplots(3, 2, figsize=(12, 7.4), sharex=True)
    for col, (label, run) in enumerate(pair.items()):
        record = []
        er.net_outputs(run.net, er.encode(list(strings)), 0, record=record)
        states = np.array([r["s"][0] for r in record])               # (T, 2 strings, cells)
        gates_in = np.array([r["input_gate"][0] for r in record])
        gates_out = np.array([r["output_gate"][0] for r in record])
        net = run.net
        for b, style in ((0, "-"), (1, "--")):
            for k in range(net.cells):
                axes[0, col].plot(range(steps), states[:steps, b, k], style, color=f"C{k}",
                                  label=f"cell {k + 1} (block {k // net.block_size + 1})" if b == 0 else None)
            for k in range(net.blocks):
                axes[1, col].plot(range(steps), gates_in[:steps, b, k], style, color=f"C{k}")
                axes[2, col].plot(range(steps), gates_out[:steps, b, k], style, color=f"C{k}")
        axes[0, col].set_title(f"{label} (after {run.presented[0]:,} strings)", fontsize=10)
        axes[0, col].legend(fontsize=7, ncol=2, loc="best")
        for ax in axes[:, col]:
            ax.axvspan(steps - 2.5, steps - 1.5, color="gold", alpha=0.35)
        axes[2, col].set_xticks(range(steps), [f"{a}/{b}" if a != b else a
                                               for a, b in zip(strings[0][:-1], strings[1][:-1])])
        axes[2, col].set_xlabel(f"symbol just read (solid: {strings[0]}, dashed: {strings[1]})")
    axes[0, 0].set_ylabel("cell state s")
    axes[1, 0].set_ylabel("input gate")
    axes[2, 0].set_ylabel("output gate")
    fig.suptitle("Inside the two networks on strings that differ only in the outer letter (gold: the step that "
                 "must recall it)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "cells.png")


SHOWCASE_SEED = 0


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    grammar_figure(out)
    pair = train_pair(args.seed, args.quick)
    training_curves(pair, out)
    predictions_figure(pair, out)
    cells_figure(pair, out)
    path = HERE / "results.json"
    if path.exists():
        record = json.loads(path.read_text())
        table_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
