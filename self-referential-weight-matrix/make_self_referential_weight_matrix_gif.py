"""Animation for self-referential-weight-matrix: the net's one weight matrix rewritten by itself, tick by tick.

    python3 self-referential-weight-matrix/make_self_referential_weight_matrix_gif.py   # writes the GIF

The README's GIF is drawn with --seed 6 (one of the two seeds of the recorded headline that generalise
to the held-out functions): that seed of the 1993 net is retrained alone in the headline's
configuration (under a minute; a seed of a bank computes what it computes alone), then run on one
episode of XOR, a function held out from training. Each frame is one tick (2 per pattern): the
pattern shown (left, with the eval unit's value in demonstrations), the whole matrix W(t) after the
tick's write, everything the net has written into it so far, what this tick wrote (Δ times the
modifying units' address kernel, an outer product over rows and columns), and the outputs at the
query patterns against the targets (right).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import self_referential_weight_matrix as srwm  # noqa: E402
from shared.frame.figures import draft_frames, figure_parser, frame_of, save_gif  # noqa: E402
from visualize_self_referential_weight_matrix import episode_trace, group_ticks, headline_net  # noqa: E402

FUNCTION = 6   # XOR, held out


def frame(net, tr, k, limw, limd, limc) -> plt.Figure:
    lay, ticks = net.lay, net.ticks
    t, j = divmod(k, ticks)
    phase = "demonstration" if t < srwm.N_DEMO else "query"
    x0, x1 = srwm.ROW_BITS[tr["rows"][t]]
    fig = plt.figure(figsize=(14, 4.6))
    fig.suptitle(f"episode of {srwm.NAMES[FUNCTION]} (held out from training)   pattern {t + 1}/8 ({phase}), "
                 f"tick {j + 1}/{ticks}: input x0={x0}, x1={x1}" +
                 (f", target {int(tr['targets'][t])} on the eval unit" if t < srwm.N_DEMO else ", no target"),
                 fontsize=10)
    ax = fig.add_axes([0.01, 0.12, 0.11, 0.72])
    ax.axis("off")
    lines = []
    for i in range(srwm.N_PATTERNS):
        a, b = srwm.ROW_BITS[tr["rows"][i]]
        tag = "demo " if i < srwm.N_DEMO else "query"
        done = i < t or (i == t and j == ticks - 1)
        if i < srwm.N_DEMO:
            txt = f"{tag} {a}{b} → {int(tr['targets'][i])}"
        else:
            txt = f"{tag} {a}{b} → " + (f"{tr['outs'][i]:.2f} (target {int(tr['targets'][i])})" if done else "?")
        lines.append((txt, "k" if i == t else "0.55"))
    for i, (txt, c) in enumerate(lines):
        ax.text(0, 1 - i * 0.12, txt, fontsize=8, color=c, family="monospace", transform=ax.transAxes,
                weight="bold" if c == "k" else "normal")
    W = tr["W"][k + 1]
    write = tr["a"][k][lay.DELTA] * np.outer(tr["pm"][k], tr["qm"][k])
    panels = ((W, "the net's weight matrix W(t) after this tick", limw, "RdBu_r"),
              (W - tr["W"][0], "W(t) − W(0): all the net has written so far", limc, "PuOr_r"),
              (write, "this tick's write Δ · g(mod row) g(mod col)ᵀ", limd, "PuOr_r"))
    for i, (M, title, lim, cmap) in enumerate(panels):
        ax = fig.add_axes([0.15 + 0.215 * i, 0.2, 0.165, 0.66])
        im = ax.imshow(M, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
        ax.set_title(title, fontsize=8)
        group_ticks(ax, lay, "x")
        group_ticks(ax, lay, "y")
        ax.set_xlabel("from unit (column)", fontsize=7)
        fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02).ax.tick_params(labelsize=6)
    ax = fig.add_axes([0.83, 0.2, 0.15, 0.6])
    q = np.arange(srwm.N_QUERY)
    shown = [i for i in q if srwm.N_DEMO + i < t or (srwm.N_DEMO + i == t and j == ticks - 1)]
    ax.bar(q - 0.18, tr["targets"][srwm.N_DEMO:], 0.36, color="0.7", label="target")
    ax.bar(np.array(shown) - 0.18 + 0.36, tr["outs"][srwm.N_DEMO:][shown], 0.36, color="C2", label="output o")
    ax.set_xticks(q, [f"{a}{b}" for a, b in srwm.ROW_BITS[tr["rows"][srwm.N_DEMO:]]], fontsize=7)
    ax.set_xlabel("query pattern (x0 x1)", fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.axhline(0.5, color="0.5", lw=0.6)
    ax.set_title("outputs at the queries", fontsize=8)
    ax.legend(fontsize=6, loc="upper right")
    ax.tick_params(labelsize=6)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "self_referential_weight_matrix.gif")
    args = parser.parse_args(argv)
    net, _ = headline_net(args.seed, args.quick)
    tr = episode_trace(net, FUNCTION, args.seed)
    limw = np.abs(np.array(tr["W"])).max()
    writes = [abs(tr["a"][k][net.lay.DELTA]) * np.outer(tr["pm"][k], tr["qm"][k]).max() for k in range(len(tr["a"]))]
    limd = max(max(writes), 1e-6)
    limc = max(max(np.abs(w - tr["W"][0]).max() for w in tr["W"]), 1e-6)
    frames = [frame_of(frame(net, tr, k, limw, limd, limc), dpi=75) for k in draft_frames(range(len(tr["a"])))]
    save_gif(frames, args.out, fps=1.5, hold_last=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
