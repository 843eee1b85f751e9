"""bin/catalog.py verify and the verdict checks of `check`, on a small stand-in stub in a scratch tree."""

from __future__ import annotations

import sys
import json
import textwrap

import pytest

from conftest import catalog, run_script

SLUG = "ssa-bias-transfer-mazes"  # a planned slug, so the scratch stub is a catalog entry
SCRIPT = textwrap.dedent('''
    """A stand-in stub: draws a number per seed; the rule says the mean is below a limit."""
    import shared
    import sys
    import numpy as np
    from shared.frame.experiment import conclude, require_seeds, stub_parser, summarize
    from shared.frame.verdict import grade, judge, mean_below, pending

    def verdict(record):
        if not record.get("seeds") or "scaled" not in record:
            return pending("needs the sweep and the scaled section")
        values = [r["value"] for r in record["seeds"]["per_seed"]]
        return grade(judge([mean_below("the mean is below 5", "Table 1", values, 5.0, "value")]))

    def main():
        parser = stub_parser(__file__, "demo", quick="quick")
        parser.add_argument("--scale", type=float, default=1.0)
        args = parser.parse_args()
        require_seeds(parser, args, 3)
        rows = [{"seed": s, "value": float((1.0 + 0.1 * np.tanh(np.random.default_rng(s).standard_normal())) * args.scale),
                 "solved": True} for s in range(args.seed, args.seed + args.n_seeds)]
        part = {"summary": "one line", "headline": {"value": rows[0]["value"]},
                "seeds": {"per_seed": rows, "summary": {**summarize([r["value"] for r in rows], [True] * len(rows)),
                                                        "metric": "value"}} if len(rows) > 1 else None,
                "tables": [], "wallclock_s": 0.0}
        if args.scale == 1.0:
            part.update(slug="ssa-bias-transfer-mazes", tour="t", paper={"citation": "c", "claim": "x", "figures": [
                {"name": "limit", "value": 5.0, "where": "Table 1"}]})
        conclude(part, __file__, verdict, args.record, section=None if args.scale == 1.0 else "scaled")
        return 0

    if __name__ == "__main__":
        sys.exit(main())
''')


