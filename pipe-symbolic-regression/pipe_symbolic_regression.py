"""PIPE evolves a program for Koza's quartic x^4 + x^3 + x^2 + x (Salustowicz & Schmidhuber 1997).

Salustowicz & Schmidhuber (1997), "Probabilistic incremental program evolution", Evolutionary
Computation 5(2):123-141. The paper's body is not in our library: its abstract is the only text of
it we can read ([P]: "PIPE iteratively generates successive populations of functional programs
according to an adaptive probability distribution over all possible programs. Each iteration, it
uses the best program to refine the distribution ... We compare PIPE to GP on a function regression
problem and the 6-bit parity problem"; the ECML-97 version: "No crossover operator is used").
Everything else is secondary ([S]) and labelled so: the task (the seed's reading of the paper), the
rules (shared/search/pipe.py, from sources that quote the paper's sections) and the constants (two
secondary readings that disagree, A and B below).

The task [S]: Koza's quartic f(x) = x^4 + x^3 + x^2 + x on 20 fitness cases drawn uniformly from
[-1, 1] (drawn per seed); functions {+, -, *, % (protected division)}, terminals {x, R} (R a random
constant); a fitness case is a hit when |program(x) - f(x)| < 0.01 (Koza's criterion); a run is
solved when a program hits all 20. FIT (minimised) is the sum of absolute errors over the 20 cases
(Koza's raw fitness; ours, as the paper's FIT is not readable).

The method: PIPE (shared.search.pipe): a probabilistic prototype tree, programs drawn from it, the update
toward the best program of each generation iterated until its probability reaches P_TARGET (no cap),
elitist learning, mutation along the best program, pruning; no crossover. Constants: reading B
(the headline) or A (`--reading A`, its own section). The budget (evaluations per run) is ours.

Baselines (ours, on the same fitness cases and budget): genetic programming with subtree crossover
(shared.search.gp, `--model gp`); the OdyssNet core fitted to the 20 points by gradient descent
(`--model odyssnet`), scored on the same hits and on held-out points.

Run:  python3 pipe-symbolic-regression/pipe_symbolic_regression.py --n-seeds 20 --workers 2 --record
"""

from __future__ import annotations

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import argparse
import math
import sys
from functools import partial

import numpy as np

from shared.search import gp as gp_module
from shared.search import pipe
from shared.frame.cluster import pool
from shared.frame.experiment import Progress, conclude, format_table, format_value, int_at_most, require_seeds, \
                                    stub_parser, summarize
from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
from shared.frame.verdict import grade, judge, pending, rate_at_least

# ----------------------------------------------------------------------------------------
# The task [S]: Koza's quartic, 20 random fitness cases in [-1, 1], {+, -, *, %}, {x, R}.
# ----------------------------------------------------------------------------------------

N_CASES = 20
HIT = 0.01                       # Koza's hit criterion [S]: |error| < 0.01
N_HELD_OUT = 201                 # a grid on [-1, 1] for generalisation (ours)
HELD_OUT = np.linspace(-1.0, 1.0, N_HELD_OUT)
INSTRUCTIONS = pipe.instruction_set({"+": 2, "-": 2, "*": 2, "%": 2}, ["x", "R"])


def target(x):
    return x ** 4 + x ** 3 + x ** 2 + x


def protected_division(a, b):
    """Koza's protected division [S]: a / b, and 1 where b is exactly 0."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    zero = b == 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(zero, 1.0, a / np.where(zero, 1.0, b))


def _quiet(op):
    def run(a, b):
        with np.errstate(over="ignore", invalid="ignore"):
            return op(a, b)
    return run


OPERATIONS = {"+": _quiet(np.add), "-": _quiet(np.subtract), "*": _quiet(np.multiply), "%": protected_division}


def fitness_cases(seed: int) -> np.ndarray:
    """The seed's 20 fitness cases, uniform in [-1, 1] (its own stream: the same for PIPE, GP, OdyssNet)."""
    return np.random.default_rng([seed, 0]).uniform(-1.0, 1.0, N_CASES)


