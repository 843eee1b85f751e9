"""XOR with the Neural Bucket Brigade (Schmidhuber 1989).

The Neural Bucket Brigade (NBB) learns with a rule that is local in space and time: no
gradients, no error signal sent backwards through the network. Units come in competitive
subsets; at every tick the unit of a subset with the largest positive net input fires (1),
the others stay silent (0). A weight is a store of "substance". When unit j fires, every
connection i -> j that helped (contribution c_ij = x_i(t-1) w_ij(t-1)) pays a fraction
lambda of its contribution; that payment goes back to the connections that made unit i fire
one tick earlier, in proportion to their own contributions (the bucket brigade). The
environment pays substance only into connections feeding the correct output while it fires
(rate eta). What is paid and not passed on is gone: the system is dissipative.

The experiment, as the paper's "Simple Experiments" page states it (IDSIA transcription,
bucketbrigade/node6.html): three input units (x1, x2 and a third unit that is always on, the
modifiable bias) feed a competitive subset of three hidden units AND a competitive subset of
two output units; the hidden subset feeds the outputs too. Each cycle resets all activations,
draws one of the four patterns at random and clamps it for 6 ticks; payoff flows at every tick
into the connections of the correct output while it is on; a pattern counts as right when,
with weight changes switched off, the correct output is on during the last three ticks. The
simulations used 32-bit floating point arithmetic, and so does the headline here.

The figures (619 cycles to a solution over 20 runs, 674 to a stable one; 2 hidden units:
about 160 presentations per pattern, not stable; two hidden subsets of 2: about 263 per
pattern, 8 of 10 runs) and the constants lambda = eta = 0.005 and the initial weights in
[0.999, 1.001] come from the seed's description of the paper (the published catalog), not
from the paper's text, which we could read only up to the end of the setup.

Run:  python3 nbb-xor/nbb_xor.py --seed 0 --n-seeds 40 --record           (the headline)
      python3 nbb-xor/nbb_xor.py --arch two-hidden --n-seeds 40 --record  (online criterion)
      python3 nbb-xor/nbb_xor.py --arch two-subsets --n-seeds 40 --record
      python3 nbb-xor/nbb_xor.py --readings --n-seeds 40 --record         (lambda/eta grid, old choices)
      python3 nbb-xor/nbb_xor.py --model odyssnet --n-seeds 40 --record   (the OdyssNet core, for comparison)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from functools import cached_property

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most, nonnegative_float,
                                     positive_float, positive_int, require_seeds, stub_parser, summarize, sweep)
from shared.networks import tape_steps
from shared.networks.nbb import bucket_brigade, ordered_sum, tick, winner_take_all
from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
from shared.frame.verdict import exact, grade, judge, mean_within, pending, rate_at_least

# ----------------------------------------------------------------------------------------
# The problem: the four XOR patterns. The third input unit is always on (the paper's
# modifiable bias, "the remaining input unit"). Target: output unit 0 for XOR = 0, unit 1 for
# XOR = 1 (which XOR value the paper gives the first output unit is not rendered in the text).
# ----------------------------------------------------------------------------------------

PATTERNS = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)  # (4, 3): x1, x2, on
TARGETS = np.array([0, 1, 1, 0])  # index of the output unit that must be on
PATTERN_NAMES = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]

CITATION = ("Schmidhuber, J. (1989). A local learning algorithm for dynamic feedforward and recurrent networks. "
            "Connection Science 1(4):403–412.")
NODE6 = "'Simple Experiments' (IDSIA transcription bucketbrigade/node6.html), XOR paragraph"


# ----------------------------------------------------------------------------------------
# The network: input units, competitive hidden subsets, one competitive output subset.
# Units are numbered inputs first, then hidden subsets, then outputs; W[i, j] is the
# connection i -> j (net_j = sum_i x_i W[i, j]).
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Architecture:
    hidden_subsets: tuple[int, ...]  # sizes of the competitive hidden subsets
    input_to_output: bool = True     # the paper wires the inputs to the outputs as well
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

    @cached_property
    def subsets(self) -> list[slice]:
        """The competitive subsets, hidden ones first, the output subset last."""
        bounds = np.cumsum((0, self.n_inputs, *self.hidden_subsets, self.n_outputs))
        return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

    @property
    def connections(self) -> np.ndarray:
        """(N, N) boolean: inputs -> every hidden unit (and every output), hidden -> every output."""
        mask = np.zeros((self.n_units, self.n_units), dtype=bool)
        mask[: self.n_inputs, self.hidden] = True
        mask[: self.n_inputs, self.outputs] = self.input_to_output
        mask[self.hidden, self.outputs] = True
        return mask


ARCHITECTURES = {"three-hidden": Architecture((3,)), "two-hidden": Architecture((2,)),
                 "two-subsets": Architecture((2, 2))}
ARCH_TEXT = {"three-hidden": "3 hidden units in one competitive subset (the paper's net)",
             "two-hidden": "2 hidden units in one competitive subset",
             "two-subsets": "two competitive hidden subsets of 2 units"}


@dataclass(frozen=True)
class Rule:
    """The learning rule's constants and the readings of the paper we can vary."""

    lam: float = 0.005             # payment rate lambda (the seed's value; not read in the paper)
    eta: float = 0.005             # payoff rate eta (the seed's value; not read in the paper)
    reward: str = "every-tick"     # "every-tick" (the paper: "at each time tick") or "last-tick"
    ticks: int = 6                 # ticks per cycle (the paper: 6)
    judged: int = 3                # a pattern is right when the correct output is on in the last `judged` ticks
    init_low: float = 0.999        # initial weights uniform in [init_low, init_high] (the seed's range)
    init_high: float = 1.001
    dtype: str = "float32"         # the paper: "32-bit floating point arithmetic"


