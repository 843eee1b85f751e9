"""The shared run frame: argument errors, tables, sweeps, the results record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared.frame import experiment as ex


def parser(tmp_path):
    return ex.stub_parser(str(tmp_path / "demo.py"), "demo", quick="quick")


@pytest.mark.parametrize("argv", [["--seed", "-3"], ["--n-seeds", "0"], ["--seed", "1.5"], ["--nope"]])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        parser(tmp_path).parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("demo.py: error: ")


def test_record_flag_defaults_beside_the_script(tmp_path):
    args = parser(tmp_path).parse_args(["--record"])
    assert args.record == str((tmp_path / "results.json").resolve())
    assert parser(tmp_path).parse_args([]).record is None


@pytest.mark.parametrize("text,ok", [("0", True), ("7", True), ("-1", False), ("nan", False), ("x", False)])
def test_nonnegative_int(text, ok):
    if ok:
        assert ex.nonnegative_int(text) == int(text)
    else:
        with pytest.raises(Exception):
            ex.nonnegative_int(text)


def test_positive_float_rejects_zero_and_infinity():
    assert ex.positive_float("0.5") == 0.5
    for text in ("0", "-1", "inf", "nan"):
        with pytest.raises(Exception):
            ex.positive_float(text)


def test_summarize_counts_only_solved_runs():
    s = ex.summarize([10, None, 30, 1000], [True, False, True, False])
    assert (s["n_runs"], s["n_solved"], s["solve_rate"]) == (4, 2, 0.5)
    assert (s["mean"], s["median"], s["min"], s["max"]) == (20.0, 20.0, 10.0, 30.0)
    empty = ex.summarize([None], [False])
    assert empty["mean"] is None and empty["n_solved"] == 0


def test_sweep_rows_and_summary(capsys):
    result = ex.sweep(lambda seed: {"steps": seed * 10, "solved": seed != 2}, [0, 1, 2, 3], "steps")
    assert [r["seed"] for r in result["per_seed"]] == [0, 1, 2, 3]
    assert result["summary"]["n_solved"] == 3
    assert result["summary"]["mean"] == pytest.approx(40 / 3)
    assert "solved 3/4" in capsys.readouterr().out


def test_format_value_is_stable():
    assert ex.format_value(3) == "3"
    assert ex.format_value(0.123456) == "0.1235"
    assert ex.format_value(1234567.0) == "1.235e+06"
    assert ex.format_value(None) == "-"
    assert ex.format_value(True) == "yes"


def valid_record():
    return {"slug": "demo", "paper": {"citation": "c", "claim": "x",
                                      "figures": [{"name": "steps", "value": 100, "where": "Table 1"}]},
            "summary": "one line", "headline": {"m": 1.0},
            "seeds": None, "tables": [{"title": "t", "columns": ["a", "b"], "rows": [[1, 2]]}],
            "tour": "note", "wallclock_s": 1.0}


def demo_verdict(record):
    """A rule for the tests: yes when the main headline and the odyssnet section's agree."""
    from shared.frame.verdict import exact, grade, pending
    if "odyssnet" not in record:
        return pending("the odyssnet section is not recorded")
    same = record["headline"]["m"] == record["odyssnet"]["headline"]["m"]
    return grade([exact("both agree", "Table 1", "m", record["headline"]["m"], same, "equal")])


def test_record_errors_name_the_problem():
    good = {**valid_record(), "command": "python3 demo/demo.py --record"}
    assert ex.record_errors(good) == []
    bad = {**good, "tables": [{"title": "t", "columns": ["a"], "rows": [[1, 2]]}]}
    assert any("row's length" in e for e in ex.record_errors(bad))
    bad = {**good, "paper": {"citation": "c", "claim": "x", "figures": [{"name": "n", "value": 1, "where": ""}]}}
    assert any("where the figure stands" in e for e in ex.record_errors(bad))
    bad = {**good, "paper": {"citation": "c", "claim": "x", "numbers": {}}}
    assert "paper.figures missing" in ex.record_errors(bad)
    bad = dict(good)
    del bad["headline"]
    assert ex.record_errors(bad) == ["missing key 'headline'"]


def test_record_errors_check_the_seeds_block_the_catalog_reads():
    good = {**valid_record(), "command": "python3 demo/demo.py --record"}
    seeds = ex.sweep(lambda s: {"steps": 10 + s, "solved": s != 1}, [0, 1, 2], "steps", quiet=True)
    assert ex.record_errors({**good, "seeds": seeds}) == []
    no_metric = {"per_seed": seeds["per_seed"], "summary": {k: v for k, v in seeds["summary"].items() if k != "metric"}}
    assert any("summary.metric" in e for e in ex.record_errors({**good, "seeds": no_metric}))
    rows = [{k: v for k, v in r.items() if k != "solved"} for r in seeds["per_seed"]]
    assert any("boolean solved" in e for e in ex.record_errors({**good, "seeds": {**seeds, "per_seed": rows}}))
    rows = [{k: v for k, v in r.items() if k != "steps"} for r in seeds["per_seed"]]
    errors = ex.record_errors({**good, "seeds": {**seeds, "per_seed": rows}})
    assert any("seed 0) is solved but has no 'steps'" in e for e in errors)
    assert not any("seed 1)" in e for e in errors)                  # an unsolved row may lack the metric
    assert any("non-empty per_seed" in e for e in ex.record_errors({**good, "seeds": {"per_seed": []}}))


