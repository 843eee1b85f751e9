"""Static figures for pipe-symbolic-regression: the search of one run, and the success rates of all runs.

    python3 pipe-symbolic-regression/visualize_pipe_symbolic_regression.py   # writes pipe-symbolic-regression/viz/*.png

Reruns one headline run (population 100, reading B; the first seed at or after --seed that the record shows
solved, about 5-20 s) with a callback on every generation: viz/search.png (the elite's error and hits against
evaluations, the root node's probabilities), viz/final_fit.png (the programs found against the target, with
the OdyssNet core's fit of the same 20 points). From results.json: viz/success_curves.png (share of runs
solved against evaluations, PIPE readings B and A and GP, per population).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import pipe_symbolic_regression as sr
from shared.search import pipe
from shared.frame.figures import figure_parser, recorded, save_png


def trace(seed: int, population: int, budget: int, reading: str = "B") -> dict:
    """run_pipe's run exactly (same generators), recording every iteration: evaluations, the elite's
    raw fitness and hits, its curve on the held-out grid, the root node's probability vector."""
    x = sr.fitness_cases(seed)
    constants = sr.READINGS[reading]
    ppt = pipe.PPT(sr.INSTRUCTIONS, constants["terminal_probability"], max_depth=sr.MAX_DEPTH)
    steps = []

    def record(step, tree, elite):
        d = sr.describe(elite, x)
        steps.append({"kind": step.kind, "evaluations": step.evaluations, "raw_fitness": d["raw_fitness"],
                      "hits": d["hits"], "curve": sr.outputs(elite, sr.HELD_OUT).copy(), "program": d["program"],
                      "root": tree.probs[0].copy(), "size": d["size"]})

    run = pipe.pipe(ppt, sr.make_fitness(x), np.random.default_rng([seed, 1, population]), population, budget,
                    constants["lr"], constants["epsilon"], constants["elitist_probability"],
                    constants["mutation_probability"], constants["mutation_rate"], constants["prune_threshold"],
                    on_iteration=record)
    return {"x": x, "steps": steps, "solved": run.solved, "evaluations": run.evaluations, "seed": seed,
            "population": population, "elite": sr.describe(run.elite, x)}


def pick_seed(record, start: int, population: int = 100) -> int:
    """The first seed >= start whose headline run at ``population`` was solved (start if none known)."""
    if record and record.get("seeds"):
        solved = sorted(r["seed"] for r in record["seeds"]["per_seed"]
                        if r["population"] == population and r["solved"] and r["seed"] >= start)
        if solved:
            return solved[0]
    return start


