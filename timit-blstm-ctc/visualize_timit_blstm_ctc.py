"""Figures for timit-blstm-ctc (written to viz/):

    python3 timit-blstm-ctc/visualize_timit_blstm_ctc.py

- corpus.png: the phoneme inventory's formant targets (confusable pairs side by side) and one utterance:
  its log mel spectrogram with the phoneme boundaries, and the 13 cepstra the nets read.
- framewise_outputs.png: seed 0's five nets (retrained exactly as the recorded headline) on one test
  utterance: each net's framewise softmax output (rows: phonemes), the true labels outlined.
- results.png: the recorded framewise test errors per net and seed, and the CTC label error rates of
  best-path and prefix-search decoding per seed (from results.json).
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # noqa: F401 -- first: it pins the BLAS and SIMD kernels before numpy loads

import matplotlib.pyplot as plt
import numpy as np

import timit_blstm_ctc as tb
from shared.frame.figures import figure_parser, recorded, save_png

SHOW = 0   # the test utterance drawn


def corpus_figure(out: Path):
    formants, _, _, _ = tb.inventory()
    x, y, lengths, strings, log_mel = tb.make_corpus(1, 10_001)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), gridspec_kw={"width_ratios": [1, 2, 2]})
    ax = axes[0]
    for k in range(tb.K):
        ax.scatter([k] * 3, formants[k], color=f"C{k // 2}", marker="o" if k % 2 == 0 else "s")
    ax.set_xticks(range(tb.K))
    ax.set_xlabel("phoneme (colour: pair; square: long)")
    ax.set_ylabel("formant target (mel band)")
    ax.set_title("inventory: F1, F2, F3 per phoneme")
    n = lengths[0]
    lab = y[0, :n]
    bounds = np.flatnonzero(lab[1:] != lab[:-1]) + 0.5
    im = axes[1].imshow(log_mel[0].T, aspect="auto", origin="lower", cmap="magma")
    fig.colorbar(im, ax=axes[1], label="log mel energy")
    axes[1].set_title("one utterance: log mel spectrogram, phonemes")
    axes[1].set_xlabel("frame")
    axes[1].set_ylabel("mel band")
    starts = np.r_[0, np.ceil(bounds).astype(int)]
    ends = np.r_[np.ceil(bounds).astype(int), n]
    for a, b, p in zip(starts, ends, strings[0]):
        axes[1].text((a + b - 1) / 2, tb.BANDS - 1.2, str(p), color="w", ha="center", fontsize=9)
    im = axes[2].imshow(x[0, :n].T, aspect="auto", origin="lower", cmap="coolwarm")
    fig.colorbar(im, ax=axes[2], label="cepstral coefficient")
    axes[2].set_title("its 13 cepstra (DCT-II): the nets' input")
    axes[2].set_xlabel("frame")
    axes[2].set_ylabel("coefficient")
    for ax in axes[1:]:
        for b in bounds:
            ax.axvline(b, color="w", lw=0.6)
    fig.tight_layout()
    save_png(fig, out / "corpus.png")
    plt.close(fig)


def framewise_figure(out: Path, cfg: tb.Config, seed: int):
    data = tb.data_for(seed, cfg)
    xte, yte, lte, _ = data[1]
    n = int(lte[SHOW])
    fig, axes = plt.subplots(len(tb.ARCHS), 1, figsize=(11, 2.0 * len(tb.ARCHS)), sharex=True)
    for ax, arch in zip(axes, tb.ARCHS):
        print(f"training {arch} (seed {seed})", flush=True)
        r = tb.train_framewise(arch, seed, cfg, data)
        net = r["net"]
        delay = 0 if arch in tb.BIDIRECTIONAL else cfg.delay
        xd, _, ld = tb.delayed(xte[SHOW:SHOW + 1, :n], yte[SHOW:SHOW + 1, :n], lte[SHOW:SHOW + 1], delay)
        p = np.exp(tb.log_softmax(net.forward(xd, ld)))[0, delay:delay + n]
        im = ax.imshow(p.T, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        ax.plot(np.arange(n), yte[SHOW, :n], "r.", ms=4, label="true phoneme")
        err = float((p.argmax(1) != yte[SHOW, :n]).mean())
        ax.set_title(f"{arch}{'' if delay == 0 else f' (target delay {delay})'}: this utterance's frame error {err:.2f}; "
                     f"test set {r['test_error']:.3f}", fontsize=9)
        ax.set_ylabel("phoneme")
        fig.colorbar(im, ax=ax, label="p(phoneme)")
    axes[0].legend(loc="upper right", fontsize=7)
    axes[-1].set_xlabel("frame")
    fig.suptitle(f"framewise outputs of each net on one test utterance (seed {seed}, retrained as recorded)")
    fig.tight_layout()
    save_png(fig, out / "framewise_outputs.png")
    plt.close(fig)


def results_figure(out: Path, record: dict):
    rows = record["seeds"]["per_seed"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    ax = axes[0]
    for i, arch in enumerate(tb.ARCHS):
        v = [r[f"{arch}_error"] for r in rows]
        ax.scatter(np.full(len(v), i) + np.linspace(-0.15, 0.15, len(v)), v, s=14, color=f"C{i}")
        ax.hlines(np.mean(v), i - 0.3, i + 0.3, color="k")
    if "odyssnet" in record:
        v = [r["OdyssNet_error"] for r in record["odyssnet"]["seeds"]["per_seed"]]
        ax.scatter(np.full(len(v), 5) + np.linspace(-0.15, 0.15, len(v)), v, s=14, color="C5")
        ax.hlines(np.mean(v), 4.7, 5.3, color="k")
    names = list(tb.ARCHS) + (["OdyssNet"] if "odyssnet" in record else [])
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names)
    ax.set_ylabel("framewise test error")
    ax.set_title(f"framewise phoneme classification, {len(rows)} seeds (bar: mean)")
    ax = axes[1]
    if "ctc" in record:
        c = record["ctc"]["seeds"]["per_seed"]
        for r in c:
            ax.plot([0, 1], [r["ler_best_path"], r["ler_prefix"]], "o-", color="0.5")
        ax.plot([0, 1], [np.mean([r["ler_best_path"] for r in c]), np.mean([r["ler_prefix"] for r in c])], "ko-",
                lw=2, label="mean")
        ax.set_xticks([0, 1])
        ax.set_xticklabels(["best path", "prefix search"])
        ax.set_xlim(-0.4, 1.4)
        ax.legend()
    ax.set_ylabel("label error rate (test)")
    ax.set_title("CTC BLSTM: decoding the same outputs two ways, per seed")
    fig.tight_layout()
    save_png(fig, out / "results.png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = tb.config_of(tb.parse_args(["--quick"] if args.quick else []))
    corpus_figure(out)
    framewise_figure(out, cfg, args.seed)
    record = recorded(tb.__file__)
    if record and "seeds" in record:
        results_figure(out, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
