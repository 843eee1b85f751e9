"""The run frame every stub shares.

A stub script reads like a method section: problem, model, training, evaluation. What is
left over -- the command line, progress lines, seed sweeps, the closing verdict block and
the ``results.json`` record -- is the same everywhere and lives here, once.

The contract these helpers implement:

* ``--seed N`` runs the headline experiment, ``--n-seeds K`` sweeps seeds N..N+K-1,
  ``--quick`` runs a reduced configuration, ``--record [PATH]`` writes ``results.json``.
* Bad arguments exit 2 with a single ``prog: error: ...`` line (no usage dump, no traceback).
* ``results.json`` is written atomically and merged section by section, so that a stub's
  own run and its comparisons (``--model odyssnet``, ablations, paper-scale runs) can be recorded
  separately.
* The verdict is not typed into the record: it is what the stub's ``verdict(record)`` function (see
  ``shared.frame.verdict``) returns on the merged record, recomputed at every save, so a verdict can rest
  on several recorded sections and ``bin/catalog.py`` can recompute it from the file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import numpy as np

from shared.frame.machine import describe as machine_info

VERDICTS = ("yes", "partial", "qualitative", "no")
PENDING = "pending"  # a record that lacks what its verdict rule needs; never committed

# Keys whose values legitimately differ between two runs with the same arguments. The
# determinism checks compare everything else, bit for bit.
RUN_DEPENDENT_KEYS = frozenset({"wallclock_s", "machine"})

REPO_ROOT = Path(__file__).resolve().parent.parent
_UMASK = os.umask(0o022)
os.umask(_UMASK)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


class ArgumentParser(argparse.ArgumentParser):
    """``argparse`` whose errors are one line: ``prog: error: message (see --help)``, which checks a
    ``--record`` target when the arguments are parsed, before any work, and which knows the options
    the command line names (``typed``), so that a stub can refuse one that would be ignored."""

    typed: frozenset = frozenset()

    def error(self, message: str):  # noqa: D102 - argparse hook
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")

    def parse_args(self, args=None, namespace=None):  # noqa: D102
        parsed = super().parse_args(args, namespace)
        self.typed = self._typed(args)
        target = getattr(parsed, "record", None)
        if target is not None:
            problem = record_target_problem(target)
            if problem:
                self.error(f"--record {target!r}: {problem}")
        return parsed

    def _typed(self, args) -> frozenset:
        """The destinations of the options named on the command line (even at their default value):
        the same command parsed again with every default suppressed."""
        defaults = [(action, action.default) for action in self._actions]
        try:
            for action, _ in defaults:
                action.default = argparse.SUPPRESS
            return frozenset(vars(super().parse_known_args(args, argparse.Namespace())[0]))
        finally:
            for action, default in defaults:
                action.default = default

    def flags(self, *leave_out: str) -> list[str]:
        """Every long option of this parser but ``--help`` and ``leave_out``."""
        return [option for action in self._actions for option in action.option_strings
                if option.startswith("--") and option != "--help" and option not in leave_out]

    def only_when(self, applies: bool, flags: Sequence[str], when: str) -> None:
        """Exit 2 if one of ``flags`` was named although it does not apply (``applies`` false): a flag
        that the run would ignore is an error, not silently dropped. ``when`` completes "applies
        only ...", e.g. ``"with --model odyssnet"``."""
        named = [flag for flag in flags if flag.lstrip("-").replace("-", "_") in self.typed]
        if named and not applies:
            self.error(f"{', '.join(named)} appl{'ies' if len(named) == 1 else 'y'} only {when}")


def record_target_problem(target: str) -> str | None:
    """Why ``target`` cannot take a results record (None if it can): checked before the run, so that
    a long run is never lost to a path that cannot be written at its end."""
    if not str(target).strip():
        return "empty path"
    path = Path(target)
    if path.is_dir():
        return "is a directory"
    parent = path.parent if str(path.parent) else Path(".")
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists() and not ancestor.is_dir():
            return f"{ancestor} is not a directory"
    if not parent.exists():
        return f"folder {parent} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"folder {parent} is not writable"
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return f"exists and is not a JSON results record ({type(error).__name__})"
        if not isinstance(existing, dict):
            return "exists and is not a JSON object"
    return None


