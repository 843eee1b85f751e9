"""Figures for iam-handwriting (written to viz/):

    python3 iam-handwriting/visualize_iam_handwriting.py

- trajectories.png: the synthetic script: the 26 letters' pen paths, and test lines of three unseen writers
  (pen-down strokes coloured by time, pen-up travel dotted) with their transcriptions.
- alignment.png: seed 0's BLSTM (retrained exactly as the recorded headline) on one test line: its pen path,
  the CTC outputs over time (letters, space, blank), and the line read by best path, by token passing over
  the dictionary and by token passing + bigram LM; the test line drawn is the one on which the bigram lowers
  the character error most against best path (said in the figure).
- results.png: the recorded word accuracy and character error per decoding and per model, every seed shown
  (from results.json).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401 -- first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np

import iam_handwriting as ih
from shared.frame.figures import figure_parser, recorded, save_png

def text_of(labels) -> str:
    return "".join(ih.LETTERS[v] if v < 26 else ("_" if v == ih.SPACE else "") for v in labels)


def draw_line(ax, xy, up, cmap="viridis"):
    """Pen-down samples as coloured strokes (colour: time), pen-up travel dotted grey."""
    t = np.arange(len(xy))
    down = up == 0
    start = 0
    for i in range(1, len(xy) + 1):
        if i == len(xy) or down[i] != down[start]:
            seg = slice(max(start - 1, 0), i) if not down[start] else slice(start, i)
            if down[start]:
                ax.plot(xy[seg, 0], xy[seg, 1], color="0.75", lw=0.8, zorder=1)
                ax.scatter(xy[seg, 0], xy[seg, 1], c=t[seg], cmap=cmap, s=7, vmin=0, vmax=len(xy), zorder=2)
            else:
                ax.plot(xy[max(start - 1, 0):min(i + 1, len(xy)), 0], xy[max(start - 1, 0):min(i + 1, len(xy)), 1],
                        ":", color="0.5", lw=1)
            start = i
    ax.set_aspect("equal")


def trajectories_figure(out: Path, spec):
    letters = ih.alphabet()
    fig = plt.figure(figsize=(13, 8.5))
    grid = fig.add_gridspec(4, 13, height_ratios=[1, 1, 1.3, 1.3])
    for i, p in enumerate(letters):
        ax = fig.add_subplot(grid[i // 13, i % 13])
        pts = np.vstack([[0, ih.JOIN_Y], p, [1, ih.JOIN_Y]])
        curve = ih.catmull_rom(pts)
        ax.plot(curve[:, 0], curve[:, 1], color="C0")
        ax.plot(pts[:, 0], pts[:, 1], "o", ms=2.5, color="C3")
        ax.set_title(ih.LETTERS[i], fontsize=11)
        ax.set_xlim(-0.2, 1.2)
        ax.set_ylim(-1.1, 2.1)
        ax.set_xticks([])
        ax.set_yticks([])
    data = ih.make_corpus(0, spec)
    per = spec.test_lines_per_writer
    for row, writer in enumerate((0, 1)):
        ax = fig.add_subplot(grid[2 + row, :])
        line = data["test"][writer * per]
        draw_line(ax, line["xy"], line["up"])
        ax.set_title(f"test writer {writer + 1} (unseen in training): \"{' '.join(data['words'][w] for w in line['words'])}\""
                     f" — {len(line['xy'])} pen samples", fontsize=10)
        ax.set_xlabel("pen x")
        ax.set_ylabel("pen y")
    fig.suptitle("The synthetic script: 26 letters (control points red, joined at height 0.25), and cursive lines of "
                 "two writers (colour: time; dotted: pen up)", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "trajectories.png")
    plt.close(fig)


def alignment_figure(out: Path, cfg, seed: int):
    data = ih.make_corpus(seed, cfg.corpus)
    net, stats, _, _ = ih.train("BLSTM", seed, cfg, data)
    x, lengths, labels, _ = ih.batch_of(data["test"], stats)
    dictionary = [[ih.LETTERS.index(c) for c in w] + [ih.SPACE] for w in data["words"]]
    all_logits = net.forward(x, lengths)
    gain = []                                   # the line on which the bigram helps most over best path
    for b in range(len(lengths)):
        ly = ih.log_softmax(all_logits[b:b + 1, :lengths[b]])[0]
        bp = ih.best_path_decode(all_logits[b:b + 1], lengths[b:b + 1], blank=ih.BLANK)[0]
        lm_read = ih.spell(ih.token_passing(ly, dictionary, data["lm"])[0], dictionary)
        gain.append(ih.char_error([bp], [labels[b]]) - ih.char_error([lm_read], [labels[b]]))
    show = int(np.argmax(gain))
    n = int(lengths[show])
    logits = all_logits[show:show + 1, :n]
    log_y = ih.log_softmax(logits)[0]
    probs = np.exp(log_y)
    best = ih.best_path_decode(logits, lengths[show:show + 1], blank=ih.BLANK)[0]
    tp = ih.spell(ih.token_passing(log_y, dictionary, None)[0], dictionary)
    tp_lm = ih.spell(ih.token_passing(log_y, dictionary, data["lm"])[0], dictionary)
    line = data["test"][show]
    fig, axes = plt.subplots(3, 1, figsize=(12, 8.5), gridspec_kw={"height_ratios": [1.2, 1.6, 0.9]})
    draw_line(axes[0], line["xy"], line["up"])
    axes[0].set_title(f"test line {show} of {len(lengths)} (unseen writer; the line where the bigram gains most over best path): "
                      f"target \"{text_of(labels[show])}\" (_ = space: the pen lift)",
                      fontsize=10)
    axes[0].set_xlabel("pen x")
    axes[0].set_ylabel("pen y")
    im = axes[1].imshow(probs.T, aspect="auto", origin="lower", cmap="magma", vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_yticks(range(ih.K))
    axes[1].set_yticklabels(list(ih.LETTERS) + ["_", "blank"], fontsize=6)
    axes[1].set_ylabel("CTC output")
    axes[1].set_xlabel("pen sample (time)")
    fig.colorbar(im, ax=axes[1], label="output probability", fraction=0.03, pad=0.01)
    axes[1].set_title("BLSTM softmax over time: mostly blank, a spike per letter", fontsize=10)
    ax = axes[2]
    ax.plot(probs[:, ih.BLANK], color="0.6", label="blank")
    nb = probs[:, :ih.BLANK]
    ax.plot(nb.max(1), color="C3", label="most likely letter / space")
    for t in np.flatnonzero(nb.max(1) > 0.5):
        k = int(nb[t].argmax())
        ax.text(t, 1.03, ih.LETTERS[k] if k < 26 else "_", ha="center", fontsize=8, color="C3")
    ax.set_ylim(0, 1.2)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xlabel("pen sample (time)")
    ax.set_ylabel("probability")
    ax.legend(loc="lower right", fontsize=7)
    target = labels[show]
    ax.set_title(f"best path: \"{text_of(best)}\" (CER {ih.char_error([best], [target]):.2f})   |   dictionary: "
                 f"\"{text_of(tp)}\"   |   dictionary + bigram: \"{text_of(tp_lm)}\" (CER {ih.char_error([tp_lm], [target]):.2f})",
                 fontsize=9)
    fig.suptitle(f"BLSTM-CTC, seed {seed}, retrained as recorded", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "alignment.png")
    plt.close(fig)


def results_figure(out: Path, record: dict):
    models = [("BLSTM", record.get("seeds")), ("LSTM", (record.get("lstm") or {}).get("seeds")),
              ("OdyssNet", (record.get("odyssnet") or {}).get("seeds")),
              ("HMM-like (best = letter loop)", (record.get("hmm") or {}).get("seeds"))]
    models = [(m, s["per_seed"]) for m, s in models if s]
    modes = [("best", "best path"), ("dict", "dictionary"), ("lm", "dictionary\n+ bigram LM")]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
    width = 0.8 / len(models)
    for j, (model, rows) in enumerate(models):
        for ax, key in zip(axes, ("wacc", "cer")):
            vals = np.array([[r[f"{key}_{m}"] for m, _ in modes] for r in rows])
            xs = np.arange(len(modes)) + (j - (len(models) - 1) / 2) * width
            ax.bar(xs, vals.mean(0), width * 0.9, color=f"C{j}", alpha=0.75, label=model)
            for v in vals:
                ax.plot(xs, v, "k.", ms=4)
    for ax, name in zip(axes, ("word accuracy", "character error rate")):
        ax.set_xticks(range(len(modes)))
        ax.set_xticklabels([m[1] for m in modes])
        ax.set_ylabel(f"{name} (test lines, unseen writers)")
        ax.axhline(0, color="k", lw=0.5)
    axes[0].set_title("word accuracy by decoding (bars: mean, dots: seeds)")
    axes[1].set_title("character error by decoding")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "results.png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = ih.config_of(ih.parse_args(["--quick"] if args.quick else []))
    trajectories_figure(out, cfg.corpus)
    alignment_figure(out, cfg, args.seed)
    record = recorded(ih.__file__)
    if record and "seeds" in record:
        results_figure(out, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
