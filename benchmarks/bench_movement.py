"""The data-movement meter against its reference, and what metering costs (issue 21).

    python3 benchmarks/bench_movement.py [--skip-timing]

Validation: small kernels written twice, as scalar loops traced element by element (``Trace``, priced by
the Fenwick replay) and as numpy-level operations on a ``Tape`` (priced by the vectorised ``price_events``);
the table gives both costs (liveness on, and ByteDMD's keep-everything rule) and whether they agree.
Overhead: seconds to generate and to price the event stream of growing training steps, per event, beside
the seconds numpy takes for the same step's arithmetic (a stand-in of the same matmul sizes). Time it on
a quiet machine: the timings are the machine's, the costs are exact and the same everywhere.
"""

from __future__ import annotations

import shared  # noqa: F401  (first: one BLAS thread)

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from shared.frame.experiment import format_table  # noqa: E402
from shared.frame.movement import Tape, Trace, trace_arrays  # noqa: E402
from shared.networks import tape_steps  # noqa: E402


def accumulate(values):
    total = None
    for v in values:
        total = v if total is None else total + v
    return total


def kernels():
    """(name, scalar kernel on a Trace, the same on a Tape), each building its own computation."""
    rng = np.random.default_rng(0)
    A4, x4 = rng.normal(size=(4, 4)), rng.normal(size=4)

    def scalar_matvec(order):
        def run(trace):
            A, x = trace_arrays(trace, A4.astype(np.float32), x4.astype(np.float32))
            if order == "row":
                [accumulate(A[i, j] * x[j] for j in range(4)) for i in range(4)]
            else:
                [accumulate(x[i] * A[i, j] for i in range(4)) for j in range(4)]
        return run

    def tape_matvec(order):
        def run(tape):
            A, x = tape.argument((4, 4), np.float32), tape.argument(4, np.float32)
            tape.matmul(A, x) if order == "row" else tape.matmul(x, A)
        return run

    def scalar_matmul(order, n):
        def run(trace):
            A, B = trace_arrays(trace, rng.normal(size=(n, n)), rng.normal(size=(n, n)))
            for i in range(n):
                if order == "ijk":
                    [accumulate(A[i, k] * B[k, j] for k in range(n)) for j in range(n)]
                else:
                    row = [None] * n
                    for k in range(n):
                        for j in range(n):
                            p = A[i, k] * B[k, j]
                            row[j] = p if row[j] is None else row[j] + p
        return run

    def tape_matmul(order, n):
        def run(tape):
            tape.matmul(tape.argument((n, n), np.float64), tape.argument((n, n), np.float64), order)
        return run

    def scalar_dot(trace):
        a, b = trace_arrays(trace, rng.normal(size=64).astype(np.float32), rng.normal(size=64).astype(np.float32))
        accumulate(a[i] * b[i] for i in range(64))

    def tape_dot(tape):
        tape.matmul(tape.argument(64, np.float32), tape.argument(64, np.float32))

    def scalar_softmax(trace):
        (X,) = trace_arrays(trace, rng.normal(size=(3, 8)))
        rows = range(3)
        m = [accumulate_max(X[r]) for r in rows]
        d = [[X[r, k] - m[r] for k in range(8)] for r in rows]
        e = [[v.exp() for v in d[r]] for r in rows]
        s = [accumulate(e[r]) for r in rows]
        [[v / s[r] for v in e[r]] for r in rows]

    def accumulate_max(values):
        total = values[0]
        for v in values[1:]:
            total = total.maximum(v)
        return total

    def tape_softmax(tape):
        x = tape.argument((3, 8), np.float64)
        m = tape.reduce(x)
        e = tape.map(tape.map(x, m[:, None]))
        s = tape.reduce(e)
        tape.map(e, s[:, None])

    def scalar_lstm(trace, n_in=3, hidden=4):
        W, xh, b, c = trace_arrays(trace, rng.normal(size=(4 * hidden, n_in + hidden)), rng.normal(size=n_in + hidden),
                                   rng.normal(size=4 * hidden), rng.normal(size=hidden))
        z = [accumulate(W[r, k] * xh[k] for k in range(n_in + hidden)) for r in range(4 * hidden)]
        z = [z[r] + b[r] for r in range(4 * hidden)]
        gates = [v.sigmoid() for v in z[:3 * hidden]] + [v.tanh() for v in z[3 * hidden:]]
        i, f, o, g = (gates[k * hidden:(k + 1) * hidden] for k in range(4))
        fc = [f[u] * c[u] for u in range(hidden)]
        ig = [i[u] * g[u] for u in range(hidden)]
        c_new = [fc[u] + ig[u] for u in range(hidden)]
        squashed = [v.tanh() for v in c_new]
        [o[u] * squashed[u] for u in range(hidden)]

    def tape_lstm(tape, n_in=3, hidden=4):
        W, xh, b, c = (tape.argument(s, np.float64) for s in [(4 * hidden, n_in + hidden), n_in + hidden,
                                                               4 * hidden, hidden])
        z = tape.map(tape.matmul(W, xh), b)
        gates = np.concatenate([tape.map(z[:3 * hidden]), tape.map(z[3 * hidden:])])
        i, f, o, g = (gates[k * hidden:(k + 1) * hidden] for k in range(4))
        c_new = tape.map(tape.map(f, c), tape.map(i, g))
        tape.map(o, tape.map(c_new))

    def scalar_odyssnet(trace, n=6):
        h, W, B, mf, gamma = trace_arrays(trace, rng.normal(size=n), rng.normal(size=(n, n)), rng.normal(size=n),
                                          rng.normal(size=n), rng.normal(size=n))
        pre = [accumulate(h[k] * W[k, j] for k in range(n)) for j in range(n)]
        pre = [pre[j] + B[j] for j in range(n)]
        q = [h[j] * mf[j] for j in range(n)]
        mem = [v.tanh() for v in q]
        z = [mem[j] + pre[j] for j in range(n)]
        act = [v.tanh() for v in z]
        square = [v * v for v in act]
        inv = 1.0 / (accumulate(square) / n + 1e-6)
        norm = [act[j] * inv for j in range(n)]
        [norm[j] * gamma[j] for j in range(n)]

    def tape_odyssnet(tape, n=6):
        h, W, B, mf, gamma = (tape.argument(s, np.float64) for s in [n, (n, n), n, n, n])
        pre = tape.map(tape.matmul(h, W), B)
        mem = tape.map(tape.map(h, mf))
        act = tape.map(tape.map(mem, pre))
        inv = tape.map(tape.map(tape.map(tape.reduce(tape.map(act, act)))))
        tape.map(tape.map(act, inv), gamma)

    return [("dot product, 64 float32", scalar_dot, tape_dot),
            ("4x4 matrix-vector, row order (A x)", scalar_matvec("row"), tape_matvec("row")),
            ("4x4 matrix-vector, column order (x A)", scalar_matvec("column"), tape_matvec("column")),
            ("8x8 matmul i-j-k, float64", scalar_matmul("ijk", 8), tape_matmul("ijk", 8)),
            ("8x8 matmul i-k-j, float64", scalar_matmul("ikj", 8), tape_matmul("ikj", 8)),
            ("softmax over rows, 3x8", scalar_softmax, tape_softmax),
            ("one LSTM step, 3 inputs, 4 cells", scalar_lstm, tape_lstm),
            ("one OdyssNet step, 6 neurons", scalar_odyssnet, tape_odyssnet)]


