"""Figures for predictability-min-binary-factors (written to viz/).

    python3 predictability-min-binary-factors/visualize_predictability_min_binary_factors.py

Retrains seed 0 of Exp. 4 (on-line, 4 code units, 16 distributed patterns, T = V_C) and of Exp. 1's
patterns off-line under T = V_C and T = -H alone (the collapse), alone in a bank of one (the recorded
runs train 20-30 seeds in one block-diagonal bank: the same arithmetic up to the order of float sums),
and draws from results.json the success rates of every section and PM against FastICA.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared  # noqa: F401  first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np

import predictability_min_binary_factors as pmb
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent


def traced(task: str, objective: str = "vc", seed: int = 0, quick: bool = False, **kw):
    cfg = pmb.Config(task=task, objective=objective, **kw)
    if quick:
        cfg = pmb.replace(cfg, presentations=300, epochs=150, eval_every=50)
    rows, history, system = pmb.run_pattern_bank([seed], cfg, trace=True, progress=False)
    return rows[0], history, system


def code_heatmaps(history, title: str, path: Path, unit: str) -> None:
    """The code of every pattern (rows) on each unit (columns) at five moments of training."""
    picks = np.unique(np.linspace(0, len(history) - 1, 5).astype(int))
    fig, axes = plt.subplots(1, len(picks) + 2, figsize=(2.2 * len(picks) + 4.0, 4.4),
                             gridspec_kw={"width_ratios": [1] * len(picks) + [0.08, 1.8]})
    fig.subplots_adjust(left=0.05, right=0.98, top=0.82, bottom=0.12, wspace=0.45)
    for ax, i in zip(axes, picks):
        h = history[i]
        im = ax.imshow(h["y"], vmin=0, vmax=1, cmap="viridis", aspect="auto")
        m = h["measures"][0]
        ax.set_title(f"{unit} {h['t']}\n{m['distinct']} distinct, {m['binary_units']} binary", fontsize=8)
        ax.set_xlabel("code unit")
        ax.set_xticks(range(h["y"].shape[1]))
    axes[0].set_ylabel("input pattern")
    fig.colorbar(im, cax=axes[len(picks)])
    axes[len(picks)].set_title("y_i", fontsize=8)
    t = [h["t"] for h in history]
    ax = axes[-1]
    ax.plot(t, [h["measures"][0]["v_c_per_unit"] for h in history], label="V_C per unit and pattern")
    ax.plot(t, [h["measures"][0]["mean_code_variance"] for h in history], label="mean VAR(y_i)")
    ax.axhline(0.25, color="k", ls=":", lw=1, label="0.25: predictors at chance")
    ax.set_xlabel(unit)
    ax.set_ylim(0, 0.55)
    ax.legend(fontsize=6)
    ax.set_title("V_C and variance", fontsize=8)
    fig.suptitle(title, fontsize=9)
    save_png(fig, path)


def collapse(h_hist, vc_hist, path: Path) -> None:
    """Exp. 1's four patterns in the two-unit code plane as training goes: V_C spreads them to the
    corners; -H alone lets them shrink together."""
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 5.0))
    fig.subplots_adjust(top=0.84, bottom=0.26, right=0.86)
    for ax, hist, name in ((axes[0], vc_hist, "T = V_C (the paper's)"), (axes[1], h_hist, "T = -H alone (no information-preserving term)")):
        ts = np.array([h["t"] for h in hist], dtype=float)
        for p in range(4):
            pts = np.array([h["y"][p] for h in hist])
            ax.plot(pts[:, 0], pts[:, 1], color=f"C{p}", lw=0.8, alpha=0.6)
            sc = ax.scatter(pts[:, 0], pts[:, 1], c=ts, cmap="Greys", s=8, vmin=0, vmax=ts.max())
            ax.scatter(*pts[-1], color=f"C{p}", s=60, edgecolor="k", label=f"pattern {p} (end)")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("code unit 1")
        ax.set_ylabel("code unit 2")
        m = hist[-1]["measures"][0]
        ax.set_title(f"{name}\nend: {m['distinct']} distinct codes, mean VAR {m['mean_code_variance']:.3f}", fontsize=8)
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    fig.colorbar(sc, ax=axes, label="epoch", fraction=0.03)
    fig.suptitle("Seed 0, Exp. 1's 4 local patterns off-line: each pattern's code as training goes", fontsize=9)
    save_png(fig, path)


def rates(record: dict, path: Path) -> None:
    """Share of runs with a binary factorial code, per recorded section, beside the paper's."""
    sections = [("exp2", record, "Exp. 2 on-line, V_C", 1.0), ("exp4", record.get("exp4"), "Exp. 4 on-line, V_C", 0.9),
                ("exp1", record.get("exp1"), "Exp. 1 off-line, V_C", 0.8),
                ("exp2_full_gradient", record.get("exp2_full_gradient"), "Exp. 2, V_C full derivative", None),
                ("exp1_vih", record.get("exp1_vih"), "Exp. 1, V - I - H", None),
                ("exp1_vh", record.get("exp1_vh"), "Exp. 1, V - H", None),
                ("exp1_h", record.get("exp1_h"), "Exp. 1, -H alone", None),
                ("exp3", record.get("exp3"), "Exp. 3 off-line, V_C", 0.1)]
    sections = [s for s in sections if s[1] and s[1].get("seeds")]
    fig, ax = plt.subplots(figsize=(8.4, 4.4))
    fig.subplots_adjust(bottom=0.24)
    for i, (key, part, label, paper) in enumerate(sections):
        rows = part["seeds"]["per_seed"]
        end = np.mean([r["factorial"] for r in rows])
        budget = np.mean([r["within_paper_budget"] for r in rows])
        ax.bar(i - 0.2, end, 0.4, color="C0", label="ours: factorial at the end" if i == 0 else None)
        ax.bar(i + 0.2, budget, 0.4, color="C1", label="ours: within the paper's budget" if i == 0 else None)
        ax.text(i, max(end, budget) + 0.02, f"n={len(rows)}", ha="center", fontsize=7)
        if paper is not None:
            ax.plot([i - 0.4, i + 0.4], [paper, paper], color="k", lw=2,
                    label="paper (node15, 10 runs)" if key == "exp2" else None)
    ax.set_xticks(range(len(sections)))
    ax.set_xticklabels([s[2] for s in sections], rotation=25, ha="right", fontsize=7)
    ax.set_ylabel("share of runs with a binary factorial code")
    ax.set_ylim(0, 1.12)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("Binary factorial codes per task and objective (our runs; black: the paper's rate)", fontsize=9)
    save_png(fig, path)


