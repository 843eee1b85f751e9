"""Static figures for fast-weights-key-value.

    python3 fast-weights-key-value/visualize_fast_weights_key_value.py      # writes viz/*.png

The paper's experiment (Sec. 3.2): the learning figures draw the recorded sweep in results.json;
the mechanism figure reruns one seed on-line (a few seconds) and replays its frozen net at two
moments. The key-value extension: seed 0's slow nets (sum and delta rule, plain and rebinding
episodes) are trained once for the curves, weights, key geometry and retrievals; the setup,
capacity, rebinding and OdyssNet bars draw the recorded sections.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import fast_weights_key_value as fw
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
RULE_COLOURS = {"sum": "C0", "delta": "C1"}
SLOT_NAMES = ["P1", "P2", "P3"]
INPUT_NAMES = ["I1", "I2", "I3", "D1", "D2", "D3"]


# ----------------------------------------------------------------------------------------
# The paper's experiment
# ----------------------------------------------------------------------------------------


def mechanism_seed(record: dict) -> int:
    """The lowest recorded seed whose net has learned the binding by the end of its run (0 if none)."""
    rows = (record.get("seeds") or {}).get("per_seed") or []
    return next((r["seed"] for r in rows if r.get("binds_at_end")), 0)


def parking_learning(record: dict, out: Path) -> None:
    rows = record["seeds"]["per_seed"]
    table = next(t for t in record["tables"] if t["title"].startswith("Sec. 3.2 over time"))
    cols, data = table["columns"], np.array([[np.nan if v is None else v for v in r] for r in table["rows"]], float)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    steps = np.sort([r["solve_step"] for r in rows if r["solved"]])
    n = len(rows)
    ax = axes[0]
    ax.step(np.concatenate([[0], steps]), np.arange(len(steps) + 1) / n, where="post", color="C0",
            label=f"met the paper's criterion (E <= 0.05 for 100 steps in a row), {n} seeds")
    ax.axvline(fw.PAPER_STEPS, color="C3", ls="--", lw=1)
    ax.text(fw.PAPER_STEPS, 0.96, " paper: within 6000", color="C3", fontsize=8, va="top")
    ax.set_xscale("log")
    ax.set_xlim(500, fw.BUDGET)
    ax.set_ylim(0, 1)
    ax.set_xlabel("on-line time step")
    ax.set_ylabel("share of seeds")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, 0.9))
    ax.set_title("When the paper's criterion is first met (recorded sweep)", fontsize=9)
    ax = axes[1]
    step = data[:, 0]
    for name, colour, label in (("share that met the paper's criterion by then", "C0", "met the criterion by then"),
                                ("share of frozen nets answering >= 99% of test queries", "C2",
                                 "frozen net answers >= 99% of test queries"),
                                ("share of frozen nets binding on >= 99% of parked test steps", "k",
                                 "frozen net shows the binding (>= 99% of parked steps)"),
                                ("median frozen test accuracy", "C1", "median frozen test accuracy")):
        ax.plot(step, data[:, cols.index(name)], marker="o", ms=3, color=colour, label=label,
                ls="--" if colour == "C1" else "-")
    ax.axvline(fw.PAPER_STEPS, color="C3", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("on-line time step (S frozen at this step, scored on the shared test stream)")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Meeting the criterion is not having learned the task", fontsize=9)
    fig.suptitle("Sec. 3.2 parking lot, the paper's protocol on-line (T = 10, eta = 0.02, S in [-0.1, 0.1])",
                 fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "parking_learning.png")


def parking_run(seed: int, quick: bool) -> dict:
    steps = 7000 if quick else fw.BUDGET
    run = fw.online([seed], fw.PAPER_TASK, fw.PAPER_LEARNER, steps, checkpoints=[steps])
    return {"seed": seed, "steps": steps, "W_end": run["W"][0], "W_solve": run["W_at_solve"][0],
            "solve_step": int(run["solve_step"][0])}


def excerpt_panel(fig, grid, row, W, stream, title, start=200, length=60, last=True):
    """Events, fast weights and F's answers of a frozen net over a stretch of the test stream."""
    done = fw.replay(W[None], stream, fw.PAPER_LEARNER)
    t = np.arange(start, start + length)
    x, q = stream["x"][t + 1], stream["q"][t + 1]
    fast = done["fast"][t, 0]
    ax = fig.add_subplot(grid[row * 3, 0])
    im = ax.imshow(np.vstack([x.T, q[None]]), aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(range(7), INPUT_NAMES + ["query"], fontsize=6)
    ax.set_xticks([])
    ax.set_title(title, fontsize=8, loc="left")
    fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01).set_label("input", fontsize=7)
    ax = fig.add_subplot(grid[row * 3 + 1, 0])
    im = ax.imshow(fast.T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    slot = stream["slot"][t + 1]
    parked = stream["parked"][t + 1]
    ax.scatter(np.flatnonzero(parked), slot[parked], marker=".", s=8, color="w", label="car parked here")
    ax.set_yticks(range(3), [f"w {s}" for s in SLOT_NAMES], fontsize=6)
    ax.set_xticks([])
    ax.legend(fontsize=6, loc="upper right", framealpha=0.5)
    fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01).set_label("w", fontsize=7)
    ax = fig.add_subplot(grid[row * 3 + 2, 0])
    E = done["E"][t, 0]
    asked = q > 0
    colours = np.where(E[asked] <= 0.05, "C2", "C3")
    ax.bar(np.flatnonzero(asked), E[asked], color=colours, width=0.8)
    ax.scatter(np.flatnonzero(asked), E[asked], color=colours, s=9, zorder=3)
    ax.axhline(0.05, color="0.3", lw=0.6, ls=":")
    ax.set_xlim(-0.5, length - 0.5)
    ax.set_ylim(-0.03, 1.05)
    ax.set_ylabel("E at queries", fontsize=6)
    if last:
        ax.set_xlabel(f"test-stream step (from {start})", fontsize=7)
    ax.tick_params(labelsize=6)
    return done


