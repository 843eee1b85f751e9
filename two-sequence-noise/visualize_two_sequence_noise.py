"""Static figures for two-sequence-noise: the cell states bridging the lag, the gates, the outputs
against the noise-free targets, the learning curves, and the sequences to ST1/ST2 beside the paper's
and beside random weight guessing.

    python3 two-sequence-noise/visualize_two_sequence_noise.py      # writes two-sequence-noise/viz/*.png (seconds)

Everything is drawn from the recorded results.json: the learning curves and counts of every trial,
and the weights each trial had when it stopped (the mechanism figures run those nets on fresh test
sequences). With --quick, a --quick run is trained here first and drawn instead.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import two_sequence_noise as tsn
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
VARIANT_SECTIONS = {"3a": None, "3b": "3b", "3c": ("3c", "3c_batch10")}   # 3c: on line if recorded, else batches
COLOURS = {"3a": "C0", "3b": "C1", "3c": "C2"}


def load_record(quick: bool, path: Path) -> dict:
    if not quick:
        return json.loads(path.read_text())
    config = tsn.Config(T=20, budget=600, curve_every=200)
    rows = [t.row() for t in tsn.train_paper(config, [0, 1])]
    return {"seeds": {"per_seed": rows}}


def rows_of(record: dict, section) -> list[dict] | None:
    if isinstance(section, tuple):
        return next((got for got in (rows_of(record, s) for s in section) if got), None)
    part = record if section is None else record.get(section) or {}
    return (part.get("seeds") or {}).get("per_seed")


def trained(rows: list[dict], seed: int) -> dict:
    """The trial of `seed` if it met the stop, else the first trial that did (else the seed's)."""
    mine = next((r for r in rows if r["seed"] == seed), rows[0])
    return mine if mine["solved"] else next((r for r in rows if r["solved"]), mine)


def cell_state_figure(rows, variant: str, seed: int, T: int, out: Path, name: str) -> None:
    """The three cell states over a sequence, 20 test sequences of each class: the class written in
    the first N steps and held across the noise; and the output at every step."""
    row = trained(rows, seed)
    data = tsn.two_sequence_problem(np.random.default_rng(1000 + seed), 40, T, 3, variant)
    order = np.argsort(data.label, kind="stable")
    got = tsn.inspect(row["weights"], data)
    steps = got["s"].shape[1]
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.2), sharex=True)
    for c in range(3):
        ax = axes[0, c]
        for k in range(40):
            n = data.lengths[k]
            ax.plot(np.arange(1, n + 1), got["s"][k, :n, c], color="C3" if data.label[k] == 1 else "C0", lw=0.7,
                    alpha=0.7)
        ax.axvspan(0.5, 3.5, color="0.85", zorder=0)
        ax.set_title(f"cell {c + 1} (input-gate bias start {tsn.INPUT_BIAS[c]:g}): state s_c(t)", fontsize=10)
        ax.set_ylabel("cell state")
    ax = axes[1, 0]
    for k in range(40):
        n = data.lengths[k]
        ax.plot(np.arange(1, n + 1), got["y"][k, :n], color="C3" if data.label[k] == 1 else "C0", lw=0.7, alpha=0.7)
    clean = {1: data.clean[data.label == 1, 0][0], 2: data.clean[data.label == 2, 0][0]}
    for label, value in clean.items():
        ax.axhline(value, color="k", ls=":", lw=0.8)
    ax.set_title("output unit (target only at the last step)", fontsize=10)
    ax.set_ylabel("output")
    ax.set_xlabel("time step")
    for j, kind in enumerate(("input", "output")):
        ax = axes[1, 1 + j]
        sel = slice(0, 3) if kind == "input" else slice(3, 6)
        read_most = int(np.argmax(np.abs(np.asarray(row["weights"]["V"])[:, 0])))
        shown = got["gates"][order][:, :, sel][:, :, read_most]
        im = ax.imshow(shown, aspect="auto", cmap="viridis", extent=(0.5, steps + 0.5, 40, 0), vmin=0, vmax=1)
        ax.axhline(int((data.label == 1).sum()), color="w", lw=1)
        fig.colorbar(im, ax=ax, label=f"{kind} gate activation")
        ax.set_title(f"{kind} gate of the cell the output reads most\n(rows: 40 test sequences, class 1 above the "
                     f"white line)", fontsize=9)
        ax.set_xlabel("time step")
    axes[0, 0].plot([], [], color="C3", label="class 1 (first elements +1)")
    axes[0, 0].plot([], [], color="C0", label="class 2 (first elements -1)")
    axes[0, 0].legend(fontsize=8, loc="best")
    when = (f"at its stop ({'ST2' if variant != '3c' else 'the stop'} after {row['st2']:,} sequences)" if row["solved"]
            else f"after {row['seen']:,} sequences (no stop)")
    fig.suptitle(f"Task {variant}, trial {row['seed']} {when}: the class enters in steps 1-3 (grey) and is carried "
                 f"in the cell states across {T}-{T + T // 10} steps of noise", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / name)
    plt.close(fig)


