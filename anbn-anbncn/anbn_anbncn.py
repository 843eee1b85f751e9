"""Counting languages: Gers & Schmidhuber (2001), LSTM recurrent networks learn simple context-free
and context-sensitive languages, IEEE Transactions on Neural Networks 12(6):1333-1340.

The paper's body was not available: this reproduction rests on the abstract's claims [P] and on the
seed's facts [S] (the catalog plan); every other setting is ours and labelled so in the README.

The task (the seed's format [S]). Strings S a^n b^n T (the context-free a^n b^n) and
S a^n b^n c^n T (the context-sensitive a^n b^n c^n) are read one symbol at a time (one-hot inputs
S a b [c]); at every step the net predicts the set of symbols that may come next (outputs a b [c] T):
after S {a}; after an a {a, b}; inside the b block {b}; after the n-th b {T} (a^n b^n) or {c}
(a^n b^n c^n); inside the c block {c}; after the n-th c {T}. The target is 1 on the legal symbols
and 0 on the others. A string is accepted when at every step the outputs thresholded at 0.5 are
exactly the legal set. Generalisation: the largest N such that every n in 1..N is accepted.

The learner (the seed's facts [S]: peephole LSTM with forget gates, the truncated RTRL-style
gradient, on-line gradient descent with momentum 0.99 and learning rate 1e-5). Ours where the seed
says nothing: one memory block of one cell per symbol block (2 for a^n b^n, 3 for a^n b^n c^n), the
2000 paper's wiring (cells and gates read the inputs and the cell outputs; the output units read
the cells and, by a shortcut, the inputs; biased gates and outputs, no cell bias), input- and
output-gate biases -0.5, -1, -1.5 by block and forget-gate biases +5 (the large forget bias of
Gers et al. 2000, Sec. 4.5.1), other weights uniform in [-0.1, 0.1], g = 4 sigma - 2,
h = 2 sigma - 1 (shared.networks.paper_lstm.PaperLSTM with forget_gate=True, peepholes=True). The learning
rate of the headline is 1e-3, 100 times the seed's (which learns nothing within the budget: its
own section). Training strings: n uniform in 1..10, one fresh string per weight change (the
truncated gradient summed over the string, then momentum SGD). A trial stops when its 2000 most
recent training strings were all accepted, each scored before the change it causes (the 1997
papers' ST3 without its error bound; ours); every CHECK strings it is also run frozen on the whole
training set (n = 1..10), for the learning curve. Then every n in 1..N_TEST (1000) is tested, and
a trial that passes them all is tested on n in GRID (2000, 5000, 10000) as well.

Comparisons (ours): a tanh RNN trained by BPTT with Adam, and the catalog's OdyssNet core, on the
same strings (each seed's own stream), the same budget of strings and the same stopping rule.

Run:  python3 anbn-anbncn/anbn_anbncn.py --n-seeds 20 --workers 2 --record                  (headline)
      python3 anbn-anbncn/anbn_anbncn.py --model rnn --n-seeds 20 --workers 2 --record
      python3 anbn-anbncn/anbn_anbncn.py --model odyssnet --n-seeds 10 --workers 2 --record
      python3 anbn-anbncn/anbn_anbncn.py --lr 1e-05 --n-seeds 20 --workers 2 --record       (the seed's rate)
"""

from __future__ import annotations

import sys
import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.environments import tasks
from shared.frame.cluster import pool
from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, positive_float, positive_int,
                                     require_seeds, stub_parser, summarize)
from shared.learning.long_lag import StepOdyssLearner, StepRNNLearner
from shared.networks.paper_lstm import PaperLSTM
from shared.networks import tape_steps
from shared.frame.verdict import grade, judge, paired_better, pending, rate_at_least

# ----------------------------------------------------------------------------------------
# The paper's claims and the seed's facts
# ----------------------------------------------------------------------------------------

SLUG = "anbn-anbncn"
CITATION = ("Gers, F. A. & Schmidhuber, J. (2001). LSTM recurrent networks learn simple context-free and "
            "context-sensitive languages. IEEE Transactions on Neural Networks 12(6):1333-1340, "
            "doi:10.1109/72.963769 (abstract only: the body was not available).")
ABSTRACT_CFL = ("We demonstrate LSTMs superior performance on context-free language benchmarks for RNNs, and show "
                "that it works even better than previous hardwired or highly specialized architectures.")
ABSTRACT_CSL = ("To the best of our knowledge, LSTM variants are also the first RNNs to learn a simple "
                "context-sensitive language, namely a^n b^n c^n.")
