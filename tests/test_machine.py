"""The kernel pins and the machine block of a record."""

from __future__ import annotations

import json
import subprocess
import sys

import shared
from shared.frame import machine

PROBE = ("import json, shared.frame.machine as m; d = m.describe(); "
         "print(json.dumps({'k': m.kernels(d), 'took': d['pins_took_effect'], 'env': d['environment']}))")


def run(code: str, env: dict | None = None) -> dict:
    import os
    full = {k: v for k, v in os.environ.items() if k not in machine.KERNEL_VARIABLES}
    full.update(env or {})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_pins_follow_the_cpu():
    base = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert shared.kernel_pins(set(), "x86_64") == base
    assert shared.kernel_pins({"avx2"}, "x86_64") == base  # no FMA: Haswell kernels would fault
    assert shared.kernel_pins({"avx2", "fma"}, "x86_64") == {**base, "OPENBLAS_CORETYPE": "Haswell"}
    avx512 = shared.kernel_pins({"avx2", "fma", "avx512f"}, "x86_64")
    assert avx512["OPENBLAS_CORETYPE"] == "Haswell" and "X86_V4" in avx512["NPY_DISABLE_CPU_FEATURES"]
    assert shared.kernel_pins({"avx2", "fma", "avx512f"}, "aarch64") == base


def test_importing_shared_first_pins_the_kernels():
    out = run(PROBE)
    assert out["took"] is True
    assert out["env"]["OPENBLAS_NUM_THREADS"] == "1"
    if out["k"]["blas_core"] is not None:  # OpenBLAS: it reports the thread count and core it runs
        assert out["k"]["blas_threads"] == 1
        if shared.PINS.get("OPENBLAS_CORETYPE"):
            assert out["k"]["blas_core"] == shared.PINS["OPENBLAS_CORETYPE"]


def test_numpy_first_is_detected_and_recorded():
    out = run("import numpy; " + PROBE)
    assert out["took"] is False


def test_an_explicit_setting_wins():
    out = run(PROBE, {"OPENBLAS_NUM_THREADS": "2"})
    assert out["env"]["OPENBLAS_NUM_THREADS"] == "2"
    if out["k"]["blas_core"] is not None:
        assert out["k"]["blas_threads"] == 2


def test_describe_is_json_ready_and_complete():
    info = machine.describe()
    json.dumps(info)
    for key in ("cpu", "arch", "python", "numpy", "simd", "blas", "environment", "pins_took_effect"):
        assert key in info
    assert set(machine.kernels(info)) == {"numpy", "simd_enabled", "blas", "blas_core", "blas_threads", "arch"}
