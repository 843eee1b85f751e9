"""The statistics a verdict rule is written with, and the claims it records.

A stub's verdict is one function, ``verdict(record) -> dict``, written from the paper's claims
before the recorded run. It turns each claim into one declared metric and one test, and grades the
claims it tested:

    >>> from shared.frame.verdict import rate_at_least, mean_within, paired_better, judge, grade
    >>> claims = judge([
    ...     rate_at_least("LSTM solves the task", "Table 1", solved, paper_rate=1.0, margin=0.15),
    ...     mean_within("strings to solve", "Table 1", strings, paper_value=8440, factor=1.5),
    ... ])
    >>> grade(claims, primary=1)          # {"value": "yes"|"partial"|"no", "reason": ..., "claims": [...]}

Every test returns a ``Claim`` with the p-value of the hypothesis that the claim does NOT hold, so
that one rule covers them all: a claim holds when that hypothesis is rejected at level alpha after
Holm's correction over the claims of the verdict (``judge``). "X matches Y" and "no gain" are
equivalence tests with a stated margin (two one-sided tests): failing to find a difference is not
evidence of a match. "X beats Y" is a one-sided paired test over seeds. A rate the paper reports is
a non-inferiority test against the paper's rate minus a stated margin (exact binomial).

The distributions are computed here (regularised incomplete beta by continued fraction), because
the catalog depends on numpy alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np

ALPHA = 0.05


# ----------------------------------------------------------------------------------------
# Distributions
# ----------------------------------------------------------------------------------------


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b) (Lentz's continued fraction)."""
    if not (a > 0 and b > 0):
        raise ValueError(f"betainc needs a, b > 0, got {a}, {b}")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):  # the fraction converges fast only below this point
        return 1.0 - betainc(b, a, 1.0 - x)
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return math.exp(log_front) * h / a


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(q: float, df: float) -> float:
    """The t with P(T <= t) = q (bisection to machine precision)."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile needs 0 < q < 1, got {q}")
    low, high = -1.0, 1.0
    while t_cdf(low, df) > q:
        low *= 2.0
    while t_cdf(high, df) < q:
        high *= 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if t_cdf(middle, df) < q:
            low = middle
        else:
            high = middle
        if high - low <= 1e-13 * max(1.0, abs(middle)):
            break
    return 0.5 * (low + high)


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    return betainc(k, n - k + 1, p)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    return 1.0 - binomial_sf(k + 1, n, p)


def rate_bounds(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval for a rate from k successes in n trials."""
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    tail = (1.0 - confidence) / 2.0

    def solve(f, target):  # f increasing in p on [0, 1]
        low, high = 0.0, 1.0
        for _ in range(100):
            middle = 0.5 * (low + high)
            if f(middle) < target:
                low = middle
            else:
                high = middle
        return 0.5 * (low + high)

    lower = 0.0 if k == 0 else solve(lambda p: binomial_sf(k, n, p), tail)
    upper = 1.0 if k == n else solve(lambda p: -binomial_cdf(k, n, p), -tail)
    return lower, upper


# ----------------------------------------------------------------------------------------
# Claims and their tests
# ----------------------------------------------------------------------------------------


@dataclass
class Claim:
    """One claim of the paper, the metric declared for it, and what the test found.

    ``p`` is the p-value of the hypothesis that the claim does not hold (None for a claim checked
    exactly, without sampling error: then ``holds`` is set directly). ``interval`` is the
    confidence interval the test rests on, on the metric's scale.
    """

    claim: str
    where: str
    metric: str
    test: str
    estimate: float | None
    interval: tuple[float | None, float | None] | None = None
    p: float | None = None
    holds: bool | None = None
    n: int | None = None
    notes: dict = field(default_factory=dict)

    def as_record(self) -> dict:
        out = asdict(self)
        out["interval"] = list(self.interval) if self.interval is not None else None
        if not out["notes"]:
            del out["notes"]
        return out


