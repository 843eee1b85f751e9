"""Pictures for neural-data-router, drawn from the recorded results.json (its section "long", the
longest training, when recorded; else the headline):

    python3 neural-data-router/visualize_neural_data_router.py     # writes viz/*.png

* per_depth.png: accuracy per composition depth, NDR against the vanilla Transformer, mean and every seed.
* learning_curves.png: training loss and accuracy at depths 5, 8 and 10 during training (mean over seeds).
* routing.png: the first seed's NDR on one depth-10 test input: at every step, where each column's
  geometric attention reads (rows: the reading column, columns: the column read) and how far each
  column's copy gate opens (1: the column takes its update, 0: it copies its state).
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
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402

COLORS = {"ndr": "tab:blue", "vanilla": "tab:orange"}
LABELS = {"ndr": "NDR (geometric attention + copy gate)", "vanilla": "vanilla Transformer (same size)"}


def per_depth(record, out):
    rows = record["seeds"]["per_seed"]
    depths = nd.TRAIN_DEPTHS + nd.VALID_DEPTHS + nd.TEST_DEPTHS
    kinds = [k for k in ("ndr", "vanilla") if f"{k}_d1" in rows[0]]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.38
    for n, kind in enumerate(kinds):
        acc = np.array([[r[f"{kind}_d{d}"] for d in depths] for r in rows])
        x = np.arange(len(depths)) + (n - 0.5) * width
        ax.bar(x, acc.mean(0), width, color=COLORS[kind], alpha=0.75, label=f"{LABELS[kind]}, mean")
        for seed_acc in acc:
            ax.scatter(x, seed_acc, s=8, color="k", zorder=3)
    ax.axvspan(-0.5, len(nd.TRAIN_DEPTHS) - 0.5, color="0.92", zorder=0)
    ax.axvspan(len(depths) - len(nd.TEST_DEPTHS) - 0.5, len(depths) - 0.5, color="#fde0dd", zorder=0)
    ax.axhline(1 / nd.N_SYMBOLS, color="k", ls=":", lw=1, label="chance (1/8)")
    ax.set_xticks(np.arange(len(depths)), [str(d) for d in depths])
    ax.set_xlabel("composition depth (grey: trained on; pink: the test depths 9-10; between: validation)")
    ax.set_ylabel("accuracy (dots: seeds)")
    ax.set_ylim(0, 1.02)
    cfg = record["config"]
    ax.set_title(f"CTL 8x8, accuracy per depth over {len(rows)} seeds (d={cfg['d']}, {cfg['iters']} iterations "
                 f"of batch {cfg['batch']})")
    ax.legend(fontsize=8, loc="upper right")
    save_png(fig, out / "per_depth.png")


def learning_curves(record, out):
    curves = record["curves"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for kind, curve in curves.items():
        it = [c["iter"] for c in curve]
        axes[0].plot(it, [np.mean(c["train_loss"]) for c in curve], color=COLORS[kind], label=LABELS[kind])
        for key, ls in (("acc_d5", "-"), ("acc_d8", "--"), ("acc_d10", ":")):
            axes[1].plot(it, [np.mean(c[key]) for c in curve], color=COLORS[kind], ls=ls,
                         label=f"{kind}, depth {key[5:]}")
    axes[0].axhline(np.log(nd.N_SYMBOLS), color="k", lw=1, ls=":", label="chance (ln 8)")
    axes[0].set_xlabel("training iteration")
    axes[0].set_ylabel("cross-entropy (training batches)")
    axes[0].legend(fontsize=7)
    axes[1].axhline(1 / nd.N_SYMBOLS, color="k", lw=1, ls=":")
    axes[1].set_xlabel("training iteration")
    axes[1].set_ylabel("accuracy (mean over seeds)")
    axes[1].set_ylim(0, 1.02)
    axes[1].legend(fontsize=7, ncol=2)
    fig.suptitle("Learning curves; right: 64 test inputs per depth (5: trained on; 8, 10: longer than any training input)")
    fig.tight_layout()
    save_png(fig, out / "learning_curves.png")


def routing(record, out):
    r = record["routing"]["ndr"]
    names = nd.token_names(r["tokens"])
    att, gate = np.array(r["attention"]), np.array(r["gate"])
    steps, t = att.shape[0], att.shape[1]
    cols = 7
    fig = plt.figure(figsize=(15, 8))
    grid = fig.add_gridspec(3, cols + 1, width_ratios=[1] * cols + [0.06])
    for s in range(steps):
        ax = fig.add_subplot(grid[s // cols, s % cols])
        im = ax.imshow(att[s], vmin=0, vmax=1, cmap="viridis")
        ax.set_title(f"step {s + 1}", fontsize=8)
        ax.set_xticks(range(t), names, fontsize=5, rotation=90)
        ax.set_yticks(range(t), names, fontsize=5)
        if s % cols == 0:
            ax.set_ylabel("reading column", fontsize=7)
    fig.colorbar(im, cax=fig.add_subplot(grid[0:2, cols]), label="attention weight (column read: x axis)")
    ax = fig.add_subplot(grid[2, :cols])
    im2 = ax.imshow(gate.T, aspect="auto", vmin=0, vmax=1, cmap="magma")
    ax.set_yticks(range(t), names, fontsize=7)
    ax.set_xticks(range(steps), [str(s + 1) for s in range(steps)])
    ax.set_xlabel("step")
    ax.set_ylabel("column")
    fig.colorbar(im2, cax=fig.add_subplot(grid[2, cols]), label="copy gate opening")
    verdict = "right" if r["prediction"] == r["target"] else "wrong"
    fig.suptitle(f"NDR routing on one depth-{len(names) - 3} test input ({' '.join(names)}): answer {r['target']}, "
                 f"predicted {r['prediction']} ({verdict})")
    save_png(fig, out / "routing.png")


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    record = recorded(nd.__file__)
    if record is None:
        parser.error("no results.json yet: run neural_data_router.py --record first")
    if isinstance(record.get(nd.LONG), dict) and record[nd.LONG].get("routing"):
        record = record[nd.LONG]          # the longest recorded training (the section the verdict reads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    per_depth(record, out)
    learning_curves(record, out)
    routing(record, out)
    print(f"wrote {out}/per_depth.png, learning_curves.png, routing.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
