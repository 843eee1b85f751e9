"""Sequence tasks of the long-time-lag papers, generated from an explicit ``np.random.Generator``.

Written once here and imported by the problems that use them; each draws its random numbers in a
fixed order, so a seed gives the same data wherever the generator is called.

- The Reber grammar and its embedded form (Hochreiter & Schmidhuber 1997, Sec. 5.1; Gers,
  Schmidhuber & Cummins 2000): ``reber_string``, ``embedded_reber_string``, and
  ``embedded_reber_legal_next``, the symbols the grammar allows after every prefix of a string.
- The adding problem (Hochreiter & Schmidhuber 1997, Experiment 4, Sec. 5.4): ``adding_sequences``.
- The rest of the 1997 paper's long-lag tasks: noise-free sequences (Experiment 2: ``long_lag_sequences``
  for 2a and 2b, ``long_lag_2c_sequence``), the two-sequence problem (Experiment 3:
  ``two_sequence_problem``, 3a-3c), the multiplication problem (Experiment 5:
  ``multiplication_sequences``) and temporal order (Experiment 6: ``temporal_order_sequences``, 6a
  and 6b). The recipes are in the comments above each, from the paper's Secs. 5.2-5.6.
- The counting languages a^n b^n and a^n b^n c^n (Gers & Schmidhuber 2001) as next-symbol
  prediction: ``counting_strings``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ----------------------------------------------------------------------------------------
# The Reber grammar. Symbols are coded 0..6 in the order B T P S X V E.
# ----------------------------------------------------------------------------------------

REBER_SYMBOLS = "BTPSXVE"
REBER_CODE = {s: i for i, s in enumerate(REBER_SYMBOLS)}
N_SYMBOLS = len(REBER_SYMBOLS)

# The inner Reber automaton after its leading B: state -> the two (symbol, next state) choices,
# each taken with probability 1/2. State 5 is the exit, after which comes E.
REBER = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
}
EXIT = 5


def reber_string(rng: np.random.Generator) -> str:
    """One string of the (inner) Reber grammar, B ... E."""
    out, state = ["B"], 0
    while state != EXIT:
        symbol, state = REBER[state][rng.integers(2)]
        out.append(symbol)
    out.append("E")
    return "".join(out)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """B, T or P, an inner Reber string, the same T or P, E."""
    outer = "TP"[rng.integers(2)]
    return "B" + outer + reber_string(rng) + outer + "E"


def embedded_reber_legal_next(string: str) -> np.ndarray:
    """(len - 1, 7) bool: the symbols the embedded grammar allows after each prefix of ``string``.

    Walks the grammar alongside the string; raises ValueError if the string is not in it.
    """
    if len(string) < 9 or string[0] != "B" or string[1] not in "TP" or string[2] != "B":
        raise ValueError(f"not an embedded Reber string: {string!r}")
    allowed = [{"T", "P"}, {"B"}]            # after the outer B; after the first outer T/P
    state = 0
    for symbol in string[3:-3]:              # the inner string between its B and its E
        choices = dict(REBER[state]) if state != EXIT else {}
        allowed.append(set(choices))
        if symbol not in choices:
            raise ValueError(f"not an embedded Reber string: {string!r}")
        state = choices[symbol]
    if state != EXIT or string[-3] != "E" or string[-2] != string[1] or string[-1] != "E":
        raise ValueError(f"not an embedded Reber string: {string!r}")
    allowed += [{"E"}, {string[1]}, {"E"}]   # after the last inner symbol, the inner E, the outer T/P
    mask = np.zeros((len(string) - 1, N_SYMBOLS), dtype=bool)
    for t, symbols in enumerate(allowed):
        mask[t, [REBER_CODE[s] for s in symbols]] = True
    return mask


# ----------------------------------------------------------------------------------------
# The adding problem (1997, Sec. 5.4). Each input step is a pair: a value uniform in [-1, 1] and a
# marker. A sequence has a random length between T and T + T/10 steps. One of the first ten pairs
# is marked with 1.0 (its value is X1), then one of the first T/2 - 1 pairs still unmarked (X2).
# The first and the last pair carry the marker -1, every other pair 0; a marked first pair has its
# value set to 0. The target, at the last step only, is 0.5 + (X1 + X2) / 4, in [0, 1].
# ----------------------------------------------------------------------------------------


@dataclass
class Sequences:
    """A batch of adding-problem sequences, padded with zeros after each one's end."""

    x: np.ndarray          # (B, T + T // 10, 2): value, marker
    lengths: np.ndarray    # (B,) in T .. T + T // 10
    target: np.ndarray     # (B, 1): 0.5 + (X1 + X2) / 4
    marked: np.ndarray     # (B, 2): positions of X1 and X2

    def __len__(self) -> int:
        return len(self.lengths)

    def subset(self, rows) -> "Sequences":
        return Sequences(self.x[rows], self.lengths[rows], self.target[rows], self.marked[rows])