def _values(values: Sequence[float], name: str) -> np.ndarray:
    array = np.asarray([v for v in values if v is not None], dtype=float)
    if array.ndim != 1 or not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: need finite numbers")
    return array


def _t_summary(values: np.ndarray) -> tuple[float, float, int]:
    n = len(values)
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else float("inf")
    return mean, se, n - 1


def _one_sided_p(mean: float, se: float, df: int, null: float, greater: bool) -> float:
    """p-value of H0: mu <= null (greater=True) or H0: mu >= null (greater=False)."""
    if se == 0.0 or not np.isfinite(se):
        if se == 0.0:
            return 0.0 if (mean > null if greater else mean < null) else 1.0
        return 1.0
    t = (mean - null) / se
    return 1.0 - t_cdf(t, df) if greater else t_cdf(t, df)


def rate_at_least(claim: str, where: str, solved: Sequence[bool], paper_rate: float, margin: float,
                  metric: str = "share of runs solved") -> Claim:
    """Non-inferiority of a success rate: H0 rate <= paper_rate - margin, exact binomial test.

    The interval is the one-sided (1 - ALPHA) Clopper-Pearson bound, as a two-sided interval at
    1 - 2 ALPHA, so that the claim holds (alone) exactly when its lower end clears the threshold.
    """
    solved = [bool(s) for s in solved]
    n, k = len(solved), sum(solved)
    if n == 0:
        raise ValueError(f"{claim}: no runs")
    threshold = paper_rate - margin
    p = binomial_sf(k, n, threshold) if threshold > 0 else 0.0
    return Claim(claim=claim, where=where, metric=metric,
                 test=f"exact binomial: rate > {paper_rate:g} - {margin:g} (paper's rate minus the margin)",
                 estimate=k / n, interval=rate_bounds(k, n, 1.0 - 2 * ALPHA), p=p, n=n,
                 notes={"solved": k, "threshold": threshold})


def rate_at_most(claim: str, where: str, solved: Sequence[bool], paper_rate: float, margin: float,
                 metric: str = "share of runs solved") -> Claim:
    """The mirror test, for "the method fails": H0 rate >= paper_rate + margin."""
    solved = [bool(s) for s in solved]
    n, k = len(solved), sum(solved)
    if n == 0:
        raise ValueError(f"{claim}: no runs")
    threshold = paper_rate + margin
    p = binomial_cdf(k, n, threshold) if threshold < 1 else 0.0
    return Claim(claim=claim, where=where, metric=metric,
                 test=f"exact binomial: rate < {paper_rate:g} + {margin:g} (paper's rate plus the margin)",
                 estimate=k / n, interval=rate_bounds(k, n, 1.0 - 2 * ALPHA), p=p, n=n,
                 notes={"solved": k, "threshold": threshold})


def fisher_greater(k1: int, n1: int, k2: int, n2: int) -> float:
    """One-sided Fisher exact test: the p of a share k1/n1 at least this far above k2/n2 if both rows
    had the same rate (the hypergeometric tail P(X >= k1), X the successes that fall in row 1)."""
    total, successes = n1 + n2, k1 + k2
    return sum(math.comb(successes, x) * math.comb(total - successes, n1 - x)
               for x in range(k1, min(successes, n1) + 1)) / math.comb(total, n1)


def rate_higher(claim: str, where: str, ours: Sequence[bool], theirs: Sequence[bool],
                metric: str = "share of runs solved, ours minus theirs") -> Claim:
    """"X succeeds more often than Y" over two independent sets of runs (not paired seeds): H0 the
    two rates are equal, one-sided Fisher exact test. The estimate is the difference of the shares;
    no interval (the test conditions on the margins)."""
    ours, theirs = [bool(s) for s in ours], [bool(s) for s in theirs]
    if not ours or not theirs:
        raise ValueError(f"{claim}: no runs")
    k1, n1, k2, n2 = sum(ours), len(ours), sum(theirs), len(theirs)
    return Claim(claim=claim, where=where, metric=metric,
                 test=f"one-sided Fisher exact test: {k1}/{n1} against {k2}/{n2}",
                 estimate=k1 / n1 - k2 / n2, p=fisher_greater(k1, n1, k2, n2), n=n1 + n2,
                 notes={"ours": [k1, n1], "theirs": [k2, n2]})