def outputs(program: pipe.Program, x: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(pipe.evaluate(program, INSTRUCTIONS, OPERATIONS, {"x": x}), dtype=float),
                           x.shape)


def errors(program: pipe.Program, x: np.ndarray) -> np.ndarray:
    """|program(x) - f(x)| per case (inf where the program is not finite)."""
    e = np.abs(outputs(program, x) - target(x))
    return np.where(np.isfinite(e), e, np.inf)


def make_fitness(x: np.ndarray):
    """FIT (minimised): the sum of absolute errors (Koza's raw fitness); 0 for a program that hits all
    cases, so that the search's stopping rule (FIT <= 0) is Koza's "solved". Nothing is learnt after a
    solve, so the mapping changes only when a run stops."""
    def fitness(program: pipe.Program) -> float:
        e = errors(program, x)
        return 0.0 if np.all(e < HIT) else float(e.sum())
    return fitness


def describe(program: pipe.Program, x: np.ndarray) -> dict:
    """What a run's best program does on its fitness cases and on the held-out grid."""
    e, held = errors(program, x), errors(program, HELD_OUT)
    return {"hits": int(np.sum(e < HIT)), "raw_fitness": float(e.sum()),
            "held_out_max_error": float(held.max()), "held_out_hits": int(np.sum(held < HIT)),
            "size": program.size, "depth": program.depth(INSTRUCTIONS), "program": program.text(INSTRUCTIONS)}


# ----------------------------------------------------------------------------------------
# PIPE's constants: two secondary readings that disagree (neither is the paper we can read).
# ----------------------------------------------------------------------------------------

READINGS = {
    # (B) the docstring of a generic PIPE library (ExprOptimization.jl, "example parameters from paper"):
    # PPT parameters [0.8, 0.2] (P_T = 0.8 read as the initial terminal probability), P_el 0.2, c_lr 0.1,
    # lr 0.05, eps 1, P_M 0.2, mr 0.6, T_P 0.999.
    "B": {"terminal_probability": 0.8, "lr": 0.05, "epsilon": 1.0, "elitist_probability": 0.2,
          "mutation_probability": 0.2, "mutation_rate": 0.6, "prune_threshold": 0.999},
    # (A) the published catalog's values (seed README): initial P(terminal) 0.6, lr 0.2, elitist update
    # probability 0.2, P_M 0.4, mr 0.4; it gives no eps or T_P (B's taken); its "base target P_T 0.8",
    # its P_target cap, its depth cap 6, its grid cases and its constants by random walk are not used.
    "A": {"terminal_probability": 0.6, "lr": 0.2, "epsilon": 1.0, "elitist_probability": 0.2,
          "mutation_probability": 0.4, "mutation_rate": 0.4, "prune_threshold": 0.999},
}
HEADLINE_READING = "B"           # the one that claims to be the paper's own example parameters
MAX_DEPTH = 17                   # shared.search.pipe's bound on the tree (ours; Koza's GP depth limit); no cap of 6
BUDGET = 50_000                  # evaluations per run (ours: the paper's budget is not readable)
POPULATIONS = (100, 1000)        # the two ends of the [S] claim's "populations up to 1000"


def run_pipe(job: tuple, budget: int, reading: str) -> dict:
    """One PIPE run: (population, seed) -> its figures. The seed's rng draws the run (the cases have
    their own stream)."""
    population, seed = job
    x = fitness_cases(seed)
    constants = READINGS[reading]
    ppt = pipe.PPT(INSTRUCTIONS, constants["terminal_probability"], max_depth=MAX_DEPTH)
    run = pipe.pipe(ppt, make_fitness(x), np.random.default_rng([seed, 1, population]), population, budget,
                    constants["lr"], constants["epsilon"], constants["elitist_probability"],
                    constants["mutation_probability"], constants["mutation_rate"], constants["prune_threshold"])
    generations = sum(g.kind == "population" for g in run.history)
    return {"population": population, "seed": seed, "solved": bool(run.solved), "evaluations": run.evaluations,
            "generations": generations, "ppt_nodes": ppt.reachable(), **describe(run.elite, x)}


