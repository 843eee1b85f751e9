"""curiosity-three-regions: a curious model-building control system (Schmidhuber 1991).

An agent walks on a ring of cells split into three regions: A, where what it senses is a fixed
function of the cell (few contexts, quickly known); B, where it senses fresh Gaussian noise
(unlearnable); C, where what it senses is a fixed function of the cell and of a cue that changes
every step (many contexts: learnable, but not yet learned). Four networks, as in the IJCNN 1991
paper: a world model M (an MLP) learns on line to predict the sensation; a confidence module C (an
MLP) learns to predict M's squared error (the paper's "modelling local expected error"); the
curiosity reward is the change of C's assumed reliability caused by the observation (its expected
error before minus after its update); a tabular Q-learning controller with motor actions (left,
stay, right) maximises the discounted sum of that reward. Contrasts on the same seeds: the naive
reward "M's error" (the noise trap), M's own one-sample improvement without a confidence module,
and random exploration (the paper's "conventional random search").
"""

from __future__ import annotations

import shared  # noqa: F401  (first: the kernel pins)

import argparse
import math
import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from shared.frame.cluster import ClusterError, pool, scheduler_address
from shared.frame.experiment import conclude, format_table, int_at_most, require_seeds, stub_parser, summarize
from shared.networks.mlp import MLP
from shared.learning import tape_control
from shared.learning.rl import QLambda, epsilon_greedy
from shared.frame.verdict import grade, judge, paired_better, pending

SLUG = "curiosity-three-regions"
REGIONS = ("A", "B", "C")
KINDS = ("confidence", "naive", "improvement", "random")
KIND_NAMES = {
    "confidence": "curiosity = change of C's assumed reliability (the paper's 4-network system)",
    "naive": "reward = M's squared prediction error (naive curiosity)",
    "improvement": "reward = M's error before minus after its update on the same sample (no confidence module)",
    "random": "random actions (the paper's random search)",
}
MIN_SEEDS = 10
CITATION = ("Schmidhuber, J. (1991). Adaptive confidence and adaptive curiosity. Technical Report FKI-149-91, "
            "Institut für Informatik, TU München. Read in its conference version: Schmidhuber, J. (1991). "
            "Curious model-building control systems. Proc. IJCNN 1991, Singapore, vol. 2, pp. 1458-1463 "
            "(transcription https://people.idsia.ch/~juergen/curioussingapore/curioussingapore.html); and "
            "Schmidhuber, J. (1991). A possibility for implementing curiosity and boredom in model-building "
            "neural controllers. Proc. SAB 1991, pp. 222-227.")


@dataclass(frozen=True)
class Config:
    cells: int = 4            # cells per region; the ring has 3 x cells
    cues: int = 32            # cues per cell of C: C has cells x cues contexts
    steps: int = 30_000       # environment steps per run
    hidden: int = 32          # tanh units of M and of the confidence module
    lr_m: float = 0.05        # M's SGD step size (one sample per step)
    lr_c: float = 0.05        # the confidence module's SGD step size
    conf_init: float = 0.5    # the confidence module's initial output (expected squared error)
    epsilon: float = 0.2      # the controller's exploration rate
    gamma: float = 0.9        # the controller's discount
    lr_q: float = 0.1         # Q-learning's step size
    sigma_b: float = math.sqrt(1.0 / 3.0)  # std of B's noise (the variance of A's and C's targets)
    noise_a: float = 0.0      # sensor noise on A (a variant)
    eval_every: int = 500     # steps between evaluations of M on every deterministic context
    windows: int = 10         # windows for the visit shares over time
    world: str = "ring"       # "ring" (the headline) or "grid" (10 x 10, a section)
    grid_side: int = 10
    grid_cues: int = 8        # cues per cell of C in the grid


# ----------------------------------------------------------------------------------------
# The environment: a ring of three regions
# ----------------------------------------------------------------------------------------


