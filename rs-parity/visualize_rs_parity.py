"""Static figures for rs-parity: the trials each search took, what removing the self-connections changes, the
net it found at work, the gradient learners.

    python3 rs-parity/visualize_rs_parity.py      # writes rs-parity/viz/*.png

The trial figures draw the recorded runs in results.json; the mechanism figure reruns the found net of seed 0
(its weights are in the record) on its training sequences.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import rs_parity as rs
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def rows_of(record: dict, key: str) -> list:
    part = record if key == "headline" else record.get(key, {})
    return (part.get("seeds") or {}).get("per_seed", [])


def trials(record: dict, out: Path) -> None:
    """Trials to the first accepted guess, per seed, for the paper's four settings, against its figures."""
    fig, axes = plt.subplots(1, 4, figsize=(16, 4.2))
    panels = [("headline", "A2 without self-connections"), ("a2-self", "A2 (with self-connections)"),
              ("a1", "A1, n = 1"), ("a1-noisy", "A1, n = 1, noisy inputs")]
    for ax, (key, title) in zip(axes, panels):
        rows = rows_of(record, key)
        if not rows:
            ax.set_title(f"{title}: not recorded", fontsize=10)
            continue
        order = sorted(rows, key=lambda r: r["trials"])
        values = np.array([r["trials"] for r in order])
        solved = np.array([r["solved"] for r in order])
        ranks = np.arange(1, len(values) + 1) / len(values)
        ax.step(values, ranks, where="post", color="C0", label=f"ours: {solved.sum()}/{len(values)} seeds solved")
        if (~solved).any():
            ax.scatter(values[~solved], ranks[~solved], marker="x", color="C3", label="budget ran out")
        ax.axvline(rs.PAPER_MEAN[key], color="C3", ls="--", lw=1.2, label=f"paper's mean {rs.PAPER_MEAN[key]:,}")
        ax.axvline(values.mean(), color="C0", ls=":", lw=1.2, label=f"our mean {values.mean():,.0f}")
        ax.axvline(np.median(values), color="C2", ls=":", lw=1.2, label=f"our median {np.median(values):,.0f}")
        grid = np.geomspace(1, max(values.max(), rs.PAPER_MEAN[key]) * 3, 200)
        ax.plot(grid, 1 - (1 - 1 / rs.PAPER_MEAN[key]) ** grid, color="gray", lw=1,
                label="geometric with the paper's mean")
        ax.set_xscale("log")
        ax.set_xlabel("trials to the first net right on all 100")
        ax.set_ylabel("share of seeds solved within")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Random weight guessing on parity, weights uniform in [-100, 100], sequences of 500-600 steps "
                 "(hidden units updated before the output)", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "trials.png")


def self_connections(record: dict, out: Path) -> None:
    """Per seed (the same training set): trials without against with the hidden units' self-connections."""
    head = {r["seed"]: r["trials"] for r in rows_of(record, "headline")}
    pairs = [(head[r["seed"]], r["trials"]) for r in rows_of(record, "a2-self") if r["seed"] in head]
    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    if pairs:
        a, b = np.array(pairs, float).T
        ax.scatter(b, a, color="C0", s=22, label=f"{len(pairs)} seeds")
        lim = (1, max(a.max(), b.max()) * 2)
        ax.plot(lim, lim, color="gray", lw=1, label="equal")
        ax.plot(lim, np.array(lim) / 11.2, color="C3", ls="--", lw=1, label="paper's ratio 250 / 2797")
        ax.set_xlim(*lim)
        ax.set_ylim(*lim)
        ratio = float(np.exp(np.mean(np.log(a / b))))
        ax.set_title(f"Self-connections cost trials: geometric-mean ratio {ratio:.3f}", fontsize=10)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("trials, A2 with self-connections")
    ax.set_ylabel("trials, A2 without self-connections")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "self_connections.png")


def unit_traces(weights: np.ndarray, x: np.ndarray, length: int) -> np.ndarray:
    """The headline net's 11 units over time on one sequence, layered update: (length, 11)."""
    arch = rs.net("a2-noself")
    w, u, b = (a[0] for a in arch.unpack(weights[None, :]))
    sig = lambda z: 0.5 + 0.5 * np.tanh(0.5 * z)
    state = np.zeros(11)
    out = []
    for t in range(length):
        h = sig(state @ w[:, :10] + x[t] * u[0, :10] + b[:10])
        o = sig(np.concatenate([h, state[10:]]) @ w[:, 10:] + x[t] * u[0, 10:] + b[10:])
        state = np.concatenate([h, o])
        out.append(state)
    return np.array(out)