REWARD_TIMINGS = ("every-tick", "last-tick")
ORDERS = ("random", "cyclic", "shuffled")

# The rule itself (winner-take-all ticks, the bucket brigade's payments, sums in index order) is
# shared/networks/nbb.py; a cycle of this experiment is below.


def present(weights, pattern, arch: Architecture, rule: Rule, learn: bool = True, lam=None, eta=None,
            last_tick_only=None):
    """One cycle per network: reset, clamp the pattern, rule.ticks ticks (learning if `learn`).

    weights (B, N, N), pattern (B,) indices into PATTERNS -> (new weights, right (B,): the correct
    output was on at every one of the last rule.judged ticks, as the cycle came). lam, eta and
    last_tick_only (payoff only at the last tick) default to the rule's, or give one per network.
    """
    batch = weights.shape[0]
    lam = rule.lam if lam is None else lam
    eta = rule.eta if eta is None else eta
    last_tick_only = (rule.reward == "last-tick") if last_tick_only is None else last_tick_only
    clamp = PATTERNS[pattern].astype(weights.dtype)
    target_unit = arch.outputs.start + TARGETS[pattern]
    activity = np.zeros((batch, arch.n_units), dtype=weights.dtype)
    activity[:, : arch.n_inputs] = clamp
    fired_by = np.zeros_like(weights)
    rows = np.arange(batch)
    right = np.ones(batch, dtype=bool)
    for t in range(rule.ticks):
        contributions, activity = tick(weights, activity, clamp, arch.subsets[1:])
        if t >= rule.ticks - rule.judged:
            right &= activity[rows, target_unit] > 0
        if learn:
            reward_now = np.logical_not(last_tick_only) | (t == rule.ticks - 1)
            weights = weights + bucket_brigade(contributions, activity, fired_by, target_unit, reward_now, lam, eta)
            fired_by = contributions * activity[:, None, :]
    return weights, right


def frozen_activity(weights: np.ndarray, arch: Architecture, rule: Rule) -> np.ndarray:
    """Activity of each pattern's cycle with weight changes switched off.

    weights (B, N, N) -> (B, 4, ticks + 1, N): tick 0 is the clamped input alone. Once a tick
    repeats the one before, every later tick repeats it too (the frozen net is deterministic), so
    those are copied rather than recomputed.
    """
    batch = weights.shape[0]
    clamp = np.broadcast_to(PATTERNS.astype(weights.dtype), (batch, 4, arch.n_inputs))
    activity = np.zeros((batch, 4, arch.n_units), dtype=weights.dtype)
    activity[..., : arch.n_inputs] = clamp
    ticks = [activity]
    while len(ticks) <= rule.ticks:
        net = ordered_sum(activity[:, :, :, None] * weights[:, None], 2)   # (B, 4, N)
        activity = winner_take_all(net, arch.subsets[1:])
        activity[..., : arch.n_inputs] = clamp
        if np.array_equal(activity, ticks[-1]):
            ticks += [activity] * (rule.ticks + 1 - len(ticks))
        else:
            ticks.append(activity)
    return np.stack(ticks, axis=2)


def frozen_correct(activity: np.ndarray, arch: Architecture, rule: Rule) -> np.ndarray:
    """The paper's test per pattern: (B, 4, ticks + 1, N) -> (B, 4) correct output on in the last judged ticks."""
    target = activity[:, np.arange(4), :, arch.outputs.start + TARGETS]               # (4, B, ticks + 1)
    return np.moveaxis(target[..., -rule.judged:] > 0, 0, 1).all(axis=-1)


def output_winner(activity: np.ndarray, arch: Architecture) -> np.ndarray:
    """Index of the output unit that is on (..., N) -> (...), -1 where no output is on."""
    out = activity[..., arch.outputs]
    return np.where(out.any(axis=-1), np.argmax(out, axis=-1), -1)


# ----------------------------------------------------------------------------------------
# Training. Independent networks learn side by side as one batch: each has its seed and its
# setting (rates, payoff timing, pattern order, initial range, wiring), and each seed owns its
# generator, which draws the initial weights and then the order of the patterns, so a network's
# figures are the same bits whether it runs alone or in any batch. After every training cycle
# the weights are frozen and the four patterns are tested (the frozen criterion); the training
# cycles' own answers feed the online criterion.
# ----------------------------------------------------------------------------------------

CRITERIA = ("frozen", "online")
DECLARED = {"three-hidden": "frozen", "two-hidden": "online", "two-subsets": "frozen"}  # the section's count


@dataclass(frozen=True)
class Setting:
    """One full configuration of an experiment."""

    arch: str = "three-hidden"
    rule: Rule = Rule()
    order: str = "random"
    max_cycles: int = 6000
    stable_window: int = 1000            # a stable solution passes the frozen test this many cycles in a row
    online_window: int = 20              # the online criterion: this many cycles in a row right as they came
    criterion: str = "frozen"            # which count is the row's `cycles`
    input_to_output: bool = True

    @property
    def architecture(self) -> Architecture:
        return replace(ARCHITECTURES[self.arch], input_to_output=self.input_to_output)