def mean_within(claim: str, where: str, values: Sequence[float], paper_value: float, factor: float,
                metric: str, log: bool = False) -> Claim:
    """Equivalence of a mean to the paper's figure within a factor: two one-sided t-tests.

    H0: mean <= paper/factor or mean >= paper*factor. With ``log=True`` the test is on log values
    (the geometric mean), for figures that spread over orders of magnitude.
    """
    if factor <= 1.0:
        raise ValueError("factor must be > 1")
    raw = _values(values, claim)
    if len(raw) < 2:
        raise ValueError(f"{claim}: need at least 2 values")
    data = np.log(raw) if log else raw
    low, high = (math.log(paper_value / factor), math.log(paper_value * factor)) if log else \
        (paper_value / factor, paper_value * factor)
    mean, se, df = _t_summary(data)
    p = max(_one_sided_p(mean, se, df, low, True), _one_sided_p(mean, se, df, high, False))
    half = t_quantile(1.0 - ALPHA, df) * se
    interval = (mean - half, mean + half)
    if log:
        mean, interval = math.exp(mean), (math.exp(interval[0]), math.exp(interval[1]))
    return Claim(claim=claim, where=where, metric=metric,
                 test=f"TOST: {'geometric ' if log else ''}mean within {paper_value:g} / {factor:g} .. "
                      f"{paper_value:g} x {factor:g}",
                 estimate=mean, interval=interval, p=p, n=len(raw))


def mean_below(claim: str, where: str, values: Sequence[float], limit: float, metric: str,
               log: bool = False) -> Claim:
    """One-sided t-test that a mean is below ``limit`` (e.g. an error under the paper's threshold)."""
    raw = _values(values, claim)
    if len(raw) < 2:
        raise ValueError(f"{claim}: need at least 2 values")
    data = np.log(raw) if log else raw
    null = math.log(limit) if log else limit
    mean, se, df = _t_summary(data)
    p = _one_sided_p(mean, se, df, null, False)
    upper = mean + t_quantile(1.0 - ALPHA, df) * se
    lower = mean - t_quantile(1.0 - ALPHA, df) * se
    if log:
        mean, lower, upper = math.exp(mean), math.exp(lower), math.exp(upper)
    return Claim(claim=claim, where=where, metric=metric,
                 test=f"one-sided t: {'geometric ' if log else ''}mean < {limit:g}",
                 estimate=mean, interval=(lower, upper), p=p, n=len(raw))


def _paired_log_ratios(ours: Sequence[float], theirs: Sequence[float], claim: str) -> np.ndarray:
    a, b = _values(ours, claim), _values(theirs, claim)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(f"{claim}: need two paired samples of the same length >= 2")
    if np.any(a <= 0) or np.any(b <= 0):
        raise ValueError(f"{claim}: ratios need positive values")
    return np.log(a) - np.log(b)


def paired_better(claim: str, where: str, ours: Sequence[float], theirs: Sequence[float], metric: str,
                  lower_is_better: bool = True, min_ratio: float = 1.0) -> Claim:
    """"X beats Y" over paired seeds: one-sided paired t-test on log(ours / theirs).

    H0: the geometric-mean ratio is >= 1 / min_ratio (lower is better) or <= min_ratio (higher is
    better). The estimate and interval are the geometric-mean ratio ours/theirs.
    """
    d = _paired_log_ratios(ours, theirs, claim)
    mean, se, df = _t_summary(d)
    null = -math.log(min_ratio) if lower_is_better else math.log(min_ratio)
    p = _one_sided_p(mean, se, df, null, greater=not lower_is_better)
    half = t_quantile(1.0 - ALPHA, df) * se
    direction = "<" if lower_is_better else ">"
    bound = 1.0 / min_ratio if lower_is_better else min_ratio
    return Claim(claim=claim, where=where, metric=metric,
                 test=f"one-sided paired t on log ratio: geometric-mean ratio {direction} {bound:g}",
                 estimate=math.exp(mean), interval=(math.exp(mean - half), math.exp(mean + half)), p=p,
                 n=len(d))


