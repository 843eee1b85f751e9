"""Static figures for blues-improvisation: a long free run against the form (piano roll and the whole
run bar by bar), the chord match per chorus over the free runs of every seed, the chord blocks' cell
states across choruses, the training curves; and a MIDI file of the free run's first choruses.

    python3 blues-improvisation/visualize_blues_improvisation.py      # writes blues-improvisation/viz/*.png (~1 min)

The mechanism figures retrain seed 0 of the headline (a seed computes the same alone as in the
recorded sweep) and compose its first free run again; the per-chorus curves and the training
curves are drawn from the recorded results.json, so they show the figures the README quotes.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import blues_improvisation as bl
from shared.frame.figures import figure_parser, recorded, save_png

CHORD_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#eeeeee", "#c44e52"]      # C7 F7 G7 silence other
CHORD_LABELS = ["C7", "F7", "G7", "no chord", "other"]


def seed_run(seed: int, quick: bool, keep_cells: int = 3 * bl.CHORUS, model: str = "lstm", quick_choruses: int = 3):
    """Seed ``seed`` of the headline (or of section ``model``) retrained, and its first free run."""
    budget, choruses = (12, quick_choruses) if quick else (bl.BUDGET, bl.FREE_CHORUSES)
    row, curve, (chords, melody), cells, learner = bl.run_seed(model, seed, budget, choruses, bl.FREE_RUNS,
                                                              keep_cells=keep_cells)
    return {"row": row, "curve": curve, "chords": chords[0], "melody": melody[0], "cells": cells,
            "learner": learner, "choruses": choruses, "model": model}


def draw_roll(ax, chords, melody, start: int, steps: int, title: str) -> None:
    """Piano roll of steps start..start+steps: melody notes, the played chord as a band, the form above."""
    t = np.arange(start, start + steps)
    names = bl.chord_names(chords[t])
    form = bl.FORM_CODES[t % bl.CHORUS]
    cmap = ListedColormap(CHORD_COLOURS)
    ax.imshow(names[None], aspect="auto", cmap=cmap, vmin=-0.5, vmax=4.5, extent=(start, start + steps, -3.2, -1.2))
    ax.imshow(form[None], aspect="auto", cmap=cmap, vmin=-0.5, vmax=4.5, extent=(start, start + steps, 13.6, 15.1),
              alpha=0.6)
    wrong = names != form
    if wrong.any():
        ax.scatter(t[wrong] + 0.5, np.full(wrong.sum(), -3.8), marker="|", color="#c44e52", s=30)
    notes = melody[t] != bl.REST
    tones = bl.FORM_STEPS[t % bl.CHORUS][np.arange(steps), np.where(notes, melody[t] % 12, 0)] & notes
    ax.scatter(t[notes & tones] + 0.5, melody[t][notes & tones], s=9, color="k", marker="s", label="chord tone")
    ax.scatter(t[notes & ~tones] + 0.5, melody[t][notes & ~tones], s=9, color="0.55", marker="s", label="other pitch")
    for bar in range(start, start + steps + 1, bl.STEPS_PER_BAR):
        ax.axvline(bar, color="0.85" if bar % bl.CHORUS else "0.4", lw=0.6 if bar % bl.CHORUS else 1.2, zorder=0)
        if bar < start + steps:
            ax.text(bar + bl.STEPS_PER_BAR / 2, 14.35, bl.FORM[(bar // bl.STEPS_PER_BAR) % 12], ha="center", va="center", fontsize=6)
    ax.set_yticks([0, 3, 5, 7, 10, 12, -2.2, 14.35])
    ax.set_yticklabels(["C4", "Eb", "F", "G", "Bb", "C5", "played chord", "form"], fontsize=7)
    ax.set_ylim(-4.3, 15.3)
    ax.set_xlim(start, start + steps)
    ax.set_title(title, fontsize=9)


def piano_roll(run: dict, out: Path) -> None:
    n = run["choruses"]
    spans = [(0, min(2, n)), (max(n - 2, 0), n)]
    fig, axes = plt.subplots(len(spans), 1, figsize=(12, 6.2))
    for ax, (a, b) in zip(axes, spans):
        draw_roll(ax, run["chords"], run["melody"], a * bl.CHORUS, (b - a) * bl.CHORUS,
                  f"seed 0, free run 1: choruses {a + 1}-{b} of {n} (bars {12 * a + 1}-{12 * b}), composed with no "
                  f"guidance; red ticks: steps whose chord is not the form's")
    axes[-1].set_xlabel("time step (quarter notes)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="lower right", ncol=2)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    save_png(fig, out / "piano_roll.png")


def whole_run(run: dict, out: Path, name: str = "whole_free_run.png") -> None:
    """Every bar of the 100-chorus free run: its chord (all steps the same: that chord; else 'other')."""
    chords, n = run["chords"], run["choruses"]
    names = bl.chord_names(chords).reshape(n, bl.BARS, bl.STEPS_PER_BAR)
    bar = np.where(np.all(names == names[..., :1], axis=-1), names[..., 0], 4)
    fig, axes = plt.subplots(1, 2, figsize=(10, 6.5), gridspec_kw={"width_ratios": [12, 1.4]})
    cmap = ListedColormap(CHORD_COLOURS)
    im = axes[0].imshow(bar, aspect="auto", cmap=cmap, vmin=-0.5, vmax=4.5, interpolation="nearest",
                        extent=(0.5, 12.5, n + 0.5, 0.5))
    miss = bar != bl.FORM_CODES[::bl.STEPS_PER_BAR][None]
    rows, cols = np.nonzero(miss)
    axes[0].scatter(cols + 1, rows + 1, marker="x", color="k", s=8, lw=0.6)
    axes[0].set_xticks(range(1, 13))
    axes[0].set_xticklabels([f"{i}\n{c}" for i, c in enumerate(bl.FORM, 1)], fontsize=7)
    axes[0].set_xlabel("bar of the chorus, and the form's chord")
    axes[0].set_ylabel("chorus of the free run")
    who = "partitioned LSTM" if run["model"] == "lstm" else "LSTM without the partition"
    axes[0].set_title(f"{who}, seed 0, free run 1: the chord of each of its {12 * n:,} bars\n(x: not the form's; "
                      f"{miss.sum()} of {miss.size})", fontsize=9)
    cbar = fig.colorbar(im, ax=axes[0], ticks=range(5), fraction=0.04)
    cbar.ax.set_yticklabels(CHORD_LABELS, fontsize=7)
    per = 1 - miss.mean(axis=1)
    axes[1].plot(per, np.arange(1, n + 1), color="k", lw=1)
    axes[1].set_ylim(n + 0.5, 0.5)
    axes[1].set_xlim(-0.05, 1.05)
    axes[1].set_xlabel("bars matching", fontsize=8)
    axes[1].set_yticks([])
    fig.tight_layout()
    save_png(fig, out / name)


def chorus_curves(record: dict | None, run: dict, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(9, 4.2))
    sections = [(None, "partitioned LSTM (headline)", "C0"), ("lstm-full", "LSTM without the partition (ours)", "C1"),
                ("rnn", "tanh RNN (ours)", "C3"), ("odyssnet", "OdyssNet core (ours)", "C2")]
    drawn = False
    for section, label, colour in sections:
        part = record if section is None else (record or {}).get(section)
        curves = (part or {}).get("chorus_curves")
        if not curves:
            continue
        data = np.array(list(curves.values()))
        x = np.arange(1, data.shape[1] + 1)
        for c in data:
            ax.plot(x, c, color=colour, lw=0.7, alpha=0.45)
        ax.plot(x, data.mean(axis=0), color=colour, lw=2.2, label=f"{label}: {len(data)} seeds, thin; mean, thick")
        drawn = True
    if not drawn:                                       # before the first recorded run: this run's seed 0
        ax.plot(np.arange(1, len(run["row"]["curve"]) + 1), run["row"]["curve"], color="C0", label="seed 0 (this run)")
    ax.axhline(bl.KEPT, color="0.5", ls="--", lw=0.8, label=f"{bl.KEPT:g}: the verdict's 'kept' level")
    ax.axvspan(0.5, bl.EARLY + 0.5, color="0.93", zorder=0)
    ax.axvspan(bl.FREE_CHORUSES - bl.LATE + 0.5, bl.FREE_CHORUSES + 0.5, color="0.93", zorder=0)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("chorus of the free run (12 bars each; grey: the early and late choruses the drift compares)")
    ax.set_ylabel("share of the 12 bars with the form's chord\n(mean of 4 free runs per seed)")
    ax.set_title("Does the composer stay on the 12-bar form? Free runs of 100 choruses, every seed", fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    save_png(fig, out / "chord_match_per_chorus.png")


def chord_cells(run: dict, out: Path) -> None:
    cells = run["cells"]                               # (steps, 16)
    steps = len(cells)
    fig, axes = plt.subplots(2, 1, figsize=(11, 5.6), sharex=True, gridspec_kw={"height_ratios": [1, 2.2]})
    chord_cells_ = cells[:, :bl.CHORD_BLOCKS * bl.BLOCK_SIZE].T
    for i, s in enumerate(chord_cells_):
        axes[0].plot(np.arange(steps) + 0.5, s, lw=1, label=f"chord cell {i + 1}")
    axes[0].set_ylabel("cell state")
    axes[0].legend(fontsize=6, ncol=4, loc="upper right")
    limit = max(np.abs(cells).max(), 1e-9)
    im = axes[1].imshow(cells.T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest",
                        extent=(0, steps, cells.shape[1] + 0.5, 0.5))
    axes[1].axhline(bl.CHORD_BLOCKS * bl.BLOCK_SIZE + 0.5, color="k", lw=1)
    axes[1].set_yticks([1, 8, 9, 16])
    axes[1].set_yticklabels(["chord 1", "chord 8", "melody 1", "melody 8"], fontsize=7)
    fig.colorbar(im, ax=list(axes), fraction=0.03, label="cell state (heat map)")
    for ax in axes:
        for bar in range(0, steps + 1, bl.STEPS_PER_BAR):
            ax.axvline(bar, color="0.75" if bar % bl.CHORUS else "k", lw=0.5 if bar % bl.CHORUS else 1.2, zorder=0)
    for bar in range(0, steps, bl.STEPS_PER_BAR):
        axes[0].text(bar + bl.STEPS_PER_BAR / 2, 1.02, bl.FORM[(bar // bl.STEPS_PER_BAR) % 12], transform=axes[0].get_xaxis_transform(), ha="center",
                     fontsize=6)
    axes[1].set_xlabel("time step of the free run (quarter notes; black lines: chorus starts)")
    axes[0].set_xlim(0, steps)
    axes[0].set_title("partitioned LSTM, seed 0, composing its first three choruses: the cell states (the form's "
                      "chords above)", fontsize=9, pad=14)
    save_png(fig, out / "chord_cell_states.png")


def training_curves(record: dict | None, run: dict, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    sections = [(None, "partitioned LSTM", "C0"), ("lstm-full", "LSTM without the partition (ours)", "C1"),
                ("rnn", "tanh RNN (ours)", "C3"), ("odyssnet", "OdyssNet (ours)", "C2")]
    drawn = False
    for section, label, colour in sections:
        part = record if section is None else (record or {}).get(section)
        curves = (part or {}).get("training_curves")
        if not curves:
            continue
        for i, c in enumerate(curves.values()):
            c = np.array(c)
            axes[0].plot(c[:, 0], c[:, 1], color=colour, lw=0.8, alpha=0.6, label=label if i == 0 else None)
            axes[1].plot(c[:, 0], c[:, 2], color=colour, lw=0.8, alpha=0.6, label=label if i == 0 else None)
        drawn = True
    if not drawn:
        c = np.array(run["curve"])
        axes[0].plot(c[:, 0], c[:, 1], color="C0", label="seed 0 (this run)")
        axes[1].plot(c[:, 0], c[:, 2], color="C0", label="seed 0 (this run)")
    axes[1].axhline(5 / bl.CHORUS, color="0.4", ls="--", lw=0.8,
                    label=f"always keep the current chord (5 of {bl.CHORUS})")
    axes[0].set_ylabel("next-step loss per step (nats)")
    axes[1].set_ylabel("steps whose predicted chord is wrong")
    axes[1].set_yscale("symlog", linthresh=1e-3)
    axes[1].set_ylim(0, 1)
    axes[0].set_yscale("log")
    for ax in axes:
        ax.set_xlabel(f"training windows ({bl.BATCH} streams x {bl.WINDOW} steps each)")
        ax.legend(fontsize=7)
    fig.suptitle("Training on the corpus (teacher forced), every seed", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def write_midi(chords: np.ndarray, melody: np.ndarray, path: Path, tempo_bpm: int = 120) -> None:
    """A type-0 MIDI file (standard library only): melody on channel 1 (a quarter note per step), the
    played chord on channel 2, held while it lasts. 480 ticks a quarter note."""
    tick = 480
    events = []                                          # (time, order, bytes)
    for t, code in enumerate(melody):
        if code != bl.REST:
            events += [(t * tick, 1, bytes([0x90, bl.LOW + int(code), 90])),
                       (t * tick + tick - 10, 0, bytes([0x80, bl.LOW + int(code), 0]))]
    start = 0
    for t in range(1, len(chords) + 1):
        if t == len(chords) or not np.array_equal(chords[t], chords[start]):
            for pc in np.flatnonzero(chords[start]):
                note = 48 + int(pc)
                events += [(start * tick, 1, bytes([0x91, note, 60])), (t * tick - 5, 0, bytes([0x81, note, 0]))]
            start = t
    events.sort(key=lambda e: (e[0], e[1]))

    def varlen(n: int) -> bytes:
        out = [n & 0x7F]
        while n > 0x7F:
            n >>= 7
            out.append((n & 0x7F) | 0x80)
        return bytes(reversed(out))

    track, now = bytearray(), 0
    track += varlen(0) + b"\xff\x51\x03" + (60_000_000 // tempo_bpm).to_bytes(3, "big")
    track += varlen(0) + bytes([0xC0, 0]) + varlen(0) + bytes([0xC1, 0])          # piano on both channels
    for time, _, data in events:
        track += varlen(time - now) + data
        now = time
    track += varlen(0) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
    path.write_bytes(header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def main() -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = None if args.quick else recorded(bl.__file__)
    run = seed_run(args.seed, args.quick)
    piano_roll(run, out)
    whole_run(run, out)
    chorus_curves(record, run, out)
    chord_cells(run, out)
    training_curves(record, run, out)
    whole_run(seed_run(args.seed, args.quick, model="lstm-full"), out, "whole_free_run_lstm_full.png")
    if not args.quick:
        n = 4 * bl.CHORUS
        write_midi(run["chords"][:n], run["melody"][:n], out / "free_run_seed0_4_choruses.mid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
