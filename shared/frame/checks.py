"""Argument checks of the library's public API, one message shape for every misuse.

    >>> from shared.frame.checks import integer, number
    >>> integer("hidden_size", 8)          # 8; 2.5, True, "8" or 0 raise ValueError naming hidden_size
    >>> number("lr", 1e-3)                 # 0.001; NaN, inf, -1 or a bool raise ValueError naming lr

Sizes are never truncated (2.7 is not 2) and settings are never NaN: a wrong value is refused where
it is passed, not discovered as an obscure numpy error or silent garbage later.
"""

from __future__ import annotations

import math

import numpy as np


def integer(name: str, value, low: int = 1) -> int:
    """``value`` as an int >= ``low``; bools, floats and strings are refused, not converted."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def number(name: str, value, low: float = 0.0) -> float:
    """``value`` as a finite float >= ``low``; bools, NaN and infinities are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value < low:
        raise ValueError(f"{name} must be a finite number >= {low:g}, got {value!r}")
    return float(value)