def pattern_order(rng: np.random.Generator, n: int, order: str) -> np.ndarray:
    if order == "random":      # each cycle draws a pattern uniformly (the paper: "randomly chosen")
        return rng.integers(0, 4, size=n)
    if order == "cyclic":      # (0,0), (0,1), (1,0), (1,1), (0,0), ...
        return np.arange(n) % 4
    cycles = -(-n // 4)        # "shuffled": every block of 4 is a random permutation
    return np.concatenate([rng.permutation(4) for _ in range(cycles)])[:n]


def initial_weights(rng: np.random.Generator, arch: Architecture, rule: Rule) -> np.ndarray:
    w = rng.uniform(rule.init_low, rule.init_high, (arch.n_units, arch.n_units)) * arch.connections
    return w.astype(rule.dtype)


def online_solved(recent_right: np.ndarray, recent_pattern: np.ndarray) -> np.ndarray:
    """The online criterion on the last cycles (B, K): all answered right, and all four patterns among them."""
    every_pattern = np.all([(recent_pattern == k).any(axis=1) for k in range(4)], axis=0)
    return recent_right.all(axis=1) & every_pattern


@dataclass
class Run:
    """What training measured, per network (arrays of shape (B,); -1 = not reached)."""

    networks: list               # [(seed, Setting)]
    solved_at: np.ndarray        # first cycle after which the frozen test gets all 4 patterns right
    online_at: np.ndarray        # first cycle ending `online_window` cycles answered right as they came
    stable_at: np.ndarray        # start of the first frozen all-right streak of stable_window cycles
    cycles: int                  # cycles run
    weights: np.ndarray          # final weights (B, N, N)
    correct: np.ndarray          # (P, B, 4) frozen correctness after each cycle
    online_right: np.ndarray     # (P, B) the training cycle's own answer was right
    patterns: np.ndarray         # (P, B) the pattern of each training cycle
    substance: np.ndarray        # (P, B) total weight substance after each cycle
    hidden_code: np.ndarray      # (B, 4) which hidden units fire for each pattern at the first solution (bitmask)
    stable_code: np.ndarray      # (B, 4) the same at the first cycle of the stable streak
    snapshots: list = field(default_factory=list)  # [(cycle, weights (B, N, N))]


def train(networks: list[tuple[int, Setting]], snapshot_every: int = 0, label: str = "cycle") -> Run:
    """Train every (seed, setting) network until each has a stable frozen solution and an online one, or the cap.

    The networks share the hidden layout, ticks, arithmetic, cap and windows; everything else may
    differ. With stable_window = 0 a network is done at its first frozen (and online) solution.
    """
    settings = [s for _, s in networks]
    base = settings[0]
    arch = ARCHITECTURES[base.arch]
    shared_part = lambda s: (ARCHITECTURES[s.arch].hidden_subsets, s.rule.ticks, s.rule.judged,  # noqa: E731
                             s.rule.dtype, s.max_cycles, s.stable_window, s.online_window)
    if any(shared_part(s) != shared_part(base) for s in settings):
        raise ValueError("networks of one batch must share hidden layout, ticks, arithmetic, cap and windows")
    rule, max_cycles, stable_window, online_window = base.rule, base.max_cycles, base.stable_window, base.online_window
    dtype = np.dtype(rule.dtype)
    rngs = [np.random.default_rng(seed) for seed, _ in networks]
    weights = np.stack([initial_weights(rng, s.architecture, s.rule) for rng, s in zip(rngs, settings)])
    sequence = np.stack([pattern_order(rng, max_cycles, s.order) for rng, s in zip(rngs, settings)])  # (B, P)
    lam = np.array([s.rule.lam for s in settings], dtype=dtype)
    eta = np.array([s.rule.eta for s in settings], dtype=dtype)
    last_tick_only = np.array([s.rule.reward == "last-tick" for s in settings])
    batch = len(networks)
    solved_at, online_at, stable_at = (np.full(batch, -1) for _ in range(3))
    hidden_code, streak_code, stable_code = (np.zeros((batch, 4), dtype=int) for _ in range(3))
    unit_bits = 2 ** np.arange(sum(arch.hidden_subsets))
    streak_start = np.full(batch, -1)
    recent_right = np.zeros((batch, online_window), dtype=bool)
    recent_pattern = np.full((batch, online_window), -1)
    correct_log, online_log, substance_log = [], [], []
    snapshots = [(0, weights.copy())] if snapshot_every else []
    progress = Progress(max_cycles, label=label)
    for p in range(1, max_cycles + 1):
        pattern = sequence[:, p - 1]
        weights, right = present(weights, pattern, arch, rule, lam=lam, eta=eta, last_tick_only=last_tick_only)
        recent_right[:, (p - 1) % online_window] = right
        recent_pattern[:, (p - 1) % online_window] = pattern
        online_at[(online_at < 0) & online_solved(recent_right, recent_pattern)] = p
        activity = frozen_activity(weights, arch, rule)                     # (B, 4, T+1, N)
        correct = frozen_correct(activity, arch, rule)                      # (B, 4)
        all_right = correct.all(axis=1)
        newly_solved = (solved_at < 0) & all_right
        solved_at[newly_solved] = p
        code = (activity[:, :, -1, arch.hidden] > 0) @ unit_bits                 # (B, 4)
        hidden_code[newly_solved] = code[newly_solved]
        new_streak = all_right & (streak_start < 0)
        streak_code[new_streak] = code[new_streak]
        streak_start = np.where(all_right, np.where(streak_start < 0, p, streak_start), -1)
        newly_stable = (stable_at < 0) & (streak_start > 0) & (p - streak_start + 1 >= stable_window)
        stable_at[newly_stable] = streak_start[newly_stable]
        stable_code[newly_stable] = streak_code[newly_stable]
        correct_log.append(correct)
        online_log.append(right)
        substance_log.append(ordered_sum(weights.reshape(batch, -1), 1).astype(float))
        if snapshot_every and p % snapshot_every == 0:
            snapshots.append((p, weights.copy()))
        progress.update(p, solved=f"{int((solved_at > 0).sum())}/{batch}",
                        stable=f"{int((stable_at > 0).sum())}/{batch}")
        frozen_done = stable_at > 0 if stable_window else solved_at > 0
        if (frozen_done & (online_at > 0)).all():
            break
    if snapshot_every and snapshots[-1][0] != p:
        snapshots.append((p, weights.copy()))
    return Run(list(networks), solved_at, online_at, stable_at, p, weights, np.array(correct_log),
               np.array(online_log), sequence[:, :p].T.copy(), np.array(substance_log), hidden_code, stable_code,
               snapshots)


# ----------------------------------------------------------------------------------------
# Evaluation: per-seed rows, summaries and tables.
# ----------------------------------------------------------------------------------------


def partition(code: np.ndarray) -> str:
    """How a solution's hidden layer groups the four patterns, e.g. '(0,0)+(1,1) | (0,1) | (1,0)'."""
    groups = {}
    for k, c in enumerate(code):
        groups.setdefault(int(c), []).append(PATTERN_NAMES[k])
    return " | ".join("+".join(g) for g in sorted(groups.values(), key=lambda g: PATTERN_NAMES.index(g[0])))


def network_row(run: Run, b: int) -> dict:
    """Network b's figures. `solved`/`cycles` follow its setting's criterion; `held`: share of the
    stable_window cycles from the first frozen solution on (to the cap at most) at which the frozen
    test still passes. The same figures alone or in any batch."""
    seed, setting = run.networks[b]
    frozen, online = int(run.solved_at[b]), int(run.online_at[b])
    count = frozen if setting.criterion == "frozen" else online
    other = online if setting.criterion == "frozen" else frozen
    window = run.correct[frozen - 1: frozen - 1 + setting.stable_window, b].all(axis=1) if frozen > 0 else None
    return {
        "seed": seed, "solved": count > 0,
        "cycles": count if count > 0 else None,
        "per_pattern": count / 4 if count > 0 else None,
        f"{'online' if setting.criterion == 'frozen' else 'frozen'}_cycles": other if other > 0 else None,
        "stable": bool(run.stable_at[b] > 0),
        "stable_from": int(run.stable_at[b]) if run.stable_at[b] > 0 else None,
        "held": float(window.mean()) if frozen > 0 else None,
        "grouping": partition(run.hidden_code[b]) if frozen > 0 else None,
        "stable_grouping": partition(run.stable_code[b]) if run.stable_at[b] > 0 else None,
    }


def summarize_rows(rows: list[dict], setting: Setting) -> dict:
    other = "online_cycles" if setting.criterion == "frozen" else "frozen_cycles"
    return {"rows": rows, "cycles": summarize([r["cycles"] for r in rows], [r["solved"] for r in rows]),
            "other": summarize([r[other] for r in rows], [r[other] is not None for r in rows]),
            "held": summarize([r["held"] for r in rows], [r["held"] is not None for r in rows]),
            "n_stable": sum(r["stable"] for r in rows)}


def measure_many(settings: list[Setting], seeds, label: str = "cycle") -> dict[Setting, dict]:
    """Every setting over the same seeds, as one batch; per setting its rows and summaries."""
    settings = list(dict.fromkeys(settings))
    networks = [(seed, s) for s in settings for seed in seeds]
    run = train(networks, label=label)
    out = {}
    for i, s in enumerate(settings):
        rows = [network_row(run, i * len(seeds) + k) for k in range(len(seeds))]
        out[s] = summarize_rows(rows, s)
    return out


def measure(setting: Setting, seeds, label: str = "cycle") -> dict:
    return measure_many([setting], seeds, label)[setting]


HELD = "held: share of the next 1000 cycles still solved"
STABLE = "seeds with a stable solution"


def ratio(measured, paper) -> str:
    return "-" if measured is None else f"{measured / paper:.2f}x"


def grouping_table(result: dict, title: str) -> dict:
    """How the hidden layer groups the patterns, at the first frozen solution and at the stable one."""
    rows = []
    names = {r["grouping"] for r in result["rows"] if r["grouping"]} | \
        {r["stable_grouping"] for r in result["rows"] if r["stable_grouping"]}
    for name in sorted(names):
        first = [r for r in result["rows"] if r["grouping"] == name]
        frozen = [r["cycles"] if "online_cycles" in r else r["frozen_cycles"] for r in first]
        lasting = [r for r in result["rows"] if r["stable_grouping"] == name]
        rows.append([name, len(first), float(np.mean(frozen)) if first else None,
                     float(np.mean([r["held"] for r in first])) if first else None, len(lasting),
                     float(np.mean([r["stable_from"] for r in lasting])) if lasting else None])
    return {"title": title, "columns": ["hidden codes (patterns sharing a code)", "first solutions using it",
                                        "mean cycles to them", "their held share", "stable solutions using it",
                                        "mean start of their streak"], "rows": rows}


def criteria_table(result: dict, setting: Setting, paper_cycles: float, title: str) -> dict:
    """Both criteria on the same runs: the frozen test and the online one."""
    n = len(result["rows"])
    frozen, online = (result["cycles"], result["other"]) if setting.criterion == "frozen" else \
        (result["other"], result["cycles"])
    starts = [r["stable_from"] for r in result["rows"]]
    stable = summarize(starts, [v is not None for v in starts])
    rows = []
    for name, s, paper in [("frozen test after every cycle (all 4 right)", frozen, paper_cycles),
                           (f"online: {setting.online_window} cycles in a row right as they came", online, paper_cycles),
                           (f"stable: the frozen test passes {setting.stable_window} cycles in a row (count: the "
                            f"streak's first cycle)", stable, PAPER_CYCLES_STABLE if setting.arch == "three-hidden"
                            else None)]:
        rows.append([name, f"{s['n_solved']}/{n}", s["mean"], s["median"],
                     None if s["mean"] is None else s["mean"] / 4, "-" if paper is None else
                     f"{ratio(s['mean'], paper)} of {paper:g}"])
    return {"title": title, "columns": ["criterion", "reached", "mean cycles", "median cycles", "mean per pattern",
                                        "vs the seed's figure"], "rows": rows}


def summary_line(result: dict, setting: Setting) -> str:
    s, n = result["cycles"], len(result["rows"])
    what = "a frozen solution" if setting.criterion == "frozen" else "an online solution"
    return (f"{s['n_solved']}/{n} seeds find {what} after {format_value(s['mean'])} cycles on average "
            f"({format_value(None if s['mean'] is None else s['mean'] / 4)} per pattern); "
            f"{result['n_stable']}/{n} reach a stable one; held {format_value(result['held']['mean'])}")


# ----------------------------------------------------------------------------------------
# The verdict rule, written from the paper's claims before the recorded runs.
# ----------------------------------------------------------------------------------------

SEED_DESCRIPTION = "the seed's description (published catalog, seed 004 line {}); not read in the paper"
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

    Claims (one metric each; exact binomial or TOST from shared.frame.verdict; Holm over the tested claims):
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
# The paper's figures, each with where it stands.
# ----------------------------------------------------------------------------------------


def seed_where(lines: str) -> str:
    return SEED_DESCRIPTION.format(lines)


PAPER = {
    "citation": CITATION,
    "claim": ("The NBB, local in space and time, adjusts a winner-take-all net so that it solves XOR (node6, read). "
              "Per the seed's description (not read in the paper): about 619 pattern presentations to a solution over "
              "20 runs, 674 to a stable one; 2 hidden units about 160 presentations per pattern, not stably; two "
              "hidden subsets of 2 units about 263 per pattern, 8 of 10 runs."),
    "figures": [
        {"name": "ticks per cycle (a random pattern, activations reset)", "value": 6, "where": NODE6 + " (read)"},
        {"name": "a pattern is right: correct output on in the last ticks, weight changes off", "value": 3,
         "where": NODE6 + " (read) and the dissertation's version, IDSIA promotion/node61.html"},
        {"name": "arithmetic", "value": "32-bit floating point", "where": "'Simple Experiments', first paragraph (read)"},
        {"name": "3 hidden units: mean pattern presentations to a solution", "value": PAPER_CYCLES,
         "where": seed_where(1049)},
        {"name": "3 hidden units: mean to a stable solution", "value": PAPER_CYCLES_STABLE, "where": seed_where(1049)},
        {"name": "3 hidden units: runs", "value": PAPER_RUNS, "where": seed_where(1049)},
        {"name": "2 hidden units: presentations per pattern (not stable)", "value": PAPER_TWO_HIDDEN_PER_PATTERN,
         "where": seed_where("1090-1091")},
        {"name": "two 2-unit hidden subsets: presentations per pattern", "value": PAPER_TWO_SUBSETS_PER_PATTERN,
         "where": seed_where(1092)},
        {"name": "two 2-unit hidden subsets: runs solved", "value": f"{PAPER_TWO_SUBSETS_SOLVED} of "
                                                                   f"{PAPER_TWO_SUBSETS_RUNS}", "where": seed_where(1092)},
        {"name": "lambda = eta", "value": Rule.lam, "where": seed_where(1042)},
        {"name": "initial weights uniform in", "value": f"[{Rule.init_low}, {Rule.init_high}]",
         "where": seed_where("1042, 1079")},
    ],
}
PAPER_COUNT = {"three-hidden": PAPER_CYCLES, "two-hidden": 4 * PAPER_TWO_HIDDEN_PER_PATTERN,
               "two-subsets": 4 * PAPER_TWO_SUBSETS_PER_PATTERN}


# ----------------------------------------------------------------------------------------
# The readings: the lambda/eta grid under the declared count, and the choices of the
# published catalog that the paper's text contradicts or leaves open, one at a time.
# ----------------------------------------------------------------------------------------

GRID_LAMBDAS = (0.0025, 0.005, 0.01, 0.02)
GRID_ETA_RATIOS = (0.5, 1.0, 1.5, 2.0)


def choice_settings(base: Setting) -> list[tuple[str, Setting]]:
    rule = base.rule
    return [
        ("the headline protocol (the paper's, with the seed's constants)", base),
        ("no input -> output connections (the published catalog's wiring)", replace(base, input_to_output=False)),
        ("payoff at the last tick only", replace(base, rule=replace(rule, reward="last-tick"))),
        ("cyclic pattern order", replace(base, order="cyclic")),
        ("shuffled cycles of the 4 patterns", replace(base, order="shuffled")),
        ("64-bit arithmetic", replace(base, rule=replace(rule, dtype="float64"))),
        ("initial weights in [0.99, 1.01]", replace(base, rule=replace(rule, init_low=0.99, init_high=1.01))),
    ]


def reading_figures(result: dict) -> list:
    s, n = result["cycles"], len(result["rows"])
    return [f"{s['n_solved']}/{n}", s["mean"], ratio(s["mean"], PAPER_CYCLES),
            None if s["mean"] is None else s["mean"] / 4, f"{result['n_stable']}/{n}", result["held"]["mean"]]


def readings_section(base: Setting, seeds) -> tuple[dict, dict]:
    """The lambda/eta grid and the one-at-a-time choices (3 hidden units, frozen count)."""
    clock = Progress(1)
    cache: dict[Setting, dict] = {}
    grid = [(lam, lam * r, replace(base, rule=replace(base.rule, lam=lam, eta=lam * r)))
            for lam in GRID_LAMBDAS for r in GRID_ETA_RATIOS]
    choices = choice_settings(base)
    unique = list(dict.fromkeys([s for *_, s in grid] + [s for _, s in choices]))
    for dtype in dict.fromkeys(s.rule.dtype for s in unique):       # one batch per arithmetic
        batch = [s for s in unique if s.rule.dtype == dtype]
        print(f"{len(batch)} settings x {len(seeds)} seeds in {dtype}, as one batch")
        cache.update(measure_many(batch, seeds, label=f"{dtype} batch: cycle"))
    for name, setting in [(f"lambda {lam:g}, eta {eta:g}", s) for lam, eta, s in grid] + choices:
        print(f"  {name}: {summary_line(cache[setting], setting)}")
    figure_columns = ["solved", "mean cycles", f"vs {PAPER_CYCLES}", "mean per pattern", STABLE, HELD]
    span = f"seeds {seeds[0]}-{seeds[-1]}; cap {base.max_cycles} cycles; count: cycles to the first frozen solution"
    grid_table = {"title": f"The lambda/eta grid, 3 hidden units, headline protocol otherwise ({span})",
                  "columns": ["lambda", "eta", *figure_columns],
                  "rows": [[lam, eta, *reading_figures(cache[s])] for lam, eta, s in grid]}
    choice_table = {"title": f"Choices of the published catalog and unread constants, one at a time ({span})",
                    "columns": ["reading", *figure_columns],
                    "rows": [[name, *reading_figures(cache[s])] for name, s in choices]}
    fastest = min((r for r in grid_table["rows"] if r[3] is not None), key=lambda r: r[3])
    in_band = [r for r in grid_table["rows"] if r[3] is not None and
               PAPER_CYCLES / COUNT_FACTOR <= r[3] <= PAPER_CYCLES * COUNT_FACTOR]
    summary = (f"lambda/eta grid ({len(grid)} settings, {len(seeds)} seeds): mean cycles to a frozen solution "
               f"from {format_value(fastest[3])} (lambda {fastest[0]:g}, eta {fastest[1]:g}) up; "
               f"{len(in_band)} settings within 1.5x of 619; stable solutions in at most "
               f"{max(int(r[6].split('/')[0]) for r in grid_table['rows'])}/{len(seeds)} seeds of any setting")
    first = seeds[0]
    headline = {f"seed {first}: cycles to solve, lambda = eta = {lam:g}": cache[s]["rows"][0]["cycles"]
                for lam, eta, s in grid if eta == lam}
    section = {"summary": summary, "headline": headline, "seeds": None, "tables": [grid_table, choice_table],
               "wallclock_s": clock.elapsed}
    measured = {"settings": len(unique), "fastest grid setting (mean cycles)": fastest[3],
                "grid settings within 1.5x of 619": len(in_band)}
    return section, measured


# ----------------------------------------------------------------------------------------
# Comparison: the catalog's OdyssNet core, trained by backpropagation through time on the same
# task and counted the same way (one pattern per cycle, frozen test after each). The library's
# XOR recipe: 3 neurons (x1, x2, output), 5 thinking steps, tanh with +-1 coding, AdamW at
# lr 5e-3 with gradient persistence 0.1.
# ----------------------------------------------------------------------------------------

ODYSSNET_RECIPE = {"neurons": 3, "thinking_steps": 5, "lr": 5e-3, "gradient_persistence": 0.1}


def odyssnet_run(seed: int, max_cycles: int, stable_window: int) -> dict:
    """One OdyssNet trained online on XOR; the same figures as an NBB run's row."""
    inputs = 2.0 * PATTERNS[:, :2] - 1.0                       # (4, 2) in -1/+1
    targets = (2.0 * TARGETS - 1.0)[:, None]                   # (4, 1): +1 where XOR is 1
    model = OdyssNet(ODYSSNET_RECIPE["neurons"], [0, 1], [2], rng=seed)
    trainer = OdyssNetTrainer(model, lr=ODYSSNET_RECIPE["lr"],
                              gradient_persistence=ODYSSNET_RECIPE["gradient_persistence"])
    steps = ODYSSNET_RECIPE["thinking_steps"]
    order = pattern_order(np.random.default_rng(seed), max_cycles, "random")
    solved_log, first, streak, stable = [], -1, -1, -1
    for p in range(1, max_cycles + 1):
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
    return {"solved": first > 0, "cycles": first if first > 0 else None,
            "per_pattern": first / 4 if first > 0 else None, "stable": stable > 0,
            "stable_from": stable if stable > 0 else None, "held": held}


def odyssnet_comparison(seeds, max_cycles: int, stable_window: int) -> tuple[dict, dict]:
    """The sweep for --model odyssnet, as a record section."""
    clock = Progress(1)
    print(f"OdyssNet core on XOR: {ODYSSNET_RECIPE}, one random pattern per cycle, cap {max_cycles}, "
          f"seeds {seeds[0]}..{seeds[-1]}")
    result = sweep(lambda seed: odyssnet_run(seed, max_cycles, stable_window), seeds, "cycles", label="seed")
    rows = result["per_seed"]
    solved = [r["solved"] for r in rows]
    count = summarize([r["cycles"] for r in rows], solved)
    held = summarize([r["held"] for r in rows], solved)
    n_stable = sum(r["stable"] for r in rows)
    summary = (f"BPTT (3 neurons, 5 steps): {count['n_solved']}/{count['n_runs']} seeds solve after "
               f"{format_value(count['mean'])} cycles on average ({format_value(count['mean'] and count['mean'] / 4)}"
               f" per pattern); held {format_value(held['mean'])}; stable in {n_stable}/{count['n_runs']}")
    print(summary)
    first = rows[0]
    section = {
        "summary": summary,
        "headline": {"solved": first["solved"], "cycles to solve": first["cycles"],
                     "per pattern": first["per_pattern"], "held": first["held"], "stable from": first["stable_from"]},
        "seeds": result if len(seeds) > 1 else None,
        "tables": [{"title": f"OdyssNet core on the NBB's XOR protocol (seeds {seeds[0]}-{seeds[-1]}, one random "
                             f"pattern per cycle, frozen test after each, cap {max_cycles})",
                    "columns": ["learner", "solved", "mean cycles", "median cycles", "mean per pattern", HELD, STABLE],
                    "rows": [["OdyssNet, BPTT + AdamW", f"{count['n_solved']}/{count['n_runs']}", count["mean"],
                              count["median"], count["mean"] and count["mean"] / 4, held["mean"],
                              f"{n_stable}/{count['n_runs']}"]]}],
        "wallclock_s": clock.elapsed,
    }
    measured = {"seeds solved": f"{count['n_solved']}/{count['n_runs']}", "mean cycles": count["mean"],
                "held": held["mean"], "stable": f"{n_stable}/{count['n_runs']}"}
    return section, measured


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py nbb-xor): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: one NBB cycle of the paper's net (3 inputs, 3 hidden
    and 2 output units in competitive subsets, 6 ticks of the local rule, float32; the frozen test after
    each cycle is the experimenter's, not the learner's, and is not priced), and one OdyssNet training
    step (one pattern, 5 thinking steps, BPTT and AdamW)."""
    arch, rule = ARCHITECTURES["three-hidden"], Rule()
    median = lambda part: ((part.get("seeds") or {}).get("summary") or {}).get("median")   # noqa: E731
    rows = [{"row": "NBB", "family": "local rules", "step": f"one cycle ({rule.ticks} ticks)",
             "size": f"{arch.n_units} units, {arch.n_units ** 2} weights as one matrix, float32",
             "program": lambda tape: tape_steps.nbb_cycle(tape, arch.n_inputs, (*arch.hidden_subsets, arch.n_outputs),
                                                          rule.ticks),
             "steps_to_solve": median(record), "steps_from": "median cycles to a solution (seeds.summary)"}]
    if "odyssnet" in record:
        steps = ODYSSNET_RECIPE["thinking_steps"]
        rows.append({"row": "OdyssNet core", "family": "gradient", "step": f"one pattern ({steps} thinking steps)",
                     "size": f"{ODYSSNET_RECIPE['neurons']} neurons, AdamW, float64 (OdyssNet's default dtype)",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, ODYSSNET_RECIPE["neurons"], 2, 1, steps,
                                                                      targets="last", itemsize=8),
                     "steps_to_solve": median(record["odyssnet"]),
                     "steps_from": "[odyssnet] median cycles to a solution"})
    return rows


# ----------------------------------------------------------------------------------------
# One configuration of the paper: the headline (three-hidden) or a comparison section.
# ----------------------------------------------------------------------------------------


def configuration_part(setting: Setting, seeds) -> tuple[dict, dict]:
    clock = Progress(1)
    arch_text = ARCH_TEXT[setting.arch]
    print(f"NBB on XOR: {arch_text}; lambda {setting.rule.lam:g}, eta {setting.rule.eta:g}, payoff "
          f"{setting.rule.reward}, {setting.rule.ticks} ticks, {setting.order} order, {setting.rule.dtype}, "
          f"{'inputs also feed the outputs' if setting.input_to_output else 'no input -> output connections'}; "
          f"count: {setting.criterion} criterion; cap {setting.max_cycles}; seeds {seeds[0]}..{seeds[-1]}")
    result = measure(setting, seeds)
    rows = result["rows"]
    columns = list(rows[0])
    print(format_table(columns, [[r[c] for c in columns] for r in rows]))
    line = summary_line(result, setting)
    print(line)
    paper_cycles = PAPER_COUNT[setting.arch]
    tables = []
    if len(seeds) > 1:
        tables.append(criteria_table(result, setting, paper_cycles,
                                     f"The two criteria on the same runs ({arch_text}; seeds {seeds[0]}-{seeds[-1]}; "
                                     f"cap {setting.max_cycles} cycles; the declared count is the "
                                     f"{setting.criterion} one)"))
        tables.append(grouping_table(result, f"How the hidden layer groups the patterns, at the first frozen "
                                             f"solution and at the start of the stable streak ({arch_text})"))
    first = rows[0]
    headline = {"solved": first["solved"], "cycles to solve": first["cycles"], "per pattern": first["per_pattern"],
                f"{'online' if setting.criterion == 'frozen' else 'frozen'} criterion, cycles":
                    first["online_cycles" if setting.criterion == "frozen" else "frozen_cycles"],
                "held": first["held"], "stable from": first["stable_from"]}
    part = {"summary": line, "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**result["cycles"], "metric": "cycles"}} if len(seeds) > 1 else None,
            "tables": tables, "wallclock_s": clock.elapsed}
    s = result["cycles"]
    measured = {"seeds solved": f"{s['n_solved']}/{len(rows)}", "mean cycles": s["mean"],
                "mean per pattern": None if s["mean"] is None else s["mean"] / 4,
                "seeds with a stable solution": f"{result['n_stable']}/{len(rows)}", "held": result["held"]["mean"]}
    if setting.arch == "three-hidden":
        part = {"slug": "nbb-xor", "paper": PAPER, **part,
                "tour": "Seed 0 learning XOR under the paper's protocol: each panel routes one input pattern through "
                        "the winner-take-all units (line width = weight substance; red = wrong answer), above the "
                        "frozen test so far."}
    return part, measured


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

SECTION_SEEDS = {None: MIN_SEEDS, "two-hidden": MIN_SEEDS, "two-subsets": MIN_SEEDS, "readings": MIN_SEEDS,
                 "odyssnet": MIN_SEEDS}


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, a cap of "
                         "120 cycles and a stability window of 30")
    parser.add_argument("--model", choices=["nbb", "odyssnet"], default="nbb",
                        help="nbb: the paper's Neural Bucket Brigade (default); odyssnet: the catalog's OdyssNet "
                             "core trained by BPTT on the same cycles, for comparison")
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="three-hidden",
                        help="three-hidden: the paper's net, 3 hidden units in one subset (default); two-hidden: 2 "
                             "hidden units in one subset, counted online; two-subsets: two hidden subsets of 2")
    parser.add_argument("--readings", action="store_true",
                        help="the lambda/eta grid and the published catalog's choices, one at a time (3 hidden units)")
    parser.add_argument("--criterion", choices=CRITERIA, default=None,
                        help="which count a row reports (default: the section's declared one: online for "
                             "two-hidden, frozen otherwise)")
    parser.add_argument("--lam", type=positive_float, default=Rule.lam, help="payment rate lambda (default 0.005)")
    parser.add_argument("--eta", type=nonnegative_float, default=Rule.eta, help="payoff rate eta (default 0.005)")
    parser.add_argument("--reward", choices=REWARD_TIMINGS, default=Rule.reward, help="when the payoff is paid "
                                                                                      "(default every-tick)")
    parser.add_argument("--order", choices=ORDERS, default="random", help="pattern order (default random)")
    parser.add_argument("--ticks", type=int_at_most(10_000, "every cycle would run 10,000+ ticks"), default=Rule.ticks,
                        help="ticks per cycle (default 6)")
    parser.add_argument("--float64", action="store_true", help="64-bit arithmetic (the paper: 32-bit)")
    parser.add_argument("--no-input-output", action="store_true",
                        help="drop the input -> output connections (the published catalog's wiring)")
    parser.add_argument("--max-cycles", type=positive_int, default=Setting.max_cycles,
                        help=f"cycle cap per run (default {Setting.max_cycles})")
    parser.add_argument("--stable-window", type=positive_int, default=Setting.stable_window,
                        help=f"cycles in a row the frozen test must pass for a stable solution "
                             f"(default {Setting.stable_window})")
    args = parser.parse_args(argv)
    parser.only_when(args.model == "nbb", ["--arch", "--readings", "--criterion", "--lam", "--eta", "--reward",
                                           "--order", "--ticks", "--float64", "--no-input-output"],
                     "to the Neural Bucket Brigade (--model nbb)")
    if args.ticks <= Rule.judged:
        parser.error(f"--ticks must exceed {Rule.judged}: the last {Rule.judged} ticks are judged")
    if args.readings and (args.arch != "three-hidden" or args.model != "nbb"):
        parser.error("--readings runs the 3-hidden-unit net with the NBB; drop --arch/--model")
    changed = [flag for flag, differs in [
        ("--criterion", args.criterion not in (None, DECLARED[args.arch])), ("--lam", args.lam != Rule.lam),
        ("--eta", args.eta != Rule.eta), ("--reward", args.reward != Rule.reward), ("--order", args.order != "random"),
        ("--ticks", args.ticks != Rule.ticks), ("--float64", args.float64), ("--no-input-output", args.no_input_output),
        ("--max-cycles", args.max_cycles != Setting.max_cycles),
        ("--stable-window", args.stable_window != Setting.stable_window)] if differs]
    if args.record and changed:
        parser.error(f"--record writes only the declared configurations; drop {', '.join(changed)}")
    args.section = "odyssnet" if args.model == "odyssnet" else "readings" if args.readings else \
        None if args.arch == "three-hidden" else args.arch
    require_seeds(parser, args, SECTION_SEEDS[args.section])
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
        args.max_cycles, args.stable_window = min(args.max_cycles, 120), min(args.stable_window, 30)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    if args.model == "odyssnet":
        part, measured = odyssnet_comparison(seeds, args.max_cycles, args.stable_window)
    else:
        rule = Rule(lam=args.lam, eta=args.eta, reward=args.reward, ticks=args.ticks,
                    dtype="float64" if args.float64 else "float32")
        setting = Setting(args.arch, rule, args.order, args.max_cycles, args.stable_window,
                          criterion=args.criterion or DECLARED[args.arch], input_to_output=not args.no_input_output)
        if args.readings:
            part, measured = readings_section(setting, seeds)
        else:
            part, measured = configuration_part(setting, seeds)
    conclude(part, __file__, verdict, args.record, section=args.section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
