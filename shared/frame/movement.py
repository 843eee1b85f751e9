"""Data movement: what a computation pays to read its operands from an LRU memory (issue 21's meter).

The cost model is the Data Movement Distance of Ding & Smith ("Beyond Time Complexity", 2022) at the
byte level (ByteDMD, cybertronai/ByteDMD): memory is one LRU stack of bytes, depth 1 the most recently
used. The rules implemented here:

1. A computation's arguments are loaded onto the stack first, in order, at no cost (the last argument's
   last byte ends on top).
2. An instruction reads its inputs in order. Every byte of every input is priced against the stack as
   it was before the instruction: a byte at depth d costs ceil(sqrt(d)); an input named twice (a * a)
   is charged twice, as ByteDMD's README says.
3. Then the inputs move to the top in read order, each as one contiguous block, and the output is
   pushed on top. Writes are free.
4. A value leaves the stack after its last read: dead values take no room, a value never read is never
   pushed, an argument never read is never loaded (issue 21's rule). ``price(liveness=False)`` keeps
   every value forever, the rule of ByteDMD's README, whose published costs the tests reproduce.

A value of b bytes whose top lies under a bytes costs S(a + b) - S(a), S(n) = sum_{d <= n} ceil(sqrt(d)),
which has a closed form (``sqrt_ceil_sum``), so blocks of any size are priced in O(1) and depths are
kept by a Fenwick tree over last-use times: pricing a trace of n reads costs O(n log n).

- ``Trace``: a computation recorded as instructions over values. ``argument(nbytes)`` and
  ``op(inputs, nbytes)`` return value ids; ``price()`` -> ``Cost`` (total, bytes read, reads).
- ``price_events(values, reads, instruction, sizes, liveness)``: the same rules for a whole stream of
  events at once, vectorised (a merge-sort tree over event times answers "bytes of live values touched
  since this value's last use" for every read); ``trace_events(trace)`` turns a Trace into its stream.
  Equal to ``Trace.price`` (tested); about 10 us an event here, so a stream of millions is seconds.
- ``Scalar``: a number that records every arithmetic operation on it into a Trace, so that a kernel
  written as loops over scalars (a dot product, a matrix-vector product in row or column order, a
  softmax) is traced element by element: the exact reference for faster meters. Python numbers
  mixed in are immediate operands (free); ``trace_arrays(trace, *arrays)`` turns arrays into
  argument Scalars, element by element in C order.
- ``Tape``: the array-level meter. A computation written as numpy operations (``map``, ``reduce``,
  ``matmul`` over arrays of value ids) expands each operation into the instructions of its loop nest, as
  numpy runs them (one operation at a time), and prices the stream with ``price_events``: the same cost as
  the scalar loops written in that order (tested on random programs), at numpy speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def sqrt_ceil_sum(n: int) -> int:
    """S(n) = sum_{d=1}^{n} ceil(sqrt(d)): the depths ((k-1)^2, k^2] cost k each, 2k - 1 of them."""
    if n <= 0:
        return 0
    m = math.isqrt(n - 1) + 1                      # ceil(sqrt(n))
    below = m - 1
    # sum_{k=1}^{m-1} k (2k - 1) = 2 * sum k^2 - sum k
    full = below * (below + 1) * (2 * below + 1) // 3 - below * (below + 1) // 2
    return full + m * (n - below * below)


def block_cost(bytes_above: int, nbytes: int) -> int:
    """Reading nbytes contiguous bytes whose top byte lies under bytes_above bytes: depths above+1 .. above+nbytes."""
    return sqrt_ceil_sum(bytes_above + nbytes) - sqrt_ceil_sum(bytes_above)


class _Fenwick:
    """Prefix sums over slots 1..n with point updates."""

    def __init__(self, n: int):
        self.tree = [0] * (n + 1)

    def add(self, slot: int, value: int) -> None:
        while slot < len(self.tree):
            self.tree[slot] += value
            slot += slot & -slot

    def prefix(self, slot: int) -> int:
        total = 0
        while slot > 0:
            total += self.tree[slot]
            slot -= slot & -slot
        return total


@dataclass(frozen=True)
class Cost:
    """The price of a trace: ``total`` (sum of ceil(sqrt(depth)) over bytes read), ``bytes_read``, ``reads``
    (value reads), ``per_instruction`` (the cost of each instruction, in order)."""
    total: int
    bytes_read: int
    reads: int
    per_instruction: tuple


class Trace:
    """A computation as a list of instructions over values (ids), each value a block of bytes."""

    def __init__(self):
        self.sizes: list[int] = []
        self.arguments: list[int] = []
        self.instructions: list[tuple[tuple[int, ...], int | None]] = []

    def _new(self, nbytes: int) -> int:
        nbytes = int(nbytes)
        if nbytes < 1:
            raise ValueError(f"a value needs at least one byte, got {nbytes}")
        self.sizes.append(nbytes)
        return len(self.sizes) - 1

    def argument(self, nbytes: int) -> int:
        """A value loaded before the computation, at no cost (in call order: later arguments end higher)."""
        if self.instructions:
            raise ValueError("arguments are loaded before the first instruction")
        value = self._new(nbytes)
        self.arguments.append(value)
        return value

    def op(self, inputs, nbytes: int | None) -> int | None:
        """An instruction reading ``inputs`` (value ids, in read order) and writing a value of ``nbytes``
        bytes (None: no output). Returns the output's id."""
        distinct = tuple(int(v) for v in inputs)
        if not distinct:
            raise ValueError("an instruction reads at least one value")
        if any(v < 0 or v >= len(self.sizes) for v in distinct):
            raise ValueError("an instruction reads a value that does not exist yet")
        output = None if nbytes is None else self._new(nbytes)
        self.instructions.append((distinct, output))
        return output

    def price(self, liveness: bool = True) -> Cost:
        """Replay the instructions against the LRU stack (rules 1-4 of the module docstring)."""
        last_read = {}
        for i, (inputs, _) in enumerate(self.instructions):
            for v in inputs:
                last_read[v] = i
        live = (lambda value, i: last_read.get(value, -1) > i) if liveness else (lambda value, i: True)  # noqa: E731
        moves = len(self.arguments) + sum(len(inputs) + 1 for inputs, _ in self.instructions)
        fenwick = _Fenwick(moves + 1)
        slot_of: dict[int, int] = {}
        clock = 0
        on_stack = 0                                   # bytes on the stack

        def push(value: int) -> None:
            nonlocal clock, on_stack
            clock += 1
            slot_of[value] = clock
            fenwick.add(clock, self.sizes[value])
            on_stack += self.sizes[value]

        def pop(value: int) -> None:
            nonlocal on_stack
            fenwick.add(slot_of.pop(value), -self.sizes[value])
            on_stack -= self.sizes[value]

        for value in self.arguments:
            if live(value, -1):
                push(value)
        total = bytes_read = reads = 0
        per_instruction = []
        for i, (inputs, output) in enumerate(self.instructions):
            cost = 0
            for v in inputs:                           # priced against the stack before the instruction
                if v not in slot_of:
                    raise ValueError(f"value {v} is read before it is written")
                above = on_stack - fenwick.prefix(slot_of[v])
                cost += block_cost(above, self.sizes[v])
                bytes_read += self.sizes[v]
                reads += 1
            for v in inputs:                           # then to the top in read order, or gone when dead
                if v in slot_of:
                    pop(v)
                if live(v, i):
                    push(v)
            if output is not None and live(output, i):
                push(output)
            total += cost
            per_instruction.append(cost)
        return Cost(total=total, bytes_read=bytes_read, reads=reads, per_instruction=tuple(per_instruction))


