"""Static figures for predictable-stereo: seed 0's training (the objective's terms and the held-out
recovery), the two modules' codes against the true disparity, the first-layer weights of T_1 (what
a disparity detector looks like), every recorded seed.

    python3 predictable-stereo/visualize_predictable_stereo.py   # writes viz/*.png

Trains seed 0 with the headline settings (about 30 s of CPU); the sweep figure draws the recorded
runs in results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import predictable_stereo as ps
from shared.frame.figures import figure_parser, recorded, save_png


def headline(seed: int, quick: bool):
    cfg = ps.Config()
    if quick:
        cfg = replace(cfg, steps=60, n_test=500)
    print(f"training seed {seed} ({cfg.steps} updates) ...", flush=True)
    run = ps.train(cfg, seed, False, curve_every=max(1, cfg.steps // 40))
    return cfg, run


def fig_curves(cfg, run, out):
    c = run["curve"]
    x = [r["step"] * cfg.batch for r in c]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ax = axes[0]
    for key, label, color in (("M", "M (disagreement)", "C3"), ("D1", "D_1 (PM term of T_1)", "C0"),
                              ("D2", "D_2 (PM term of T_2)", "C9"), ("E", f"E = M + {cfg.beta:g}(D_1 + D_2)", "k")):
        ax.plot(x, [r[key] for r in c], label=label, color=color, lw=1.3)
    ax.set_xlabel("training stereograms seen")
    ax.set_ylabel("objective term (training batch)")
    ax.set_title("The objective: agreement M against non-triviality D", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.plot(x, [r["nmi1"] for r in c], color="C0", label="T_1: I(class; disparity) / log K")
    ax.plot(x, [r["nmi2"] for r in c], color="C9", ls="--", label="T_2: I(class; disparity) / log K")
    ax.plot(x, [r["agreement_mi"] / np.log(2) for r in c], color="C3", label="I(c_1; c_2) / log 2")
    ax.plot(x, [r["accuracy"] for r in c], color="C2", label="accuracy after the best mapping")
    ax.axhline(ps.EXTRACTED, color="k", ls=":", lw=0.8)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("training stereograms seen")
    ax.set_ylabel("held-out (1000 stereograms)")
    ax.set_title("Held-out recovery of the disparity (dotted: the rule's 0.5)", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle(f"Seed 0, {ps.describe(cfg)}", fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def fig_codes(cfg, run, out, seed):
    data = ps.test_set(cfg, seed, False, 1500)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.7))
    rng = np.random.default_rng(0)
    for l in range(2):
        y = run["modules"][l].forward(data[f"x{l + 1}"])[0]
        jit = 0.015 * rng.normal(size=y.shape)
        sc = axes[l].scatter(y[:, 0] + jit[:, 0], y[:, 1] + jit[:, 1], c=data[f"class{l + 1}"], cmap="coolwarm",
                             s=5, alpha=0.6, vmin=0, vmax=cfg.disparities - 1)
        axes[l].set_xlim(-0.05, 1.05)
        axes[l].set_ylim(-0.05, 1.05)
        axes[l].axvline(0.5, color="0.5", lw=0.6)
        axes[l].axhline(0.5, color="0.5", lw=0.6)
        axes[l].set_xlabel(f"T_{l + 1} code unit 1")
        axes[l].set_ylabel(f"T_{l + 1} code unit 2")
        axes[l].set_title(f"T_{l + 1}'s code of held-out strip {l + 1}", fontsize=9)
        fig.colorbar(sc, ax=axes[l], label="true disparity (pixels)")
    c1, c2 = (run["modules"][l].classify(data[f"x{l + 1}"]) for l in range(2))
    q = 2 ** cfg.code_units
    table = np.zeros((q, q))
    np.add.at(table, (c1, c2), 1.0)
    im = axes[2].imshow(table / table.sum(), cmap="viridis")
    axes[2].set_xticks(range(q))
    axes[2].set_yticks(range(q))
    axes[2].set_xlabel("T_2's class (its code's bits)")
    axes[2].set_ylabel("T_1's class")
    axes[2].set_title("T_1's class against T_2's, same scenes", fontsize=9)
    fig.colorbar(im, ax=axes[2], label="share of held-out scenes")
    fig.tight_layout()
    save_png(fig, out / "codes.png")


def fig_weights(cfg, run, out):
    w = run["modules"][0].params["W0"]                       # (2 width, hidden)
    out_w = run["modules"][0].params["W1"]                   # (hidden, q)
    order = np.argsort(-np.abs(out_w).sum(axis=1))[:12]
    fig, axes = plt.subplots(3, 4, figsize=(11, 5.0))
    fig.subplots_adjust(left=0.07, right=0.86, wspace=0.45, hspace=0.9, top=0.8, bottom=0.06)
    vmax = np.abs(w[:, order]).max()
    for ax, h in zip(axes.ravel(), order):
        right, left = w[:cfg.width, h], w[cfg.width:, h]
        rho0 = np.corrcoef(right, left)[0, 1]                  # left[i] against right[i]: disparity 0
        rho1 = np.corrcoef(right[1:], left[:-1])[0, 1]         # left[i] against right[i + 1]: disparity 1
        im = ax.imshow(np.stack([right, left]), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_yticks([0, 1])
        ax.set_yticklabels(["right eye", "left eye"], fontsize=7)
        ax.set_xticks(range(cfg.width))
        ax.tick_params(labelsize=6)
        ax.set_title(f"unit {h}, to code {out_w[h, 0]:+.1f} {out_w[h, 1]:+.1f}\n\u03c1\u2080 {rho0:+.2f}   "
                     f"\u03c1\u2081 {rho1:+.2f}", fontsize=7)
    fig.colorbar(im, cax=fig.add_axes([0.89, 0.12, 0.015, 0.6]), label="weight from the pixel")
    fig.suptitle("T_1's 12 hidden ReLUs with the largest weights to the code (seed 0; x: pixel of the strip). "
                 "\u03c1\u2080, \u03c1\u2081: correlation of the\n"
                 "left eye's weights with the right eye's at shift 0 and 1; -1 at shift 0 fires on a mismatch at "
                 "disparity 0, +1 at shift 1 on a match at disparity 1",
                 fontsize=8)
    save_png(fig, out / "weights.png")


def fig_sweep(out):
    record = recorded(ps.__file__)
    if not record or not record.get("seeds"):
        print("no recorded sweep: sweep.png not drawn")
        return
    rows = record["seeds"]["per_seed"]
    seeds = [r["seed"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9))
    ax = axes[0]
    series = [("nmi", "S-P, real stereograms", "C2", "o"), ("control_nmi", "S-P, shuffled pairs", "C7", "s"),
              ("no_d_nmi", "beta = 0 (no D)", "C3", "x"),
              ("control_hi_nmi", f"beta = {ps.CONTROL_BETA_HIGH:g}, shuffled", "C1", "^")]
    for key, label, color, marker in series:
        ax.plot(seeds, [r[key] for r in rows], marker, color=color, label=label, ms=6)
    for section, label, color, marker in (("imax", "IMAX (K equal-count bins)", "C4", "D"),
                                          ("odyssnet", "S-P, OdyssNet modules", "C5", "P")):
        part = (record.get(section) or {}).get("seeds") or {}
        if part.get("per_seed"):
            ax.plot([r["seed"] for r in part["per_seed"]], [r["nmi"] for r in part["per_seed"]], marker,
                    color=color, mfc="none", label=label)
    ax.axhline(ps.EXTRACTED, color="k", ls=":", lw=0.8)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xticks(seeds)
    ax.set_xlabel("seed (this machine's runs)")
    ax.set_ylabel("I(class; disparity) / log K, held-out")
    ax.set_title("Disparity recovered (dotted: the rule's 0.5)", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1]
    for key, label, color, marker in (("agreement_mi", "S-P, real", "C2", "o"),
                                      ("control_agreement_mi", "S-P, shuffled", "C7", "s"),
                                      ("control_hi_agreement_mi", f"beta = {ps.CONTROL_BETA_HIGH:g}, shuffled",
                                       "C1", "^"),
                                      ("control_hi_entropy_min", f"code entropy, beta = {ps.CONTROL_BETA_HIGH:g} "
                                                                 "shuffled", "C1", "v"),
                                      ("control_entropy_min", "code entropy, S-P shuffled (beta = 0.8)", "C7",
                                       "D")):
        ax.plot(seeds, [r[key] for r in rows], marker, color=color, label=label, ms=6 if "entropy" not in key else 8,
                mfc="none" if "entropy" in key else None)
    ax.set_xticks(seeds)
    ax.set_xlabel("seed (this machine's runs)")
    ax.set_ylabel("nats, held-out")
    ax.set_title("Agreement I(c_1; c_2) and code entropy (min over modules)", fontsize=9)
    ax.set_ylim(-0.05, 1.6)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.86), ncol=2)
    fig.tight_layout()
    save_png(fig, out / "sweep.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg, run = headline(args.seed, args.quick)
    fig_curves(cfg, run, out)
    fig_codes(cfg, run, out, args.seed)
    fig_weights(cfg, run, out)
    fig_sweep(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