def weights_panel(fig, cell, W, title):
    ax = fig.add_subplot(cell)
    limit = max(1.0, float(np.abs(W).max()))
    im = ax.imshow(W, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (i, j), v in np.ndenumerate(W):
        ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(W.shape[1]), INPUT_NAMES[:W.shape[1]], fontsize=6)
    ax.set_yticks(range(3), [f"row {s}" for s in SLOT_NAMES], fontsize=6)
    ax.set_title(title, fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.046, label="weight")


def parking_mechanism(run: dict, out: Path) -> None:
    stream = fw.test_stream(fw.PAPER_TASK, 400)
    fig = plt.figure(figsize=(12, 7.4))
    grid = fig.add_gridspec(6, 2, width_ratios=[3.2, 1], height_ratios=[1.2, 0.8, 0.8] * 2, hspace=0.6,
                            left=0.06, right=0.93, top=0.9, bottom=0.07, wspace=0.2)
    moments = []
    if run["solve_step"] > 0:
        moments.append((run["W_solve"], f"S frozen when the paper's criterion was first met (step {run['solve_step']})"))
    moments.append((run["W_end"], f"S frozen after {run['steps']} on-line steps"))
    for row, (W, title) in enumerate(moments):
        excerpt_panel(fig, grid, row, W, stream, f"seed {run['seed']}: {title}", last=row == len(moments) - 1)
        scores = fw.frozen_scores(W[None], stream, fw.PAPER_LEARNER)
        weights_panel(fig, grid[row * 3:row * 3 + 3, 1], W,
                      f"S's weights\ntest accuracy {scores['accuracy'][0]:.2f}, binding {scores['binding'][0]:.2f}")
    fig.suptitle("The binding (Sec. 3.2): a slot detector sets its fast weight and resets the others; "
                 "WHERE-IS-MY-CAR? reads them (green: E <= 0.05)", fontsize=10)
    save_png(fig, out / "parking_mechanism.png")


# ----------------------------------------------------------------------------------------
# The key-value extension
# ----------------------------------------------------------------------------------------


def train_headline(seed: int, quick: bool) -> dict:
    """Seed's slow nets for both rules at N = 5 (plain and rebinding episodes)."""
    task = fw.Task()
    recipe = fw.Recipe(steps=60 if quick else fw.Recipe.steps)
    out = {"task": task, "test": fw.test_set(task), "recipe": recipe}
    for rule in ("sum", "delta"):
        model = fw.Model(rule)
        params, curve, snaps = fw.train(seed, task, model, recipe, snapshot_at=[0])
        out[rule] = {"model": model, "before": snaps[0], "after": params, "curve": curve}
        rebind = replace(task, kind="rebind")
        out[f"rebind_{rule}"] = fw.train(seed, rebind, model, recipe)[0]
    out["rebind_test"] = fw.test_set(replace(task, kind="rebind"))
    return out


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    width = max(1, min(width, len(values)))
    return np.convolve(values, np.ones(width) / width, mode="valid")