def test_verdict_errors():
    assert ex.verdict_errors({"value": "pending", "reason": "r", "claims": []}) == []
    assert any("verdict.value" in e for e in ex.verdict_errors({"value": "kind of", "reason": "r", "claims": []}))
    assert any("claims is empty" in e for e in ex.verdict_errors({"value": "yes", "reason": "r", "claims": []}))
    assert ex.verdict_errors(None) == ["verdict missing"]


def test_conclude_merges_sections_and_recomputes_the_verdict(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "results.json")
    script = str(tmp_path / "demo.py")
    monkeypatch.setattr(sys, "argv", ["demo.py", "--record"])
    verdict = ex.conclude(valid_record(), script, demo_verdict, path)
    assert verdict["value"] == "pending"
    section = {k: v for k, v in valid_record().items() if k in ex.SECTION_KEYS}
    monkeypatch.setattr(sys, "argv", ["demo.py", "--model", "odyssnet", "--record"])
    verdict = ex.conclude({**section, "headline": {"m": 1.0}}, script, demo_verdict, path, section="odyssnet")
    assert verdict["value"] == "yes"
    monkeypatch.setattr(sys, "argv", ["demo.py", "--record"])
    ex.conclude({**valid_record(), "headline": {"m": 3.0}}, script, demo_verdict, path)
    record = json.loads(Path(path).read_text())
    assert record["headline"] == {"m": 3.0}
    assert record["odyssnet"]["headline"] == {"m": 1.0}
    assert record["verdict"]["value"] == "no"  # recomputed on the whole merged record
    assert record["odyssnet"]["command"].endswith("demo.py --model odyssnet --record")
    assert record["machine"]["blas"]["threads"] in (1, None)
    assert "machine" in record and "machine" not in ex.comparable(record)
    assert "both agree" in capsys.readouterr().out


def test_a_run_without_record_prints_the_catalogs_verdict_and_writes_nothing(tmp_path, monkeypatch, capsys):
    script = str(tmp_path / "demo.py")
    recorded = {**valid_record(), "command": "python3 demo/demo.py --n-seeds 10 --record",
                "verdict": {"value": "partial", "reason": "r", "claims": [{"claim": "c"}]}}
    (tmp_path / "results.json").write_text(json.dumps(recorded))
    monkeypatch.setattr(sys, "argv", ["demo.py"])
    verdict = ex.conclude(valid_record(), script, lambda r: __import__("shared.frame.verdict").frame.verdict.pending("1 seed"))
    assert verdict["value"] == "pending"
    out = capsys.readouterr().out
    assert "the catalog's verdict is partial" in out and "python3 demo/demo.py --n-seeds 10" in out
    assert json.loads((tmp_path / "results.json").read_text()) == recorded


def test_conclude_refuses_an_invalid_record_and_leaves_the_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{}")
    with pytest.raises(ValueError):
        ex.conclude({**valid_record(), "summary": "two\nlines"}, str(tmp_path / "demo.py"), demo_verdict, str(path))
    assert path.read_text() == "{}"
    assert list(tmp_path.iterdir()) == [path]


def test_require_seeds_refuses_a_small_recorded_sweep(tmp_path, capsys):
    p = parser(tmp_path)
    ex.require_seeds(p, p.parse_args(["--n-seeds", "10", "--record"]), 10)
    ex.require_seeds(p, p.parse_args(["--n-seeds", "2"]), 10)          # not recorded: fine
    ex.require_seeds(p, p.parse_args(["--quick", "--record"]), 10)     # the tests' quick records
    with pytest.raises(SystemExit) as exit_info:
        ex.require_seeds(p, p.parse_args(["--n-seeds", "3", "--record"]), 10)
    assert exit_info.value.code == 2
    assert "--n-seeds >= 10" in capsys.readouterr().err


def test_atomic_write_leaves_no_partial_file(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    with pytest.raises(TypeError):
        ex.atomic_write(path, 12345)  # not bytes: fails while writing
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]
    ex.atomic_write(path, "new")
    assert path.read_text() == "new"


def test_progress_lines_are_throttled(capsys):
    progress = ex.Progress(100, label="step", every_s=3600)
    for step in range(1, 101):
        progress.update(step, loss=0.5)
    progress.update(100, force=True, loss=0.25)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "step 100/100" in lines[0] and "loss=0.25" in lines[0]


def test_command_line_is_relative_to_the_repository():
    command = ex.command_line(str(ex.REPO_ROOT / "nbb-xor" / "nbb_xor.py"), ["--seed", "0", "--record"])
    assert command == "python3 nbb-xor/nbb_xor.py --seed 0 --record"