def search_figure(t: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3), gridspec_kw={"width_ratios": [1, 1.25]})
    gens = [s for s in t["steps"] if s["kind"] == "population"]
    ev = [s["evaluations"] for s in gens]
    ax = axes[0]
    ax.semilogy(ev, [max(s["raw_fitness"], 1e-16) for s in gens], "C0", label="elite: sum of |error| (20 cases)")
    ax.set_xlabel("programs evaluated")
    ax.set_ylabel("elite's sum of absolute errors (log)")
    ax2 = ax.twinx()
    ax2.plot(ev, [s["hits"] for s in gens], "C1", lw=1, label="elite: hits (|error| < 0.01)")
    ax2.set_ylabel("hits of 20", color="C1")
    ax2.set_ylim(-0.5, 20.5)
    ax.set_title(f"Seed {t['seed']}, population {t['population']}, reading B: "
                 f"{'solved' if t['solved'] else 'not solved'} after {t['evaluations']} evaluations", fontsize=10)
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [l.get_label() for l in lines], fontsize=8, loc="center right")
    roots = np.array([s["root"] for s in t["steps"]]).T
    im = axes[1].imshow(roots, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_yticks(range(sr.INSTRUCTIONS.size), sr.INSTRUCTIONS.names)
    axes[1].set_xlabel("iteration (generations and elitist steps)")
    axes[1].set_ylabel("instruction at the root node")
    axes[1].set_title("The prototype tree's root: P(instruction) over the search", fontsize=10)
    fig.colorbar(im, ax=axes[1], label="probability")
    fig.tight_layout()
    save_png(fig, out / "search.png")


def final_fit_figure(t: dict, odyssnet: dict | None, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    grid = sr.HELD_OUT
    ax.plot(grid, sr.target(grid), "k", lw=3, alpha=0.35, label="target x^4 + x^3 + x^2 + x")
    ax.plot(grid, t["steps"][-1]["curve"], "C0", lw=1.5,
            label=f"PIPE's program: {t['elite']['program'][:60]}{'...' if len(t['elite']['program']) > 60 else ''}")
    first = t["steps"][0]
    ax.plot(grid, first["curve"], "C0:", lw=1, label=f"PIPE's first generation's best: {first['program'][:40]}")
    if odyssnet is not None:
        ax.plot(grid, odyssnet["curve"], "C3--", lw=1.5,
                label=f"OdyssNet core fitted to the 20 points ({odyssnet['hits']}/20 hits)")
    ax.plot(t["x"], sr.target(t["x"]), "ko", ms=4, label="the 20 fitness cases")
    ax.set_ylim(-1, 4.5)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title(f"Seed {t['seed']}: {t['elite']['hits']}/20 hits; held-out max error "
                 f"{t['elite']['held_out_max_error']:.2g} on {sr.N_HELD_OUT} grid points", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_png(fig, out / "final_fit.png")


def odyssnet_curve(seed: int, steps: int) -> dict:
    """odyssnet_fit's model again, keeping its curve on the grid (same seed, same steps)."""
    rec = sr.ODYSSNET_RECIPE
    x = sr.fitness_cases(seed)
    model = sr.OdyssNet(rec["neurons"], [0], [rec["neurons"] - 1], rng=seed)
    trainer = sr.OdyssNetTrainer(model, lr=rec["lr"])
    y = (sr.target(x) / rec["scale"])[:, None]
    for _ in range(steps):
        trainer.train_batch(x[:, None], y, thinking_steps=rec["thinking_steps"])
    predict = lambda p: trainer.predict(p[:, None], rec["thinking_steps"])[:, 0] * rec["scale"]  # noqa: E731
    return {"curve": predict(sr.HELD_OUT), "hits": int(np.sum(np.abs(predict(x) - sr.target(x)) < sr.HIT))}


def success_figure(record: dict, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    sections = [("PIPE, reading B", record, "-"), ("PIPE, reading A", record.get("reading_a"), "--"),
                ("GP with crossover", record.get("gp"), ":")]
    budget = None
    for name, section, style in sections:
        if not section or not section.get("seeds"):
            continue
        rows = section["seeds"]["per_seed"]
        budget = max([budget or 0] + [r["evaluations"] for r in rows])
        for k, p in enumerate(sorted({r["population"] for r in rows})):
            mine = [r for r in rows if r["population"] == p]
            solved = np.sort([r["evaluations"] for r in mine if r["solved"]])
            xs = np.concatenate([[0], solved, [budget]])
            ys = np.concatenate([[0], np.arange(1, len(solved) + 1), [len(solved)]]) / len(mine)
            ax.step(xs, ys, where="post", ls=style, color=f"C{k}",
                    label=f"{name}, population {p}: {len(solved)}/{len(mine)}")
    ax.axhline(0.8, color="0.5", lw=0.8)
    ax.text(0, 0.81, "the seed's [S] 80%", fontsize=7, color="0.4")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("programs evaluated")
    ax.set_ylabel("share of runs solved (20/20 hits)")
    ax.set_title("Koza's quartic, 20 random cases per seed: runs solved within the budget", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save_png(fig, out / "success_curves.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = recorded(sr.__file__)
    seed = pick_seed(record, args.seed)
    t = trace(seed, 20 if args.quick else 100, 600 if args.quick else sr.BUDGET)
    search_figure(t, out)
    final_fit_figure(t, odyssnet_curve(seed, 20 if args.quick else sr.ODYSSNET_RECIPE["optimizer_steps"]), out)
    if record is not None:
        success_figure(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
