"""Numerics and the run frame shared by every problem of the catalog.

Grouped by kind, one subpackage each (a group imports only those listed before it):

- ``shared.frame``: the run frame: command line, progress, seed sweeps, verdicts, records, pictures,
  argument checks, the numerical gradient check.
- ``shared.networks``: networks with hand-written backward passes (the LSTM family, the papers'
  LSTM, OdyssNet, MLP, fast weights, attention, world models, the Neural Bucket Brigade) and optimizers.
- ``shared.environments``: the long-time-lag papers' sequence tasks, the cart-pole, grid mazes.
- ``shared.learning``: the papers' on-line protocols and stopping rules, controllers trained through
  models, reinforcement-learning rules, the neural sequence chunker, ICA.
- ``shared.search``: random weight guessing, Levin search, OOPS, PIPE and GP, evolution strategies.

Importing this package pins the numerical kernels, before numpy loads (every script of the catalog
imports ``shared`` before numpy; ``tests/test_stubs.py`` checks it):

* one BLAS thread: the catalog's matrices are small, so extra threads only contend for the cores,
  and one thread keeps every sum in the same order, run after run;
* on x86-64 with AVX2 and FMA, OpenBLAS's Haswell kernels, whatever CPU it detects (another core
  type blocks and vectorises its products differently, so the last bits of every product differ);
* on CPUs with AVX-512, numpy's AVX-512 loops off, so that exp, tanh, log and friends run the same
  AVX2 code as on every other x86-64 machine.

Long training amplifies a last-bit difference into a different run, so these pins are what makes a
seed's figures the same on two x86-64 machines (with the same numpy and OpenBLAS builds). A setting
already in the environment is left alone: that is how ``bin/catalog.py verify`` is run under another
kernel set on purpose. What was in effect is recorded (``shared.frame.machine.describe``).
"""

import os as _os
import sys as _sys

NUMPY_LOADED_FIRST = "numpy" in _sys.modules  # then the pins below come too late to take effect

# numpy's names for its AVX-512 dispatch targets: the grouped names of numpy >= 2.4 and the older
# per-feature names (numpy ignores, with at most an ImportWarning, names it does not know).
_AVX512_NAMES = ("X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX "
                 "AVX512_CLX AVX512_CNL")


def _cpu_flags() -> set:
    """The CPU's feature flags as Linux reports them (empty elsewhere: then nothing is pinned)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def kernel_pins(flags: set, machine: str) -> dict:
    """The environment settings the catalog pins on a CPU with these flags (see the module doc)."""
    pins = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if machine in ("x86_64", "AMD64") and {"avx2", "fma"} <= flags:
        pins["OPENBLAS_CORETYPE"] = "Haswell"
        if "avx512f" in flags:
            pins["NPY_DISABLE_CPU_FEATURES"] = _AVX512_NAMES
    return pins


PINS = kernel_pins(_cpu_flags(), _os.uname().machine if hasattr(_os, "uname") else "")
for _variable, _value in PINS.items():
    _os.environ.setdefault(_variable, _value)
