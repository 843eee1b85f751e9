"""The test suite on every core: the collected tests dealt round-robin into one pytest process per core.

    python3 bin/test.py                      # what CI runs (README.md, .ci/run)
    python3 bin/test.py --workers 1 -x       # one process; arguments after the options go to pytest
    python3 -m pytest -q                     # the same tests in one process, pytest's own output

Each process runs every k-th test of the same collection (tests/conftest.py reads
CATALOG_TEST_SHARD=k/n) with its own temporary directory; the outputs are printed when all have
ended, a failing process's in full. The exit status is pytest's: 0 when every process passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.frame.experiment import ArgumentParser  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NO_TESTS = 5     # pytest's exit status when a process collected nothing


def main(argv=None) -> int:
    parser = ArgumentParser(prog="test.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="pytest processes (default: one per core)")
    args, pytest_args = parser.parse_known_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="catalog-tests-") as scratch:
        runs = []
        for k in range(args.workers):
            log = open(Path(scratch) / f"shard-{k}.log", "w+")
            env = {**os.environ, "CATALOG_TEST_SHARD": f"{k}/{args.workers}"}
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       "--basetemp", str(Path(scratch) / f"tmp-{k}"), *pytest_args]
            runs.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log))
        codes = []
        for k, (run, log) in enumerate(runs):
            codes.append(run.wait())
            log.seek(0)
            text = log.read()
            log.close()
            lines = text.strip().splitlines()
            failed = codes[-1] not in (0, NO_TESTS)
            print(f"--- tests {k + 1}/{args.workers}: {lines[-1] if lines else 'no output'}")
            if failed:
                print(text)
    real = [code for code in codes if code != NO_TESTS]
    print(f"--- {args.workers} process{'es' if args.workers > 1 else ''}, {time.perf_counter() - start:.0f} s")
    return max(real) if real else NO_TESTS


if __name__ == "__main__":
    sys.exit(main())
