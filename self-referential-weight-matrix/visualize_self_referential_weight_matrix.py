"""Pictures for self-referential-weight-matrix.

    python3 self-referential-weight-matrix/visualize_self_referential_weight_matrix.py      # writes viz/*.png

- viz/learning_curves.png (from the record): mean query accuracy on the training functions during
  training, every model and ablation.
- viz/accuracy_per_function.png (from the record): test query accuracy per Boolean function, mean over
  seeds with the worst seed, every model; the 4 held-out functions marked.
- viz/matrix_episode.png: one seed (--seed; the README shows 6) of the 1993 net retrained (the headline's configuration), then run on
  one episode of a held-out function (XOR): its learned initial matrix W(0), what its own writes
  changed by the end of the demonstrations and by the end of the episode, and where each tick read
  and wrote (the address kernels of the analyzing and modifying units).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import self_referential_weight_matrix as srwm  # noqa: E402
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402

SECTIONS = [(None, "1993 net (ours, headline)", "C0", "-"), ("srwm1993_no_writes", "1993 net, writes disabled", "C0", ":"),
            ("srwm2022", "modern SRWM (Irie et al. 2022)", "C1", "-"),
            ("srwm2022_no_writes", "modern SRWM, writes disabled", "C1", ":"),
            ("lstm", "LSTM (activations as memory)", "C2", "-"), ("odyssnet", "OdyssNet core", "C3", "-"),
            ("srwm1993_1200_updates", "1993 net, 1200 updates", "C4", "--"),
            ("odyssnet_4000_updates", "OdyssNet core, 4000 updates", "C3", "--")]


def part(record, section):
    return record if section is None else record.get(section)


def learning_curves(record, out):
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for section, label, color, style in SECTIONS:
        p = part(record, section)
        if not p or "curve" not in p:
            continue
        ax.plot(p["curve"]["update"], p["curve"]["mean_accuracy"], color=color, ls=style,
                label=f"{label} ({p['seeds']['summary']['n_runs']} seeds)")
    ax.axhline(0.5, color="0.6", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("update (log scale; 32 episodes of the 12 training functions per seed)")
    ax.set_ylabel("query accuracy in the training batch\n(mean over seeds)")
    ax.set_ylim(0.3, 1.02)
    ax.set_title("Training: the nets that can rewrite their weights learn; with writes disabled they cannot", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def per_function(record, out):
    fig, ax = plt.subplots(figsize=(11, 5.2))
    shown = [(s, lab, c, st) for s, lab, c, st in SECTIONS if part(record, s)]
    width = 0.8 / max(1, len(shown))
    x = np.arange(srwm.N_FUNCTIONS)
    for i, (section, label, color, style) in enumerate(shown):
        rows = part(record, section)["seeds"]["per_seed"]
        acc = np.array([r["per_function"] for r in rows])
        hatch = {":": "//", "--": ".."}.get(style)
        ax.bar(x - 0.4 + width * (i + 0.5), acc.mean(axis=0), width, color=color, alpha=0.45 if style == ":" else 0.9,
               hatch=hatch, label=label, edgecolor="k", lw=0.3)
        ax.plot(x - 0.4 + width * (i + 0.5), acc.min(axis=0), "k_", ms=4)
    for f in srwm.HELD_OUT:
        ax.axvspan(f - 0.45, f + 0.45, color="gold", alpha=0.25, lw=0)
    ax.set_xticks(x, [srwm.NAMES[f] + (" *" if f in srwm.HELD_OUT else "") for f in x], rotation=40, ha="right",
                  fontsize=7)
    ax.set_ylabel("test query accuracy (bar: mean over seeds;\n black tick: worst seed)")
    ax.set_ylim(0, 1.05)
    ax.axhline(0.5, color="0.5", lw=0.8)
    ax.set_title("All 16 Boolean functions of two bits; * and yellow: held out from training (only tested)", fontsize=9)
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    fig.tight_layout()
    save_png(fig, out / "accuracy_per_function.png")


def headline_net(seed: int, quick: bool):
    """Seed `seed` of the headline configuration, retrained alone (a seed of a bank computes what it computes alone)."""
    args = srwm.parse_args(["--quick"] if quick else [])
    net = srwm.build(args, [seed])
    srwm.train_bank(net, [seed], args.updates, args.batch, args.lr, label="retraining the picture's seed")
    return net, args


def episode_trace(net, function: int, seed: int):
    """One episode of `function` (fixed row orders): per tick the matrix before it, the units, the read and
    write kernels; the outputs."""
    rng = np.random.default_rng([seed, 99])
    _, rows, targets, demo = srwm.episodes(rng, [function], 1)
    o = net.forward(rows[None], targets[None], demo)
    tape = net.cache[3]
    return {"rows": rows[0], "targets": targets[0], "demo": demo, "outs": o[0, 0],
            "W": [t[0][0, 0] for t in tape] + [net.final_W[0, 0]], "a": [t[2][0, 0] for t in tape],
            "p": [t[3][0, 0] for t in tape], "q": [t[4][0, 0] for t in tape],
            "pm": [t[5][0, 0] for t in tape], "qm": [t[6][0, 0] for t in tape]}


def group_ticks(ax, lay, axis):
    rows = [(0, "o"), (1, "Δ"), (lay.ana_r.start, "ana"), (lay.mod_r.start, "mod"), (lay.hidden.start, "hidden")]
    if axis == "y":
        ax.set_yticks([r for r, _ in rows], [n for _, n in rows], fontsize=6)
        for r, _ in rows[1:]:
            ax.axhline(r - 0.5, color="k", lw=0.4)
    else:
        cols = [(0, "x0"), (1, "x1"), (2, "demo"), (3, "bias"), (4, "eval"), (5, "val")] + \
               [(srwm.N_IN + r, n) for r, n in rows]
        ax.set_xticks([c for c, _ in cols], [n for _, n in cols], fontsize=6, rotation=90)
        for c in (srwm.N_IN,) + tuple(srwm.N_IN + r for r, _ in rows[1:]):
            ax.axvline(c - 0.5, color="k", lw=0.4)


def matrix_episode(net, out, function=6, seed=0):
    lay = net.lay
    tr = episode_trace(net, function, seed)
    ticks = net.ticks
    W0, Wd, We = tr["W"][0], tr["W"][srwm.N_DEMO * ticks], tr["W"][-1]
    fig = plt.figure(figsize=(12, 6.4))
    lim0 = np.abs(W0).max()
    limd = max(np.abs(We - W0).max(), 1e-6)
    panels = [(W0, "learned initial matrix W(0)", lim0, "RdBu_r"),
              (Wd - W0, "W after the 4 demonstrations − W(0)\n(the net's own writes)", limd, "PuOr_r"),
              (We - W0, "W at the end of the episode − W(0)", limd, "PuOr_r")]
    for i, (M, title, lim, cmap) in enumerate(panels):
        ax = fig.add_axes([0.05 + 0.3 * i, 0.42, 0.24, 0.45])
        im = ax.imshow(M, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
        ax.set_title(title, fontsize=8)
        group_ticks(ax, lay, "x")
        group_ticks(ax, lay, "y")
        ax.set_xlabel("from unit (column)", fontsize=7)
        if i == 0:
            ax.set_ylabel("to unit (row)", fontsize=7)
        fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02).ax.tick_params(labelsize=6)
    n = len(tr["a"])
    ax = fig.add_axes([0.05, 0.07, 0.4, 0.24])
    delta = np.array([a[lay.DELTA] for a in tr["a"]])
    ax.bar(np.arange(n), delta, color=["C0" if (t // ticks) < srwm.N_DEMO else "C2" for t in range(n)])
    ax.axvline(srwm.N_DEMO * ticks - 0.5, color="k", lw=0.8)
    ax.set_xlabel(f"tick ({ticks} per pattern; blue: demonstrations, green: queries)", fontsize=7)
    ax.set_ylabel("Δ (write strength)", fontsize=7)
    ax.tick_params(labelsize=6)
    ax = fig.add_axes([0.53, 0.07, 0.42, 0.24])
    rows_written = np.array([pm for pm in tr["pm"]])
    im = ax.imshow(rows_written.T, aspect="auto", cmap="Greys", vmin=0, vmax=1)
    group_ticks(ax, lay, "y")
    ax.set_xlabel("tick", fontsize=7)
    ax.set_title("row each tick writes to (modifying units' row kernel)", fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02, label="g").ax.tick_params(labelsize=6)
    outs = tr["outs"][srwm.N_DEMO:]
    tg = tr["targets"][srwm.N_DEMO:]
    fig.suptitle(f"1993 net, seed {seed}, one episode of {srwm.NAMES[function]} (held out from training): queries "
                 f"{', '.join(f'{int(t)}→{o:.2f}' for t, o in zip(tg, outs))} (target→output)", fontsize=9)
    save_png(fig, out / "matrix_episode.png")


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = recorded(__file__)
    if record:
        learning_curves(record, out)
        per_function(record, out)
    net, _ = headline_net(args.seed, args.quick)
    matrix_episode(net, out, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
