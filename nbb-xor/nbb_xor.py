"""XOR with the Neural Bucket Brigade (Schmidhuber 1989).

The Neural Bucket Brigade (NBB) learns with a rule that is local in space and time: no
gradients, no error signal sent backwards through the network. Units come in competitive
subsets; at every tick the unit of a subset with the largest positive net input fires (1),
the others stay silent (0). A weight is a store of "substance". When unit j fires, every
connection i -> j that helped (contribution c_ij = x_i(t-1) w_ij(t-1)) pays a fraction
lambda of its contribution; that payment goes back to the connections that made unit i fire
one tick earlier, in proportion to their own contributions (the bucket brigade). The
environment injects substance only into connections feeding the correct output while it
fires (the external reward, rate eta). What is paid and not passed on is gone: the system is
dissipative, and connections that keep firing without leading to reward wither.

The experiment (paper, Sec. 6): 3 input units (a unit that is always on, x1, x2), one
competitive subset of 3 hidden units, one output subset of 2 units; XOR is solved when each
of the four patterns makes the correct output unit fire. The paper reports a solution after
about 619 pattern presentations on average over 20 runs (674 for a stable one), and for a
second architecture with two hidden subsets of 2 units about 263 presentations per pattern,
8 of 10 runs. This script implements the rule, measures both architectures over seed sweeps
and, with --ablations, the readings of the paper the published account leaves open: the
reward rate eta against the payment rate lambda, when the reward is paid, the order in which
patterns come, and how presentations are counted.

Run:  python3 nbb-xor/nbb_xor.py --seed 0 --n-seeds 20 --ablations --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.experiment import (Progress, format_table, format_value, nonnegative_float, positive_float, positive_int,
                               print_verdict, stub_parser, summarize, sweep)
from shared.odyssnet import OdyssNet, OdyssNetTrainer
from shared.verdict import exact, grade, judge, mean_within, pending, rate_at_least

# ----------------------------------------------------------------------------------------
# The problem: the four XOR patterns. The first input unit is always on (it acts as a bias).
# ----------------------------------------------------------------------------------------

PATTERNS = np.array([[1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]], dtype=float)  # (4, 3)
TARGETS = np.array([0, 1, 1, 0])  # index of the output unit that must fire
PATTERN_NAMES = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]

PAPER = {
    "one-subset": {"mean_presentations": 619, "mean_presentations_stable": 674, "runs": 20},
    "two-subsets": {"mean_presentations_per_pattern": 263, "solved_runs": 8, "runs": 10},
}
WITHIN = 1.5  # the bar: "within 1.5x of the paper"


# ----------------------------------------------------------------------------------------
# The network: input units, competitive hidden subsets, one competitive output subset.
# Units are numbered inputs first, then hidden subsets, then outputs; W[i, j] is the
# connection i -> j (row-vector convention: net_j = sum_i x_i W[i, j]).
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Architecture:
    hidden_subsets: tuple[int, ...]  # sizes of the competitive hidden subsets
    n_inputs: int = 3
    n_outputs: int = 2

    @property
    def n_units(self) -> int:
        return self.n_inputs + sum(self.hidden_subsets) + self.n_outputs

    @property
    def hidden(self) -> slice:
        return slice(self.n_inputs, self.n_inputs + sum(self.hidden_subsets))

    @property
    def outputs(self) -> slice:
        return slice(self.n_units - self.n_outputs, self.n_units)

    @property
    def subsets(self) -> list[slice]:
        """The competitive subsets, hidden ones first, the output subset last."""
        bounds = np.cumsum((0, self.n_inputs, *self.hidden_subsets, self.n_outputs))
        return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

    @property
    def connections(self) -> np.ndarray:
        """(N, N) boolean: every input feeds every hidden unit, every hidden unit every output."""
        mask = np.zeros((self.n_units, self.n_units), dtype=bool)
        mask[: self.n_inputs, self.hidden] = True
        mask[self.hidden, self.outputs] = True
        return mask


ARCHITECTURES = {"one-subset": Architecture((3,)), "two-subsets": Architecture((2, 2))}


@dataclass(frozen=True)
class Rule:
    """The learning rule's constants and the readings of the paper we can vary."""

    lam: float = 0.005             # payment rate lambda
    eta: float = 0.005             # external reward rate eta
    reward: str = "every-tick"     # "every-tick": Ext whenever the correct output fires; "last-tick": only at the end
    ticks: int = 6                 # ticks per pattern presentation; activations reset between patterns
    init_low: float = 0.999        # initial weights uniform in [init_low, init_high]
    init_high: float = 1.001


REWARD_TIMINGS = ("every-tick", "last-tick")
ORDERS = ("random", "cyclic", "shuffled")


def winner_take_all(net: np.ndarray, arch: Architecture) -> np.ndarray:
    """Activity after competition: in each subset the unit with the largest positive net input fires.

    net: (..., N) -> activity (..., N) in {0, 1}. Ties go to the lowest index; a subset whose
    best net input is not positive stays silent. Input units are left at 0 (the caller clamps).
    """
    activity = np.zeros_like(net)
    flat_net = net.reshape(-1, net.shape[-1])
    flat_act = activity.reshape(-1, net.shape[-1])
    rows = np.arange(flat_net.shape[0])
    for subset in arch.subsets[1:]:
        winner = subset.start + np.argmax(flat_net[:, subset], axis=1)
        flat_act[rows, winner] = flat_net[rows, winner] > 0
    return activity


