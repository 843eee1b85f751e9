"""Sequence tasks of the long-time-lag papers, generated from an explicit ``np.random.Generator``.

Written once here and imported by the problems that use them; each draws its random numbers in a
fixed order, so a seed gives the same data wherever the generator is called.

- The Reber grammar and its embedded form (Hochreiter & Schmidhuber 1997, Sec. 5.1; Gers,
  Schmidhuber & Cummins 2000): ``reber_string``, ``embedded_reber_string``, and
  ``embedded_reber_legal_next``, the symbols the grammar allows after every prefix of a string.
- The adding problem (Hochreiter & Schmidhuber 1997, Experiment 4, Sec. 5.4): ``adding_sequences``.
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


def adding_sequences(rng: np.random.Generator, n: int, T: int) -> Sequences:
    """n sequences of minimal length T (T >= 22), drawn as the paper describes (above)."""
    if T < 22:
        raise ValueError("T must be at least 22: X2 is drawn among the first T/2 - 1 unmarked pairs, "
                         "which must reach past the first ten")
    longest = T + T // 10
    lengths = rng.integers(T, longest + 1, size=n)
    values = rng.uniform(-1.0, 1.0, size=(n, longest))
    first = rng.integers(0, 10, size=n)
    k = rng.integers(0, T // 2 - 1, size=n)          # index among the first T/2 - 1 unmarked pairs
    second = k + (k >= first)
    rows = np.arange(n)
    markers = np.zeros((n, longest))
    markers[:, 0] = -1.0
    markers[rows, lengths - 1] = -1.0
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    values[:, 0] = np.where(markers[:, 0] == 1.0, 0.0, values[:, 0])   # a marked first pair counts as 0
    padding = np.arange(longest)[None, :] >= lengths[:, None]
    values[padding] = 0.0
    markers[padding] = 0.0
    target = 0.5 + (values[rows, first] + values[rows, second]) / 4.0
    return Sequences(np.stack([values, markers], axis=2), lengths, target[:, None],
                     np.stack([first, second], axis=1))