@pytest.fixture
def tree(tmp_path):
    stub = tmp_path / SLUG
    stub.mkdir()
    (stub / "ssa_bias_transfer_mazes.py").write_text(SCRIPT)
    for flags in (["--n-seeds", "4"], ["--scale", "0.5", "--n-seeds", "3"]):
        done = run_script(stub / "ssa_bias_transfer_mazes.py", *flags, "--record", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    return tmp_path


def record_of(tree):
    return json.loads((tree / SLUG / "results.json").read_text())


def test_the_stand_in_records_a_verdict_over_both_parts(tree):
    record = record_of(tree)
    assert record["verdict"]["value"] == "yes"
    assert record["scaled"]["command"].endswith("--scale 0.5 --n-seeds 3 --record")
    assert catalog.recomputed_verdict(SLUG, record, tree) == record["verdict"]


def test_recorded_runs_keep_only_the_flags(tree):
    assert catalog.recorded_runs(SLUG, tree) == [(None, ["--n-seeds", "4"]), ("scaled", ["--scale", "0.5", "--n-seeds", "3"])]


@pytest.mark.parametrize("command", [
    "python3 -c 'import os'", "python3 other/other.py --record", "sh ssa-bias-transfer-mazes/ssa_bias_transfer_mazes.py",
    "python3 ssa-bias-transfer-mazes/ssa_bias_transfer_mazes.py --seed '0"])
def test_recorded_runs_refuse_a_foreign_command(tree, command):
    record = record_of(tree)
    (tree / SLUG / "results.json").write_text(json.dumps({**record, "command": command}))
    with pytest.raises(ValueError, match="results.json"):
        catalog.recorded_runs(SLUG, tree)


def test_verify_reproduces_exactly_and_leaves_the_record(tree, capsys):
    before = (tree / SLUG / "results.json").read_text()
    assert catalog.verify([SLUG], jobs=2, root=tree) == 0
    out = capsys.readouterr().out
    assert "yes → yes" in out and "0 verdict(s) changed" in out
    assert (tree / SLUG / "results.json").read_text() == before


def test_verify_resumes_from_its_keep_folder(tree, capsys, tmp_path):
    keep = tmp_path / "kept"
    assert catalog.verify([SLUG], jobs=1, keep=keep, root=tree) == 0
    main = keep / SLUG / "main.json"
    stamp = main.stat().st_mtime_ns
    (keep / SLUG / "scaled.json").unlink()                  # an interrupted verify: one rerun missing
    capsys.readouterr()
    assert catalog.verify([SLUG], jobs=1, keep=keep, root=tree, resume=True) == 0
    out = capsys.readouterr().out
    assert "1 recorded command(s) to run (1 reused" in out and "yes → yes" in out
    assert main.stat().st_mtime_ns == stamp and (keep / SLUG / "scaled.json").exists()
    kept = json.loads(main.read_text())
    kept["command"] += " --scale 1"                         # another command: not reused
    main.write_text(json.dumps(kept))
    capsys.readouterr()
    assert catalog.verify([SLUG], jobs=1, keep=keep, root=tree, resume=True) == 0
    assert "1 recorded command(s) to run (1 reused" in capsys.readouterr().out


def test_verify_reports_moved_figures_and_a_changed_verdict(tree, capsys):
    record = record_of(tree)
    record["seeds"]["per_seed"][1]["value"] *= 1.5          # a figure the rerun will not reproduce
    record["verdict"] = {**record["verdict"], "value": "no"}  # and a verdict it will not give
    (tree / SLUG / "results.json").write_text(json.dumps(record))
    assert catalog.verify([SLUG], jobs=1, root=tree) == 1
    out = capsys.readouterr().out
    assert "seeds.per_seed[1].value" in out and "(33.3%)" in out
    assert "no → yes  CHANGED" in out


def test_compare_figures_counts_exact_and_moved():
    result = catalog.compare_figures({"a": 1.0, "b": [1, 2], "wallclock_s": 3.0, "c": "x"},
                                     {"a": 1.0, "b": [1, 3], "wallclock_s": 9.0, "c": "y"})
    assert result["figures"] == 4 and result["exact"] == 2
    assert [m["figure"] for m in result["moved"]] == ["b[1]", "c"]


def test_check_refuses_a_pending_or_hand_edited_verdict(tree):
    record = record_of(tree)
    assert [e for e in catalog.record_file_errors(SLUG, tree) if "verdict" in e] == []
    (tree / SLUG / "results.json").write_text(json.dumps({**record, "verdict": {**record["verdict"], "value": "partial"}}))
    assert any("is not what ssa_bias_transfer_mazes.verdict() gives" in e for e in catalog.record_file_errors(SLUG, tree))
    (tree / SLUG / "results.json").write_text(json.dumps({**record, "verdict": {"value": "pending", "reason": "r",
                                                                                "claims": []}}))
    assert any("verdict pending" in e for e in catalog.record_file_errors(SLUG, tree))


def test_record_refuses_a_sweep_below_the_rules_minimum(tree):
    done = run_script(tree / SLUG / "ssa_bias_transfer_mazes.py", "--n-seeds", "2", "--record", cwd=tree)
    assert done.returncode == 2 and "--n-seeds >= 3" in done.stderr


def test_check_refuses_a_record_path_outside_the_stub(tree):
    record = record_of(tree)
    for target in ("../elsewhere.json", "/tmp/x.json", "ssa-bias-transfer-mazes/../x.json"):
        command = f"python3 {SLUG}/ssa_bias_transfer_mazes.py --n-seeds 4 --record {target}"
        (tree / SLUG / "results.json").write_text(json.dumps({**record, "command": command}))
        assert any("leaves the stub's folder" in e for e in catalog.record_file_errors(SLUG, tree)), target
    command = f"python3 {SLUG}/ssa_bias_transfer_mazes.py --n-seeds 4 --record {SLUG}/results.json"
    (tree / SLUG / "results.json").write_text(json.dumps({**record, "command": command}))
    assert not any("leaves" in e for e in catalog.record_file_errors(SLUG, tree))


def test_generated_markdown_escapes_html_from_records(tree):
    record = record_of(tree)
    record["summary"] = "<script>alert(1)</script> & more"
    record["seeds"] = record["scaled"]["seeds"] = None  # the stand-in's sweep summaries are minimal
    record["tables"] = [{"title": "<b>t</b>", "columns": ["<i>c</i>"], "rows": [["<img src=x>"]]}]
    block = catalog.render_record_block(record)
    assert "<script>" not in block and "<b>" not in block and "<img" not in block and "<i>" not in block
    assert "&lt;b&gt;t&lt;/b&gt;" in block
    assert "&lt;script&gt;" in catalog.cell(record["summary"])


def test_run_command_reports_progress_and_stops_at_its_timeout(tmp_path, capsys):
    code, err, seconds = catalog.run_command([sys.executable, "-c", "import time; time.sleep(30)"], tmp_path,
                                             "sleeper", timeout=1.2, every=0.5)
    assert code is None and "timed out" in err and seconds < 10
    assert capsys.readouterr().out.count("sleeper: running") == 2
    code, err, _ = catalog.run_command([sys.executable, "-c", "import sys; sys.exit(3)"], tmp_path, "x",
                                       timeout=None, every=5.0)
    assert code == 3


def test_verify_counts_a_timed_out_rerun_as_failed(tree, capsys):
    assert catalog.verify([SLUG], jobs=1, root=tree, timeout=0.05) == 1
    out = capsys.readouterr().out
    assert "timed out" in out and "2 failed command(s)" in out


def test_a_recorded_command_sent_to_a_cluster_drops_its_local_workers():
    address = "tcp://10.0.0.5:8786"
    assert catalog.on_scheduler(["--seed", "0", "--workers", "2", "--record"], address) == \
        ["--seed", "0", "--record", "--scheduler", address]
    assert catalog.on_scheduler(["--workers=2", "--n-seeds", "30"], address) == ["--n-seeds", "30", "--scheduler", address]
