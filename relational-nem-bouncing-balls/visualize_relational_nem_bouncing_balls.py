"""Pictures for relational-nem-bouncing-balls (written to viz/):

    python3 relational-nem-bouncing-balls/visualize_relational_nem_bouncing_balls.py   # retrains seed 0 of R-NEM and N-EM

  per_step.png     from results.json: the next-frame BCE at every test step for every recorded row, on
                   4 balls and on 6-8 balls (teacher-forced, and the closed-loop rollout), and the AMI
                   at every step for the rows with slots
  seeds.png        from results.json: every seed's next-frame BCE on 4 and on 6-8 balls, per row, with
                   the R-NEM / N-EM pairs joined
  grouping.png     seed 0 of R-NEM and of N-EM (retrained) on a 4-ball and a 7-ball test sequence: the
                   frames, each slot's responsibilities (colour per slot) and the predicted next frame
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import relational_nem_bouncing_balls as rnem  # noqa: E402
from shared.frame.figures import figure_parser, recorded, save_png  # noqa: E402

COLOURS = np.array([[0.90, 0.16, 0.16], [0.13, 0.55, 0.95], [0.20, 0.75, 0.25], [0.95, 0.70, 0.10],
                    [0.60, 0.30, 0.80], [0.10, 0.80, 0.80], [0.95, 0.40, 0.70], [0.55, 0.35, 0.15]])
ROW_COLOURS = {"rnem": "tab:green", "solo": "tab:olive", "nem": "tab:red", "rnn": "tab:gray", "odyssnet": "tab:purple"}


def gamma_image(gamma: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """gamma (K, D) on the frame's foreground -> RGB (side, side, 3); background light grey."""
    K, D = gamma.shape
    side = int(round(np.sqrt(D)))
    rgb = np.clip(gamma.T @ COLOURS[:K], 0, 1)
    rgb = rgb * frame[:, None] + 0.88 * (1 - frame[:, None])
    return rgb.reshape(side, side, 3)


def rows_of(record: dict) -> dict:
    """{model: its part of the record} for every recorded row."""
    out = {"rnem": record} if record.get("seeds") else {}
    for name in ("solo", "nem", "rnn", "odyssnet"):
        if isinstance(record.get(name), dict):
            out[name] = record[name]
    return out


def per_step_table(part: dict) -> dict:
    for table in part.get("tables", []):
        if table["title"].startswith("Per test step"):
            return {row[0]: np.array(row[1:], float) for row in table["rows"]}
    return {}