def paired_equivalent(claim: str, where: str, ours: Sequence[float], theirs: Sequence[float], metric: str,
                      factor: float) -> Claim:
    """"X matches Y" / "no gain" over paired seeds: TOST on log(ours / theirs) within +-log(factor)."""
    if factor <= 1.0:
        raise ValueError("factor must be > 1")
    d = _paired_log_ratios(ours, theirs, claim)
    mean, se, df = _t_summary(d)
    bound = math.log(factor)
    p = max(_one_sided_p(mean, se, df, -bound, True), _one_sided_p(mean, se, df, bound, False))
    half = t_quantile(1.0 - ALPHA, df) * se
    return Claim(claim=claim, where=where, metric=metric,
                 test=f"TOST, paired, on log ratio: geometric-mean ratio within 1/{factor:g} .. {factor:g}",
                 estimate=math.exp(mean), interval=(math.exp(mean - half), math.exp(mean + half)), p=p,
                 n=len(d))


def exact(claim: str, where: str, metric: str, estimate, holds: bool, test: str) -> Claim:
    """A claim checked without sampling error (a count over all runs, a found program)."""
    return Claim(claim=claim, where=where, metric=metric, test=test, estimate=estimate, holds=bool(holds))


# ----------------------------------------------------------------------------------------
# Judging and grading
# ----------------------------------------------------------------------------------------


def holm(p_values: Sequence[float], alpha: float = ALPHA) -> list[bool]:
    """Holm's step-down procedure: which hypotheses are rejected, family-wise error <= alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected[i] = True
    return rejected


def judge(claims: Sequence[Claim], alpha: float = ALPHA) -> list[Claim]:
    """Set ``holds`` of every tested claim by Holm's correction over the tested claims."""
    tested = [c for c in claims if c.p is not None]
    for claim, rejected in zip(tested, holm([c.p for c in tested], alpha)):
        claim.holds = rejected
    return list(claims)


def grade(claims: Sequence[Claim], primary: int = 1, qualitative: bool = False) -> dict:
    """The verdict from judged claims: the first ``primary`` claims are the method working.

    yes: every claim holds; partial: the primary claims hold, another does not (or, with
    ``qualitative=True``, the caller's rule for "the behaviour appears, the figures differ" says
    so: then "qualitative" instead of "partial"); no: a primary claim fails.
    """
    if any(c.holds is None for c in claims):
        raise ValueError("judge the claims first")
    failed = [c.claim for c in claims if not c.holds]
    if not failed:
        value = "yes"
        reason = f"all {len(claims)} claims hold"
    elif all(c.holds for c in claims[:primary]):
        value = "qualitative" if qualitative else "partial"
        reason = f"{len(claims) - len(failed)}/{len(claims)} claims hold; not: " + "; ".join(failed)
    else:
        value = "no"
        reason = f"{len(claims) - len(failed)}/{len(claims)} claims hold; not: " + "; ".join(failed)
    return {"value": value, "reason": reason, "claims": [c.as_record() for c in claims],
            "alpha": ALPHA, "correction": "Holm over the tested claims"}


def pending(reason: str) -> dict:
    """The verdict of a record that does not yet hold what the rule needs (too few seeds, a section
    not recorded). ``bin/catalog.py check`` refuses a committed record in this state."""
    return {"value": "pending", "reason": reason, "claims": []}
