#!/usr/bin/env python3
"""Data movement of each problem's algorithms (issue 21): price every stub's ``movement(record)`` rows.

    python3 bin/movement.py SLUG...     price these stubs' rows, write the ``movement`` part of their
                                        results.json (atomically), then rebuild the documents
    python3 bin/movement.py --all       every implemented stub that defines ``movement``
    python3 bin/movement.py --plot      redraw movement.png (cost to solve per row, log scale) from
                                        the records
    python3 bin/movement.py --flops SLUG...|--all
                                        recount the rows' FLOPs (the programs built, not priced: seconds),
                                        for a change to what the meter counts as a FLOP; costs are kept

A stub's ``movement(record)`` returns one dict per row (its headline method first, the OdyssNet row
where there is one), each with: ``row`` (the name in the stub's tables), ``family`` (one of FAMILIES),
``step`` (what one step is: "one training step on one sequence", "one program evaluation"),
``size`` (the model at the headline size, in words), ``program`` (a function that writes one step on a
``shared.frame.movement.Tape`` and returns it), ``steps_to_solve`` (from the recorded run, or None when
the row did not solve) and ``steps_from`` (where in the record that number stands). The costs are exact
integers under the meter's rules (ByteDMD's LRU stack, liveness on), the same on every machine.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog  # noqa: E402
from catalog import FAMILIES, ROOT, movement_errors  # noqa: E402
from shared.frame.experiment import ArgumentParser, atomic_write  # noqa: E402
from shared.frame.movement import Tape  # noqa: E402

METER = ("shared.frame.movement.Tape: ByteDMD's LRU stack of bytes, ceil(sqrt(depth)) per byte read, "
         "dead values leave the stack; each numpy operation expanded into its loop nest")


def price_rows(rows: list[dict]) -> list[dict]:
    """Each row's step priced on a fresh Tape; cost and FLOPs to solve = per step x steps to solve."""
    out = []
    for row in rows:
        missing = [k for k in ("row", "family", "step", "size", "program", "steps_to_solve", "steps_from")
                   if k not in row]
        if missing:
            raise ValueError(f"movement row {row.get('row', '?')!r} lacks {', '.join(missing)}")
        if row["family"] not in FAMILIES:
            raise ValueError(f"movement row {row['row']!r}: family must be one of {FAMILIES}, got {row['family']!r}")
        tape = row["program"](Tape())
        cost = tape.price()
        steps = row["steps_to_solve"]
        out.append({"row": row["row"], "family": row["family"], "step": row["step"], "size": row["size"],
                    "cost": cost.total, "bytes_read": cost.bytes_read, "flops": tape.instructions,
                    "steps_to_solve": steps, "steps_from": row["steps_from"],
                    "cost_to_solve": None if steps is None else round(cost.total * steps),
                    "flops_to_solve": None if steps is None else round(tape.instructions * steps)})
    return out


def write_movement(slug: str, root: Path = ROOT) -> float:
    """Price one stub's rows into its results.json. Returns the seconds it took."""
    start = time.perf_counter()
    path = root / slug / "results.json"
    record = json.loads(path.read_text())
    stub = catalog.stub_module(slug, root)
    if not hasattr(stub, "movement"):
        raise ValueError(f"{slug} defines no movement(record)")
    rows = price_rows(stub.movement(record))
    record["movement"] = {"meter": METER, "tool": f"python3 bin/movement.py {slug}", "rows": rows}
    errors = movement_errors(record["movement"])
    if errors:
        raise ValueError(f"{slug}: " + "; ".join(errors))
    atomic_write(path, json.dumps(record, indent=1, ensure_ascii=False) + "\n")   # as the frame writes records
    return time.perf_counter() - start


