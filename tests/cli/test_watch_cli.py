"""`desktop-app watch`: add (with a collection), list, sync, run until Ctrl-C, and remove with --forget."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli.terminal import EXIT_FAILED_FILES, EXIT_OK
from desktop_app.cli.watch import register
from desktop_app.engine import Engine, FileIndexed
from desktop_app.engine.library.watch import WatchEvent, WatchManager
from support.pdfs import corrupt_pdf, garden_notes, harbour_report


@pytest.fixture
def watching(engine: Engine) -> Engine:
    """The engine with its watch manager (the facade's ``engine.watch``), settling fast."""
    engine.watch.settle_s = 0.2
    return engine


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    harbour_report(inbox / "harbour.pdf")
    return inbox


def watch(engine: Engine, *argv: str) -> int:
    top = argparse.ArgumentParser(prog="desktop-app")
    register(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(["watch", *argv])
    return int(args.run(engine, args))


def test_add_indexes_the_folder_into_its_collection_and_list_shows_it(
        watching: Engine, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert watch(watching, "add", str(folder), "--collection", "Port") == EXIT_OK
    out = capsys.readouterr().out
    assert f"watching {folder} (its documents go to the collection Port)" in out
    assert f"indexed  {folder / 'harbour.pdf'}: 3 pages" in out
    assert "1 indexed, 0 updated, 0 removed, 0 skipped, 0 failed" in out
    assert watch(watching, "list") == EXIT_OK
    assert f"{folder}  1 files, 1 in the library, collection Port" in capsys.readouterr().out


def test_sync_reports_changes_and_failures(watching: Engine, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    watch(watching, "add", str(folder))
    capsys.readouterr()
    garden_notes(folder / "garden.pdf")
    corrupt_pdf(folder / "broken.pdf")
    (folder / "harbour.pdf").unlink()
    assert watch(watching, "sync") == EXIT_FAILED_FILES
    out = capsys.readouterr().out
    assert f"indexed  {folder / 'garden.pdf'}: 1 pages" in out
    assert f"failed   {folder / 'broken.pdf'}: " in out
    assert f"removed  {folder / 'harbour.pdf'}: removed from the library" in out
    assert "1 indexed, 0 updated, 1 removed, 0 skipped, 1 failed" in out
    assert [Path(d.path).name for d in watching.library.documents()] == ["garden.pdf"]
    assert watch(watching, "sync") == EXIT_OK  # the broken file is retried only once it changes
    assert "0 indexed, 0 updated, 0 removed, 0 skipped, 0 failed" in capsys.readouterr().out


def test_remove_keeps_the_documents_unless_forget(watching: Engine, folder: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    watch(watching, "add", str(folder))
    assert watch(watching, "remove", str(folder)) == EXIT_OK
    out = capsys.readouterr().out
    assert f"stopped watching {folder}" in out and "its 1 document(s) stay in the library" in out
    assert len(watching.library.documents()) == 1
    watch(watching, "add", str(folder), "--no-sync")
    watch(watching, "sync")
    assert watch(watching, "remove", str(folder), "--forget") == EXIT_OK
    assert "1 file name(s) removed from the library; 1 document(s) left it" in capsys.readouterr().out
    assert watching.library.documents() == []
    watch(watching, "list")
    assert "No folder is watched." in capsys.readouterr().out


def test_run_indexes_a_new_file_until_ctrl_c(watching: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    watch(watching, "add", str(folder), "--no-sync")
    manager: WatchManager = watching.watch
    process = manager.process
    written: list[Path] = []

    def processing(cancel: object = None) -> Iterator[WatchEvent]:
        if not written:
            written.append(garden_notes(folder / "garden.pdf"))  # a file dropped in while watching
        for event in process(cancel):  # type: ignore[arg-type]
            yield event
            if isinstance(event, FileIndexed) and event.path.name == "garden.pdf":
                signal.raise_signal(signal.SIGINT)  # Ctrl-C once it is indexed

    monkeypatch.setattr(manager, "process", processing)
    guard = threading.Timer(60, lambda: os.kill(os.getpid(), signal.SIGINT))  # never hang the suite
    guard.start()
    try:
        assert watch(watching, "run", "--settle", "0.2") == EXIT_OK
    finally:
        guard.cancel()
    out = capsys.readouterr().out
    assert f"indexed  {folder / 'harbour.pdf'}" in out and f"indexed  {folder / 'garden.pdf'}" in out
    assert not manager.running
    assert sorted(Path(d.path).name for d in watching.library.documents()) == ["garden.pdf", "harbour.pdf"]
