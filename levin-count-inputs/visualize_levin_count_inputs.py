"""Static figures for levin-count-inputs: both searches, the program found, what the nets do, the baselines.

    python3 levin-count-inputs/visualize_levin_count_inputs.py      # writes levin-count-inputs/viz/*.png

Reruns seed 0 of the systematic search (about a second) and of the probabilistic search (about 10 s; --quick:
2000 runs) and one OdyssNet fit; the cost-growth, fitting-program and learner figures draw the recorded runs in
results.json, so they show the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import levin_count_inputs as lv
from shared.search import levin
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def systematic_search(seed: int):
    return levin.levin_search([lv.fitting(lv.PAPER_TRAIN)], 20, order=levin.tie_break_order(seed), progress=False)


def search_cost(search, out: Path) -> None:
    found = search.finds[0]
    phases = np.array([p[0] for p in search.phase_log])
    programs = np.array([p[1] for p in search.phase_log])
    charged = np.array([p[2] for p in search.phase_log])
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.3))
    axes[0].semilogy(phases, np.maximum(programs, 0.7), "o-", label="programs run (cumulative)")
    axes[0].semilogy(phases, np.maximum(charged, 0.7), "s-", label="steps charged (cumulative)")
    axes[0].semilogy(phases, 2.0 ** phases, "k:", lw=1, label="2^phase")
    axes[0].axvline(found.phase, color="C3", ls="--", lw=1)
    axes[0].text(found.phase - 0.3, 1.5, f"found in phase {found.phase}\n({found.programs} programs)", color="C3",
                 ha="right", fontsize=8)
    axes[0].set_xlabel("phase i (every program gets 2^i P(p) steps)")
    axes[0].set_title("Systematic search, seed 0: cost up to each phase", fontsize=10)
    axes[0].legend(fontsize=8, loc="upper left")
    last = search.by_bits[found.phase - 1]
    outcomes = search.outcomes[found.phase - 1]
    bits = sorted(last)
    axes[1].bar(bits, [last[b] for b in bits], color="C0", width=0.8, label="programs run, by -log2 P")
    axes[1].set_yscale("log")
    axes[1].axvline(np.log2(found.denominator), color="C3", ls="--", lw=1)
    axes[1].text(np.log2(found.denominator) + 0.3, max(last.values()),
                 f"{levin.disassemble(found.program)}\n-log2 P = {np.log2(found.denominator):.2f}, t = {found.steps}",
                 color="C3", va="top", fontsize=8)
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    axes[1].set_xlabel("floor(-log2 P(program))")
    axes[1].set_ylabel("programs run")
    axes[1].set_title(f"phase {found.phase} until the find ({shown})", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "search_cost.png")


def found_program(search, out: Path) -> None:
    """The program found running: the storage, the instruction pointer, the weights it writes."""
    found = search.finds[0]
    m = levin.Machine()
    m.code, m.prog = list(found.program), list(found.program)
    ips, written = [0], [0]
    while True:
        status = levin.execute(m, m.steps + 1)
        ips.append(m.ip)
        written.append(m.wp)
        if status != levin.TIMEOUT:
            break
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.9), gridspec_kw={"width_ratios": [1.0, 1.5, 1.2]})
    ax = axes[0]
    cells = list(found.program)
    for i, v in enumerate(cells):
        ax.add_patch(plt.Rectangle((i, 0), 0.95, 0.95, facecolor="C1" if i % 2 == 0 else "0.9", edgecolor="k"))
        ax.text(i + 0.47, 0.47, str(v), ha="center", va="center", fontsize=14)
        ax.text(i + 0.47, -0.25, f"address {i}", ha="center", fontsize=8)
    ax.text(0.97, 1.08, "WriteWeight 0", ha="center", fontsize=9, color="C1")
    ax.text(2.97, 1.08, "Jump 0", ha="center", fontsize=9, color="C1")
    ax.text(0.0, 1.55, "address 0 holds 1, the opcode of WriteWeight:\nso 'WriteWeight 0' writes w[wp] = 1, wp += 1",
            ha="left", fontsize=8)
    ax.set_xlim(-0.2, len(cells) + 0.2)
    ax.set_ylim(-0.5, 2.1)
    ax.axis("off")
    ax.set_title(f"the program tape (P = 1/{found.denominator}); no work cells", fontsize=9)
    steps = np.arange(len(ips))
    axes[1].step(steps[:41], ips[:41], where="post", label="instruction pointer")
    axes[1].step(steps[:41], np.array(written[:41]) / 5, where="post", label="weights written / 5")
    axes[1].set_xlabel("time step")
    axes[1].set_title(f"the first 40 of its {found.steps} steps; the {found.steps}th, a 101st write, is impossible "
                      f"and halts it", fontsize=9)
    axes[1].legend(fontsize=8, loc="upper left")
    axes[2].bar(np.arange(lv.N_INPUTS), found.weights, color="C2", width=1.0)
    for t in lv.PAPER_TRAIN:
        axes[2].scatter(t, [1.05] * 3, marker="v", s=25, color="k")
    axes[2].set_ylim(0, 1.6)
    axes[2].set_xlabel("input unit i (triangles: the units on in the training inputs)")
    axes[2].set_ylabel("weight w_i")
    axes[2].set_title("the net it writes: w_i = 1 for all 100 units", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "found_program.png")


def probabilistic(seed: int, runs: int, record: dict, out: Path) -> None:
    found, _ = levin.probabilistic_search(seed, runs, lv.fitting(lv.PAPER_TRAIN))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1, 1.3]})
    good = np.array([lv.unseen_accuracy(f.weights) == 1.0 for f in found], dtype=bool)
    index = np.array([f.run for f in found])
    axes[0].step(np.concatenate([[0], index]), np.arange(len(found) + 1), where="post", color="k",
                 label="fitting runs (cumulative)")
    axes[0].scatter(index[good], np.flatnonzero(good) + 1, s=10, color="C2", label="right on every unseen input")
    axes[0].scatter(index[~good], np.flatnonzero(~good) + 1, s=25, color="C3", marker="x",
                    label="fits the 3 examples only")
    axes[0].set_xlabel("run")
    axes[0].set_ylabel("fitting runs so far")
    axes[0].set_title(f"Probabilistic search, seed {seed}: {len(found)} fitting runs in {runs}", fontsize=10)
    axes[0].legend(fontsize=8, loc="upper left")
    table = next(t for t in record["tables"] if t["title"].startswith("Fitting programs, pooled"))
    rows = table["rows"]
    names = [r[0] if len(r[0]) <= 46 else r[0][:43] + "..." for r in rows]
    colors = ["C2" if r[4] == 1.0 else "C3" for r in rows]
    axes[1].barh(np.arange(len(rows)), [r[1] for r in rows], color=colors)
    axes[1].set_yticks(np.arange(len(rows)), names, fontsize=6.5, family="monospace")
    axes[1].invert_yaxis()
    axes[1].set_xscale("log")
    axes[1].set_xlabel("fitting runs, pooled over the recorded seeds (log)")
    for y, r in enumerate(rows):
        axes[1].text(r[1] * 1.1, y, f"unseen {lv.format_value(r[4])}", va="center", fontsize=6)
    axes[1].set_title("the most frequent fitting programs (green: right on all 161,697; red: not)", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "probabilistic.png")


def generalization(found, seed: int, quick: bool, out: Path) -> None:
    """What each net outputs: on the unseen three-bit inputs, and against the number of bits on."""
    nets = [("program found by search (3 examples)", np.array(found.weights, dtype=float), "C2")]
    for n, color in zip(lv.TRAIN_SIZES, ("C3", "C1", "C0")):
        train = lv.training_triples(seed, n)
        nets.append((f"gradient descent, {n} examples", levin.fit_linear_unit(levin.dense(train), np.full(n, 3.0)), color))
    _, triple_out, _ = lv.odyssnet_fit(seed, list(lv.PAPER_TRAIN), 20 if quick else lv.ODYSSNET_RECIPE["optimizer_steps"],
                                       n_test=2000, n_probe=200)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    mask = lv.unseen_mask(lv.PAPER_TRAIN)
    edges = np.arange(-0.55, 4.0, 0.1)     # bins centred on tenths
    for name, w, color in nets:
        out_all = lv.outputs_on_triples(w)[mask]
        axes[0].hist(np.clip(out_all, -0.5, 3.9), bins=edges, histtype="step", lw=1.6, color=color,
                     label=f"{name}: {lv.format_value(np.mean(np.rint(out_all) == 3))} right")
    ody = triple_out[~np.isnan(triple_out)]
    axes[0].hist(np.clip(ody, -0.5, 3.9), bins=edges, histtype="step", lw=1.6, ls="--", color="C4",
                 weights=np.full(len(ody), mask.sum() / len(ody)),
                 label=f"OdyssNet core, 3 examples: {lv.format_value(np.mean(np.rint(ody) == 3))} right (sample)")
    axes[0].axvline(3, color="k", lw=0.8)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("net output on an unseen three-bit input (target 3)")
    axes[0].set_ylabel("inputs (of 161,697)")
    axes[0].set_title(f"Seed {seed}: outputs on the unseen three-bit inputs", fontsize=10)
    axes[0].legend(fontsize=7, loc="upper left")
    counts = [k for k, _ in lv.PROBE[:2]] + [3] + [k for k, _ in lv.PROBE[2:]]
    for name, w, color in nets:
        means = [np.mean(w[idx].sum(axis=1)) for _, idx in lv.PROBE[:2]] + \
                [np.mean(lv.outputs_on_triples(w)[mask])] + [np.mean(w[idx].sum(axis=1)) for _, idx in lv.PROBE[2:]]
        wide = color == "C2"        # the program's net lies under the 300-example fit: draw it wide, below
        axes[1].plot(counts, means, "o-", color=color, label=name, lw=6 if wide else 1.5, alpha=0.45 if wide else 1,
                     ms=11 if wide else 6, zorder=1 if wide else 2)
    model_means = odyssnet_by_count(seed, quick)
    axes[1].plot(counts, model_means, "s--", color="C4", label="OdyssNet core, 3 examples")
    axes[1].plot([0, 7], [0, 7], color="0.8", lw=1, zorder=0)
    axes[1].set_xlabel("bits on (3: the paper's inputs; 1, 2, 4, 5, 6: our probe)")
    axes[1].set_ylabel("mean output")
    axes[1].set_title("Does the net count? Mean output against the number of bits on", fontsize=10)
    axes[1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "generalization.png")


def odyssnet_by_count(seed: int, quick: bool) -> list[float]:
    """Mean output of the OdyssNet core trained on the paper's 3 examples, per number of bits on."""
    from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
    recipe = lv.ODYSSNET_RECIPE
    model = OdyssNet(recipe["neurons"], range(lv.N_INPUTS), [recipe["neurons"] - 1], rng=seed)
    trainer = OdyssNetTrainer(model, lr=recipe["lr"])
    x = 2.0 * levin.dense(lv.PAPER_TRAIN) - 1.0
    rng = np.random.default_rng([seed, 2])
    for _ in range(20 if quick else recipe["optimizer_steps"]):
        pick = rng.choice(3, 3, replace=False)
        trainer.train_batch(x[pick], np.ones((3, 1)), thinking_steps=recipe["thinking_steps"])
    groups = [idx[:200] for _, idx in lv.PROBE[:2]] + [lv.TRIPLES[lv.ODYSSNET_ORDER[:200]]] + \
             [idx[:200] for _, idx in lv.PROBE[2:]]
    means = []
    for idx in groups:
        xs = -np.ones((len(idx), lv.N_INPUTS))
        for row, t in enumerate(idx):
            xs[row, list(t)] = 1.0
        means.append(float(np.mean(trainer.predict(xs, recipe["thinking_steps"])[:, 0] * 3.0)))
    return means