class Scalar:
    """A number whose arithmetic is recorded in a Trace, one instruction per operation (the result has
    the itemsize of the operands' numpy result type). Python numbers are immediate operands (free)."""

    __slots__ = ("trace", "value", "id")

    def __init__(self, trace: Trace, value, value_id: int):
        self.trace, self.value, self.id = trace, value, value_id

    def _apply(self, other, function):
        if isinstance(other, Scalar):
            result = function(self.value, other.value)
            inputs = (self.id, other.id)
        else:
            result = function(self.value, other)
            inputs = (self.id,)
        result = np.asarray(result)[()]
        return Scalar(self.trace, result, self.trace.op(inputs, np.asarray(result).dtype.itemsize))

    def _unary(self, function):
        result = np.asarray(function(self.value))[()]
        return Scalar(self.trace, result, self.trace.op((self.id,), np.asarray(result).dtype.itemsize))

    def __add__(self, other):
        return self._apply(other, lambda a, b: a + b)

    def __radd__(self, other):
        return self._apply(other, lambda a, b: b + a)

    def __sub__(self, other):
        return self._apply(other, lambda a, b: a - b)

    def __rsub__(self, other):
        return self._apply(other, lambda a, b: b - a)

    def __mul__(self, other):
        return self._apply(other, lambda a, b: a * b)

    def __rmul__(self, other):
        return self._apply(other, lambda a, b: b * a)

    def __truediv__(self, other):
        return self._apply(other, lambda a, b: a / b)

    def __rtruediv__(self, other):
        return self._apply(other, lambda a, b: b / a)

    def __neg__(self):
        return self._unary(lambda a: -a)

    def maximum(self, other):
        return self._apply(other, np.maximum)

    def exp(self):
        return self._unary(np.exp)

    def tanh(self):
        return self._unary(np.tanh)

    def sigmoid(self):
        return self._unary(lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)))

    def __float__(self):
        return float(self.value)