@pytest.mark.parametrize("target,problem", [
    ("", "empty path"), (".", "is a directory"), ("nofolder/results.json", "does not exist"),
    ("afile/results.json", "is not a directory"), ("notjson.json", "not a JSON results record"),
    ("list.json", "not a JSON object")])
def test_record_targets_are_checked_before_the_run(tmp_path, monkeypatch, capsys, target, problem):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "notjson.json").write_text("{oops")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(SystemExit) as exit_info:
        parser(tmp_path).parse_args(["--record", target])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert problem in err and len(err.strip().splitlines()) == 1


def test_a_good_record_target_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.json").write_text('{"slug": "demo"}')
    assert parser(tmp_path).parse_args(["--record", "old.json"]).record == "old.json"
    assert parser(tmp_path).parse_args(["--record", "new.json"]).record == "new.json"


def test_sections_recorded_at_the_same_time_are_both_kept(tmp_path):
    """Two processes record two sections into one file at once; the lock keeps both."""
    script = tmp_path / "demo.py"
    script.write_text(
        "import shared, sys\nfrom shared.frame.experiment import conclude\nfrom shared.frame.verdict import pending\n"
        "part = {'summary': 's', 'headline': {'m': 1.0}, 'seeds': None, 'tables': [], 'wallclock_s': 0.0}\n"
        "for i in range(15):\n"
        "    conclude(part, __file__, lambda r: pending('x'), sys.argv[2], section=f'{sys.argv[1]}{i}')\n")
    path = tmp_path / "results.json"
    runs = [subprocess.Popen([sys.executable, str(script), name, str(path)], stdout=subprocess.DEVNULL)
            for name in ("a", "b")]
    assert all(run.wait(timeout=60) == 0 for run in runs)
    record = json.loads(path.read_text())
    assert {f"{n}{i}" for n in "ab" for i in range(15)} <= set(record)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_only_when_refuses_a_named_flag_that_does_not_apply(capsys):
    parser = ex.ArgumentParser(prog="stub.py")
    parser.add_argument("--model", choices=["a", "b"], default="a")
    parser.add_argument("--width", type=ex.int_at_most(64, "too wide"), default=8)
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args(["--model", "b"])
    parser.only_when(args.model == "a", ["--width", "--fast"], "with --model a")   # not named: fine
    for argv in (["--model", "b", "--width", "8"], ["--model", "b", "--fast"], ["--mod", "b", "--wid", "3"]):
        args = parser.parse_args(argv)
        with pytest.raises(SystemExit) as done:
            parser.only_when(args.model == "a", ["--width", "--fast"], "with --model a")
        assert done.value.code == 2
        assert capsys.readouterr().err.strip().endswith("only with --model a (see --help)")
    args = parser.parse_args(["--width", "64"])
    parser.only_when(args.model == "a", ["--width"], "with --model a")
    assert parser.typed == {"width"} and args.fast is False
    assert parser.flags("--fast") == ["--model", "--width"]


@pytest.mark.parametrize("text, ok", [("1", True), ("64", True), ("65", False), ("0", False), ("-3", False),
                                      ("1e3", False), ("nan", False), ("", False)])
def test_int_at_most_bounds_a_size(text, ok, capsys):
    parser = ex.ArgumentParser(prog="stub.py")
    parser.add_argument("--width", type=ex.int_at_most(64, "the weights would not fit"))
    if ok:
        assert parser.parse_args(["--width", text]).width == int(text)
        return
    with pytest.raises(SystemExit):
        parser.parse_args(["--width", text])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("would not fit" in err) == (text == "65")


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999", "x"])
def test_finite_float_refuses_what_is_not_a_finite_number(text):
    parser = ex.ArgumentParser(prog="stub.py")
    parser.add_argument("--bias", type=ex.finite_float)
    assert parser.parse_args(["--bias", "-2.5"]).bias == -2.5
    with pytest.raises(SystemExit):
        parser.parse_args(["--bias", text])


def test_measured_only_seeds_block():
    rows = [{"seed": s, "loss": v} for s, v in enumerate([0.3, 0.1, 0.2])]
    summary = ex.summarize_measured([r["loss"] for r in rows], "loss")
    assert summary["n_runs"] == 3 and summary["median"] == pytest.approx(0.2) and summary["min"] == 0.1
    assert "n_solved" not in summary
    assert ex.seeds_errors({"per_seed": rows, "summary": summary}) == []
    # a measured-only block must not carry solve flags, must hold the metric in every row, and count its rows
    flagged = [dict(r, solved=True) for r in rows]
    assert ex.seeds_errors({"per_seed": flagged, "summary": summary})
    assert ex.seeds_errors({"per_seed": rows[:2] + [{"seed": 2}], "summary": summary})
    assert ex.seeds_errors({"per_seed": rows[:2], "summary": summary})
    assert ex.seeds_errors({"per_seed": rows, "summary": {**summary, "n_solved": 3}})
    # without measured_only the solve rules hold as before
    plain = {k: v for k, v in summary.items() if k != "measured_only"}
    assert ex.seeds_errors({"per_seed": rows, "summary": plain})
