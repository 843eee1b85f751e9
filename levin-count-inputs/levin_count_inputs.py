"""A perceptron that counts its inputs, found from 3 examples by searching programs (Schmidhuber 1995/1997).

The paper's task (Neural Networks 10(5), Sec. 4.3; ICML 1995, Sec. 4.1). A linear unit with 100 binary
inputs, one output and 100 integer weights in [-10000, 10000], y = sum_i w_i x_i, no bias. Every input
has exactly three bits on, so there are C(100, 3) = 161,700 inputs, and the target is the number of bits
on: 3. The only solution is w_i = 1 for every i. Only 3 training examples are given, the paper's own:
bits {5, 17, 86}, {13, 55, 58} and {40, 87, 94}, target 3 each. The test set is all 161,697 other inputs.

The paper's method. Programs do not compute the answer: they *write the weights*. A program runs on a
machine with one storage (work tape at negative addresses, program tape at non-negative ones); whenever
the instruction pointer reaches the end of the program read so far, an "oracle request" guesses the next
instruction and its arguments, each uniformly among the values that are legal at that moment, so a
program's probability P(p) is a product of 1/(number of legal values), smaller when the storage is larger.
A program halts by Stop or when a syntax check finds it doing something impossible; then its weights are
tested on the 3 training examples, and only a net that fits them all exactly is evaluated on the test set.

Two searches over these programs, both in the paper (Sec. 3):
* the probabilistic search of the paper's reported runs (the headline): every run draws a time limit T
  (a power of two, P(T) = 32/T) and guesses a program while running it for at most T steps;
* Levin's systematic universal search (--search systematic): phase i runs every program p with
  P(p) >= 2^-i for at most 2^i P(p) steps, so programs come in order of -log2 P(p) + log2 t(p).

Baselines on the same data, not run in the paper (which argues that they fail): the same linear unit fitted
by gradient descent on the 3 examples (and on 30 and 300), and the catalog's OdyssNet core (--model odyssnet).

Run:  python3 levin-count-inputs/levin_count_inputs.py --n-seeds 10 --record
"""

from __future__ import annotations

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import sys
from collections import Counter
from itertools import combinations

import numpy as np

from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most,
                                     require_seeds, stub_parser, summarize)
from shared.search import levin
from shared.frame.gradcheck import check_gradients
from shared.search.levin import disassemble, levin_search, probabilistic_search, tie_break_order
from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
from shared.frame.verdict import exact, grade, judge, pending, rate_at_least

# ----------------------------------------------------------------------------------------
# The task (Sec. 4.3): three bits on out of 100, target 3, the paper's three training inputs.
# ----------------------------------------------------------------------------------------

N_INPUTS = 100
BITS_ON = 3
PAPER_TRAIN = ((5, 17, 86), (13, 55, 58), (40, 87, 94))
TRIPLES = np.array(list(combinations(range(N_INPUTS), BITS_ON)), dtype=np.int64)   # all 161,700 inputs
N_UNSEEN = len(TRIPLES) - len(PAPER_TRAIN)                                           # 161,697


