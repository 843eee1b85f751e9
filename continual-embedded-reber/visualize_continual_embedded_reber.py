"""Static figures for continual-embedded-reber: the outcome of every row against Table 2, the
learning curves (error-free training-stream length over training streams), the error-free test
lengths per seed, and the mechanism: cell states and forget gates of the recorded nets on one long
continual test stream, with forget gates and without.

    python3 continual-embedded-reber/visualize_continual_embedded_reber.py     # writes continual-embedded-reber/viz/*.png (~20 s)

Everything is drawn from the recorded results.json: its counts and curves, and the final weights of
each row's best net (the one with the longest mean error-free test stream), which the record keeps.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import continual_embedded_reber as cer
from shared.frame.figures import figure_parser, recorded, save_png
from shared.environments.tasks import REBER_SYMBOLS

ROWS = [("forget", None, "forget gates", "C0"), ("forget-decay", None, "forget gates + alpha decay", "C2"),
        ("standard", "standard", "standard LSTM", "C3"), ("standard-reset", "standard", "standard + external reset", "C1"),
        ("odyssnet", "odyssnet", "OdyssNet core (ours)", "C6")]
EXTRA = [("forget", "budget800000", "forget gates,\n800,000 symbols", "C0"),
         ("forget-decay", "budget800000", "+ alpha decay,\n800,000 symbols", "C2")]
PICTURE_STREAM = 20_001          # the seed of the test stream the mechanism figures run on


def part(record: dict | None, section: str | None) -> dict:
    if not record:
        return {}
    return record if section is None else (record.get(section) or {})


def runs_of(record, variant, section) -> list[dict]:
    return [r for r in (part(record, section).get("seeds") or {}).get("per_seed", []) if r["variant"] == variant]


def net_of(record, variant: str, section):
    """The recorded best net of a row (a fresh one with --quick or before the record exists)."""
    kept = (part(record, section).get("params") or {}).get(variant)
    net = cer.paper_net([0 if kept is None else kept["seed"]], cer.VARIANTS[variant][0])
    if kept is not None:
        net.W[0], net.V[0] = np.array(kept["W"]), np.array(kept["V"])
    return net, (None if kept is None else kept["seed"])


def inside(net, length: int, reset: bool = False) -> dict:
    """Run a frozen net over one continual test stream of ``length`` symbols (not stopped at errors)
    and keep its cell states, gates and whether each prediction was right."""
    stream = cer.Stream(np.random.default_rng(PICTURE_STREAM))
    net.start(1, learn=False)
    c, b = net.cells, net.blocks
    s, gates, ok, codes, starts = [], [], [], [], []
    for _ in range(length):
        if reset and stream.at_start:
            net.reset()
        codes.append(stream.code)
        starts.append(stream.at_start)
        y = net.step(np.array([[stream.code]]))
        ok.append(bool(cer.correct(y[0, 0], stream.target)))
        s.append(net.s[0, 0].copy())
        gates.append(net.u[0, 0, net.inputs + c:-1].copy())
        stream.advance()
    gates = np.array(gates)
    out = {"s": np.array(s), "ok": np.array(ok), "codes": np.array(codes), "starts": np.array(starts),
           "input": gates[:, :b], "output": gates[:, -b:]}
    if net.forget_gate:
        out["forget"] = gates[:, b:2 * b]
    return out


def first_error(ok: np.ndarray) -> int | None:
    return None if ok.all() else int(np.argmin(ok))


def outcomes(record, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(13, 4.4))
    labels, x = [], 0
    for variant, section, name, _ in ROWS + EXTRA:
        runs = runs_of(record, variant, section)
        ours = [100 * np.mean([r["outcome"] == o for r in runs]) if runs else 0 for o in ("perfect", "good", "rest")]
        paper = cer.TABLE2.get(variant) if section in (None, "standard") else None
        for shares, who, xpos in ((ours, f"ours ({len(runs)} runs)", x), (None if paper is None else
                                                                         [paper[1], paper[3], paper[5]], "paper (100)",
                                                                         x + 0.4)):
            if shares is None:
                continue
            bottom = 0
            for share, colour, outcome in zip(shares, ("C2", "C9", "0.75"), ("perfect", "good", "rest")):
                ax.bar(xpos, share, 0.36, bottom=bottom, color=colour, edgecolor="k", lw=0.4,
                       label=outcome if x == 0 and who.startswith("ours") else None,
                       hatch=None if who.startswith("ours") else "//")
                bottom += share
            ax.text(xpos, 101, who.split(" ")[0], ha="center", fontsize=7)
        labels.append((x + 0.2, name))
        x += 1.2
    ax.set_xticks([p for p, _ in labels], [n for _, n in labels], fontsize=7)
    ax.set_ylabel("% of runs")
    ax.set_ylim(0, 110)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    budget = (part(record, None).get("headline") or {}).get("training symbols per trial", "?")
    ax.set_title(f"Table 2's outcomes: ours ({budget:,} training symbols per run unless marked) beside the paper's "
                 f"(hatched; 100 nets, up to 30,000 streams)" if isinstance(budget, int) else "Table 2's outcomes", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "outcomes.png")
    plt.close(fig)


def learning_curves(record, out: Path) -> None:
    fig, axes = plt.subplots(1, len(ROWS), figsize=(16, 3.8), sharey=True)
    for ax, (variant, section, name, colour) in zip(axes, ROWS):
        curves = part(record, section).get("curves") or {}
        for key, curve in curves.items():
            if key.split("/")[0] != variant or not curve:
                continue
            c = np.array(curve)
            ax.plot(c[:, 0], np.maximum(c[:, 1], 0.5), color=colour, lw=0.9, alpha=0.7)
        ax.axhline(cer.GOOD_LENGTH, color="k", ls="--", lw=0.7, label="1000 (good)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("training streams" if variant != "odyssnet" else "training streams (first errors)")
    axes[0].set_ylabel("mean error-free length of the training\nstreams in each bin (one line a seed)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Learning curves: each training stream runs until the first wrong prediction", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")
    plt.close(fig)


def test_lengths(record, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(12, 4.6))
    for i, (variant, section, name, colour) in enumerate(ROWS + EXTRA):
        runs = runs_of(record, variant, section)
        values = np.array([max(r["test_mean_length"], 0.5) for r in runs])
        jitter = np.random.default_rng(i).uniform(-0.15, 0.15, len(values))
        ax.scatter(i + jitter, values, color=colour, s=18, zorder=3)
    ax.axhline(cer.GOOD_LENGTH, color="k", ls="--", lw=0.7, label="1000: good")
    ax.axhline(cer.TEST_LENGTH, color="k", lw=0.7, label="100,000: perfect (all 10 streams)")
    ax.set_yscale("log")
    ax.set_xticks(range(len(ROWS + EXTRA)), [n for _, _, n, _ in ROWS + EXTRA], fontsize=7, rotation=30, ha="right")
    ax.set_ylabel("mean error-free length,\n10 test streams (final net)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Error-free test-stream length of every run after training (one dot a seed)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "test_lengths.png")
    plt.close(fig)


def mark_strings(ax, starts, span):
    for t in np.nonzero(starts[:span])[0]:
        ax.axvline(t - 0.5, color="0.6", lw=0.5, zorder=0)


def mechanism(record, out: Path, long: int) -> None:
    forget_net, forget_seed = net_of(record, "forget-decay", None)
    best = runs_of(record, "forget", None)
    if best and max(r["test_mean_length"] for r in best) > max([r["test_mean_length"] for r in
                                                                  runs_of(record, "forget-decay", None)] + [0]):
        forget_net, forget_seed = net_of(record, "forget", None)
    standard_net, standard_seed = net_of(record, "standard", "standard")
    f = inside(forget_net, long)
    s = inside(standard_net, long)
    span = min(120, long)
    fig = plt.figure(figsize=(14, 9))
    grid = fig.add_gridspec(3, 2, height_ratios=[1, 0.7, 1])
    ax = fig.add_subplot(grid[0, 0])
    for c in range(8):
        ax.plot(f["s"][:span, c], lw=1.1, color=f"C{c}", label=f"cell {c + 1} (block {c // 2 + 1})")
    mark_strings(ax, f["starts"], span)
    ax.set_xticks(range(span), [REBER_SYMBOLS[k] for k in f["codes"][:span]], fontsize=5)
    ax.set_ylabel("cell state s_c")
    ax.set_title(f"forget gates (seed {forget_seed}): cell states, first {span} symbols (grey lines: a string's B)",
                 fontsize=9)
    ax.legend(fontsize=6, ncol=4, loc="upper right")
    ax = fig.add_subplot(grid[1, 0])
    image = ax.imshow(f["forget"][:span].T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(range(4), [f"block {j + 1}" for j in range(4)], fontsize=7)
    ax.set_xticks(range(span), [REBER_SYMBOLS[k] for k in f["codes"][:span]], fontsize=5)
    ax.set_title("forget-gate activation y_phi (0: the block resets its cells)", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    ax = fig.add_subplot(grid[0, 1])
    for c in range(8):
        ax.plot(s["s"][:span, c], lw=1.1, color=f"C{c}")
    mark_strings(ax, s["starts"], span)
    ax.set_xticks(range(span), [REBER_SYMBOLS[k] for k in s["codes"][:span]], fontsize=5)
    ax.set_title(f"standard LSTM, no forget gate (seed {standard_seed}): cell states, first {span} symbols",
                 fontsize=9)
    ax = fig.add_subplot(grid[1, 1])
    image = ax.imshow(s["input"][:span].T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(range(4), [f"block {j + 1}" for j in range(4)], fontsize=7)
    ax.set_xticks(range(span), [REBER_SYMBOLS[k] for k in s["codes"][:span]], fontsize=5)
    ax.set_title("standard LSTM: input-gate activation (nothing can empty its cells)", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    ax = fig.add_subplot(grid[2, :])
    window = 50 if long >= 1000 else 1
    for run, colour, who in ((s, "C3", "standard LSTM"), (f, "C0", "forget gates")):
        largest = np.abs(run["s"]).max(axis=1)
        largest = largest[:len(largest) // window * window].reshape(-1, window).max(axis=1)
        ax.plot(np.arange(len(largest)) * window, largest, color=colour, lw=1,
                label=f"{who}: max |s_c| over the 8 cells" + (f" and {window} symbols" if window > 1 else ""))
    for run, colour, who in ((f, "C0", "forget gates"), (s, "C3", "standard")):
        e = first_error(run["ok"])
        if e is not None:
            ax.axvline(e, color=colour, ls=":", lw=1, label=f"{who}: first wrong prediction ({e:,})")
    ax.set_yscale("log")
    ax.set_xlabel("symbols of one continual test stream (no resets; the nets keep running after an error)")
    ax.set_ylabel("largest |cell state|")
    ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Inside the recorded best nets on one continual test stream", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "cell_states.png")
    plt.close(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = None if args.quick else recorded(cer.__file__)
    outcomes(record, out)
    learning_curves(record, out)
    test_lengths(record, out)
    mechanism(record, out, 200 if args.quick else 20_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
