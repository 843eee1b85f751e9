"""Where a sweep's independent jobs run: local processes, or the workers of a Dask cluster.

    >>> from shared.frame.cluster import pool
    >>> with pool(workers=2) as executor:                           # local processes
    ...     results = list(executor.map(run_seed, seeds))
    >>> with pool(scheduler="tcp://10.0.0.5:8786") as executor:     # one task per job on the cluster
    ...     results = list(executor.map(run_seed, seeds))

Both are ``concurrent.futures`` executors, so a stub's sweep is written once. A job is a pure
function of its argument (explicit generators, no global state), so its result does not depend on
where it runs: on the same kind of machine, with the same kernels (see ``shared.frame.machine``), a
cluster's sweep writes the same ``results.json`` as a local one. The cluster needs the optional
extra (``pip install -e '.[cluster]'``: dask.distributed); its workers need this repository's
``shared`` package importable and the recording machine's kernel settings in their environment
(README.md, "Seed sweeps on a Dask cluster").
"""

from __future__ import annotations

import argparse
import contextlib
import re
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Iterator

CLUSTER_EXTRA = "pip install -e '.[cluster]'"


def scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler address, ``tcp://HOST:PORT`` (or tls://, ucx://)."""
    if not re.fullmatch(r"(tcp|tls|ucx)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}", text):
        raise argparse.ArgumentTypeError(f"expected a scheduler address like tcp://HOST:8786, got {text!r}")
    return text


class ClusterError(RuntimeError):
    """No cluster to run on: the extra is missing or the scheduler does not answer."""


@contextlib.contextmanager
def pool(workers: int = 1, scheduler: str | None = None, timeout: float = 10.0) -> Iterator[Executor]:
    """An executor for independent jobs: ``workers`` local processes, or, with ``scheduler`` (a
    Dask scheduler address such as ``tcp://HOST:8786``), the cluster's workers."""
    if scheduler is None:
        with ProcessPoolExecutor(max_workers=max(1, int(workers))) as executor:
            yield executor
        return
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(f"--scheduler needs dask.distributed: {CLUSTER_EXTRA}") from None
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"no Dask scheduler answers at {scheduler} ({type(error).__name__})") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