def _marked_pairs(rng: np.random.Generator, n: int, T: int, low: float, marked_first: float) -> Sequences:
    """The pairs of Experiments 4 and 5 (values uniform in [low, 1]; a marked first pair's value set
    to ``marked_first``), their target left to the caller."""
    if T < 22:
        raise ValueError("T must be at least 22: X2 is drawn among the first T/2 - 1 unmarked pairs, "
                         "which must reach past the first ten")
    longest = T + T // 10
    lengths = rng.integers(T, longest + 1, size=n)
    values = rng.uniform(low, 1.0, size=(n, longest))
    first = rng.integers(0, 10, size=n)
    k = rng.integers(0, T // 2 - 1, size=n)          # index among the first T/2 - 1 unmarked pairs
    second = k + (k >= first)
    rows = np.arange(n)
    markers = np.zeros((n, longest))
    markers[:, 0] = -1.0
    markers[rows, lengths - 1] = -1.0
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    values[:, 0] = np.where(markers[:, 0] == 1.0, marked_first, values[:, 0])
    padding = np.arange(longest)[None, :] >= lengths[:, None]
    values[padding] = 0.0
    markers[padding] = 0.0
    return Sequences(np.stack([values, markers], axis=2), lengths, None, np.stack([first, second], axis=1))


def adding_sequences(rng: np.random.Generator, n: int, T: int) -> Sequences:
    """n sequences of minimal length T (T >= 22), drawn as the paper describes (above): a marked
    first pair counts as 0; the target is 0.5 + (X1 + X2) / 4."""
    data = _marked_pairs(rng, n, T, -1.0, 0.0)
    x1, x2 = np.take_along_axis(data.x[..., 0], data.marked, axis=1).T
    data.target = (0.5 + (x1 + x2) / 4.0)[:, None]
    return data


# ----------------------------------------------------------------------------------------
# Experiment 2 of the 1997 paper (Sec. 5.2): noise-free sequences with long time lags. Symbols are
# one-hot vectors; a sequence is an array of symbol codes.
# 2a, 2b: p + 1 symbols, a_1..a_{p-1} coded 0..p-2, x coded p-1, y coded p. 2a's two sequences
# are (y, a_1, ..., a_{p-1}, y) and (x, a_1, ..., a_{p-1}, x), each with probability 1/2; 2b
# replaces the fixed middle by p - 1 symbols drawn uniformly from a_1..a_{p-1}. The net predicts
# every next symbol; only the last one depends on the first, p steps back.
# 2c: p + 4 symbols, the distractors a_1..a_p coded 0..p-1, then e (the trigger) p, b p+1, x p+2,
# y p+3. A sequence is b, x or y, q distractors (the prefix of length q + 2), then distractors
# again, each followed by another with probability 9/10 and by e with 1/10, and last the same x or
# y as the second element: (b, y, a.., e, y). Only the last symbol is predicted. (The paper's
# expected length q + 14 and expected count (q + 10)/p of each distractor imply 10 suffix
# distractors on average; drawn this way the mean is 9. We draw as the text says.)
# ----------------------------------------------------------------------------------------


def long_lag_sequences(rng: np.random.Generator, n: int, p: int, variant: str = "2a") -> np.ndarray:
    """n sequences of tasks 2a or 2b as symbol codes (n, p + 1); see above."""
    if variant not in ("2a", "2b"):
        raise ValueError(f"variant must be '2a' or '2b' (2c: long_lag_2c_sequence), got {variant!r}")
    if p < 2:
        raise ValueError(f"p must be at least 2, got {p}")
    ends = np.where(rng.random(n) < 0.5, p, p - 1)                 # y or x
    if variant == "2a":
        middle = np.broadcast_to(np.arange(p - 1), (n, p - 1))
    else:
        middle = rng.integers(0, p - 1, size=(n, p - 1))
    return np.concatenate([ends[:, None], middle, ends[:, None]], axis=1)


def long_lag_2c_sequence(rng: np.random.Generator, p: int, q: int) -> np.ndarray:
    """One sequence of task 2c as symbol codes (q + 4 + k,) with k the extra distractors; see above."""
    if p < 1 or q < 0:
        raise ValueError(f"need p >= 1 and q >= 0, got p={p}, q={q}")
    trigger, start, x, y = p, p + 1, p + 2, p + 3
    which = x if rng.random() < 0.5 else y
    codes = [start, which, *rng.integers(0, p, size=q).tolist()]
    while rng.random() < 0.9:
        codes.append(int(rng.integers(0, p)))
    return np.array(codes + [trigger, which])


# ----------------------------------------------------------------------------------------
# Experiment 3 (Sec. 5.3): noise and signal on the same channel (Bengio et al.'s 2-sequence
# problem). One input line; a sequence has a length drawn from T..T + T/10. Its first N elements
# carry the class (1.0 for class 1, -1.0 for class 2), every later element is Gaussian with mean 0
# and variance 0.2. 3a: targets 1.0 / 0.0 at the end. 3b: the first N elements get that noise too.
# 3c: targets 0.2 / 0.8, with Gaussian noise of variance 0.1 on the target.
# ----------------------------------------------------------------------------------------


@dataclass
class NoisySequences:
    """A batch of two-sequence-problem sequences, padded with zeros after each one's end."""

    x: np.ndarray          # (B, T + T // 10, 1)
    lengths: np.ndarray    # (B,)
    target: np.ndarray     # (B, 1): what the net is trained on (noisy in 3c)
    clean: np.ndarray      # (B, 1): the noise-free target
    label: np.ndarray      # (B,) 1 or 2


def two_sequence_problem(rng: np.random.Generator, n: int, T: int, N: int, variant: str = "3a") -> NoisySequences:
    """n sequences of task 3a, 3b or 3c with minimal length T and N informative elements."""
    if variant not in ("3a", "3b", "3c"):
        raise ValueError(f"variant must be '3a', '3b' or '3c', got {variant!r}")
    if not 1 <= N < T:
        raise ValueError(f"need 1 <= N < T, got N={N}, T={T}")
    longest = T + T // 10
    lengths = rng.integers(T, longest + 1, size=n)
    label = np.where(rng.random(n) < 0.5, 1, 2)
    noise = rng.normal(0.0, np.sqrt(0.2), size=(n, longest))
    x = noise.copy()
    signal = np.where(label == 1, 1.0, -1.0)[:, None]
    x[:, :N] = signal + (noise[:, :N] if variant == "3b" else 0.0)
    x[np.arange(longest)[None, :] >= lengths[:, None]] = 0.0
    if variant == "3c":
        clean = np.where(label == 1, 0.2, 0.8)
        target = clean + rng.normal(0.0, np.sqrt(0.1), size=n)
    else:
        clean = target = np.where(label == 1, 1.0, 0.0)
    return NoisySequences(x[..., None], lengths, np.asarray(target, float)[:, None], clean[:, None], label)


# ----------------------------------------------------------------------------------------
# Experiment 5 (Sec. 5.5): the multiplication problem, the adding problem's sequences with values
# in [0, 1]; a marked first pair sets X1 to 1.0; the target is X1 X2.
# ----------------------------------------------------------------------------------------


def multiplication_sequences(rng: np.random.Generator, n: int, T: int) -> Sequences:
    """n sequences of minimal length T (T >= 22): pairs (value in [0, 1], marker), target X1 X2."""
    data = _marked_pairs(rng, n, T, 0.0, 1.0)
    x1, x2 = np.take_along_axis(data.x[..., 0], data.marked, axis=1).T
    data.target = (x1 * x2)[:, None]
    return data


# ----------------------------------------------------------------------------------------
# Experiment 6 (Sec. 5.6): temporal order. Symbols a b c d E B X Y (coded 0..7; lower-case b and
# the trigger B differ). A sequence has a length drawn from 100..110, starts with E, ends with B,
# and is otherwise made of a, b, c, d, except at positions t1 in 10..20 and t2 in 50..60 (6b: t1
# in 10..20, t2 in 33..43, t3 in 66..76; positions counted from 1 at the E), which hold X or Y. The
# class is the order of the X/Y symbols: 6a XX Q, XY R, YX S, YY U (4 classes); 6b XXX Q, XXY R,
# XYX S, XYY U, YXX V, YXY A, YYX B, YYY C (8), numbered 0.. in that order.
# ----------------------------------------------------------------------------------------

TEMPORAL_SYMBOLS = "abcdEBXY"
TEMPORAL_POSITIONS = {"6a": ((10, 20), (50, 60)), "6b": ((10, 20), (33, 43), (66, 76))}


@dataclass
class OrderSequences:
    """A batch of temporal-order sequences, symbol codes padded with -1 after each one's end."""

    codes: np.ndarray      # (B, 110) symbol codes, -1 after the end
    lengths: np.ndarray    # (B,) in 100..110
    positions: np.ndarray  # (B, 2 or 3) 1-based positions of the X/Y symbols
    label: np.ndarray      # (B,) class number: the X/Y pattern read as a binary number, X = 0, Y = 1


def temporal_order_sequences(rng: np.random.Generator, n: int, variant: str = "6a") -> OrderSequences:
    """n sequences of task 6a or 6b; see above."""
    if variant not in TEMPORAL_POSITIONS:
        raise ValueError(f"variant must be '6a' or '6b', got {variant!r}")
    ranges = TEMPORAL_POSITIONS[variant]
    lengths = rng.integers(100, 111, size=n)
    codes = rng.integers(0, 4, size=(n, 110))
    rows = np.arange(n)
    codes[:, 0] = TEMPORAL_SYMBOLS.index("E")
    codes[rows, lengths - 1] = TEMPORAL_SYMBOLS.index("B")
    positions = np.stack([rng.integers(low, high + 1, size=n) for low, high in ranges], axis=1)
    bits = rng.integers(0, 2, size=(n, len(ranges)))                      # 0: X, 1: Y
    codes[rows[:, None], positions - 1] = TEMPORAL_SYMBOLS.index("X") + bits
    codes[np.arange(110)[None, :] >= lengths[:, None]] = -1
    label = (bits * (1 << np.arange(len(ranges))[::-1])).sum(axis=1)
    return OrderSequences(codes, lengths, positions, label)


# ----------------------------------------------------------------------------------------
# Counting languages (Gers & Schmidhuber 2001): S a^n b^n (2 blocks) or S a^n b^n c^n (3 blocks),
# read one symbol a step; after each symbol the net predicts the set of symbols legal next. Inputs
# S a b [c] coded 0 1 2 [3]; outputs a b [c] T (T: the string may end here), one unit each. Legal
# after S: a; after an a: a or b (n is not known yet); inside a later block: its symbol until the
# block has n of them, then the next block's symbol, after the last block T.
# ----------------------------------------------------------------------------------------


def counting_strings(blocks: int, ns, width: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strings S a^n b^n [c^n] (``blocks`` = 2 or 3) for each n in ``ns``, padded to ``width``
    steps (default the longest): codes (K, width) of the inputs (-1 past the end), targets
    (K, width, blocks + 1) 1 on every symbol legal next, weights (K, width) 1 on the string's steps.
    The last input is the last symbol of the last block; its target is {T}."""
    if blocks not in (2, 3):
        raise ValueError(f"blocks must be 2 (a^n b^n) or 3 (a^n b^n c^n), got {blocks!r}")
    ns = [int(n) for n in ns]
    if not ns or min(ns) < 1:
        raise ValueError("n must be >= 1")
    longest = 1 + blocks * max(ns)
    width = longest if width is None else width
    if width < longest:
        raise ValueError(f"width {width} is shorter than the longest string ({longest})")
    codes = np.full((len(ns), width), -1, np.int64)
    targets = np.zeros((len(ns), width, blocks + 1))
    weights = np.zeros((len(ns), width))
    end = blocks                                            # the output unit of T
    for i, n in enumerate(ns):
        codes[i, 0] = 0
        for j in range(blocks):                             # block j: symbol j + 1 at steps 1 + j n .. (j + 1) n
            codes[i, 1 + j * n:1 + (j + 1) * n] = j + 1
        weights[i, :1 + blocks * n] = 1.0
        targets[i, 0, 0] = 1.0                              # after S: a
        targets[i, 1:n + 1, 0] = 1.0                        # after an a: a or b
        targets[i, 1:n + 1, 1] = 1.0
        for j in range(1, blocks):                          # inside block j (b, c): the same symbol
            targets[i, 1 + j * n:j * n + n, j] = 1.0
            targets[i, j * n + n, j + 1 if j + 1 < blocks else end] = 1.0    # after its n-th: the next block, or T
    return codes, targets, weights