def outputs_figure(record: dict, out: Path, T: int) -> None:
    """Outputs at the sequence end on 2560 test sequences against the noise-free targets, per variant."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (variant, section) in zip(axes, VARIANT_SECTIONS.items()):
        rows = rows_of(record, section)
        if not rows:
            ax.set_visible(False)
            continue
        row = trained(rows, 0)
        data = tsn.two_sequence_problem(np.random.default_rng(2000), 2560, T, 3, variant)
        got = tsn.inspect(row["weights"], data)
        end = got["y"][np.arange(2560), data.lengths - 1]
        crit = tsn.CRITERIA[variant]
        for label, colour in ((1, "C3"), (2, "C0")):
            sel = data.label == label
            ax.hist(end[sel], bins=np.linspace(0, 1, 101), color=colour, alpha=0.7, label=f"class {label}")
            ax.axvline(data.clean[sel, 0][0], color="k", ls=":", lw=0.8)
        wrong = crit.wrong(np.abs(end - data.clean[:, 0])).sum()
        ax.set_yscale("log")
        ax.set_title(f"{variant}: trial {row['seed']}'s outputs at the sequence end\n{wrong} of 2560 misclassified "
                     f"(|e| {'>' if crit.inclusive else '>='} {crit.wrong_above:g})", fontsize=9)
        ax.set_xlabel("output at the last step")
        if variant == "3c":
            ax.hist(data.target[:, 0], bins=np.linspace(-0.5, 1.5, 101), histtype="step", color="0.4",
                    label="noisy training targets")
            ax.set_xlim(-0.5, 1.5)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("test sequences")
    fig.tight_layout()
    save_png(fig, out / "outputs.png")
    plt.close(fig)


def curves_figure(record: dict, out: Path) -> None:
    """Fraction misclassified among the last 1000 training sequences, every trial, per variant."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    for ax, (variant, section) in zip(axes, VARIANT_SECTIONS.items()):
        rows = rows_of(record, section)
        if not rows:
            ax.set_visible(False)
            continue
        for r in rows:
            curve = np.array(r["curve"]).reshape(-1, 3)
            if len(curve):
                ax.plot(curve[:, 0], curve[:, 1], color=COLOURS[variant], lw=0.8, alpha=0.7)
            if r["st2"] is not None:
                ax.plot(r["st2"], curve[-1, 1] if len(curve) else 0, "kx", ms=5)
        paper = tsn.paper_counts(variant, 100, 3)
        for value, style, name in ((paper[0], ":", "paper ST1"), (paper[1], "--", "paper ST2" if variant != "3c"
                                                                        else "paper stop")):
            if value:
                ax.axvline(value, color="k", ls=style, lw=1, label=f"{name} (mean, Tables 4-6)")
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_title(f"task {variant}: {len(rows)} trials (x: the trial's ST2{' = stop' if variant == '3c' else ''})",
                     fontsize=10)
        ax.set_xlabel("training sequences")
        ax.legend(fontsize=7, loc="lower left")
    axes[0].set_ylabel("fraction misclassified,\nlast 1000 training sequences")
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")
    plt.close(fig)