def _bounded(kind, low, inclusive, name):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {name}, got {text!r}") from None
        if not np.isfinite(value) or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"expected {name}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


nonnegative_int = _bounded(int, 0, True, "an integer >= 0")
positive_int = _bounded(int, 1, True, "an integer >= 1")
nonnegative_float = _bounded(float, 0.0, True, "a number >= 0")
positive_float = _bounded(float, 0.0, False, "a number > 0")
finite_float = _bounded(float, -np.inf, True, "a finite number")


def int_at_most(limit: int, why: str, low: int = 1):
    """An argparse type: an integer in [low, limit]; ``why`` says what a larger one would cost
    (memory or time), so that a size that cannot run is refused before any work."""
    def parse(text: str) -> int:
        value = _bounded(int, low, True, f"an integer >= {low}")(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"{value} is above {limit:,}: {why}")
        return value

    parse.__name__ = f"an integer in [{low}, {limit}]"
    return parse


def stub_parser(script: str, description: str, quick: str) -> ArgumentParser:
    """The standard flags of a stub script: ``--seed``, ``--n-seeds``, ``--quick``, ``--record``.

    ``script`` is the stub's ``__file__``; ``--record`` without a path writes the
    ``results.json`` next to it. ``quick`` says what the reduced configuration is.
    """
    parser = ArgumentParser(
        prog=Path(script).name,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exit_quietly_on_interrupt(parser.prog)
    parser.add_argument("--seed", type=nonnegative_int, default=0,
                        help="seed of the headline run; a sweep starts here (default: 0)")
    parser.add_argument("--n-seeds", type=positive_int, default=1, metavar="K",
                        help="sweep seeds SEED..SEED+K-1 and print a per-seed table and summary")
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--record", nargs="?", const=str(Path(script).resolve().with_name("results.json")),
                        default=None, metavar="PATH",
                        help="also write the results record (default path: results.json beside the script)")
    return parser


_TEMP_FILES: set = set()   # temporary files of atomic writes in progress (removed on Ctrl-C)


def _child_processes() -> set:
    """This process's children: from /proc on Linux (every thread's forks, including a worker
    forked a moment ago), and the multiprocessing children it knows of elsewhere."""
    pids = set()
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        with contextlib.suppress(OSError, ValueError):
            pids |= {int(pid) for pid in children.read_text().split()}
    workers = sys.modules.get("multiprocessing")
    if workers is not None:
        pids |= {child.pid for child in workers.active_children() if child.pid}
    return pids


