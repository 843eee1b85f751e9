"""Static figures for lstm-search-space-odyssey: the paired comparisons behind the verdict, learning and
solve-rate curves (over batches and over wall-clock time), every trial of the search, learning-rate
sensitivity, and what the cells of V, NFG and NOAF do on a test stream.

    python3 lstm-search-space-odyssey/visualize_lstm_search_space_odyssey.py     # writes viz/*.png

All but the last figure draw the recorded searches in results.json (the continual task, the adding
control and the OdyssNet sections), so they show exactly the figures the README quotes. The last one
retrains four trials of the recorded continual-task search alone (a trial's arithmetic does not
depend on the trials it was packed with, so each comes out bit for bit as recorded; the script
prints the recorded and the retrained test MSE): V and NFG at seed 0 and NOAF's best and worst seed,
each at its best learning rate, and replays a fresh stream.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import lstm_search_space_odyssey as ody  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.frame.figures import figure_parser, save_png  # noqa: E402
from shared.frame.verdict import t_quantile  # noqa: E402

HERE = Path(__file__).resolve().parent
COLORS = {"V": "black", "NIG": "tab:cyan", "NFG": "tab:red", "NOG": "tab:olive", "NIAF": "tab:green",
          "NOAF": "tab:orange", "NP": "tab:blue", "CIFG": "tab:purple", "FGR": "tab:gray", "OdyssNet": "tab:brown"}
TASK_TITLES = {"stream": "continual sign task", "adding": "adding problem, T = 50 (control)"}


def load_record() -> dict:
    path = HERE / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def part(record: dict, section: str | None) -> dict:
    return record if section is None else record.get(section, {})


def groups(record: dict, task: str) -> list[list]:
    """The record parts that hold searches of the task, in groups that share their V: the continual task's
    own search and its sections of further seeds (pooled over the seeds, as the verdict pools them), then
    each adding half and each OdyssNet section on its own."""
    if task == "stream":
        return [[None, *[k for k in sorted(record) if k.startswith("stream (seeds")]], ["odyssnet"]]
    return [[k] for k in record if k.startswith("adding") and isinstance(record[k], dict)] + [["odyssnet-adding"]]


def load_group(record: dict, names: list) -> dict:
    """Per learner, the arrays of a group of parts, pooled along the seed axis."""
    parts = [part(record, name) for name in names]
    parts = [p for p in parts if p.get("curves") and "learners" in p["curves"]]
    out = {}
    for name in (parts[0]["curves"]["learners"] if parts else {}):
        entries = [p["curves"]["learners"][name] for p in parts]
        out[name] = {
            "eval_at": np.array(entries[0]["eval_at"]),
            "curves": np.concatenate([np.array(e["val_curves"], dtype=float) for e in entries], axis=1),
            "solved": np.concatenate([np.array(e["solved_curves"], dtype=bool) for e in entries], axis=1),
            "test": np.concatenate([np.array(e["test_mse"], dtype=float) for e in entries], axis=1),
            "val": np.concatenate([np.array(e["val_mse"], dtype=float) for e in entries], axis=1),
            "lrs": parts[0]["curves"]["lrs"], "seeds": [s for p in parts for s in p["curves"]["seeds"]],
            "timing": parts[0].get("timing", {}).get("wallclock_s", {}).get(name)}
        out[name]["best"] = ody.best_lr({"val": out[name]["val"]})
    return out


def searched(record: dict) -> dict:
    """Per task and learner: validation curves [lr, seed, point], solved curves, test MSE [lr, seed], best lr
    index, learning rates, seeds, training time, and V's test MSE on the same seeds (the reference)."""
    out = {}
    for task in ("stream", "adding"):
        for names in groups(record, task):
            learners = load_group(record, names)
            if "V" not in learners:
                continue
            v_ref = learners["V"]["test"][learners["V"]["best"]]
            for name, entry in learners.items():
                if name not in out.get(task, {}):   # V of an OdyssNet section: the search's own V comes first
                    out.setdefault(task, {})[name] = {**entry, "v_ref": v_ref}
    return out


def ordered(learners: dict) -> list[str]:
    """Variants in the catalog's order, OdyssNet last."""
    return [n for n in [*ody.VARIANTS, "OdyssNet"] if n in learners]


def gmean(values, axis=None):
    return np.exp(np.mean(np.log(values), axis=axis))