class World:
    """Cells 0..n-1 are A, n..2n-1 B, 2n..3n-1 C (a ring: the last cell of C borders the first of A).
    Actions 0, 1, 2 move left, stay, move right. After each move the agent senses one number y:
    A: a fixed value per cell (+ optional sensor noise); B: fresh N(0, sigma_b^2); C: a fixed value
    per (cell, cue), the cue drawn uniformly every step. The context M sees is a one-hot of the
    cell (A, B) or of the (cell, cue) pair (C): n + n + n x cues contexts."""

    n_actions = 3

    def __init__(self, cfg: Config, seed: int):
        self.cfg = cfg
        self.layout()
        table = np.random.default_rng([seed, 0])
        self.a_values = table.uniform(-1.0, 1.0, self.sizes[0])
        self.c_values = table.uniform(-1.0, 1.0, (self.sizes[2], self.cues))
        n_a, n_b, n_c = self.sizes
        self.offsets = (0, n_a, n_a + n_b)
        self.n_contexts = n_a + n_b + n_c * self.cues

    def layout(self) -> None:
        n = self.cfg.cells
        self.n, self.cues, self.n_cells, self.sizes = n, self.cfg.cues, 3 * n, (n, n, n)
        self.region_of = np.repeat(np.arange(3), n)
        self.k_of = np.tile(np.arange(n), 3)

    def region(self, cell: int) -> int:
        return int(self.region_of[cell])

    def move(self, cell: int, action: int) -> int:
        return (cell + action - 1) % self.n_cells

    def sense(self, cell: int, rng: np.random.Generator) -> tuple[int, float]:
        """(context index, sensation) at ``cell``; draws the cue and both noises every step, so the
        random stream does not depend on where the agent is."""
        cue, noise = int(rng.integers(self.cues)), rng.standard_normal(2)
        r, k = int(self.region_of[cell]), int(self.k_of[cell])
        if r == 0:
            return k, float(self.a_values[k] + self.cfg.noise_a * noise[0])
        if r == 1:
            return self.offsets[1] + k, float(self.cfg.sigma_b * noise[1])
        return self.offsets[2] + k * self.cues + cue, float(self.c_values[k, cue])

    def deterministic(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every deterministic context (A's and C's): indices, noise-free targets, region (0 or 2)."""
        n_a, _, n_c = self.sizes
        idx = np.concatenate([np.arange(n_a), self.offsets[2] + np.arange(n_c * self.cues)])
        target = np.concatenate([self.a_values, self.c_values.ravel()])
        region = np.concatenate([np.zeros(n_a, int), np.full(n_c * self.cues, 2)])
        return idx, target, region


class GridWorld(World):
    """The section closer to IJCNN Sec. 5's world (ours): a 10 x 10 grid of 100 states with walls,
    columns 0-1 region A (20 cells), 2-5 region B (40 cells of noise), 6-9 region C (40 cells, each
    with ``grid_cues`` cues): the noise lies between the known and the learnable. Actions 0 west,
    1 stay, 2 east, 3 north, 4 south (a move into a wall stays)."""

    n_actions = 5

    def layout(self) -> None:
        side = self.cfg.grid_side
        cols = np.tile(np.arange(side), side)
        a_cols, b_cols = side // 5, side // 5 + 2 * side // 5
        self.region_of = np.where(cols < a_cols, 0, np.where(cols < b_cols, 1, 2))
        self.k_of = np.zeros(side * side, int)
        for r in range(3):
            cells = np.flatnonzero(self.region_of == r)
            self.k_of[cells] = np.arange(len(cells))
        self.side, self.cues, self.n_cells = side, self.cfg.grid_cues, side * side
        self.sizes = tuple(int((self.region_of == r).sum()) for r in range(3))
        self.n = None

    def move(self, cell: int, action: int) -> int:
        row, col = divmod(cell, self.side)
        d_row, d_col = ((0, -1), (0, 0), (0, 1), (-1, 0), (1, 0))[action]
        row, col = min(max(row + d_row, 0), self.side - 1), min(max(col + d_col, 0), self.side - 1)
        return row * self.side + col


def make_world(cfg: Config, seed: int) -> World:
    return GridWorld(cfg, seed) if cfg.world == "grid" else World(cfg, seed)


# ----------------------------------------------------------------------------------------
# The four networks and one run
# ----------------------------------------------------------------------------------------


def sgd_step(net: MLP, x: np.ndarray, target: float, lr: float) -> float:
    """One on-line step on the squared error (out - target)^2; returns the output before the step."""
    out, cache = net.forward(x)
    grads, _ = net.backward(cache, 2.0 * (out - target))
    for k, g in grads.items():
        net.params[k] -= lr * g
    return float(out[0])


def run_agent(seed: int, kind: str, cfg: Config = Config(), trace: bool = False) -> dict:
    """One agent of one seed. Returns the visit shares, the windowed shares and rewards, M's error
    on the deterministic contexts over time (the paper's E(t)), and with ``trace`` the positions,
    rewards and snapshots the pictures need."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    world = make_world(cfg, seed)
    rng = np.random.default_rng([seed, 1])
    model = MLP([world.n_contexts, cfg.hidden, 1], np.random.default_rng([seed, 2]))
    confidence = MLP([world.n_contexts, cfg.hidden, 1], np.random.default_rng([seed, 3]))
    confidence.params["b1"][:] = cfg.conf_init
    controller = QLambda(1, world.n_cells, world.n_actions, cfg.lr_q, cfg.gamma, 0.0)  # lam = 0: Q-learning
    eye = np.eye(world.n_contexts)
    det_idx, det_target, det_region = world.deterministic()
    cell = int(rng.integers(world.n_cells))
    T = cfg.steps
    regions = np.zeros(T, np.int8)
    rewards = np.zeros(T)
    errors = np.zeros(T)
    cells = np.zeros(T, np.int16) if trace else None
    evals, snapshots = [], []

    def evaluate(t):
        sq = (model(eye[det_idx])[:, 0] - det_target) ** 2
        evals.append({"step": t, "E": float(sq.sum()), "A": float(sq[det_region == 0].mean()),
                      "C": float(sq[det_region == 2].mean())})
        if trace:
            snapshots.append({"step": t, "q": controller.q[0].copy(),
                              "pred_c": model(eye[det_idx[det_region == 2]])[:, 0].copy(),
                              "conf": confidence(eye)[:, 0].copy()})

    for t in range(T):
        if t % cfg.eval_every == 0:
            evaluate(t)
        if kind == "random":
            action = int(rng.integers(world.n_actions))
        else:
            action = int(epsilon_greedy(controller.q[:, cell], cfg.epsilon, rng)[0][0])
        nxt = world.move(cell, action)
        context, y = world.sense(nxt, rng)
        x = eye[context]
        prediction = sgd_step(model, x, y, cfg.lr_m)           # M learns from what it sensed
        error = (prediction - y) ** 2
        assumed = sgd_step(confidence, x, error, cfg.lr_c)     # C learns M's expected error there
        if kind == "confidence":
            reward = assumed - float(confidence(x)[0])         # expected error before - after = reliability gain
        elif kind == "naive":
            reward = error
        elif kind == "improvement":
            reward = error - float((model(x)[0] - y) ** 2)
        else:
            reward = 0.0
        if kind != "random":
            controller.learn(np.array([cell]), np.array([action]), np.array([reward]), np.array([nxt]),
                             np.array([False]))
        regions[t], rewards[t], errors[t] = world.region(nxt), reward, error
        if trace:
            cells[t] = nxt
        cell = nxt
    evaluate(T)

    shares = np.bincount(regions, minlength=3) / T
    W = T // cfg.windows
    window_shares = np.array([np.bincount(regions[i * W:(i + 1) * W], minlength=3) / W
                              for i in range(cfg.windows)])
    abs_reward_c = np.array([np.abs(rewards[i * W:(i + 1) * W][regions[i * W:(i + 1) * W] == 2]).mean()
                             if (regions[i * W:(i + 1) * W] == 2).any() else 0.0 for i in range(cfg.windows)])
    mean_reward = np.array([[rewards[i * W:(i + 1) * W][regions[i * W:(i + 1) * W] == r].mean()
                             if (regions[i * W:(i + 1) * W] == r).any() else 0.0 for r in range(3)]
                            for i in range(cfg.windows)])
    E = np.array([e["E"] for e in evals])
    out = {"shares": shares, "window_shares": window_shares, "abs_reward_c": abs_reward_c,
           "mean_reward": mean_reward, "evals": evals, "mean_E": float(E.mean()), "final_E": float(E[-1])}
    if trace:
        out.update(cells=cells, regions=regions, rewards=rewards, errors=errors, snapshots=snapshots,
                   world=world)
    return out


def seed_row(seed: int, kind: str, cfg: Config) -> dict:
    """The per-seed figures a record keeps (plain numbers); ``solved``: C is the most visited region."""
    r = run_agent(seed, kind, cfg)
    shares, ws, arc = r["shares"], r["window_shares"], r["abs_reward_c"]
    early = max(1, cfg.windows // 5)
    return {"seed": seed, "kind": kind, "solved": bool(shares[2] > max(shares[0], shares[1])),
            "share_A": float(shares[0]), "share_B": float(shares[1]),
            "share_C": float(shares[2]), "late_share_C": float(ws[-early:, 2].mean()),
            "early_share_C": float(ws[:early, 2].mean()),
            "abs_reward_C_early": float(arc[:early].mean()), "abs_reward_C_late": float(arc[-early:].mean()),
            "mean_E": r["mean_E"], "final_E": r["final_E"],
            "window_shares": ws.round(6).tolist(), "E_curve": [round(e["E"], 6) for e in r["evals"]]}


def _job(args):
    seed, kind, cfg = args
    return seed_row(seed, kind, cfg)


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py curiosity-three-regions): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def curiosity_step(tape, kind: str, n_contexts: int, n_cells: int, n_actions: int, hidden: int):
    """One environment step of run_agent for one agent, float64: the epsilon-greedy choice (the maximum of
    the cell's Q row), M's on-line SGD step on the one-hot context (a dense (1, n_contexts) input, as numpy
    multiplies it; forward, error gradient, backward with dL/dx as MLP.backward computes it, w - lr g), M's
    squared error, the confidence module's SGD step on it, the reward (confidence: the module's output again
    after its step; naive: the error itself) and the Q-learning update (QLambda with lambda 0: every entry
    moved by its trace, every trace decayed). The random agent has no Q step."""
    dtype = np.float64
    nets = [tape_control.mlp_parameters(tape, (n_contexts, hidden, 1)) for _ in range(2)]
    q = tape.argument((n_cells, n_actions), dtype)
    traces = tape.argument((n_cells, n_actions), dtype)
    x = tape.argument((1, n_contexts), dtype)
    sensed = tape.argument((1, 1), dtype)
    if kind != "random":
        tape.reduce(q[0], axis=0)                                         # the greedy action of the cell
    target = sensed
    outputs = []
    for p in nets:                                                        # M on the sensation, then C on M's error
        y, acts = tape_control.mlp_forward(tape, p, x)
        grads, _ = tape_control.mlp_backward(tape, p, acts, tape.map(y, target), input_grad=True)
        new = tape_control.sgd(tape, p, grads)
        outputs.append((y, new))
        target = tape.map(y, sensed)                                      # (prediction - y)^2
    if kind == "confidence":
        after, _ = tape_control.mlp_forward(tape, outputs[1][1], x)
        tape.map(outputs[1][0], after)                                    # expected error before - after
    if kind != "random":
        tape_control.q_lambda_step(tape, q, traces, 0, 1, 1)
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: one environment step of the ring world's agent
    (curiosity_step: M's and the confidence module's SGD steps, the reward, the Q-learning update), at the
    recorded configuration. Left out: the world's move and sensation (the environment), the evaluation
    of M on every deterministic context every 500 steps (the experimenter's). There is no solve
    criterion counted in steps (a seed "solves" when C is its most visited region after the budget):
    the steps are the recorded run's whole budget. Rows: the curious agent (confidence module, the
    headline), the naive error reward, random exploration (M and the confidence module learn, no Q)."""
    cfg = Config(**{k: v for k, v in (record.get("config") or {}).items() if k in Config.__dataclass_fields__})
    world = make_world(cfg, 0)
    budget = cfg.steps
    size = (f"M and the confidence module {world.n_contexts}-{cfg.hidden}-1 MLPs "
            f"({(world.n_contexts + 2) * cfg.hidden + 1} weights each, SGD), Q table {world.n_cells} x "
            f"{world.n_actions}, float64")
    rows = []
    for kind, row in (("confidence", "curious agent (confidence module)"), ("naive", "naive error reward"),
                      ("random", "random exploration")):
        rows.append({"row": row, "family": "gradient", "step": "one environment step: M, C and Q learn on line",
                     "size": size if kind != "random" else size.split(", Q table")[0] + ", float64",
                     "program": lambda tape, kind=kind: curiosity_step(tape, kind, world.n_contexts, world.n_cells,
                                                                      world.n_actions, cfg.hidden),
                     "steps_to_solve": budget,
                     "steps_from": f"the recorded run's budget: config.steps = {budget} environment steps per run; "
                                   f"no solve criterion counted in steps"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (fixed before the recorded run)
# ----------------------------------------------------------------------------------------


def verdict(record: dict) -> dict:
    """Five claims, Holm over all; the first two are the method working (primary).

    1. (IJCNN Sec. 1, 2B and Sec. 3's principle) The curious agent spends more of its time in the
       learnable region C than in the noise region B: paired one-sided t on log(share_C / share_B).
    2. (IJCNN Sec. 1, 2A) ... and more than in the already-known region A: log(share_C / share_A).
    3. (our contrast; the noise trap the confidence module exists for, IJCNN Sec. 1 problem 1) An agent
       rewarded by M's error itself spends more time in B than in C: log(share_B / share_C).
    4. (SAB 1991: boredom) The curiosity signal in C fades once C is learned: the mean |reward| per
       step in C over the first fifth of the run exceeds that over the last fifth.
    5. (IJCNN Sec. 5: E(t) fell up to 10 times faster than with random search) M's summed squared
       error on the deterministic contexts, averaged over the run, is lower for the curious agent
       than for random exploration on the same seeds (tested as "lower", not as "10 times").
    At least 10 seeds.
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    by = {}
    for r in rows:
        by.setdefault(r.get("kind"), {})[r["seed"]] = r
    conf, naive, rand = by.get("confidence", {}), by.get("naive", {}), by.get("random", {})
    seeds = sorted(set(conf) & set(naive) & set(rand))
    if len(seeds) < MIN_SEEDS:
        return pending(f"the rule needs >= {MIN_SEEDS} seeds with the confidence, naive and random agents")
    c = [conf[s] for s in seeds]
    n = [naive[s] for s in seeds]
    rd = [rand[s] for s in seeds]
    claims = [
        paired_better("curious agent: learnable region C preferred over noise B", "IJCNN 1991, Sec. 1 (2B) and Sec. 3",
                      [r["share_C"] for r in c], [r["share_B"] for r in c], "share of steps in C / in B",
                      lower_is_better=False),
        paired_better("curious agent: learnable region C preferred over the known region A",
                      "IJCNN 1991, Sec. 1 (2A) and Sec. 3",
                      [r["share_C"] for r in c], [r["share_A"] for r in c], "share of steps in C / in A",
                      lower_is_better=False),
        paired_better("naive prediction-error reward falls into the noise trap (B over C)",
                      "ours (the contrast; IJCNN 1991 Sec. 1, problem 1 motivates the confidence module)",
                      [r["share_B"] for r in n], [r["share_C"] for r in n], "naive agent: share in B / in C",
                      lower_is_better=False),
        paired_better("boredom: the curiosity signal in C fades once C is learned", "SAB 1991 (curiosity and boredom)",
                      [r["abs_reward_C_early"] for r in c], [r["abs_reward_C_late"] for r in c],
                      "mean |reward| per step in C, first fifth / last fifth of the run", lower_is_better=False),
        paired_better("curious M learns the deterministic reactions faster than random search",
                      "IJCNN 1991, Sec. 5 (E(t) fell up to 10 times faster)",
                      [r["mean_E"] for r in c], [r["mean_E"] for r in rd],
                      "E(t) averaged over the run, curious / random", lower_is_better=True),
    ]
    return grade(judge(claims), primary=2)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def build_parser():
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: 1 seed, 1000 steps, all agents")
    parser.add_argument("--agents", default=",".join(KINDS),
                        help=f"comma-separated agents to run, of {', '.join(KINDS)} (default: all)")
    parser.add_argument("--steps", type=int_at_most(10_000_000, "a run's arrays grow with its steps"),
                        default=Config.steps, help="environment steps per run")
    parser.add_argument("--noise-a", type=bounded_float(0.0, 10.0, "std of A's sensor noise"), default=Config.noise_a,
                        help="std of sensor noise on region A (a variant; default 0; at most 10)")
    parser.add_argument("--epsilon", type=bounded_float(0.0, 1.0, "the exploration rate"), default=Config.epsilon,
                        help="the controller's exploration rate, in [0, 1]")
    parser.add_argument("--world", choices=["ring", "grid"], default="ring",
                        help="the ring of 12 cells (headline) or a 10 x 10 grid of 100 states (a section)")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1, help="local processes for the sweep")
    parser.add_argument("--scheduler", type=scheduler_address, default=None, metavar="ADDRESS",
                        help="a Dask scheduler to send the jobs to (optional extra [cluster])")
    return parser


def bounded_float(low: float, high: float, what: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (low <= value <= high):
            raise argparse.ArgumentTypeError(f"{what} must be in [{low:g}, {high:g}], got {text!r}")
        return value
    return parse


def parse_args(argv=None):
    """The validated arguments; bad input ends in one line and exit 2 before any work."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.agent_list = [a.strip() for a in args.agents.split(",") if a.strip()]
    bad = [a for a in args.agent_list if a not in KINDS]
    if bad or not args.agent_list:
        parser.error(f"--agents: unknown agent(s) {bad or ['(none)']}; choose from {', '.join(KINDS)}")
    parser.only_when(args.scheduler is None, ["--workers"], "without --scheduler")
    parser.only_when(args.world == "ring", ["--noise-a"], "on the ring (the grid section has no variant)")
    require_seeds(parser, args, MIN_SEEDS)
    if args.record and (args.steps != Config.steps or args.epsilon != Config.epsilon
                        or (args.world == "ring" and args.agent_list != list(KINDS))):
        parser.error("--record keeps the recorded configuration: drop --steps/--epsilon (and --agents on the ring)")
    args.parser = parser
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    parser, agents = args.parser, args.agent_list
    section = "grid" if args.world == "grid" else ("noisy_a" if args.noise_a > 0 else None)
    cfg = Config(steps=args.steps, noise_a=args.noise_a, epsilon=args.epsilon, world=args.world)
    n_seeds = args.n_seeds
    if args.quick:
        cfg, n_seeds = replace(cfg, steps=1000, eval_every=250, windows=5), 1
    seeds = list(range(args.seed, args.seed + n_seeds))
    jobs = [(s, k, cfg) for k in agents for s in seeds]
    start = time.perf_counter()
    print(f"{len(jobs)} runs ({', '.join(agents)} x seeds {seeds[0]}-{seeds[-1]}), {cfg.steps} steps each", flush=True)
    rows = []
    try:
        with pool(args.workers if args.scheduler is None else 1, args.scheduler) as ex:
            for i, row in enumerate(ex.map(_job, jobs)):
                rows.append(row)
                if time.perf_counter() - start > 5 or i + 1 == len(jobs):
                    print(f"  run {i + 1}/{len(jobs)}  {row['kind']} seed {row['seed']}: shares A/B/C "
                          f"{row['share_A']:.3f}/{row['share_B']:.3f}/{row['share_C']:.3f}  mean E {row['mean_E']:.3g}"
                          f"  elapsed {time.perf_counter() - start:.1f}s", flush=True)
    except ClusterError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    elapsed = time.perf_counter() - start

    # per-agent summary
    table_rows, means = [], {}
    for k in agents:
        rk = [r for r in rows if r["kind"] == k]
        m = {f: float(np.mean([r[f] for r in rk])) for f in
             ("share_A", "share_B", "share_C", "early_share_C", "late_share_C", "mean_E", "final_E",
              "abs_reward_C_early", "abs_reward_C_late")}
        m["C_over_B"] = sum(r["share_C"] > r["share_B"] for r in rk)
        m["C_over_A"] = sum(r["share_C"] > r["share_A"] for r in rk)
        m["B_over_C"] = sum(r["share_B"] > r["share_C"] for r in rk)
        means[k] = m
        table_rows.append([KIND_NAMES[k], m["share_A"], m["share_B"], m["share_C"], f"{m['C_over_B']}/{len(rk)}",
                           f"{m['C_over_A']}/{len(rk)}", m["early_share_C"], m["late_share_C"], m["mean_E"], m["final_E"]])
    columns = ["agent", "share A", "share B", "share C", "C > B", "C > A", "C share, first fifth",
               "C share, last fifth", "E(t) averaged over the run", "E at the end"]
    print(format_table(columns, table_rows))
    seed_rows = [[r["seed"], r["kind"], r["share_A"], r["share_B"], r["share_C"], r["abs_reward_C_early"],
                  r["abs_reward_C_late"], r["mean_E"], r["final_E"]] for r in rows]
    seed_columns = ["seed", "agent", "share A", "share B", "share C", "|reward| in C, first fifth",
                    "|reward| in C, last fifth", "E(t) averaged", "E at the end"]
    label = ("10 x 10 grid world" if cfg.world == "grid" else "ring") + (
        ", sensor noise on A (std %g)" % cfg.noise_a if cfg.noise_a else ", noise-free A")
    n_det = len(make_world(cfg, 0).deterministic()[0])
    tables = [{"title": f"Visit shares and M's error per agent, mean over seeds {seeds[0]}-{seeds[-1]} ({label}; "
                        f"{cfg.steps} steps; E = summed squared error of M over the {n_det} "
                        f"deterministic contexts)", "columns": columns, "rows": table_rows},
              {"title": f"Per seed (this machine's figures; {label})", "columns": seed_columns, "rows": seed_rows}]
    head = means.get("confidence") or means[agents[0]]
    hk = "confidence" if "confidence" in means else agents[0]
    headline = {"agent": hk, "share_A": head["share_A"], "share_B": head["share_B"], "share_C": head["share_C"],
                "seeds_C_over_B": f"{head['C_over_B']}/{n_seeds}", "seeds_C_over_A": f"{head['C_over_A']}/{n_seeds}",
                "mean_E": head["mean_E"]}
    if "naive" in means:
        headline.update(naive_share_B=means["naive"]["share_B"], naive_share_C=means["naive"]["share_C"],
                        naive_seeds_B_over_C=f"{means['naive']['B_over_C']}/{n_seeds}")
    if "random" in means:
        headline["random_mean_E"] = means["random"]["mean_E"]
    parts = []
    if "confidence" in means:
        m = means["confidence"]
        parts.append(f"curious agent (confidence module, Q-learning): visit shares A/B/C "
                     f"{m['share_A']:.3f}/{m['share_B']:.3f}/{m['share_C']:.3f}, C > B on {m['C_over_B']}/{n_seeds} "
                     f"seeds, C > A on {m['C_over_A']}/{n_seeds}")
    if "naive" in means:
        parts.append(f"naive error reward: B share {means['naive']['share_B']:.3f}, B > C on "
                     f"{means['naive']['B_over_C']}/{n_seeds}")
    if "confidence" in means and "random" in means:
        parts.append(f"M's error averaged over the run {means['confidence']['mean_E']:.3g} vs random "
                     f"{means['random']['mean_E']:.3g}")
    summary = {None: "", "noisy_a": "sensor noise on A: ", "grid": "10 x 10 grid: "}[section] + "; ".join(parts)
    # every agent's rows (the verdict compares agents on the same seeds); "solved": C is the agent's
    # most visited region
    flat = {"per_seed": rows, "summary": {**summarize([r["share_C"] for r in rows], [r["solved"] for r in rows]),
                                          "metric": "share_C"}}
    part = {"summary": summary, "headline": headline, "seeds": flat, "tables": tables,
            "config": asdict(cfg), "wallclock_s": elapsed}
    if section is None:
        part.update(slug=SLUG, paper={
            "citation": CITATION,
            "claim": "A model-building controller rewarded for the improvement of its world model's assumed "
                     "reliability focuses on the states where M can still improve: it avoids what is already "
                     "well modelled and what it cannot expect to learn (noise), and M's error falls faster "
                     "than under random search.",
            "figures": [
                {"name": "world: states of a 2-D world", "value": 100, "where": "IJCNN 1991, Sec. 5 (Experiments)"},
                {"name": "E(t) fell faster than with random search, by up to", "value": "10 times",
                 "where": "IJCNN 1991, Sec. 5 (Experiments); details deferred to FKI-149-91, not read"},
                {"name": "published catalog's visit shares C/B/A (tabular EMA model, region selector)",
                 "value": "42.8/33.3/23.9 %, C > B > A on 10/10 seeds",
                 "where": "the seed catalog (shared/seeds/004_b29cc7de8e70528c.txt, line 578), not the paper"}]},
            tour="Seed 0: the curious agent on the ring of regions A (known), B (noise), C (learnable), "
                 "with M's error per region and the visit shares as it learns")
    conclude(part, __file__, verdict, args.record, section=section, measured=headline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
