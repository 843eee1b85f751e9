"""The stub contract, checked by running every implemented stub's scripts."""

from __future__ import annotations

import json
import sys

import pytest
from PIL import Image

from conftest import IMPLEMENTED, ROOT, catalog, run_script
from shared.frame.experiment import RECORD_KEYS, SECTION_KEYS, comparable, record_errors
from shared.frame.figures import GIF_CAP_BYTES, GIF_MIN_FRAMES, PNG_CAP_BYTES

pytestmark = pytest.mark.skipif(not IMPLEMENTED, reason="no stub implemented yet")


def script(slug: str, kind: str = "") -> str:
    m = catalog.module(slug)
    name = {"": f"{m}.py", "viz": f"visualize_{m}.py", "gif": f"make_{m}_gif.py"}[kind]
    return f"{slug}/{name}"


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_files_present(slug):
    assert catalog.stub_errors(slug) == []


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_help_documents_the_standard_flags(slug):
    done = run_script(script(slug), "--help")
    assert done.returncode == 0
    for flag in ("--seed", "--n-seeds", "--quick", "--record"):
        assert flag in done.stdout


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_a_bad_argument_exits_2_with_one_line(slug):
    """As a process (the parse itself is tested in-process, flag by flag, in test_command_lines)."""
    done = run_script(script(slug), "--n-seeds", "two")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_quick_runs_record_and_repeat_exactly(slug, tmp_path):
    records = []
    for name in ("first.json", "second.json"):
        done = run_script(script(slug), "--quick", "--seed", "0", "--record", tmp_path / name)
        assert done.returncode == 0, done.stderr
        assert "== verdict" in done.stdout
        record = json.loads((tmp_path / name).read_text())
        assert record_errors(record, RECORD_KEYS) == []
        records.append(comparable({k: v for k, v in record.items() if k != "command"}))
    assert records[0] == records[1]


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_run_without_record_writes_nothing(slug, tmp_path):
    before = {p: p.stat().st_mtime_ns for p in (ROOT / slug).rglob("*") if p.is_file()}
    done = run_script(ROOT / script(slug), "--quick", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = {p: p.stat().st_mtime_ns for p in (ROOT / slug).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {p: t for p, t in before.items() if "__pycache__" not in p.parts} == after
    assert list(tmp_path.iterdir()) == []


# Both picture scripts of a stub in one process, as `python3 <script> --quick --out ...` runs each
# (one interpreter start and one matplotlib import instead of two).
PICTURE_RUNNER = """
import os, runpy, sys
for path, out in zip(sys.argv[1::2], sys.argv[2::2]):
    sys.argv = [path, "--quick", "--out", out]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as done:
        if done.code not in (0, None):
            raise
"""


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_pictures_regenerate(slug, tmp_path):
    gif = tmp_path / "anim.gif"
    done = run_script("-c", PICTURE_RUNNER, script(slug, "viz"), tmp_path / "viz", script(slug, "gif"), gif)
    assert done.returncode == 0, done.stderr
    pngs = list((tmp_path / "viz").glob("*.png"))
    assert pngs
    assert {p.name for p in pngs} <= {p.name for p in (ROOT / slug / "viz").glob("*.png")}
    assert all(p.stat().st_size <= PNG_CAP_BYTES for p in pngs)
    assert gif.stat().st_size <= GIF_CAP_BYTES
    with Image.open(gif) as image:
        assert image.n_frames >= GIF_MIN_FRAMES


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_odyssnet_comparison_records_a_section(slug, tmp_path):
    help_text = run_script(script(slug), "--help").stdout
    if "odyssnet" not in help_text:
        pytest.skip("no OdyssNet comparison in this stub")
    path = tmp_path / "results.json"
    done = run_script(script(slug), "--model", "odyssnet", "--quick", "--n-seeds", "2", "--record", path)
    assert done.returncode == 0, done.stderr
    section = json.loads(path.read_text())["odyssnet"]
    assert record_errors(section, SECTION_KEYS) == []
    assert "--model odyssnet" in section["command"]


def _first_non_stdlib_import(path) -> str | None:
    import ast
    for node in ast.parse(path.read_text()).body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            names = [node.module]
        for name in names:
            if name.split(".")[0] not in sys.stdlib_module_names:
                return name
    return None


SCRIPTS = sorted(p for slug in IMPLEMENTED for p in (ROOT / slug).glob("*.py")) + \
    sorted((ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scripts_import_shared_before_numpy(path):
    """The kernel pins (shared/__init__.py) act only if shared is imported before numpy loads."""
    first = _first_non_stdlib_import(path)
    assert first is not None and first.split(".")[0] == "shared", \
        f"{path.name}: the first non-standard-library import is {first!r}; import shared first"


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_ctrl_c_ends_a_run_with_one_line_and_exit_130(slug):
    """SIGINT once the run has started (its first line printed): one line on stderr, status 130,
    and no temporary file left beside the record."""
    import contextlib
    import os
    import select
    import signal
    import subprocess

    # as a terminal does it: the run in its own process group (worker processes included), SIGINT
    # to the whole group, SIGINT not ignored (a test runner started in the background may ignore
    # it, and the child would inherit that)
    run = subprocess.Popen([sys.executable, "-u", script(slug)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        ready, _, _ = select.select([run.stdout], [], [], 60)
        assert ready, "the run printed nothing within 60 s"
        run.stdout.readline()
        os.killpg(run.pid, signal.SIGINT)
        _, err = run.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130, err
    assert err.strip().splitlines() == [f"{script(slug).split('/')[1]}: interrupted"]
    assert list((ROOT / slug).glob(".*.tmp")) == []
