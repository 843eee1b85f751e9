"""Animation for curiosity-three-regions: seed 0's curious agent on the ring (where it has been in
the last stretch of steps), M's error on region C's 128 contexts, and the visit shares so far.

    python3 curiosity-three-regions/make_curiosity_three_regions_gif.py   # writes curiosity_three_regions.gif
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import curiosity_three_regions as cur  # noqa: E402
from visualize_curiosity_three_regions import REGION_COLORS, REGION_LABELS, config  # noqa: E402
from shared.frame.figures import figure_parser, frame_of, save_gif  # noqa: E402


def main() -> int:
    parser = figure_parser(__file__, __doc__, "curiosity_three_regions.gif")
    args = parser.parse_args()
    cfg = config(args.quick)
    r = cur.run_agent(args.seed, "confidence", cfg, trace=True)
    world, cells, regions = r["world"], r["cells"], r["regions"]
    n = world.n_cells
    snaps = r["snapshots"][1:]
    every = cfg.eval_every
    steps_axis = np.arange(1, len(regions) + 1)
    cumulative = np.cumsum(np.eye(3)[regions], axis=0) / steps_axis[:, None]
    e_a = [e["A"] for e in r["evals"]]
    e_c = [e["C"] for e in r["evals"]]
    frames = []
    for i, s in enumerate(snaps):
        t = s["step"]
        fig = plt.figure(figsize=(9, 5.2))
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.2])
        ax = fig.add_subplot(grid[0, :])
        recent = np.bincount(cells[max(0, t - every):t], minlength=n) / max(1, min(every, t))
        ax.bar(range(n), recent, color=[REGION_COLORS[world.region(c)] for c in range(n)])
        ax.set_ylim(0, 1)
        ax.set_xticks(range(n), [f"{'ABC'[world.region(c)]}{c % cfg.cells}" for c in range(n)], fontsize=7)
        ax.set_ylabel("share of the last\n%d steps" % every, fontsize=8)
        ax.set_title(f"step {t}: the curious agent's position on the ring (A known, B noise, C learnable)",
                     fontsize=9)
        ax = fig.add_subplot(grid[1, 0])
        err = np.abs(s["pred_c"] - world.c_values.ravel()).reshape(cfg.cells, cfg.cues)
        im = ax.imshow(err, aspect="auto", cmap="magma", vmin=0, vmax=1)
        ax.set_title(f"|M's error| on C's contexts (mean sq. {e_c[i + 1]:.3f}; A: {e_a[i + 1]:.3f})", fontsize=8)
        ax.set_xlabel("cue", fontsize=8)
        ax.set_ylabel("cell of C", fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.05)
        ax = fig.add_subplot(grid[1, 1])
        for reg in range(3):
            ax.plot(steps_axis[:t], cumulative[:t, reg], color=REGION_COLORS[reg], label=REGION_LABELS[reg])
        ax.set_xlim(0, len(regions))
        ax.set_ylim(0, 1)
        ax.set_xlabel("step", fontsize=8)
        ax.set_title("visit shares so far", fontsize=8)
        ax.legend(fontsize=6, loc="upper right")
        fig.tight_layout()
        frames.append(frame_of(fig))
        plt.close(fig)
    save_gif(frames, args.out, fps=6)
    print(f"wrote {args.out} ({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
