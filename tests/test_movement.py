"""shared.frame.movement: the closed form of sum ceil(sqrt(d)), hand-computed costs of tiny programs, ByteDMD's
published costs (README: dot product 14, 4x4 matrix-vector 194 / 191, 4x4 matmul 948 / 1016) in its
keep-everything mode, and the Fenwick-tree replay against a plain list simulation on random traces."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT, load_module
from shared.frame.movement import (Tape, Trace, block_cost, price_events, sqrt_ceil_sum, sqrt_ceil_sums,
                                   trace_arrays, trace_events)


@given(st.integers(0, 5000))
def test_the_closed_form_of_the_depth_costs(n):
    assert sqrt_ceil_sum(n) == sum(math.isqrt(d - 1) + 1 for d in range(1, n + 1))


def test_the_vectorised_closed_form():
    n = np.concatenate([np.arange(0, 3000), np.array([10**12, 10**12 + 1, (10**6 + 1) ** 2, (10**6 + 1) ** 2 + 1])])
    np.testing.assert_array_equal(sqrt_ceil_sums(n), [sqrt_ceil_sum(int(k)) for k in n])


def test_block_costs():
    assert block_cost(0, 1) == 1
    assert block_cost(1, 4) == 2 + 2 + 2 + 3            # depths 2, 3, 4, 5
    assert block_cost(3, 1) == 2


def my_add(liveness, sizes=(1, 1, 1, 1)):
    trace = Trace()
    a, b, c, d = (trace.argument(size) for size in sizes)
    trace.op([b, c], 1)
    return trace.price(liveness).total


def test_readme_walkthrough_and_multi_byte_values():
    # [a, b, c, d], d on top: b at depth 3, c at 2 -> 2 + 2
    assert my_add(False) == 4
    # b, c two bytes each: depths 5, 4 (b) and 3, 2 (c) -> 3 + 2 + 2 + 2
    assert my_add(False, (1, 2, 2, 1)) == 9
    # with dead values gone, the unread a and d take no room: b at depth 2, c at 1
    assert my_add(True) == 3


def test_repeated_inputs_are_charged_per_occurrence():
    trace = Trace()
    a, b = trace.argument(1), trace.argument(1)
    square = trace.op([a, a], 1)
    trace.op([square, b], 1)
    # a at depth 2 twice (2 + 2); then b at depth 2 (a, b dead: only b and the square) and the square at 1
    assert trace.price().per_instruction == (4, 2 + 1)


def dot(a, b):
    total = 0
    for x, y in zip(a, b):
        total = total + x * y
    return total


def test_dot_product_costs():
    trace = Trace()
    a, b = trace_arrays(trace, np.array([0, 1], np.int8), np.array([2, 3], np.int8))
    assert int(dot(a, b).value) == 3
    assert trace.price(liveness=False).total == 14           # ByteDMD README, "Usage"
    # with liveness (hand-computed): a0*b0 at depths 4, 2 (2 + 2); 0 + p0: p0 at 1; a1*b1 at 3, 2 (2 + 2);
    # s0 + p1 at 2, 1 (2 + 1)
    assert trace.price().total == 4 + 1 + 4 + 3


def accumulate(products):
    total = None
    for p in products:
        total = p if total is None else total + p
    return total


@pytest.mark.parametrize("order, published", [("row", 194), ("column", 191)])
def test_matrix_vector_costs_published_by_bytedmd(order, published):
    trace = Trace()
    A, x = trace_arrays(trace, np.zeros((4, 4), np.int8), np.zeros(4, np.int8))
    if order == "row":            # y = A @ x, i outer
        [accumulate(A[i, j] * x[j] for j in range(4)) for i in range(4)]
    else:                         # y = x^T @ A, j outer
        [accumulate(x[i] * A[i, j] for i in range(4)) for j in range(4)]
    assert trace.price(liveness=False).total == published    # ByteDMD README, "4x4 Linear Algebra"


@pytest.mark.parametrize("order, published", [("ijk", 948), ("ikj", 1016)])
def test_matmul_costs_published_by_bytedmd(order, published):
    trace = Trace()
    A, B = trace_arrays(trace, np.zeros((4, 4), np.int8), np.zeros((4, 4), np.int8))
    for i in range(4):
        if order == "ijk":
            [accumulate(A[i, k] * B[k, j] for k in range(4)) for j in range(4)]
        else:
            row = [None] * 4
            for k in range(4):
                for j in range(4):
                    p = A[i, k] * B[k, j]
                    row[j] = p if row[j] is None else row[j] + p
    assert trace.price(liveness=False).total == published


def naive_price(trace: Trace, liveness: bool) -> int:
    """The same rules on a Python list (bottom first), depths by summing sizes: the slow reference."""
    last = {}
    for i, (inputs, _) in enumerate(trace.instructions):
        for v in inputs:
            last[v] = i
    live = (lambda v, i: last.get(v, -1) > i) if liveness else (lambda v, i: True)  # noqa: E731
    stack = [v for v in trace.arguments if live(v, -1)]
    total = 0
    for i, (inputs, output) in enumerate(trace.instructions):
        for v in inputs:
            position = stack.index(v)
            above = sum(trace.sizes[u] for u in stack[position + 1:])
            total += sum(math.isqrt(d - 1) + 1 for d in range(above + 1, above + trace.sizes[v] + 1))
        for v in inputs:
            if v in stack:
                stack.remove(v)
            if live(v, i):
                stack.append(v)
        if output is not None and live(output, i):
            stack.append(output)
    return total


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_the_fenwick_replay_equals_a_plain_list_simulation(seed, liveness):
    rng = np.random.default_rng(seed)
    trace = Trace()
    values = [trace.argument(int(rng.choice([1, 2, 4, 8]))) for _ in range(rng.integers(1, 6))]
    for _ in range(rng.integers(1, 30)):
        inputs = list(rng.choice(values, size=rng.integers(1, 4)))
        output = trace.op(inputs, int(rng.choice([1, 2, 4, 8])) if rng.random() < 0.9 else None)
        if output is not None:
            values.append(output)
    assert trace.price(liveness).total == naive_price(trace, liveness)


def random_trace(seed):
    rng = np.random.default_rng(seed)
    trace = Trace()
    values = [trace.argument(int(rng.choice([1, 2, 4, 8]))) for _ in range(rng.integers(1, 8))]
    for _ in range(rng.integers(1, 60)):
        inputs = list(rng.choice(values, size=rng.integers(1, 4)))
        output = trace.op(inputs, int(rng.choice([1, 2, 4, 8])) if rng.random() < 0.9 else None)
        if output is not None:
            values.append(output)
    return trace


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_the_vectorised_pricing_equals_the_replay(seed, liveness):
    trace = random_trace(seed)
    replay = trace.price(liveness)
    vectorised = price_events(*trace_events(trace), liveness=liveness)
    assert vectorised.total == replay.total
    assert vectorised.bytes_read == replay.bytes_read and vectorised.reads == replay.reads
    assert vectorised.per_instruction[len(trace.arguments):] == replay.per_instruction


def test_vectorised_refusal_and_a_long_stream():
    with pytest.raises(ValueError, match="read before it is written"):
        price_events([0, 1], [False, True], [0, 1], [1, 1])
    # a dot product of two 2,000-vectors, by both: the vectorised pricer agrees at length
    trace = Trace()
    a, b = trace_arrays(trace, np.zeros(2000, np.float32), np.zeros(2000, np.float32))
    total = a[0] * b[0]
    for x, y in zip(a[1:], b[1:]):
        total = total + x * y
    assert price_events(*trace_events(trace)).total == trace.price().total


def test_refusals():
    trace = Trace()
    a = trace.argument(4)
    with pytest.raises(ValueError, match="at least one byte"):
        trace.argument(0)
    with pytest.raises(ValueError, match="does not exist"):
        trace.op([a, 7], 4)
    with pytest.raises(ValueError, match="at least one value"):
        trace.op([], 4)
    trace.op([a], 4)
    with pytest.raises(ValueError, match="before the first instruction"):
        trace.argument(4)


# ----------------------------------------------------------------------------------------------------
# The array-level meter (Tape) against the element-level reference: the same loop nests written as plain
# Python loops over Trace instructions, then priced by the Fenwick replay.

def loaded(trace, shape, itemsize):
    ids = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        ids[index] = trace.argument(itemsize)
    return ids


def reference_map(trace, *arrays):
    shaped = np.broadcast_arrays(*[np.asarray(a, dtype=object) for a in arrays])
    out = np.empty(shaped[0].shape, dtype=object)
    for index in np.ndindex(out.shape):
        reads = [int(s[index]) for s in shaped]
        out[index] = trace.op(reads, max(trace.sizes[v] for v in reads))
    return out


def reference_reduce(trace, x, axis):
    x = np.moveaxis(np.asarray(x, dtype=object), axis, -1)
    out = np.empty(x.shape[:-1], dtype=object)
    for index in np.ndindex(out.shape):
        running = x[index][0]
        for value in x[index][1:]:
            running = trace.op([running, value], max(trace.sizes[running], trace.sizes[value]))
        out[index] = running
    return out


def reference_matmul(trace, a, b, order):
    size = max(trace.sizes[v] for v in list(a.ravel()) + list(b.ravel()))
    out = np.empty((a.shape[0], b.shape[1]), dtype=object)
    for i in range(a.shape[0]):
        if order == "ijk":
            for j in range(b.shape[1]):
                running = trace.op([a[i, 0], b[0, j]], size)
                for k in range(1, a.shape[1]):
                    product = trace.op([a[i, k], b[k, j]], size)
                    running = trace.op([running, product], size)
                out[i, j] = running
        else:
            for k in range(a.shape[1]):
                for j in range(b.shape[1]):
                    product = trace.op([a[i, k], b[k, j]], size)
                    out[i, j] = product if k == 0 else trace.op([out[i, j], product], size)
    return out


def random_program(seed):
    """A random program of maps, reductions and matmuls over small arrays, run on a Tape and on a Trace."""
    rng = np.random.default_rng(seed)
    tape, trace = Tape(), Trace()
    pool = []
    for _ in range(rng.integers(1, 4)):
        shape = tuple(int(d) for d in rng.integers(1, 4, size=rng.integers(1, 3)))
        dtype = rng.choice([np.int8, np.float32, np.float64])
        pool.append((tape.argument(shape, dtype), loaded(trace, shape, np.dtype(dtype).itemsize)))
    for _ in range(rng.integers(1, 8)):
        kind = rng.choice(["map", "map2", "reduce", "matmul"])
        x, rx = pool[rng.integers(len(pool))]
        if kind == "map":
            pool.append((tape.map(x), reference_map(trace, rx)))
        elif kind == "map2":
            y, ry = pool[rng.integers(len(pool))]
            try:
                np.broadcast_shapes(x.shape, y.shape)
            except ValueError:
                y, ry = y.ravel()[:1], ry.ravel()[:1]                            # broadcast one element
            pool.append((tape.map(x, y), reference_map(trace, rx, ry)))
        elif kind == "reduce":
            axis = int(rng.integers(x.ndim))
            if x.ndim == 1:
                x, rx = x[None, :], rx[None, :]
            pool.append((tape.reduce(x, axis=axis), reference_reduce(trace, rx, axis)))
        else:
            x2, rx2 = (x, rx) if x.ndim == 2 else (x[None, :], rx[None, :])
            y, ry = pool[rng.integers(len(pool))]
            y2, ry2 = (y, ry) if y.ndim == 2 else (y[:, None], ry[:, None])
            if y2.shape[0] != x2.shape[1]:
                y2, ry2 = x2.T, rx2.T                                            # x x^T always fits
            order = str(rng.choice(["ijk", "ikj"]))
            pool.append((tape.matmul(x2, y2, order), reference_matmul(trace, rx2, ry2, order)))
    return tape, trace


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_the_array_meter_equals_the_element_reference_on_random_programs(seed, liveness):
    tape, trace = random_program(seed)
    fast, reference = tape.price(liveness), trace.price(liveness)
    assert fast.total == reference.total and fast.bytes_read == reference.bytes_read
    assert fast.per_instruction[len(trace.arguments):] == reference.per_instruction
    assert tape.instructions == len(trace.instructions)


@pytest.mark.parametrize("order, published", [("ijk", 948), ("ikj", 1016)])
def test_the_array_meter_reproduces_the_published_matmul_costs(order, published):
    tape = Tape()
    a, b = tape.argument((4, 4), np.int8), tape.argument((4, 4), np.int8)
    tape.matmul(a, b, order)
    assert tape.price(liveness=False).total == published
    tape = Tape()
    a, x = tape.argument((4, 4), np.int8), tape.argument(4, np.int8)
    tape.matmul(a, x)
    assert tape.price(liveness=False).total == 194                           # A @ x, row order
    tape = Tape()
    a, x = tape.argument((4, 4), np.int8), tape.argument(4, np.int8)
    tape.matmul(x, a)
    assert tape.price(liveness=False).total == 191                           # x^T @ A, column order


def test_the_validation_table_agrees_exactly():
    """benchmarks/bench_movement.py's kernels (dot product, matrix-vector in both orders, matmul i-j-k and
    i-k-j, a softmax, one LSTM step, one OdyssNet step), each written as Scalar loops in the tape's order and
    as array operations on a Tape: the same cost, with liveness and without (the table in shared/README.md)."""
    bench = load_module(ROOT / "benchmarks" / "bench_movement.py", "bench_movement")
    rows = bench.validation_rows()
    assert len(rows) == 8 and all(row[-1] == "exact" for row in rows), rows
    assert [row[2] for row in rows if "LSTM" in row[0]] == [45412]          # the README's table


def test_tape_refusals():
    tape = Tape()
    a = tape.argument((2, 3))
    with pytest.raises(ValueError, match="do not match"):
        tape.matmul(a, a)
    with pytest.raises(ValueError, match="order"):
        tape.matmul(a, a.T, order="kji")
    with pytest.raises(TypeError, match="value ids"):
        tape.map(np.zeros(3))
    with pytest.raises(ValueError, match="does not exist"):
        tape.map(np.array([99]))
    tape.map(a)
    with pytest.raises(ValueError, match="before the first operation"):
        tape.argument(3)
