"""Static figures for lstm-search-space-odyssey: learning curves, score distributions, learning-rate
sensitivity, and what the cells of V, NFG and NOAF do on a test stream.

    python3 lstm-search-space-odyssey/visualize_lstm_search_space_odyssey.py     # writes viz/*.png

The first three figures draw the recorded search in results.json, so they show exactly the figures
the README quotes. The last one retrains four trials of the recorded search exactly (the whole
population that held each, so the arithmetic is the same; about a minute): V and NFG at seed 0 and
NOAF's best and worst seed, each at its recorded best learning rate, and replays a fresh stream.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import lstm_search_space_odyssey as ody  # first: it pins BLAS to one thread, as in the recorded run

import matplotlib.pyplot as plt
import numpy as np

from shared.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
COLORS = {"V": "black", "NIG": "tab:cyan", "NFG": "tab:red", "NOG": "tab:olive", "NIAF": "tab:green",
          "NOAF": "tab:orange", "NP": "tab:blue", "CIFG": "tab:purple", "FGR": "tab:gray", "OdyssNet": "tab:brown"}
TASK_TITLES = {"stream": "continual sign task", "adding": "adding problem, T = 50 (control)"}


def load_record() -> dict:
    path = HERE / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def as_array(values) -> np.ndarray:
    """JSON lists (null for a diverged trial) -> float array (NaN)."""
    return np.array(values, dtype=float)


def searched(record: dict) -> dict:
    """Per task and learner: validation curves [lr, seed, point], test MSE [lr, seed], best lr index."""
    out = {}
    sources = [record.get("curves")]
    if "odyssnet" in record:
        sources.append(record["odyssnet"].get("curves"))
    for source in sources:
        if not source:
            continue
        for task, learners in source["tasks"].items():
            for name, entry in learners.items():
                val = as_array(entry["val_mse"])
                out.setdefault(task, {})[name] = {
                    "eval_at": entry["eval_at"], "curves": as_array(entry["val_curves"]),
                    "test": as_array(entry["test_mse"]), "best": ody.best_lr({"val": val}),
                    "lrs": source["lrs"]}
    return out


def ordered(learners: dict) -> list[str]:
    """Variants in the catalog's order, OdyssNet last."""
    return [n for n in [*ody.VARIANTS, "OdyssNet"] if n in learners]