PAPER_FIGURES = [
    {"name": "claim on context-free languages", "value": ABSTRACT_CFL, "where": "abstract [P]"},
    {"name": "claim on a^n b^n c^n", "value": ABSTRACT_CSL, "where": "abstract [P]"},
    {"name": "a^n b^n generalisation", "value": "n 'in the thousands' (no number quoted)",
     "where": "seed's facts [S], catalog plan; not read in the paper"},
    {"name": "optimizer", "value": "gradient descent with momentum 0.99, learning rate 1e-5",
     "where": "seed's facts [S], catalog plan; not read in the paper"},
    {"name": "network", "value": "peephole LSTM with forget gates, truncated RTRL-style gradient, on-line",
     "where": "seed's facts [S], catalog plan; not read in the paper"},
]

SEED_LR = 1e-5                 # [S]
MOMENTUM = 0.99                # [S]
HEADLINE_LR = 1e-3             # ours: 100x the seed's rate (1e-5 and 1e-4 learn nothing within the budget; README)
TRAIN_MAX = 10                 # ours: training strings n = 1..10
N_TEST = 1000                  # every n in 1..N_TEST is tested
GRID = (2000, 5000, 10000)     # then these, for a trial that passed all n <= N_TEST
CHECK = 500                    # strings between two checks of the training set (the learning curve)
STOP_RUN = 2000                # stop: the 2000 most recent training strings were all accepted (ST3-style)
BUDGET = 60_000                # training strings per trial
FORGET_BIAS = 5.0              # ours: every forget gate starts nearly shut off from forgetting
LEARNED = 2 * TRAIN_MAX        # a run "learns" the language when it generalises to at least this n

LANGUAGES = {"anbn": 2, "anbncn": 3}          # symbol blocks a, b[, c]
NAMES = {"anbn": "a^n b^n", "anbncn": "a^n b^n c^n"}
SYMBOLS_IN = "Sabc"
SYMBOLS_OUT = "abcT"


# ----------------------------------------------------------------------------------------
# The languages
# ----------------------------------------------------------------------------------------


def sizes(language: str) -> tuple[int, int]:
    """(inputs, outputs): S a b [c] in, a b [c] T out."""
    k = LANGUAGES[language]
    return k + 1, k + 1


