"""Static pictures of Evolino on superimposed sines and Mackey-Glass (one seed, the recorded configuration):

  viz/sines_free_run.png     the evolved LSTM and the ESN generating the sines on their own, against the target
  viz/evolution.png          ESP's best validation NRMSE per generation (sines and Mackey-Glass), burst mutations
  viz/cell_states.png        the evolved LSTM's cell outputs and cell states while it runs free
  viz/mackey_glass.png       84-step free runs from held-out starts (Evolino, ESN) against the series

Run:  python3 evolino-sines-mackey-glass/visualize_evolino_sines_mackey_glass.py [--seed 0] [--quick]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import shared  # noqa: F401  (first: the kernel pins)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.frame.figures import figure_parser, save_png  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evolino_sines_mackey_glass as ev  # noqa: E402


def configs(quick: bool, sines: int = 3):
    argv = ["--quick"] if quick else []
    s = ev.config_of(ev.parse_args(argv + ["--sines", str(sines)]))
    m = ev.config_of(ev.parse_args(argv + ["--task", "mackey"]))
    return s, m


def run_one(cfg, seed: int):
    """Evolino on one seed -> (row, extra) as run_evolino returns them for that seed."""
    rows, extra = ev.run_evolino(cfg, [seed], progress=True)
    return rows[0], extra[seed]


def cell_trace(cfg, genome, weights, data):
    """The evolved LSTM teacher-forced through the training data, then free-running over the test
    horizon: the outputs, cell outputs h and cell states c of the free run."""
    net = ev.make_net(cfg, genome[None])
    train = data["train"][None]
    _, state = ev.drive(net, train)
    prev = train[:, -1:]
    ys, hs, cs = [], [], []
    for _ in range(cfg.test):
        state = net.step(prev, state)
        y = float(weights[:-1] @ net.features(state)[0] + weights[-1])
        ys.append(y)
        hs.append(state[0][0].copy())
        cs.append(state[1][0].copy())
        prev = np.array([[y]])
    return np.array(ys), np.array(hs), np.array(cs)


def main(argv=None) -> int:
    parser = figure_parser(__file__, __doc__, "viz")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    s_cfg, m_cfg = configs(args.quick)
    s_row, s_ex = run_one(s_cfg, args.seed)
    esn_rows, esn_ex = ev.run_esn(replace(s_cfg, model="esn"), [args.seed], progress=False)
    data = s_ex["data"]
    n_train = len(data["train"])
    t_test = np.arange(n_train, n_train + s_cfg.test)

    fig, axes = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True)
    for ax, pred, name, score in ((axes[0], s_ex["pred"], "Evolino LSTM (ESP + pseudo-inverse)", s_row["test_nrmse"]),
                                  (axes[1], esn_ex[args.seed]["pred"], f"ESN ({s_cfg.esn_units} units)",
                                   esn_rows[0]["test_nrmse"])):
        ax.plot(np.arange(n_train), data["train"], color="0.6", lw=1, label="training data (teacher-forced)")
        ax.plot(t_test, data["test"], color="k", lw=1.2, label="target")
        ax.plot(t_test, pred, color="C3", lw=1.2, ls="--", label="free-running output")
        ax.axvline(n_train, color="C0", lw=0.8)
        ax.set_ylim(-1.6, 1.6)
        ax.set_ylabel("y(t)")
        ax.set_title(f"{name}: {s_cfg.sines} sines, test NRMSE {score:.3g} (seed {args.seed})", fontsize=10)
    axes[0].legend(loc="upper left", fontsize=8, ncol=3)
    axes[1].set_xlabel("time step t (the vertical line: the net starts running on its own output)")
    fig.tight_layout()
    save_png(fig, out / "sines_free_run.png")

    m_row, m_ex = run_one(m_cfg, args.seed)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.semilogy(np.arange(1, len(s_ex["curve"]) + 1), s_ex["curve"], label=f"{s_cfg.sines} sines")
    ax.semilogy(np.arange(1, len(m_ex["curve"]) + 1), m_ex["curve"], label="Mackey-Glass")
    ax.set_xlabel("ESP generation")
    ax.set_ylabel("best validation NRMSE so far (free run)")
    ax.set_title(f"Evolution (seed {args.seed}): {s_cfg.size * s_cfg.trials} nets a generation; "
                 f"bursts: {s_row['bursts']} (sines), {m_row['bursts']} (MG)", fontsize=10)
    ax.legend()
    fig.tight_layout()
    save_png(fig, out / "evolution.png")

    ys, hs, cs = cell_trace(s_cfg, s_ex["genome"], s_ex["weights"], data)
    fig, axes = plt.subplots(3, 1, figsize=(10, 7), sharex=True, gridspec_kw={"height_ratios": [1, 2, 2]})
    axes[0].plot(t_test, data["test"], "k", lw=1, label="target")
    axes[0].plot(t_test, ys, "C3--", lw=1, label="output")
    axes[0].legend(fontsize=8, loc="upper right")
    axes[0].set_ylabel("y")
    for ax, arr, name in ((axes[1], hs, "cell output h"), (axes[2], cs, "cell state c")):
        lim = max(float(np.abs(arr).max()), 1e-6)
        im = ax.imshow(arr.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                       extent=(t_test[0], t_test[-1], arr.shape[1] - 0.5, -0.5))
        ax.set_ylabel(f"{name}\n(cell)")
        fig.colorbar(im, ax=ax, pad=0.01)
    axes[2].set_xlabel("time step t (free run)")
    axes[0].set_title("The evolved LSTM's cells while it generates the sines on its own", fontsize=10)
    fig.tight_layout()
    save_png(fig, out / "cell_states.png")

    esn_m, esn_mex = ev.run_esn(replace(m_cfg, model="esn"), [args.seed], progress=False)
    mdata = m_ex["data"]
    span = m_cfg.mg_warm + 84
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, runs, name, score in ((axes[0], m_ex["pred"], "Evolino LSTM", m_row["test_nrmse"]),
                                  (axes[1], esn_mex[args.seed]["pred"], "ESN", esn_m[0]["test_nrmse"])):
        for s in range(min(3, m_cfg.mg_starts)):
            seg = mdata["test"][s * span: (s + 1) * span]
            x = np.arange(-40, 84)
            ax.plot(x, ev.unsquash(seg[m_cfg.mg_warm - 40:]), color=f"C{s}", lw=1)
            ax.plot(np.arange(84), ev.unsquash(runs[s]), color=f"C{s}", lw=1.2, ls="--")
        ax.axvline(0, color="0.5", lw=0.8)
        ax.axvline(83, color="0.5", lw=0.8, ls=":")
        ax.set_ylim(0.0, 2.0)          # the attractor's range; a free run that blows up leaves the panel
        ax.set_title(f"{name}: NRMSE84 {score:.3g} (seed {args.seed}; solid target, dashed free run)", fontsize=9)
        ax.set_xlabel("steps after the end of teacher forcing (dotted: step 84)")
    axes[0].set_ylabel("Mackey-Glass x(t) (original coordinates)")
    fig.tight_layout()
    save_png(fig, out / "mackey_glass.png")
    print(f"wrote {out}/sines_free_run.png, evolution.png, cell_states.png, mackey_glass.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