def learning_curves(data: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, task in zip(axes, ("stream", "adding")):
        for name in ordered(data.get(task, {})):
            e = data[task][name]
            curves = np.where(np.isfinite(e["curves"][e["best"]]), e["curves"][e["best"]], np.nan)
            x = e["eval_at"]
            bold = name in ("V", "NFG", "NOAF")
            ax.plot(x, np.nanmean(curves, axis=0), color=COLORS[name], lw=2.2 if bold else 1.2,
                    ls="--" if name == "OdyssNet" else "-", label=f"{name} (lr {e['lrs'][e['best']]:.2g})")
            ax.fill_between(x, np.nanmin(curves, axis=0), np.nanmax(curves, axis=0), color=COLORS[name],
                            alpha=0.12 if bold else 0.05, lw=0)
        ax.set_yscale("log")
        ax.set_xlabel("training batches")
        ax.set_ylabel("validation MSE")
        ax.set_title(f"{TASK_TITLES[task]}\neach variant at its best learning rate: mean and range over seeds",
                     fontsize=10)
        ax.legend(fontsize=7, ncol=2, loc="upper right")
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def score_distribution(data: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for ax, task in zip(axes, ("stream", "adding")):
        learners = data.get(task, {})
        names = sorted(ordered(learners), key=lambda n: np.nanmean(ody.finite_or_inf(learners[n]["test"]
                                                                                   [learners[n]["best"]])))
        lrs = next(iter(learners.values()))["lrs"] if learners else []
        cmap = plt.get_cmap("viridis")
        for i, name in enumerate(names):
            e = learners[name]
            test = e["test"]
            finite = test[np.isfinite(test)]
            ax.boxplot([finite], positions=[i], widths=0.6, showfliers=False,
                       medianprops={"color": COLORS[name]}, boxprops={"color": "0.6"},
                       whiskerprops={"color": "0.6"}, capprops={"color": "0.6"})
            for a in range(test.shape[0]):
                jitter = np.linspace(-0.18, 0.18, test.shape[1])
                y = np.where(np.isfinite(test[a]), test[a], np.nan)
                ax.scatter(i + jitter + (a - 2) * 0.02, y, s=22 if a == e["best"] else 9,
                           color=cmap(a / max(1, len(lrs) - 1)), edgecolors="black" if a == e["best"] else "none",
                           linewidths=0.8, zorder=3)
        ax.set_xticks(range(len(names)), names)
        ax.set_yscale("log")
        ax.set_ylabel("test MSE of every trial")
        ax.set_title(f"{TASK_TITLES[task]}: all {test.size} trials per variant\ncolour: learning rate (dark = low, "
                     f"light = high); outlined: the seeds at the best one", fontsize=10)
        for tick, name in zip(ax.get_xticklabels(), names):
            tick.set_color(COLORS[name] if name != "V" else "black")
    fig.tight_layout()
    save_png(fig, out / "score_distribution.png")


def lr_sensitivity(data: dict, record: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), gridspec_kw={"width_ratios": [1, 1, 0.7]})
    for ax, task in zip(axes, ("stream", "adding")):
        for name in ordered(data.get(task, {})):
            e = data[task][name]
            mean = np.exp(np.nanmean(np.log(np.where(np.isfinite(e["test"]), e["test"], np.nan)), axis=1))
            bold = name in ("V", "NFG", "NOAF")
            ax.plot(e["lrs"], mean, "o-" if name != "OdyssNet" else "s--", color=COLORS[name],
                    lw=2 if bold else 1, ms=4, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("test MSE (geometric mean over seeds)")
        ax.set_title(TASK_TITLES[task], fontsize=10)
        ax.legend(fontsize=7, ncol=2)
    table = next((t for t in record.get("tables", []) if t["title"].startswith("Shares of the variance")), None)
    ax = axes[2]
    if table:
        colors = {"learning rate": "tab:blue", "variant": "tab:red", "learning rate x variant": "tab:purple",
                  "seed": "0.7"}
        labels, positions = [], []
        for i, row in enumerate(table["rows"]):
            across = dict(zip(["learning rate", "variant", "learning rate x variant", "seed"], row[1:5]))
            within = {"learning rate": row[5], "seed": 1 - row[5]}
            for j, (kind, parts) in enumerate((("across\nvariants", across), ("within a\nvariant", within))):
                x = 2.6 * i + j
                bottom = 0.0
                for part, value in parts.items():
                    ax.bar(x, value, bottom=bottom, color=colors[part], width=0.8,
                           label=part if (i, j) == (0, 0) else None)
                    bottom += value
                positions.append(x)
                labels.append(f"{row[0]}\n{kind}")
        ax.set_xticks(positions, labels, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of the variance of log10 test MSE")
        ax.set_title("where the variance comes from", fontsize=10)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    fig.tight_layout()
    save_png(fig, out / "lr_sensitivity.png")


def recorded_trial(record: dict, variant: str, seed: int, quick: bool, snapshot_every: int = 0):
    """Retrain one trial of the recorded continual-task search at the variant's recorded best learning rate.

    The whole population that held the trial is retrained (same job, same arithmetic), so the
    trial comes out bit for bit as recorded. With quick, a 20-batch single trial instead.
    Returns (learning rate, final weights, [(batch, weights)], test MSE).
    """
    task = ody.TASKS["stream"]
    curves = record.get("curves")
    entry = searched(record).get("stream", {}).get(variant)
    lr = entry["lrs"][entry["best"]] if entry else 0.03
    if quick or not curves:
        task = replace(task, steps=20, evals=1, hidden=4, val_length=50, val_size=8, test_size=8, test_length=100)
        job = ody.Job(task, variant, ((seed, lr),))
    else:
        job = next(j for j in ody.make_jobs([task], [variant], curves["lrs"], curves["seeds"])
                   if (seed, lr) in j.trials)
    result = ody.train_job(replace(job, snapshot_every=snapshot_every))
    j = job.trials.index((seed, lr))
    snapshots = [(step, members[j]) for step, members in result["snapshots"]]
    mse = float(result["test"]["mse"][j])
    if entry and not quick:
        print(f"  retrained {variant} seed {seed} at lr {lr:.4g}: test MSE {mse:.6g} "
              f"(recorded {entry['test'][entry['best'], curves['seeds'].index(seed)]:.6g})")
    return lr, result["weights"][j], snapshots, mse


def cell_states(record: dict, seed: int, quick: bool, out: Path) -> None:
    """V and NFG (seed `seed`) and NOAF's best and worst seed, each at its recorded best learning rate; the
    last 150 steps of a fresh 1000-step stream: target and output, and the eight cell states."""
    task = ody.TASKS["stream"]
    stream = ody.SignStream(np.random.default_rng([ody.DATA["stream"], 99]), 1, task.reset_p)
    inputs, targets, _ = stream.chunk(300 if quick else 1000)         # a fresh stream, from a zero state
    noaf = searched(record).get("stream", {}).get("NOAF")
    rows = [("V", seed), ("NFG", seed)]
    if noaf is not None:
        at_best = ody.finite_or_inf(noaf["test"][noaf["best"]])
        rows += [("NOAF", record["curves"]["seeds"][int(np.argmin(at_best))]),
                 ("NOAF", record["curves"]["seeds"][int(np.argmax(at_best))])]
    else:
        rows.append(("NOAF", seed))
    window = slice(inputs.shape[1] - 150, inputs.shape[1])
    fig, axes = plt.subplots(len(rows), 2, figsize=(13, 2.4 * len(rows) + 0.6), sharex=True)
    for row, (name, trial_seed) in enumerate(rows):
        lr, weights, _, mse = recorded_trial(record, name, trial_seed, quick)
        y, cache = ody.replay(name, weights, inputs)
        t = np.arange(window.start, window.stop)
        resets = t[inputs[0, window, 1] > 0]
        ax = axes[row, 0]
        ax.step(t, targets[0, window, 0], where="mid", color="0.6", lw=1.5, label="target: sign of the sum")
        ax.plot(t, np.clip(y[0, window, 0], -2.4, 2.4), color=COLORS[name], lw=1.3, label="output")
        wrong = np.mean(np.sign(y[0, :, 0]) != targets[0, :, 0])
        ax.set_ylabel(f"{name}, seed {trial_seed}")
        ax.set_title(f"{name}, seed {trial_seed}, lr {lr:.2g} (test MSE {mse:.3g}): wrong sign on {wrong:.1%} of "
                     f"this stream's {inputs.shape[1]} steps", fontsize=9)
        ax.set_ylim(-2.5, 2.5)
        ax.legend(fontsize=7, loc="lower left")
        ax = axes[row, 1]
        ax.plot(t, cache["cs"][1:, 0][window], lw=0.9)
        ax.set_title(f"{name}, seed {trial_seed}: the {cache['cs'].shape[2]} cell states c_t", fontsize=9)
        for a in axes[row]:
            for r in resets:
                a.axvline(r, color="0.85", lw=0.8, zorder=0)
    for ax in axes[-1]:
        ax.set_xlabel("step of the stream (grey lines: resets)")
    fig.suptitle("Trials of the recorded search, retrained exactly, on a fresh stream that ran from a zero state: "
                 "its last 150 steps", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "cell_states.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    record = load_record()
    data = searched(record)
    if data:
        learning_curves(data, out)
        score_distribution(data, out)
        lr_sensitivity(data, record, out)
    cell_states(record, args.seed, args.quick, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
