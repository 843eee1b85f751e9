"""Pictures for fast-weights-unknown-delay.

    python3 fast-weights-unknown-delay/visualize_fast_weights_unknown_delay.py      # writes viz/*.png

- viz/flipflop_learning.png: from the record: when each seed first meets the paper's criterion (both
  of the paper's interfaces), against the paper's 300 and 800 steps.
- viz/flipflop_mechanism.png: one seed's FROM/TO net trained on-line (rerun, about a second), then
  frozen on a stretch of the test stream: the events, the three fast weights, F's output against
  the target; and S's learned FROM and TO weights.
- viz/recall_mechanism.png: one seed's slow net trained on the stored-pattern task (p = 16, 3 stored;
  rerun, a few seconds): the fast matrix after the stores, at the end of the distractors, the reads
  against the stored patterns, and |W| over the episode.
- viz/recall_delays.png: from the record: test bit accuracy against the delay K for every size and
  the gate ablation, and the baselines.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fast_weights_unknown_delay as fw  # noqa: E402
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402

PICTURE_TASK = fw.RecallTask(p=16, stored=3)
PICTURE_DELAY = 20


def train_flipflop(seed: int, steps: int):
    out = fw.online([seed], fw.FROMTO, steps)
    return out["theta"][0], int(out["solve_step"][0])


def train_recall(seed: int, budget: int, task=PICTURE_TASK):
    out = fw.recall_train([seed], task, False, budget, fw.RECALL_LR)
    return {k: v[0] for k, v in out["params"].items()}, int(out["solve"][0])


def recall_trace(params: dict, task: fw.RecallTask, delay: int = PICTURE_DELAY, seed: int = 7) -> dict:
    """One test episode written step by step: the fast matrix after every step, reads, inputs."""
    data = fw.recall_episodes(np.random.default_rng([fw.TEST_STREAM, seed]), task, 1, delay=delay)
    x = data["x"][0]
    keys, values, queries = x @ params["Wk"].T, x @ params["Wv"].T, x @ params["Wq"].T
    W = np.zeros((task.p, fw.D_KEY))
    mats, reads = [], []
    for t in range(len(x)):
        W = W + np.outer(values[t], keys[t])
        mats.append(W.copy())
        reads.append(W @ queries[t])
    return {"x": x, "mats": np.array(mats), "reads": np.array(reads), "target": data["target"][0],
            "mask": data["mask"][0], "keys": keys, "values": values, "queries": queries}


def flipflop_learning(record: dict, out: Path):
    rows = record["seeds"]["per_seed"]
    budget = max(r for row in record["tables"][1]["rows"] for r in [row[1]])
    fig, ax = plt.subplots(figsize=(7.2, 4))
    for key, label, paper, color in (("direct_solve_step", "eq. 4, one S output per fast weight (eta 1.0)", 300, "C0"),
                                     ("solve_step", "FROM/TO, eq. 5 (eta 0.5)", 800, "C1")):
        steps = np.sort([r[key] for r in rows if r[key] is not None])
        share = np.arange(1, len(steps) + 1) / len(rows)
        ax.step(np.concatenate([[1], steps, [budget]]), np.concatenate([[0], share, [share[-1] if len(share) else 0]]),
                where="post", color=color, label=label)
        ax.axvline(paper, color=color, ls="--", lw=1)
        ax.text(paper * 1.05, 0.95, f"paper: {paper}", color=color, fontsize=8, va="top")
    ax.set_xscale("log")
    ax.set_xlim(50, budget)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("on-line time step")
    ax.set_ylabel(f"share of the {len(rows)} seeds that met the criterion")
    ax.set_title("Sec. 3.1 flip-flop: E <= 0.05 for 100 steps in a row, first reached")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    save_png(fig, out / "flipflop_learning.png")


def flipflop_mechanism(seed: int, steps: int, out: Path):
    theta, solve = train_flipflop(seed, steps)
    stream = fw.test_stream(60)
    rep = fw.replay(theta[None], stream, fw.FROMTO)
    events = stream["event"][1:]
    fast = rep["fast"][:, 0, 0, :]                      # (t, 3): w on F's A, B, C lines
    fig = plt.figure(figsize=(11, 5.6))
    ax = fig.add_axes([0.06, 0.72, 0.62, 0.2])
    colors = ["C0", "C3", "0.6"]
    t = np.arange(1, len(events) + 1)
    for e, name in enumerate("ABC"):
        sel = events == e
        ax.scatter(t[sel], np.full(sel.sum(), 0), marker=f"${name}$", s=60, color=colors[e])
    ax.set_yticks([])
    ax.set_xlim(0, len(t) + 1)
    ax.set_xticklabels([])
    ax.set_title(f"seed {seed}, FROM/TO net after {steps} on-line steps (criterion first met at step {solve}), frozen "
                 "on the test stream", fontsize=9)
    ax.set_ylabel("event")
    ax = fig.add_axes([0.06, 0.40, 0.62, 0.28])
    for a, name in enumerate("ABC"):
        ax.plot(t, fast[:, a], color=colors[a], lw=1.5, label=f"fast weight on F's {name} line")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 1.18), ncol=3, frameon=False)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(0, len(t) + 1)
    ax.set_xticklabels([])
    ax.set_ylabel("w(t-1), read at t")
    ax = fig.add_axes([0.06, 0.10, 0.62, 0.26])
    ax.plot(t, stream["d"][1:, 0], color="k", lw=2.5, alpha=0.35, label="target (first B after an A)")
    ax.plot(t, rep["y"][:, 0, 0], color="C2", lw=1.2, label="F's output")
    ax.set_xlim(0, len(t) + 1)
    ax.set_xlabel("test time step")
    ax.set_ylabel("output")
    ax.legend(fontsize=7, loc="upper right")
    n = fw.N_IN
    Wf = theta[:n * n].reshape(n, n)
    Wt = theta[n * n:(n + 1) * n].reshape(1, n)
    ax = fig.add_axes([0.76, 0.45, 0.2, 0.42])
    lim = max(np.abs(theta).max(), 1e-3)
    im = ax.imshow(Wf, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks(range(3), ["A", "B", "C"])
    ax.set_yticks(range(3), ["FROM_A", "FROM_B", "FROM_C"])
    ax.set_xlabel("S's input")
    ax.set_title("S's weights", fontsize=9)
    ax = fig.add_axes([0.76, 0.22, 0.2, 0.14])
    ax.imshow(Wt, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks(range(3), ["A", "B", "C"])
    ax.set_yticks([0], ["TO"])
    fig.colorbar(im, ax=fig.axes[-2:], fraction=0.05, pad=0.04, label="weight")
    save_png(fig, out / "flipflop_mechanism.png")


def recall_mechanism(seed: int, budget: int, out: Path):
    task = PICTURE_TASK
    params, solve = train_recall(seed, budget, task)
    tr = recall_trace(params, task)
    n, p = task.stored, task.p
    end_dist = n + PICTURE_DELAY - 1
    fig = plt.figure(figsize=(12, 5.8))
    lim = max(np.abs(tr["mats"]).max(), 1e-3)
    for i, (step, title) in enumerate(((n - 1, f"after the {n} stores\n(step {n - 1})"),
                                       (end_dist, f"after {PICTURE_DELAY} distractors\n(step {end_dist})"))):
        ax = fig.add_axes([0.05 + 0.17 * i, 0.44, 0.14, 0.44])
        im = ax.imshow(tr["mats"][step], cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_title(f"fast matrix W {title}", fontsize=8)
        ax.set_xlabel("FROM (key) unit", fontsize=8)
        if i == 0:
            ax.set_ylabel("TO (value) unit = pattern bit", fontsize=8)
    fig.colorbar(im, cax=fig.add_axes([0.37, 0.44, 0.008, 0.44]), label="fast weight")
    ax = fig.add_axes([0.52, 0.44, 0.38, 0.44])
    rec = np.flatnonzero(tr["mask"])
    stack = np.concatenate([tr["target"][rec], tr["reads"][rec]], axis=0)
    im = ax.imshow(stack, cmap="RdBu_r", vmin=-1.5, vmax=1.5, aspect="auto")
    ax.set_yticks(range(2 * n), [f"stored, slot {np.argmax(tr['x'][t, p + 2:])}" for t in rec]
                  + [f"read, cue slot {np.argmax(tr['x'][t, p + 2:])}" for t in rec], fontsize=7)
    ax.axhline(n - 0.5, color="k")
    ax.set_xlabel("pattern bit", fontsize=8)
    ax.set_title(f"recall after K = {PICTURE_DELAY}: stored patterns (top), F's reads (bottom)", fontsize=9)
    fig.colorbar(im, cax=fig.add_axes([0.91, 0.44, 0.008, 0.44]), label="value")
    ax = fig.add_axes([0.05, 0.08, 0.9, 0.22])
    norms = np.linalg.norm(tr["mats"], axis=(1, 2))
    steps = np.arange(len(norms))
    ax.plot(steps, norms, "-o", ms=3, color="C0", label="|W| (Frobenius)")
    ax.axvspan(-0.5, n - 0.5, color="C2", alpha=0.2, label="store steps")
    ax.axvspan(n - 0.5, n + PICTURE_DELAY - 0.5, color="0.8", alpha=0.4, label="distractors")
    ax.axvspan(n + PICTURE_DELAY - 0.5, len(norms) - 0.5, color="C3", alpha=0.2, label="recall cues")
    ax.set_xlabel("step of the episode")
    ax.set_ylabel("|W|")
    ax.set_xlim(-0.5, len(norms) - 0.5)
    ax.legend(fontsize=7, ncol=4, loc="lower right")
    ax.set_title(f"seed {seed}, p = {p}, {n} stored, ungated sum-rule writes, after {budget} on-line presentations "
                 f"(criterion met at {solve})", fontsize=9)
    save_png(fig, out / "recall_mechanism.png")


def recall_delays(record: dict, out: Path):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    table = record["recall"]["tables"][0]
    cols = table["columns"]
    first = cols.index(f"bit accuracy, K = {fw.TEST_DELAYS[0]}")
    for row in table["rows"]:
        ls = "--" if row[2] == "yes" else "-"
        axes[0].plot(fw.TEST_DELAYS, row[first:], ls, marker="o", ms=3,
                     label=f"p = {row[0]}, {row[1]} stored{', gated' if row[2] == 'yes' else ''}")
    axes[0].axvspan(5, 30, color="0.85", alpha=0.5, label="training delays")
    axes[0].set_xlabel("delay K at test")
    axes[0].set_ylabel("mean test bit accuracy over seeds")
    axes[0].set_title("fast weights (ours), every size", fontsize=9)
    axes[0].legend(fontsize=7)
    for name in ("lstm", "odyssnet"):
        if name not in record:
            continue
        t = record[name]["tables"][0]
        first_b = t["columns"].index(f"bit accuracy, K = {fw.TEST_DELAYS[0]}")
        for row in t["rows"]:
            if name == "odyssnet" and row[0].startswith("fast weights"):
                continue
            axes[1].plot(fw.TEST_DELAYS, row[first_b:], marker="o", ms=3, label=row[0])
    axes[1].axvspan(5, 30, color="0.85", alpha=0.5)
    axes[1].axhline(0.5, color="k", lw=0.8, ls=":")
    axes[1].set_xlabel("delay K at test")
    axes[1].set_title("p = 16, 1 stored, the same number of episodes", fontsize=9)
    axes[1].legend(fontsize=7)
    for ax in axes:
        ax.set_ylim(0.4, 1.02)
        ax.grid(alpha=0.3)
    save_png(fig, out / "recall_delays.png")


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = recorded(fw.__file__)
    if record and "seeds" in record:
        flipflop_learning(record, out)
    if record and "recall" in record:
        recall_delays(record, out)
    flipflop_mechanism(args.seed, 1500 if args.quick else 5000, out)
    recall_mechanism(args.seed, 200 if args.quick else 2000, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