def triple_index(triple) -> int:
    """Row of a sorted triple in TRIPLES (lexicographic rank)."""
    a, b, c = sorted(int(v) for v in triple)
    n = N_INPUTS
    before_a = sum((n - 1 - i) * (n - 2 - i) // 2 for i in range(a))
    before_b = sum(n - 1 - j for j in range(a + 1, b))
    return before_a + before_b + (c - b - 1)


def unseen_mask(train) -> np.ndarray:
    """Boolean mask over TRIPLES: every input that is not a training input."""
    mask = np.ones(len(TRIPLES), dtype=bool)
    mask[[triple_index(t) for t in train]] = False
    return mask


def outputs_on_triples(weights) -> np.ndarray:
    """The net's output on all 161,700 three-bit inputs, vectorised: w_a + w_b + w_c."""
    w = np.asarray(weights)
    return w[TRIPLES[:, 0]] + w[TRIPLES[:, 1]] + w[TRIPLES[:, 2]]


def unseen_accuracy(weights, train=PAPER_TRAIN) -> float:
    """Share of the inputs outside the training set on which the rounded output is the count, 3."""
    right = np.rint(outputs_on_triples(weights)) == BITS_ON
    mask = unseen_mask(train)
    return float(right[mask].mean())


def fits(weights, train) -> bool:
    """The paper's success test: the output is exactly 3 on every training input."""
    return all(weights[a] + weights[b] + weights[c] == BITS_ON for a, b, c in train)


def permuted_train(seed: int) -> tuple:
    """Another training set as the paper makes them: the 100 input units relabelled by a random permutation."""
    perm = np.random.default_rng([seed, 11]).permutation(N_INPUTS)
    return tuple(tuple(sorted(int(perm[i]) for i in t)) for t in PAPER_TRAIN)


PROBE_SEED = 20240                                      # a fixed probe, the same for every learner and seed


def count_probe() -> list[tuple[int, np.ndarray]]:
    """Inputs with 1, 2, 4, 5 or 6 bits on (ours, not the paper's): does a net count, or output 3?

    Every input with 1 bit on, and 1000 random inputs (no repeats) each with 2, 4, 5 and 6 bits on.
    """
    rng = np.random.default_rng(PROBE_SEED)
    pairs = np.array(list(combinations(range(N_INPUTS), 2)))
    probe = [(1, np.arange(N_INPUTS)[:, None]), (2, pairs[np.sort(rng.choice(len(pairs), 1000, replace=False))])]
    for k in (4, 5, 6):
        rows = set()
        while len(rows) < 1000:
            rows.add(tuple(np.sort(rng.choice(N_INPUTS, k, replace=False)).tolist()))
        probe.append((k, np.array(sorted(rows))))
    return probe


PROBE = count_probe()


def probe_accuracy(weights) -> float:
    """Share of the probe inputs on which the rounded output is the number of bits on."""
    w = np.asarray(weights, dtype=float)
    right = [np.rint(w[idx].sum(axis=1)) == k for k, idx in PROBE]
    return float(np.concatenate(right).mean())


# ----------------------------------------------------------------------------------------
# The machine and both searches (Sec. 3; Sec. 4.5 and Table 5) are in shared/search/levin.py: programs write the
# 100 weights; an oracle request guesses each instruction and argument uniformly among the legal values;
# the probabilistic search of the paper's runs (time limit T with P(T) = 32/T) and Levin's systematic
# search (phase i: every program with P(p) >= 2^-i for at most 2^i P(p) steps). The task is what the
# searches are given: weights whose net answers every training input with its target.
# ----------------------------------------------------------------------------------------


def fitting(train, targets=None):
    """The searches' test of a program's weights: y = w . x equals the target on every training input
    (default 3, the paper's test, as fits())."""
    targets = [BITS_ON] * len(train) if targets is None else list(targets)
    pairs = list(zip(train, targets))

    def accepts(w) -> bool:
        return all(w[a] + w[b] + w[c] == y for (a, b, c), y in pairs)
    return accepts


# ----------------------------------------------------------------------------------------
# How the cost grows with the target (ours). Nets whose weights a short program writes, each its own
# target on the paper's 3 inputs (y = w . x), searched in one enumeration; the table shows which program
# is found first, its -log2 P and t, the phase, the cost, and whether it is right on every unseen input.
# ----------------------------------------------------------------------------------------

GROWTH_TARGETS = [  # (name, weights)
    ("all weights 0", [0] * N_INPUTS),
    ("all weights 1 (the counting net)", [1] * N_INPUTS),
    ("1 at even positions, 0 at odd", [1 - i % 2 for i in range(N_INPUTS)]),
    ("all weights 2", [2] * N_INPUTS),
]


def growth_table(max_phase: int, targets=GROWTH_TARGETS) -> dict:
    search = levin_search([fitting(PAPER_TRAIN, [sum(w[i] for i in t) for t in PAPER_TRAIN]) for _, w in targets],
                          max_phase)
    rows = []
    for (name, target), found in zip(targets, search.finds):
        if found is None:
            rows.append([name, f"not found by phase {max_phase}", None, None, None, None, None, None])
            print(f"  {name}: not found by phase {max_phase}")
            continue
        right = np.rint(outputs_on_triples(found.weights)) == outputs_on_triples(target)
        acc = float(right[unseen_mask(PAPER_TRAIN)].mean())
        rows.append([name, disassemble(found.program), float(np.log2(found.denominator)), found.steps, found.phase,
                     found.programs, found.charged_steps, acc])
        print(f"  {name}: {disassemble(found.program)} (phase {found.phase}, {found.programs} programs, unseen "
              f"accuracy {format_value(acc)})")
    return {"title": f"Cost against the target (ours): one systematic enumeration up to phase {max_phase}, each "
                     f"target y = w . x on the paper's 3 inputs; accuracy on the {N_UNSEEN} unseen inputs",
            "columns": ["target net", "first fitting program", "-log2 P", "t", "phase", "programs run",
                        "steps charged", "unseen accuracy"],
            "rows": rows}


# ----------------------------------------------------------------------------------------
# Learners that fit the weights (ours; the paper argues they fail and runs none). The linear unit itself,
# by full-batch gradient descent on the squared error from w = 0 (which converges to the minimum-norm fit;
# shared.search.levin's fit_linear_unit; its gradient is hand-written and checked by --gradcheck); and the catalog's
# OdyssNet core. Both see the
# paper's 3 examples, and 30 and 300 (the 3 plus random three-bit inputs; the seed draws them).
# ----------------------------------------------------------------------------------------

TRAIN_SIZES = (3, 30, 300)


def training_triples(seed: int, n: int) -> list[tuple]:
    """The paper's 3 training inputs, then n - 3 other three-bit inputs drawn by the seed (no repeats)."""
    pool = np.flatnonzero(unseen_mask(PAPER_TRAIN))
    extra = np.random.default_rng([seed, 1]).choice(pool, max(TRAIN_SIZES) - len(PAPER_TRAIN), replace=False)
    return list(PAPER_TRAIN) + [tuple(int(v) for v in TRIPLES[i]) for i in extra[:n - len(PAPER_TRAIN)]]


def gradcheck(seed: int) -> float:
    rng = np.random.default_rng(seed)
    x = (rng.random((5, 12)) < 0.3).astype(float)
    y = rng.normal(size=5) * 3
    params = {"w": rng.normal(size=12)}
    _, grad = levin.linear_loss(params["w"], x, y)
    errors = check_gradients(lambda: levin.linear_loss(params["w"], x, y)[0], params, {"w": grad})
    return max(errors.values())


def learner_row(name: str, n: int, train_out: np.ndarray, triple_out: np.ndarray, probe_out: float, train) -> list:
    """training accuracy, accuracy on the three-bit inputs outside this learner's training set, probe accuracy,
    mean |error| on those unseen inputs."""
    mask = unseen_mask(train) & ~np.isnan(triple_out)
    unseen = triple_out[mask]
    return [name, n, float(np.mean(np.rint(train_out) == BITS_ON)), float(np.mean(np.rint(unseen) == BITS_ON)),
            probe_out, float(np.mean(np.abs(unseen - BITS_ON)))]


LEARNER_COLUMNS = ["learner", "training examples", "training accuracy", "unseen three-bit accuracy",
                   "probe accuracy (1, 2, 4, 5, 6 bits on)", "unseen mean |error|"]


def linear_learners(seed: int, sizes=TRAIN_SIZES) -> list[list]:
    rows = []
    for n in sizes:
        train = training_triples(seed, n)
        w = levin.fit_linear_unit(levin.dense(train), np.full(n, BITS_ON))
        rows.append(learner_row("linear unit, gradient descent from w = 0", n, levin.dense(train) @ w,
                                outputs_on_triples(w), probe_accuracy(w), train))
    return rows


ODYSSNET_RECIPE = {"neurons": 104, "thinking_steps": 5, "lr": 5e-3, "optimizer_steps": 800, "batch": 30}
ODYSSNET_TEST = 10000     # the OdyssNet core is scored on a fixed sample of 10,000 unseen inputs (its forward
# pass over all 161,697 costs ~20 s a fit); the sample is the same for every seed and training set size
ODYSSNET_ORDER = np.random.default_rng(PROBE_SEED + 1).permutation(np.flatnonzero(unseen_mask(PAPER_TRAIN)))


def odyssnet_fit(seed: int, train, steps: int, n_test: int = ODYSSNET_TEST, n_probe: int = 1000):
    """OdyssNet core: inputs as +-1 on neurons 0..99, the count / 3 read from the last neuron.

    AdamW on mini-batches of up to 30 examples. Returns its outputs (in counts) on the training inputs and on
    the three-bit inputs (NaN outside the fixed sample of `n_test` unseen ones, see ODYSSNET_ORDER), and its
    accuracy on the first `n_probe` probe inputs of each count.
    """
    model = OdyssNet(ODYSSNET_RECIPE["neurons"], range(N_INPUTS), [ODYSSNET_RECIPE["neurons"] - 1], rng=seed)
    trainer = OdyssNetTrainer(model, lr=ODYSSNET_RECIPE["lr"])
    x = 2.0 * levin.dense(train) - 1.0
    targets = np.full((len(train), 1), BITS_ON / 3.0)
    rng = np.random.default_rng([seed, 2])
    batch = min(ODYSSNET_RECIPE["batch"], len(train))
    for _ in range(steps):
        pick = rng.choice(len(train), batch, replace=False)
        trainer.train_batch(x[pick], targets[pick], thinking_steps=ODYSSNET_RECIPE["thinking_steps"])

    def predict(triples_or_sets) -> np.ndarray:
        out = []
        for start in range(0, len(triples_or_sets), 20000):
            chunk = triples_or_sets[start:start + 20000]
            xs = -np.ones((len(chunk), N_INPUTS))
            for row, t in enumerate(chunk):
                xs[row, list(t)] = 1.0
            out.append(trainer.predict(xs, ODYSSNET_RECIPE["thinking_steps"])[:, 0] * 3.0)
        return np.concatenate(out)

    train_out = predict(train)
    rows = ODYSSNET_ORDER[:n_test]
    triple_out = np.full(len(TRIPLES), np.nan)
    triple_out[rows] = predict(TRIPLES[rows])
    probe_right = [np.rint(predict(idx[:n_probe])) == k for k, idx in PROBE]
    return train_out, triple_out, float(np.concatenate(probe_right).mean())


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py levin-count-inputs): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. The searches' records count time steps (interpreted
    instructions charged over all programs run), not programs, so the step is an interpreted instruction,
    priced as a block: the run of the first fitting program, ``WriteWeight 0; Jump 0`` (t = 201
    instructions, the 201st the impossible write past the last weight), on shared.search.levin's machine
    (shared.search.tape_search.levin_run: per instruction the budget check, the opcode and argument
    fetches, the operation reading the cells it addresses, the store, ip; the loop check's hash of the
    machine state at taken jumps), then the test of its weights on the 3 training inputs. Steps to solve
    = charged steps / 201: the searches' instruction mix (mostly short random programs) is priced at this
    program's. Left out: the oracle's guessing of instructions (probabilistic search) and the
    enumeration's copies of the machine (systematic search). Probabilistic search has no solve criterion
    (the headline counts fitting runs): its steps are one seed's budget of 65,536 runs. OdyssNet: one
    AdamW step (BPTT, 5 thinking steps) on the 3 training inputs; no solve criterion: its 800 steps."""
    from shared.networks import tape_steps
    from shared.search import tape_search
    text = record["headline"]["first_fit_program"]
    program = tape_search.levin_assemble(text)
    t = levin.run_program(program)[1].steps
    size = f"a {len(program)}-cell program tape, 4 registers, {N_INPUTS} int64 weights"

    def block(tape):
        return tape_search.levin_run(tape, program, N_INPUTS, checks=PAPER_TRAIN)

    charged = [r["steps_charged"] for r in record["seeds"]["per_seed"]]
    rows = [{"row": "probabilistic search", "family": "search",
             "step": f"{t} interpreted instructions (the first fitting program's run, {text})", "size": size,
             "program": block, "steps_to_solve": float(np.median(charged)) / t,
             "steps_from": f"no solve criterion: one seed's 65,536 runs, median steps_charged over the seeds "
                           f"(seeds.per_seed) / {t}"}]
    if "odyssnet" in record:
        rec = ODYSSNET_RECIPE
        batch = min(rec["batch"], len(PAPER_TRAIN))
        rows.append({"row": "OdyssNet core", "family": "gradient",
                     "step": f"one mini-batch of {batch} inputs ({rec['thinking_steps']} thinking steps)",
                     "size": f"{rec['neurons']} neurons, AdamW, float64 (OdyssNet's default dtype)",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, rec["neurons"], N_INPUTS, 1,
                                                                      rec["thinking_steps"], batch=batch,
                                                                      targets="last", itemsize=8),
                     "steps_to_solve": rec["optimizer_steps"],
                     "steps_from": f"no solve criterion: the recorded fits' budget of {rec['optimizer_steps']} steps "
                                   f"(ODYSSNET_RECIPE, [odyssnet] summary)"})
    if "systematic" in record:
        solved = [r["steps_charged"] for r in record["systematic"]["seeds"]["per_seed"] if r["solved"]]
        rows.append({"row": "systematic search", "family": "search",
                     "step": f"{t} interpreted instructions (the first fitting program's run, {text})", "size": size,
                     "program": block, "steps_to_solve": float(np.median(solved)) / t if solved else None,
                     "steps_from": f"median steps_charged to the first fit over the solved seeds "
                                   f"([systematic] seeds.per_seed) / {t}"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (fixed before the recorded runs; tests/test_levin_count_inputs.py checks both sides of every
# threshold).
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10             # probabilistic search (the headline): 10 random streams
MIN_SEEDS_SYSTEMATIC = 20  # systematic search: one permuted training set per seed; see claim 3
GENERALIZE_RATE, GENERALIZE_MARGIN = 0.8, 0.3
PERMUTED_RATE, PERMUTED_MARGIN = 1.0, 0.3
DEPTH_LIMIT = 400
GRADIENT_CEILING = 0.5


def verdict(record: dict) -> dict:
    """The paper's claims for the counting perceptron, one metric each; Holm over the tested ones.

    1. (primary) Search for programs of low Levin complexity finds, from the 3 examples, nets that generalise:
       "Generalization results (to be described below)" (Sec. 4.3; the counting task's results paragraph
       could not be read). Metric: the share of fitting runs of the probabilistic search (pooled over >= 10
       seeds) whose net is right on all 161,697 unseen inputs. Exact binomial test against 0.8 - 0.3 = 0.5:
       0.8 is 8 of 10, the share the paper reports for the same inputs and search with another target
       (Sec. 4.4, read in a secondary copy); the margin 0.3 makes the claim "most fitting programs
       generalise perfectly", which is what "high generalization capability" says, not a particular rate.
    2. (primary) The solution has low Levin complexity: a short program writes w_i = 1 and runs for
       "less than 400 time steps" (Sec. 4.3, "The solution"). Metric: the first program systematic search
       finds on the paper's training set, on every seed: writes w_i = 1 for all i and halts in < 400 steps
       (exact: the enumeration has no sampling error).
    3. Results are "very similar" with other sets of 3 training examples, made by permuting the input units
       (Sec. 4.3, "The training data"). Metric: the share of permuted training sets (one per seed of the
       systematic section, >= 20) on which the first fitting program is right on all unseen inputs; exact
       binomial against 1.0 - 0.3 = 0.7 (with 20 sets, 18 must generalise).
    4. Conventional gradient descent does not generalise from the 3 examples (Sec. 4.3, "Why conventional
       neural net algorithms fail"; argued, not run, in the paper). Metric: the largest share, over seeds,
       of unseen inputs on which the linear unit fitted by gradient descent from w = 0 to the 3 examples is
       right; holds below 0.5 (exact: gradient descent from w = 0 is deterministic).
    Grade: yes if all hold; partial if 1 and 2 hold and another does not; no if 1 or 2 fails.
    """
    seeds = record.get("seeds")
    if not seeds or len(seeds.get("per_seed", [])) < MIN_SEEDS:
        return pending(f"the probabilistic search needs >= {MIN_SEEDS} seeds (--n-seeds {MIN_SEEDS})")
    systematic = record.get("systematic")
    if not isinstance(systematic, dict) or not systematic.get("seeds") \
            or len(systematic["seeds"].get("per_seed", [])) < MIN_SEEDS_SYSTEMATIC:
        return pending(f"the systematic section needs >= {MIN_SEEDS_SYSTEMATIC} seeds "
                       f"(--search systematic --n-seeds {MIN_SEEDS_SYSTEMATIC})")
    rows, srows = seeds["per_seed"], systematic["seeds"]["per_seed"]
    outcomes = [o for r in rows for o in [True] * r["generalizing_fits"] + [False] * (r["fits"] - r["generalizing_fits"])]
    where1 = "Sec. 4.3 (results paragraph not read); the rate is Sec. 4.4's 8 of 10 (secondary copy)"
    metric1 = f"share of fitting runs (probabilistic search, {len(rows)} seeds) right on all {N_UNSEEN} unseen inputs"
    if outcomes:
        c1 = rate_at_least("fitting programs generalise perfectly", where1, outcomes, GENERALIZE_RATE,
                           GENERALIZE_MARGIN, metric=metric1)
    else:
        c1 = exact("fitting programs generalise perfectly", where1, metric1, None, False, "no fitting run at all")
    character = [r["solved"] and r["all_ones"] and r["t"] < DEPTH_LIMIT for r in srows]
    c2 = exact("the program found writes w_i = 1 and runs < 400 steps", "Sec. 4.3, 'The solution'",
               f"first fitting program of systematic search, paper's training set, {len(srows)} seeds",
               max((r["t"] for r in srows if r["solved"]), default=None), all(character),
               f"every seed: all 100 weights 1 and t < {DEPTH_LIMIT}")
    c3 = rate_at_least("other training sets give similar results", "Sec. 4.3, 'The training data'",
                       [bool(r["permuted_generalizes"]) for r in srows], PERMUTED_RATE, PERMUTED_MARGIN,
                       metric=f"share of permuted training sets ({len(srows)}) whose first fitting program is right "
                              f"on all unseen inputs")
    gd = [r["gd_3_unseen_accuracy"] for r in rows]
    c4 = exact("gradient descent from the 3 examples does not generalise",
               "Sec. 4.3, 'Why conventional neural net algorithms fail' (argued, not run)",
               "largest share over seeds of unseen inputs right, linear unit fitted by gradient descent from w = 0",
               max(gd), max(gd) < GRADIENT_CEILING, f"below {GRADIENT_CEILING}")
    return grade(judge([c1, c2, c3, c4]), primary=2)


# ----------------------------------------------------------------------------------------
# The experiment
# ----------------------------------------------------------------------------------------

CITATION = ("Schmidhuber, J. (1997). Discovering neural nets with low Kolmogorov complexity and high generalization "
            "capability. Neural Networks 10(5):857–873; ICML 1995 version: Discovering solutions with low Kolmogorov "
            "complexity and high generalization capability")
SEED_ONLY = "the seed's description (published catalog), not read in the paper"
PAPER_FIGURES = [
    {"name": "inputs, outputs, weights", "value": "100, 1, 100", "where": "Sec. 4.3 (ICML Sec. 4.1), 'The task'"},
    {"name": "bits on per input; possible inputs", "value": "3; C(100,3) = 161,700",
     "where": "Sec. 4.3, 'The task' (the count from a secondary copy; the HTML drops the formula)"},
    {"name": "weight range", "value": "integers in [-10000, 10000]", "where": "ICML Sec. 4.1, 'The task'"},
    {"name": "training inputs (bits on), target", "value": "{5,17,86}, {13,55,58}, {40,87,94}; 3",
     "where": "Sec. 4.3, 'The training data'"},
    {"name": "the only solution; its logical depth", "value": "w_i = 1; < 400 time steps",
     "where": "Sec. 4.3, 'The solution'"},
    {"name": "unseen test inputs", "value": N_UNSEEN, "where": "Sec. 4.4, 'Results' (same inputs; secondary copy)"},
    {"name": "adding positions: fitting runs that generalise (same inputs, another target)", "value": "8 of 10",
     "where": "Sec. 4.4, 'Results' (secondary copy)"},
    {"name": "counting task: runs, search time, programs found, generalisation", "value": "not read",
     "where": "Sec. 4.3, results paragraph (end of IDSIA loconet/node9.html): not retrievable"},
    {"name": "programs enumerated before the find", "value": "~1e5–1e6", "where": SEED_ONLY},
    {"name": "found program", "value": "length 4, 13-instruction language", "where": SEED_ONLY},
]


PHASE_COST = "each phase doubles the time; phases above 40 would run for days"


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, 1500 probabilistic "
                         "runs per seed, systematic search to phase 17 and the cost-growth search to phase 12, "
                         "20 OdyssNet steps, learners on 3 and 30 examples")
    parser.add_argument("--model", choices=["levin", "odyssnet"], default="levin",
                        help="levin: search over weight-writing programs (default); odyssnet: the catalog's "
                             "OdyssNet core trained by BPTT on the same examples, for comparison")
    parser.add_argument("--search", choices=["probabilistic", "systematic"], default="probabilistic",
                        help="probabilistic: the paper's runs, each a random program and time limit (default; "
                             "the headline); systematic: Levin's universal search, phase by phase (its own section)")
    parser.add_argument("--runs", type=int_at_most(1 << 24, "2^24 runs already take hours per seed"), default=1 << 16,
                        help="probabilistic search: runs per seed (default 65536)")
    parser.add_argument("--max-phase", type=int_at_most(40, PHASE_COST), default=24,
                        help="systematic search: last phase (default 24)")
    parser.add_argument("--growth-max-phase", type=int_at_most(40, PHASE_COST, low=0), default=26,
                        help="systematic search: last phase of the cost-growth search over several target nets; "
                             "0 skips it (default 26)")
    parser.add_argument("--odyssnet-steps", type=int_at_most(10**6, "a million optimizer steps per fit is hours"),
                        default=ODYSSNET_RECIPE["optimizer_steps"],
                        help=f"optimizer steps of each OdyssNet fit (default {ODYSSNET_RECIPE['optimizer_steps']})")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the linear unit's hand-written gradient numerically and exit")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck", "--seed"),
                     "to search and training runs, not to --gradcheck")
    parser.only_when(args.model == "levin", ["--search", "--runs", "--max-phase", "--growth-max-phase"],
                     "with --model levin")
    parser.only_when(args.model == "odyssnet", ["--odyssnet-steps"], "with --model odyssnet")
    parser.only_when(args.search == "probabilistic", ["--runs"], "to the probabilistic search")
    parser.only_when(args.search == "systematic", ["--max-phase", "--growth-max-phase"], "to the systematic search")
    require_seeds(parser, args, MIN_SEEDS_SYSTEMATIC if args.search == "systematic" else MIN_SEEDS)
    return args


def probabilistic_run(seeds, runs: int, sizes) -> dict:
    """The headline: the paper's probabilistic search on the paper's training set, one random stream per seed."""
    clock = Progress(1)
    print(f"Probabilistic search for the weights of the counting perceptron: the paper's 3 training inputs, "
          f"{runs} runs per seed, seeds {seeds[0]}..{seeds[-1]}")
    progress = Progress(runs * len(seeds), label="run")
    per_seed, all_fits, first_runs, cache = [], [], [], {}
    for s, seed in enumerate(seeds):
        found, charged = probabilistic_search(seed, runs, fitting(PAPER_TRAIN), progress=progress, offset=s * runs)
        for f in found:
            if f.weights not in cache:
                cache[f.weights] = unseen_accuracy(f.weights)
        good = [f for f in found if cache[f.weights] == 1.0]
        gd = {n: row[3] for n, row in zip(sizes, linear_learners(seed, sizes))}
        first = found[0] if found else None
        per_seed.append({
            "seed": seed, "solved": bool(found), "runs": runs, "fits": len(found), "generalizing_fits": len(good),
            "share_generalizing": len(good) / len(found) if found else None,
            "first_fit_run": first.run if first else None,
            "first_fit_program": disassemble(first.program) if first else None,
            "first_fit_t": first.steps if first else None, "first_fit_limit": first.limit if first else None,
            "first_fit_unseen_accuracy": cache[first.weights] if first else None,
            "steps_charged": charged,
            **{f"gd_{n}_unseen_accuracy": gd[n] for n in sizes}})
        all_fits += found
        first_runs.append(first)
    columns = ["seed", "fits", "generalizing_fits", "first_fit_run", "first_fit_program", "first_fit_t",
               "first_fit_limit", "steps_charged"]
    print(format_table(columns, [[r[c] for c in columns] for r in per_seed]))

    # The fitting programs, pooled over seeds
    counts = Counter(f.program for f in all_fits)
    info = {f.program: f for f in all_fits}
    ranked = sorted(counts, key=lambda p: (-counts[p], p))
    bad = [p for p in ranked if cache[info[p].weights] < 1.0]
    shown = [p for p in ranked if cache[info[p].weights] == 1.0][:10] + bad[:10]
    program_rows = [[disassemble(p), counts[p], float(np.log2(info[p].denominator)), info[p].steps,
                     cache[info[p].weights], "".join("1" if v == 1 else "." for v in info[p].weights[:20])]
                    for p in shown]
    total, generalizing = len(all_fits), sum(r["generalizing_fits"] for r in per_seed)

    # Learners on the same data: the first fit's net and gradient descent (seed 0)
    head = per_seed[0]
    learner_rows = []
    if first_runs[0] is not None:
        w = np.array(first_runs[0].weights)
        learner_rows.append(learner_row("probabilistic search, first fitting program's net", 3,
                                        levin.dense(PAPER_TRAIN) @ w, outputs_on_triples(w), probe_accuracy(w), PAPER_TRAIN))
    learner_rows += linear_learners(seeds[0], sizes)
    print(format_table(LEARNER_COLUMNS, learner_rows))
    gd_means = [[n, float(np.mean([r[f"gd_{n}_unseen_accuracy"] for r in per_seed])),
                 sum(r[f"gd_{n}_unseen_accuracy"] == 1.0 for r in per_seed)] for n in sizes]

    summary = summarize([r["share_generalizing"] for r in per_seed], [r["solved"] for r in per_seed])
    summary["metric"] = "share_generalizing"
    return {
        "slug": "levin-count-inputs",
        "paper": {"citation": CITATION,
                  "claim": "From 3 training examples, search for weight-writing programs of low Levin complexity finds "
                           "the counting net w_i = 1, which is right on all 161,697 unseen inputs, where conventional "
                           "gradient descent does not generalise",
                  "figures": PAPER_FIGURES},
        "summary": (f"probabilistic search over weight-writing programs, the paper's 3 inputs: {generalizing} of {total} "
                    f"fitting runs ({len(seeds)} seeds x {runs} runs) right on all {N_UNSEEN} unseen inputs; the linear "
                    f"unit fitted to the same 3 by gradient descent is right on {format_value(gd_means[0][1])} of them"),
        "headline": {"runs": runs, "fitting_runs": head["fits"], "generalizing_fits": head["generalizing_fits"],
                     "first_fit_run": head["first_fit_run"], "first_fit_program": head["first_fit_program"],
                     "first_fit_t": head["first_fit_t"], "first_fit_limit": head["first_fit_limit"],
                     "first_fit_unseen_accuracy": head["first_fit_unseen_accuracy"],
                     "gd_3_unseen_accuracy": head["gd_3_unseen_accuracy"]},
        "seeds": {"per_seed": per_seed, "summary": summary},
        "tables": [
            {"title": f"Probabilistic search, {runs} runs per seed (a seed is the random stream of time limits and "
                      f"guesses); fitting runs and the first one",
             "columns": columns, "rows": [[r[c] for c in columns] for r in per_seed]},
            {"title": f"Fitting programs, pooled over {len(seeds)} seeds: {total} fitting runs, {generalizing} right on "
                      f"all {N_UNSEEN} unseen inputs; the 10 most frequent that generalise and the 10 most frequent "
                      f"that do not (weights 0..19: 1 shown as '1', anything else as '.')",
             "columns": ["program", "fitting runs", "-log2 P", "t", "unseen accuracy", "weights 0..19"],
             "rows": program_rows},
            {"title": f"Seed {seeds[0]}: the nets on the paper's data (unseen = every three-bit input outside that "
                      f"learner's training set; probe = inputs with other counts, ours)",
             "columns": LEARNER_COLUMNS, "rows": learner_rows},
            {"title": f"Linear unit fitted by gradient descent, {len(seeds)} seeds (a seed draws the inputs beyond the "
                      f"paper's 3)",
             "columns": ["training examples", "mean unseen accuracy", "seeds at 1.0"], "rows": gd_means},
        ],
        "tour": "Probabilistic search: runs draw a time limit and guess a program; the fitting ones write the "
                "counting net, which is right on every unseen three-bit input.",
        "wallclock_s": clock.elapsed,
    }


def systematic_run(seeds, max_phase: int, growth_max_phase: int) -> dict:
    """Levin's systematic search: per seed, the paper's training set and a permuted one, one enumeration."""
    clock = Progress(1)
    print(f"Systematic universal search, phases up to {max_phase}: the paper's training set and one permuted set "
          f"per seed, seeds {seeds[0]}..{seeds[-1]} (a seed orders the instructions at each oracle request)")
    per_seed, first_search = [], None
    for seed in seeds:
        permuted = permuted_train(seed)
        search = levin_search([fitting(PAPER_TRAIN), fitting(permuted)], max_phase, order=tie_break_order(seed),
                              progress=False)
        first_search = first_search or search
        found, other = search.finds
        row = {"seed": seed, "solved": found is not None}
        if found is None:
            row |= {"program": None, "bits": None, "t": None, "phase": None, "programs_run": None,
                    "steps_charged": None, "unseen_accuracy": None, "all_ones": False}
        else:
            row |= {"program": disassemble(found.program), "bits": float(np.log2(found.denominator)),
                    "t": found.steps, "phase": found.phase, "programs_run": found.programs,
                    "steps_charged": found.charged_steps, "unseen_accuracy": unseen_accuracy(found.weights),
                    "all_ones": all(v == 1 for v in found.weights)}
        row |= {"permuted_train": "; ".join(",".join(map(str, t)) for t in permuted),
                "permuted_program": disassemble(other.program) if other else None,
                "permuted_unseen_accuracy": unseen_accuracy(other.weights, permuted) if other else None}
        row["permuted_generalizes"] = row["permuted_unseen_accuracy"] == 1.0
        per_seed.append(row)
        print(f"  seed {seed}: {row['program']} (phase {row['phase']}, {row['programs_run']} programs); permuted "
              f"set: {row['permuted_program']}, unseen accuracy {format_value(row['permuted_unseen_accuracy'])}",
              flush=True)
    head = per_seed[0]
    first = first_search.finds[0]
    phase_log = first_search.phase_log if first is None else (
        [p for p in first_search.phase_log if p[0] < first.phase] + [(first.phase, first.programs, first.charged_steps)])
    columns = ["seed", "program", "bits", "t", "phase", "programs_run", "steps_charged", "unseen_accuracy",
               "permuted_train", "permuted_program", "permuted_unseen_accuracy"]
    tables = [
        {"title": f"Seed {seeds[0]}: the cost of systematic search up to each phase (cumulative; phase i runs every "
                  f"program p with 2^i P(p) >= 1 for 2^i P(p) steps)",
         "columns": ["phase", "programs run", "steps charged"], "rows": [list(p) for p in phase_log]},
        {"title": "Systematic search per seed (a seed orders the 13 instructions at each oracle request and "
                  "permutes the input units for the second training set); bits = -log2 P(program)",
         "columns": columns, "rows": [[r[c] for c in columns] for r in per_seed]},
    ]
    if growth_max_phase:
        print(f"\nCost growth: target nets of increasing Levin complexity, up to phase {growth_max_phase}")
        tables.append(growth_table(growth_max_phase))
    summary = summarize([r["programs_run"] for r in per_seed], [r["solved"] for r in per_seed])
    summary["metric"] = "programs_run"
    n_perm = sum(r["permuted_generalizes"] for r in per_seed)
    programs = Counter(r["program"] for r in per_seed)
    return {
        "summary": (f"systematic search: first fitting program {programs.most_common(1)[0][0]} on "
                    f"{programs.most_common(1)[0][1]}/{len(seeds)} seeds (phase {head['phase']}, t = {head['t']}); "
                    f"permuted training sets: first fit right on all unseen inputs on {n_perm}/{len(seeds)}"),
        "headline": {k: head[k] for k in ("program", "bits", "t", "phase", "programs_run", "steps_charged",
                                          "unseen_accuracy")},
        "seeds": {"per_seed": per_seed, "summary": summary},
        "tables": tables,
        "wallclock_s": clock.elapsed,
    }


def odyssnet_run(seeds, sizes, steps: int, n_test: int = ODYSSNET_TEST, n_probe: int = 1000) -> dict:
    clock = Progress(1)
    print(f"OdyssNet core: {ODYSSNET_RECIPE | {'optimizer_steps': steps}} on the paper's three-bit inputs, training "
          f"sets of {sizes}, seeds {seeds[0]}..{seeds[-1]}")
    rows, per_seed = [], []
    progress = Progress(len(seeds) * len(sizes), label="fit")
    for s, seed in enumerate(seeds):
        entry = {"seed": seed}
        for k, n in enumerate(sizes):
            train = training_triples(seed, n)
            train_out, triple_out, probe = odyssnet_fit(seed, train, steps, n_test, n_probe)
            row = learner_row("OdyssNet core, BPTT + AdamW", n, train_out, triple_out, probe, train)
            entry |= {f"train_accuracy_{n}": row[2], f"unseen_accuracy_{n}": row[3], f"probe_accuracy_{n}": row[4]}
            if s == 0:
                rows.append(row)
            progress.update(s * len(sizes) + k + 1, force=True, seed=seed, examples=n, unseen=row[3], probe=row[4])
        entry["solved"] = entry[f"train_accuracy_{sizes[0]}"] == 1.0
        per_seed.append(entry)
    columns = list(per_seed[0])
    print(format_table(columns, [[r[c] for c in columns] for r in per_seed]))
    summary = summarize([r[f"unseen_accuracy_{sizes[0]}"] for r in per_seed], [r["solved"] for r in per_seed])
    summary["metric"] = f"unseen_accuracy_{sizes[0]}"
    means = {n: (float(np.mean([r[f"unseen_accuracy_{n}"] for r in per_seed])),
                 float(np.mean([r[f"probe_accuracy_{n}"] for r in per_seed]))) for n in sizes}
    sizes_text = " / ".join(map(str, sizes))
    return {
        "summary": (f"OdyssNet core ({ODYSSNET_RECIPE['neurons']} neurons, BPTT + AdamW, {steps} steps) trained on "
                    f"{sizes_text} three-bit inputs, means of {len(seeds)} seeds: exact-count accuracy "
                    f"{' / '.join(format_value(means[n][0]) for n in sizes)} on a fixed sample of {n_test} unseen "
                    f"three-bit inputs and {' / '.join(format_value(means[n][1]) for n in sizes)} on probe inputs "
                    f"with 1, 2, 4, 5 or 6 bits on"),
        "headline": {f"{key}_{n}_examples": r[i] for n, r in zip(sizes, rows)
                     for key, i in (("training_accuracy", 2), ("unseen_accuracy", 3), ("probe_accuracy", 4))},
        "seeds": {"per_seed": per_seed, "summary": summary},
        "tables": [{"title": f"OdyssNet core, seed {seeds[0]} ({steps} optimizer steps, mini-batches of up to "
                             f"{ODYSSNET_RECIPE['batch']}; the linear unit's training sets; unseen = a fixed sample of "
                             f"{n_test} of the {N_UNSEEN} unseen inputs, probe = up to {n_probe} inputs per count)",
                    "columns": LEARNER_COLUMNS, "rows": rows},
                   {"title": f"OdyssNet core, means over {len(seeds)} seeds (a seed: initial weights, mini-batch order "
                             f"and the training inputs beyond the paper's 3)",
                    "columns": ["training examples", "mean training accuracy", "mean unseen accuracy",
                                "mean probe accuracy", "seeds fitting their training set"],
                    "rows": [[n, float(np.mean([r[f"train_accuracy_{n}"] for r in per_seed])), means[n][0],
                              means[n][1], sum(r[f"train_accuracy_{n}"] == 1.0 for r in per_seed)] for n in sizes]}],
        "wallclock_s": clock.elapsed,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        error = gradcheck(args.seed)
        print(f"linear unit gradient: max relative error {error:.3e}")
        return 0 if error <= 1e-6 else 1
    sizes = TRAIN_SIZES
    if args.quick:
        args.n_seeds, args.runs = min(args.n_seeds, 2), min(args.runs, 1500)
        args.max_phase, args.growth_max_phase = min(args.max_phase, 17), min(args.growth_max_phase, 12)
        args.odyssnet_steps = min(args.odyssnet_steps, 20)
        sizes = (3, 30)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    if args.model == "odyssnet":
        section = odyssnet_run(seeds, sizes, args.odyssnet_steps, *((1000, 100) if args.quick else ()))
        conclude(section, __file__, verdict, args.record, section="odyssnet")
        return 0
    if args.search == "systematic":
        section = systematic_run(seeds, args.max_phase, args.growth_max_phase)
        conclude(section, __file__, verdict, args.record, section="systematic")
        return 0
    record = probabilistic_run(seeds, args.runs, sizes)
    head = record["seeds"]["per_seed"]
    conclude(record, __file__, verdict, args.record, measured={
        "fitting runs": sum(r["fits"] for r in head),
        "of them right on every unseen input": sum(r["generalizing_fits"] for r in head),
        f"first fitting program (seed {seeds[0]})": head[0]["first_fit_program"] or "none",
        "gradient descent from 3 examples: unseen accuracy": head[0]["gd_3_unseen_accuracy"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
