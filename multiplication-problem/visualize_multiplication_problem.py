"""Static figures for multiplication-problem: the learning curves of every trial, the cell states and
gates of a trained net over a test sequence, the cell states of many test sequences, and the test
outputs against the targets.

    python3 multiplication-problem/visualize_multiplication_problem.py     # writes multiplication-problem/viz/*.png

Everything is drawn from the recorded results.json: the curves are the recorded ones, and the nets
are the recorded weights of the section "paper_scale" (each trial's weights at its n_seq = 140
stop, or at the cap where it did not stop), run here on their own seed's test set. --quick trains a
tiny net instead (T = 30, 600 sequences), for the tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import multiplication_problem as mp
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
SECTION = "paper_scale"
# (section of results.json or None for the headline, label, colour)
SETUPS = [(None, "paper's LSTM (headline)", "C0"),
          ("forget_gate_cap70000", "ablation: forget gates (bias 5)", "C2"),
          ("input_bias-3_-6_lr0.5", "ours: Exp. 4's input-gate biases -3, -6 and lr 0.5", "C4"),
          ("rnn", "ours: tanh RNN, BPTT + Adam", "C3"),
          ("odyssnet", "ours: OdyssNet core", "C6")]


def load_record() -> dict | None:
    path = HERE / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def nets_of(record: dict | None, quick: bool, seed: int) -> tuple[dict, int, str]:
    """{'W', 'V'} of the seed's net, the T it was trained at, and a label of where it stands."""
    section = (record or {}).get(SECTION)
    if not quick and section:
        row = next(r for r in section["seeds"]["per_seed"] if r["seed"] == seed)
        where = (f"at its n_seq = 140 stop ({row['sequences']:,} sequences)" if row["solved"] else
                 f"at the cap ({section['headline']['cap']:,} sequences, no stop)")
        return {"W": np.array(row["weights_140"]["W"]), "V": np.array(row["weights_140"]["V"])}, mp.T_PAPER, where
    config = mp.PaperConfig(T=30, max_sequences=600, recent=200, every=100)
    trial = mp.train_bank(config, [seed], label="quick net: sequences")["trials"][0]
    return {k: np.array(v) for k, v in trial["weights_140"].items()}, 30, "after 600 sequences (--quick, T = 30)"


def trace(weights: dict, data: mp.Sequences, rows) -> dict:
    """Run a net over test sequences ``rows``: cell states (K, L, 4), gates (K, L, 4: in1, in2, out1,
    out2), the output at each sequence's end (K,)."""
    net = mp.paper_net([0])
    net.W[0], net.V[0] = weights["W"], weights["V"]
    rows = np.asarray(rows)
    episode = mp.episode_of([data], rows)
    net.start(len(rows), learn=False)
    out = net.sequence(episode.inputs)
    return {"s": net.cache["s"][:, 0].transpose(1, 0, 2), "gates": net.cache["gates"][:, 0].transpose(1, 0, 2),
            "end": mp.end_outputs(out, episode.lengths)[0], "lengths": episode.lengths[0], "x": episode.inputs[0]}


def outputs(weights: dict, data: mp.Sequences) -> np.ndarray:
    net = mp.paper_net([0])
    net.W[0], net.V[0] = weights["W"], weights["V"]
    episode = mp.episode_of([data], np.arange(len(data)))
    return mp.end_outputs(mp.evaluate(net, np.arange(1), episode), episode.lengths)[0]


def cell_state_figure(weights, data, where, seed, out):
    index = int(np.argmax((data.marked[:, 1] - data.marked[:, 0]) >= 40))     # a sequence with a long lag
    t = trace(weights, data, [index])
    L = int(t["lengths"][0])
    x1, x2 = data.marked[index]
    fig, axes = plt.subplots(3, 1, figsize=(10, 8), sharex=True)
    steps = np.arange(L)
    axes[0].plot(steps, t["x"][0, :L, 0], color="0.6", lw=0.8, label="value")
    axes[0].step(steps, t["x"][0, :L, 1], where="mid", color="k", lw=1.0, label="marker")
    for pos, name in ((x1, "X1"), (x2, "X2")):
        axes[0].annotate(f"{name} = {data.x[index, pos, 0]:.2f}", (pos, 1.0), xytext=(pos + 1, 1.15), fontsize=9)
    axes[0].set_ylim(-1.2, 1.4)
    axes[0].set_ylabel("input")
    axes[0].legend(loc="lower right", fontsize=8)
    for c in range(4):
        axes[1].plot(steps, t["s"][0, :L, c], label=f"cell {c + 1} (block {c // 2 + 1})")
    axes[1].set_ylabel("cell state $s_c(t)$")
    axes[1].legend(fontsize=8, ncol=4)
    names = ["input gate 1", "input gate 2", "output gate 1", "output gate 2"]
    for g in range(4):
        axes[2].plot(steps, t["gates"][0, :L, g], label=names[g], ls="-" if g < 2 else "--")
    axes[2].set_ylabel("gate activation")
    axes[2].set_xlabel("time step")
    axes[2].legend(fontsize=8, ncol=4)
    for ax in axes:
        for pos in (x1, x2):
            ax.axvline(pos, color="r", lw=0.6, alpha=0.6)
    target = data.target[index, 0]
    fig.suptitle(f"Seed {seed}, the paper's LSTM {where}: one test sequence (lag {x2 - x1} steps from X1 to X2, "
                 f"{L - 1 - x2} from X2 to the end)\noutput {t['end'][0]:.3f}, target X1 X2 = {target:.3f}", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "cell_states.png")
    plt.close(fig)