def training_curves(run: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    width = 50
    for rule in ("sum", "delta"):
        curve = run[rule]["curve"]
        steps = curve[:, 0] + 1
        c = RULE_COLOURS[rule]
        axes[0].plot(steps, curve[:, 1], color=c, alpha=0.25, lw=0.6)
        axes[0].plot(steps[width - 1:], smooth(curve[:, 1], width), color=c, label=f"{rule} rule")
        axes[1].plot(steps, curve[:, 2], color=c, alpha=0.25, lw=0.6)
        axes[1].plot(steps[width - 1:], smooth(curve[:, 2], width), color=c, label=f"{rule} rule")
    for value, name in ((fw.CATALOG["untrained_mean"], "catalog, seeds 0-9, untrained"),
                        (fw.CATALOG["trained_mean"], "catalog, seeds 0-9, trained")):
        axes[1].axhline(value, color="0.4", ls="--", lw=0.8)
        axes[1].text(len(run["sum"]["curve"]), value, f" {name} {value}", va="bottom", ha="right", fontsize=7)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("loss 0.5 ||y - v||^2 (batch mean)")
    axes[1].set_ylabel("mean cosine(y, v) in the batch")
    for ax in axes:
        ax.set_xlabel("training step (32 fresh episodes each)")
        ax.legend(fontsize=8)
    fig.suptitle(f"Key-value extension: training the slow net, N = {run['task'].n_pairs} pairs, seed 0 "
                 f"(light: every step; dark: mean of {width})", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def slow_weights(run: dict, out: Path) -> None:
    """The three slow maps before and after training (sum rule)."""
    d = run["task"].d_key
    names = ["W_K", "W_V", "W_Q"]
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.4))
    for row, moment in enumerate(("before", "after")):
        params = run["sum"][moment]
        for col, name in enumerate(names):
            w = params[name]
            limit = np.abs(w).max()
            ax = axes[row, col]
            im = ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.axvline(d - 0.5, color="k", lw=0.8)
            ax.set_title(f"{name} {moment} training", fontsize=9)
            ax.set_xticks([d / 2 - 0.5, d + d / 2 - 0.5], ["raw key part", "raw value part"], fontsize=8)
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, fraction=0.04)
    fig.suptitle("Key-value extension, seed 0 (sum rule): rows = fast key / value / query units, "
                 "columns = slow-net input", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "slow_weights.png")


def key_geometry(run: dict, out: Path) -> None:
    """Cosines between the keys of one test episode, before and after training; how much of the
    bias direction survives in the trained key map."""
    test = run["test"]
    one = {k: v[:1] for k, v in test.items()}
    b = fw.bias_direction(run["task"].d_key)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1, 1, 1.2]})
    for ax, moment in zip(axes[:2], ("before", "after")):
        p = run["sum"][moment]
        k = one["x"][0] @ p["W_K"].T
        k = k / np.linalg.norm(k, axis=1, keepdims=True)
        im = ax.imshow(k @ k.T, cmap="RdBu_r", vmin=-1, vmax=1)
        for (i, j), v in np.ndenumerate(k @ k.T):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7)
        ax.set_title(f"cosines of the 5 fast keys W_K x_t,\n{moment} training (one test episode)", fontsize=9)
        ax.set_xticks(range(5))
        ax.set_yticks(range(5))
        fig.colorbar(im, ax=ax, fraction=0.045)
    gains = []
    for moment in ("before", "after"):
        wk = run["sum"][moment]["W_K"][:, : run["task"].d_key]
        gains.append([np.linalg.norm(wk @ b), np.median(np.linalg.svd(wk, compute_uv=False))])
    x = np.arange(2)
    axes[2].bar(x - 0.18, [g[0] for g in gains], 0.36, label="|W_K b|: gain on the shared bias direction")
    axes[2].bar(x + 0.18, [g[1] for g in gains], 0.36, label="median singular value of W_K (key part)")
    axes[2].set_xticks(x, ["before", "after"])
    axes[2].legend(fontsize=7)
    axes[2].set_title("what the key map learned: suppress b", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "key_geometry.png")


