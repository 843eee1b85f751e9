"""Pictures for neural-em-shapes (written to viz/):

    python3 neural-em-shapes/visualize_neural_em_shapes.py            # retrains seed 0 of the headline

  em_iterations.png   test images: the noisy input, then the responsibilities gamma of each EM step
                      (each component a colour, its intensity gamma), the true objects last
  predictions.png     the last EM step of two test images: each component's prediction psi_k, its
                      responsibility gamma_k, and the mixture sum_k gamma_k psi_k
  ami_training.png    test AMI over training (every recorded run, mean and range over seeds) and the
                      AMI at each EM step after training
  flying.png          flying shapes: the frames and gamma at each step of a test sequence (seed 0 of
                      the flying-shapes section, retrained)
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import neural_em_shapes as nem  # noqa: E402
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402

COLOURS = np.array([[0.90, 0.16, 0.16], [0.13, 0.55, 0.95], [0.20, 0.75, 0.25], [0.95, 0.70, 0.10],
                    [0.60, 0.30, 0.80]])


def gamma_image(gamma: np.ndarray) -> np.ndarray:
    """gamma (K, D) -> an RGB image: sum_k gamma_k colour_k."""
    K, D = gamma.shape
    side = int(round(np.sqrt(D)))
    return np.clip(gamma.T @ COLOURS[:K], 0, 1).reshape(side, side, 3)


def groups_image(groups: np.ndarray) -> np.ndarray:
    side = int(round(np.sqrt(groups.size)))
    rgb = np.ones((groups.size, 3))
    objects = np.array([[0.50, 0.00, 0.60], [0.00, 0.50, 0.50], [0.60, 0.35, 0.00]])
    for j in range(1, groups.max() + 1):
        rgb[groups == j] = objects[(j - 1) % 3]
    return rgb.reshape(side, side, 3)


def run_model(out, rc, data, n: int, seed: int):
    """The trained model on the first n test items: inputs, targets, groups, gamma (T, n, K, D), psi."""
    rng = np.random.default_rng([seed, 5])
    idx = np.arange(n)
    dtype = out["params"]["V"].dtype
    inputs, targets, groups = nem.batch_arrays(rng, rc, data, idx, dtype)
    gamma0 = nem.initial_gamma(rng, n, rc.K, inputs.shape[-1]).astype(dtype)
    _, cache = nem.nem_forward(out["params"], out["cfg"], out["bank"], inputs, targets, gamma0,
                               nem.step_weights(rc), keep=False)
    return inputs, targets, groups, cache["gamma"], cache["psi"], gamma0


def draw_iterations(out, rc, seed, path):
    n = 4
    inputs, targets, groups, gamma, psi, gamma0 = run_model(out, rc, out["test_data"], n, seed)
    T = gamma.shape[0]
    amis = [nem.grouping_ami(groups[t], gamma[t]) for t in range(T)]
    fig, axes = plt.subplots(n, T + 3, figsize=(1.45 * (T + 3), 1.6 * n + 0.6))
    for i in range(n):
        axes[i, 0].imshow(inputs[0, i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        axes[i, 1].imshow(gamma_image(gamma0[i]))
        for t in range(T):
            axes[i, t + 2].imshow(gamma_image(gamma[t, i]) * targets[t, i].reshape(28, 28, 1)
                                  + 0.85 * (1 - targets[t, i].reshape(28, 28, 1)))
            axes[i, t + 2].text(0.03, 0.03, f"AMI {amis[t][i]:.2f}", transform=axes[i, t + 2].transAxes,
                                fontsize=7, bbox=dict(facecolor="white", edgecolor="none", pad=1))
        axes[i, -1].imshow(groups_image(groups[-1, i]))
    titles = ["noisy input (step 1)", "gamma, start"] + [f"EM step {t + 1}" for t in range(T)] + ["true objects"]
    for ax, title in zip(axes[0], titles):
        ax.set_title(title, fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[k]) for k in range(rc.K)]
    fig.legend(handles, [f"component {k + 1}" for k in range(rc.K)], loc="lower center", ncol=rc.K, fontsize=8,
               frameon=False)
    fig.suptitle(f"RNN-EM's E-step over the iterations (seed {seed}, test images): colour = responsibility of each "
                 f"component,\nshown on the clean image's foreground (the AMI in each panel is over foreground pixels)",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 0.93))
    save_png(fig, path)


def draw_predictions(out, rc, seed, path):
    n = 2
    _, targets, groups, gamma, psi, _ = run_model(out, rc, out["test_data"], n, seed)
    K = rc.K
    fig, axes = plt.subplots(2 * n, K + 1, figsize=(1.7 * (K + 1) + 0.8, 3.4 * n))
    top = max(0.05, float(psi[-1, :n].max()))
    for i in range(n):
        for k in range(K):
            im = axes[2 * i, k].imshow(psi[-1, i, k].reshape(28, 28), cmap="magma", vmin=0, vmax=top)
            axes[2 * i, k].set_title(f"psi, component {k + 1}", fontsize=8, color=COLOURS[k])
            im2 = axes[2 * i + 1, k].imshow(gamma[-1, i, k].reshape(28, 28) * targets[-1, i].reshape(28, 28),
                                            cmap="Greys", vmin=0, vmax=1)
            axes[2 * i + 1, k].set_title(f"gamma {k + 1} (foreground)", fontsize=8, color=COLOURS[k])
        mix = np.sum(gamma[-1, i] * psi[-1, i], axis=0)
        axes[2 * i, K].imshow(mix.reshape(28, 28), cmap="magma", vmin=0, vmax=top)
        axes[2 * i, K].set_title("sum_k gamma_k psi_k", fontsize=8)
        axes[2 * i + 1, K].imshow(targets[-1, i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        axes[2 * i + 1, K].set_title("clean image", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.subplots_adjust(right=0.84, top=0.9)
    fig.colorbar(im, cax=fig.add_axes([0.87, 0.53, 0.02, 0.34]), label="psi (rows 1, 3): pixel probability")
    fig.colorbar(im2, cax=fig.add_axes([0.87, 0.12, 0.02, 0.34]), label="gamma (rows 2, 4): responsibility")
    fig.suptitle(f"Last EM step, seed {seed}: each component's prediction (top) and responsibility (bottom)",
                 fontsize=9)
    save_png(fig, path)


def draw_training(path):
    record = recorded(nem.__file__) or {}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    runs = [("static shapes, sigmoid RNN (headline)", record), ("flying shapes, sigmoid RNN", record.get("flying")),
            ("static shapes, GRU", record.get("gru")), ("static shapes, OdyssNet core", record.get("odyssnet")),
            ("static shapes, longer training", record.get("long"))]
    for (name, rec), colour in zip(runs, ["C0", "C1", "C2", "C3", "C4"]):
        if not rec:
            continue
        tables = {t["title"].split(" (")[0]: t for t in rec["tables"]}
        curve = next(t for title, t in tables.items() if title.startswith("Test AMI over training"))
        rows = np.array(curve["rows"], dtype=float)
        n = rec["headline"]["seeds"]
        ax.plot(rows[:, 0], rows[:, 1], color=colour, label=f"{name} ({n} seeds)")
        ax.fill_between(rows[:, 0], rows[:, 2], rows[:, 3], color=colour, alpha=0.15)
        steps = next(t for title, t in tables.items() if title.startswith("Test AMI per EM step"))
        vals = np.array(steps["rows"][0][1:], dtype=float)
        bx.plot(np.arange(1, len(vals) + 1), vals, "o-", color=colour, label=name)
    ax.axhline(0.96, color="k", ls="--", lw=1, label="paper, static shapes (0.96, secondary)")
    ax.set_xlabel("Adam updates")
    ax.set_ylabel("test AMI (foreground pixels)")
    ax.set_title("Grouping quality over training: mean, band = min..max over seeds", fontsize=9)
    ax.legend(fontsize=7)
    ax.set_ylim(-0.05, 1.0)
    bx.set_xlabel("EM step (static) or frame (flying)")
    bx.set_ylabel("test AMI after training, mean over seeds")
    bx.set_title("AMI at each EM step", fontsize=9)
    bx.set_ylim(-0.05, 1.0)
    bx.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, path)


def draw_flying(out, rc, seed, path):
    _, targets, groups, gamma, psi, _ = run_model(out, rc, out["test_data"], 2, seed)
    T = gamma.shape[0]
    amis = [nem.grouping_ami(groups[t], gamma[t]) for t in range(T)]
    fig, axes = plt.subplots(4, T, figsize=(1.3 * T, 6.0))
    for j in range(2):
        for t in range(T):
            axes[2 * j, t].imshow(targets[t, j].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            axes[2 * j, t].set_title(f"frame {t + 2}", fontsize=7)
            axes[2 * j + 1, t].imshow(gamma_image(gamma[t, j]) * targets[t, j].reshape(28, 28, 1)
                                      + 0.85 * (1 - targets[t, j].reshape(28, 28, 1)))
            axes[2 * j + 1, t].text(0.03, 0.03, f"AMI {amis[t][j]:.2f}", transform=axes[2 * j + 1, t].transAxes,
                                    fontsize=7, bbox=dict(facecolor="white", edgecolor="none", pad=1))
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("frames", fontsize=8)
    axes[1, 0].set_ylabel("gamma", fontsize=8)
    fig.suptitle(f"Flying shapes, seed {seed}: EM step t reads noisy frame t and predicts frame t + 1 (shown);\n"
                 f"colour = component (the grouping carried from frame to frame)", fontsize=9)
    fig.tight_layout()
    save_png(fig, path)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    static = nem.HEADLINE["static"] if not args.quick else replace(nem.HEADLINE["static"], **nem.QUICK)
    flying = nem.HEADLINE["flying"] if not args.quick else replace(nem.HEADLINE["flying"], **nem.QUICK)
    print("training the static-shapes headline, seed", args.seed, flush=True)
    out = nem.train(args.seed, static, keep=True)
    draw_iterations(out, static, args.seed, out_dir / "em_iterations.png")
    draw_predictions(out, static, args.seed, out_dir / "predictions.png")
    draw_training(out_dir / "ami_training.png")
    print("training the flying-shapes run, seed", args.seed, flush=True)
    out = nem.train(args.seed, flying, keep=True)
    draw_flying(out, flying, args.seed, out_dir / "flying.png")
    print(f"wrote {out_dir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
