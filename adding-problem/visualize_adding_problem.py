"""Static figures for adding-problem: cell states, gates, errors against the target, the trained
weights, training curves, sequences to the stopping rule.

    python3 adding-problem/visualize_adding_problem.py          # writes adding-problem/viz/*.png (a few minutes)

The mechanism figures retrain seed 0 of the headline (the paper's net and gradient, batches of 8,
T = 100) and of the linear-output ablation (lr 0.0625, as recorded); a seed trained alone computes bit for bit what it
computes in the recorded sweep, so these are the recorded runs' seed 0. The curves and the
sequence counts are drawn from the recorded results.json, so they show the figures the README
quotes.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import adding_problem as ap
from shared.frame.figures import figure_parser, recorded, save_png

# (section of results.json or None for the headline, label, colour)
SETUPS = [("online", "paper's net, on-line (the paper's training)", "C0"),
          (None, "paper's net, batches of 8 (headline)", "C9"),
          ("linear_output_lr0.0625", "ablation: linear output unit, lr 0.0625", "C2"),
          ("random_input_bias", "ablation: input-gate biases random", "C3"),
          ("adam", "ours: shared LSTM, BPTT + Adam", "C4"),
          ("odyssnet", "ours: OdyssNet core", "C6")]
LINEAR_LR = 0.0625        # the recorded linear-output ablation's rate (0.5 / 8: lr 0.5 diverges with summed batches)
LONG = [("T500", 500, "C1"), ("T1000", 1000, "C7")]


def headline_config(quick: bool, **changes) -> ap.PaperConfig:
    """The recorded headline configuration (or --quick's), with changes for an ablation."""
    config = replace(ap.PaperConfig(), batch=ap.HEADLINE_BATCH, max_sequences=ap.PAPER_BUDGET[100], **changes)
    return replace(config, T=30, max_sequences=1600, curve_every=200) if quick else config


def train_seed(config: ap.PaperConfig, seed: int, **kw) -> tuple[ap.PaperRun, ap.PaperLSTM, ap.Sequences]:
    """One seed (bit for bit the recorded sweep's), its net and its test set."""
    run = ap.train_bank(config, [seed], label=f"seed {seed}, {config.output} output: ", **kw)[0]
    net = single_net(config, run.params)
    return run, net, ap.adding_sequences(ap.streams(seed)["test"], ap.TEST_SEQUENCES, config.T)


def single_net(config: ap.PaperConfig, params: dict) -> ap.PaperLSTM:
    net = ap.paper_net(config, [0])
    net.W[0], net.V[0] = params["W"], params["V"]
    return net


def trace(net: ap.PaperLSTM, data: ap.Sequences, index: int) -> dict:
    """Run the (one-trial) net over one sequence and keep what is inside: cell states s_c, gates,
    the output unit's reading of the cells at every step."""
    one = data.subset(slice(index, index + 1))
    n = int(one.lengths[0])
    net.start(1, learn=False)
    y = net.sequence(one.x[None])[0, 0, :, 0]                                 # (L,): the output at every step
    states, gates = net.cache["s"][:, 0, 0], net.cache["gates"][:, 0, 0]      # (L, 4), (L, 4): in 1, in 2, out 1, out 2
    return {"x": one.x[0, :n], "marked": one.marked[0], "target": float(one.target[0, 0]), "output": float(y[n - 1]),
            "states": states[:n], "input": gates[:n, 0:2], "output_gate": gates[:n, 2:4], "readout": y[:n], "n": n}


def pick_sequence(data: ap.Sequences) -> int:
    """A test sequence whose X1 is large, marked early, with X2 far from it: easy to read."""
    rows = np.arange(len(data))
    x1, x2 = data.x[rows, data.marked[:, 0], 0], data.x[rows, data.marked[:, 1], 0]
    score = np.abs(x1) + 0.5 * np.abs(x2) * (np.sign(x2) != np.sign(x1)) + 0.02 * (data.marked[:, 1]
                                                                                  - data.marked[:, 0])
    score[data.marked[:, 0] == 0] = -np.inf
    return int(np.argmax(score))


def draw_inputs(ax, t: dict) -> None:
    steps = np.arange(t["n"])
    values, markers = t["x"][:, 0], t["x"][:, 1]
    ax.bar(steps, values, width=0.8, color="0.75", label="value")
    for k, name in enumerate(("X1", "X2")):
        p = t["marked"][k]
        ax.bar([p], [values[p]], width=1.6, color="C1")
        ax.annotate(f"{name} = {values[p]:+.2f}", (p, values[p]), xytext=(p + 1, 1.2 if values[p] >= 0 else -1.3),
                    fontsize=8, color="C1", va="center")
    ends = np.nonzero(markers == -1)[0]
    ax.scatter(ends, np.zeros_like(ends), marker="v", color="k", s=30, zorder=3, label="marker -1")
    ax.set_ylim(-1.5, 1.5)
    ax.set_ylabel("input value")
    ax.legend(loc="lower right", fontsize=7, ncol=2)


def mark_lines(ax, t: dict) -> None:
    for p in t["marked"]:
        ax.axvline(p, color="C1", lw=0.8, ls=":")
    ax.axvline(t["n"] - 1, color="k", lw=0.8, ls=":")


def cell_state_figure(net, data, seed: int, out: Path) -> None:
    t = trace(net, data, pick_sequence(data))
    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": [1.1, 1.6, 1]})
    draw_inputs(axes[0], t)
    axes[0].set_title(f"the paper's LSTM, T = {data.x.shape[1] * 10 // 11}, seed {seed} (headline, trained): a test "
                      f"sequence (target {t['target']:.3f}, network {t['output']:.3f})", fontsize=10)
    for k in range(4):
        axes[1].plot(t["states"][:, k], lw=1.4, label=f"cell {k + 1} (block {k // 2 + 1})")
    axes[1].set_ylabel("cell state s_c")
    axes[1].legend(fontsize=7, ncol=4, loc="upper center")
    mark_lines(axes[1], t)
    axes[2].plot(t["readout"], color="C0", lw=1.4, label="output unit reading the cells at each step")
    axes[2].axhline(t["target"], color="C1", ls="--", lw=1, label="target at the end")
    axes[2].axhline(0.5 + t["x"][t["marked"][0], 0] / 4, color="0.5", ls=":", lw=1, label="0.5 + X1/4")
    mark_lines(axes[2], t)
    axes[2].set_ylabel("output")
    axes[2].set_xlabel("time step")
    axes[2].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    save_png(fig, out / "cell_state.png")


def gates_figure(net, data, seed: int, out: Path) -> None:
    order = np.argsort(data.marked[:, 1])
    picks = [order[len(order) // 6], order[len(order) // 2], order[-len(order) // 8]]
    fig, axes = plt.subplots(len(picks), 1, figsize=(9, 7), sharex=True)
    for ax, index in zip(axes, picks):
        t = trace(net, data, int(index))
        for b in range(2):
            ax.plot(t["input"][:, b], color=f"C{b}", lw=1.3, label=f"input gate, block {b + 1}")
            ax.plot(t["output_gate"][:, b], color=f"C{b}", lw=1.0, ls="--", label=f"output gate, block {b + 1}")
        markers = t["x"][:, 1]
        ax.scatter(np.nonzero(markers == 1)[0], np.full((markers == 1).sum(), 1.05), marker="v", color="C1", s=30,
                   label="marker 1")
        ax.scatter(np.nonzero(markers == -1)[0], np.full((markers == -1).sum(), 1.05), marker="v", color="k", s=20,
                   label="marker -1")
        ax.set_ylim(-0.05, 1.5)
        ax.set_ylabel("activation")
        ax.set_title(f"test sequence {index}: X1 at step {t['marked'][0]}, X2 at step {t['marked'][1]}, "
                     f"length {t['n']}", fontsize=9)
    axes[0].legend(fontsize=7, ncol=3, loc="upper center")
    axes[-1].set_xlabel("time step")
    fig.suptitle(f"Gates of the paper's LSTM after training (headline, seed {seed})", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "gates.png")


def errors_figure(results: dict, out: Path) -> None:
    """Left: output against target on the test set (headline). Right: the signed error against the
    target, logistic (the paper's) and linear output unit, with its mean per target bin: where the
    last errors are."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1, 1.35]})
    run, data = results["logistic"][0], results["logistic"][2]
    target = data.target[:, 0]
    wrong = ~(np.abs(run.test_errors) < ap.THRESHOLD)
    ax = axes[0]
    ax.fill_between([0, 1], [-ap.THRESHOLD, 1 - ap.THRESHOLD], [ap.THRESHOLD, 1 + ap.THRESHOLD], color="C2",
                    alpha=0.15, lw=0, label="|error| < 0.04")
    ax.scatter(target[~wrong], (target + run.test_errors)[~wrong], s=3, color="C9", alpha=0.6, label="correct")
    ax.scatter(target[wrong], (target + run.test_errors)[wrong], s=12, color="k", label="wrong")
    ax.plot([0, 1], [0, 1], color="0.3", lw=0.6)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.1, 1.1)
    ax.set_xlabel("target 0.5 + (X1 + X2) / 4")
    ax.set_ylabel("network output at the sequence end")
    stop = f"stopped at {run.stopped_at:,}" if run.solved else f"not stopped in {run.seen:,}"
    ax.set_title(f"headline (logistic output), seed {run.seed}, {stop} sequences:\n{int(wrong.sum())} of 2560 "
                 f"test sequences wrong, test MSE {ap.format_value(float(np.mean(run.test_errors ** 2)))}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", markerscale=2)
    ax = axes[1]
    edges = np.linspace(0.0, 1.0, 21)
    centres = 0.5 * (edges[1:] + edges[:-1])
    for name, color, dark in (("logistic", "C9", "C0"), ("linear", "C2", "darkgreen")):
        run, _, data = results[name]
        target, e = data.target[:, 0], run.test_errors
        bad = ~(np.abs(e) < ap.THRESHOLD)
        low, high = target < 0.1, target > 0.9
        counts = f"wrong: {int(bad[low].sum())} / {int(bad[~low & ~high].sum())} / {int(bad[high].sum())}"
        label = "logistic output (the paper's, headline)" if name == "logistic" else \
            f"linear output (ablation, lr {LINEAR_LR:g})"
        stop = f"stopped at {run.stopped_at:,}" if run.solved else f"not stopped in {run.seen:,}"
        print(f"{name} output, seed {run.seed}: wrong {counts.split(': ')[1]} (target below 0.1 / 0.1-0.9 / above 0.9, "
              f"of {int(low.sum())} / {int((~low & ~high).sum())} / {int(high.sum())}); mean error "
              f"{np.mean(e[low]):+.4f} below 0.1, {np.mean(e[high]):+.4f} above 0.9; RMS error "
              f"{np.sqrt(np.mean(e[(target > 0.2) & (target < 0.8)] ** 2)):.4f} in 0.2-0.8")
        ax.scatter(target, np.clip(e, -0.12, 0.12), s=2, color=color, alpha=0.35)
        which = np.digitize(target, edges[1:-1])
        means = [np.mean(e[which == k]) if np.any(which == k) else np.nan for k in range(len(centres))]
        ax.plot(centres, np.clip(means, -0.12, 0.12), color=dark, lw=2, marker="o", ms=3,
                label=f"{label}, {stop}; mean per bin; {counts}")
    ax.axhline(0.0, color="0.3", lw=0.6)
    for sign in (-1, 1):
        ax.axhline(sign * ap.THRESHOLD, color="k", ls="--", lw=0.8,
                   label="+/-0.04: processed correctly inside" if sign > 0 else None)
    for edge in (0.1, 0.9):
        ax.axvline(edge, color="0.6", ls=":", lw=0.8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.125, 0.125)
    ax.set_xlabel("target (dotted: 0.1 and 0.9; wrong counted below 0.1 / between / above 0.9)")
    ax.set_ylabel("error = output - target (clipped to +/-0.12)")
    ax.set_title(f"seed {results['logistic'][0].seed}'s 2560 test errors against the target", fontsize=9)
    ax.legend(fontsize=7, loc="lower left", markerscale=3)
    fig.tight_layout()
    save_png(fig, out / "scatter.png")


SOURCE_NAMES = ["value", "marker", "cell 1", "cell 2", "cell 3", "cell 4", "in gate 1", "in gate 2", "out gate 1",
                "out gate 2", "bias"]
UNIT_NAMES = ["cell 1", "cell 2", "cell 3", "cell 4", "in gate 1", "in gate 2", "out gate 1", "out gate 2"]


def weights_figure(run: ap.PaperRun, seed: int, out: Path) -> None:
    """The trained net's 93 weights: W (sources x hidden units) and the output unit's V."""
    W, V = run.params["W"], run.params["V"][:, 0]
    scale = float(np.max(np.abs(np.concatenate([W.ravel(), V.ravel()]))))
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.2), gridspec_kw={"width_ratios": [8, 1.4]})
    for ax, M, cols, title in ((axes[0], W, UNIT_NAMES, "hidden layer: 11 sources x 8 units = 88 weights"),
                               (axes[1], V[:, None], ["output"], "output unit: 5")):
        image = ax.imshow(M, cmap="RdBu_r", vmin=-scale, vmax=scale, aspect="auto")
        ax.set_xticks(range(len(cols)), cols, rotation=40, ha="right", fontsize=8)
        ax.set_title(title, fontsize=9)
        for (i, j), v in np.ndenumerate(M):
            ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=6.5,
                    color="w" if abs(v) > 0.6 * scale else "k")
    axes[0].set_yticks(range(len(SOURCE_NAMES)), [f"{n} (t-1)" if 2 <= k <= 9 else n
                                                  for k, n in enumerate(SOURCE_NAMES)], fontsize=8)
    axes[0].set_ylabel("source (cells and gates read at t - 1)")
    axes[1].set_yticks(range(5), ["cell 1", "cell 2", "cell 3", "cell 4", "bias"], fontsize=8)
    fig.colorbar(image, ax=list(axes), fraction=0.04, pad=0.03, label="weight")
    stop = f"stopped at {run.stopped_at:,}" if run.solved else f"not stopped in {run.seen:,}"
    fig.suptitle(f"The paper's LSTM after training (headline, seed {seed}, {stop} sequences): its 93 weights",
                 fontsize=10)
    save_png(fig, out / "weights.png")


def part(record: dict, section: str | None) -> dict | None:
    return record if section is None else record.get(section)


def curves_figure(record: dict | None, out: Path) -> None:
    """The MSE of the 2000 most recent training sequences, from results.json."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    if record is None:
        for ax in axes:
            ax.text(0.5, 0.5, "no results.json recorded yet", ha="center", va="center")
        save_png(fig, out / "training_curves.png")
        return
    refs = ap.reference_points()
    ax = axes[0]
    for section, label, color in SETUPS[:2]:
        rec = part(record, section)
        if not rec or not rec.get("seeds"):
            continue
        for i, row in enumerate(rec["seeds"]["per_seed"]):
            c = np.array(row["train_mse_curve"]).reshape(-1, 2)
            ax.semilogy(c[:, 0], c[:, 1], color=color, lw=0.9, alpha=0.8, label=label if i == 0 else None)
            if row["solved"]:
                ax.scatter([row["sequences"]], [np.interp(row["sequences"], c[:, 0], c[:, 1])], color=color,
                           s=14, zorder=3)
    ax.set_title("T = 100, every seed (dots: the stopping rule met)", fontsize=10)
    ax = axes[1]
    for section, label, color in SETUPS[2:] + [(s, f"the paper's net at T = {t}", c) for s, t, c in LONG]:
        rec = part(record, section)
        if not rec or not rec.get("seeds"):
            continue
        row = rec["seeds"]["per_seed"][0]
        c = np.array(row["train_mse_curve"]).reshape(-1, 2)
        ax.semilogy(c[:, 0], c[:, 1], color=color, lw=1.2, label=label)
        if rec.get("rnn_seeds"):
            c = np.array(rec["rnn_seeds"]["per_seed"][0]["train_mse_curve"]).reshape(-1, 2)
            ax.semilogy(c[:, 0], c[:, 1], color="0.4", lw=1.2, label="ours: tanh RNN, BPTT + Adam")
    ax.set_xscale("log")
    ax.set_title("seed 0 of the ablations, the long lags and our comparisons", fontsize=10)
    for T, style in ((500, "--"), (1000, ":")):
        axes[1].axvline(ap.PAPER_SEQUENCES[T], color="k", ls=style, lw=1.0,
                        label=f"Table 7, T = {T}: {ap.PAPER_SEQUENCES[T]:,}")
    for ax in axes:
        ax.axvline(ap.PAPER_SEQUENCES[100], color="k", lw=1.0, label="Table 7, T = 100: 74,000")
        ax.axhline(refs["constant 0.5 (the target's variance, (2/3)/16)"], color="0.5", ls="--", lw=0.8,
                   label="constant output 0.5")
        ax.axhline(ap.TRAIN_ERROR, color="0.5", ls="-.", lw=0.8, label="0.01: the rule's training error")
        ax.set_xlabel("training sequences")
        ax.set_ylabel("MSE of the 2000 most recent training sequences")
        ax.set_yscale("log")
        ax.set_ylim(2e-5, 0.1)
        ax.legend(fontsize=6.5, loc="lower left", ncol=1)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def sequences_figure(record: dict | None, out: Path) -> None:
    """The recorded sweeps: sequences to the stopping rule per seed at T = 100, and against T."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.4), gridspec_kw={"width_ratios": [1.3, 1]})
    if record is None:
        for ax in axes:
            ax.text(0.5, 0.5, "no results.json recorded yet", ha="center", va="center")
        save_png(fig, out / "sequences_to_solve.png")
        return
    ax = axes[0]
    shown = [(s, label, c) for s, label, c in SETUPS if part(record, s) and part(record, s).get("seeds")]
    width = 0.8 / max(1, len(shown))
    for k, (section, label, color) in enumerate(shown):
        rows = part(record, section)["seeds"]["per_seed"]
        seeds = np.array([r["seed"] for r in rows])
        heights = [r["sequences"] if r["solved"] else r["seen"] for r in rows]
        bars = ax.bar(seeds + (k - (len(shown) - 1) / 2) * width, heights, width=width, color=color, label=label)
        for bar, r in zip(bars, rows):
            if not r["solved"]:
                bar.set_hatch("//")
                bar.set_alpha(0.4)
    ax.axhline(ap.PAPER_SEQUENCES[100], color="k", lw=1.2, label="Table 7: 74,000 (mean of 10)")
    ax.set_yscale("log")
    ax.set_ylim(5e3, 1.5e6)
    ax.set_xlabel("seed")
    ax.set_ylabel("training sequences to the stopping rule")
    ax.set_title("T = 100 (hatched: rule not met, the bar is the budget)", fontsize=10)
    ax.legend(fontsize=6.5, ncol=2, loc="upper center")
    ax = axes[1]
    paper_t = sorted(ap.PAPER_SEQUENCES)
    ax.loglog(paper_t, [ap.PAPER_SEQUENCES[t] for t in paper_t], "ks-", label="Table 7 (means of 10 trials)")
    ax.plot([1000, 1000], [370_000, 2_020_000], color="k", lw=3, alpha=0.3, label="Table 7: range at T = 1000")
    for section, t, color in [("online", 100, "C0")] + LONG:
        rec = record.get(section)
        if not rec or not rec.get("seeds"):
            continue
        for r in rec["seeds"]["per_seed"]:
            if r["solved"]:
                ax.scatter([t], [r["sequences"]], color=color, s=25, zorder=3)
            else:
                ax.scatter([t], [r["seen"]], color=color, marker="^", facecolors="none", s=45, zorder=3)
            if r.get("sequences_to_train_mse_below_0.01"):
                ax.scatter([t * 1.06], [r["sequences_to_train_mse_below_0.01"]], color=color, marker="x", s=25,
                           zorder=3)
    ax.scatter([], [], color="0.3", s=25, label="ours: rule met")
    ax.scatter([], [], color="0.3", marker="^", facecolors="none", s=45, label="ours: not met (budget: lower bound)")
    ax.scatter([], [], color="0.3", marker="x", s=25, label="ours: training MSE first below 0.01")
    ax.set_xlabel("minimal sequence length T (ours: 100 on-line; 500, 1000 in batches)")
    ax.set_ylabel("training sequences")
    ax.set_xticks(paper_t, [str(t) for t in paper_t])
    ax.set_title("growth with the time lag", fontsize=10)
    ax.legend(fontsize=6.5, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "sequences_to_solve.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"logistic": train_seed(headline_config(args.quick), args.seed),
               "linear": train_seed(headline_config(args.quick, output="linear", lr=LINEAR_LR), args.seed)}
    _, net, data = results["logistic"]
    cell_state_figure(net, data, args.seed, out)
    gates_figure(net, data, args.seed, out)
    errors_figure(results, out)
    weights_figure(results["logistic"][0], args.seed, out)
    record = recorded(__file__)
    curves_figure(record, out)
    sequences_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