def run_gp(job: tuple, budget: int) -> dict:
    """One GP run (shared.search.gp, its Koza-style constants) on the same cases and budget."""
    population, seed = job
    x = fitness_cases(seed)
    run = gp_module.gp(INSTRUCTIONS, make_fitness(x), np.random.default_rng([seed, 2, population]), population,
                       budget, max_depth=MAX_DEPTH)
    return {"population": population, "seed": seed, "solved": bool(run.solved), "evaluations": run.evaluations,
            "generations": len(run.history), **describe(run.elite, x)}


def search_sweep(method: str, seeds, populations, budget: int, reading: str, workers: int) -> list[dict]:
    jobs = [(p, s) for p in populations for s in seeds]
    work = partial(run_pipe, budget=budget, reading=reading) if method == "pipe" else partial(run_gp, budget=budget)
    progress = Progress(len(jobs), label="run")
    rows = []

    def collect(results) -> None:
        for row in results:
            rows.append(row)
            progress.update(len(rows), population=row["population"], seed=row["seed"], solved=row["solved"],
                            evaluations=row["evaluations"])

    if workers == 1:
        collect(map(work, jobs))
    else:
        with pool(workers) as executor:
            collect(executor.map(work, jobs))
    return rows


COLUMNS = ["population", "seed", "solved", "evaluations", "generations", "hits", "raw_fitness",
           "held_out_max_error", "size", "program"]


def by_population(rows, populations) -> list[list]:
    """Per population: runs, solved, success rate, median evaluations of the solved runs, generalising
    solves (held-out max error < 0.01 on the 201-point grid)."""
    table = []
    for p in populations:
        mine = [r for r in rows if r["population"] == p]
        solved = [r for r in mine if r["solved"]]
        table.append([p, len(mine), len(solved), len(solved) / len(mine),
                      float(np.median([r["evaluations"] for r in solved])) if solved else None,
                      sum(r["held_out_max_error"] < HIT for r in solved)])
    return table


POPULATION_COLUMNS = ["population", "runs", "solved", "success rate", "median evaluations (solved)",
                      "solved and right on the held-out grid"]


def seeds_block(rows) -> dict:
    summary = summarize([r["evaluations"] for r in rows], [r["solved"] for r in rows])
    summary["metric"] = "evaluations"
    return {"per_seed": rows, "summary": summary}


def search_section(method: str, seeds, populations, budget: int, reading: str, workers: int) -> dict:
    clock = Progress(1)
    name = f"PIPE (reading {reading})" if method == "pipe" else "GP with subtree crossover (shared.search.gp)"
    print(f"{name} on Koza's quartic, 20 random cases per seed: populations {list(populations)}, seeds "
          f"{seeds[0]}..{seeds[-1]}, {budget} evaluations per run")
    rows = search_sweep(method, seeds, populations, budget, reading, workers)
    print(format_table(COLUMNS, [[r[c] for c in COLUMNS] for r in rows]))
    table = by_population(rows, populations)
    print(format_table(POPULATION_COLUMNS, table))
    rates = " / ".join(f"{t[2]}/{t[1]}" for t in table)
    return {
        "summary": (f"{name}, {budget} evaluations per run: solved (20/20 hits) {rates} runs at populations "
                    f"{' / '.join(map(str, populations))}"),
        "headline": {**{f"success_rate_population_{t[0]}": t[3] for t in table},
                     **{f"median_evaluations_population_{t[0]}": t[4] for t in table},
                     "success_rate_pooled": float(np.mean([r["solved"] for r in rows]))},
        "seeds": seeds_block(rows),
        "tables": [{"title": f"{name}: success per population ({len(seeds)} seeds, {budget} evaluations per run)",
                    "columns": POPULATION_COLUMNS, "rows": table},
                   {"title": f"{name}: every run (program = the best found; hits of 20; held-out max error on "
                             f"{N_HELD_OUT} grid points in [-1, 1])", "columns": COLUMNS,
                    "rows": [[r[c] for c in COLUMNS] for r in rows]}],
        "wallclock_s": clock.elapsed,
    }


# ----------------------------------------------------------------------------------------
# The OdyssNet row (ours): the core as a function approximator, fitted to the same 20 points.
# ----------------------------------------------------------------------------------------

