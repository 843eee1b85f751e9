"""Test helpers: load the catalog tool and stub scripts by path (they are scripts, not packages)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import shared  # noqa: E402,F401  (before numpy: one BLAS thread)

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def load_module(path: Path, name: str | None = None):
    """Import a script by file path. Registered in sys.modules so dataclasses can resolve it."""
    name = name or path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


catalog = load_module(ROOT / "bin" / "catalog.py", "catalog")
IMPLEMENTED = [e["slug"] for e in catalog.entries() if catalog.implemented(e["slug"])]


def run_script(*args, cwd=ROOT, timeout=120):
    """Run a Python script of the repository; returns the CompletedProcess."""
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def catalog_module():
    return catalog


def pytest_collection_modifyitems(config, items):
    """CATALOG_TEST_SHARD=k/n (set by bin/test.py): keep every n-th test from the k-th on."""
    shard = os.environ.get("CATALOG_TEST_SHARD")
    if not shard:
        return
    k, n = (int(part) for part in shard.split("/"))
    keep = [item for i, item in enumerate(items) if i % n == k]
    config.hook.pytest_deselected(items=[item for i, item in enumerate(items) if i % n != k])
    items[:] = keep
