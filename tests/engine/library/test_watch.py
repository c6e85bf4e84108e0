"""Watched folders: files added, changed and deleted while the engine runs and while it is closed."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.engine import Engine, FileFailed, FileIndexed
from desktop_app.engine.library.watch import FileRemoved, WatchEvent, WatchManager
from desktop_app.engine.library.watch_changes import ignored_name, indexed_suffixes, watchable
from desktop_app.store.collections import CollectionStore
from desktop_app.store.watched import WatchedFile, compare
from support.library import FAST, index_all
from support.pdfs import write_pdf

SETTLE_S = 0.6
TIMEOUT_S = 20.0


def note(path: Path, word: str) -> Path:
    """A one-page PDF whose text holds ``word`` (a word no other test file has)."""
    return write_pdf(path, [[("h", f"Note {word}"), ("p", f"The inspection log mentions {word} twice: {word}.")]],
                     title=f"Note {word}")


def watcher(engine: Engine, settle_s: float = SETTLE_S) -> WatchManager:
    watch = engine.watch
    watch.settle_s = settle_s
    return watch


def names(engine: Engine) -> dict[str, int]:
    """File name -> document id, over every name of every document."""
    return {Path(n).name: d.id for d in engine.library.documents() for n in d.names}


def found_in(engine: Engine, word: str) -> set[str]:
    """The file names of the documents a keyword search for ``word`` finds."""
    return {Path(c.document_path).name for s in engine.search(word, k=5, mode="bm25").sources for c in s.chunks
            if word in c.text}


def pump(watch: WatchManager, done: Callable[[], bool], timeout: float = TIMEOUT_S) -> list[WatchEvent]:
    """Process the watcher's settled changes (as the window's worker does) until ``done``; the events."""
    events: list[WatchEvent] = []
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out; events so far: {events}"
        events += list(watch.process())
        time.sleep(0.05)
    return events


def pump_for(watch: WatchManager, seconds: float) -> list[WatchEvent]:
    events: list[WatchEvent] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        events += list(watch.process())
        time.sleep(0.02)
    return events


def of(kind: type, events: list[WatchEvent]) -> list[str]:
    return [e.path.name for e in events if isinstance(e, kind)]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    note(folder / "a.pdf", "amberfield")
    note(folder / "sub" / "b.pdf", "bluestone")
    note(folder / "~$lock.pdf", "lockfile")
    note(folder / ".hidden.pdf", "hiddenword")
    note(folder / "c.pdf.part", "partword")
    (folder / "readme.xyz").write_text("not a document")
    return folder


def test_a_watched_folder_follows_its_files_while_running_and_after_a_restart(
        inbox: Path, data_home: Path, tmp_path: Path) -> None:
    engine = Engine(data_home, FAST)
    watch = watcher(engine)
    try:
        folder_id = while_running(engine, watch, inbox, tmp_path)
    finally:
        watch.stop()
        engine.close()
    # while the app is closed: one file added, one changed, one deleted
    note(inbox / "e.pdf", "emberglow")
    note(inbox / "a.pdf", "azurite")
    (inbox / "d.pdf").unlink()
    engine = Engine(data_home, FAST)
    try:
        watch = watcher(engine)
        synced = list(watch.sync())
        assert sorted(of(FileIndexed, synced)) == ["a.pdf", "e.pdf"] and of(FileRemoved, synced) == ["d.pdf"]
        assert set(names(engine)) == {"a.pdf", "e.pdf"}
        assert found_in(engine, "azurite") == {"a.pdf"} and found_in(engine, "aquamarine") == set()
        assert found_in(engine, "emberglow") == {"e.pdf"} and found_in(engine, "copperleaf") == set()
        collections = CollectionStore(engine._rt.db)
        assert collections.documents(collections.by_name("Inbox").id) == sorted(names(engine).values())
        [listed] = watch.folders()
        assert (listed.id, listed.files, listed.documents, listed.collection) == (folder_id, 2, 2, "Inbox")
        assert list(watch.sync()) == []  # nothing changed since
    finally:
        engine.close()


def while_running(engine: Engine, watch: WatchManager, inbox: Path, tmp_path: Path) -> int:
    """Sync a new folder, then add, change, delete and rename files under the observer; the folder's id."""
    folder = watch.add_folder(inbox, collection="Inbox")
    synced = list(watch.sync())
    assert sorted(of(FileIndexed, synced)) == ["a.pdf", "b.pdf"] and not of(FileFailed, synced)
    assert set(names(engine)) == {"a.pdf", "b.pdf"}
    inbox_docs = CollectionStore(engine._rt.db).by_name("Inbox")
    assert CollectionStore(engine._rt.db).documents(inbox_docs.id) == sorted(names(engine).values())

    watch.start()
    # a new file, written in two halves: nothing happens while it is half written, one index once it settles
    whole = note(tmp_path / "c-source.pdf", "copperleaf").read_bytes()
    with (inbox / "c.pdf").open("wb") as out:
        out.write(whole[: len(whole) // 2])
        out.flush()
        early = pump_for(watch, SETTLE_S / 3)
        out.write(whole[len(whole) // 2:])
    assert early == [] and "c.pdf" not in names(engine)
    events = pump(watch, lambda: "c.pdf" in names(engine))
    events += pump_for(watch, SETTLE_S * 1.5)
    assert of(FileIndexed, events) == ["c.pdf"] and not of(FileFailed, events)
    assert found_in(engine, "copperleaf") == {"c.pdf"}

    # a changed file replaces its document: the new text is found, the old is not
    old_a = names(engine)["a.pdf"]
    note(inbox / "a.pdf", "aquamarine")
    pump(watch, lambda: names(engine).get("a.pdf") not in (None, old_a))
    assert found_in(engine, "aquamarine") == {"a.pdf"} and found_in(engine, "amberfield") == set()

    # a deleted file leaves the library
    (inbox / "sub" / "b.pdf").unlink()
    events = pump(watch, lambda: "b.pdf" not in names(engine))
    assert [(e.path.name, e.gone) for e in events if isinstance(e, FileRemoved)] == [("b.pdf", True)]

    # a renamed file keeps its document: the new name is added, the old one removed
    c_id = names(engine)["c.pdf"]
    (inbox / "c.pdf").rename(inbox / "d.pdf")
    events = pump(watch, lambda: set(names(engine)) == {"a.pdf", "d.pdf"})
    assert names(engine)["d.pdf"] == c_id and not of(FileIndexed, events)

    actions = [(a.path.name, a.action) for a in watch.activity()]
    assert ("c.pdf", "indexed") in actions and ("a.pdf", "updated") in actions and ("b.pdf", "removed") in actions
    assert all(name not in {"~$lock.pdf", ".hidden.pdf", "c.pdf.part"} for name, _ in actions)
    return folder.id


def test_removing_a_folder_keeps_its_documents_unless_forgotten(engine: Engine, inbox: Path, tmp_path: Path) -> None:
    watch = watcher(engine, 0.0)
    outside = tmp_path / "elsewhere.pdf"
    shutil.copy(inbox / "a.pdf", outside)
    watch.add_folder(inbox)
    list(watch.sync())
    folder, removed = watch.remove_folder(str(inbox))
    assert removed == [] and watch.folders() == [] and set(names(engine)) == {"a.pdf", "b.pdf"}

    watch.add_folder(inbox)
    list(watch.sync())
    indexed, _ = index_all(engine, [outside])  # the same bytes as a.pdf under a name outside the folder
    a_id = names(engine)["a.pdf"]
    assert names(engine)["elsewhere.pdf"] == a_id and not indexed
    _, removed = watch.remove_folder(str(inbox), forget=True)
    assert sorted((r.path.name, r.gone) for r in removed) == [("a.pdf", False), ("b.pdf", True)]
    assert names(engine) == {"elsewhere.pdf": a_id}


def test_a_missing_folder_keeps_its_documents(engine: Engine, inbox: Path, tmp_path: Path) -> None:
    watch = watcher(engine, 0.0)
    watch.add_folder(inbox)
    list(watch.sync())
    inbox.rename(tmp_path / "unplugged")
    events = list(watch.sync())
    assert [(e.reason, e.path) for e in events if isinstance(e, FileFailed)] == [("missing", inbox.resolve())]
    assert set(names(engine)) == {"a.pdf", "b.pdf"}
    assert watch.activity()[-1].action == "failed"

    inbox.mkdir()  # an empty mount point where the drive was: not a folder whose files were all deleted
    events = list(watch.sync())
    assert [e.reason for e in events if isinstance(e, FileFailed)] == ["missing"]
    assert "is empty now" in watch.activity()[-1].message
    assert set(names(engine)) == {"a.pdf", "b.pdf"}


def test_a_file_still_being_written_at_sync_is_left_for_later(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    watch = watcher(engine, 1.0)
    watch.add_folder(folder)
    target = folder / "growing.pdf"
    whole = note(tmp_path / "source.pdf", "glacier").read_bytes()
    target.write_bytes(whole[:100])
    writer = threading.Timer(0.1, lambda: target.write_bytes(whole[:200]))  # the copy goes on during the sync
    writer.start()
    events = list(watch.sync())
    writer.join()
    assert [(e.path.name, e.reason) for e in events] == [("growing.pdf", "still being written: indexed once it "
                                                                          "stops changing")]
    assert names(engine) == {} and watch.activity()[-1].action == "waiting"
    target.write_bytes(whole)
    events = list(watch.sync())  # waits for the fresh file to settle, then indexes it
    assert of(FileIndexed, events) == ["growing.pdf"] and found_in(engine, "glacier") == {"growing.pdf"}


def test_what_changed_is_found_by_size_and_time() -> None:
    recorded = {"/f/a.pdf": WatchedFile(1, "/f/a.pdf", 10, 5, 1), "/f/b.pdf": WatchedFile(1, "/f/b.pdf", 10, 5, 2),
                "/f/gone.pdf": WatchedFile(1, "/f/gone.pdf", 1, 1, 3)}
    on_disk = {"/f/a.pdf": (10, 5), "/f/b.pdf": (10, 6), "/f/new.pdf": (3, 3)}
    assert compare(recorded, on_disk) == (["/f/b.pdf", "/f/new.pdf"], ["/f/gone.pdf"])


def test_temporary_hidden_and_unknown_files_are_not_watched(tmp_path: Path) -> None:
    assert ".pdf" in indexed_suffixes()
    for name in ("~$report.docx", ".report.pdf", "report.pdf.part", "report.pdf.crdownload", "report.pdf~"):
        assert ignored_name(name), name
    assert watchable(tmp_path / "sub" / "Report.PDF", tmp_path)
    assert not watchable(tmp_path / ".git" / "a.pdf", tmp_path)
    assert not watchable(tmp_path / "a.xyz", tmp_path)
    assert not watchable(Path("/elsewhere/a.pdf"), tmp_path)
