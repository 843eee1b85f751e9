"""Animation for iam-handwriting: CTC's alignment of a handwritten line sharpening over training.

    python3 iam-handwriting/make_iam_handwriting_gif.py   # writes iam_handwriting.gif

Seed 0 of the recorded headline, retrained exactly (same synthetic corpus, same initial weights, same updates),
with the BLSTM's outputs on one test line (an unseen writer) taken after every epoch. Top: the pen path
(colour: time; dotted: pen up). Middle: the softmax over time (26 letters, space "_", blank). Bottom: the most
likely letter's probability and the blank's, and this epoch's best-path and token-passing + bigram readings.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import shared  # noqa: F401 -- first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np

import iam_handwriting as ih
from shared.frame.figures import figure_parser, frame_of, save_gif
from visualize_iam_handwriting import draw_line, text_of

WATCH = 0


def frame(line, target, epoch, probs, cfg, dictionary, lm) -> plt.Figure:
    n = len(probs)
    fig, axes = plt.subplots(3, 1, figsize=(10, 7), gridspec_kw={"height_ratios": [1.1, 1.5, 1]})
    draw_line(axes[0], line["xy"], line["up"])
    axes[0].set_title(f"BLSTM-CTC, seed 0, after epoch {epoch} of {cfg.epochs}: a test line of an unseen writer, "
                      f"target \"{text_of(target)}\"", fontsize=9)
    axes[0].set_xlabel("pen x", fontsize=8)
    axes[0].set_ylabel("pen y", fontsize=8)
    im = axes[1].imshow(probs.T, aspect="auto", origin="lower", cmap="magma", vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_yticks([0, 5, 10, 15, 20, ih.SPACE, ih.BLANK])
    axes[1].set_yticklabels(["a", "f", "k", "p", "u", "space", "blank"], fontsize=7)
    axes[1].set_ylabel("CTC output", fontsize=8)
    fig.colorbar(im, ax=axes[1], label="probability", fraction=0.03, pad=0.01)
    log_y = np.log(np.maximum(probs, 1e-300))
    nb = probs[:, :ih.BLANK]
    axes[2].plot(probs[:, ih.BLANK], color="0.6", label="blank")
    axes[2].plot(nb.max(1), color="C3", label="most likely letter / space")
    axes[2].set_xlim(-0.5, n - 0.5)
    axes[2].set_ylim(0, 1.05)
    axes[2].set_xlabel("pen sample (time)", fontsize=8)
    axes[2].set_ylabel("probability", fontsize=8)
    axes[2].legend(loc="lower right", fontsize=7)
    best = ih.best_path_decode(log_y[None], blank=ih.BLANK)[0]
    tp = ih.spell(ih.token_passing(log_y, dictionary, lm)[0], dictionary)
    axes[2].set_title(f"best path: \"{text_of(best)}\"   |   token passing + bigram: \"{text_of(tp)}\"", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "iam_handwriting.gif")
    args = parser.parse_args(argv)
    cfg = ih.config_of(ih.parse_args(["--quick"] if args.quick else []))
    if args.quick:
        cfg = replace(cfg, epochs=5)          # a GIF needs five frames
    data = ih.make_corpus(args.seed, cfg.corpus)
    print(f"training the BLSTM of seed {args.seed} ({cfg.epochs} epochs) with a snapshot per epoch", flush=True)
    _, _, losses, snaps = ih.train("BLSTM", args.seed, cfg, data, snapshots=cfg.epochs, watch=WATCH)
    dictionary = [[ih.LETTERS.index(c) for c in w] + [ih.SPACE] for w in data["words"]]
    line = data["test"][WATCH]
    frames = [frame_of(frame(line, line["labels"], epoch, probs, cfg, dictionary, data["lm"]))
              for epoch, probs in snaps]
    save_gif(frames, args.out, fps=2)
    print(f"wrote {args.out}: {len(frames)} frames; final training CTC loss {losses[-1]:.2f} per line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