def validation_rows():
    rows = []
    for name, scalar, array in kernels():
        trace = Trace()
        scalar(trace)
        tape = Tape()
        array(tape)
        live = (trace.price().total, tape.price().total)
        keep = (trace.price(liveness=False).total, tape.price(liveness=False).total)
        rows.append([name, len(trace.instructions), live[0], live[1], keep[0], keep[1],
                     "exact" if live[0] == live[1] and keep[0] == keep[1] else "DIFFERS"])
    return rows


def timing_rows():
    rows = []
    for hidden, steps in [(8, 20), (16, 50), (32, 50)]:
        start = time.perf_counter()
        tape = tape_steps.lstm_step(Tape(), 4, hidden, 4, steps)
        events = len(tape.events()[0])
        generated = time.perf_counter() - start
        start = time.perf_counter()
        tape.price()
        priced = time.perf_counter() - start
        # numpy's own arithmetic for the same step's matmuls (forward and backward), as a scale
        rng = np.random.default_rng(0)
        W, U = rng.normal(size=(4, 4 * hidden)), rng.normal(size=(hidden, 4 * hidden))
        x, h = rng.normal(size=(1, 4)), rng.normal(size=(1, hidden))
        start = time.perf_counter()
        for _ in range(steps):
            z = x @ W + h @ U
            _ = (z.T @ h, z @ U.T, z.T @ x)
        numpy_s = time.perf_counter() - start
        rows.append([f"LSTM step, {hidden} cells, {steps} steps", tape.instructions, events, f"{generated:.2f}",
                     f"{priced:.2f}", f"{1e6 * priced / events:.1f}", f"{numpy_s * 1e3:.2f}"])
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-timing", action="store_true", help="only the validation table (exact costs)")
    args = parser.parse_args(argv)
    print(format_table(["kernel", "instructions", "reference (liveness)", "tape (liveness)",
                        "reference (keep all)", "tape (keep all)", "agreement"], validation_rows()))
    if not args.skip_timing:
        print()
        print(format_table(["training step priced", "instructions", "events", "generate s", "price s",
                            "us per event", "numpy ms (same matmuls)"], timing_rows()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