def draw_per_step(record: dict, path: Path) -> None:
    parts = rows_of(record)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for name, part in parts.items():
        steps = per_step_table(part)
        if not steps:
            continue
        t = np.arange(1, len(steps["bce4"]) + 1)
        c = ROW_COLOURS[name]
        axes[0].plot(t, steps["bce4"], "-o", ms=3, color=c, label=f"{rnem.LABELS[name]}")
        axes[0].plot(t, steps["roll_bce4"], "--", color=c, alpha=0.7)
        axes[1].plot(t, steps["bce678"], "-o", ms=3, color=c, label=f"{rnem.LABELS[name]}")
        axes[1].plot(t, steps["roll_bce678"], "--", color=c, alpha=0.7)
        if "ami4" in steps:
            axes[2].plot(t, steps["ami4"], "-o", ms=3, color=c, label=f"{rnem.LABELS[name]}, 4 balls")
            axes[2].plot(t, steps["ami678"], ":s", ms=3, color=c, label=f"{rnem.LABELS[name]}, 6-8 balls")
    roll = rnem.HEADLINE.rollout_from
    for ax in axes[:2]:
        ax.axvline(roll + 0.5, color="k", lw=0.6)
        ax.text(roll + 0.7, ax.get_ylim()[1] * 0.97, "rollout (dashed):\nown predictions fed", fontsize=7, va="top")
        ax.set_xlabel("test step (frame predicted: step + 1)")
        ax.set_ylabel("next-frame BCE, nats per frame (sum over pixels)")
    axes[0].set_title("4 balls (as trained), K = 5")
    axes[1].set_title("6-8 balls (not trained on), K = 8")
    axes[2].set_title("grouping: AMI of argmax gamma (foreground)")
    axes[2].set_xlabel("test step")
    axes[2].set_ylabel("AMI")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    n = record.get("headline", {}).get("seeds", "?")
    fig.suptitle(f"Test figures per step, mean over {n} seeds (solid: teacher-forced; dashed: closed-loop "
                 f"from step {roll + 1})", fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def draw_seeds(record: dict, path: Path) -> None:
    parts = rows_of(record)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    names = [n for n in ("rnn", "odyssnet", "nem", "rnem", "solo") if n in parts]
    for ax, key, title in ((axes[0], "bce4", "4 balls"), (axes[1], "bce678", "6-8 balls (extrapolation)")):
        per = {n: {r["seed"]: r[key] for r in parts[n]["seeds"]["per_seed"]} for n in names}
        for i, n in enumerate(names):
            seeds = sorted(per[n])
            ax.scatter(np.full(len(seeds), i) + np.linspace(-0.15, 0.15, len(seeds)), [per[n][s] for s in seeds],
                       color=ROW_COLOURS[n], zorder=3)
            ax.plot([i - 0.25, i + 0.25], [np.mean(list(per[n].values()))] * 2, color="k", lw=2)
        if "rnem" in per and "nem" in per:
            i_r, i_n = names.index("rnem"), names.index("nem")
            seeds = sorted(set(per["rnem"]) & set(per["nem"]))
            offs = np.linspace(-0.15, 0.15, len(seeds))
            for o, s in zip(offs, seeds):
                ax.plot([i_n + o, i_r + o], [per["nem"][s], per["rnem"][s]], color="0.6", lw=0.7, zorder=1)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([rnem.LABELS[n].replace(", ", ",\n") for n in names], fontsize=8)
        ax.set_ylabel("next-frame BCE (nats per frame), test mean")
        ax.set_title(title)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("Every seed (dots; bar = mean); grey lines join R-NEM and N-EM of the same seed", fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def run_sequences(out: dict, rc, which: str, n: int, seed: int):
    """Run a trained model on the first n test sequences (4 or 6-8 balls), teacher-forced then closed
    loop from rc.rollout_from. Returns frames (T+1, n, D), groups, gamma (T, n, K, D), psi."""
    data = out["test4"] if which == "4" else out["test678"]
    K = out["K"] if which == "4" else out["K_many"]
    idx = np.arange(n)
    frames = data["images"][:, idx]
    p = out["params"]
    dtype = p["V"].dtype
    rng = np.random.default_rng([seed, 90])
    inputs = rnem.bitflip(rng, frames[:-1], rc.noise).astype(dtype)
    gamma0 = rnem.start_gamma(rng, n, K, frames.shape[-1], dtype)
    _, cache = rnem.unrolled_forward(p, out["cell"], K, inputs, frames[1:].astype(dtype), gamma0,
                                     np.ones(len(inputs)), keep=False, closed_from=rc.rollout_from)
    return frames, data["groups"][:, idx], cache["gamma"], cache["psi"], inputs


def trained(model: str, seed: int, quick: bool):
    """(settings, trained run) of the headline (or --quick) settings; the run is cached in the system's
    temporary folder under a name made of the settings, so the GIF script reuses this script's training."""
    rc = replace(rnem.HEADLINE, model=model)
    if quick:
        rc = replace(rc, **rnem.QUICK)
    key = hashlib.sha1(repr((rc, seed, rnem.SIZE, rnem.RADIUS)).encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"relational_nem_bouncing_balls_{model}_{key}.pkl"
    if cache.exists():
        return rc, pickle.loads(cache.read_bytes())
    print(f"training {rnem.LABELS[model]}, seed {seed}", flush=True)
    out = rnem.train(seed, rc, progress=False, keep=True)
    cache.write_bytes(pickle.dumps(out))
    return rc, out


def draw_grouping(models: dict, seed: int, path: Path) -> None:
    steps = [1, 4, 7, 9, 12, 14]
    fig, axes = plt.subplots(2 * (1 + 2 * len(models)), len(steps), figsize=(1.6 * len(steps), 2.9 * (1 + 2 * len(models))))
    r = 0
    for which in ("4", "678"):
        first = True
        for name, (rc, out) in models.items():
            frames, groups, gamma, psi, _ = run_sequences(out, rc, which, 1, seed)
            T = gamma.shape[0]
            cols = [s for s in steps if s < T]
            if first:
                for j, t in enumerate(cols):
                    axes[r, j].imshow(frames[t + 1, 0].reshape(rnem.SIZE, rnem.SIZE), cmap="gray_r", vmin=0, vmax=1)
                    axes[r, j].set_title(f"frame {t + 2}" + (" (rollout)" if t >= rc.rollout_from else ""), fontsize=7)
                axes[r, 0].set_ylabel(f"true\n({'4' if which == '4' else '6-8'} balls)", fontsize=8)
                r += 1
                first = False
            for j, t in enumerate(cols):
                amis = rnem.nem.grouping_ami(groups[t + 1], gamma[t])
                axes[r, j].imshow(gamma_image(gamma[t, 0], frames[t + 1, 0]))
                axes[r, j].set_xlabel(f"AMI {amis[0]:.2f}", fontsize=6)
                axes[r + 1, j].imshow(psi[t, 0].max(axis=0).reshape(rnem.SIZE, rnem.SIZE), cmap="magma", vmin=0, vmax=1)
            axes[r, 0].set_ylabel(f"{rnem.LABELS[name]}\ngamma", fontsize=8)
            axes[r + 1, 0].set_ylabel(f"{rnem.LABELS[name]}\nmax_k psi", fontsize=8)
            r += 2
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"Seed {seed}: a test sequence with 4 and one with 6-8 balls (K = 5 and 8)\ngamma: colour = slot, "
                 "on the true frame's balls; max_k psi: predicted frame (black 0 .. yellow 1);\n'rollout': the "
                 "model fed its own predictions", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.955))
    save_png(fig, path)
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    record = recorded(__file__)
    if record and not args.quick:
        draw_per_step(record, out_dir / "per_step.png")
        draw_seeds(record, out_dir / "seeds.png")
    models = {name: trained(name, args.seed, args.quick) for name in ("rnem", "nem")}
    draw_grouping(models, args.seed, out_dir / "grouping.png")
    print(f"wrote {out_dir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