ODYSSNET_RECIPE = {"neurons": 12, "thinking_steps": 4, "lr": 1e-2, "optimizer_steps": 3000, "scale": 4.0}


def odyssnet_fit(seed: int, steps: int) -> dict:
    """The core (x on neuron 0, f(x) / 4 read from the last neuron) trained full-batch by BPTT + AdamW
    on the seed's 20 cases; scored like a program: hits of 20 and the held-out grid."""
    rec = ODYSSNET_RECIPE
    x = fitness_cases(seed)
    model = OdyssNet(rec["neurons"], [0], [rec["neurons"] - 1], rng=seed)
    trainer = OdyssNetTrainer(model, lr=rec["lr"])
    y = (target(x) / rec["scale"])[:, None]
    for _ in range(steps):
        loss = trainer.train_batch(x[:, None], y, thinking_steps=rec["thinking_steps"])

    def predict(points):
        return trainer.predict(points[:, None], rec["thinking_steps"])[:, 0] * rec["scale"]

    e, held = np.abs(predict(x) - target(x)), np.abs(predict(HELD_OUT) - target(HELD_OUT))
    return {"seed": seed, "solved": bool(np.all(e < HIT)), "hits": int(np.sum(e < HIT)),
            "training_abs_error_sum": float(e.sum()), "training_max_error": float(e.max()),
            "held_out_max_error": float(held.max()), "held_out_mean_error": float(held.mean()),
            "held_out_hits": int(np.sum(held < HIT)), "final_loss": float(loss)}


