"""Static figures for clockwork-rnn (seed 0's runs, the generators, and the recorded sweeps).

    python3 clockwork-rnn/visualize_clockwork_rnn.py     # writes viz/*.png

- targets.png: what the generation task asks: the recorded seeds' 320-sample speech-like targets and
  their spectra (formant peaks over the pitch harmonics).
- generation.png: seed 0's target beside what each network generates after training, and the NMSE
  curves over training.
- modules.png: the trained CW-RNN of seed 0: each module's units over time (slow on top) and the
  module's share of the output (its units times their read-out weights).
- words.png: the synthetic spoken words: the filter-bank frames of the five words of one suffix group
  (one speaker) and of one word by three speakers; seed 0's test error over training per network.
- results.png: the recorded per-seed figures (results.json): NMSE per seed and network, test error
  per seed and network.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import clockwork_rnn as cw
from shared.frame.figures import figure_parser, recorded, save_png

COLORS = {"cw": "C0", "srn": "C3", "lstm": "C2", "odyssnet": "C4"}


def targets(out: Path, seeds) -> None:
    fig, axes = plt.subplots(len(seeds), 2, figsize=(9.6, 1.5 * len(seeds) + 0.6), squeeze=False,
                             gridspec_kw={"width_ratios": [2, 1]})
    for row, s in zip(axes, seeds):
        w, info = cw.vowel_waveform(np.random.default_rng([s, 3]))
        row[0].plot(w, color="k", lw=0.8)
        row[0].set_ylabel(f"seed {s}: /{info['vowel']}/\n{info['f0']:.0f} Hz\namplitude", fontsize=7)
        row[0].set_xlim(0, cw.STEPS - 1)
        f = np.fft.rfftfreq(cw.STEPS, 1 / cw.RATE)
        p = np.abs(np.fft.rfft(w * np.hanning(cw.STEPS))) ** 2
        row[1].semilogy(f, p + 1e-6, color="C0", lw=0.8)
        row[1].set_xlim(0, 4000)
        row[1].set_ylabel("power", fontsize=7)
    axes[-1, 0].set_xlabel("time step (8 kHz samples)")
    axes[-1, 1].set_xlabel("frequency (Hz)")
    axes[0, 0].set_title("320-sample targets (glottal pulses through three formant resonators)", fontsize=9)
    axes[0, 1].set_title("power spectrum", fontsize=9)
    fig.tight_layout()
    save_png(fig, out / "targets.png")


def generation(out: Path, seed: int, quick: bool) -> dict:
    epochs = 20 if quick else cw.EPOCHS["gen"]
    res = {k: cw.train_generation(k, seed, epochs, cw.LR["gen"][k]) for k in cw.MODELS}
    fig, axes = plt.subplots(2, 1, figsize=(9.6, 6.0), gridspec_kw={"height_ratios": [3, 2]})
    ax = axes[0]
    ax.plot(res["cw"]["target"], color="k", lw=2.2, label="target")
    for k in cw.MODELS:
        ax.plot(res[k]["y"], color=COLORS[k], lw=1, label=f"{cw.NAMES[k]}: NMSE {res[k]['nmse']:.3g} "
                                                          f"({res[k]['weights']} weights)")
    ax.set_xlabel("time step")
    ax.set_ylabel("amplitude")
    ax.set_xlim(0, cw.STEPS - 1)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"seed {seed}: each network's output after {epochs} epochs of RMSProp (constant input)", fontsize=9)
    ax = axes[1]
    for k in cw.MODELS:
        e, v = np.array(res[k]["curve"]).T
        ax.loglog(e, v, color=COLORS[k], label=cw.NAMES[k])
    ax.set_xlabel("epoch")
    ax.set_ylabel("NMSE")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, out / "generation.png")
    return res


def modules(out: Path, res: dict) -> None:
    net = res["cw"]["net"].net
    h = res["cw"]["h"]
    k, periods = net.module_size, net.periods
    w_out = net.params["W_out"][:, 0]
    fig, axes = plt.subplots(len(periods), 2, figsize=(9.6, 8.0), sharex=True)
    for row, m in zip(axes, range(len(periods) - 1, -1, -1)):
        units = h[:, m * k:(m + 1) * k]
        row[0].plot(units, lw=0.8)
        row[0].set_ylim(-1.05, 1.05)
        row[0].set_ylabel(f"T={periods[m]}", fontsize=7, rotation=0, labelpad=18)
        row[0].tick_params(labelsize=6)
        share = units @ w_out[m * k:(m + 1) * k]
        row[1].plot(res["cw"]["target"], color="0.8", lw=0.8)
        row[1].plot(share, color="C0", lw=0.9)
        row[1].set_ylim(-1.6, 1.6)
        row[1].tick_params(labelsize=6)
    axes[0, 0].set_title("seed 0's trained CW-RNN: each module's 4 units (slowest on top)", fontsize=9)
    axes[0, 1].set_title("the module's share of the output (blue; the target grey)", fontsize=9)
    axes[-1, 0].set_xlabel("time step")
    axes[-1, 1].set_xlabel("time step")
    fig.tight_layout()
    save_png(fig, out / "modules.png")


def words(out: Path, seed: int, quick: bool) -> None:
    data = cw.word_corpus(seed)
    fig = plt.figure(figsize=(9.6, 6.4))
    x, y = data["x_train"], data["y_train"]
    group = 2
    for j in range(5):
        ax = fig.add_axes([0.06 + 0.172 * j, 0.58, 0.15, 0.33])
        sample = x[np.flatnonzero(y == group * 5 + j)[0]]
        image = ax.imshow(sample.T, aspect="auto", origin="lower", cmap="magma", vmin=-2.5, vmax=2.5)
        onset, suffix = cw.ONSETS[j], cw.SUFFIXES[group]
        ax.set_title(f"word {group * 5 + j}: {'-'.join(onset)}+{'-'.join(suffix)}", fontsize=8)
        ax.set_xlabel("frame (10 ms)", fontsize=7)
        ax.tick_params(labelsize=6)
        if j == 0:
            ax.set_ylabel("mel band", fontsize=7)
    fig.colorbar(image, cax=fig.add_axes([0.92, 0.58, 0.012, 0.33])).set_label("standardised log energy", fontsize=7)
    fig.text(0.06, 0.95, f"the five words of suffix group {group} (speaker 0): they differ only in their first "
                         f"~200 ms", fontsize=9)
    epochs = 5 if quick else cw.EPOCHS["words"]
    ax = fig.add_axes([0.08, 0.08, 0.85, 0.36])
    for k in cw.MODELS:
        r = cw.train_words(k, seed, epochs, cw.LR["words"][k], data)
        e, _, te = np.array(r["curve"]).T
        ax.plot(e, te, color=COLORS[k], label=f"{cw.NAMES[k]} ({r['weights']} weights): final {r['test_error']:.2f}")
    ax.axhline(1 - 1 / 25, color="0.5", ls=":", lw=0.8, label="chance")
    ax.set_xlabel("epoch (full batch of 125 training words)")
    ax.set_ylabel("test error (50 words)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    ax.set_title(f"seed {seed}: test error over training", fontsize=9)
    save_png(fig, out / "words.png")


def results(out: Path, record: dict) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.8))
    gen = record["seeds"]["per_seed"]
    odd = {r["seed"]: r for r in (record.get("odyssnet") or {}).get("seeds", {}).get("per_seed", [])}
    seeds = [r["seed"] for r in gen]
    for i, k in enumerate([*cw.MODELS, "odyssnet"]):
        vals = [r.get(f"nmse_{k}", odd.get(r["seed"], {}).get(f"nmse_{k}")) for r in gen]
        if any(v is None for v in vals):
            continue
        axes[0].bar(np.arange(len(seeds)) + 0.2 * i - 0.3, vals, 0.2, color=COLORS[k], label=cw.NAMES[k])
    axes[0].set_yscale("log")
    axes[0].set_ylim(top=20)
    axes[0].set_xticks(np.arange(len(seeds)))
    axes[0].set_xticklabels([f"{r['seed']}\n/{r['vowel']}/" for r in gen], fontsize=7)
    axes[0].set_xlabel("seed (target vowel)")
    axes[0].set_ylabel("NMSE after training")
    axes[0].set_title("generation, recorded", fontsize=9)
    axes[0].legend(fontsize=7, ncol=2)
    w = (record.get("words") or {}).get("seeds", {}).get("per_seed", [])
    wo = {r["seed"]: r for r in (record.get("words-odyssnet") or {}).get("seeds", {}).get("per_seed", [])}
    for i, k in enumerate([*cw.MODELS, "odyssnet"]):
        vals = [r.get(f"error_{k}", wo.get(r["seed"], {}).get(f"error_{k}")) for r in w]
        if not vals or any(v is None for v in vals):
            continue
        axes[1].bar(np.arange(len(w)) + 0.2 * i - 0.3, vals, 0.2, color=COLORS[k], label=cw.NAMES[k])
    axes[1].set_xticks(np.arange(len(w)))
    axes[1].set_xticklabels([str(r["seed"]) for r in w])
    axes[1].set_xlabel("seed")
    axes[1].set_ylabel("test error (50 words)")
    axes[1].set_ylim(0, 1.3)
    axes[1].set_title("spoken words, recorded", fontsize=9)
    axes[1].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    save_png(fig, out / "results.png")


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    targets(out, range(2 if args.quick else 5))
    res = generation(out, args.seed, args.quick)
    modules(out, res)
    words(out, args.seed, args.quick)
    record = recorded(__file__)
    if record and record.get("seeds") and not args.quick:
        results(out, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
