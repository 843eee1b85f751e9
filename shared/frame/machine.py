"""What a record says about the machine that made it.

Two runs of the same command agree bit for bit when the arithmetic underneath is the same: the numpy
build and the SIMD loops it dispatches to, the BLAS library, its kernel (core type) and thread count.
``describe()`` records all of it in ``results.json`` (``machine``); ``kernels(machine)`` picks out the
part that decides the arithmetic, so that ``bin/catalog.py verify`` can say why figures moved.

    >>> from shared.frame.machine import describe, kernels
    >>> info = describe()                     # dict, JSON-ready
    >>> kernels(info)["blas_core"]            # e.g. 'Haswell'
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
import time

import numpy as np

import shared

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
KERNEL_VARIABLES = (*THREAD_VARIABLES, "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")


def cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo; elsewhere what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def simd() -> dict:
    """numpy's SIMD targets: the baseline it was compiled for and the dispatch targets in use."""
    try:
        from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    return {"baseline": list(__cpu_baseline__),
            "enabled": [name for name in __cpu_dispatch__ if __cpu_features__.get(name)],
            "disabled_or_absent": [name for name in __cpu_dispatch__ if not __cpu_features__.get(name)]}


def _loaded_libraries() -> list[str]:
    try:
        with open("/proc/self/maps") as handle:
            return sorted({line.split()[-1] for line in handle if line.rstrip().endswith(".so")
                           or ".so." in line.split()[-1]})
    except OSError:
        return []


def _openblas_call(library: ctypes.CDLL, stem: str, restype):
    """Call OpenBLAS's ``stem`` under whichever symbol prefix/suffix this build uses."""
    for name in (f"scipy_openblas_{stem}64_", f"scipy_openblas_{stem}", f"openblas_{stem}64_",
                 f"openblas_{stem}"):
        function = getattr(library, name, None)
        if function is not None:
            function.restype = restype
            value = function()
            return value.decode() if isinstance(value, bytes) else value
    return None


def blas() -> dict:
    """The BLAS numpy links: name and version from numpy's build configuration, and for OpenBLAS
    the core type it runs (the kernel), its configuration string and thread count, asked of the
    loaded library itself."""
    info = {"name": None, "version": None, "core": None, "threads": None, "config": None}
    try:
        build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["name"], info["version"] = build.get("name"), build.get("version")
    except Exception:  # older numpy: no dict mode; the library itself still answers below
        pass
    for path in _loaded_libraries():
        if "openblas" not in os.path.basename(path).lower():
            continue
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        info["core"] = _openblas_call(library, "get_corename", ctypes.c_char_p)
        info["config"] = _openblas_call(library, "get_config", ctypes.c_char_p)
        info["threads"] = _openblas_call(library, "get_num_threads", ctypes.c_int)
        if info["core"] is not None:
            break
    return info


def describe() -> dict:
    """The machine block of a record."""
    return {
        "cpu": cpu_model(),
        "arch": platform.machine(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simd": simd(),
        "blas": blas(),
        "environment": {name: os.environ.get(name) for name in KERNEL_VARIABLES},
        "pins_took_effect": not shared.NUMPY_LOADED_FIRST,
        "recorded": time.strftime("%Y-%m-%d"),
    }


def kernels(machine: dict) -> dict:
    """The facts of a machine block that decide the arithmetic (what must match for bit-for-bit)."""
    blas_info = machine.get("blas") or {}
    return {
        "numpy": machine.get("numpy"),
        "simd_enabled": " ".join((machine.get("simd") or {}).get("enabled") or []) or None,
        "blas": f"{blas_info.get('name')} {blas_info.get('version')}" if blas_info else None,
        "blas_core": blas_info.get("core"),
        "blas_threads": blas_info.get("threads"),
        "arch": machine.get("arch"),
    }


if __name__ == "__main__":
    import json

    json.dump(describe(), sys.stdout, indent=1)
    print()