def sequences_figure(record: dict, out: Path) -> None:
    """Per trial: sequences to ST1 and ST2 against the paper's means; random guessing's cost on 3a."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ticks, labels = [], []
    x = 0
    for variant, section in VARIANT_SECTIONS.items():
        rows = rows_of(record, section)
        if not rows:
            continue
        paper = tsn.paper_counts(variant, 100, 3)
        for key, offset, marker in (("st1", 0, "o"), ("st2", 1, "s")):
            if variant == "3c" and key == "st1":
                continue
            values = [r[key] if r[key] is not None else r["seen"] for r in rows]
            censored = [r[key] is None for r in rows]
            jitter = np.linspace(-0.25, 0.25, len(values))
            ax.scatter(x + jitter, values, c=["0.6" if c else COLOURS[variant] for c in censored], marker=marker,
                       s=22, zorder=3)
            ax.hlines(np.mean(values), x - 0.35, x + 0.35, color=COLOURS[variant], lw=2)
            if paper[offset] is not None:
                ax.hlines(paper[offset], x - 0.35, x + 0.35, color="k", ls="--", lw=1.2)
            ticks.append(x)
            labels.append(f"{variant} {'stop' if variant == '3c' else key.upper()}")
            x += 1
    guess = rows_of(record, "guess")
    if guess:
        values = [r["sequences"] if r["solved"] else r["cost"] for r in guess]
        ax.scatter(x + np.linspace(-0.25, 0.25, len(values)), values, c="C4", marker="^", s=22, zorder=3)
        ax.hlines(np.mean(values), x - 0.35, x + 0.35, color="C4", lw=2)
        ticks.append(x)
        labels.append("3a: random\nguessing (ST2)")
        x += 1
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("sequences (training; guessing: run)")
    ax.plot([], [], "k--", label="paper's mean (Tables 4-6)")
    ax.plot([], [], color="0.3", lw=2, label="our mean (a censored trial counts its budget)")
    ax.scatter([], [], c="0.6", label="censored by the budget")
    ax.legend(fontsize=8)
    ax.set_title("Sequences to the stopping rules, every trial (this machine), beside the paper's means", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "sequences_to_stop.png")
    plt.close(fig)


def weights_figure(rows, out: Path) -> None:
    """The 102 weights of trial 0 at its stop (3a): who reads what."""
    W = np.asarray(trained(rows, 0)["weights"]["W"])
    V = np.asarray(trained(rows, 0)["weights"]["V"])
    units = ["cell 1", "cell 2", "cell 3", "in 1", "in 2", "in 3", "out 1", "out 2", "out 3"]
    sources = ["input x(t)"] + [u + " (t-1)" for u in units] + ["bias"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [9, 1.6]})
    limit = float(np.abs(W).max())
    im = axes[0].imshow(W, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    axes[0].set_xticks(range(9), units, fontsize=8)
    axes[0].set_yticks(range(len(sources)), sources, fontsize=8)
    axes[0].set_title("W: weights into cells and gates (columns) from (rows)", fontsize=10)
    fig.colorbar(im, ax=axes[0])
    lim = float(np.abs(V).max())
    im = axes[1].imshow(V, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    axes[1].set_yticks(range(3), ["cell 1", "cell 2", "cell 3"], fontsize=8)
    axes[1].set_xticks([0], ["output"])
    axes[1].set_title("V", fontsize=10)
    fig.colorbar(im, ax=axes[1])
    fig.suptitle("Task 3a, trial 0's weights at ST2 (99 into cells and gates + 3 to the output = 102)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "weights.png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    parser.add_argument("--results", type=Path, default=HERE / "results.json",
                        help="the record to draw (default: results.json beside this script)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = load_record(args.quick, args.results)
    T = 20 if args.quick else 100
    rows = rows_of(record, None)
    cell_state_figure(rows, "3a", args.seed, T, out, "cell_states_3a.png")
    weights_figure(rows, out)
    curves_figure(record, out)
    if not args.quick:
        for variant in ("3b", "3c"):
            part = rows_of(record, VARIANT_SECTIONS[variant])
            if part:
                cell_state_figure(part, variant, args.seed, T, out, f"cell_states_{variant}.png")
        outputs_figure(record, out, T)
        sequences_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