def trace_arrays(trace: Trace, *arrays) -> list[np.ndarray]:
    """Each array as an object array of argument Scalars (loaded in argument order, elements in C order)."""
    out = []
    for array in arrays:
        array = np.asarray(array)
        scalars = np.empty(array.shape, dtype=object)
        for index in np.ndindex(array.shape):
            scalars[index] = Scalar(trace, array[index], trace.argument(array.dtype.itemsize))
        out.append(scalars)
    return out


# ----------------------------------------------------------------------------------------------------
# The same rules, vectorised: a whole stream of instructions priced by numpy, for streams far longer
# than a Python loop over instructions can replay.

def sqrt_ceil_sums(n: np.ndarray) -> np.ndarray:
    """``sqrt_ceil_sum`` elementwise on an int64 array (exact: the float square root is corrected)."""
    n = np.asarray(n, dtype=np.int64)
    below = np.floor(np.sqrt(np.maximum(n - 1, 0).astype(np.float64))).astype(np.int64)
    below -= below * below > np.maximum(n - 1, 0)
    below += (below + 1) * (below + 1) <= np.maximum(n - 1, 0)
    m = below + 1                                               # ceil(sqrt(n)) for n >= 1
    full = below * (below + 1) * (2 * below + 1) // 3 - below * (below + 1) // 2
    return np.where(n > 0, full + m * (n - below * below), 0)


def _weight_above(times: np.ndarray, thresholds: np.ndarray, next_touch: np.ndarray,
                  weights: np.ndarray) -> np.ndarray:
    """G(x, y) = sum of weights[j] over j <= x with next_touch[j] >= y, for every query (x, y): a
    merge-sort tree over event times, one sorted level per power of two, searched by numpy."""
    n = len(next_touch)
    size = 1 << max(int(n - 1).bit_length(), 0)
    span = size + 2                                             # key = block * span + (next + 1)
    nxt = np.full(size, -1, np.int64)
    nxt[:n] = next_touch
    w = np.zeros(size, np.int64)
    w[:n] = weights
    prefix = np.asarray(times, np.int64) + 1                    # how many events the prefix holds
    total = np.zeros(len(prefix), np.int64)
    level, block = 0, 1
    while block <= size:
        keys = (np.arange(size, dtype=np.int64) >> level) * span + (nxt + 1)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        cumulative = np.concatenate(([0], np.cumsum(w[order])))
        use = (prefix >> level) & 1 == 1
        which = ((prefix[use] >> (level + 1)) << 1)             # the block of this level in the prefix
        position = np.searchsorted(sorted_keys, which * span + (thresholds[use] + 1), side="left")
        total[use] += cumulative[(which + 1) * block] - cumulative[position]
        level, block = level + 1, block * 2
    return total


