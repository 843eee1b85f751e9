"""Double pole balancing without velocities, solved by co-evolving neurons (ESP) and co-evolving
synapses (CoSyNE).

Gomez, F. & Schmidhuber, J. (2005). Co-evolving recurrent neurons learn deep memory POMDPs. GECCO 2005,
pp. 491-498 (ESP, and its hierarchical form H-ESP). Gomez, F., Schmidhuber, J. & Miikkulainen, R. (2008).
Accelerated neural evolution through cooperatively coevolved synapses. JMLR 9:937-965 (CoSyNE).

The task (Wieland 1991; the non-Markov version of Gruau, Whitley & Pyeatt 1996): a cart on a 4.8 m
track carries two poles of half-lengths 0.5 m and 0.05 m side by side, hinged on the cart. The
controller sees only the three positions (x, theta1, theta2), never the velocities, and pushes the
cart with a force in [-10, 10] N every 0.01 s. Both poles must stay within 36 degrees of upright and
the cart on the track. The controller is a fully recurrent net of 5 tanh neurons (neuron 0 is the
output): it must build the velocities in its own state.

  ESP: one subpopulation per neuron; networks are formed by drawing one neuron from each; a neuron's
       fitness is the mean fitness of the networks it took part in; recombination within each
       subpopulation, Cauchy mutation, burst mutation when the best fitness stagnates.
  CoSyNE: one subpopulation per weight (the columns of a population matrix); the top quarter of the
       networks is recombined and mutated into offspring that replace the worst; then the weights of
       each column are permuted among the networks, a weight being marked for permutation with a
       probability that falls with its network's fitness.
  Baselines: CMA-ES (shared.search.evo) on the same 45 weights; the same CoSyNE evolving an OdyssNet core.

A run solves the task when a network it evaluates balances both poles for 1000 steps from the
standard start (long pole at 4.5 degrees, all else 0); its cost is the number of networks evaluated
until then. The solution network is then tested for 100,000 steps from that start and on the
generalisation test: 625 starts (x, x', theta1, theta1' each at 5 levels), balanced for 1000 steps.

Run:  python3 double-pole-no-velocity/double_pole_no_velocity.py --n-seeds 20 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.cluster import pool
from shared.learning import tape_episodes
from shared.learning.control import OdyssNetBank
from shared.environments.cartpole import DoublePole
from shared.search.neuroevo import CMAESRun, CoSyNE, ESP
from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most, require_seeds,
                                     stub_parser, summarize)
from shared.frame.verdict import grade, judge, paired_better, pending, rate_at_least

POLE = DoublePole()
EVAL_STEPS = 1000            # an evaluation lasts at most 1000 steps (10 s): balancing them solves the task
LONG_STEPS = 100_000         # the solution's long test (1000 s)
GENERAL_STEPS = 1000         # each generalisation start
GENERAL_PASS = 200           # of 625: Gruau et al.'s generalisation criterion

# ========================================================================================
# GENERAL PIECE for shared.neuroevo: fully recurrent nets as genomes, ESP, CoSyNE, batched
# evaluation of a whole generation (all networks of all seeds in one rollout).
# ========================================================================================


class RecurrentPolicy:
    """P fully recurrent tanh nets of H neurons on n_in inputs, from genomes (P, H * (n_in + 1 + H)):
    neuron j's genes are its input weights, bias, recurrent weights (the ESP neuron). The state
    h (P, H) starts at 0; h' = tanh(W_in [obs, 1] + W_rec h); the action is h'_0 in [-1, 1]."""

    def __init__(self, genomes: np.ndarray, n_in: int, hidden: int):
        genomes = np.asarray(genomes, dtype=float)
        self.n_in, self.hidden = n_in, hidden
        self.w = genomes.reshape(len(genomes), hidden, n_in + 1 + hidden)     # (P, H, [inputs, bias, recurrent])

    @staticmethod
    def n_genes(n_in: int, hidden: int) -> int:
        return hidden * (n_in + 1 + hidden)

    def initial_state(self, n: int) -> np.ndarray:
        return np.zeros((n, self.hidden))

    def take(self, idx: np.ndarray) -> "RecurrentPolicy":
        out = object.__new__(RecurrentPolicy)
        out.n_in, out.hidden = self.n_in, self.hidden
        out.w = self.w[idx]
        return out

    def step(self, h: np.ndarray, obs: np.ndarray):
        v = np.concatenate([obs, np.ones((len(h), 1)), h], axis=1)
        h = np.tanh((self.w * v[:, None, :]).sum(-1))
        return h, h[:, 0]


class OdyssNetPolicy:
    """P OdyssNet cores (shared.learning.control.OdyssNetBank, default settings, 1 thinking step) whose every
    parameter is a gene: W's off-diagonal, B, memory_feedback, memory_gate, input_scale, output_scale,
    norm.weight. Inputs on neurons 0..n_in-1, the action tanh(read-out of the last neuron)."""

    def __init__(self, genomes: np.ndarray, n_in: int, neurons: int, thinking: int = 1):
        genomes = np.asarray(genomes, dtype=float)
        self.n_in, self.neurons, self.thinking = n_in, neurons, thinking
        self.bank = OdyssNetBank(n_in, 1, neurons, thinking, [0])
        p, n = len(genomes), neurons
        off = ~np.eye(n, dtype=bool)
        sizes = self.layout(n_in, n)
        parts = np.split(genomes, np.cumsum(list(sizes.values()))[:-1], axis=1)
        params = dict(zip(sizes, parts))
        W = np.zeros((p, n, n))
        W[:, off] = params.pop("W")
        params["W"] = W
        params["output_scale"] = params["output_scale"].reshape(p, 1)
        self.bank.params = params

    @staticmethod
    def layout(n_in: int, neurons: int) -> dict:
        return {"W": neurons * (neurons - 1), "B": neurons, "memory_feedback": neurons, "memory_gate": neurons,
                "input_scale": n_in, "output_scale": 1, "norm.weight": neurons}

    @staticmethod
    def n_genes(n_in: int, neurons: int) -> int:
        return sum(OdyssNetPolicy.layout(n_in, neurons).values())

    def initial_state(self, n: int) -> np.ndarray:
        return np.zeros((n, 1, self.neurons))

    def take(self, idx: np.ndarray) -> "OdyssNetPolicy":
        out = object.__new__(OdyssNetPolicy)
        out.n_in, out.neurons, out.thinking = self.n_in, self.neurons, self.thinking
        out.bank = object.__new__(OdyssNetBank)
        out.bank.__dict__.update(self.bank.__dict__)
        out.bank.params = {k: v[idx] for k, v in self.bank.params.items()}
        return out

    def step(self, h: np.ndarray, obs: np.ndarray):
        h, out = self.bank.step(h, obs[:, None, :])
        return h, np.tanh(out[:, 0, 0])


def gruau_fitness(steps: np.ndarray, window_sum: np.ndarray) -> np.ndarray:
    """Gruau et al.'s damping fitness 0.1 f1 + 0.9 f2: f1 = t / 1000, f2 = 0.75 / sum over the last 100
    steps of (|x| + |x'| + |theta1| + |theta1'|) when t >= 100, else 0."""
    f1 = steps / EVAL_STEPS
    f2 = np.where(steps >= 100, 0.75 / np.maximum(window_sum, 1e-12), 0.0)
    return 0.1 * f1 + 0.9 * f2


def rollout(policy, starts: np.ndarray, max_steps: int, env: DoublePole = POLE, record: bool = False,
            progress: str | None = None):
    """Run P episodes at once (policy p from starts[p]) until failure or max_steps; failed episodes
    leave the batch. Returns steps balanced (P,), Gruau's damping fitness (P,), and with record=True
    the states (T+1, P, 6), actions (T, P) and hidden states (T, P, ...) (after a failure: NaN)."""
    n = len(starts)
    rows = np.array(starts, dtype=float).T.copy()           # (6, n): the state's rows, the fast layout
    scale = np.array([env.x_limit, env.theta_limit, env.theta_limit])[:, None]
    h = policy.initial_state(n)
    live = np.arange(n)
    steps = np.full(n, max_steps)
    window = np.zeros((101, n))         # cumulative |x|+|x'|+|th1|+|th1'| at the last 101 steps (ring)
    cum = np.zeros(n)
    damping = np.zeros(n)
    if record:
        states = np.full((max_steps + 1, n, 6), np.nan)
        states[0] = rows.T
        acts = np.full((max_steps, n), np.nan)
        hiddens = np.full((max_steps,) + h.shape, np.nan)
    clock = Progress(max_steps, label=progress, every_s=10.0) if progress else None
    for t in range(max_steps):
        h, u = policy.step(h, (rows[0::2] / scale).T)
        rows = env.step_rows(rows, np.clip(u * env.max_force, -env.max_force, env.max_force))
        cum = cum + np.abs(rows[:4]).sum(0)
        window[(t + 1) % 101] = cum
        if record:
            states[t + 1, live] = rows.T
            acts[t, live] = u
            hiddens[t, live] = h
        down = ((np.abs(rows[0]) > env.x_limit) | (np.abs(rows[2]) > env.theta_limit)
                | (np.abs(rows[4]) > env.theta_limit))
        if down.any():
            done = live[down]
            steps[done] = t + 1
            past = window[(t + 1 - 100) % 101, down] if t + 1 >= 100 else 0.0
            damping[done] = gruau_fitness(np.full(len(done), t + 1), cum[down] - past)
            keep = ~down
            live, rows, h, cum, window = live[keep], rows[:, keep], h[keep], cum[keep], window[:, keep]
            policy = policy.take(keep)
            if not len(live):
                break
        if clock is not None:
            clock.update(t + 1, alive=len(live))
    if len(live):
        past = window[(max_steps - 100) % 101] if max_steps >= 100 else 0.0
        damping[live] = gruau_fitness(np.full(len(live), max_steps), cum - past)
    if record:
        return steps, damping, states, acts, hiddens
    return steps, damping


# ========================================================================================
# The experiment: runs of all seeds in lockstep, every generation one batched rollout.
# ========================================================================================

N_IN = 3


@dataclass(frozen=True)
class Config:
    method: str = "cosyne"        # "cosyne", "esp", "cmaes"
    model: str = "rnn"            # "rnn": 5 fully recurrent tanh neurons; "odyssnet": an OdyssNet core
    hidden: int = 5
    fitness: str = "steps"        # "steps": steps balanced; "damping": Gruau's damping fitness
    esp_size: int = 40            # neurons per ESP subpopulation
    esp_trials: int = 10          # networks each neuron takes part in per generation
    cosyne_size: int = 100        # CoSyNE population (networks)
    cmaes_size: int = 40          # CMA-ES population
    max_evals: int = 20_000       # the cap on networks evaluated per run
    long_steps: int = LONG_STEPS
    general_steps: int = GENERAL_STEPS


def genes_of(cfg: Config) -> int:
    if cfg.model == "odyssnet":
        return OdyssNetPolicy.n_genes(N_IN, cfg.hidden)
    return RecurrentPolicy.n_genes(N_IN, cfg.hidden)


def policy_of(cfg: Config, genomes: np.ndarray):
    if cfg.model == "odyssnet":
        return OdyssNetPolicy(genomes, N_IN, cfg.hidden)
    return RecurrentPolicy(genomes, N_IN, cfg.hidden)


def make_run(cfg: Config, seed: int):
    rng = np.random.default_rng([seed, 18])
    genes = genes_of(cfg)
    if cfg.method == "esp":
        if cfg.model != "rnn":
            raise ValueError("ESP evolves the neurons of the fully recurrent net only")
        return ESP(cfg.hidden, genes // cfg.hidden, cfg.esp_size, rng, trials=cfg.esp_trials)
    if cfg.method == "cosyne":
        return CoSyNE(genes, cfg.cosyne_size, rng)
    return CMAESRun(genes, rng, popsize=cfg.cmaes_size)


def evolve(cfg: Config, seeds, progress: bool = True) -> list[dict]:
    """Every seed's run, in lockstep: each generation, the networks of all unsolved runs are
    evaluated in one rollout. A run stops at the first network that balances EVAL_STEPS steps (its
    evaluations counted up to that network, in the order the generation lists them) or at the cap."""
    runs = {s: make_run(cfg, s) for s in seeds}
    evals = {s: 0 for s in seeds}
    out = {s: {"seed": s, "solved": False, "evaluations": None, "generations": 0, "best_steps": 0}
           for s in seeds}
    solution = {}
    curves = {s: [] for s in seeds}
    clock = Progress(len(seeds), label=f"{cfg.method} runs solved", every_s=10.0) if progress else None
    active = list(seeds)
    while active:
        asks = {s: runs[s].ask() for s in active}
        genomes = np.concatenate([asks[s] for s in active])
        steps, damping = rollout(policy_of(cfg, genomes), POLE.standard_start(len(genomes)), EVAL_STEPS)
        fitness = steps.astype(float) if cfg.fitness == "steps" else damping
        at = 0
        still = []
        for s in active:
            k = len(asks[s])
            st, fi = steps[at:at + k], fitness[at:at + k]
            at += k
            row = out[s]
            row["generations"] += 1
            row["best_steps"] = max(row["best_steps"], int(st.max()))
            hit = np.flatnonzero(st >= EVAL_STEPS)
            if len(hit) and evals[s] + hit[0] + 1 <= cfg.max_evals:
                evals[s] += int(hit[0]) + 1
                row.update(solved=True, evaluations=evals[s])
                solution[s] = asks[s][hit[0]]
            else:
                evals[s] += k
                if evals[s] >= cfg.max_evals:
                    evals[s] = cfg.max_evals
                else:
                    runs[s].tell(fi, asks[s])
                    still.append(s)
            curves[s].append((evals[s], int(st.max())))
            if not row["solved"] and s not in still:
                row["evaluations"] = None
                best = int(np.argmax(fi))
                solution[s] = asks[s][best]
        active = still
        if clock is not None:
            clock.update(len(seeds) - len(active), generation=max(out[s]["generations"] for s in seeds))
    rows = []
    for s in seeds:
        row = out[s]
        row["evaluations_capped"] = row["evaluations"] if row["solved"] else cfg.max_evals
        if cfg.method == "esp":
            row["bursts"] = runs[s].bursts
        rows.append(row)
    return rows, solution, curves


def test_solutions(cfg: Config, solutions: dict, seeds, progress: bool = True) -> dict:
    """The long test (long_steps from the standard start) and the generalisation test (625 starts,
    general_steps each) of every run's solution network (or best network if unsolved)."""
    genomes = np.stack([solutions[s] for s in seeds])
    long_steps, _ = rollout(policy_of(cfg, genomes), POLE.standard_start(len(seeds)), cfg.long_steps,
                            progress="long test step" if progress else None)
    starts = POLE.generalisation_starts()
    n = len(starts)
    rep = np.repeat(genomes, n, axis=0)
    gen_steps, _ = rollout(policy_of(cfg, rep), np.tile(starts, (len(seeds), 1)), cfg.general_steps,
                           progress="generalisation step" if progress else None)
    passed = (gen_steps.reshape(len(seeds), n) >= cfg.general_steps).sum(1)
    return {s: {"long_steps": int(long_steps[i]), "general": int(passed[i])} for i, s in enumerate(seeds)}