def retrievals(run: dict, out: Path) -> None:
    """Distribution of retrieval cosines on the test set; one episode's retrieval."""
    test = run["test"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.3, 1]})
    bins = np.linspace(-1, 1, 41)
    for label, rule, moment, colour in (("untrained pass-through", "sum", "before", "0.6"),
                                        ("sum rule, trained", "sum", "after", "C0"),
                                        ("delta rule, trained", "delta", "after", "C1")):
        y, _ = fw.forward(run[rule][moment], test, run[rule]["model"])
        cos = fw.cosines(y, test["target"])
        axes[0].hist(cos, bins=bins, histtype="step", lw=1.6, color=colour, label=f"{label}: mean {cos.mean():.3f}")
    axes[0].set_xlabel(f"cosine(y, v) over {len(test['target'])} test episodes (seed 0)")
    axes[0].set_ylabel("episodes")
    axes[0].legend(fontsize=7, loc="upper left")
    one = {k: v[:1] for k, v in test.items()}
    width = 0.2
    d = np.arange(run["task"].d_val)
    axes[1].bar(d - 1.5 * width, one["target"][0], width, color="k", label="target value")
    for i, (label, rule, moment, colour) in enumerate((("untrained", "sum", "before", "0.6"),
                                                       ("sum, trained", "sum", "after", "C0"),
                                                       ("delta, trained", "delta", "after", "C1"))):
        y = fw.forward(run[rule][moment], one, run[rule]["model"])[0][0]
        cos = fw.cosines(y[None], one["target"])[0]
        axes[1].bar(d + (i - 0.5) * width, y, width, color=colour, label=f"{label} (cos {cos:.2f})")
    axes[1].set_xlabel("value component")
    axes[1].set_title("test episode 0: read-out y = W_fast q", fontsize=9)
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "retrieval.png")


def rebind_figure(run: dict, section: dict, out: Path) -> None:
    """The recorded rebinding table as bars, and one rebinding episode's read-outs (seed 0)."""
    table = section["tables"][0]
    cols = table["columns"]
    rows = [r for r in table["rows"] if r[cols.index("cosine with the older value")] is not None
            and r[cols.index("min over seeds")] is not None]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9), gridspec_kw={"width_ratios": [1.1, 1]})
    y = np.arange(len(rows))
    ax = axes[0]
    ax.barh(y - 0.2, [r[cols.index("cosine with the newer value")] for r in rows], 0.4, color="C2",
            label="cosine with the newer value (the target)")
    ax.barh(y + 0.2, [r[cols.index("cosine with the older value")] for r in rows], 0.4, color="0.6",
            label="cosine with the older value")
    for i, r in enumerate(rows):
        ax.plot([r[cols.index("min over seeds")], r[cols.index("max over seeds")]], [i - 0.2] * 2, color="k", lw=1.5)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.axvline(1 / np.sqrt(2), color="C3", ls=":", lw=0.8)
    ax.text(1 / np.sqrt(2), -0.55, "1/sqrt 2", color="C3", fontsize=7, ha="center")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)
    ax.set_title(f"recorded: mean over seeds ({section['seeds']['per_seed'][0]['seed']}–"
                 f"{section['seeds']['per_seed'][-1]['seed']}; black: range)", fontsize=9)
    test = run["rebind_test"]
    one = {k: v[:1] for k, v in test.items()}
    d = np.arange(run["task"].d_val)
    width = 0.2
    ax = axes[1]
    ax.bar(d - 1.5 * width, one["target"][0], width, color="k", label="newer value (target)")
    ax.bar(d - 0.5 * width, one["older"][0], width, color="0.65", label="older value")
    for i, rule in enumerate(("sum", "delta")):
        yv = fw.forward(run[f"rebind_{rule}"], one, fw.Model(rule))[0][0]
        c_new = fw.cosines(yv[None], one["target"])[0]
        c_old = fw.cosines(yv[None], one["older"])[0]
        ax.bar(d + (i + 0.5) * width, yv, width, color=RULE_COLOURS[rule],
               label=f"{rule} rule read-out (cos new {c_new:.2f}, old {c_old:.2f})")
    ax.set_xlabel("value component")
    where = np.flatnonzero(np.all(one["keys"][0] == one["x_query"][0, :run["task"].d_key], axis=1)) + 1
    ax.set_title(f"test episode 0: the key written at steps {where[0]} and {where[1]} of 5 (seed 0)", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle("Rebinding a key: the delta rule overwrites, the sum rule blends (ours)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "rebind.png")


def setups_figure(section: dict, out: Path) -> None:
    table = section["tables"][0]
    cols = table["columns"]
    rows = [r for r in table["rows"] if not r[0].startswith("published catalog") and r[cols.index("cosine after")] is not None]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.6))
    ax.barh(y - 0.2, [r[cols.index("cosine before")] for r in rows], 0.4, color="0.7", label="before training")
    ax.barh(y + 0.2, [r[cols.index("cosine after")] for r in rows], 0.4, color="C0", label="after training")
    for i, r in enumerate(rows):
        ax.plot([r[cols.index("min after")], r[cols.index("max after")]], [i + 0.2] * 2, color="k", lw=1.5)
    for value, lo, hi, name in ((fw.CATALOG["untrained_mean"], *fw.CATALOG["untrained_range"], "catalog untrained"),
                                (fw.CATALOG["trained_mean"], *fw.CATALOG["trained_range"], "catalog trained")):
        ax.axvspan(lo, hi, color="C3", alpha=0.12)
        ax.axvline(value, color="C3", ls="--", lw=0.8)
        ax.text(value, -0.9, f"{name}\n(seeds 0–9, range shaded)", color="C3", fontsize=7, ha="center")
    ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("mean retrieval cosine on the test episodes (black: range over seeds)")
    ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Key-value extension: setups at N = 5 (recorded section 'keyvalue')", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "setups.png")


