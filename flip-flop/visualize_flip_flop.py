"""Static figures for flip-flop: training curves, a test stream, C's hidden state holding the latch,
Hinton diagrams of C's and M's weights, M's pain landscape, every recorded seed.

    python3 flip-flop/visualize_flip_flop.py          # writes flip-flop/viz/*.png

Trains seed 0 in both regimes with the headline settings (about half a minute; the nets are taken
as they were at the check that solved the run); the sweep figure draws the recorded runs in
results.json, so it shows exactly the figures the README quotes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

import flip_flop as ff
from shared.frame.figures import figure_parser, save_png

HERE = Path(__file__).resolve().parent
EVENT_COLORS = {0: "C3", 1: "C2", 2: "0.75"}
INPUT_NAMES = ["A", "B", "X", "bias", "pain(t-1)"]


def headline_config(regime: str, quick: bool) -> ff.Config:
    cfg = replace(ff.Config(), regime=regime)
    if quick:
        cfg = replace(cfg, budget=40 * cfg.streams * cfg.window, model_iters=15, eval_every=5, test_streams=5,
                      test_steps=60)
    return cfg


def train_headline(seed: int, regime: str, quick: bool, snapshot_every: int = 0) -> tuple[ff.Config, dict]:
    cfg = headline_config(regime, quick)
    run = ff.train([seed], cfg, keep_curve=True, snapshot_every=snapshot_every)
    return cfg, run


def nets_of(cfg: ff.Config, run: dict):
    """Seed 0's C and M (one-seed banks) as they were when the run was solved (or at its end)."""
    nets = run["nets"][0]
    return ff.bank_of(nets["controller"]), ff.bank_of(nets["model"])


def test_stream(cfg: ff.Config, controller, model, index: int = 0) -> dict:
    """The deterministic C on one test stream: observations, actions, pain, M's prediction, C's states."""
    events, desired, scored = ff.test_set(cfg)
    events, desired = events[None, index: index + 1], desired[None, index: index + 1]
    run = ff.rollout(controller, events, desired, np.zeros(events.shape), cfg, deterministic=True)
    controller.forward(run["obs"])
    hidden = controller.hidden_states()[0, 0]
    predicted = model.forward(ff.model_input(run["obs"], run["actions"]))[0, 0, :, 0]
    return {"events": events[0, 0], "desired": desired[0, 0], "scored": scored[index], "actions": run["actions"][0, 0],
            "pain": run["pain"][0, 0], "predicted": predicted, "hidden": hidden, "obs": run["obs"]}


def draw_events(ax, events: np.ndarray, y: float = 1.13, fontsize: int = 6) -> None:
    """Event letters along the top of an axis (A red, B green, X grey)."""
    for t, e in enumerate(events):
        if e < 2:
            ax.text(t, y, ff.EVENTS[e], ha="center", va="center", fontsize=fontsize, color=EVENT_COLORS[e],
                    fontweight="bold", transform=ax.get_xaxis_transform())