def cost_growth(record: dict, out: Path) -> None:
    table = next((t for t in record["systematic"]["tables"] if t["title"].startswith("Cost against the target")), None)
    if table is None:
        return
    cols = table["columns"]
    fig, ax = plt.subplots(figsize=(7.8, 4.6))
    for k, row in enumerate(table["rows"]):
        if row[cols.index("phase")] is None:
            continue
        phase, programs = row[cols.index("phase")], row[cols.index("programs run")]
        ax.scatter(phase, programs, s=60, zorder=3, color=f"C{k}",
                   label=f"{row[0]}: {row[1]} (-log2 P = {row[2]:.1f}, t = {row[3]}; unseen "
                         f"{lv.format_value(row[-1])})")
    phases = np.arange(1, 30)
    ax.semilogy(phases, 2.0 ** phases * 0.015, "k:", lw=1, label="proportional to 2^phase")
    ax.set_xlabel("phase of the find: the first i with 2^i P(p) >= t(p)")
    ax.set_ylabel("programs run until the find")
    ax.set_ylim(0.5, 3e7)
    ax.set_xlim(0, 30)
    ax.set_title("Systematic search: cost against the target net (from results.json)", fontsize=10)
    ax.legend(fontsize=6.5, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "cost_growth.png")


def learners(record: dict, out: Path) -> None:
    gd = next(t for t in record["tables"] if t["title"].startswith("Linear unit fitted by gradient descent"))["rows"]
    seed_rows = next(t for t in record["tables"] if "the nets on the paper's data" in t["title"])["rows"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    search = [r for r in seed_rows if r[0].startswith("probabilistic search")]
    gd_seed = [r for r in seed_rows if r[0].startswith("linear")]
    axes[0].plot([r[0] for r in gd], [r[1] for r in gd], "o-", color="C0",
                 label=f"linear unit, gradient descent (mean of {len(record['seeds']['per_seed'])} seeds)")
    axes[1].plot([r[1] for r in gd_seed], [r[4] for r in gd_seed], "o-", color="C0", label="linear unit, gradient descent")
    if "odyssnet" in record:
        ody = record["odyssnet"]["tables"][1]["rows"]
        n_ody = len(record["odyssnet"]["seeds"]["per_seed"])
        axes[0].plot([r[0] for r in ody], [r[2] for r in ody], "s--", color="C4",
                     label=f"OdyssNet core (mean of {n_ody} seeds; 10,000-input sample)")
        ody_seed = record["odyssnet"]["tables"][0]["rows"]
        axes[1].plot([r[1] for r in ody_seed], [r[4] for r in ody_seed], "s--", color="C4", label="OdyssNet core")
    for ax, col in ((axes[0], 3), (axes[1], 4)):
        ax.scatter([r[1] for r in search], [r[col] for r in search], marker="*", s=250, color="C2", zorder=3,
                   label="program found by probabilistic search (seed 0)")
        ax.set_xscale("log")
        ax.set_xlabel("training examples")
        ax.set_ylim(-0.05, 1.05)
        ax.legend(fontsize=7, loc="center right")
    axes[0].set_ylabel("accuracy on the unseen three-bit inputs")
    axes[0].set_title("The paper's test set (output rounds to 3)", fontsize=10)
    axes[1].set_ylabel("accuracy on the probe (1, 2, 4, 5, 6 bits on)")
    axes[1].set_title("Our probe: output rounds to the number of bits on (seed 0)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "learners.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = json.loads((HERE / "results.json").read_text())
    search = systematic_search(args.seed)
    search_cost(search, out)
    found_program(search, out)
    probabilistic(args.seed, 2000 if args.quick else record["headline"]["runs"], record, out)
    generalization(search.finds[0], args.seed, args.quick, out)
    cost_growth(record, out)
    learners(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