def capacity_figure(section: dict, out: Path) -> None:
    table = section["tables"][0]
    cols = table["columns"]
    rows = np.array([[float(v) for v in r] for r in table["rows"]])
    n = rows[:, 0]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for rule in ("sum", "delta"):
        c = RULE_COLOURS[rule]
        mean, std = rows[:, cols.index(f"{rule}, trained at N")], rows[:, cols.index(f"{rule}, std over seeds")]
        ax.errorbar(n, mean, yerr=std, color=c, marker="o", ms=4, capsize=2, label=f"{rule} rule, trained at N")
        ax.plot(n, rows[:, cols.index(f"{rule}, trained at 5")], color=c, ls="--", marker="x", ms=4,
                label=f"{rule} rule, trained at N = 5 only")
    ax.plot(n, rows[:, cols.index("untrained pass-through, sum")], color="0.5", ls=":", marker=".",
            label="untrained pass-through (sum)")
    ax.plot(n, rows[:, cols.index("bias projected out (I - b b^T), sum")], color="k", ls="-.", lw=0.9,
            label="hand-set key map I - b b^T, not trained (sum)")
    d_key = fw.CATALOG["d_key"]
    ax.axvline(d_key, color="0.3", lw=0.8)
    ax.text(d_key, 0.02, " N = d_key", fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_xticks(n, [str(int(v)) for v in n])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("stored pairs N")
    ax.set_ylabel("mean retrieval cosine")
    ax.legend(fontsize=7)
    ax.set_title("Key-value extension: capacity of the fast weight matrix (recorded section 'capacity')", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "capacity.png")


def odyssnet_figure(section: dict, out: Path) -> None:
    table = section["tables"][0]
    cols = table["columns"]
    rows = table["rows"]
    y = np.arange(len(rows))
    colours = ["C2" if r[0].startswith("OdyssNet") else "C0" for r in rows]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.6))
    ax.barh(y, [r[cols.index("cosine after")] for r in rows], color=colours)
    for i, r in enumerate(rows):
        ax.plot([r[cols.index("min after")], r[cols.index("max after")]], [i, i], color="k", lw=1.5)
        ax.text(max(r[cols.index("max after")], 0) + 0.015, i, f"{r[cols.index('cosine after')]:.3f}",
                va="center", fontsize=7)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(min(-0.05, min(r[cols.index("min after")] for r in rows) - 0.02), 1)
    ax.set_xlabel("mean retrieval cosine after training (black: range over seeds)")
    fig.suptitle("Same episodes, same budget: OdyssNet (green) against programmed fast weights (blue)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "odyssnet.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    if record.get("seeds") and "binds_at_end" in record["seeds"]["per_seed"][0]:
        parking_learning(record, out)
    parking_mechanism(parking_run(mechanism_seed(record), args.quick), out)
    run = train_headline(args.seed, args.quick)
    training_curves(run, out)
    slow_weights(run, out)
    key_geometry(run, out)
    retrievals(run, out)
    if "rebind" in record:
        rebind_figure(run, record["rebind"], out)
    if "keyvalue" in record:
        setups_figure(record["keyvalue"], out)
    if "capacity" in record:
        capacity_figure(record["capacity"], out)
    if "odyssnet" in record:
        odyssnet_figure(record["odyssnet"], out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
