"""Every stub's command line: the recorded commands are accepted, and bad ones end in one clear
line and exit 2 before any work (parse only: nothing here trains)."""

from __future__ import annotations

import contextlib
import io
import re
import signal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import IMPLEMENTED, ROOT, catalog, load_module

STUBS = {slug: load_module(ROOT / slug / f"{catalog.module(slug)}.py") for slug in IMPLEMENTED}
# values no flag that takes one may accept ('--record nan' is a path, so --record is left out)
BAD_VALUES = ["nan", "NaN", "inf", "-inf", "1e999", "abc", ""]
ODD_VALUES = ["-1", "0", "1", "0.5", "1e-300", "1000000000000", "3,4", "random", "x" * 50]


def parse(slug: str, argv: list[str]) -> tuple[object, str, str]:
    """(exit code, or the parsed result; stdout; stderr) of the stub's parse_args on ``argv``."""
    handler = signal.getsignal(signal.SIGINT)        # stub_parser installs its own; keep pytest's
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = STUBS[slug].parse_args(argv)
    except SystemExit as done:
        result = done.code
    finally:
        signal.signal(signal.SIGINT, handler)
    return result, out.getvalue(), err.getvalue()


def flags_of(slug: str) -> list[str]:
    _, text, _ = parse(slug, ["--help"])
    return sorted(set(re.findall(r"(?<![\w-])--[a-z0-9][a-z0-9-]*", text)) - {"--help"})


FLAGS = {slug: flags_of(slug) for slug in IMPLEMENTED}


def assert_refused(slug: str, argv: list[str]) -> None:
    code, _, err = parse(slug, argv)
    lines = err.strip().splitlines()
    assert code == 2, f"{slug} {argv}: exit {code!r}, expected 2 (stderr: {err!r})"
    assert len(lines) == 1 and re.match(rf"{re.escape(catalog.module(slug))}\.py: error: ", lines[0]), (slug, argv,
                                                                                                      err)


@pytest.mark.parametrize("slug", IMPLEMENTED)
@pytest.mark.parametrize("bad", [["--seed", "-1"], ["--n-seeds", "0"], ["--n-seeds", "two"], ["--no-such-flag"]])
def test_the_standard_flags_refuse_bad_values(slug, bad):
    assert_refused(slug, bad)


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_every_recorded_command_is_accepted(slug, tmp_path):
    for section, flags in catalog.recorded_runs(slug):
        code, _, err = parse(slug, [*flags, "--record", str(tmp_path / "results.json")])
        assert not isinstance(code, int) and err == "", f"{slug} [{section}] {flags}: refused: {err}"


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_every_flag_refuses_a_value_it_cannot_take(slug):
    for flag in FLAGS[slug]:
        if flag == "--record":
            continue
        for value in BAD_VALUES:
            assert_refused(slug, [flag, value])


@pytest.mark.parametrize("slug", IMPLEMENTED)
def test_a_huge_size_is_refused_before_any_work(slug):
    """No flag takes 10^12 (sizes, counts, budgets that would exhaust memory or run for ever are
    refused with what they would cost) -- except the few whose 10^12 is a harmless number."""
    harmless = {"--seed", "--lr", "--lr-c", "--lr-m", "--lr-low", "--eta", "--lam", "--explore", "--sigma0",
                "--forget-bias", "--input-gate-bias-range", "--max-sequences", "--steps", "--budget", "--max-cycles",
                "--stable-window", "--eval-every", "--rnn-seeds", "--model-iters", "--n-seeds"}
    for flag in FLAGS[slug]:
        if flag in harmless or flag == "--record":
            continue
        code, _, err = parse(slug, [flag, "1000000000000"])
        assert code == 2 and len(err.strip().splitlines()) == 1, (slug, flag, err)


@pytest.mark.parametrize("slug", IMPLEMENTED)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_command_line_parses_or_fails_in_one_line(slug, data):
    """Random command lines built from the stub's own flags, good and bad values mixed: the parser
    either accepts them or exits 2 with one line -- never a traceback, never another exit code;
    and a line holding a value no flag can take is never accepted."""
    flags = [f for f in FLAGS[slug] if f not in ("--record", "--help")]
    picks = data.draw(st.lists(st.sampled_from(flags), min_size=1, max_size=4), label="flags")
    argv, bad = [], False
    for flag in picks:
        value = data.draw(st.one_of(st.none(), st.sampled_from(BAD_VALUES + ODD_VALUES)), label=flag)
        argv.append(flag)
        if value is not None:
            argv.append(value)
            bad |= value in BAD_VALUES
    code, _, err = parse(slug, argv)
    if isinstance(code, int) or code is None:
        assert code == 2 and len(err.strip().splitlines()) == 1, (argv, code, err)
    else:
        assert not bad, f"{slug} {argv}: accepted a value no flag can take"


def test_a_flag_the_run_would_ignore_is_refused():
    """The cases the review found: each names the flag and when it applies."""
    cases = {
        "adding-problem": [["--neurons", "4"], ["--gradcheck", "--record"], ["--model", "odyssnet", "--output",
                                                                            "linear"], ["--quick", "--T", "40"]],
        "nbb-xor": [["--model", "odyssnet", "--lam", "0.01"], ["--model", "odyssnet", "--arch", "two-hidden"],
                    ["--model", "odyssnet", "--readings"]],
        "fast-weights-key-value": [["--query-rate", "0.3", "--experiment", "keyvalue"], ["--d-key", "4"],
                                   ["--experiment", "capacity", "--n-pairs", "3"]],
        "world-models-carracing": [["--quick", "--generations", "5"], ["--gradcheck", "--popsize", "8"]],
        "compete-to-compute": [["--gradcheck", "--data-dir", "nan"]],
        "mnist-deep-mlp": [["--gradcheck", "--data-dir", "nan"]],
        "levin-count-inputs": [["--model", "odyssnet", "--runs", "10"], ["--max-phase", "10"]],
        "embedded-reber": [["--model", "elman", "--row", "3x2-0.5"], ["--neurons", "40"]],
        "flip-flop": [["--regime", "parallel", "--model-iters", "5"], ["--gradcheck", "--hidden", "8"]],
        "lstm-search-space-odyssey": [["--model", "odyssnet", "--variants", "V"], ["--gradcheck", "--steps", "5"]],
    }
    for slug, argvs in cases.items():
        for argv in argvs:
            assert_refused(slug, argv)
            assert "applies only" in parse(slug, argv)[2] or "apply only" in parse(slug, argv)[2], (slug, argv)
    # named at its default value, a flag is still named: refused all the same
    assert_refused("adding-problem", ["--neurons", "8"])
