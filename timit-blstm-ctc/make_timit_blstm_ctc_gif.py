"""Animation for timit-blstm-ctc: CTC's output spikes forming over training.

    python3 timit-blstm-ctc/make_timit_blstm_ctc_gif.py   # writes timit_blstm_ctc.gif

Seed 0 of the recorded CTC section, retrained exactly (same data, same initial weights, same updates),
with the BLSTM's outputs on one test utterance taken after every epoch. Top: the utterance's 13
MFCC-like cepstra with the true phoneme boundaries (white) and labels. Middle: the per-frame softmax over
the 12 phonemes and the blank (last row). Bottom: the probability of each frame's most likely non-blank
phoneme, the blank's probability, and the two decodings of this epoch's outputs against the target.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import shared  # noqa: F401 -- first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np

import timit_blstm_ctc as tb
from shared.frame.figures import figure_parser, frame_of, save_gif
from shared.networks.ctc import edit_distance

WATCH = 0


def frame(x, labels, target, epoch, probs, cfg) -> plt.Figure:
    n = len(labels)
    bounds = np.flatnonzero(labels[1:] != labels[:-1]) + 0.5
    fig, axes = plt.subplots(3, 1, figsize=(9, 6.6), sharex=True, gridspec_kw={"height_ratios": [1.1, 1.3, 1]})
    axes[0].imshow(x.T, aspect="auto", origin="lower", cmap="coolwarm", vmin=-3, vmax=3)
    starts = np.r_[0, np.ceil(bounds).astype(int)]
    ends = np.r_[np.ceil(bounds).astype(int), n]
    for a, b, p in zip(starts, ends, target):
        axes[0].text((a + b - 1) / 2, tb.CEPSTRA - 1.8, str(p), color="k", ha="center", fontsize=9, weight="bold")
    for b in bounds:
        axes[0].axvline(b, color="w", lw=0.8)
    axes[0].set_ylabel("cepstrum")
    axes[0].set_title(f"CTC BLSTM, seed 0, after epoch {epoch} of {cfg.ctc_epochs}: one test utterance", fontsize=10)
    im = axes[1].imshow(probs.T, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                        interpolation="nearest")
    axes[1].set_yticks(list(range(0, tb.K, 2)) + [tb.BLANK])
    axes[1].set_yticklabels([str(k) for k in range(0, tb.K, 2)] + ["blank"])
    axes[1].set_ylabel("output")
    cax = fig.add_axes([0.92, 0.38, 0.015, 0.22])
    fig.colorbar(im, cax=cax, label="p")
    nonblank = probs[:, :tb.K]
    axes[2].plot(probs[:, tb.BLANK], color="0.6", label="blank")
    axes[2].plot(nonblank.max(1), color="C3", label="best phoneme")
    for t in np.flatnonzero(nonblank.max(1) > 0.5):
        axes[2].text(t, 1.04, str(int(nonblank[t].argmax())), ha="center", fontsize=7, color="C3")
    axes[2].set_ylim(0, 1.15)
    axes[2].set_ylabel("probability")
    axes[2].set_xlabel("frame")
    log_y = np.log(np.maximum(probs, 1e-300))
    best = tb.best_path_decode(log_y[None], blank=tb.BLANK)[0]
    prefix, _ = tb.segmented_prefix_search(log_y, cfg.blank_threshold, cfg.max_expansions)
    lb = edit_distance(best, target) / len(target)
    lp = edit_distance(prefix, target) / len(target)
    axes[2].set_title(f"target {' '.join(map(str, target))} | best path: {lb:.2f} LER | prefix search: {lp:.2f} LER",
                      fontsize=8)
    axes[2].legend(loc="center right", fontsize=7)
    fig.subplots_adjust(left=0.08, right=0.9, top=0.94, bottom=0.08, hspace=0.35)
    return fig


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "timit_blstm_ctc.gif")
    args = parser.parse_args(argv)
    cfg = tb.config_of(tb.parse_args(["--ctc"] + (["--quick"] if args.quick else [])))
    if args.quick:
        cfg = replace(cfg, ctc_epochs=5)          # a GIF needs five frames
    data = tb.data_for(args.seed, cfg)
    print(f"training the CTC BLSTM of seed {args.seed} ({cfg.ctc_epochs} epochs) with a snapshot per epoch", flush=True)
    r = tb.train_ctc(args.seed, cfg, data, snapshots=cfg.ctc_epochs, watch=WATCH)
    xte, yte, lte, zte = data[1]
    n = int(lte[WATCH])
    frames = []
    for epoch, probs in r["frames"]:
        fig = frame(xte[WATCH, :n], yte[WATCH, :n], zte[WATCH], epoch, probs, cfg)
        frames.append(frame_of(fig))
        plt.close(fig)
    save_gif(frames, args.out, fps=4)
    print(f"wrote {args.out}: {len(frames)} frames; LER best path {r['ler_best_path']:.4f}, prefix {r['ler_prefix']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