def tick(weights: np.ndarray, activity: np.ndarray, clamp: np.ndarray, arch: Architecture):
    """One synchronous step of B independent networks.

    weights (B, N, N), activity x(t-1) (B, N), clamp (B, n_inputs) ->
    contributions c_ij(t) = x_i(t-1) w_ij(t-1) (B, N, N) and activity x(t) (B, N).
    """
    contributions = activity[:, :, None] * weights
    new_activity = winner_take_all(contributions.sum(axis=1), arch)
    new_activity[:, : arch.n_inputs] = clamp
    return contributions, new_activity


def bucket_brigade(contributions, activity, fired_by, target_unit, reward_now, rule: Rule):
    """The weight change of one tick, Delta W (B, N, N), from purely local quantities.

    contributions c(t) (B, N, N); activity x(t) (B, N); fired_by = c(t-1) restricted to units
    that fired at t-1 (B, N, N): what made each unit fire last tick; target_unit (B,) the
    correct output unit; reward_now: whether external reward is paid this tick.

    Three terms, for every connection i -> j:
      pay      -lambda * c_ij(t)                      if j fires at t
      receive  fired_by_ij / sum_h fired_by_hj * (sum_k lambda * c_jk(t) * x_k(t))
               (j's outgoing connections paid at t; j passes it back to what made it fire)
      reward   +eta * c_ij(t)                         if j is the correct output and fires
    """
    payment = rule.lam * contributions * activity[:, None, :]          # (B, N, N)
    paid_by_unit = payment.sum(axis=2)                                   # (B, N): unit j's outflow
    received = fired_by.sum(axis=1, keepdims=True)                       # (B, 1, N)
    share = np.divide(fired_by, received, out=np.zeros_like(fired_by), where=received > 0)
    delta = share * paid_by_unit[:, None, :] - payment
    if reward_now:
        rows = np.arange(len(target_unit))
        fires = activity[rows, target_unit][:, None]                     # (B, 1)
        delta[rows, :, target_unit] += rule.eta * contributions[rows, :, target_unit] * fires
    return delta


def present(weights, pattern, arch: Architecture, rule: Rule, learn: bool = True):
    """Present one pattern per network for rule.ticks ticks, starting from silence.

    weights (B, N, N), pattern (B,) indices into PATTERNS -> (new weights, output unit that
    fires at the last tick (B,), -1 if none).
    """
    batch = weights.shape[0]
    clamp = PATTERNS[pattern]
    target_unit = arch.outputs.start + TARGETS[pattern]
    activity = np.zeros((batch, arch.n_units))
    activity[:, : arch.n_inputs] = clamp
    fired_by = np.zeros_like(weights)
    for t in range(rule.ticks):
        contributions, activity = tick(weights, activity, clamp, arch)
        if learn:
            reward_now = rule.reward == "every-tick" or t == rule.ticks - 1
            weights = weights + bucket_brigade(contributions, activity, fired_by, target_unit, reward_now, rule)
            fired_by = contributions * activity[:, None, :]
    return weights, output_winner(activity, arch)


def output_winner(activity: np.ndarray, arch: Architecture) -> np.ndarray:
    """Index of the firing output unit (..., N) -> (...), -1 where no output fires."""
    out = activity[..., arch.outputs]
    return np.where(out.any(axis=-1), np.argmax(out, axis=-1), -1)


def frozen_activity(weights: np.ndarray, arch: Architecture, rule: Rule) -> np.ndarray:
    """Activity of each pattern's presentation with learning switched off.

    weights (B, N, N) -> (B, 4, ticks + 1, N): tick 0 is the clamped input alone.
    """
    batch = weights.shape[0]
    clamp = np.broadcast_to(PATTERNS, (batch, 4, arch.n_inputs))
    activity = np.zeros((batch, 4, arch.n_units))
    activity[..., : arch.n_inputs] = clamp
    ticks = [activity]
    for _ in range(rule.ticks):
        net = (activity[:, :, :, None] * weights[:, None]).sum(axis=2)   # (B, 4, N)
        activity = winner_take_all(net, arch)
        activity[..., : arch.n_inputs] = clamp
        ticks.append(activity)
    return np.stack(ticks, axis=2)


def classify(weights: np.ndarray, arch: Architecture, rule: Rule) -> np.ndarray:
    """Frozen evaluation: (B, N, N) -> (B, 4) output unit firing at the last tick (-1: none)."""
    return output_winner(frozen_activity(weights, arch, rule)[:, :, -1], arch)


# ----------------------------------------------------------------------------------------
# Training: B independent networks (one per seed) learn side by side. Each seed owns its
# generator, which draws the initial weights and then the order of the patterns, so a seed's
# figures are the same whether it runs alone or in a sweep.
# ----------------------------------------------------------------------------------------