def strings(language: str, ns, width: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strings S a^n b^n [c^n] for each n in ``ns``, padded to ``width`` steps: codes (K, width)
    (0 = S, 1 = a, 2 = b, 3 = c; -1 past the end), targets (K, width, outputs) 1 on every symbol
    legal next (a, b, [c,] T), weights (K, width) 1 on the string's steps (shared.environments.tasks.counting_strings)."""
    return tasks.counting_strings(LANGUAGES[language], ns, width)


def legal_sets(language: str, n: int) -> list[str]:
    """The legal next symbols at every step of S a^n b^n [c^n], as strings (for tests and pictures)."""
    _, targets, _ = strings(language, [n])
    return ["".join(SYMBOLS_OUT[o] for o in np.nonzero(row)[0] if o < LANGUAGES[language])
            + ("T" if row[LANGUAGES[language]] else "") for row in targets[0]]


def step_correct(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(..., O) outputs (probabilities) and 0/1 targets -> whether the outputs thresholded at 0.5 are
    exactly the legal set."""
    return ((outputs > 0.5) == (targets > 0.5)).all(axis=-1)


def accepted(outputs: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(..., T, O) outputs -> (...) whether every step of the string (weight 1) is predicted exactly."""
    return (step_correct(outputs, targets) | (weights == 0)).all(axis=-1)


def training_ns(seed: int) -> np.random.Generator:
    """A seed's training stream of n (uniform in 1..TRAIN_MAX): its own generator, whoever trains on it."""
    return np.random.default_rng([seed, 1])


def draw_ns(rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.integers(1, TRAIN_MAX + 1, count)


CHUNKS = [(1, 20), (21, 50), (51, 100), (101, 200), (201, 350), (351, 500), (501, 750), (751, 1000)]


def generalisation(accepts, trials: int, n_max: int = N_TEST, grid=GRID) -> list[dict]:
    """Test every n in 1..n_max in growing chunks, each trial until its first rejected string; then
    the n in ``grid`` (in order, until the first rejected) for the trials that passed all n <= n_max.
    accepts(rows, ns) -> (len(rows), len(ns)) bool for trials ``rows``. Returns per trial
    {"generalisation": largest N with 1..N all accepted, "first_rejected": N + 1 (None if none up
    to n_max), "beyond": the largest grid n reached (None: grid not reached or not tested)}."""
    out = [{"generalisation": 0, "first_rejected": None, "beyond": None} for _ in range(trials)]
    alive = list(range(trials))
    chunks = [(a, min(b, n_max)) for a, b in CHUNKS if a <= n_max] + \
             [(b + 1, n_max) for _, b in CHUNKS[-1:] if b < n_max]
    for low, high in chunks:
        if not alive:
            break
        ns = np.arange(low, high + 1)
        ok = np.asarray(accepts(alive, ns))
        still = []
        for row, good in zip(alive, ok):
            if good.all():
                out[row]["generalisation"] = int(high)
                still.append(row)
            else:
                first = int(ns[np.argmin(good)])
                out[row]["generalisation"], out[row]["first_rejected"] = first - 1, first
        alive = still
    for n in grid:
        if not alive or n <= n_max:
            continue
        ok = np.asarray(accepts(alive, np.array([n])))[:, 0]
        for row, good in zip(alive, ok):
            if good:
                out[row]["beyond"] = int(n)
        alive = [row for row, good in zip(alive, ok) if good]
    return out


# ----------------------------------------------------------------------------------------
# The network: peephole LSTM with forget gates [S]; sizes and initial biases ours
# ----------------------------------------------------------------------------------------


def paper_net(language: str, seeds) -> PaperLSTM:
    """One trial per seed: one block of one cell per symbol block, the 2000 paper's wiring."""
    inputs, outputs = sizes(language)
    blocks = LANGUAGES[language]
    ramp = [0.5 * (j + 1) for j in range(blocks)]
    return PaperLSTM(inputs, blocks, 1, outputs, [np.random.default_rng([s, 0]) for s in seeds], forget_gate=True,
                     peepholes=True, reads="cells", shortcut=True, output_bias="random", cell_bias=False,
                     init_scale=0.1, gate_bias={"input": [-r for r in ramp], "output": [-r for r in ramp],
                                                "forget": FORGET_BIAS})


def lstm_accepts(net: PaperLSTM, language: str):
    """accepts(rows, ns) for ``generalisation``: the frozen trials ``rows`` run on the strings, one
    stream per n, step by step (no (T, K) arrays: n reaches 10,000)."""
    def accepts(rows, ns):
        codes, targets, weights = strings(language, ns)
        frozen = net.frozen(np.asarray(rows))
        frozen.start(len(ns), learn=False)
        ok = np.ones((len(rows), len(ns)), bool)
        for t in range(codes.shape[1]):
            y = frozen.step(np.ascontiguousarray(np.broadcast_to(codes[:, t], (len(rows), len(ns)))))
            ok &= step_correct(y, targets[None, :, t]) | (weights[None, :, t] == 0)
        return ok
    return accepts


def run_string(params: dict, language: str, n: int) -> dict:
    """One trained net (W, V, peep) on S a^n b^n [c^n]: cell states, gates and outputs at every step
    (for the pictures and the tests)."""
    net = paper_net(language, [0])
    net.W[0], net.V[0], net.peep[0] = (np.asarray(params[k], float) for k in ("W", "V", "peep"))
    codes, targets, weights = strings(language, [n])
    y = net.sequence(codes[None], None)
    b = net.blocks
    gates = net.cache["gates"][:, 0, 0]
    return {"codes": codes[0], "targets": targets[0], "outputs": y[0, 0], "states": net.cache["s"][:, 0, 0],
            "input_gate": gates[:, :b], "forget_gate": gates[:, b:2 * b], "output_gate": gates[:, 2 * b:],
            "cell_out": net.cache["y_c"][:, 0, 0], "accepted": bool(accepted(y[0, 0], targets[0], weights[0]))}


# ----------------------------------------------------------------------------------------
# On-line training: one string per weight change, momentum gradient descent [S]
# ----------------------------------------------------------------------------------------


def snapshot_points(budget: int) -> set:
    """The checks at which the first seed's weights are kept (for the animation): log-spaced."""
    return {int(round(x / CHECK)) * CHECK for x in np.geomspace(CHECK, budget, 24)}


def train_bank(job) -> list[dict]:
    """job = (language, seeds, lr, momentum, budget, n_max, grid): train one bank of trials on line
    until each has accepted STOP_RUN training strings in a row or ``budget`` strings pass, then test it. One row per
    seed (its learning curve, where it stopped, its generalisation and its final weights)."""
    language, seeds, lr, momentum, budget, n_max, grid = job
    net = paper_net(language, seeds)
    P = len(seeds)
    width = 1 + LANGUAGES[language] * TRAIN_MAX
    codes, targets, weights = strings(language, range(1, TRAIN_MAX + 1), width)
    rngs = [training_ns(s) for s in seeds]
    stopped = np.full(P, -1)
    curve = [[] for _ in range(P)]          # [strings seen, training strings accepted (of 10)]
    online = np.zeros(P)                    # training strings accepted on line since the last check
    run = np.zeros(P, np.int64)             # training strings accepted in a row, each before its update
    snaps, keep_at = [], snapshot_points(budget)
    block = 1000
    check = lstm_accepts(net, language)
    snaps.append([0, {k: v[0].tolist() for k, v in net.params.items()}])
    net.start(1)
    progress = Progress(budget, label=f"{NAMES[language]} seeds {seeds[0]}-{seeds[-1]}: strings")
    for i in range(budget):
        if i % block == 0:
            drawn = np.stack([draw_ns(r, block) for r in rngs])
        rows = drawn[:, i % block] - 1
        y = net.sequence(codes[rows][:, None], targets[rows][:, None], weights[rows][:, None])
        ok = accepted(y[:, 0], targets[rows], weights[rows])
        online += ok
        active = stopped < 0
        run = np.where(ok, run + 1, 0)
        net.apply(lr, active, momentum)     # v = m v + lr (-dE/dw), w += v; a stopped trial's change is dropped
        now = active & (run >= STOP_RUN)
        stopped[now] = i + 1
        regular = (i + 1) % CHECK == 0 or i + 1 == budget
        if regular or now.any():            # a trial's curve does not depend on its companions' stops
            seen = i + 1
            live = np.nonzero(active if regular else now)[0]
            score = check(live, np.arange(1, TRAIN_MAX + 1)).sum(axis=1)
            for k, accepted_now in zip(live, score):
                since = seen - curve[k][-1][0] if curve[k] else seen
                curve[k].append([seen, int(accepted_now), float(online[k] / since)])
                online[k] = 0.0
            if (stopped[0] < 0 or stopped[0] == seen) and (seen in keep_at or stopped[0] == seen or seen == budget):
                snaps.append([seen, {k: v[0].tolist() for k, v in net.params.items()}])
            progress.update(seen, stopped=int((stopped >= 0).sum()))
            if (stopped >= 0).all():
                break
    tests = generalisation(lstm_accepts(net, language), P, n_max, grid)
    rows = []
    for k, seed in enumerate(seeds):
        rows.append({"model": "lstm", "language": language, "seed": int(seed), "solved": bool(stopped[k] >= 0),
                     "sequences": int(stopped[k]) if stopped[k] >= 0 else None,
                     "seen": int(stopped[k]) if stopped[k] >= 0 else int(curve[k][-1][0]),
                     **tests[k], "learned": tests[k]["generalisation"] >= LEARNED, "curve": curve[k],
                     "params": {name: v[k].tolist() for name, v in net.params.items()}})
    rows[0]["snapshots"] = snaps
    return rows


# ----------------------------------------------------------------------------------------
# Comparisons (ours): a tanh RNN (BPTT, Adam) and the OdyssNet core, mini-batches of BATCH strings
# from the same stream, the same budget and the same stopping rule
# ----------------------------------------------------------------------------------------

BATCH = 16
RNN_SETUP = {"hidden": 8, "lr": 1e-2}
ODYSSNET = {"neurons": 16, "thinking_steps": 2, "lr": 3e-3}


def rnn_learner(language: str, seed: int) -> StepRNNLearner:
    """A tanh RNN, logistic outputs, cross-entropy at every step (shared.learning.long_lag.StepRNNLearner)."""
    inputs, outputs = sizes(language)
    return StepRNNLearner(inputs, RNN_SETUP["hidden"], outputs, RNN_SETUP["lr"], np.random.default_rng([seed, 0]))


def odyssnet_learner(language: str, seed: int) -> StepOdyssLearner:
    """The OdyssNet core, each symbol held for 2 thinking steps, squared error at every step, AdamW
    (shared.learning.long_lag.StepOdyssLearner)."""
    inputs, outputs = sizes(language)
    return StepOdyssLearner(inputs, ODYSSNET["neurons"], outputs, ODYSSNET["lr"], np.random.default_rng([seed, 0]),
                            thinking_steps=ODYSSNET["thinking_steps"])


LEARNERS = {"rnn": rnn_learner, "odyssnet": odyssnet_learner}


def batch_accepts(learner, language: str):
    def accepts(rows, ns):
        ok = []
        for start in range(0, len(ns), 50):
            codes, targets, weights = strings(language, ns[start:start + 50])
            ok.append(accepted(learner.outputs(codes), targets, weights))
        return np.concatenate(ok)[None]
    return accepts


def train_learner(job) -> list[dict]:
    """job = (model, language, seeds, budget, n_max, grid): each seed's learner on its own stream,
    BATCH strings per update, the same stopping rule (each string scored before its batch's update)
    and the same check of the training set every CHECK strings as the LSTM."""
    model, language, seeds, budget, n_max, grid = job
    rows = []
    width = 1 + LANGUAGES[language] * TRAIN_MAX
    codes, targets, weights = strings(language, range(1, TRAIN_MAX + 1), width)
    for seed in seeds:
        learner = LEARNERS[model](language, seed)
        rng = training_ns(seed)
        progress = Progress(budget, label=f"{model} {NAMES[language]} seed {seed}: strings")
        curve, stopped, seen, online, run = [], None, 0, 0.0, 0
        while seen < budget:
            count = min(BATCH, budget - seen)
            pick = draw_ns(rng, count) - 1
            y = learner.learn(codes[pick], targets[pick], weights[pick])
            ok = accepted(y, targets[pick], weights[pick])          # each string before the batch's update
            online += ok.sum()
            before, seen = seen, seen + count
            for j, good in enumerate(ok):
                run = run + 1 if good else 0
                if run >= STOP_RUN:
                    stopped = before + j + 1
                    break
            if seen // CHECK > before // CHECK or seen == budget or stopped:
                score = int(accepted(learner.outputs(codes), targets, weights).sum())
                curve.append([seen, score, float(online / (seen - (curve[-1][0] if curve else 0)))])
                online = 0.0
                progress.update(seen, accepted=score)
            if stopped:
                break
        test = generalisation(batch_accepts(learner, language), 1, n_max, grid)[0]
        rows.append({"model": model, "language": language, "seed": int(seed), "solved": stopped is not None,
                     "sequences": stopped, "seen": seen, **test, "learned": test["generalisation"] >= LEARNED,
                     "curve": curve, "weights": learner.weights})
    return rows


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py anbn-anbncn): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def median_strings(part: dict, language: str) -> float | None:
    """The median training strings to the stop over a record part's stopped seeds of one language."""
    stops = [row["sequences"] for row in (part.get("seeds") or {}).get("per_seed", [])
             if row["language"] == language and row["solved"]]
    return float(np.median(stops)) if stops else None


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. The peephole LSTM with forget gates (the headline, one row
    per language) learns on line, one training string per step, run at the bank's padded width (21 steps for
    a^n b^n, 31 for a^n b^n c^n, whatever n): symbol-coded inputs (a unit reads the symbol's row of W), one
    block of one cell per symbol block, the logistic outputs reading the cells, the input (shortcut) and a
    bias, a target at every step, the truncated gradient carried forward in traces with the peepholes'
    (as ``PaperLSTM.step`` computes it; the stub's ``sequence`` computes the same change backward), then
    the momentum step (a velocity per weight). The cells and gates read the cell outputs only, but the stub
    multiplies the whole hidden layer (the gates' weights held at 0), as priced. The comparisons on a^n b^n
    (the language they stop on) take a batch of 16 strings per update: the OdyssNet core (16 neurons, 2
    thinking steps per symbol, AdamW, float64) and the tanh RNN (8 units, Adam), targets at every step,
    gradient clipping not priced. Not priced: the checks on the training set, the generalisation tests."""
    rows = []
    for language in LANGUAGES:
        inputs, outputs = sizes(language)
        blocks, width = LANGUAGES[language], 1 + LANGUAGES[language] * TRAIN_MAX
        rows.append({"row": f"peephole LSTM, {NAMES[language]}", "family": "gradient",
                     "step": f"one training string ({width} steps)",
                     "size": f"{blocks} blocks of 1 cell, {weights_of('lstm', language)} weights, float64",
                     "program": lambda tape, i=inputs, b=blocks, o=outputs, w=width: tape_steps.paper_lstm_step(
                         tape, i, b, 1, o, w, targets="all", forget_gate=True, peepholes=True, shortcut=True,
                         one_hot=True, momentum=True),
                     "steps_to_solve": median_strings(record, language),
                     "steps_from": f"seeds.per_seed: median strings to the stop over stopped {language} seeds"})
    language = "anbn"
    inputs, outputs = sizes(language)
    width = 1 + LANGUAGES[language] * TRAIN_MAX
    if "odyssnet" in record:
        steps, neurons = ODYSSNET["thinking_steps"] * width, ODYSSNET["neurons"]
        median = median_strings(record["odyssnet"], language)
        rows.append({"row": f"OdyssNet core, {NAMES[language]}", "family": "gradient",
                     "step": f"one batch of {BATCH} strings ({steps} steps)",
                     "size": f"{neurons} neurons, AdamW, float64",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, neurons, inputs, outputs, steps,
                                                                      batch=BATCH, itemsize=8),
                     "steps_to_solve": None if median is None else median / BATCH,
                     "steps_from": f"[odyssnet] median strings to the stop over stopped {language} seeds / {BATCH}"})
    if "rnn" in record:
        median = median_strings(record["rnn"], language)
        rows.append({"row": f"tanh RNN, {NAMES[language]}", "family": "gradient",
                     "step": f"one batch of {BATCH} strings ({width} steps)",
                     "size": f"{RNN_SETUP['hidden']} tanh units, Adam, float64",
                     "program": lambda tape: tape_steps.rnn_step(tape, inputs, RNN_SETUP["hidden"], outputs, width,
                                                                 batch=BATCH, optimizer="adam"),
                     "steps_to_solve": None if median is None else median / BATCH,
                     "steps_from": f"[rnn] median strings to the stop over stopped {language} seeds / {BATCH}"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (fixed before the recorded runs)
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10
CHANCE_RATE = 0.2          # H0 of claims 1-2: at most this share of runs learns (what occasional luck gives)


def verdict(record: dict) -> dict:
    """Do the abstract's two claims hold on our runs?

    The abstract [P] claims (a) "LSTMs superior performance on context-free language benchmarks
    for RNNs" and (b) that "LSTM variants are also the first RNNs to learn a simple
    context-sensitive language, namely a^n b^n c^n". It gives no rates, training ranges or test
    ranges (the body, which has them, was not available), so each claim becomes a measurable rule
    on our protocol (training n = 1..10, every n up to 1000 tested):

    A run *learns* a language when it generalises to N >= 20 = twice the longest training string
    (every n in 1..20 accepted): an unmistakable extrapolation, not a lucky string or two past
    the training set.

    1. (primary) The LSTM learns a^n b^n (claim a): the share of headline runs that learn it is
       above 0.2 (exact binomial, H0 rate <= 0.2: what a method that fails but gets lucky now and
       then would show). With 10 runs, 6/10 (p = 0.0064) holds even at Holm's strictest level over
       four claims (0.0125); 5/10 (p = 0.033) holds only when the other claims' p-values are
       smaller; 4/10 (p = 0.12) never.
    2. (primary) The LSTM learns a^n b^n c^n (claim b), the same rule.
    3. The LSTM beats the RNN on a^n b^n ("superior performance ... for RNNs"): one-sided paired t
       over the seeds on log((N_LSTM + 1) / (N_RNN + 1)), geometric-mean ratio > 1 (section "rnn":
       the tanh RNN, BPTT and Adam, on the same strings, budget and check; ours).
    4. The LSTM beats the RNN on a^n b^n c^n ("the first RNNs to learn" it), the same test.

    Holm over the four; yes when all hold, partial when 1-2 hold, no otherwise. Reads the headline
    (>= 10 seeds per language) and the section "rnn" (the same seeds); pending otherwise. Not
    judged: the seed's "in the thousands" for a^n b^n [S] (no [P] source; reported beside the
    results) and "better than previous hardwired or highly specialized architectures" (none of
    those architectures is run here).
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    rnn = ((record.get("rnn") or {}).get("seeds") or {}).get("per_seed") or []
    lstm = {lang: {r["seed"]: r for r in rows if r["language"] == lang} for lang in LANGUAGES}
    base = {lang: {r["seed"]: r for r in rnn if r["language"] == lang} for lang in LANGUAGES}
    if min(len(lstm[lang]) for lang in LANGUAGES) < MIN_SEEDS:
        return pending(f"the rule needs the headline with >= {MIN_SEEDS} seeds per language "
                       f"(--n-seeds {MIN_SEEDS} --record)")
    if any(set(base[lang]) != set(lstm[lang]) for lang in LANGUAGES):
        return pending("the rule needs the section rnn on the headline's seeds "
                       f"(--model rnn --n-seeds {len(lstm['anbn'])} --record)")
    claims = []
    for lang, where in (("anbn", "abstract [P]: context-free benchmarks"), ("anbncn", "abstract [P]: a^n b^n c^n")):
        claims.append(rate_at_least(f"LSTM learns {NAMES[lang]} (generalises to n >= {LEARNED})", where,
                                    [r["generalisation"] >= LEARNED for r in lstm[lang].values()], paper_rate=1.0,
                                    margin=1.0 - CHANCE_RATE,
                                    metric=f"share of runs accepting every n in 1..{LEARNED} (trained on 1..{TRAIN_MAX})"))
    for lang, where in (("anbn", "abstract [P]: 'superior performance ... for RNNs'"),
                        ("anbncn", "abstract [P]: 'the first RNNs to learn' a^n b^n c^n")):
        seeds = sorted(lstm[lang])
        claims.append(paired_better(f"LSTM generalises further than the tanh RNN on {NAMES[lang]}", where,
                                    [lstm[lang][s]["generalisation"] + 1 for s in seeds],
                                    [base[lang][s]["generalisation"] + 1 for s in seeds],
                                    metric="N + 1, N the largest n with 1..N all accepted (paired by seed)",
                                    lower_is_better=False))
    return grade(judge(claims), primary=2)


# ----------------------------------------------------------------------------------------
# Tables, records and the command line
# ----------------------------------------------------------------------------------------

SEED_COLUMNS = ["language", "seed", "solved", "sequences", "seen", "generalisation", "first_rejected", "beyond",
                "learned"]
COLUMNS = ["language", "learner", "weights", "runs stopped (2000 in a row accepted)", "median strings to the stop",
           "runs accepting n = 1..10 at the end",
           "runs learning (N >= 20)", "median N", "mean N", "N of each seed", "reached n >= 1000", "beyond 1000"]


def weights_of(model: str, language: str) -> int:
    if model == "lstm":
        return paper_net(language, [0]).n_weights
    return LEARNERS[model](language, 0).weights


def table_rows(model: str, label: str, rows: list[dict]) -> list[list]:
    out = []
    for lang in LANGUAGES:
        rs = [r for r in rows if r["language"] == lang]
        if not rs:
            continue
        N = [r["generalisation"] for r in rs]
        done = [r["sequences"] for r in rs if r["solved"]]
        out.append([NAMES[lang], label, weights_of(model, lang), f"{len(done)}/{len(rs)}",
                    int(np.median(done)) if done else "-",
                    f"{sum(bool(r['curve']) and r['curve'][-1][1] == TRAIN_MAX for r in rs)}/{len(rs)}",
                    f"{sum(n >= LEARNED for n in N)}/{len(rs)}",
                    float(np.median(N)), float(np.mean(N)), " ".join(str(n) for n in N),
                    f"{sum(n >= N_TEST for n in N)}/{len(rs)}",
                    " ".join(str(r["beyond"]) for r in rs if r["beyond"]) or "-"])
    return out


def section_name(args) -> str | None:
    if args.model != "lstm":
        return args.model
    parts = []
    if args.lr != HEADLINE_LR:
        parts.append(f"lr{args.lr:g}")
    if args.momentum != MOMENTUM:
        parts.append(f"momentum{args.momentum:g}")
    if args.budget != BUDGET:
        parts.append(f"budget{args.budget}")
    return "_".join(parts) or None


def momentum_value(text: str) -> float:
    import argparse
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid momentum {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"momentum must be in [0, 1), got {text!r}")
    return value


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="a reduced run for the tests: 2 seeds, 300 training strings, "
                                               "n tested up to 30")
    parser.add_argument("--model", choices=("lstm", "rnn", "odyssnet"), default="lstm",
                        help="lstm: the peephole LSTM with forget gates, truncated gradient, on-line momentum "
                             "descent (headline); rnn, odyssnet: our comparisons on the same strings")
    parser.add_argument("--lr", type=positive_float, default=HEADLINE_LR,
                        help=f"--model lstm: learning rate (default {HEADLINE_LR:g}; the seed's: {SEED_LR:g})")
    parser.add_argument("--momentum", type=momentum_value, default=MOMENTUM,
                        help=f"--model lstm: momentum in [0, 1) (default {MOMENTUM:g}, the seed's)")
    parser.add_argument("--budget", type=int_at_most(10_000_000, "strings per trial"), default=BUDGET,
                        help=f"training strings per trial (default {BUDGET:,})")
    parser.add_argument("--workers", type=int_at_most(2, "one process per language"), default=1,
                        help="processes (2: one per language; the figures do not depend on it)")
    args = parser.parse_args(argv)
    parser.only_when(args.model == "lstm", ["--lr", "--momentum"], "with --model lstm")
    parser.only_when(not args.quick, ["--budget"], "without --quick (which sets a budget of 300)")
    require_seeds(parser, args, MIN_SEEDS)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    seeds = list(range(args.seed, args.seed + (2 if args.quick else args.n_seeds)))
    budget = 300 if args.quick else args.budget
    n_max, grid = (30, ()) if args.quick else (N_TEST, GRID)
    clock = Progress(1)
    label = {"lstm": f"peephole LSTM with forget gates, lr {args.lr:g}, momentum {args.momentum:g}, on line",
             "rnn": f"tanh RNN, {RNN_SETUP['hidden']} units, BPTT + Adam, batches of {BATCH} (ours)",
             "odyssnet": f"OdyssNet core, {ODYSSNET['neurons']} neurons, BPTT + AdamW, batches of {BATCH} (ours)"}
    print(f"{label[args.model]}: {budget:,} training strings (n = 1..{TRAIN_MAX}) per trial, seeds "
          f"{seeds[0]}..{seeds[-1]}, n tested up to {n_max}" + (f" and {grid}" if grid else ""), flush=True)
    if args.model == "lstm":
        jobs = [(lang, seeds, args.lr, args.momentum, budget, n_max, grid) for lang in LANGUAGES]
        work = train_bank
    else:
        jobs = [(args.model, lang, seeds, budget, n_max, grid) for lang in LANGUAGES]
        work = train_learner
    if args.workers > 1:
        with pool(args.workers) as executor:
            results = list(executor.map(work, jobs))
    else:
        results = [work(job) for job in jobs]
    rows = [r for part in results for r in part]
    extra = {}
    if args.model == "lstm":
        extra["params"] = {}
        extra["snapshots"] = {}
        for lang in LANGUAGES:
            rs = [r for r in rows if r["language"] == lang]
            best = max(rs, key=lambda r: (r["generalisation"], -r["seed"]))
            extra["params"][lang] = {"seed": best["seed"], **best["params"]}
            extra["snapshots"][lang] = {"seed": rs[0]["seed"], "points": rs[0].pop("snapshots")}
        for r in rows:
            r.pop("params")
    table = table_rows(args.model, label[args.model], rows)
    print("\n" + format_table(COLUMNS, table))
    per_seed = [{k: r[k] for k in SEED_COLUMNS} for r in rows]
    print(format_table(SEED_COLUMNS, [[r[k] for k in SEED_COLUMNS] for r in per_seed]))
    summary = summarize([r["sequences"] for r in per_seed], [r["solved"] for r in per_seed])
    headline = {"weights a^n b^n / a^n b^n c^n": f"{weights_of(args.model, 'anbn')} / "
                                                 f"{weights_of(args.model, 'anbncn')}",
                "training strings per trial (budget)": budget, "seeds per language": len(seeds)}
    parts = []
    for lang in LANGUAGES:
        rs = [r for r in rows if r["language"] == lang]
        N = [r["generalisation"] for r in rs]
        headline[f"{lang}: runs stopped (2000 strings in a row accepted)"] = sum(r["solved"] for r in rs)
        headline[f"{lang}: median strings to the stop"] = (float(np.median([r["sequences"] for r in rs if r["solved"]]))
                                                          if any(r["solved"] for r in rs) else None)
        headline[f"{lang}: runs learning (N >= {LEARNED})"] = sum(n >= LEARNED for n in N)
        headline[f"{lang}: median N"] = float(np.median(N))
        headline[f"{lang}: largest N"] = int(max(N))
        headline[f"{lang}: runs reaching n = {n_max}"] = sum(n >= n_max for n in N)
        parts.append(f"{NAMES[lang]}: {sum(n >= LEARNED for n in N)}/{len(rs)} runs generalise to n >= {LEARNED} "
                     f"(median N {np.median(N):g}, largest {max(N)}"
                     + (f", {sum(n >= n_max for n in N)} pass every n <= {n_max}" if any(n >= n_max for n in N) else "")
                     + ")")
    record = {"summary": f"{label[args.model]}, trained on n = 1..{TRAIN_MAX}: " + "; ".join(parts),
              "headline": headline,
              "seeds": {"per_seed": per_seed, "summary": {**summary, "metric": "sequences"}},
              "tables": [{"title": f"{label[args.model]}: {len(seeds)} seeds per language, {budget:,} training "
                                   f"strings per trial; N = the largest n such that every n in 1..N is accepted "
                                   f"(tested up to {n_max}, then {', '.join(map(str, grid)) or 'nothing'})",
                          "columns": COLUMNS, "rows": table}],
              "curves": {f"{r['language']}/{r['seed']}": r["curve"] for r in rows},
              **extra}
    section = section_name(args)
    if section is None:
        record.update({"slug": SLUG,
                       "paper": {"citation": CITATION,
                                 "claim": "LSTM (with forget gates and peepholes, per the seed) learns the "
                                          "context-free a^n b^n better than other RNNs and is the first RNN to "
                                          "learn the context-sensitive a^n b^n c^n (abstract); the seed reports "
                                          "a^n b^n generalising to n in the thousands",
                                 "figures": PAPER_FIGURES},
                       "tour": "The peephole LSTM learning a^n b^n c^n: cell states counting the a's down "
                               "over the b's and c's, as training proceeds."})
    record["wallclock_s"] = clock.elapsed
    measured = {k: v for k, v in headline.items() if "median N" in k or "learning" in k}
    conclude(record, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
