"""What one training step of the shared recurrent models costs, beside PyTorch when it is installed.

    python3 benchmarks/bench_recurrent.py              # numpy only
    /path/to/venv-with-torch/bin/python benchmarks/bench_recurrent.py   # + PyTorch in the same run

A step is forward, MSE on every step's output, backward and Adam, for T = 100, batch 32, input
and output size 2, one BLAS thread; hidden sizes 8 to 128, float64 and float32. The LSTM is timed
as the peephole cell of Greff et al. (V), as PyTorch's ``nn.LSTM`` cell (forget gate, no
peepholes: our NP) and as the 1997 cell. PyTorch is optional (never a dependency of the catalog):
when ``import torch`` works, its ``nn.LSTM`` and ``nn.RNN`` (tanh) with a linear read-out train
the same way in the same process, one thread, and the tables give our time over theirs for the
like-for-like cells (NP against nn.LSTM, RNN against nn.RNN). The "floor" column is the matrix
products a step of the LSTM needs, alone (U h per step forward, U^T d per step backward, the
weight gradient): what the machine's BLAS sets for the arithmetic.
"""

from __future__ import annotations

import shared  # noqa: F401  (first: one BLAS thread, as the reference was measured)

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from shared.frame.experiment import format_table, median_ms  # noqa: E402
from shared.networks.optim import Adam  # noqa: E402
from shared.networks.recurrent import LSTM, RNN  # noqa: E402

T, BATCH, IO = 100, 32, 2
HIDDEN = (8, 16, 32, 64, 128)

try:  # optional: the like-for-like reference
    import torch
except ImportError:
    torch = None


def batch_data(dtype):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(BATCH, T, IO)).astype(dtype), rng.normal(size=(BATCH, T, IO)).astype(dtype))


def step_ms(model, repeats: int) -> float:
    x, target = batch_data(model.dtype)
    optimizer = Adam(model.params, lr=1e-3)

    def one_step():
        y = model.forward(x)
        optimizer.step(model.backward(2 * (y - target) / y.size))

    return median_ms(one_step, repeats)


def torch_step_ms(kind: str, hidden: int, dtype, repeats: int) -> float:
    torch.set_num_threads(1)
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    torch.manual_seed(0)
    cell = (torch.nn.LSTM if kind == "lstm" else torch.nn.RNN)(IO, hidden, batch_first=True).to(torch_dtype)
    readout = torch.nn.Linear(hidden, IO).to(torch_dtype)
    optimizer = torch.optim.Adam([*cell.parameters(), *readout.parameters()], lr=1e-3)
    x, target = (torch.from_numpy(a) for a in batch_data(dtype))

    def one_step():
        optimizer.zero_grad()
        loss = ((readout(cell(x)[0]) - target) ** 2).mean()
        loss.backward()
        optimizer.step()

    return median_ms(one_step, repeats)


def floor_ms(hidden: int, dtype, repeats: int) -> float:
    """The LSTM step's matrix products alone (four gate blocks, as nn.LSTM and our NP have)."""
    rng = np.random.default_rng(0)
    width = 4 * hidden
    u = rng.normal(size=(hidden, width)).astype(dtype)
    u_t = np.ascontiguousarray(u.T)
    h = rng.normal(size=(T, hidden, BATCH)).astype(dtype)
    d = rng.normal(size=(T, width, BATCH)).astype(dtype)
    out_f, out_b = np.empty((width, BATCH), dtype), np.empty((hidden, BATCH), dtype)

    def products():
        for t in range(T):
            np.matmul(u_t, h[t], out=out_f)
            np.matmul(u, d[t], out=out_b)
        h.transpose(1, 0, 2).reshape(hidden, -1) @ d.transpose(0, 2, 1).reshape(-1, width)

    return median_ms(products, repeats)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per cell (default 10)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    version = f"PyTorch {torch.__version__} measured in this run" if torch else "PyTorch not installed: numpy only"
    print(f"Training step (forward + backward + Adam), T = {T}, batch {BATCH}, one thread; ms (median of "
          f"{args.repeats}); {version}\n")
    for dtype in (np.float32, np.float64):
        rows = []
        for hidden in HIDDEN:
            ours = {name: step_ms(make(), args.repeats) for name, make in (
                ("V", lambda: LSTM(IO, hidden, IO, variant="V", rng=0, dtype=dtype)),
                ("NP", lambda: LSTM(IO, hidden, IO, variant="NP", rng=0, dtype=dtype)),
                ("1997", lambda: LSTM(IO, hidden, IO, variant="LSTM1997", rng=0, dtype=dtype)),
                ("RNN", lambda: RNN(IO, hidden, IO, rng=0, dtype=dtype)))}
            row = [hidden, *(f"{ours[k]:.1f}" for k in ("V", "NP", "1997", "RNN")), f"{floor_ms(hidden, dtype, args.repeats):.1f}"]
            if torch:
                lstm, rnn = torch_step_ms("lstm", hidden, dtype, args.repeats), torch_step_ms("rnn", hidden, dtype, args.repeats)
                row += [f"{lstm:.1f}", f"{ours['NP'] / lstm:.2f}", f"{rnn:.1f}", f"{ours['RNN'] / rnn:.2f}"]
            rows.append(row)
        headers = ["hidden", "LSTM V", "LSTM NP", "LSTM 1997", "RNN", "floor (NP products)"]
        if torch:
            headers += ["nn.LSTM", "NP / nn.LSTM", "nn.RNN", "RNN / nn.RNN"]
        print(f"{np.dtype(dtype).name}\n")
        print(format_table(headers, rows))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