def _run_part(task):
    cfg, seeds, progress = task
    rows, solutions, curves = evolve(cfg, seeds, progress=progress)
    tested = test_solutions(cfg, solutions, seeds, progress=progress)
    return rows, solutions, tested


def run_all(cfg: Config, seeds, workers: int = 1):
    """evolve + test_solutions over the seeds, in `workers` processes (halves of the seeds): the same
    figures either way (every seed's run is independent of the others)."""
    parts = [list(map(int, part)) for part in np.array_split(seeds, workers) if len(part)]
    if len(parts) == 1:
        return _run_part((cfg, parts[0], True))
    with pool(workers=len(parts)) as executor:
        results = list(executor.map(_run_part, [(cfg, part, i == 0) for i, part in enumerate(parts)]))
    rows = [r for part in results for r in part[0]]
    solutions = {k: v for part in results for k, v in part[1].items()}
    tested = {k: v for part in results for k, v in part[2].items()}
    return rows, solutions, tested


# ========================================================================================
# Data movement (issue 21)
# ========================================================================================


def _odyssnet_episode(tape, neurons: int, steps: int):
    """One OdyssNet-core candidate over ``steps`` control steps: the positions written and scaled, one
    thinking step, the action tanh(read-out) times the force."""
    p = tape_episodes.odyssnet_parameters(tape, neurons, N_IN, 1)
    h = None
    for _ in range(steps):
        x = tape.map(tape.zeros((1, N_IN), np.float64))
        h, out = tape_episodes.odyssnet_forward(tape, h, p, x)
        tape.map(tape.map(out))
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. One step is one candidate evaluation: one network
    (float64) run for a whole EVAL_STEPS-step episode from the standard start: every step the positions
    scaled, the net's update (numpy's (w * [x, 1, h]).sum(-1), tanh) and the force. This is the
    longest episode an evaluation can be: most candidates fail earlier (the record holds no mean episode
    length), so each cost is an upper bound. Left out: the cart-pole physics (the environment's RK4) and
    the damping fitness's bookkeeping; the population update (CoSyNE's sort, crossover, Cauchy mutation
    and permutations, ESP's, CMA-ES's covariance update and eigendecomposition of 45 x 45), which is a
    few hundred to a few thousand operations per network evaluated against about 100,000 of the episode.
    Steps to solve: the median networks evaluated over the solved runs (seeds.summary of each part)."""
    median = lambda part: ((part.get("seeds") or {}).get("summary") or {}).get("median")   # noqa: E731
    cfg = Config()
    genes = genes_of(cfg)
    episode = f"one candidate evaluation: a {EVAL_STEPS}-step episode (the cap)"
    size = f"fully recurrent net, {cfg.hidden} tanh neurons, {genes} weights, float64"
    net = lambda tape: tape_episodes.recurrent_episode(tape, N_IN, cfg.hidden, EVAL_STEPS)   # noqa: E731
    rows = [{"row": "CoSyNE", "family": "evolution", "step": episode, "size": size, "program": net,
             "steps_to_solve": median(record), "steps_from": "median networks evaluated to a solution (seeds.summary)"}]
    if "odyssnet" in record:
        n_genes = OdyssNetPolicy.n_genes(N_IN, cfg.hidden)
        rows.append({"row": "CoSyNE, OdyssNet core", "family": "evolution", "step": episode,
                     "size": f"OdyssNet core, {cfg.hidden} neurons, {n_genes} genes, 1 thinking step, float64",
                     "program": lambda tape: _odyssnet_episode(tape, cfg.hidden, EVAL_STEPS),
                     "steps_to_solve": median(record["odyssnet"]),
                     "steps_from": "[odyssnet] median networks evaluated to a solution (none solved)"})
    for part, name in (("esp", "ESP"), ("cmaes", "CMA-ES")):
        if part in record:
            rows.append({"row": name, "family": "evolution", "step": episode, "size": size, "program": net,
                         "steps_to_solve": median(record[part]),
                         "steps_from": f"[{part}] median networks evaluated to a solution"})
    return rows


# ========================================================================================
# The verdict: the rule, written and committed before the recorded run.
# ========================================================================================

ABSTRACT_2008 = ("Gomez, Schmidhuber & Miikkulainen 2008, abstract (JMLR 9:937): 'CoSyNE is shown to be "
                 "significantly more efficient and powerful than the other methods on these tasks'")
ABSTRACT_2005 = ("Gomez & Schmidhuber 2005, abstract (GECCO 2005): ESP-style neuron co-evolution solves POMDP "
                 "tasks needing memory")
MIN_RUNS = 20
SOLVE_RATE, SOLVE_MARGIN = 1.0, 0.25     # 'solves the task' read as: every run, within a margin of 0.25


def verdict(record: dict) -> dict:
    """The catalog's verdict for double-pole-no-velocity, from the headline (CoSyNE) and the "esp" section.

    Claims (metric, test), Holm-corrected at 0.05:
    1. CoSyNE solves the double pole without velocities (a network balances 1000 steps from the
       4.5-degree start within the cap of evaluations): share of runs solved, exact binomial,
       H0 rate <= 0.75 (every run, less a margin of 0.25): needs >= 19 of 20.
    2. ESP solves it: the same test on the "esp" section's runs.
    3. CoSyNE needs fewer evaluations than ESP (the JMLR paper's claim): paired one-sided t on the log
       ratios of evaluations to solve over the seeds, an unsolved run counted at the cap.
    Minimum: 20 runs of each. Primary: claims 1 and 2. yes: all hold; partial: 1 and 2 hold, 3 not;
    no: 1 or 2 fails. Baselines (CMA-ES, the OdyssNet core, the damping fitness) are reported, not graded.
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    esp = ((record.get("esp") or {}).get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_RUNS or len(esp) < MIN_RUNS:
        return pending(f"{len(rows)} CoSyNE and {len(esp)} ESP runs; the rule needs {MIN_RUNS} of each "
                       f"(python3 double-pole-no-velocity/double_pole_no_velocity.py --n-seeds 20 and "
                       f"--method esp --n-seeds 20)")
    by_seed = {r["seed"]: r for r in esp}
    paired = [r for r in rows if r["seed"] in by_seed]
    claims = judge([
        rate_at_least("CoSyNE solves the double pole without velocities", ABSTRACT_2008,
                      [bool(r["solved"]) for r in rows], SOLVE_RATE, SOLVE_MARGIN,
                      metric="share of runs with a network balancing 1000 steps within the cap"),
        rate_at_least("ESP solves the double pole without velocities", ABSTRACT_2005,
                      [bool(r["solved"]) for r in esp], SOLVE_RATE, SOLVE_MARGIN,
                      metric="share of runs with a network balancing 1000 steps within the cap"),
        paired_better("CoSyNE needs fewer evaluations than ESP", ABSTRACT_2008,
                      [r["evaluations_capped"] for r in paired],
                      [by_seed[r["seed"]]["evaluations_capped"] for r in paired],
                      metric="networks evaluated until the first solution (unsolved: the cap), log ratio "
                             "CoSyNE / ESP per seed"),
    ])
    return grade(claims, primary=2)


PAPER = {
    "citation": "Gomez, F. & Schmidhuber, J. (2005). Co-evolving recurrent neurons learn deep memory POMDPs. "
                "Proc. GECCO 2005, pp. 491-498. Gomez, F., Schmidhuber, J. & "
                "Miikkulainen, R. (2008). Accelerated neural evolution through cooperatively coevolved synapses. "
                "Journal of Machine Learning Research 9:937-965.",
    "claim": "Neuroevolution of recurrent networks by cooperative coevolution solves the double pole balancing "
             "task without velocity information, a POMDP: at the level of neurons (ESP, and its hierarchical form "
             "in the 2005 paper) and, more efficiently than the other methods compared, at the level of single "
             "synapses (CoSyNE; the 2008 abstract). Only the two abstracts could be read for this report (the "
             "papers' method and result sections were not reachable): no figure of the papers' tables is quoted.",
    "figures": [
        {"name": "CoSyNE vs the other methods on the pole-balancing tasks with hidden state",
         "value": "significantly more efficient and powerful", "where": ABSTRACT_2008},
        {"name": "the published catalog (secondary): ESP, H = 5, 40 neurons per subpopulation, 1000-step "
                 "criterion", "value": "10/10 seeds solve; seed 0 at generation 27 (21,600 trials)",
         "where": "shared/catalog-plan.md block 34 (the published catalog's figures)"},
    ],
}

SECTIONS = {
    "esp": "ESP (--method esp): one subpopulation per neuron",
    "cmaes": "CMA-ES on the same 45 weights (--method cmaes)",
    "odyssnet": "CoSyNE evolving an OdyssNet core of 5 neurons (--model odyssnet)",
    "damping": "CoSyNE with Gruau's damping fitness (--fitness damping)",
    "esp-damping": "ESP with Gruau's damping fitness (--method esp --fitness damping)",
}


def section_of(cfg: Config) -> str | None:
    if cfg.model == "odyssnet":
        return "odyssnet"
    if cfg.method == "cmaes":
        return "cmaes"
    if cfg.method == "esp":
        return "esp-damping" if cfg.fitness == "damping" else "esp"
    return "damping" if cfg.fitness == "damping" else None


def describe(cfg: Config) -> str:
    net = (f"OdyssNet core ({cfg.hidden} neurons, {genes_of(cfg)} genes)" if cfg.model == "odyssnet"
           else f"fully recurrent net ({cfg.hidden} tanh neurons, {genes_of(cfg)} weights)")
    alg = {"esp": f"ESP ({cfg.hidden} subpopulations of {cfg.esp_size}, {cfg.esp_trials * cfg.esp_size} "
                  f"networks a generation)",
           "cosyne": f"CoSyNE ({cfg.cosyne_size} networks)",
           "cmaes": f"CMA-ES (population {cfg.cmaes_size}, sigma0 1)"}[cfg.method]
    fit = "steps balanced" if cfg.fitness == "steps" else "Gruau's damping fitness"
    return f"{alg}, {net}, fitness {fit}, cap {cfg.max_evals} evaluations"


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, a cap of 200 "
                         "evaluations, a 300-step long test, 50-step generalisation starts")
    parser.add_argument("--method", choices=["cosyne", "esp", "cmaes"], default="cosyne",
                        help="cosyne: synapse-level coevolution (the headline); esp: neuron-level; cmaes: "
                             "shared.search.evo's CMA-ES (baseline)")
    parser.add_argument("--model", choices=["rnn", "odyssnet"], default="rnn",
                        help="rnn: 5 fully recurrent tanh neurons (default); odyssnet: an OdyssNet core's "
                             "parameters evolved by CoSyNE")
    parser.add_argument("--fitness", choices=["steps", "damping"], default="steps",
                        help="steps: steps balanced (default); damping: Gruau et al.'s damping fitness")
    parser.add_argument("--max-evals", type=int_at_most(200_000, "every evaluation is a rollout of up to 1000 "
                                                                 "steps"), default=Config.max_evals,
                        help="cap on the networks evaluated per run")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1,
                        help="processes the seeds are split over (the same figures; a recorded command with 2 runs "
                             "under record.sh --both)")
    args = parser.parse_args(argv)
    if args.model == "odyssnet" and args.method != "cosyne":
        parser.error("--model odyssnet is evolved by CoSyNE only (--method cosyne)")
    if args.method == "cmaes" and args.fitness == "damping":
        parser.error("--fitness damping is run for cosyne and esp only")
    if args.model == "odyssnet" and args.fitness == "damping":
        parser.error("--model odyssnet is run with --fitness steps only")
    if args.record and not args.quick and args.max_evals != Config.max_evals:
        parser.error(f"--record writes the catalog's configuration only (--max-evals {Config.max_evals})")
    require_seeds(parser, args, MIN_RUNS)
    return args