def training_curves(runs: dict, out: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.2), sharex="col")
    for col, (regime, (cfg, run)) in enumerate(runs.items()):
        curve = run["curves"][0]
        row = run["rows"][0]
        steps = np.array([c["steps"] for c in curve])
        ax = axes[0, col]
        ax.semilogy(steps, [c["test_max_pain"] for c in curve], color="C3", label="worst scored test step")
        ax.semilogy(steps, [c["test_mean_pain"] for c in curve], color="C1", label="mean over scored test steps")
        ax.axhline(ff.SOLVE_PAIN, color="k", ls=":", lw=1, label=f"solved below {ff.SOLVE_PAIN}")
        ax.set_ylabel("pain of the deterministic C")
        status = f"solved after {row['steps_to_solve']} steps" if row["solved"] else "not solved"
        ax.set_title(f"{regime} regime, seed 0: {status}", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
        ax = axes[1, col]
        ax.semilogy(steps, [c["model_loss"] for c in curve], color="C0",
                    label="M: squared error of its predicted pain on the training windows")
        ax.semilogy(steps, [max(c["train_pain"], 1e-6) for c in curve], color="C2", alpha=0.7,
                    label="pain felt in training (with exploration noise)")
        ax.set_xlabel("environment time steps")
        ax.legend(fontsize=7, loc="lower left")
        if regime == "sequential":
            phase = cfg.model_iters * cfg.streams * cfg.window
            for a in axes[:, col]:
                a.axvspan(0, phase, color="C0", alpha=0.08)
            axes[0, col].text(phase / 2, 0.5, "M learns,\nC waits", ha="center", fontsize=8, color="C0",
                              transform=axes[0, col].get_xaxis_transform())
    fig.suptitle("flip-flop: C learns only through M's predicted pain (continually running streams)", fontsize=11)
    fig.tight_layout()
    save_png(fig, out / "training_curves.png")


def test_stream_figure(stream: dict, out: Path, title: str) -> None:
    t = np.arange(stream["events"].size)
    fig, axes = plt.subplots(2, 1, figsize=(11, 5.2), sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    ax = axes[0]
    ax.axvspan(-0.5, np.flatnonzero(stream["scored"])[0] - 0.5, color="0.9", lw=0)
    ax.step(t, stream["desired"], where="mid", color="k", lw=1.5, label="latch (never shown to C)")
    ax.plot(t, stream["actions"], "o-", color="C1", ms=2.5, lw=1.1, label="C's output y")
    draw_events(ax, stream["events"], y=1.04)
    ax.set_ylim(-0.15, 1.2)
    ax.set_ylabel("output")
    ax.legend(loc="center right", fontsize=8)
    ax.set_title(title, fontsize=10, pad=14)
    ax = axes[1]
    ax.semilogy(t, np.maximum(stream["pain"], 1e-8), color="C3", label="pain felt")
    ax.semilogy(t, np.maximum(np.abs(stream["predicted"]), 1e-8), "--", color="C0", label="|pain predicted by M|")
    ax.axhline(ff.SOLVE_PAIN, color="k", ls=":", lw=1)
    ax.set_ylabel("pain")
    ax.set_xlabel("time step of the test stream (grey: before the first event, not scored)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    save_png(fig, out / "test_stream.png")


def hidden_state_figure(stream: dict, out: Path, title: str) -> None:
    """C's 16 hidden units over a test stream, ordered by their correlation with the latch."""
    hidden, desired = stream["hidden"], stream["desired"]
    scored = stream["scored"]
    corr = np.array([np.corrcoef(hidden[scored, j], desired[scored])[0, 1] if hidden[scored, j].std() > 1e-9 else 0.0
                     for j in range(hidden.shape[1])])
    order = np.argsort(-corr)
    t = np.arange(desired.size)
    fig, axes = plt.subplots(2, 1, figsize=(11, 6.4), sharex=True, gridspec_kw={"height_ratios": [2.4, 1]})
    ax = axes[0]
    image = ax.imshow(hidden[:, order].T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest",
                      extent=(-0.5, t[-1] + 0.5, hidden.shape[1] - 0.5, -0.5))
    ax.set_yticks(range(hidden.shape[1]), [f"h{j} ({corr[j]:+.2f})" for j in order], fontsize=6)
    ax.set_ylabel("C's hidden unit (correlation with the latch)", fontsize=8)
    draw_events(ax, stream["events"], y=1.03)
    for e_t in np.flatnonzero(stream["events"] < 2):
        ax.axvline(e_t - 0.5, color=EVENT_COLORS[stream["events"][e_t]], lw=0.6, alpha=0.6)
    ax.set_title(title, fontsize=10, pad=14)
    fig.colorbar(image, ax=axes, location="right", fraction=0.03, pad=0.01, label="activation tanh(.)")
    ax = axes[1]
    ax.step(t, desired, where="mid", color="k", lw=1.5, label="latch (never shown to C)")
    ax.plot(t, stream["actions"], color="C1", lw=1.2, label="C's output y")
    ax.plot(t, (hidden[:, order[0]] + 1) / 2, color="C4", lw=1, alpha=0.8,
            label=f"unit h{order[0]}, rescaled to (0, 1)")
    ax.set_ylim(-0.1, 1.1)
    ax.set_xlabel("time step of the test stream")
    ax.legend(fontsize=7, loc="center right")
    save_png(fig, out / "hidden_state.png")


def hinton(ax, matrix: np.ndarray, scale: float, title: str, rows: list[str] | None = None,
           cols: list[str] | None = None) -> None:
    """Hinton diagram: a square per weight, area proportional to |w| / scale, red positive, blue negative."""
    ax.set_facecolor("0.93")
    n_rows, n_cols = matrix.shape
    for (i, j), w in np.ndenumerate(matrix):
        side = np.sqrt(min(abs(w) / scale, 1.0)) * 0.95
        ax.add_patch(Rectangle((j - side / 2, i - side / 2), side, side, color="C3" if w > 0 else "C0", lw=0))
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(n_rows - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=8)
    ax.set_yticks(range(n_rows), rows if rows else [str(i) for i in range(n_rows)], fontsize=5.5)
    labels = cols if cols else [str(j) for j in range(n_cols)]
    ax.set_xticks(range(n_cols), labels, fontsize=5.5, rotation=90 if max(map(len, labels)) > 2 else 0)
    ax.tick_params(length=0)


def hinton_figure(controller, model, out: Path, title: str) -> None:
    pc = {k: v[0] for k, v in controller.params.items()}
    pm = {k: v[0] for k, v in model.params.items()}
    scale = max(np.abs(v).max() for p in (pc, pm) for k, v in p.items() if k in ("W", "U", "V"))
    hidden = [f"h{j}" for j in range(pc["U"].shape[0])]
    fig = plt.figure(figsize=(12, 7.2))
    grid = fig.add_gridspec(2, 4, width_ratios=[6, 16, 1.6, 1.6], wspace=0.35, hspace=0.35)
    for row, (name, p, inputs) in enumerate((("C", pc, INPUT_NAMES), ("M", pm, INPUT_NAMES + ["action y"]))):
        hinton(fig.add_subplot(grid[row, 0]), p["W"].T, scale, f"{name}: input -> hidden (W, transposed)", hidden,
               inputs)
        hinton(fig.add_subplot(grid[row, 1]), p["U"].T, scale, f"{name}: hidden -> hidden (U, row = receiving unit)",
               hidden, hidden)
        outputs = ["pain"] if name == "M" else ["y"] if p["V"].shape[1] == 1 else ["mean", "std"]
        hinton(fig.add_subplot(grid[row, 2]), p["V"], scale, f"{name}: read-out", hidden, outputs)
        hinton(fig.add_subplot(grid[row, 3]), p["b"][:, None], scale, "bias", hidden, ["b"])
    key = fig.add_axes([0.915, 0.03, 0.075, 0.16])
    hinton(key, np.array([[scale], [scale / 4], [-scale], [-scale / 4]]), scale, "size key",
           [f"+{scale:.2g}", f"+{scale / 4:.2g}", f"-{scale:.2g}", f"-{scale / 4:.2g}"], [""])
    fig.suptitle(title + "  (area of a square ~ |weight|; red positive, blue negative)", fontsize=10)
    save_png(fig, out / "hinton.png")


def pain_landscape(cfg: ff.Config, controller, model, stream: dict, out: Path) -> None:
    """M's predicted pain at one step as a function of the action taken there (C's actions elsewhere)."""
    events, desired, actions, obs = stream["events"], stream["desired"], stream["actions"], stream["obs"]
    grid = np.linspace(-0.2, 1.2, 57)
    picks = []
    for want, event in ((0.0, 0), (1.0, 1)):   # per latch value: the step of an event that set it, the last X after it
        setting = np.flatnonzero((desired == want) & (events == event))
        waiting = np.flatnonzero((desired == want) & (events == 2) & stream["scored"])
        picks += [int(i) for i in (setting[:1].tolist() + waiting[-1:].tolist())]
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    for k, step in enumerate(picks):
        tried = np.repeat(actions[None], grid.size, axis=0)
        tried[:, step] = grid
        batch_obs = np.repeat(obs[0], grid.size, axis=0)[None]            # (1, G, T, 5)
        pred = model.forward(ff.model_input(batch_obs, tried[None]))[0, :, step, 0]
        color = f"C{k}"
        ax.plot(grid, pred, color=color,
                label=f"step {step}: latch {int(desired[step])}, event {ff.EVENTS[events[step]]}")
        ax.plot(grid, (grid - desired[step]) ** 2, ":", color=color, lw=1)
        ax.axvline(desired[step], color=color, lw=0.6, alpha=0.5)
    ax.set_xlabel("action y at that step")
    ax.set_ylabel("pain predicted by M (dotted: true pain)")
    ax.set_title("M's pain landscape on a test stream (parallel regime, seed 0)", fontsize=10)
    ax.legend(fontsize=7)
    ax.set_ylim(-0.1, 1.5)
    fig.tight_layout()
    save_png(fig, out / "pain_landscape.png")


SWEEP_GROUPS = ((None, "headline"), ("truncated", "same-step gradient"), ("episodic", "episodes reset"),
                ("adaptive-randomness", "adaptive randomness"), ("blind-model", "M never learns"),
                ("odyssnet", "OdyssNet as C"), ("odyssnet-m", "OdyssNet as M"))


def sweep_figure(out: Path) -> None:
    """Steps to solve per seed for every recorded configuration (results.json)."""
    path = HERE / "results.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    groups = {}
    for key, label in SWEEP_GROUPS:
        rec = record if key is None else record.get(key)
        if not rec or not rec.get("seeds"):
            continue
        for row in rec["seeds"]["per_seed"]:
            groups.setdefault(f"{label}, {row['regime']}", []).append(row)
    fig, ax = plt.subplots(figsize=(9, 0.7 + 0.42 * max(len(groups), 1)))
    budget = ff.Config.budget
    for i, (name, rows) in enumerate(groups.items()):
        solved = [r["steps_to_solve"] for r in rows if r["solved"]]
        failed = sum(not r["solved"] for r in rows)
        ax.scatter(solved, np.full(len(solved), i), color="C0", s=12, alpha=0.7, zorder=3)
        if failed:
            ax.scatter(np.full(failed, budget * 1.04), i + np.linspace(-0.25, 0.25, failed), marker="x", color="C3",
                       s=12, zorder=3)
        if solved:
            ax.plot([np.median(solved)] * 2, [i - 0.3, i + 0.3], color="C0", lw=2)
        ax.text(budget * 1.09, i, f"{len(solved)}/{len(rows)}", va="center", fontsize=8)
    ax.set_yticks(range(len(groups)), list(groups), fontsize=8)
    ax.axvline(budget, color="k", ls=":", lw=1)
    ax.set_xlim(0, budget * 1.17)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v / 1e6:g}"))
    ax.set_xlabel("environment steps to solve, millions (dot: a seed; bar: median; x: unsolved at 10^6)")
    ax.set_title("flip-flop: every recorded seed (results.json)", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "sweep.png")


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "viz").parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = {regime: train_headline(args.seed, regime, args.quick) for regime in ff.REGIMES}
    training_curves(runs, out)
    cfg, run = runs["parallel"]
    controller, model = nets_of(cfg, run)
    stream = test_stream(cfg, controller, model)
    when = (f"solved after {run['rows'][0]['steps_to_solve']} steps" if run["rows"][0]["solved"]
            else f"not solved in {run['steps_used']} steps")
    test_stream_figure(stream, out, f"parallel regime, seed {args.seed} ({when}): the deterministic C on the "
                                    f"first test stream (A red, B green)")
    hidden_state_figure(stream, out, f"C's hidden state holding the latch: parallel regime, seed {args.seed} ({when}),"
                                     f" first test stream")
    hinton_figure(controller, model, out, f"C and M of seed {args.seed}, parallel regime ({when})")
    pain_landscape(cfg, controller, model, stream, out)
    sweep_figure(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