def paired_ratios(data: dict, record: dict, out: Path) -> None:
    """Each learner's test MSE over V's, per seed and as the geometric mean with its 90% interval."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    for ax, task in zip(axes, ("stream", "adding")):
        learners = data.get(task, {})
        if "V" not in learners:
            ax.set_axis_off()
            continue
        names = [n for n in ordered(learners) if n != "V"]
        for y, name in enumerate(names):
            e = learners[name]
            ratios = e["test"][e["best"]] / e["v_ref"]
            logs = np.log(ratios)
            n = len(logs)
            half = t_quantile(0.95, n - 1) * logs.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
            ax.scatter(ratios, np.full(n, y) + np.linspace(-0.18, 0.18, n), s=10, color=COLORS[name], alpha=0.45,
                       lw=0)
            ax.errorbar(np.exp(logs.mean()), y, xerr=[[np.exp(logs.mean()) - np.exp(logs.mean() - half)],
                                                      [np.exp(logs.mean() + half) - np.exp(logs.mean())]],
                        fmt="D", color=COLORS[name], ms=6, capsize=4, lw=2, zorder=3)
        ax.axvspan(1 / ody.MARGIN, ody.MARGIN, color="0.85", zorder=0,
                   label=f"'no difference' margin 1/{ody.MARGIN:g} .. {ody.MARGIN:g}")
        ax.axvline(1.0, color="black", lw=1)
        ax.set_xscale("log")
        ax.set_yticks(range(len(names)), names)
        for tick, name in zip(ax.get_yticklabels(), names):
            tick.set_color(COLORS[name])
        ax.invert_yaxis()
        ax.set_xlabel("test MSE / V's test MSE, same seed (each at its best learning rate)")
        seeds = len(learners["V"]["seeds"])
        odyssnet = f" (OdyssNet: seeds 0-{len(learners['OdyssNet']['seeds']) - 1})" if "OdyssNet" in learners else ""
        ax.set_title(f"{TASK_TITLES[task]}: {seeds} seeds{odyssnet}\ndots: seeds; diamond: geometric "
                     f"mean, 90% interval" if task == "stream" else
                     f"{TASK_TITLES[task]}: {seeds} seeds\ndots: seeds; diamond: geometric mean, 90% interval",
                     fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
    verdict = record.get("verdict", {})
    if verdict.get("claims"):
        held = sum(bool(c["holds"]) for c in verdict["claims"])
        fig.suptitle(f"Verdict on the continual task: {verdict['value']} ({held} of {len(verdict['claims'])} claims "
                     f"hold after Holm's correction)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "paired_ratios.png")


def learning_curves(data: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, task in zip(axes, ("stream", "adding")):
        for name in ordered(data.get(task, {})):
            e = data[task][name]
            curves = e["curves"][e["best"]]
            bold = name in ("V", "NFG", "NOAF")
            ax.plot(e["eval_at"], gmean(curves, axis=0), color=COLORS[name], lw=2.2 if bold else 1.2,
                    ls="--" if name == "OdyssNet" else "-", label=f"{name} (lr {e['lrs'][e['best']]:.2g})")
            ax.fill_between(e["eval_at"], curves.min(axis=0), curves.max(axis=0), color=COLORS[name],
                            alpha=0.12 if bold else 0.04, lw=0)
        ax.set_yscale("log")
        ax.set_xlabel("training batches")
        ax.set_ylabel("validation MSE")
        ax.set_title(f"{TASK_TITLES[task]}\neach learner at its best learning rate: geometric mean and range over "
                     f"seeds", fontsize=10)
        ax.legend(fontsize=7, ncol=2, loc="upper right")
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def solve_rates(data: dict, out: Path) -> None:
    """Share of seeds solved during training, over batches and over this machine's CPU seconds; the time each
    learner takes per trial."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.4), gridspec_kw={"width_ratios": [1, 1, 0.7]})
    for row, task in enumerate(("stream", "adding")):
        learners = data.get(task, {})
        names = ordered(learners)
        if not names:
            for ax in axes[row]:
                ax.set_axis_off()
            continue
        for name in names:
            e = learners[name]
            rate = e["solved"][e["best"]].mean(axis=0)
            style = dict(color=COLORS[name], lw=2.2 if name in ("V", "NFG", "NOAF") else 1.2,
                         ls="--" if name == "OdyssNet" else "-", label=name)
            axes[row, 0].plot(e["eval_at"], rate, **style)
            if e["timing"]:
                axes[row, 1].plot(np.asarray(e["eval_at"]) * e["timing"]["cpu"] / 1000.0, rate, **style)
        criterion = ("validation sign errors < 5%" if task == "stream" else
                     f"validation MSE < {ody.SOLVED_ADDING_MSE:.3g}")
        axes[row, 0].set_xlabel("training batches")
        axes[row, 1].set_xlabel("CPU seconds of training per trial (this machine)")
        timed = [n for n in names if learners[n]["timing"]]
        if timed:
            axes[row, 1].set_xscale("log")
        for ax in axes[row, :2]:
            ax.set_ylabel(f"share of seeds solved\n({criterion})")
            ax.set_ylim(-0.03, 1.03)
            ax.set_title(f"{TASK_TITLES[task]}: each learner at its best learning rate", fontsize=10)
        axes[row, 0].legend(fontsize=7, ncol=2, loc="best")
        ax = axes[row, 2]
        y = np.arange(len(timed))
        ax.barh(y - 0.2, [learners[n]["timing"]["cpu"] for n in timed], height=0.4, color=[COLORS[n] for n in timed],
                label="CPU time")
        ax.barh(y + 0.2, [learners[n]["timing"]["wall"] for n in timed], height=0.4, color=[COLORS[n] for n in timed],
                alpha=0.35, label="wall-clock time")
        ax.set_yticks(y, timed)
        ax.invert_yaxis()
        if timed:
            ax.set_xscale("log")
            ticks = [t for t in (0.3, 0.5, 1, 2, 5, 10, 20)
                     if 0.7 * min(learners[n]["timing"]["cpu"] for n in timed) <= t
                     <= 1.4 * max(learners[n]["timing"]["wall"] for n in timed)]
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_formatter(plt.NullFormatter())
        ax.set_xlabel("seconds per trial and 1000 batches")
        ax.set_title("training time (this machine, shared\nwith other jobs; LSTM trials side by side)", fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save_png(fig, out / "solve_rates.png")


def score_distribution(data: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for ax, task in zip(axes, ("stream", "adding")):
        learners = data.get(task, {})
        names = sorted(ordered(learners), key=lambda n: gmean(learners[n]["test"][learners[n]["best"]]))
        lrs = next(iter(learners.values()))["lrs"] if learners else []
        cmap = plt.get_cmap("viridis")
        for i, name in enumerate(names):
            e = learners[name]
            test = e["test"]
            ax.boxplot([test.ravel()], positions=[i], widths=0.6, showfliers=False,
                       medianprops={"color": COLORS[name]}, boxprops={"color": "0.6"},
                       whiskerprops={"color": "0.6"}, capprops={"color": "0.6"})
            for a in range(test.shape[0]):
                jitter = np.linspace(-0.2, 0.2, test.shape[1])
                ax.scatter(i + jitter, test[a], s=16 if a == e["best"] else 6,
                           color=cmap(a / max(1, len(lrs) - 1)), edgecolors="black" if a == e["best"] else "none",
                           linewidths=0.6, zorder=3)
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, max(1, len(lrs) - 1)))
        bar = fig.colorbar(sm, ax=ax, ticks=range(len(lrs)), pad=0.01)
        bar.ax.set_yticklabels([f"{lr:.2g}" for lr in lrs], fontsize=7)
        bar.set_label("learning rate", fontsize=8)
        ax.set_xticks(range(len(names)), names, rotation=35, ha="right")
        ax.set_yscale("log")
        ax.set_ylabel("test MSE of every trial")
        ax.set_title(f"{TASK_TITLES[task]}: every trial of the search\noutlined: the seeds at each learner's best "
                     f"learning rate", fontsize=10)
        for tick, name in zip(ax.get_xticklabels(), names):
            tick.set_color(COLORS[name])
    fig.tight_layout()
    save_png(fig, out / "score_distribution.png")


