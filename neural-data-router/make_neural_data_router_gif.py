"""Animation for neural-data-router: the NDR routing one depth-10 test input, step by step.

    python3 neural-data-router/make_neural_data_router_gif.py   # writes neural_data_router.gif

Drawn from the recorded results.json (its section "long" when recorded, else the headline: the first
seed's trained NDR, the input stored there). Each frame
is one of the 14 steps of the shared layer: left, the geometric attention of every column (row: the
column reading, x: the column read); right, the columns as a row of boxes, an arrow from each column to
the column it reads most (its width the weight), and the copy gate's opening as the bar under each
column (1: the column takes its update, 0: it copies its state unchanged).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import neural_data_router as nd  # noqa: E402
from shared.frame.figures import figure_parser, frame_of, recorded, save_gif  # noqa: E402


def frame(att, gate, names, step, steps, title):
    t = len(names)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1, 1.5]})
    im = axes[0].imshow(att, vmin=0, vmax=1, cmap="viridis")
    axes[0].set_xticks(range(t), names, fontsize=7, rotation=90)
    axes[0].set_yticks(range(t), names, fontsize=7)
    axes[0].set_xlabel("column read")
    axes[0].set_ylabel("reading column")
    fig.colorbar(im, ax=axes[0], fraction=0.046, label="attention weight")
    ax = axes[1]
    for i in range(t):
        ax.add_patch(plt.Rectangle((i - 0.4, 0.6), 0.8, 0.5, fill=False))
        ax.text(i, 0.85, names[i], ha="center", va="center", fontsize=8)
        ax.add_patch(plt.Rectangle((i - 0.3, -1.0), 0.6, gate[i], color=plt.cm.magma(0.2 + 0.6 * gate[i])))
        j = int(att[i].argmax())
        w = float(att[i, j])
        if w > 0.05:
            ax.annotate("", xy=(j, 1.15), xytext=(i, 1.15),
                        arrowprops=dict(arrowstyle="->", lw=0.5 + 3 * w, color="tab:blue", alpha=min(1, 0.3 + w),
                                        connectionstyle=f"arc3,rad={-0.3 if j > i else 0.3}"))
    ax.axhline(-1.0, color="k", lw=0.5)
    ax.axhline(0.0, color="k", lw=0.3, ls=":")
    ax.text(-0.9, -0.5, "copy gate\nopening\n(0..1)", fontsize=7, ha="right", va="center")
    ax.set_xlim(-1.5, t - 0.5)
    ax.set_ylim(-1.1, 2.3)
    ax.axis("off")
    ax.set_title("arrows: the column each column reads most (width: weight)", fontsize=9)
    fig.suptitle(f"{title}\nstep {step + 1}/{steps}")
    fig.tight_layout()
    return frame_of(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "neural_data_router.gif")
    args = parser.parse_args(argv)
    record = recorded(nd.__file__)
    if record is None:
        parser.error("no results.json yet: run neural_data_router.py --record first")
    if isinstance(record.get(nd.LONG), dict) and record[nd.LONG].get("routing"):
        record = record[nd.LONG]          # the longest recorded training (the section the verdict reads)
    r = record["routing"]["ndr"]
    names = nd.token_names(r["tokens"])
    att, gate = np.array(r["attention"]), np.array(r["gate"])
    title = (f"NDR on a depth-{len(names) - 3} test input: answer {r['target']}, predicted {r['prediction']}")
    frames = [frame(att[s], gate[s], names, s, len(att), title) for s in range(len(att))]
    path = save_gif(frames, args.out, fps=2)
    print(f"wrote {path} ({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