def price_events(values, reads, instruction, sizes, liveness: bool = True) -> Cost:
    """Price a stream of events under the rules of the module docstring, vectorised.

    ``values`` (E,): the value each event touches, in execution order; ``reads`` (E,) bool: a read
    (priced) or a write (a load or an instruction's output, free); ``instruction`` (E,): the instruction
    of each event, non-decreasing, with each instruction's reads before its write; ``sizes``: bytes per
    value id. Every read is priced against the stack before its instruction's first event."""
    values = np.asarray(values, dtype=np.int64)
    reads = np.asarray(reads, dtype=bool)
    instruction = np.asarray(instruction, dtype=np.int64)
    sizes = np.asarray(sizes, dtype=np.int64)
    n = len(values)
    if n == 0 or not reads.any():
        return Cost(total=0, bytes_read=0, reads=0, per_instruction=())
    times = np.arange(n, dtype=np.int64)
    # the next event of the same value (n: none)
    order = np.lexsort((times, values))
    same = values[order][1:] == values[order][:-1]
    next_touch = np.full(n, n, np.int64)
    next_touch[order[:-1][same]] = order[1:][same]
    # with liveness a value's last event leaves it dead: it counts above nothing afterwards
    next_touch = np.where(next_touch == n, -1 if liveness else n + 1, next_touch)
    first_of_instruction = np.searchsorted(instruction, instruction, side="left")
    # for each read: the last event of its value before its instruction began
    read_at = times[reads]
    start = first_of_instruction[reads]
    key_events = values * (n + 1) + times
    previous_index = np.searchsorted(key_events[order], values[reads] * (n + 1) + start, side="left") - 1
    previous = order[np.clip(previous_index, 0, n - 1)]
    valid = (previous_index >= 0) & (values[np.clip(previous, 0, n - 1)] == values[reads])
    if not valid.all():
        raise ValueError(f"value {int(values[read_at[~valid][0]])} is read before it is written")
    weights = sizes[values]
    thresholds = np.concatenate([start, start])
    upto = np.concatenate([start - 1, previous])
    g = _weight_above(upto, thresholds, next_touch, weights)
    above = g[: len(start)] - g[len(start):]
    nbytes = weights[reads]
    costs = sqrt_ceil_sums(above + nbytes) - sqrt_ceil_sums(above)
    per_instruction = np.bincount(instruction[reads] - instruction.min(), weights=costs,
                                  minlength=int(instruction.max() - instruction.min()) + 1).astype(np.int64)
    return Cost(total=int(costs.sum()), bytes_read=int(nbytes.sum()), reads=int(reads.sum()),
                per_instruction=tuple(int(c) for c in per_instruction))


def trace_events(trace: Trace):
    """A Trace as the event stream of ``price_events``: (values, reads, instruction, sizes); each argument
    load is an instruction of its own, numbered before the computation's."""
    values, reads, instruction = [], [], []
    for k, value in enumerate(trace.arguments):
        values.append(value)
        reads.append(False)
        instruction.append(k)
    offset = len(trace.arguments)
    for i, (inputs, output) in enumerate(trace.instructions):
        for v in inputs:
            values.append(v)
            reads.append(True)
            instruction.append(offset + i)
        if output is not None:
            values.append(output)
            reads.append(False)
            instruction.append(offset + i)
    return np.array(values, np.int64), np.array(reads, bool), np.array(instruction, np.int64), np.array(trace.sizes)


# ----------------------------------------------------------------------------------------------------
# The array-level meter: numpy operations expanded into the element instructions of their loop nests.

