"""Animation for relational-nem-bouncing-balls: the balls over time beside what R-NEM and N-EM make of them.

    python3 relational-nem-bouncing-balls/make_relational_nem_bouncing_balls_gif.py   # writes relational_nem_bouncing_balls.gif

Seed 0 of R-NEM and of N-EM is retrained (the headline settings). Then, for a test sequence with 4 balls
(as trained, K = 5) and one with 6-8 balls (never seen, K = 8), one GIF frame per video frame: the true
next frame, then for each model its slots' responsibilities gamma (colour = slot, on the true balls) and
its predicted next frame max_k psi_k. From the rollout step on, the models are fed their own predictions
(closed loop) and the panel titles say so.
"""

from __future__ import annotations

import sys

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import relational_nem_bouncing_balls as rnem  # noqa: E402
from shared.frame.figures import figure_parser, frame_of, save_gif  # noqa: E402
from visualize_relational_nem_bouncing_balls import gamma_image, run_sequences, trained  # noqa: E402


def frame(label, t, rc, frames, groups, runs, n_balls):
    fig, axes = plt.subplots(1, 1 + 2 * len(runs), figsize=(2.0 * (1 + 2 * len(runs)), 2.6))
    S = rnem.SIZE
    axes[0].imshow(frames[t + 1, 0].reshape(S, S), cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title(f"true frame {t + 2}\n({n_balls} balls)", fontsize=8)
    for i, (name, (gamma, psi)) in enumerate(runs.items()):
        ami = rnem.nem.grouping_ami(groups[t + 1], gamma[t])[0]
        axes[1 + 2 * i].imshow(gamma_image(gamma[t, 0], frames[t + 1, 0]))
        axes[1 + 2 * i].set_title(f"{rnem.LABELS[name]}\nslots (AMI {ami:.2f})", fontsize=8)
        q = np.clip(psi[t, 0].max(axis=0), 1e-6, 1 - 1e-6)
        x = frames[t + 1, 0]
        bce = -np.sum(x * np.log(q) + (1 - x) * np.log(1 - q))
        axes[2 + 2 * i].imshow(psi[t, 0].max(axis=0).reshape(S, S), cmap="magma", vmin=0, vmax=1)
        axes[2 + 2 * i].set_title(f"{rnem.LABELS[name]}\nprediction (BCE {bce:.0f})", fontsize=8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    mode = "closed loop: own predictions fed" if t >= rc.rollout_from else "teacher-forced: noisy frames fed"
    fig.suptitle(f"{label}, step {t + 1}: {mode}", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return frame_of(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "relational_nem_bouncing_balls.gif")
    args = parser.parse_args(argv)
    models = {name: trained(name, args.seed, args.quick) for name in ("rnem", "nem")}
    rc = models["rnem"][0]
    gif = []
    for which, label in (("4", "4 balls, as trained"), ("678", "6-8 balls, never trained on")):
        runs = {}
        for name, (rc_m, out) in models.items():
            frames, groups, gamma, psi, _ = run_sequences(out, rc_m, which, 1, args.seed)
            runs[name] = (gamma, psi)
        data = models["rnem"][1]["test4" if which == "4" else "test678"]
        for t in range(gamma.shape[0]):
            gif.append(frame(label, t, rc, frames, groups, runs, int(data["n_balls"][0])))
            plt.close("all")
        gif += [gif[-1]] * 2
    save_gif(gif, args.out, fps=2)
    print(f"wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
