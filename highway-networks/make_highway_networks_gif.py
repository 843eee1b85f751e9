"""Animation for highway-networks: seed 0's 50-layer highway net training on real MNIST digits.

    python3 highway-networks/make_highway_networks_gif.py   # writes highway_networks.gif

Retrains seed 0's depth-50 highway net of the recorded headline (same data, initial learning rate and
gate bias as results.json's table, same seed and batch order: the numbers are the recorded run's) and
draws, every 8 mini-batches: the training cross-entropy so far beside the recorded depth-50 plain and
residual nets (every seed's curve, per epoch), the mean transform gate T of every unit of every layer on
500 test digits, and the mean gate per layer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import matplotlib.pyplot as plt
import numpy as np

import highway_networks as hn
from shared.frame.figures import figure_parser, frame_of, recorded, save_gif
from shared.networks.optim import SGD


def setting(record: dict | None, depth: int):
    """(lr, gate bias, epochs, n_train) of the recorded highway net of this depth."""
    if record:
        for row in record["tables"][0]["rows"]:
            if row[0] == "highway" and row[1] == depth:
                return float(row[3]), float(row[4]), record["config"]["epochs"], record["config"]["n_train"]
    return 0.1, -4.0, 3, 500


def frame(batches_seen, per_epoch, epoch_ce, running, t, depth, epochs, recorded_curves):
    fig = plt.figure(figsize=(11, 4.4))
    grid = fig.add_gridspec(1, 3, width_ratios=[1.1, 1.2, 0.7])
    ax = fig.add_subplot(grid[0])
    for kind, color in (("plain", "C0"), ("residual", "C1")):
        for i, r in enumerate(recorded_curves.get(f"{kind}_d{depth}", [])):
            ax.plot(range(len(r)), r, color=color, lw=0.8, alpha=0.5, label=f"{kind}, every seed (recorded)" if i == 0 else None)
    if running:
        x = np.array([b for b, _ in running]) / per_epoch
        ax.plot(x, [c for _, c in running], color="C2", lw=0.8, alpha=0.5, label="highway, mini-batch loss")
    ax.plot(range(len(epoch_ce)), epoch_ce, "o-", color="C2", lw=2, label="highway seed 0, whole training set")
    ax.axhline(np.log(10), color="0.5", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_ylim(0.01, 12)
    ax.set_xlim(0, epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (nats)")
    ax.legend(fontsize=6.5, loc="lower left")
    ax.set_title(f"{depth} layers: training cross-entropy", fontsize=9)
    ax = fig.add_subplot(grid[1])
    m = t.mean(axis=1)                                      # (blocks, units)
    from matplotlib.colors import LogNorm
    im = ax.imshow(np.maximum(m, 1e-4), aspect="auto", cmap="viridis", norm=LogNorm(1e-4, 1.0), origin="lower",
                   extent=(-0.5, m.shape[1] - 0.5, 1.5, m.shape[0] + 1.5))
    fig.colorbar(im, ax=ax, fraction=0.046, label="mean T over 500 test digits (log)")
    ax.set_xlabel("unit of the layer")
    ax.set_ylabel("highway layer")
    ax.set_title("transform gates per unit", fontsize=9)
    ax = fig.add_subplot(grid[2])
    layers = np.arange(2, len(m) + 2)
    spread = t.mean(axis=2).std(axis=1)
    ax.plot(m.mean(axis=1), layers, color="C2")
    ax.fill_betweenx(layers, np.maximum(m.mean(axis=1) - spread, 1e-5), m.mean(axis=1) + spread, color="C2",
                     alpha=0.25)
    ax.axvline(1 / (1 + np.exp(6)), color="0.5", ls=":", lw=1, label="T at b_T = -6")
    ax.set_xscale("log")
    ax.set_xlim(1e-4, 1)
    ax.legend(fontsize=6.5, loc="upper right")
    ax.set_ylim(1.5, len(m) + 1.5)
    ax.set_xlabel("mean T (band: spread over digits)")
    ax.set_title("gate activity per layer", fontsize=9)
    fig.suptitle(f"Seed 0's {depth}-layer highway net after {batches_seen} mini-batches "
                 f"({batches_seen / per_epoch:.2f} epochs) on MNIST-10k digits", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    args = figure_parser(__file__, __doc__, "highway_networks.gif").parse_args(argv)
    record = None if args.quick else recorded(Path(__file__).with_name("highway_networks.py"))
    depth = 10 if args.quick else 50
    lr, bias, epochs, n_train = setting(record, depth)
    data = hn.load_digits(hn.DEFAULT_DATA, n_train, 500)
    x, y = data["x_train"], data["y_train"]
    # the loop of hn.train, step for step, with snapshots
    rng = np.random.default_rng([args.seed, depth, hn.KINDS.index("highway")])
    p = hn.init_net("highway", depth, rng, bias)
    opt = SGD(p, lr=lr, momentum=0.9)
    batch, per_epoch = 100, len(x) // 100
    epoch_ce = [min(hn.evaluate(p, "highway", x, y)["ce"], hn.CE_CAP)]
    recorded_curves = {}
    for part in [record or {}] + [v for v in (record or {}).values() if isinstance(v, dict) and "curves" in v]:
        recorded_curves.update({k: v for k, v in (part.get("curves") or {}).items() if k.endswith(f"_d{depth}")})
    every = 8 if not args.quick else max(1, per_epoch // 2)       # --quick: two frames an epoch
    frames, running, seen = [], [], 0
    frames.append(frame_of(frame(0, per_epoch, epoch_ce, running, hn.forward(p, "highway", data["x_test"])[2],
                                 depth, epochs, recorded_curves), dpi=60))
    for epoch in range(epochs):
        opt.lr = lr * 0.8 ** epoch
        order = rng.permutation(len(x))
        for s in range(0, len(x) - batch + 1, batch):
            idx = order[s:s + batch]
            loss, grads = hn.loss_and_grads(p, "highway", x[idx], y[idx])
            opt.step(grads)
            seen += 1
            running.append((seen, loss))
            if seen % every == 0 and s + batch < len(x) - batch + 1:
                frames.append(frame_of(frame(seen, per_epoch, epoch_ce, running,
                                             hn.forward(p, "highway", data["x_test"])[2], depth, epochs,
                                             recorded_curves), dpi=60))
        epoch_ce.append(min(hn.evaluate(p, "highway", x, y)["ce"], hn.CE_CAP))
        frames.append(frame_of(frame(seen, per_epoch, epoch_ce, running, hn.forward(p, "highway", data["x_test"])[2],
                                     depth, epochs, recorded_curves), dpi=60))
        print(f"  epoch {epoch + 1}/{epochs}: training cross-entropy {epoch_ce[-1]:.4f}", flush=True)
    if record:
        want = record["curves"][f"highway_d{depth}"][0]
        if not np.allclose(want, np.round(epoch_ce, 5), atol=1e-4):
            print(f"warning: retrained curve {np.round(epoch_ce, 5).tolist()} differs from the record {want}",
                  file=sys.stderr)
    frames += [frames[-1]] * 4
    save_gif(frames, Path(args.out), fps=4)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