def exit_quietly_on_interrupt(prog: str) -> None:
    """Ctrl-C ends the script with one line and exit status 130 (128 + SIGINT), not a traceback,
    and removes the temporary file of a record being written (the old record stays whole).

    A handler that exits, rather than Python's KeyboardInterrupt, because C code can swallow a
    KeyboardInterrupt and let the run go on. Worker processes forked later exit silently (the
    terminal interrupts the whole process group; the parent prints the line). A SIGINT that is
    ignored at start (a background job) stays ignored."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return
    parent = os.getpid()

    def handler(signum, frame):
        for tmp in list(_TEMP_FILES):
            Path(tmp).unlink(missing_ok=True)
        if os.getpid() == parent:
            for pid in _child_processes():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)   # workers, even one forked a moment ago
            sys.stdout.flush()
            print(f"{prog}: interrupted", file=sys.stderr, flush=True)
        os._exit(130)

    signal.signal(signal.SIGINT, handler)


def command_line(script: str, argv: Sequence[str] | None = None) -> str:
    """The command that reproduces this run, as typed from the repository root (the folder that
    holds the stub's folder)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    path = Path(script).resolve()
    shown = path.relative_to(path.parent.parent).as_posix()
    return " ".join(["python3", shown, *map(shlex.quote, argv)])


# ----------------------------------------------------------------------------------------
# Progress and tables
# ----------------------------------------------------------------------------------------


class Progress:
    """Prints ``label step/total metric=... elapsed ETA`` at most every ``every_s`` seconds.

    Only the timing of the lines depends on the machine; the figures in them do not.
    """

    def __init__(self, total: int, label: str = "step", every_s: float = 5.0, stream=None):
        self.total = total
        self.label = label
        self.every_s = every_s
        self.stream = sys.stdout if stream is None else stream
        self.start = time.perf_counter()
        self.last = self.start

    def update(self, step: int, force: bool = False, **metrics) -> None:
        now = time.perf_counter()
        if not force and now - self.last < self.every_s:
            return
        self.last = now
        elapsed = now - self.start
        shown = "  ".join(f"{k}={format_value(v)}" for k, v in metrics.items())
        eta = elapsed / step * (self.total - step) if 0 < step < self.total else 0.0
        print(f"  {self.label} {step}/{self.total}  {shown}  elapsed {elapsed:.1f}s  eta {eta:.0f}s",
              file=self.stream, flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def format_value(value: Any) -> str:
    """Compact, deterministic text for a figure: ints as is, floats to 4 significant digits."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not np.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}"
    if value is None:
        return "-"
    return str(value)


def format_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table with right-aligned columns."""
    cells = [list(columns)] + [[format_value(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# Seed sweeps
# ----------------------------------------------------------------------------------------


def summarize(values: Sequence[float | None], solved: Sequence[bool]) -> dict:
    """Solve rate and the mean/median of a metric over the solved runs."""
    kept = [float(v) for v, ok in zip(values, solved) if ok and v is not None]
    return {
        "n_runs": len(solved),
        "n_solved": int(sum(bool(s) for s in solved)),
        "solve_rate": float(np.mean(solved)) if len(solved) else 0.0,
        "mean": float(np.mean(kept)) if kept else None,
        "median": float(statistics.median(kept)) if kept else None,
        "min": float(min(kept)) if kept else None,
        "max": float(max(kept)) if kept else None,
    }


def summarize_measured(values: Sequence[float], metric: str) -> dict:
    """The spread of a per-seed measurement that has no solve criterion (a loss, a capacity): every
    run counts. A seeds block with this summary has no ``solved`` per row (see :func:`seeds_errors`)."""
    kept = [float(v) for v in values]
    return {
        "n_runs": len(kept),
        "measured_only": True,
        "metric": metric,
        "mean": float(np.mean(kept)) if kept else None,
        "median": float(statistics.median(kept)) if kept else None,
        "min": float(min(kept)) if kept else None,
        "max": float(max(kept)) if kept else None,
    }


def seed_rows(record: dict) -> list[dict]:
    """The per-seed rows of a record whose seeds were recorded in blocks: the main part's and every
    "seeds-A-B" section's, one per seed (a seed recorded twice counts once: the first found), in seed
    order. For a stub whose full sweep does not fit one command, so its verdict pools the blocks."""
    parts = [record.get("seeds")] + [value.get("seeds") for key, value in sorted(record.items())
                                     if key.startswith("seeds-") and isinstance(value, dict)]
    rows = {}
    for part in parts:
        for row in (part or {}).get("per_seed", []):
            rows.setdefault(row["seed"], row)
    return [rows[s] for s in sorted(rows)]


def seed_block_configs(record: dict) -> list:
    """The ``config`` of the main part and of every "seeds-A-B" section (a verdict checks they agree)."""
    return [part.get("config") for part in [record] + [v for k, v in record.items()
                                                        if k.startswith("seeds-") and isinstance(v, dict)]]


def sweep(run_seed: Callable[[int], dict], seeds: Sequence[int], metric: str,
          columns: Sequence[str] | None = None, label: str = "sweep", quiet: bool = False) -> dict:
    """Run ``run_seed`` for every seed; return the per-seed rows and the summary of ``metric``.

    ``run_seed(seed)`` returns a flat dict of figures that holds at least ``metric`` and a
    boolean ``solved``. The summary covers the solved runs only (see :func:`summarize`).
    """
    rows = []
    progress = Progress(len(seeds), label=label)
    for i, seed in enumerate(seeds):
        row = {"seed": int(seed), **run_seed(int(seed))}
        rows.append(row)
        progress.update(i + 1, **{metric: row[metric], "solved": row["solved"]})
    summary = summarize([r[metric] for r in rows], [r["solved"] for r in rows])
    summary["metric"] = metric
    if not quiet:
        columns = list(columns or rows[0].keys())
        print(format_table(columns, [[r.get(c) for c in columns] for r in rows]))
        print(f"solved {summary['n_solved']}/{summary['n_runs']}; " +
              (f"{metric}: mean {format_value(summary['mean'])}, median {format_value(summary['median'])} "
               f"(over solved runs)" if summary["n_solved"] else "no run solved"))
    return {"per_seed": rows, "summary": summary}


# ----------------------------------------------------------------------------------------
# The results record
# ----------------------------------------------------------------------------------------

# Keys of the record a stub writes for its own method, and what each must hold.
RECORD_KEYS = {
    "slug": str,           # folder name
    "paper": dict,         # {"citation", "claim", "figures": [{"name", "value", "where"}]}
    "summary": str,        # one line for the catalog tables, formatted from measured figures
    "headline": dict,      # metric name -> value (seed given by --seed, normally 0)
    "seeds": (dict, type(None)),  # output of sweep(), or None without --n-seeds
    "tables": list,        # [{"title", "columns", "rows"}]: every table the README shows
    "tour": str,           # one-line note for VISUAL_TOUR.md: what the GIF shows
    "wallclock_s": float,
    "command": str,
}
# Keys of a comparison section (e.g. "odyssnet"): the same record, minus what is the paper's.
SECTION_KEYS = {k: v for k, v in RECORD_KEYS.items() if k not in ("slug", "paper", "tour")}
# What the verdict function adds to the merged record.
VERDICT_KEYS = {"value": str, "reason": str, "claims": list}


def is_section(key: str, value: Any) -> bool:
    """A comparison section of a record: a nested record with its own command."""
    return key not in RECORD_KEYS and isinstance(value, dict) and "command" in value


def record_errors(record: dict, required: dict = RECORD_KEYS) -> list[str]:
    """What is wrong with a record (empty list if nothing)."""
    errors = []
    for key, kind in required.items():
        if key not in record:
            errors.append(f"missing key {key!r}")
        elif not isinstance(record[key], kind):
            errors.append(f"key {key!r} has type {type(record[key]).__name__}")
    if errors:
        return errors
    if "paper" in required:
        paper = record["paper"]
        for key in ("citation", "claim", "figures"):
            if key not in paper:
                errors.append(f"paper.{key} missing")
        for i, figure in enumerate(paper.get("figures") or []):
            if not isinstance(figure, dict) or set(figure) != {"name", "value", "where"}:
                errors.append(f"paper.figures[{i}] needs exactly name, value, where")
            elif not isinstance(figure["where"], str) or not figure["where"].strip():
                errors.append(f"paper.figures[{i}] ({figure['name']}): 'where' must say where the figure "
                              f"stands (table, figure, section; or the seed's description)")
    if not record["headline"]:
        errors.append("headline is empty")
    for i, table in enumerate(record["tables"]):
        if set(table) != {"title", "columns", "rows"}:
            errors.append(f"tables[{i}] needs exactly title, columns, rows")
        elif any(len(row) != len(table["columns"]) for row in table["rows"]):
            errors.append(f"tables[{i}] ({table['title']}): a row's length differs from the columns'")
    errors += seeds_errors(record["seeds"])
    for key in ("summary", "tour"):
        if key in required and (not record[key].strip() or "\n" in record[key]):
            errors.append(f"{key} must be one non-empty line")
    return errors


def seeds_errors(seeds: dict | None) -> list[str]:
    """What is wrong with a record's seeds block (the output of :func:`sweep`, or a stub's own of
    that shape): every row a seed and a boolean ``solved``, the summary naming its ``metric``, which
    every solved row holds. A measurement without a solve criterion (:func:`summarize_measured`,
    ``measured_only`` in the summary) has no ``solved`` at all and the metric in every row. The
    catalog's README block reads exactly these."""
    if seeds is None:
        return []
    rows, summary = seeds.get("per_seed"), seeds.get("summary")
    if not isinstance(rows, list) or not rows or not isinstance(summary, dict):
        return ["seeds needs a non-empty per_seed list and a summary"]
    errors = []
    metric = summary.get("metric")
    if not isinstance(metric, str):
        errors.append("seeds.summary.metric must name the per-seed figure it summarizes")
    if summary.get("measured_only") is True:
        if not isinstance(summary.get("n_runs"), int) or summary["n_runs"] != len(rows):
            errors.append("seeds.summary.n_runs missing or not the number of rows")
        if "n_solved" in summary or "solve_rate" in summary:
            errors.append("a measured-only seeds summary has no solve counts")
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or "seed" not in row or "solved" in row:
                errors.append(f"seeds.per_seed[{i}] needs a seed and no solved (a measurement only)")
            elif isinstance(metric, str) and metric not in row:
                errors.append(f"seeds.per_seed[{i}] (seed {row['seed']}) has no {metric!r}")
        return errors
    for key in ("n_runs", "n_solved"):
        if not isinstance(summary.get(key), int):
            errors.append(f"seeds.summary.{key} missing")
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or "seed" not in row or not isinstance(row.get("solved"), bool):
            errors.append(f"seeds.per_seed[{i}] needs a seed and a boolean solved")
        elif isinstance(metric, str) and row["solved"] and metric not in row:
            errors.append(f"seeds.per_seed[{i}] (seed {row['seed']}) is solved but has no {metric!r}")
    return errors


def verdict_errors(verdict: Any) -> list[str]:
    """What is wrong with the verdict block of a record (``pending`` is well formed)."""
    if not isinstance(verdict, dict):
        return ["verdict missing"]
    errors = [f"verdict.{k} missing or of the wrong type" for k, kind in VERDICT_KEYS.items()
              if not isinstance(verdict.get(k), kind)]
    if errors:
        return errors
    if verdict["value"] not in (*VERDICTS, PENDING):
        errors.append(f"verdict.value must be one of {VERDICTS}")
    if not verdict["reason"].strip() or "\n" in verdict["reason"]:
        errors.append("verdict.reason must be one non-empty line")
    if verdict["value"] != PENDING and not verdict["claims"]:
        errors.append("verdict.claims is empty: a verdict rests on the paper's claims")
    return errors


def _plain(value):
    """JSON-ready copy: numpy scalars/arrays to Python, floats kept exactly (repr round-trips)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if np.isfinite(value) else None
    return value


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Write a file so that readers see either the old or the complete new content."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    _TEMP_FILES.add(tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _TEMP_FILES.discard(tmp)


def median_ms(fn: Callable[[], Any], repeats: int, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls after ``warmup`` untimed ones, in ms."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def merge_record(existing: dict, record: dict, section: str | None) -> dict:
    """``existing`` with ``record`` in place: the stub's own part (section=None; the comparison
    sections already there survive) or one comparison section. Verdict and machine are dropped:
    the caller recomputes them for the merged whole."""
    existing = {k: v for k, v in existing.items() if k not in ("verdict", "machine")}
    if section is None:
        kept = {k: v for k, v in existing.items() if k not in record and is_section(k, v)}
        return {**record, **kept}
    return {**existing, section: record}


def load_json(path: str | os.PathLike) -> dict:
    """A results.json, or {} if there is none."""
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else {}


def require_seeds(parser: argparse.ArgumentParser, args: argparse.Namespace, minimum: int) -> None:
    """Refuse ``--record`` of a sweep smaller than the verdict rule's minimum (``--quick`` runs,
    which only the tests record, excepted)."""
    if args.record and not args.quick and args.n_seeds < minimum:
        parser.error(f"--record needs --n-seeds >= {minimum} here (the verdict rule's minimum), "
                     f"got {args.n_seeds}")


def print_verdict(measured: dict[str, Any], verdict: dict, paper: dict | None = None,
                  recorded: dict | None = None) -> None:
    """The closing block of every run: what we measured, the paper's figures, the claims, the verdict.

    ``recorded`` is the repository's record of this stub: when this run alone cannot give the verdict
    (pending), the block names the catalog's verdict and the command that reproduces it.
    """
    paper_figures = (paper or {}).get("figures") or []
    labels = [*measured, *(f["name"] for f in paper_figures), "verdict"]
    width = max(len(str(k)) for k in labels)
    print("\n== verdict " + "=" * 60)
    for key, value in measured.items():
        print(f"  measured  {str(key).ljust(width)}  {format_value(value)}")
    for figure in paper_figures:
        print(f"  paper     {figure['name'].ljust(width)}  {format_value(figure['value'])}  ({figure['where']})")
    claims = verdict.get("claims") or []
    if claims:
        print(format_table(["claim", "where", "estimate", "interval", "p", "holds"],
                           [[c["claim"], c["where"], c["estimate"],
                             "-" if c["interval"] is None else
                             f"{format_value(c['interval'][0])} .. {format_value(c['interval'][1])}",
                             c["p"], c["holds"]] for c in claims]))
    print(f"  verdict: {verdict['value']}: {verdict['reason']}")
    if verdict["value"] == PENDING and recorded and isinstance(recorded.get("verdict"), dict) \
            and recorded["verdict"].get("value") != PENDING:
        command = recorded.get("command", "")
        print(f"  the catalog's verdict is {recorded['verdict']['value']} ({recorded['verdict']['reason']}); "
              f"it comes from the recorded sweep: {command.replace(' --record', '')}")
    print("=" * 71)


def conclude(record: dict, script: str, verdict: Callable[[dict], dict], record_path: str | None = None,
             section: str | None = None, measured: dict[str, Any] | None = None, paper: dict | None = None,
             tour: str | None = None) -> dict:
    """End a run: merge this run into the stub's record, compute the verdict, print, maybe write.

    ``record`` is this run's part (RECORD_KEYS for the stub's own method, SECTION_KEYS for a
    comparison ``section``). For the stub's own method, ``paper`` and ``tour`` complete it with the
    slug (the script's folder), in the record's order: slug, paper, the part, tour; a section run
    ignores them (its part has neither). It is merged into the record at ``record_path`` (``--record``) or, for
    a run that writes nothing, into a copy of the repository's results.json, so that the printed
    verdict is what the catalog's would be with this run in place. ``verdict`` is the stub's rule.
    Writes atomically; raises ``ValueError`` if the record breaks the schema. Returns the verdict.
    """
    if section is None and paper is not None:
        record = {"slug": Path(script).resolve().parent.name, "paper": paper, **record, "tour": tour}
    record = _plain({**record, "command": command_line(script)})
    errors = record_errors(record, RECORD_KEYS if section is None else SECTION_KEYS)
    if errors:
        raise ValueError("results record: " + "; ".join(errors))
    repository_record = load_json(Path(script).resolve().with_name("results.json"))
    with _folder_lock(Path(record_path).parent if record_path else None):
        # read, merge and write under one lock: two sections recorded at once must not lose either
        base = load_json(record_path) if record_path else repository_record
        merged = merge_record(base, record, section)
        merged["verdict"] = _plain(verdict(merged))
        errors = verdict_errors(merged["verdict"])
        if errors:
            raise ValueError("verdict: " + "; ".join(errors))
        if record_path:
            merged["machine"] = machine_info()
            atomic_write(record_path, json.dumps(merged, indent=1, ensure_ascii=False) + "\n")
    print_verdict(measured if measured is not None else record["headline"], merged["verdict"],
                  merged.get("paper"), repository_record)
    if record_path:
        print(f"recorded {record_path}")
    return merged["verdict"]


@contextlib.contextmanager
def _folder_lock(folder: Path | None):
    """An exclusive advisory lock on a folder (POSIX flock on the folder itself: no lock file is
    left behind). Where flock does not exist, or without a folder, no lock."""
    if folder is None or fcntl is None:
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def comparable(record: Any) -> Any:
    """The record without the keys that legitimately change between identical runs."""
    if isinstance(record, dict):
        return {k: comparable(v) for k, v in record.items() if k not in RUN_DEPENDENT_KEYS}
    if isinstance(record, list):
        return [comparable(v) for v in record]
    return record