def pattern_order(rng: np.random.Generator, n: int, order: str) -> np.ndarray:
    if order == "random":      # each presentation picks a pattern uniformly
        return rng.integers(0, 4, size=n)
    if order == "cyclic":      # (0,0), (0,1), (1,0), (1,1), (0,0), ...
        return np.arange(n) % 4
    cycles = -(-n // 4)        # "shuffled": every block of 4 is a random permutation
    return np.concatenate([rng.permutation(4) for _ in range(cycles)])[:n]


def initial_weights(rng: np.random.Generator, arch: Architecture, rule: Rule) -> np.ndarray:
    return rng.uniform(rule.init_low, rule.init_high, (arch.n_units, arch.n_units)) * arch.connections


@dataclass
class Run:
    """What training measured, per seed (arrays of shape (B,); -1 = not reached)."""

    seeds: list[int]
    solved_at: np.ndarray        # first presentation after which frozen evaluation gets all 4 right
    online_at: np.ndarray        # first presentation after which the last training answer to every pattern was right
    stable_at: np.ndarray        # start of the first all-correct streak lasting stable_window presentations
    presentations: int           # presentations run
    weights: np.ndarray          # final weights (B, N, N)
    correct: np.ndarray          # (P, B, 4) frozen correctness after each presentation
    substance: np.ndarray        # (P, B) total weight substance after each presentation
    hidden_code: np.ndarray      # (B, 4) which hidden units fire for each pattern at the first solution (bitmask)
    snapshots: list = field(default_factory=list)  # [(presentation, weights (B, N, N))]


def train(seeds, arch: Architecture, rule: Rule, max_presentations: int, order: str = "random",
          stable_window: int = 1000, snapshot_every: int = 0, label: str = "presentation") -> Run:
    """Train one network per seed until each has a stable solution or the cap is reached.

    With stable_window = 0 a network is done at its first frozen solution.
    """
    rngs = [np.random.default_rng(seed) for seed in seeds]
    weights = np.stack([initial_weights(rng, arch, rule) for rng in rngs])
    sequence = np.stack([pattern_order(rng, max_presentations, order) for rng in rngs])  # (B, P)
    batch = len(seeds)
    solved_at, online_at, stable_at = (np.full(batch, -1) for _ in range(3))
    hidden_code = np.zeros((batch, 4), dtype=int)
    unit_bits = 2 ** np.arange(sum(arch.hidden_subsets))
    streak_start = np.full(batch, -1)
    last_answer_right = np.zeros((batch, 4), dtype=bool)
    correct_log, substance_log, snapshots = [], [], [(0, weights.copy())] if snapshot_every else []
    rows = np.arange(batch)
    progress = Progress(max_presentations, label=label)
    for p in range(1, max_presentations + 1):
        pattern = sequence[:, p - 1]
        weights, answer = present(weights, pattern, arch, rule)
        last_answer_right[rows, pattern] = answer == TARGETS[pattern]
        last_tick = frozen_activity(weights, arch, rule)[:, :, -1]           # (B, 4, N)
        correct = output_winner(last_tick, arch) == TARGETS                 # (B, 4)
        all_right = correct.all(axis=1)
        newly_solved = (solved_at < 0) & all_right
        solved_at[newly_solved] = p
        hidden_code[newly_solved] = (last_tick[newly_solved][..., arch.hidden] @ unit_bits).astype(int)
        online_at[(online_at < 0) & last_answer_right.all(axis=1)] = p
        streak_start = np.where(all_right, np.where(streak_start < 0, p, streak_start), -1)
        newly_stable = (stable_at < 0) & (streak_start > 0) & (p - streak_start + 1 >= stable_window)
        stable_at[newly_stable] = streak_start[newly_stable]
        correct_log.append(correct)
        substance_log.append(weights.sum(axis=(1, 2)))
        if snapshot_every and p % snapshot_every == 0:
            snapshots.append((p, weights.copy()))
        progress.update(p, solved=f"{int((solved_at > 0).sum())}/{batch}")
        done = stable_at > 0 if stable_window else solved_at > 0
        if done.all():
            break
    if snapshot_every and snapshots[-1][0] != p:
        snapshots.append((p, weights.copy()))
    return Run(list(seeds), solved_at, online_at, stable_at, p, weights,
               np.array(correct_log), np.array(substance_log), hidden_code, snapshots)


# ----------------------------------------------------------------------------------------
# Evaluation: sweeps, the readings of the paper, the verdict.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One full configuration of an experiment."""

    arch: str = "one-subset"
    rule: Rule = Rule()
    order: str = "random"
    max_presentations: int = 6000
    stable_window: int = 1000


def per_seed_rows(run: Run, window: int) -> list[dict]:
    """One row per seed. held_after: share of the `window` presentations from the first solution
    on at which the frozen network still solves XOR (the same figure alone or in a sweep)."""
    rows = []
    solved_now = run.correct.all(axis=2)                                  # (P, B)
    for b, seed in enumerate(run.seeds):
        first = int(run.solved_at[b])
        rows.append({
            "seed": seed, "solved": first > 0,
            "presentations": first if first > 0 else None,
            "per_pattern": first / 4 if first > 0 else None,
            "online": int(run.online_at[b]) if run.online_at[b] > 0 else None,
            "stable": int(run.stable_at[b]) if run.stable_at[b] > 0 else None,
            "held_after": float(solved_now[first - 1: first - 1 + window, b].mean()) if first > 0 else None,
            "grouping": grouping(run.hidden_code[b]) if first > 0 else None,
        })
    return rows


HELD = "share of the next window still solved"
STABLE = "seeds with a stable solution"
GROUPINGS = ["(0,1) and (1,0) share a hidden code", "(0,0) and (1,1) share a hidden code",
             "four distinct hidden codes"]


def grouping(code: np.ndarray) -> str:
    """How a solution's hidden layer groups the four patterns (code: (4,) bitmasks of firing hidden units).

    A solution must send patterns with different targets through different hidden codes, so with
    three hidden units exactly one same-target pair shares one.
    """
    if code[1] == code[2]:
        return GROUPINGS[0]
    if code[0] == code[3]:
        return GROUPINGS[1]
    return GROUPINGS[2]


def grouping_table(result: dict, title: str) -> dict:
    """First solutions split by how they group the patterns: which groupings last?"""
    rows = []
    for name in GROUPINGS:
        members = [r for r in result["rows"] if r["grouping"] == name]
        if members:
            rows.append([name, len(members), float(np.mean([r["presentations"] for r in members])),
                         float(np.mean([r["held_after"] for r in members])),
                         sum(r["stable"] is not None for r in members)])
    return {"title": title, "columns": ["grouping at the first solution", "seeds", "mean presentations",
                                        HELD, STABLE], "rows": rows}


def measure(setting: Setting, seeds, label: str = "presentation") -> dict:
    """Train all seeds of a setting; per-seed rows, summaries of every count, and the run."""
    run = train(seeds, ARCHITECTURES[setting.arch], setting.rule, setting.max_presentations,
                setting.order, setting.stable_window, label=label)
    rows = per_seed_rows(run, setting.stable_window)
    out = {"rows": rows, "run": run}
    for key in ("presentations", "per_pattern", "online", "stable", "held_after"):
        values = [r[key] for r in rows]
        out[key] = summarize(values, [v is not None for v in values])
    return out


def ablation_settings(base: Setting) -> list[tuple[str, Setting]]:
    """The readings of the paper we vary, one at a time from the baseline."""
    rule = base.rule
    return [
        ("baseline: eta = lambda = 0.005, reward every tick, random order", base),
        ("eta = lambda / 2", replace(base, rule=replace(rule, eta=rule.lam / 2))),
        ("eta = 1.5 lambda", replace(base, rule=replace(rule, eta=1.5 * rule.lam))),
        ("lambda = eta = 0.0025", replace(base, rule=replace(rule, lam=0.0025, eta=0.0025))),
        ("lambda = eta = 0.01", replace(base, rule=replace(rule, lam=0.01, eta=0.01))),
        ("lambda = eta = 0.02", replace(base, rule=replace(rule, lam=0.02, eta=0.02))),
        ("reward at the last tick only", replace(base, rule=replace(rule, reward="last-tick"))),
        ("reward at the last tick only, eta = 6 lambda", replace(base, rule=replace(rule, reward="last-tick", eta=6 * rule.lam))),
        ("4 ticks per presentation", replace(base, rule=replace(rule, ticks=4))),
        ("cyclic pattern order", replace(base, order="cyclic")),
        ("shuffled cycles of the 4 patterns", replace(base, order="shuffled")),
    ]


def ratio_text(measured, paper) -> str:
    return "-" if measured is None else f"{measured / paper:.2f}x"


def reading_row(name: str, result: dict, paper_per_pattern: float, with_total: bool) -> list:
    total, per = result["presentations"], result["per_pattern"]
    row = [name, f"{total['n_solved']}/{total['n_runs']}"]
    if with_total:
        row += [total["mean"], ratio_text(total["mean"], 619)]
    row += [per["mean"], ratio_text(per["mean"], paper_per_pattern), result["held_after"]["mean"],
            f"{result['stable']['n_solved']}/{total['n_runs']}"]
    print(f"  {name}: solved {total['n_solved']}/{total['n_runs']}, mean {format_value(total['mean'])} "
          f"({format_value(per['mean'])} per pattern), held {format_value(result['held_after']['mean'])}, "
          f"stable {result['stable']['n_solved']}")
    return row


def ablation_table(settings, seeds) -> dict:
    """Each reading against the paper's 619, under both ways of counting presentations."""
    rows = []
    for i, (name, setting) in enumerate(settings):
        result = measure(setting, seeds, label=f"reading {i + 1}/{len(settings)}: presentation")
        rows.append(reading_row(name, result, 619, with_total=True))
    return {"title": f"Readings of the paper, one change at a time from the baseline (one hidden subset; seeds "
                     f"{seeds[0]}-{seeds[-1]}; cap {settings[0][1].max_presentations} presentations; stable = "
                     f"solved for {settings[0][1].stable_window} presentations in a row)",
            "columns": ["reading", "solved", "mean presentations", "vs 619", "mean per pattern", "vs 619",
                        HELD, STABLE],
            "rows": rows}


def second_architecture_table(base: Setting, seeds) -> tuple[dict, dict]:
    """The paper's second architecture under the baseline reading and with cyclic order."""
    rows, first = [], None
    two = replace(base, arch="two-subsets")
    for name, setting in [("baseline reading", two), ("cyclic pattern order", replace(two, order="cyclic"))]:
        result = measure(setting, seeds, label=f"two subsets, {name}: presentation")
        first = first or result
        rows.append(reading_row(name, result, 263, with_total=False))
    table = {"title": f"Second architecture: two competitive hidden subsets of 2 units (paper: about 263 "
                      f"presentations per pattern, 8 of 10 runs; seeds {seeds[0]}-{seeds[-1]})",
             "columns": ["reading", "solved", "mean per pattern", "vs 263", HELD, STABLE],
             "rows": rows}
    return table, first


def verdict_for(one: dict, two: dict | None) -> tuple[str, str]:
    """Compare with the paper under both counts, then ask whether the solutions last."""
    per, total = one["per_pattern"], one["presentations"]
    all_solved = per["n_runs"] > 0 and per["n_solved"] == per["n_runs"]
    fits = lambda m, paper: m is not None and paper / WITHIN <= m <= paper * WITHIN  # noqa: E731
    count_fits = fits(total["mean"], 619) or (fits(per["mean"], 619) and two is not None
                                              and fits(two["per_pattern"]["mean"], 263))
    mostly_stable = one["stable"]["n_solved"] * 2 >= per["n_runs"]
    if count_fits and all_solved and mostly_stable:
        return "yes", "every seed solves XOR within 1.5x of the paper's presentation counts, and solutions last"
    if count_fits and all_solved:
        return "partial", ("first solutions within 1.5x of the paper's counts (counted per pattern) on every seed, "
                           "but under the local rule they do not last, unlike the paper's stable solutions")
    if per["n_solved"] > 0:
        return "qualitative", "the local rule finds XOR solutions, but the presentation counts miss the paper's by over 1.5x"
    return "no", "the local rule did not solve XOR within the presentation cap"


# ----------------------------------------------------------------------------------------
# Comparison: the catalog's OdyssNet core, trained by backpropagation through time on the same
# task and counted the same way (one pattern per presentation, frozen evaluation after each).
# The library's XOR recipe: 3 neurons (x1, x2, output), 5 thinking steps, tanh with +-1 coding,
# AdamW at lr 5e-3 with gradient persistence 0.1.
# ----------------------------------------------------------------------------------------

ODYSSNET_RECIPE = {"neurons": 3, "thinking_steps": 5, "lr": 5e-3, "gradient_persistence": 0.1}


def odyssnet_run(seed: int, max_presentations: int, stable_window: int) -> dict:
    """One OdyssNet trained online on XOR; the same figures as an NBB run's row."""
    inputs = 2.0 * PATTERNS[:, 1:] - 1.0                       # (4, 2) in -1/+1
    targets = (2.0 * TARGETS - 1.0)[:, None]                   # (4, 1): +1 where XOR is 1
    model = OdyssNet(ODYSSNET_RECIPE["neurons"], [0, 1], [2], rng=seed)
    trainer = OdyssNetTrainer(model, lr=ODYSSNET_RECIPE["lr"],
                              gradient_persistence=ODYSSNET_RECIPE["gradient_persistence"])
    steps = ODYSSNET_RECIPE["thinking_steps"]
    order = pattern_order(np.random.default_rng(seed), max_presentations, "random")
    solved_log, first, streak, stable = [], -1, -1, -1
    for p in range(1, max_presentations + 1):
        k = order[p - 1]
        trainer.train_batch(inputs[k:k + 1], targets[k:k + 1], thinking_steps=steps)
        solved = bool(np.all(np.sign(trainer.predict(inputs, steps)) == targets))
        solved_log.append(solved)
        first = p if first < 0 and solved else first
        streak = (streak if streak > 0 else p) if solved else -1
        if stable < 0 and streak > 0 and p - streak + 1 >= stable_window:
            stable = streak
            break
    held = float(np.mean(solved_log[first - 1: first - 1 + stable_window])) if first > 0 else None
    return {"solved": first > 0, "presentations": first if first > 0 else None,
            "per_pattern": first / 4 if first > 0 else None, "stable": stable if stable > 0 else None,
            "held_after": held}


def odyssnet_comparison(seeds, max_presentations: int, stable_window: int) -> dict:
    """The sweep for --model odyssnet, as a record section."""
    clock = Progress(1)
    print(f"OdyssNet core on XOR: {ODYSSNET_RECIPE}, online, random order, cap {max_presentations}, "
          f"seeds {seeds[0]}..{seeds[-1]}")
    result = sweep(lambda seed: odyssnet_run(seed, max_presentations, stable_window), seeds, "presentations",
                   label="seed")
    rows = result["per_seed"]
    solved = [r["solved"] for r in rows]
    per = summarize([r["per_pattern"] for r in rows], solved)
    held = summarize([r["held_after"] for r in rows], solved)
    n_stable = sum(r["stable"] is not None for r in rows)
    summary = (f"{per['n_solved']}/{per['n_runs']} seeds solve after {format_value(per['mean'])} presentations "
               f"per pattern; solutions hold {format_value(held['mean'])} of the next {stable_window}; "
               f"stable in {n_stable}/{per['n_runs']}")
    print(summary)
    first = rows[0]
    return {
        "summary": f"BPTT (3 neurons, 5 steps): {summary}",
        "headline": {"solved": first["solved"], "presentations_to_solve": first["presentations"],
                     "presentations_per_pattern": first["per_pattern"],
                     "share_of_next_window_solved": first["held_after"],
                     "presentations_to_stable": first["stable"]},
        "seeds": result if len(seeds) > 1 else None,
        "tables": [{"title": f"OdyssNet core against the NBB on XOR (seeds {seeds[0]}-{seeds[-1]}, one pattern "
                             f"per presentation, cap {max_presentations})",
                    "columns": ["learner", "solved", "mean per pattern", "median per pattern", HELD, STABLE],
                    "rows": [["OdyssNet, BPTT + AdamW", f"{per['n_solved']}/{per['n_runs']}", per["mean"],
                              per["median"], held["mean"], f"{n_stable}/{per['n_runs']}"]]}],
        "wallclock_s": clock.elapsed,
    }


# ----------------------------------------------------------------------------------------
# The verdict rule, written from the paper's claims before the recorded runs.
# ----------------------------------------------------------------------------------------

SEED_DESCRIPTION = "the seed's description (published catalog, /work/shared/seeds/004, line {}), not read in the paper"
PAPER_CYCLES = 619             # 3 hidden units, one subset: mean "pattern presentations" to a solution, 20 runs
PAPER_CYCLES_STABLE = 674      # the same runs, to a "stable" solution
PAPER_RUNS = 20
PAPER_TWO_HIDDEN_PER_PATTERN = 160    # 2 hidden units, one subset: "presentations per pattern", "not stably"
PAPER_TWO_SUBSETS_PER_PATTERN = 263   # two hidden subsets of 2 units: "presentations per pattern"
PAPER_TWO_SUBSETS_SOLVED, PAPER_TWO_SUBSETS_RUNS = 8, 10

MIN_SEEDS = 40          # per verdict section (headline, two-hidden, two-subsets)
RATE_MARGIN = 0.15      # "solves in every run" is tested as "solves in more than 85% of runs"
TWO_SUBSETS_MARGIN = 0.30   # "8 of 10 runs" is tested as "more than half of the runs"
COUNT_FACTOR = 1.5      # a mean count "matches" when it lies within 1/1.5 .. 1.5 of the paper's
VERDICT_SECTIONS = ("two-hidden", "two-subsets")


def _count_claim(claim: str, where: str, rows: list[dict], paper_cycles: float, metric: str):
    """Equivalence of the mean count over solved seeds to the paper's figure (needs two solved seeds)."""
    values = [r["cycles"] for r in rows if r["solved"]]
    if len(values) < 2:
        return exact(claim, where, metric, len(values), False,
                     f"TOST needs at least 2 solved seeds; {len(values)} solved")
    return mean_within(claim, where, values, paper_cycles, COUNT_FACTOR, metric)


def verdict(record: dict) -> dict:
    """The catalog's verdict on nbb-xor, from the recorded figures alone.

    The count. One count throughout: training cycles, as the paper's procedure defines them (node6:
    "At the beginning of each cycle ... one of the four binary XOR input patterns was randomly
    chosen"; a cycle is one pattern shown for 6 ticks with learning on). A run's count is the number
    of cycles trained when its criterion is first met. Why cycles and not "per pattern": with
    patterns drawn at random a per-pattern count is not a count of anything, only cycles / 4; and the
    seed, the only text that gives the figures, writes "619 pattern presentations" for the first net
    but "presentations per pattern" for the other two, and converts one of those itself ("160
    presentations per pattern (≈ 640 total)"). So 619 is compared with cycles as it stands, and 160
    and 263 with cycles after the seed's own conversion (x 4: 640 and 1052). The per-pattern figure
    (cycles / 4) is printed beside every count and tested nowhere.

    The criteria. Frozen test (the paper's, node6 + dissertation node61): after every training cycle
    the weights are frozen and each pattern is shown for 6 ticks from silence; a pattern is right when
    the correct output unit is on at ticks 4, 5 and 6; the run is solved when all four are right.
    Stable: the frozen test passes at each of 1000 cycles in a row within the cap of 6000 cycles (the
    paper's "stable" is not read; 1000 cycles is 1.6x the paper's mean time to a solution, so a
    solution that lasts that long outlives the search that found it). Online (the 2-hidden-unit net,
    as issue 11 asks; no frozen test): solved at the first cycle p such that cycles p-19..p, as they
    came with learning on, each had the correct output on at ticks 4-6 and the four patterns all
    occur among them (20 cycles: a net that always fails one pattern passes by the luck of the draw
    with probability (3/4)^20 = 0.3%).

    Claims (one metric each; exact binomial or TOST from shared.verdict; Holm over the tested claims):
      1. (primary) The NBB solves XOR on the paper's net (3 hidden units in one subset): share of seeds
         with a frozen solution within the cap, non-inferior to the 20 of 20 the seed reports, margin
         0.15 (the paper's 20/20 itself only shows a rate above 0.86 at 95%).
      2. Cycles to the first frozen solution: mean over solved seeds within 1/1.5 .. 1.5 x 619. 1.5 is
         the catalog's standing bar and about the paper's own sampling error: a mean of 20 waiting
         times with a coefficient of variation near 1 is uncertain by about +-45% at 95%.
      3. Its solutions become stable (the seed's 674 is a mean to a stable solution over the same 20
         runs): share of seeds with a stable solution, non-inferior to 20/20, margin 0.15.
      4. 2 hidden units in one subset, online criterion: mean online count within 1.5 x 640.
      5. Two hidden subsets of 2 units: mean cycles to the first frozen solution within 1.5 x 1052.
      6. Two hidden subsets of 2 units solve in 8 of 10 runs: share of seeds solved, non-inferior to
         0.8 with margin 0.3 (10 runs show only a rate above 0.49 at 95%).
    Not tested: "not stably" for the 2-hidden net (no rate or definition given), 674 as a count (claim 3
    tests the stability itself, which does not depend on the unread constants lambda and eta).

    Grade: yes when all six hold; no when claim 1 fails; qualitative when claim 1 holds and all others
    fail; partial otherwise. Minimum seeds: 40 per section (the paper ran 20; with 20 seeds even 20/20
    gives p = 0.039 against 0.85, too weak to survive Holm's correction over six claims; with 40,
    40/40 gives 0.0015 and 39/40 0.012). Fewer, or a missing section, is pending.
    """
    parts = {"the headline sweep (3 hidden units)": record.get("seeds")}
    for name in VERDICT_SECTIONS:
        parts[f"section {name}"] = (record.get(name) or {}).get("seeds")
    for name, seeds in parts.items():
        if not seeds:
            return pending(f"{name} is not recorded")
        if len(seeds["per_seed"]) < MIN_SEEDS:
            return pending(f"{name} has {len(seeds['per_seed'])} seeds; the rule needs {MIN_SEEDS}")
    three = record["seeds"]["per_seed"]
    two_hidden = record["two-hidden"]["seeds"]["per_seed"]
    two_subsets = record["two-subsets"]["seeds"]["per_seed"]
    claims = judge([
        rate_at_least("the NBB solves XOR (3 hidden units, one subset)",
                      "node6 (task, net, frozen test: read); 20 of 20 runs: " + SEED_DESCRIPTION.format(1049),
                      [r["solved"] for r in three], 1.0, RATE_MARGIN,
                      metric="share of seeds with a frozen solution within 6000 cycles"),
        _count_claim(f"cycles to the first solution ≈ {PAPER_CYCLES}", SEED_DESCRIPTION.format(1049), three,
                     PAPER_CYCLES, "mean cycles to the first frozen solution (solved seeds)"),
        rate_at_least(f"its solutions become stable (≈ {PAPER_CYCLES_STABLE} cycles, all runs)",
                      SEED_DESCRIPTION.format(1049), [r["stable"] for r in three], 1.0, RATE_MARGIN,
                      metric="share of seeds whose frozen net solves XOR 1000 cycles in a row within 6000"),
        _count_claim(f"2 hidden units: ≈ {PAPER_TWO_HIDDEN_PER_PATTERN} per pattern "
                     f"(≈ {4 * PAPER_TWO_HIDDEN_PER_PATTERN} cycles)",
                     SEED_DESCRIPTION.format("1090-1091"), two_hidden, 4 * PAPER_TWO_HIDDEN_PER_PATTERN,
                     "mean cycles to the online solution (solved seeds)"),
        _count_claim(f"two 2-unit subsets: ≈ {PAPER_TWO_SUBSETS_PER_PATTERN} per pattern "
                     f"(≈ {4 * PAPER_TWO_SUBSETS_PER_PATTERN} cycles)",
                     SEED_DESCRIPTION.format(1092), two_subsets, 4 * PAPER_TWO_SUBSETS_PER_PATTERN,
                     "mean cycles to the first frozen solution (solved seeds)"),
        rate_at_least(f"two 2-unit subsets solve in {PAPER_TWO_SUBSETS_SOLVED} of {PAPER_TWO_SUBSETS_RUNS} runs",
                      SEED_DESCRIPTION.format(1092), [r["solved"] for r in two_subsets],
                      PAPER_TWO_SUBSETS_SOLVED / PAPER_TWO_SUBSETS_RUNS, TWO_SUBSETS_MARGIN,
                      metric="share of seeds with a frozen solution within 6000 cycles"),
    ])
    return grade(claims, primary=1, qualitative=not any(c.holds for c in claims[1:]))


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, a cap of "
                         "120 presentations and a stability window of 30")
    parser.add_argument("--model", choices=["nbb", "odyssnet"], default="nbb",
                        help="nbb: the paper's Neural Bucket Brigade (default); odyssnet: the catalog's OdyssNet "
                             "core trained by BPTT on the same presentations, for comparison")
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="one-subset",
                        help="one-subset: 3 hidden units in one competitive subset (the paper's first "
                             "architecture); two-subsets: two subsets of 2 (its second)")
    parser.add_argument("--lam", type=positive_float, default=Rule.lam, help="payment rate lambda (default 0.005)")
    parser.add_argument("--eta", type=nonnegative_float, default=Rule.eta, help="external reward rate eta (default 0.005)")
    parser.add_argument("--reward", choices=REWARD_TIMINGS, default=Rule.reward, help="when Ext is paid (default every-tick)")
    parser.add_argument("--order", choices=ORDERS, default="random", help="pattern order (default random)")
    parser.add_argument("--ticks", type=positive_int, default=Rule.ticks, help="ticks per presentation (default 6)")
    parser.add_argument("--max-presentations", type=positive_int, default=Setting.max_presentations,
                        help=f"presentation cap per run (default {Setting.max_presentations})")
    parser.add_argument("--stable-window", type=positive_int, default=Setting.stable_window,
                        help=f"presentations in a row a solution must hold to count as stable "
                             f"(default {Setting.stable_window})")
    parser.add_argument("--ablations", action="store_true",
                        help="also measure the readings of the paper (eta vs lambda, reward timing, "
                             "pattern order, counting) and the second architecture over the seed sweep")
    args = parser.parse_args(argv)
    if args.ticks < 2:
        parser.error("--ticks must be at least 2: the output fires two ticks after the input")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
        args.max_presentations, args.stable_window = min(args.max_presentations, 120), min(args.stable_window, 30)
    clock = Progress(1)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    if args.model == "odyssnet":
        section = odyssnet_comparison(seeds, args.max_presentations, args.stable_window)
        per = section["tables"][0]["rows"][0]
        print_verdict(measured={"OdyssNet seeds solved": per[1], "mean per pattern": per[2],
                                "share of next window solved": per[4], "stable": per[5]},
                      paper={"NBB mean presentations (20 runs)": 619, "NBB mean to stable": 674},
                      verdict=None, reason="a comparison run: the paper's claim is about the NBB (--model nbb)")
        if args.record:
            save_record(args.record, section, __file__, section="odyssnet")
        return 0
    rule = Rule(lam=args.lam, eta=args.eta, reward=args.reward, ticks=args.ticks)
    setting = Setting(args.arch, rule, args.order, args.max_presentations, args.stable_window)

    print(f"NBB on XOR: {args.arch} architecture, lambda={rule.lam}, eta={rule.eta}, reward {rule.reward}, "
          f"{rule.ticks} ticks, {args.order} order, cap {args.max_presentations}, seeds {seeds[0]}..{seeds[-1]}")
    result = measure(setting, seeds)
    rows = result["rows"]
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    total, per, held = result["presentations"], result["per_pattern"], result["held_after"]
    print(f"solved {total['n_solved']}/{total['n_runs']}: mean {format_value(total['mean'])} presentations "
          f"({format_value(per['mean'])} per pattern); from the first solution on, the frozen net solves XOR "
          f"in {format_value(held['mean'])} of the next {args.stable_window} presentations; a stable solution "
          f"in {result['stable']['n_solved']}/{total['n_runs']}")

    tables, two = [], None
    if len(seeds) > 1:
        tables.append(grouping_table(result, f"First solutions of the sweep by how the hidden layer groups the "
                                             f"patterns ({args.arch})"))
    if args.ablations:
        print("\nReadings of the paper (one hidden subset):")
        tables.append(ablation_table(ablation_settings(replace(setting, arch="one-subset")), seeds))
        print("\nSecond architecture (two hidden subsets of 2 units):")
        table, two = second_architecture_table(setting, seeds)
        tables.append(table)
        tables.append(grouping_table(two, "Second architecture, baseline reading: first solutions by grouping"))
    if args.arch == "two-subsets":
        two = result

    verdict, reason = verdict_for(result, two)
    print_verdict(
        measured={"seeds solved": f"{total['n_solved']}/{total['n_runs']}", "mean presentations": total["mean"],
                  "mean per pattern": per["mean"], f"share of next {args.stable_window} still solved": held["mean"],
                  "seeds with stable solution": f"{result['stable']['n_solved']}/{total['n_runs']}",
                  "two subsets, per pattern": two["per_pattern"]["mean"] if two else "not run (--ablations)"},
        paper={"mean presentations (20 runs)": 619, "mean to stable": 674,
               "two subsets, per pattern": "263 (8/10 runs)"},
        verdict=verdict, reason=reason)

    if args.record:
        first = rows[0]
        record = {
            "slug": "nbb-xor",
            "paper": {"citation": "Schmidhuber (1989). A local learning algorithm for dynamic feedforward and "
                                  "recurrent networks. Connection Science 1(4):403–412.",
                      "claim": "XOR solved after ~619 pattern presentations on average (20 runs; 674 for a stable "
                               "solution); two 2-unit hidden subsets: ~263 presentations per pattern, 8/10 runs",
                      "numbers": PAPER},
            "verdict": {"value": verdict, "reason": reason},
            "summary": (f"{total['n_solved']}/{total['n_runs']} seeds find a solution after {format_value(per['mean'])} "
                        f"presentations per pattern ({format_value(total['mean'])} in all), but hold only "
                        f"{format_value(held['mean'])} of the next {args.stable_window} presentations"),
            "headline": {"solved": first["solved"], "presentations_to_solve": first["presentations"],
                         "presentations_per_pattern": first["per_pattern"],
                         "share_of_next_window_solved": first["held_after"],
                         "presentations_to_stable": first["stable"]},
            "seeds": {"per_seed": rows, "summary": {**total, "metric": "presentations"}} if len(seeds) > 1 else None,
            "tables": tables,
            "tour": "Seed 0 learning XOR: each panel routes one input pattern through the winner-take-all units "
                    "(line width = weight substance; red = wrong answer), above the frozen accuracy so far.",
            "wallclock_s": clock.elapsed,
        }
        save_record(args.record, record, __file__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