class Tape:
    """A computation written as array operations and priced element by element (the fast meter).

    An array on the tape is an int64 ndarray of value ids with the array's shape, so views cost nothing
    and numpy does the bookkeeping: slicing, ``.T``, ``reshape``, broadcasting and concatenation of id
    arrays are free (a view reads no bytes; a copy is ``tape.map(x)``). Each operation appends the
    instructions of its straightforward loop nest, output elements in C order:

    - ``map(*arrays, itemsize=None)``: one instruction per output element (broadcast shape) reading the
      matching element of each array in order (a scalar operand that is a Python number is free: leave it
      out). ``x * y`` is ``map(x, y)``, ``exp(x)`` and ``0.5 * x`` are ``map(x)``.
    - ``reduce(x, axis=-1)``: a sum (or max) over one axis, accumulated from the first element: n - 1
      instructions per output element, each reading the running value and the next element.
    - ``matmul(a, b, order="ijk")``: a (..., M, K) or (K,) times b (K, N) or (K,). Order ijk: for each
      output element, acc = a[i,0] b[0,j], then p = a[i,k] b[k,j] and acc = acc + p for k = 1..K-1. Order
      ikj (rows of b streamed): for each i, k, j the product, accumulated into the row's partial sums.

    ``argument(shape, dtype)`` loads an array (C order, free); ``zeros(shape, dtype)`` writes a fresh one
    (free: an instruction with no reads per element); ``price(liveness)`` -> ``Cost``, the same as
    the Trace of a scalar loop nest written the same way (tested), computed by ``price_events``.
    ``instructions`` counts the arithmetic operations (the FLOPs of the loop nest); the writes of ``zeros``
    are instructions of the stream but not FLOPs, counted apart in ``free_writes``.
    """

    def __init__(self):
        self._sizes = np.zeros(1024, np.int64)        # bytes per value id (grown by doubling)
        self._events: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._loads: list[np.ndarray] = []
        self.values = 0
        self.instructions = 0                          # arithmetic operations (FLOPs)
        self.free_writes = 0                           # zero fills: instructions of the stream, not FLOPs
        self._numbered = 0                             # instructions of the event stream, zero writes included

    def _new(self, count: int, itemsize: int) -> np.ndarray:
        if itemsize < 1:
            raise ValueError(f"a value needs at least one byte, got {itemsize}")
        while self.values + count > len(self._sizes):
            self._sizes = np.concatenate([self._sizes, np.zeros(len(self._sizes), np.int64)])
        ids = np.arange(self.values, self.values + count, dtype=np.int64)
        self._sizes[self.values:self.values + count] = itemsize
        self.values += count
        return ids

    def _size_of(self, *arrays) -> int:
        """The widest itemsize among the arrays' values (the result type of an operation on them)."""
        return max([int(self._sizes[np.asarray(a).ravel()].max()) for a in arrays if np.size(a)] or [1])

    def _check(self, *arrays) -> list[np.ndarray]:
        out = []
        for a in arrays:
            a = np.asarray(a)
            if a.dtype.kind not in "iu":
                raise TypeError("tape arrays are arrays of value ids (from argument() or an operation)")
            if a.size and (a.min() < 0 or a.max() >= self.values):
                raise ValueError("an operation reads a value that does not exist yet")
            out.append(a.astype(np.int64, copy=False))
        return out

    def _emit(self, reads: np.ndarray, writes: np.ndarray, arithmetic: bool = True) -> None:
        """reads (n, r) value ids (-1: none), writes (n,) value ids (-1: no output), in execution order;
        ``arithmetic``: the instructions count as FLOPs (not so a zero fill)."""
        n = len(writes)
        if n == 0:
            return
        table = np.concatenate([reads, writes[:, None]], axis=1)
        is_read = np.zeros(table.shape, bool)
        is_read[:, :-1] = True
        number = np.broadcast_to(np.arange(self._numbered, self._numbered + n)[:, None], table.shape)
        keep = table >= 0
        self._events.append((table[keep], is_read[keep], number[keep]))
        self._numbered += n
        if arithmetic:
            self.instructions += n
        else:
            self.free_writes += n

    def argument(self, shape, dtype=np.float32) -> np.ndarray:
        """An array loaded before the computation, at no cost; later arguments end higher on the stack."""
        if self._numbered:
            raise ValueError("arguments are loaded before the first operation")
        shape = tuple(int(s) for s in np.atleast_1d(np.asarray(shape, dtype=np.int64)))
        ids = self._new(int(np.prod(shape)) if shape else 1, np.dtype(dtype).itemsize)
        self._loads.append(ids)
        return ids.reshape(shape)

    def zeros(self, shape, dtype=np.float32) -> np.ndarray:
        """A fresh array written without reading anything (``np.zeros``): its values cost nothing to make."""
        shape = tuple(int(s) for s in np.atleast_1d(np.asarray(shape, dtype=np.int64)))
        ids = self._new(int(np.prod(shape)) if shape else 1, np.dtype(dtype).itemsize)
        self._emit(np.zeros((len(ids), 0), np.int64), ids, arithmetic=False)
        return ids.reshape(shape)

    def map(self, *arrays, itemsize: int | None = None) -> np.ndarray:
        """One instruction per element of the broadcast shape, reading each array's element in order."""
        if not arrays:
            raise ValueError("an operation reads at least one array")
        arrays = self._check(*arrays)
        shaped = np.broadcast_arrays(*arrays)
        size = itemsize or self._size_of(*arrays)
        out = self._new(shaped[0].size, size)
        reads = np.stack([s.ravel() for s in shaped], axis=1)
        self._emit(reads, out)
        return out.reshape(shaped[0].shape)

    def reduce(self, x, axis: int = -1) -> np.ndarray:
        """Accumulate over ``axis`` from its first element (n - 1 instructions per output element)."""
        (x,) = self._check(x)
        x = np.moveaxis(x, axis, -1)
        n = x.shape[-1]
        if n == 0:
            raise ValueError("reduce over an empty axis")
        rows = x.reshape(-1, n)
        if n == 1:
            return rows[:, 0].reshape(x.shape[:-1])
        size = self._size_of(rows)
        partial = self._new(rows.shape[0] * (n - 1), size).reshape(rows.shape[0], n - 1)
        running = np.concatenate([rows[:, :1], partial[:, :-1]], axis=1)      # (P, n - 1)
        reads = np.stack([running, rows[:, 1:]], axis=2).reshape(-1, 2)
        self._emit(reads, partial.ravel())
        return partial[:, -1].reshape(x.shape[:-1])

    def matmul(self, a, b, order: str = "ijk") -> np.ndarray:
        """a (..., M, K) or (K,) @ b (K, N) or (K,), as the loop nest ``order`` ("ijk" or "ikj") runs it."""
        a, b = self._check(a, b)
        if order not in ("ijk", "ikj"):
            raise ValueError(f"order must be 'ijk' or 'ikj', got {order!r}")
        vector_a, vector_b = a.ndim == 1, b.ndim == 1
        a2 = a[None, :] if vector_a else a
        b2 = b[:, None] if vector_b else b
        if b2.ndim != 2 or a2.shape[-1] != b2.shape[0]:
            raise ValueError(f"matmul shapes {a.shape} and {b.shape} do not match")
        rows = a2.reshape(-1, a2.shape[-1])                                   # (M', K)
        m, k = rows.shape
        n = b2.shape[1]
        size = self._size_of(rows, b2)
        if k == 0:
            raise ValueError("matmul over an empty axis")
        if order == "ijk":
            a_ik = np.broadcast_to(rows[:, None, :], (m, n, k))
            b_kj = np.broadcast_to(b2.T[None, :, :], (m, n, k))
            products = self._new(m * n * k, size).reshape(m, n, k)
            sums = self._new(m * n * (k - 1), size).reshape(m, n, k - 1)
            running = np.concatenate([products[:, :, :1], sums[:, :, :-1]], axis=2)
            steps = 2 * k - 1
            reads = np.empty((m, n, steps, 2), np.int64)
            writes = np.empty((m, n, steps), np.int64)
            # steps: product 0, then product k at 2k - 1 and its sum at 2k
            product_steps = np.concatenate([[0], np.arange(1, steps, 2)])
            reads[:, :, product_steps, 0], reads[:, :, product_steps, 1] = a_ik, b_kj
            writes[:, :, product_steps] = products
            reads[:, :, 2::2, 0], reads[:, :, 2::2, 1] = running, products[:, :, 1:]
            writes[:, :, 2::2] = sums
            out = np.concatenate([products[:, :, :1], sums], axis=2)[:, :, -1]
        else:
            # per row i, per k: n products, then (k > 0) n sums into the row's partial sums
            a_ik = np.broadcast_to(rows[:, :, None], (m, k, n))
            b_kj = np.broadcast_to(b2[None, :, :], (m, k, n))
            products = self._new(m * k * n, size).reshape(m, k, n)
            sums = self._new(m * (k - 1) * n, size).reshape(m, k - 1, n)
            running = np.concatenate([products[:, :1, :], sums[:, :-1, :]], axis=1)   # (m, k - 1, n)
            reads = np.full((m, k, n, 2, 2), -1, np.int64)                   # [i, k, j, (product, sum), read]
            writes = np.full((m, k, n, 2), -1, np.int64)
            reads[:, :, :, 0, 0], reads[:, :, :, 0, 1] = a_ik, b_kj
            writes[:, :, :, 0] = products
            reads[:, 1:, :, 1, 0], reads[:, 1:, :, 1, 1] = running, products[:, 1:, :]
            writes[:, 1:, :, 1] = sums
            keep = writes.reshape(-1) >= 0
            reads, writes = reads.reshape(-1, 2)[keep], writes.reshape(-1)[keep]
            out = np.concatenate([products[:, :1, :], sums], axis=1)[:, -1, :]
        self._emit(reads.reshape(-1, 2), writes.reshape(-1))
        out = out.reshape(a2.shape[:-1] + (n,))
        if vector_b:
            out = out[..., 0]
        if vector_a:
            out = out[0]
        return out

    def events(self):
        """The tape as the event stream of ``price_events``: (values, reads, instruction, sizes)."""
        loads = np.concatenate(self._loads) if self._loads else np.zeros(0, np.int64)
        # each load is an instruction of its own, numbered before the computation's (as trace_events)
        values = np.concatenate([loads] + [e[0] for e in self._events])
        reads = np.concatenate([np.zeros(len(loads), bool)] + [e[1] for e in self._events])
        number = np.concatenate([np.arange(len(loads))] + [e[2] + len(loads) for e in self._events])
        return values, reads, number.astype(np.int64), self._sizes[:self.values].copy()

    def price(self, liveness: bool = True) -> Cost:
        """Price the tape under the module's rules (``price_events`` on its event stream)."""
        return price_events(*self.events(), liveness=liveness)
