"""shared/'s layout: every module sits in one group, groups import only the groups below them, no module
of shared imports a stub, and shared/README.md lists every module."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT / "shared"
# a group may import itself and the groups listed here (shared/README.md states the same order)
ALLOWED = {
    "frame": {"frame"},
    "networks": {"frame", "networks"},
    "environments": {"frame", "environments"},
    "learning": {"frame", "networks", "environments", "learning"},
    "search": {"frame", "networks", "search"},
}


def modules():
    for path in sorted(SHARED.rglob("*.py")):
        parts = path.relative_to(SHARED).with_suffix("").parts
        if len(parts) == 1:
            assert parts == ("__init__",), f"shared/{path.name}: a module must sit in a group"
            continue
        yield parts[0], path


def imported_modules(path):
    """Every absolute module name the file imports (``from shared.x import y`` gives shared.x.y too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_every_module_in_a_known_group():
    groups = {group for group, _ in modules()}
    assert groups == set(ALLOWED), groups


def test_groups_import_only_lower_groups():
    for group, path in modules():
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] != "shared" or len(parts) < 2:
                continue
            assert parts[1] in ALLOWED[group], f"{path.relative_to(ROOT)} ({group}) imports {name}"


def test_shared_imports_no_stub():
    stubs = {p.stem for p in ROOT.glob("*/*.py") if p.parent.name not in ("shared", "tests", "bin", "benchmarks")}
    for _, path in modules():
        for name in imported_modules(path):
            assert name.split(".")[0] not in stubs, f"{path.relative_to(ROOT)} imports the stub {name}"


def test_readme_lists_every_module():
    readme = (SHARED / "README.md").read_text(encoding="utf-8")
    for group, path in modules():
        parts = path.relative_to(SHARED).with_suffix("").parts
        if parts[-1] == "__init__" or (len(parts) > 2 and parts[1] == "odyssnet"):
            continue   # the group packages, and the odyssnet package's own modules (listed as one)
        name = "shared." + ".".join(parts)
        assert f"`{name}`" in readme, f"{name} is not in shared/README.md's table"


def test_readme_examples_import():
    """Every `from shared... import ...` line of shared/README.md's examples names something that exists."""
    import importlib
    import re
    readme = (SHARED / "README.md").read_text(encoding="utf-8")
    lines = set(re.findall(r"^from (shared[\w.]*) import ([^#\n]+)", readme, flags=re.M))
    assert lines
    for module_name, names in lines:
        module = importlib.import_module(module_name)
        for item in names.split(","):
            name = item.split(" as ")[0].strip()
            assert hasattr(module, name) or importlib.util.find_spec(f"{module_name}.{name}"), \
                f"shared/README.md: from {module_name} import {name}"