def lr_sensitivity(data: dict, record: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), gridspec_kw={"width_ratios": [1, 1, 0.7]})
    for ax, task in zip(axes, ("stream", "adding")):
        for name in ordered(data.get(task, {})):
            e = data[task][name]
            bold = name in ("V", "NFG", "NOAF")
            ax.plot(e["lrs"], gmean(e["test"], axis=1), "o-" if name != "OdyssNet" else "s--", color=COLORS[name],
                    lw=2 if bold else 1, ms=4, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("test MSE (geometric mean over seeds)")
        ax.set_title(TASK_TITLES[task], fontsize=10)
        ax.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax = axes[2]
    colors = {"learning rate": "tab:blue", "variant": "tab:red", "learning rate x variant": "tab:purple",
              "seed": "0.7"}
    positions, labels = [], []
    for i, (task, section) in enumerate((("stream", None), ("adding", "adding"))):
        if section == "adding" and "adding" not in record:          # the control recorded in parts
            continue
        table = next((t for t in part(record, section).get("tables", []) if "shares of the variance" in t["title"]),
                     None)
        if table is None:
            continue
        row = table["rows"][0]
        across = dict(zip(["learning rate", "variant", "learning rate x variant", "seed"], row[:4]))
        within = {"learning rate": row[4], "seed": 1 - row[4]}
        for j, (kind, parts) in enumerate((("across\nvariants", across), ("within a\nvariant", within))):
            x = 2.6 * i + j
            bottom = 0.0
            for name, value in parts.items():
                ax.bar(x, value, bottom=bottom, color=colors[name], width=0.8,
                       label=name if (i, j) == (0, 0) else None)
                bottom += value
            positions.append(x)
            labels.append(f"{task}\n{kind}")
    ax.set_xticks(positions, labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the variance of log10 test MSE")
    ax.set_title("where the variance comes from", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    fig.tight_layout()
    save_png(fig, out / "lr_sensitivity.png")


def recorded_trial(record: dict, variant: str, seed: int, quick: bool, snapshot_every: int = 0,
                   lr_index: int | None = None):
    """Retrain one trial of the recorded continual-task search alone, at the variant's best learning rate (or at
    the learning rate of index `lr_index`).

    A trial's arithmetic does not depend on its population, so it comes out bit for bit as recorded.
    With quick, a 20-batch trial of the quick configuration instead.
    Returns (learning rate, final weights, [(batch, weights)], test MSE).
    """
    task = ody.TASKS["stream"]
    entry = searched(record).get("stream", {}).get(variant)
    index = None if entry is None else (entry["best"] if lr_index is None else lr_index)
    lr = entry["lrs"][index] if entry else 0.03
    if quick or not entry:
        task = replace(task, steps=20, evals=1, hidden=4, val_length=50, val_size=8, test_size=8, test_length=100)
    result = ody.train_job(ody.Job(task, variant, ((seed, lr),), snapshot_every=snapshot_every))
    snapshots = [(step, members[0]) for step, members in result["snapshots"]]
    mse = float(result["test"]["mse"][0])
    if entry and not quick:
        recorded = float(entry["test"][index, entry["seeds"].index(seed)])
        print(f"  retrained {variant} seed {seed} at lr {lr:.4g}: test MSE {mse!r} (recorded {recorded!r})")
    return lr, result["weights"][0], snapshots, mse


def cell_states(record: dict, seed: int, quick: bool, out: Path) -> None:
    """V and NFG (seed `seed`) at their best learning rates, and NOAF's best and worst seed at the learning rate
    with its lowest median validation MSE (where it learns; its best by the mean is the lowest, where it does
    not); the last 150 steps of a fresh 1000-step stream: target and output, and the eight cell states."""
    task = ody.TASKS["stream"]
    stream = ody.SignStream(np.random.default_rng([ody.DATA["stream"], 99]), 1, task.reset_p)
    inputs, targets, _ = stream.chunk(300 if quick else 1000)         # a fresh stream, from a zero state
    noaf = searched(record).get("stream", {}).get("NOAF")
    rows = [("V", seed, None), ("NFG", seed, None)]
    if noaf is not None and not quick:
        a = int(np.argmin(np.median(noaf["val"], axis=1)))
        at = noaf["test"][a]
        rows += [("NOAF", noaf["seeds"][int(np.argmin(at))], a), ("NOAF", noaf["seeds"][int(np.argmax(at))], a)]
    else:
        rows.append(("NOAF", seed, None))
    window = slice(inputs.shape[1] - 150, inputs.shape[1])
    fig, axes = plt.subplots(len(rows), 2, figsize=(13, 2.4 * len(rows) + 0.6), sharex=True)
    for row, (name, trial_seed, lr_index) in enumerate(rows):
        lr, weights, _, mse = recorded_trial(record, name, trial_seed, quick, lr_index=lr_index)
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
    if data and not args.quick:
        paired_ratios(data, record, out)
        learning_curves(data, out)
        solve_rates(data, out)
        score_distribution(data, out)
        lr_sensitivity(data, record, out)
    cell_states(record, args.seed, args.quick, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