def distinct(record: dict, path: Path) -> None:
    part = record.get("exp3")
    if not part:
        return
    rows = part["seeds"]["per_seed"]
    ours = np.bincount([r["distinct"] for r in rows], minlength=17)[8:17] / len(rows)
    paper = np.zeros(9)
    for d, c in ((16, 1), (15, 4), (13, 3), (12, 2)):
        paper[d - 8] = c / 10
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    fig.subplots_adjust(bottom=0.16)
    x = np.arange(8, 17)
    ax.bar(x - 0.2, ours, 0.4, label=f"ours ({len(rows)} runs)")
    ax.bar(x + 0.2, paper, 0.4, label="paper (node15, Exp. 3, 10 runs)")
    ax.set_xlabel("distinct binary output patterns for the 16 local inputs")
    ax.set_ylabel("share of runs")
    ax.legend(fontsize=7)
    ax.set_title("Exp. 3: 4 code units, 16 local patterns, off-line", fontsize=9)
    save_png(fig, path)


def factors(record: dict, path: Path) -> None:
    parts = [(k, v) for k, v in record.items() if k.startswith("factors_") and isinstance(v, dict)]
    if not parts:
        return
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for i, (key, part) in enumerate(sorted(parts, key=lambda kv: int(kv[0].split("_k")[1].split("_")[0]))):
        rows = part["seeds"]["per_seed"]
        pm_v = [r["pm_bit_recovery"] for r in rows]
        ica_v = [r["ica_bit_recovery"] for r in rows]
        ax.scatter(np.full(len(rows), i - 0.12), pm_v, color="C0", s=12, label="PM (V_C)" if i == 0 else None)
        ax.scatter(np.full(len(rows), i + 0.12), ica_v, color="C2", s=12, label="FastICA" if i == 0 else None)
        ax.text(i, 0.45, key.replace("factors_", ""), ha="center", fontsize=7)
    ax.axhline(0.5, color="k", ls=":", lw=1)
    ax.set_xticks([])
    ax.set_ylim(0.4, 1.02)
    ax.set_ylabel("mean bit recovery per seed (matched unit vs factor)")
    ax.legend(fontsize=7)
    ax.set_title("Beyond the paper: K binary factors, nonlinear mixing (0.5 = chance)", fontsize=9)
    save_png(fig, path)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _, hist4, _ = traced("exp4", seed=args.seed, quick=args.quick)
    code_heatmaps(hist4, f"Seed {args.seed}, Exp. 4 (on-line, T = V_C): the code of the 16 distributed patterns",
                  out / "codes_exp4.png", "presentation")
    _, hist_vc, _ = traced("exp1", seed=args.seed, quick=args.quick, epochs=3000, eval_every=25)
    _, hist_h, _ = traced("exp1", "h", seed=args.seed, quick=args.quick, epochs=3000, eval_every=25)
    collapse(hist_h, hist_vc, out / "collapse_exp1.png")
    record_path = HERE / "results.json"
    if record_path.exists():
        record = json.loads(record_path.read_text())
        rates(record, out / "factorial_rates.png")
        distinct(record, out / "distinct_exp3.png")
        factors(record, out / "factors_pm_vs_ica.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