def odyssnet_section(seeds, steps: int) -> dict:
    clock = Progress(1)
    print(f"OdyssNet core: {ODYSSNET_RECIPE | {'optimizer_steps': steps}}, seeds {seeds[0]}..{seeds[-1]}")
    progress = Progress(len(seeds), label="fit")
    rows = []
    for k, seed in enumerate(seeds):
        rows.append(odyssnet_fit(seed, steps))
        progress.update(k + 1, force=True, seed=seed, hits=rows[-1]["hits"])
    columns = list(rows[0])
    print(format_table(columns, [[r[c] for c in columns] for r in rows]))
    summary = summarize([r["training_abs_error_sum"] for r in rows], [r["solved"] for r in rows])
    summary["metric"] = "training_abs_error_sum"
    mean = {c: float(np.mean([r[c] for r in rows])) for c in ("hits", "training_abs_error_sum",
                                                              "held_out_max_error", "held_out_mean_error")}
    return {
        "summary": (f"OdyssNet core ({ODYSSNET_RECIPE['neurons']} neurons, BPTT + AdamW, {steps} full-batch steps) "
                    f"fitted to the same 20 cases: {sum(r['solved'] for r in rows)}/{len(rows)} seeds hit all 20; "
                    f"mean hits {format_value(mean['hits'])}, mean training |error| sum "
                    f"{format_value(mean['training_abs_error_sum'])}, mean held-out max error "
                    f"{format_value(mean['held_out_max_error'])}"),
        "headline": {"seeds_hitting_all_20": sum(r["solved"] for r in rows), **{f"mean_{k}": v for k, v in mean.items()}},
        "seeds": {"per_seed": rows, "summary": summary},
        "tables": [{"title": f"OdyssNet core fitted to each seed's 20 cases ({steps} steps; held out: {N_HELD_OUT} "
                             f"grid points in [-1, 1])", "columns": columns,
                    "rows": [[r[c] for c in columns] for r in rows]}],
        "wallclock_s": clock.elapsed,
    }


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py pipe-symbolic-regression): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. PIPE and GP: the step is one generation, the unit
    the search learns in: PIPE draws ``population`` programs from the PPT (a bisection of each node's
    cumulative vector), evaluates each on the 20 fitness cases (float64, one instruction per function
    node per case), scores it (|error| per case, the hit check, the sum) and then moves the PPT toward
    the best (shared.search.tape_search.pipe_generation); GP fills the population by tournaments of 7,
    copies the offspring's nodes and evaluates and scores each (gp_generation). Every program of the
    generation is given the shape of a recorded elite (the solved run of median elite size; all runs
    when none solved), so the priced generation is a typical one, not a traced one. The targets are an
    argument (the stub recomputes x^4 + x^3 + x^2 + x at every evaluation: left out), as are PIPE's
    elitist iterations (no evaluations), pruning and GP's crossover-point walk. Steps to solve: the median
    generations over the solved runs of the population. OdyssNet: one full-batch AdamW step (20 cases, 4
    thinking steps, BPTT); it hit all 20 cases on no seed."""
    import re
    from shared.networks import tape_steps
    from shared.search import tape_search

    def row_for(name: str, method: str, part: dict, population: int, where: str) -> dict:
        runs = [r for r in (part.get("seeds") or {}).get("per_seed", []) if r["population"] == population]
        solved = [r for r in runs if r["solved"]]
        pick = sorted(solved or runs, key=lambda r: r["size"])[(len(solved or runs) - 1) // 2]
        arities = tape_search.prefix_arities(pick["program"])
        tokens = re.findall(r"[^(), ]+", pick["program"])
        constants = [k for k, token in enumerate(tokens) if token not in INSTRUCTIONS.names]
        generation = tape_search.pipe_generation if method == "pipe" else tape_search.gp_generation
        extra = {"instructions": INSTRUCTIONS.size} if method == "pipe" else {}
        return {"row": name, "family": "search" if method == "pipe" else "evolution",
                "step": f"one generation ({population} programs "
                        + ("drawn, run on the {N_CASES} cases, scored; the PPT update)" if method == "pipe"
                           else "bred by tournaments, run on the {N_CASES} cases, scored)").format(N_CASES=N_CASES),
                "size": f"programs of {len(arities)} nodes (a recorded elite's shape), {N_CASES} float64 cases"
                        + (f", PPT rows of {INSTRUCTIONS.size}" if method == "pipe" else ", tournament 7"),
                "program": lambda tape: generation(tape, arities, population=population, cases=N_CASES,
                                                   constants=constants, **extra),
                "steps_to_solve": float(np.median([r["generations"] for r in solved])) if solved else None,
                "steps_from": f"median generations over the solved population-{population} runs ({where}seeds.per_seed)"}

    rows = [row_for("PIPE, population 100", "pipe", record, 100, "")]
    if "odyssnet" in record:
        rec = ODYSSNET_RECIPE
        rows.append({"row": "OdyssNet core", "family": "gradient",
                     "step": f"one full-batch step ({N_CASES} cases, {rec['thinking_steps']} thinking steps)",
                     "size": f"{rec['neurons']} neurons, AdamW, float64 (OdyssNet's default dtype)",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, rec["neurons"], 1, 1, rec["thinking_steps"],
                                                                      batch=N_CASES, targets="last", itemsize=8),
                     "steps_to_solve": None, "steps_from": "[odyssnet] hit all 20 cases on no seed"})
    rows.append(row_for("PIPE, population 1000", "pipe", record, 1000, ""))
    if "gp" in record:
        rows.append(row_for("GP, population 100", "gp", record["gp"], 100, "[gp] "))
        rows.append(row_for("GP, population 1000", "gp", record["gp"], 1000, "[gp] "))
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (fixed before the recorded run; tests/test_pipe_symbolic_regression.py checks both sides).
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 20
PAPER_RATE, RATE_MARGIN = 0.8, 0.2
SMALLEST, LARGEST = 100, 1000


def verdict(record: dict) -> dict:
    """The one claim we have for this task, a secondary one: PIPE solves Koza's quartic in >= 80% of
    runs "with populations up to 1000" (the seed, [S]; the paper's text is not readable, so a "yes"
    can only say that the [S] figure reproduces, not the paper's).

    Metric: the share of runs solved (a program hitting all 20 cases, |error| < 0.01) within our
    budget of evaluations, PIPE with the headline's reading of the constants.
    1. (primary) pooled over the headline's populations;
    2., 3. at the smallest (<= 100) and at the largest (>= 1000) population the headline ran.
    Each is an exact binomial test of rate > 0.8 - 0.2 = 0.6: the margin of 0.2 allows for what a
    secondary "at least 80%" leaves open (which runs, which budget); at 20 seeds per population a
    claim alone then needs 17 solves (16/20 gives p = 0.051), pooled over 40 runs 30. Holm over the
    three. Minimum: 20 seeds at a population <= 100 and at one >= 1000 (else pending).
    Grade: yes if all hold; partial if the pooled one holds and a population's does not; no if the
    pooled one fails. The GP baseline, reading A and the OdyssNet row are reported, not judged (the
    paper's comparison with GP is not readable).
    """
    seeds = record.get("seeds")
    rows = (seeds or {}).get("per_seed") or []
    counts = {}
    for r in rows:
        counts.setdefault(r.get("population"), []).append(bool(r["solved"]))
    small = [p for p in counts if p is not None and p <= SMALLEST and len(counts[p]) >= MIN_SEEDS]
    large = [p for p in counts if p is not None and p >= LARGEST and len(counts[p]) >= MIN_SEEDS]
    if not small or not large:
        return pending(f"the headline needs >= {MIN_SEEDS} seeds at a population <= {SMALLEST} and at one >= "
                       f"{LARGEST} (--n-seeds {MIN_SEEDS} --populations {SMALLEST},{LARGEST})")
    where = ("seed (catalog plan #23), [S]: '>= 80% success with populations up to 1000'; the paper's "
             "tables are not readable")
    metric = "share of PIPE runs hitting all 20 cases within the budget"
    pooled = [s for p in counts for s in counts[p]]
    claims = [rate_at_least("PIPE solves >= 80% of runs (pooled over populations)", where, pooled, PAPER_RATE,
                            RATE_MARGIN, metric=f"{metric}, populations {sorted(counts)}"),
              rate_at_least(f"PIPE solves >= 80% of runs at population {min(small)}", where, counts[min(small)],
                            PAPER_RATE, RATE_MARGIN, metric=f"{metric}, population {min(small)}"),
              rate_at_least(f"PIPE solves >= 80% of runs at population {max(large)}", where, counts[max(large)],
                            PAPER_RATE, RATE_MARGIN, metric=f"{metric}, population {max(large)}")]
    return grade(judge(claims), primary=1)


# ----------------------------------------------------------------------------------------
# The experiment
# ----------------------------------------------------------------------------------------

CITATION = ("Salustowicz, R. P. & Schmidhuber, J. (1997). Probabilistic incremental program evolution. "
            "Evolutionary Computation 5(2):123-141 (body not readable here: abstract only)")
PAPER_FIGURES = [
    {"name": "method", "value": "populations of programs drawn from an adaptive distribution; the best program "
     "refines it; no crossover; compared with GP on a function regression problem and 6-bit parity",
     "where": "abstract [P] (journal and ECML-97 versions)"},
    {"name": "task", "value": "Koza's x^4 + x^3 + x^2 + x, 20 random points in [-1, 1], {+, -, *, %}, {x, R}, "
     "hit |error| < 0.01", "where": "seed (catalog plan #23) [S]"},
    {"name": "success", "value": ">= 80% with populations up to 1000", "where": "seed (catalog plan #23) [S]"},
    {"name": "rules", "value": "P_TARGET = P(b) + (1 - P(b)) lr (eps + FIT(elite)) / (eps + FIT(b)); "
     "P += c_lr lr (1 - P) repeated until P(b) >= P_TARGET, c_lr = 0.1; mutation P_M / (|I| sqrt|b|), "
     "P += mr (1 - P)", "where": "Secs. 4.2-4.4 as secondary sources quote them [S] (shared/search/pipe.py)"},
    {"name": "constants, reading B (headline)", "value": "P_T 0.8, lr 0.05, eps 1, P_el 0.2, P_M 0.2, mr 0.6, "
     "T_P 0.999", "where": "ExprOptimization.jl docstring, 'example parameters from paper' [S]"},
    {"name": "constants, reading A", "value": "P(terminal) 0.6, lr 0.2, P_el 0.2, P_M 0.4, mr 0.4, "
     "population 100", "where": "the published catalog's README (the seed) [S]"},
]


def populations_list(text: str) -> tuple:
    """An argparse type: comma-separated populations, each in [2, 5000]."""
    parts = [p.strip() for p in text.split(",")]
    values = []
    for p in parts:
        try:
            value = int(p)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
        if not 2 <= value <= 5000:
            raise argparse.ArgumentTypeError(f"population {value} is outside [2, 5000] (above: minutes per generation)")
        values.append(value)
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"populations must be distinct, got {text!r}")
    return tuple(sorted(values))


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: 2 seeds, population 20, 600 evaluations "
                         "per run (OdyssNet: 20 steps)")
    parser.add_argument("--model", choices=["pipe", "gp", "odyssnet"], default="pipe",
                        help="pipe: PIPE (default); gp: genetic programming with subtree crossover (shared.search.gp), its own "
                             "section; odyssnet: the OdyssNet core fitted by gradient descent, its own section")
    parser.add_argument("--reading", choices=sorted(READINGS), default=HEADLINE_READING,
                        help="which secondary reading of PIPE's constants (default B, the headline; A is its own section)")
    parser.add_argument("--populations", type=populations_list, default=POPULATIONS,
                        help="comma-separated population sizes (default 100,1000)")
    parser.add_argument("--budget", type=int_at_most(2_000_000, "2M evaluations is ~10 minutes per run"), default=BUDGET,
                        help=f"evaluations per run (default {BUDGET}, ours)")
    parser.add_argument("--workers", type=int_at_most(8, "the machine has 2 cores"), default=1,
                        help="local processes for the runs (the figures do not depend on it)")
    parser.add_argument("--odyssnet-steps", type=int_at_most(10 ** 6, "a million steps per seed is hours"),
                        default=ODYSSNET_RECIPE["optimizer_steps"], help="optimizer steps per OdyssNet fit (default 3000)")
    args = parser.parse_args(argv)
    parser.only_when(args.model == "pipe", ["--reading"], "with --model pipe")
    parser.only_when(args.model != "odyssnet", ["--populations", "--budget", "--workers"], "with --model pipe or gp")
    parser.only_when(args.model == "odyssnet", ["--odyssnet-steps"], "with --model odyssnet")
    require_seeds(parser, args, MIN_SEEDS)
    return args


def section_name(model: str, reading: str, populations, budget: int, quick: bool = False) -> str | None:
    """Where a search run is recorded: None for the headline (PIPE, reading B, the default populations and
    budget); "gp" and "reading_a" for the baselines at the headline's populations and budget; with another
    budget or other populations, e.g. "pipe_b_budget_200000" or "gp_budget_200000"."""
    default = quick or (tuple(populations) == POPULATIONS and budget == BUDGET)
    if model == "gp":
        return "gp" if default else f"gp_budget_{budget}"
    if default:
        return None if reading == HEADLINE_READING else f"reading_{reading.lower()}"
    return f"pipe_{reading.lower()}_budget_{budget}"


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.n_seeds, args.populations, args.budget = min(args.n_seeds, 2), (20,), min(args.budget, 600)
        args.odyssnet_steps = min(args.odyssnet_steps, 20)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    if args.model == "odyssnet":
        conclude(odyssnet_section(seeds, args.odyssnet_steps), __file__, verdict, args.record, section="odyssnet")
        return 0
    section = search_section(args.model, seeds, args.populations, args.budget, args.reading, args.workers)
    name = section_name(args.model, args.reading, args.populations, args.budget, args.quick)
    if name is not None:
        conclude(section, __file__, verdict, args.record, section=name)
        return 0
    record = {"slug": "pipe-symbolic-regression",
              "paper": {"citation": CITATION,
                        "claim": "PIPE, learning a distribution over programs from the best of each population "
                                 "(no crossover), solves Koza's quartic in >= 80% of runs with populations up to "
                                 "1000 [S]",
                        "figures": PAPER_FIGURES},
              "tour": "PIPE's best program sliding onto Koza's quartic while the prototype tree's root "
                      "probabilities sharpen.",
              **section}
    conclude(record, __file__, verdict, args.record,
             measured={k: v for k, v in section["headline"].items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
