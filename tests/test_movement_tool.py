"""bin/movement.py and the catalog's data-movement part: rows priced by the meter, the record part checked
(keys, families, cost to solve = per step x steps), shown in a stub's Results block and ranked in MOVEMENT.md
beside a FLOP ranking; bad input refused with one line."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from conftest import ROOT, catalog, load_module, run_script
from shared.frame.movement import Tape

movement = load_module(ROOT / "bin" / "movement.py", "movement_tool")


def dot_program(n):
    def program(tape):
        a, b = tape.argument(n, np.float32), tape.argument(n, np.float32)
        tape.matmul(a, b)
        return tape
    return program


def row(name="net", family="gradient", steps=10.0, n=4):
    return {"row": name, "family": family, "step": "one dot product", "size": f"{n}-vectors",
            "program": dot_program(n), "steps_to_solve": steps, "steps_from": "a test"}


def test_rows_are_priced_by_the_meter_and_scaled_by_the_steps_to_solve():
    priced = movement.price_rows([row(steps=2.5), row("unsolved", "search", None)])
    tape = dot_program(4)(Tape())
    cost = tape.price()
    assert priced[0]["cost"] == cost.total and priced[0]["flops"] == tape.instructions == 7
    assert priced[0]["bytes_read"] == cost.bytes_read == 4 * 4 * 2 + 4 * 2 * 3
    assert priced[0]["cost_to_solve"] == round(cost.total * 2.5)
    assert priced[1]["cost_to_solve"] is None and priced[1]["flops_to_solve"] is None
    assert catalog.movement_errors({"meter": "m", "tool": "t", "rows": priced}) == []
    with pytest.raises(ValueError, match="family"):
        movement.price_rows([row(family="magic")])
    with pytest.raises(ValueError, match="lacks"):
        movement.price_rows([{"row": "x"}])


def test_the_record_part_is_checked():
    good = {"meter": "m", "tool": "t", "rows": movement.price_rows([row()])}
    assert catalog.movement_errors(good) == []
    for mutate, message in [
            (lambda m: m["rows"][0].update(cost_to_solve=m["rows"][0]["cost_to_solve"] + 1), "times steps_to_solve"),
            (lambda m: m["rows"][0].update(family="luck"), "not one of"),
            (lambda m: m["rows"][0].pop("flops"), "keys must be"),
            (lambda m: m["rows"][0].update(cost=0), "positive integers"),
            (lambda m: m["rows"][0].update(steps_to_solve=None), "no steps to solve"),
            (lambda m: m["rows"][0].update(steps_to_solve=-3), "positive number"),
            (lambda m: m.update(rows=[]), "at least one row")]:
        bad = copy.deepcopy(good)
        mutate(bad)
        assert any(message in e for e in catalog.movement_errors(bad)), message


def test_movement_is_shown_ranked_and_left_out_of_the_runs_figures(tmp_path):
    record = json.loads((ROOT / "nbb-xor" / "results.json").read_text())
    record["movement"] = {"meter": "m", "tool": "python3 bin/movement.py nbb-xor",
                          "rows": movement.price_rows([row("cheap", steps=1.0), row("dear", "search", 1e9, n=64)])}
    block = catalog.render_record_block(record)
    assert "**Data movement**" in block and "| dear | search |" in block
    assert not any(key.startswith("movement") for key in catalog.figures_of(record))   # not a figure of the run
    assert catalog.movement_cell(record).endswith("(cheap)")
    assert catalog.rank_order([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]


def test_the_tool_refuses_bad_input_with_one_line():
    for args, message in [(["no-such-stub"], "no recorded stub"), ([], "name stubs")]:
        result = run_script(ROOT / "bin" / "movement.py", *args)
        assert result.returncode == 2 and message in result.stderr
        assert "Traceback" not in result.stderr


def test_a_stubs_rows_are_written_into_its_record_whole(tmp_path):
    folder = tmp_path / "toy-problem"
    folder.mkdir()
    (folder / "toy_problem.py").write_text(
        "import numpy as np\n"
        "def movement(record):\n"
        "    def program(tape):\n"
        "        a = tape.argument(3, np.float64)\n"
        "        tape.reduce(tape.map(a, a))\n"
        "        return tape\n"
        "    return [{'row': 'toy', 'family': 'local rules', 'step': 'a sum of squares', 'size': '3',\n"
        "             'program': program, 'steps_to_solve': record['steps'], 'steps_from': 'steps'}]\n")
    (folder / "results.json").write_text(json.dumps({"steps": 4}))
    movement.write_movement("toy-problem", tmp_path)
    written = json.loads((folder / "results.json").read_text())
    assert written["steps"] == 4 and written["movement"]["tool"] == "python3 bin/movement.py toy-problem"
    (toy,) = written["movement"]["rows"]
    assert toy["flops"] == 5 and toy["cost_to_solve"] == 4 * toy["cost"]
    toy["flops"], toy["flops_to_solve"] = 7, 28                     # counted under another rule: recounted
    (folder / "results.json").write_text(json.dumps(written))
    movement.recount_flops("toy-problem", tmp_path)
    again = json.loads((folder / "results.json").read_text())["movement"]["rows"][0]
    assert (again["flops"], again["flops_to_solve"], again["cost"]) == (5, 20, toy["cost"])
    (tmp_path / "silent").mkdir()
    (tmp_path / "silent" / "silent.py").write_text("x = 1\n")
    (tmp_path / "silent" / "results.json").write_text("{}")
    with pytest.raises(ValueError, match="defines no movement"):
        movement.write_movement("silent", tmp_path)


def test_a_stub_that_names_rows_has_them_priced_and_current(tmp_path):
    folder = tmp_path / "toy-problem"
    folder.mkdir()
    (folder / "toy_problem.py").write_text(
        "import numpy as np\n"
        "def movement(record):\n"
        "    def program(tape):\n"
        "        tape.reduce(tape.argument(3, np.float64))\n"
        "        return tape\n"
        "    return [{'row': 'toy', 'family': 'local rules', 'step': 'a sum', 'size': '3',\n"
        "             'program': program, 'steps_to_solve': record['steps'], 'steps_from': 'steps'}]\n")
    (folder / "results.json").write_text(json.dumps({"steps": 4}))
    unpriced = catalog.movement_staleness("toy-problem", {"steps": 4}, tmp_path)
    assert len(unpriced) == 1 and "holds no movement part; run python3 bin/movement.py toy-problem" in unpriced[0]
    movement.write_movement("toy-problem", tmp_path)
    record = json.loads((folder / "results.json").read_text())
    assert catalog.movement_staleness("toy-problem", record, tmp_path) == []
    record["steps"] = 5                           # the run re-recorded with a movement part left over
    (stale,) = catalog.movement_staleness("toy-problem", record, tmp_path)
    assert "stale" in stale
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "plain.py").write_text("x = 1\n")
    assert catalog.movement_staleness("plain", {"steps": 4}, tmp_path) == []
