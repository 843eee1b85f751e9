"""Static figures for mcdnn-image-bench, drawn from the recorded runs in results.json (so they show the
figures the README quotes) and from the digits themselves:

    python3 mcdnn-image-bench/visualize_mcdnn_image_bench.py   # writes viz/*.png

- preprocessings.png: the same test digits under each column's preprocessing (the original digits and
  the bounding-box widths normalised to 10 ... 20 pixels), as the columns see them (29 x 29).
- filters.png: the first-layer 4 x 4 kernels every column of seed 0's committee learned.
- column_vs_committee.png: test error of every column and of the committee (95% Clopper-Pearson
  intervals) for seed 0; and over all recorded committees the committee against its best and mean
  column, the same-preprocessing committee and the OdyssNet committee.
- fixes_and_breaks.png: test digits seed 0's committee gets right although its best column errs, and
  the few it gets wrong although the best column is right, with every column's answer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import mcdnn_image_bench as mc
from shared.environments.mnist import default_folder, load_mnist
from shared.frame.figures import figure_parser, recorded, save_png
from shared.frame.verdict import rate_bounds

HERE = Path(__file__).resolve().parent


def rows_of(record: dict, prefix: str, part: str | None) -> list[dict]:
    """Per-seed rows of the main part (with its seed blocks) or of a section (with its seed blocks)."""
    found = mc._rows(record, part)
    return [found[s] for s in sorted(found) if f"{prefix}_committee_error" in found[s]]


def test_digits(record: dict):
    """The test digits of the recorded run, or None if the data folder holds other images."""
    try:
        data = load_mnist(default_folder())
    except (OSError, ValueError):
        return None
    if not record["config"]["data"].startswith(data["source"]):
        return None
    return data["test_images"], data["test_labels"]


def preprocessings(record: dict, out: Path):
    try:
        data = load_mnist(default_folder())
        images, source = data["test_images"][:10], data["source"]
    except (OSError, ValueError):
        images, source = np.zeros((10, 28, 28), np.uint8), "no digits found"
    names = mc.PREPROCESSINGS
    fig, axes = plt.subplots(len(names), len(images), figsize=(0.95 * len(images) + 1.2, 0.95 * len(names) + 0.8))
    for i, name in enumerate(names):
        x = mc.preprocess(images, name)
        for j in range(len(images)):
            ax = axes[i, j]
            ax.imshow(x[j], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel("original" if name == "original" else f"width {name[1:]}", rotation=0,
                              ha="right", va="center", fontsize=9)
    fig.suptitle("What each column sees: the same test digits, 29 x 29, per preprocessing\n"
                 f"({source.split(':')[0]})", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "preprocessings.png")


def filters(record: dict, out: Path):
    frames = record["training"]["frames"]
    names = record["training"]["names"]
    last = np.array(frames[-1]["filters"])                        # (columns, maps, 4, 4)
    n_cols, n_maps = last.shape[:2]
    lim = float(np.abs(last).max())
    fig, axes = plt.subplots(n_cols, n_maps, figsize=(0.8 * n_maps + 1.8, 0.8 * n_cols + 0.9))
    axes = np.atleast_2d(axes)
    for i in range(n_cols):
        for j in range(n_maps):
            ax = axes[i, j]
            im = ax.imshow(last[i, j], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(names[i], rotation=0, ha="right", va="center", fontsize=9)
    fig.colorbar(im, ax=axes, fraction=0.02, pad=0.02, label="kernel weight")
    fig.suptitle(f"First-layer 4 x 4 kernels after training, seed {record['seeds']['per_seed'][0]['seed']}'s "
                 "committee (one row per column)", fontsize=10)
    save_png(fig, out / "filters.png")


def column_vs_committee(record: dict, out: Path):
    n_test = record["config"]["n_test"]
    row = record["seeds"]["per_seed"][0]
    names = list(row["diverse_column_errors"])
    errs = [row["diverse_column_errors"][n] for n in names] + [row["diverse_committee_error"]]
    labels = names + ["committee"]
    bounds = [rate_bounds(int(round(e * n_test)), n_test) for e in errs]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    colors = ["C0"] * len(names) + ["C3"]
    a.bar(range(len(errs)), [100 * e for e in errs], color=colors,
          yerr=[[100 * (e - lo) for e, (lo, hi) in zip(errs, bounds)],
                [100 * (hi - e) for e, (lo, hi) in zip(errs, bounds)]], capsize=3)
    a.set_xticks(range(len(errs)))
    a.set_xticklabels(labels, rotation=30, ha="right")
    a.set_ylabel(f"test error (%), {n_test} test digits")
    a.set_title(f"Seed {row['seed']}: each column and the averaged committee (95% CI)", fontsize=10)
    groups = [("best column", rows_of(record, "diverse", None), "diverse_best_column_error"),
              ("mean column", rows_of(record, "diverse", None), "diverse_mean_column_error"),
              ("committee\n(diverse)", rows_of(record, "diverse", None), "diverse_committee_error"),
              ("committee\n(same prep.)", rows_of(record, "same", "same-preprocessing"), "same_committee_error"),
              ("OdyssNet\ncommittee", rows_of(record, "diverse", "odyssnet"), "diverse_committee_error"),
              ("OdyssNet\nbest column", rows_of(record, "diverse", "odyssnet"), "diverse_best_column_error")]
    groups = [g for g in groups if g[1]]
    for k, (label, rows, key) in enumerate(groups):
        values = [100 * r[key] for r in rows]
        b.scatter(np.full(len(values), k) + np.linspace(-0.15, 0.15, len(values)), values, s=18,
                  color="C3" if "committee" in label else "C0", alpha=0.8)
        b.hlines(np.mean(values), k - 0.3, k + 0.3, color="k", lw=2)
    b.set_xticks(range(len(groups)))
    b.set_xticklabels([g[0] for g in groups], fontsize=8)
    b.set_ylabel("test error (%)")
    b.set_ylim(0, None)
    b.set_title("Every recorded committee (dots: seeds; bar: mean)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "column_vs_committee.png")


def fixes_and_breaks(record: dict, out: Path):
    ex = record["examples"]
    names = record["training"]["names"]
    digits = test_digits(record)
    shown = [("fixed", d) for d in ex["fixed"][:10]] + [("broken", d) for d in ex["broken"][:5]]
    cols = 5
    n_rows = max(1, int(np.ceil(len(shown) / cols)))
    fig, axes = plt.subplots(n_rows, cols, figsize=(2.6 * cols, 2.9 * n_rows))
    axes = np.atleast_2d(axes)
    best = names.index(ex["best_column"])
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (kind, d) in zip(axes.ravel(), shown):
        if digits is not None and d["index"] < len(digits[0]):
            ax.imshow(digits[0][d["index"]], cmap="gray_r")
        answers = " ".join(str(v) for v in d["columns"])
        ax.set_title(f"{'FIXED' if kind == 'fixed' else 'BROKEN'}  label {d['label']}\n"
                     f"best col ({ex['best_column']}) says {d['columns'][best]}, committee {d['committee']}\n"
                     f"columns: {answers}", fontsize=7.5, color="C2" if kind == "fixed" else "C3")
    fig.suptitle(f"Seed 0: the committee fixes {ex['n_fixed']} test digits its best column ({ex['best_column']}) "
                 f"gets wrong and breaks {ex['n_broken']} it gets right; {ex['all_columns_wrong']} digits "
                 f"every column gets wrong\n(columns in order: {', '.join(names)})", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "fixes_and_breaks.png")


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__.splitlines()[0], "viz")
    args = parser.parse_args(argv)
    record = recorded(__file__)
    if record is None or "training" not in record:
        parser.error("no recorded headline run in results.json: run mcdnn_image_bench.py --record first")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    preprocessings(record, out)
    filters(record, out)
    column_vs_committee(record, out)
    fixes_and_breaks(record, out)
    print(f"wrote {out}/*.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