def config_of(args) -> Config:
    cfg = Config(method=args.method, model=args.model, fitness=args.fitness, max_evals=args.max_evals)
    if args.quick:
        cfg = replace(cfg, max_evals=min(cfg.max_evals, 200), long_steps=300, general_steps=50)
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    cfg = config_of(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    section = section_of(cfg)
    label = describe(cfg)
    print(f"double pole without velocities: {label}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows, solutions, tested = run_all(cfg, seeds, workers=args.workers)
    for row in rows:
        row.update(tested[row["seed"]])
        row["holds_long"] = bool(row["solved"] and row["long_steps"] >= cfg.long_steps)
        row["generalises"] = bool(row["solved"] and row["general"] >= GENERAL_PASS)
    columns = ["seed", "solved", "evaluations", "evaluations_capped", "generations", "best_steps", "long_steps",
               "holds_long", "general", "generalises"] + (["bursts"] if cfg.method == "esp" else [])
    rows = [{k: r[k] for k in columns} for r in rows]
    print(format_table(columns, [list(r.values()) for r in rows]))
    summary = summarize([r["evaluations"] for r in rows], [r["solved"] for r in rows])
    n_solved, n_runs = summary["n_solved"], summary["n_runs"]
    solved = [r for r in rows if r["solved"]]
    long_ok = sum(r["holds_long"] for r in rows)
    general_ok = sum(r["generalises"] for r in rows)
    mean_general = float(np.mean([r["general"] for r in solved])) if solved else None
    prefix = "" if section is None else section.replace("-", "_") + "_"
    headline = {f"{prefix}solved": f"{n_solved}/{n_runs}",
                f"{prefix}median_evaluations": summary["median"],
                f"{prefix}mean_evaluations": summary["mean"],
                f"{prefix}hold_{cfg.long_steps}_steps": f"{long_ok}/{n_runs}",
                f"{prefix}generalise_{GENERAL_PASS}_of_625": f"{general_ok}/{n_runs}",
                f"{prefix}mean_general_of_625": mean_general}
    measured = {"runs solved": f"{n_solved}/{n_runs}", "median evaluations to solve": summary["median"],
                f"solutions holding {cfg.long_steps} steps": f"{long_ok}/{n_runs}",
                f"solutions balancing >= {GENERAL_PASS} of 625 starts": f"{general_ok}/{n_runs}"}
    grid = np.linspace(0, cfg.max_evals, 11)[1:]
    curve_rows = [[int(g), int(sum(1 for r in rows if r["solved"] and r["evaluations"] <= g))] for g in grid]
    tables = [{"title": f"Per seed ({label}): solved within the cap, networks evaluated until the first that "
                        f"balances {EVAL_STEPS} steps, generations, the best steps seen, the solution's steps in the "
                        f"{cfg.long_steps}-step test, and its count of the 625 generalisation starts balanced "
                        f"{cfg.general_steps} steps (unsolved runs: the last generation's best network)",
               "columns": columns, "rows": [list(r.values()) for r in rows]},
              {"title": f"Runs solved within a budget of evaluations ({label})",
               "columns": ["evaluations", "runs solved"], "rows": curve_rows}]
    part = {"summary": f"{'' if section is None else SECTIONS[section] + ': '}{n_solved}/{n_runs} runs solve "
                       f"({EVAL_STEPS} steps from 4.5 degrees, cap {cfg.max_evals}), median "
                       f"{format_value(summary['median'])} evaluations; {long_ok} hold {cfg.long_steps} steps, "
                       f"{general_ok} balance >= {GENERAL_PASS}/625 generalisation starts",
            "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**summary, "metric": "evaluations"}},
            "tables": tables, "wallclock_s": clock.elapsed}
    if section is None:
        part = {"slug": "double-pole-no-velocity", "paper": PAPER, **part,
                "tour": "Seed 0's CoSyNE solution balancing both poles from positions only, beside its five "
                        "neurons and the velocities it never sees."}
    conclude(part, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