def found_net(record: dict, out: Path) -> None:
    """Seed 0's found net: its units on the first 40 steps of a training sequence, the truth table each unit
    computes from (x(t), o(t-1)), and its weights."""
    head = rows_of(record, "headline")
    if not head or not head[0]["weights"]:
        return
    weights = np.array(head[0]["weights"])
    arch = rs.net("a2-noself")
    x, n, cls = rs.sequences(np.random.default_rng([head[0]["seed"], 0]), rs.N_TRAIN)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), gridspec_kw={"width_ratios": [2.2, 1.2, 1.4]})
    steps = 40
    act = unit_traces(weights, x[0, :, 0], steps)
    parity = np.cumsum(x[0, :steps, 0] > 0) % 2
    ax = axes[0]
    im = ax.imshow(act.T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(range(11), [f"h{i}" for i in range(10)] + ["out"])
    ax.set_xlabel("time step (first 40 of a training sequence)")
    ax.set_title("unit activations; above: the input (+/-) and the running parity", fontsize=9)
    for t in range(steps):
        ax.text(t, -1.0, "+" if x[0, t, 0] > 0 else "-", ha="center", va="center", fontsize=7)
        ax.text(t, -2.0, str(parity[t]), ha="center", va="center", fontsize=7, color="C3")
    ax.text(-0.8, -1.0, "in", ha="right", va="center", fontsize=8)
    ax.text(-0.8, -2.0, "par", ha="right", va="center", fontsize=8, color="C3")
    ax.set_ylim(10.5, -2.6)
    fig.colorbar(im, ax=ax, label="activation")
    # the truth table: each unit's activation for the four (x(t), o(t-1)) combinations
    w, u, b = (a[0] for a in arch.unpack(weights[None, :]))
    sig = lambda z: 0.5 + 0.5 * np.tanh(0.5 * z)
    table = np.zeros((11, 4))
    combos = [(-1.0, 0.0), (-1.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    for j, (xt, op) in enumerate(combos):
        state = np.zeros(11)
        state[10] = op
        h = sig(state @ w[:, :10] + xt * u[0, :10] + b[:10])
        o = sig(np.concatenate([h, [op]]) @ w[:, 10:] + xt * u[0, 10:] + b[10:])
        table[:, j] = np.concatenate([h, o])
    ax = axes[1]
    im = ax.imshow(table, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(4), ["x=-1\no=0", "x=-1\no=1", "x=+1\no=0", "x=+1\no=1"], fontsize=8)
    ax.set_yticks(range(11), [f"h{i}" for i in range(10)] + ["out"])
    ax.set_title("each unit on (x(t), o(t-1)): out = XOR", fontsize=9)
    for i in range(11):
        for j in range(4):
            ax.text(j, i, f"{table[i, j]:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if table[i, j] < 0.5 else "black")
    fig.colorbar(im, ax=ax, label="activation")
    ax = axes[2]
    shown = np.zeros((11, 3))
    shown[:10, 0] = w[10, :10]          # output -> hidden
    shown[:10, 1] = u[0, :10]           # input -> hidden
    shown[:, 2] = b                     # biases
    shown[10, 0] = np.nan
    shown[10, 1] = u[0, 10]
    col = np.concatenate([w[:10, 10], [np.nan]])
    full = np.column_stack([shown, col])
    im = ax.imshow(full, aspect="auto", cmap="RdBu_r", vmin=-100, vmax=100)
    ax.set_xticks(range(4), ["from out", "from in", "bias", "to out"], fontsize=8)
    ax.set_yticks(range(11), [f"h{i}" for i in range(10)] + ["out"])
    ax.set_title(f"the 42 guessed weights (seed 0, trial {head[0]['trials']})", fontsize=9)
    fig.colorbar(im, ax=ax, label="weight")
    fig.suptitle("Seed 0's found net: hidden units read x(t) and o(t-1); the output reads x(t) and the new hidden "
                 "units, so one step computes o(t) = XOR(x(t) = +1, o(t-1))", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "found_net.png")


def gradients(record: dict, out: Path) -> None:
    """The gradient learners per epoch, one line per seed."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0))
    for ax, key, title in [(axes[0], "bptt", "BPTT + Adam on the headline net (42 weights)"),
                           (axes[1], "odyssnet", "OdyssNet core by BPTT")]:
        rows = rows_of(record, key)
        for r in rows:
            c = np.array(r["curve"], float)
            ax.plot(c[:, 0], c[:, 1], lw=1, alpha=0.8)
        ax.axhline(0.5, color="gray", ls=":", lw=1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch (100 training sequences)")
        ax.set_ylabel("training sequences within 0.1 of the target")
        ax.set_title(f"{title}: {sum(r['solved'] for r in rows)}/{len(rows)} solved" if rows else
                     f"{title}: not recorded", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "gradients.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    record = json.loads((HERE / "results.json").read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trials(record, out)
    self_connections(record, out)
    found_net(record, out)
    gradients(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