def recount_flops(slug: str, root: Path = ROOT) -> float:
    """Rebuild each priced row's program and write its FLOPs (and FLOPs to solve) into the record, costs
    unchanged: the rows must be the ones movement(record) names now. Returns the seconds it took."""
    start = time.perf_counter()
    path = root / slug / "results.json"
    record = json.loads(path.read_text())
    if "movement" not in record:
        raise ValueError(f"{slug}: no movement part to recount; price it first")
    named = catalog.stub_module(slug, root).movement({k: v for k, v in record.items() if k != "movement"})
    priced = record["movement"]["rows"]
    if [r["row"] for r in named] != [r["row"] for r in priced]:
        raise ValueError(f"{slug}: movement(record) names other rows than the record; price it again")
    for row, new in zip(priced, named):
        row["flops"] = new["program"](Tape()).instructions
        steps = row["steps_to_solve"]
        row["flops_to_solve"] = None if steps is None else round(row["flops"] * steps)
    errors = movement_errors(record["movement"])
    if errors:
        raise ValueError(f"{slug}: " + "; ".join(errors))
    atomic_write(path, json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return time.perf_counter() - start


def records_with_movement(root: Path = ROOT) -> list[tuple[str, dict]]:
    out = []
    for path in sorted(root.glob("*/results.json")):
        record = json.loads(path.read_text())
        if "movement" in record:
            out.append((path.parent.name, record))
    return out


def plot(root: Path = ROOT) -> Path:
    """movement.png: each row's cost to solve (log scale), problems grouped by family of their rows."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [(slug, row) for slug, record in records_with_movement(root) for row in record["movement"]["rows"]
              if row["cost_to_solve"] is not None]
    if not points:
        raise ValueError("no record holds a movement part with a cost to solve yet")
    points.sort(key=lambda p: (FAMILIES.index(p[1]["family"]), p[1]["cost_to_solve"]))
    colours = dict(zip(FAMILIES, ("tab:blue", "tab:orange", "tab:green", "tab:purple")))
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(points) + 1.8))
    for y, (slug, row) in enumerate(points):
        ax.scatter(row["cost_to_solve"], y, color=colours[row["family"]], s=30, zorder=3)
        ax.scatter(row["flops_to_solve"], y, color=colours[row["family"]], marker="|", s=80, zorder=3)
    ax.set_yticks(range(len(points)), [f"{slug}: {row['row']}" for slug, row in points], fontsize=8)
    ax.set_xscale("log")
    low = min(min(row["cost_to_solve"], row["flops_to_solve"]) for _, row in points)
    high = max(max(row["cost_to_solve"], row["flops_to_solve"]) for _, row in points)
    ax.set_xlim(low / 3, high * 3)
    ax.set_ylim(len(points) - 0.5, -0.5)
    ax.grid(axis="x", which="major", alpha=0.3)
    ax.set_xlabel("to solve: data movement (dots, ByteDMD cost) and FLOPs (bars)")
    for family, colour in colours.items():
        ax.scatter([], [], color=colour, label=family)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="family", title_fontsize=8)
    ax.set_title("What each algorithm pays to move its data until the problem is solved")
    fig.tight_layout()
    target = root / "movement.png"
    with open(target.with_suffix(".tmp.png"), "wb") as handle:
        fig.savefig(handle, dpi=90, format="png")
    plt.close(fig)
    target.with_suffix(".tmp.png").replace(target)
    return target


def main(argv=None) -> int:
    parser = ArgumentParser(prog="movement.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("slugs", nargs="*", help="stubs to price")
    parser.add_argument("--all", action="store_true", help="every stub that defines movement(record)")
    parser.add_argument("--plot", action="store_true", help="redraw movement.png from the records")
    parser.add_argument("--flops", action="store_true", help="recount the named rows' FLOPs, costs kept")
    args = parser.parse_args(argv)
    folders = sorted(p.parent.name for p in ROOT.glob("*/results.json"))
    unknown = [s for s in args.slugs if s not in folders]
    if unknown:
        parser.error(f"no recorded stub named {', '.join(unknown)}")
    if not (args.slugs or args.all or args.plot):
        parser.error("name stubs, or pass --all or --plot")
    slugs = list(dict.fromkeys(args.slugs))
    if args.all:
        slugs = [s for s in folders if "def movement(" in (ROOT / s / f"{s.replace('-', '_')}.py").read_text()]
    if args.flops and args.all:
        slugs = [s for s in slugs if "movement" in json.loads((ROOT / s / "results.json").read_text())]
    missing = [s for s in slugs if "def movement(" not in (ROOT / s / f"{s.replace('-', '_')}.py").read_text()]
    if missing:
        parser.error(f"these stubs define no movement(record): {', '.join(missing)}")
    for slug in slugs:
        if args.flops:
            print(f"{slug}: FLOPs recounted ({recount_flops(slug):.1f} s)")
            continue
        seconds = write_movement(slug)
        print(f"{slug}: movement priced ({seconds:.1f} s)")
    if args.plot:
        print(f"wrote {plot().relative_to(ROOT)}")
    if slugs or args.plot:
        catalog.build()          # the Results blocks, RESULTS.md and MOVEMENT.md (which shows the plot) follow
    return 0


if __name__ == "__main__":
    sys.exit(main())