def heatmap_figure(weights, data, where, seed, out, n=60):
    rows = np.argsort(data.target[:n * 4, 0])[::4][:n]                      # n sequences, sorted by target
    t = trace(weights, data, rows)
    L = int(t["lengths"].min())
    fig, axes = plt.subplots(1, 4, figsize=(15, 5.5), sharey=True)
    for c, ax in enumerate(axes):
        limit = float(np.abs(t["s"][:, :L, c]).max()) or 1.0      # each cell on its own scale
        image = ax.imshow(t["s"][:, :L, c], aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                          interpolation="nearest")
        ax.scatter(data.marked[rows, 0], np.arange(n), s=14, c="k", marker="|", label="X1")
        ax.scatter(data.marked[rows, 1], np.arange(n), s=14, c="lime", marker="|", label="X2")
        ax.set_title(f"cell {c + 1} (block {c // 2 + 1})", fontsize=10)
        ax.set_xlabel("time step")
        fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02, label="cell state $s_c(t)$" if c == 3 else None)
    axes[0].set_ylabel(f"{n} test sequences, sorted by target X1 X2 (low at top)")
    axes[0].legend(loc="lower left", fontsize=7, markerscale=3)
    fig.suptitle(f"Seed {seed}, {where}: the cell states over the first {L} steps (marks: where X1 and X2 stand)",
                 fontsize=10)
    save_png(fig, out / "cell_state_heatmap.png")
    plt.close(fig)


def scatter_figure(weights, data, where, seed, out):
    y = outputs(weights, data)
    target = data.target[:, 0]
    wrong = ~(np.abs(y - target) < mp.THRESHOLD)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.scatter(target[~wrong], y[~wrong], s=3, c="C0", label=f"|error| < 0.04 ({int((~wrong).sum())})")
    ax.scatter(target[wrong], y[wrong], s=3, c="C3", label=f"wrong ({int(wrong.sum())} of {len(y)})")
    grid = np.linspace(0, 1, 2)
    ax.plot(grid, grid, "k-", lw=0.8)
    ax.fill_between(grid, grid - mp.THRESHOLD, grid + mp.THRESHOLD, color="0.8", alpha=0.5, label="±0.04")
    ax.set_xlabel("target X1 X2")
    ax.set_ylabel("output at the sequence end")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"Seed {seed}, {where}:\nthe 2560 test sequences, MSE {np.mean((y - target) ** 2):.4g}", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "scatter.png")
    plt.close(fig)


def curves_figure(record, out):
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    section = (record or {}).get(SECTION)
    if section:
        curve = section["curve"]
        seen = np.array(curve["seen"])
        wrong = np.array(curve["window_wrong"])
        mse = np.array(curve["window_mse"])
        for p, row in enumerate(section["seeds"]["per_seed"]):
            label = "paper's LSTM, one line a trial (cap 600,000)" if p == 0 else None
            axes[0].plot(seen, wrong[:, p], color="C1", lw=0.8, alpha=0.8, label=label)
            axes[1].plot(seen, mse[:, p], color="C1", lw=0.8, alpha=0.8, label=label)
            if row["solved"]:
                axes[0].plot(row["sequences"], 139, "kv", ms=5)
    for name, label, colour in SETUPS:
        part = (record or {}) if name is None else (record or {}).get(name)
        if not part or "curve" not in part:
            continue
        seen = np.array(part["curve"]["seen"])
        cap = (part.get("headline") or {}).get("cap")
        label = label if cap is None else f"{label}, cap {cap:,}"
        axes[0].plot(seen, np.median(np.array(part["curve"]["window_wrong"]), axis=1), color=colour, lw=1.5,
                     label=label + " (median)")
        axes[1].plot(seen, np.median(np.array(part["curve"]["window_mse"]), axis=1), color=colour, lw=1.5,
                     label=label + " (median)")
    for k in mp.N_SEQ:
        axes[0].axhline(k, color="k", ls=":", lw=0.8)
        axes[0].text(0, k * 1.08, f"n_seq = {k}", fontsize=8)
    axes[0].axvline(mp.PAPER[140]["sequences"], color="k", ls="--", lw=0.8)
    axes[0].text(mp.PAPER[140]["sequences"], 700, " Table 8:\n 482,000", fontsize=8)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("wrong (|error| >= 0.04) of the 2000 most recent")
    axes[1].axhline(mp.CHANCE, color="k", ls=":", lw=0.8)
    axes[1].text(0, mp.CHANCE * 1.05, "answering the mean", fontsize=8)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("MSE of the 2000 most recent")
    for ax in axes:
        ax.set_xlabel("training sequences")
    axes[0].legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 0.07))
    axes[1].legend(fontsize=7, loc="center left")
    fig.suptitle("Learning curves on the training stream (the stopping rule's window); triangles: a trial's "
                 "n_seq = 140 stop", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")
    plt.close(fig)


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = load_record()
    weights, T, where = nets_of(record, args.quick, args.seed)
    data = mp.test_sets([args.seed], T)[0]
    cell_state_figure(weights, data, where, args.seed, out)
    heatmap_figure(weights, data, where, args.seed, out)
    scatter_figure(weights, data, where, args.seed, out)
    curves_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
