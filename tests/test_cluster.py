"""Seed sweeps on a Dask cluster (the optional extra): a sweep sent to a LocalCluster of two worker
processes on 127.0.0.1 writes the same record as the local sweep."""

from __future__ import annotations

import functools
import json
import signal

import pytest

from conftest import ROOT, catalog, load_module, run_script
from shared.frame.cluster import ClusterError, pool

distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed")


@pytest.fixture(scope="module")
def scheduler():
    # started from this process, whose environment already holds the catalog's kernel pins
    # (`import shared` in conftest), so the workers compute with the same kernels
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster:   # any free port: tests may run side by side
        yield cluster.scheduler_address


def records(slug: str, script: str, tmp_path, address: str, common: list[str], local: list[str]):
    """The quick sweep's record run locally (with ``local``'s flags) and on the cluster."""
    out = {}
    for name, extra in (("local", local), ("cluster", ["--scheduler", address])):
        path = tmp_path / f"{name}.json"
        done = run_script(ROOT / slug / script, "--quick", *common, *extra, "--record", path, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        out[name] = json.loads(path.read_text())
    return out


def assert_same(got: dict) -> None:
    """Every figure and the verdict equal (the commands differ by their --scheduler, wallclock by the run)."""
    same = catalog.compare_figures(got["local"], got["cluster"])
    assert same["figures"] > 20 and same["moved"] == [], same["moved"][:5]
    assert got["cluster"]["verdict"] == got["local"]["verdict"]


def test_a_population_sweep_on_the_cluster_equals_the_local_one(scheduler, tmp_path):
    got = records("lstm-search-space-odyssey", "lstm_search_space_odyssey.py", tmp_path, scheduler, [],
                  ["--workers", "2"])
    assert_same(got)


def test_a_per_seed_sweep_on_the_cluster_equals_the_local_side_by_side_one(scheduler, tmp_path):
    """flip-flop trains its seeds side by side locally; on the cluster every seed is a task alone."""
    got = records("flip-flop", "flip_flop.py", tmp_path, scheduler, ["--regime", "parallel", "--n-seeds", "2"], [])
    assert_same(got)


def test_the_pool_runs_jobs_in_order_and_a_silent_scheduler_is_one_clear_error(scheduler):
    with pool(scheduler=scheduler) as executor:
        assert list(executor.map(pow, [2, 3, 4], [2, 2, 2])) == [4, 9, 16]
    with pytest.raises(ClusterError, match="no Dask scheduler answers at tcp://127.0.0.1:1"):
        with pool(scheduler="tcp://127.0.0.1:1", timeout=2):
            pass



def test_a_stub_ends_in_one_line_when_no_scheduler_answers(monkeypatch, capsys):
    flip_flop = load_module(ROOT / "flip-flop" / "flip_flop.py")
    monkeypatch.setattr(flip_flop, "pool", functools.partial(pool, timeout=1))     # fail fast in the test
    handler = signal.getsignal(signal.SIGINT)
    try:
        code = flip_flop.main(["--quick", "--regime", "parallel", "--scheduler", "tcp://127.0.0.1:1"])
    finally:
        signal.signal(signal.SIGINT, handler)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no Dask scheduler answers at tcp://127.0.0.1:1" in err[0]
