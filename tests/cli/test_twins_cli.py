"""`docs list` and `docs remove` for the same file under two names, in real subprocesses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support.cli import run_cli
from support.pdfs import harbour_report


def test_docs_remove_takes_one_name_and_all_names_takes_the_document(data_home: Path, tmp_path: Path) -> None:
    first = harbour_report(tmp_path / "a.pdf")
    shutil.copy(first, tmp_path / "a (1).pdf")
    indexed = run_cli(data_home, "index", str(first), str(tmp_path / "a (1).pdf"))
    assert indexed.returncode == 0, indexed.stderr
    assert "skipped: a (1).pdf: same content as a.pdf, already indexed" in indexed.stderr

    listed = run_cli(data_home, "docs", "list")
    assert "a.pdf" in listed.stdout and "(also: a (1).pdf)" in listed.stdout
    assert json.loads(run_cli(data_home, "docs", "list", "--json").stdout)[0]["names"] == [
        str(first), str(tmp_path / "a (1).pdf")]

    removed = run_cli(data_home, "docs", "remove", "a.pdf")
    assert removed.returncode == 0, removed.stderr
    assert "removed the name a.pdf: Harbour Survey Report stays in the library as a (1).pdf" in removed.stdout
    listed = run_cli(data_home, "docs", "list")
    assert "a (1).pdf  3 pages" in listed.stdout and "also:" not in listed.stdout
    asked = run_cli(data_home, "ask", "How much silt did the dredging remove?", "--quotes-only")
    assert "a (1).pdf" in asked.stdout, asked.stderr

    assert run_cli(data_home, "index", str(first)).returncode == 0  # a.pdf becomes a name again
    everything = run_cli(data_home, "docs", "remove", "a (1).pdf", "--all-names")
    assert everything.returncode == 0, everything.stderr
    assert "removed: Harbour Survey Report (a (1).pdf, a.pdf)" in everything.stdout
    assert "The library is empty" in run_cli(data_home, "docs", "list").stdout
