"""What one training step of the shared recurrent models costs.

    python3 benchmarks/bench_recurrent.py

A step is forward, MSE on every step's output, backward and Adam, for T = 100, batch 32, input
and output size 2, float64 and float32, one BLAS thread; hidden sizes 8 to 128. Later stubs use
these figures to size their budgets.
"""

from __future__ import annotations

import shared  # noqa: F401  (first: one BLAS thread, as the reference was measured)

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from shared.experiment import format_table, median_ms  # noqa: E402
from shared.optim import Adam  # noqa: E402
from shared.recurrent import LSTM, RNN  # noqa: E402

T, BATCH, IO = 100, 32, 2


def step_ms(model, repeats: int) -> float:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, T, IO)).astype(model.dtype)
    target = rng.normal(size=(BATCH, T, IO)).astype(model.dtype)
    optimizer = Adam(model.params, lr=1e-3)

    def one_step():
        y = model.forward(x)
        optimizer.step(model.backward(2 * (y - target) / y.size))

    return median_ms(one_step, repeats)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per cell (default 10)")
    args = parser.parse_args(argv)
    rows = []
    for hidden in (8, 16, 32, 64, 128):
        row = [hidden]
        for dtype in (np.float64, np.float32):
            for make in (lambda: LSTM(IO, hidden, IO, variant="V", rng=0, dtype=dtype),
                         lambda: LSTM(IO, hidden, IO, variant="LSTM1997", rng=0, dtype=dtype),
                         lambda: RNN(IO, hidden, IO, rng=0, dtype=dtype)):
                row.append(f"{step_ms(make(), args.repeats):.1f}")
        rows.append(row)
    print(f"Training step (forward + backward + Adam), T = {T}, batch {BATCH}, one thread; ms (median)\n")
    print(format_table(["hidden", "LSTM V f64", "LSTM 1997 f64", "RNN f64", "LSTM V f32", "LSTM 1997 f32",
                        "RNN f32"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
