"""Animation for predictability-min-binary-factors: the paper's on-line Exp. 4 learning a factorial code.

    python3 predictability-min-binary-factors/make_predictability_min_binary_factors_gif.py

Seed 0 of Exp. 4 (node15: on-line, 4 code units, the 16 distributed binary patterns of 4 bits, 8 hidden
units shared by the code units, 6 per predictor, T = V_C), retrained alone. Each frame: the code of
every pattern (left), what each unit's predictor guesses from the other three units (middle), and
V_C per unit and pattern with the share of binary units (right). A factorial code is reached when the
code is the full binary code and every predictor is left guessing 0.5.
"""

from __future__ import annotations

import sys

import shared  # noqa: F401  first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np

from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_predictability_min_binary_factors import traced


def frame(history, i: int, total: int, first) -> plt.Figure:
    h = history[i]
    m = h["measures"][0]
    fig = plt.figure(figsize=(9.0, 4.2))
    for k, (key, title) in enumerate((("y", "code y_i of each pattern"), ("pred", "predictor P_i's guess"))):
        ax = fig.add_axes([0.06 + 0.25 * k, 0.12, 0.18, 0.7])
        im = ax.imshow(h[key], vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(4))
        ax.set_xlabel("code unit i")
        ax.set_yticks(range(0, 16, 3))
        if k == 0:
            ax.set_ylabel("input pattern (4 bits)")
        ax.set_title(title, fontsize=9)
    cax = fig.add_axes([0.50, 0.12, 0.01, 0.7])
    fig.colorbar(im, cax=cax, label="activation")
    ax = fig.add_axes([0.62, 0.12, 0.35, 0.7])
    t = [x["t"] for x in history[:i + 1]]
    ax.plot(t, [x["measures"][0]["v_c_per_unit"] for x in history[:i + 1]], color="C0", label="V_C per unit and pattern")
    ax.plot(t, [x["measures"][0]["binary_units"] / 4 for x in history[:i + 1]], color="C1", label="share of binary units")
    ax.plot(t, [x["measures"][0]["distinct"] / 16 for x in history[:i + 1]], color="C2", label="distinct codes / 16")
    ax.axhline(0.25, color="k", ls=":", lw=1, label="0.25: predictors at chance")
    if first is not None and first <= h["t"]:
        ax.axvline(first, color="k", ls="--", lw=1, label=f"factorial at {first}")
    ax.set_xlim(0, total)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("pattern presentations")
    ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Seed 0, Exp. 4 on-line, T = V_C: presentation {h['t']}: {m['distinct']} distinct codes, "
                 f"{m['binary_units']} of 4 units binary", fontsize=10)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "predictability_min_binary_factors.gif")
    args = parser.parse_args(argv)
    row, history, _ = traced("exp4", seed=args.seed, quick=args.quick, eval_every=50)
    total = history[-1]["t"]
    picks = np.unique(np.linspace(0, len(history) - 1, 8 if args.quick else 48).astype(int))
    frames = [frame_of(frame(history, int(i), total, row["first_factorial"]), dpi=70) for i in picks]
    save_gif(frames, args.out, fps=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
