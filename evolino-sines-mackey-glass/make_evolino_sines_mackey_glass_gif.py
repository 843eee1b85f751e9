"""Animation for evolino-sines-mackey-glass: the evolution, then the prediction being generated.

    python3 evolino-sines-mackey-glass/make_evolino_sines_mackey_glass_gif.py   # writes evolino_sines_mackey_glass.gif

First part (the evolution): each frame is one improvement of ESP's best network on seed 0 (3 sines):
its free-running continuation after the training data (read-out by the pseudo-inverse) against the
target (left), the best validation NRMSE per generation so far (right). Second part (generation):
the final network running on its own output, the prediction drawn step by step against the target,
with its ten cell outputs beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.frame.figures import figure_parser, frame_of, save_gif  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evolino_sines_mackey_glass as ev  # noqa: E402
from visualize_evolino_sines_mackey_glass import cell_trace, configs, run_one  # noqa: E402


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "evolino_sines_mackey_glass.gif")
    args = parser.parse_args(argv)
    cfg, _ = configs(args.quick)
    row, ex = run_one(cfg, args.seed)
    data = ex["data"]
    n_train = len(data["train"])
    t_test = np.arange(n_train, n_train + cfg.test)
    curve = np.array(ex["curve"])
    frames = []
    snaps = ex["snaps"][-12:] if len(ex["snaps"]) > 12 else ex["snaps"]
    for g, genome in snaps:
        net = ev.make_net(cfg, genome[None])
        weights = ev.fit_readout(cfg, net, data)
        score, pred = ev.test_networks(cfg, net, weights, data)
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.6), gridspec_kw={"width_ratios": [2.2, 1]})
        a.plot(np.arange(n_train - 100, n_train), data["train"][-100:], color="0.6", lw=1)
        a.plot(t_test, data["test"], "k", lw=1.1, label="target")
        a.plot(t_test, pred[0], "C3--", lw=1.1, label="free-running output")
        a.axvline(n_train, color="C0", lw=0.8)
        a.set_ylim(-1.6, 1.6)
        a.set_xlabel("time step t (free run from the blue line)")
        a.set_ylabel("y(t)")
        a.legend(loc="upper right", fontsize=7)
        a.set_title(f"evolution, seed {args.seed}: best net at generation {g + 1}, test NRMSE {score[0]:.3g}",
                    fontsize=9)
        b.semilogy(np.arange(1, g + 2), curve[: g + 1], "C0", marker=".", markevery=[g])
        b.set_xlim(0, len(curve) + 1)
        b.set_ylim(max(curve.min() * 0.7, 1e-6), curve.max() * 1.4)
        b.set_xlabel("ESP generation")
        b.set_ylabel("best validation NRMSE")
        b.set_title(f"{cfg.sines} sines, {cfg.size * cfg.trials} nets a generation", fontsize=9)
        fig.tight_layout()
        frames.extend([frame_of(fig)] * 2)
    ys, hs, _ = cell_trace(cfg, ex["genome"], ex["weights"], data)
    lim = max(float(np.abs(hs).max()), 1e-6)
    steps = list(range(10, cfg.test + 1, max(cfg.test // 30, 1)))
    for k in steps:
        fig, (a, b) = plt.subplots(2, 1, figsize=(10, 4.6), sharex=True, gridspec_kw={"height_ratios": [1.3, 1]})
        a.plot(t_test, data["test"], color="0.75", lw=1, label="target (still to come)")
        a.plot(t_test[:k], data["test"][:k], "k", lw=1.2, label="target")
        a.plot(t_test[:k], ys[:k], "C3--", lw=1.3, label="the net's own output, fed back as its input")
        a.set_ylim(-1.6, 1.6)
        a.set_ylabel("y(t)")
        a.legend(loc="upper right", fontsize=7)
        a.set_title(f"generating: {cfg.sines} superimposed sines, step {k} of the free run "
                    f"(test NRMSE over all {cfg.test}: {row['test_nrmse']:.3g})", fontsize=9)
        shown = np.full_like(hs, np.nan)
        shown[:k] = hs[:k]
        im = b.imshow(shown.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                      extent=(t_test[0], t_test[-1], hs.shape[1] - 0.5, -0.5))
        b.set_ylabel("cell output h")
        b.set_xlabel("time step t")
        fig.colorbar(im, ax=[a, b], pad=0.01, fraction=0.03)
        frames.append(frame_of(fig))
    save_gif(frames, args.out, fps=6)
    print(f"wrote {args.out} ({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
