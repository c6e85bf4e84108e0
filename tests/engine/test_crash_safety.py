"""Nothing lost, nothing crashes: killed ingests and answers, a full disk, a dying PDF reader, no network."""

from __future__ import annotations

import os
import random
import resource
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine import Engine
from desktop_app.errors import DocumentError
from desktop_app.indexer.extract import PdfExtractor
from support.answers import final
from support.cli import subprocess_env
from support.crashing import chunk_set, finish_ingest, kill_and_check, make_docs
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report

KILLS = 10


def cli(home: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "desktop_app", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=subprocess_env(home), **kwargs)


def test_ingests_killed_at_random_moments_recover_to_the_same_chunks(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "docs")
    clean = Engine(tmp_path / "clean", FAST)
    index_all(clean, [docs])
    expected = chunk_set(clean)
    clean.close()
    home = tmp_path / "home"
    rng = random.Random(20261121)
    for kill in range(KILLS):
        problems = kill_and_check(home, docs, rng, FAST, max_delay_s=9.0)
        assert not problems, (kill, problems)
    assert finish_ingest(home, docs) == 0
    engine = Engine(home, FAST)
    try:
        assert chunk_set(engine) == expected
        assert all(f.ok for f in engine.library.doctor())
    finally:
        engine.close()


def test_a_kill_during_an_answer_keeps_every_earlier_message(data_home: Path, tmp_path: Path) -> None:
    engine = Engine(data_home, FAST)
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    first = final(engine.ask("Which gauge is on the northern breakwater?"))
    engine.close()
    process = cli(data_home, "ask", "Describe the dredging in detail.", "--conversation", str(first.conversation_id))
    assert process.stdout is not None
    process.stdout.read(1)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    engine = Engine(data_home, FAST)
    try:
        _, messages = engine.conversations.get(first.conversation_id)
        assert [m.role for m in messages[:3]] == ["user", "assistant", "user"]
        assert messages[1].content == first.text and messages[2].content == "Describe the dredging in detail."
        assert all(f.ok for f in engine.library.doctor(repair=True)) or all(f.ok for f in engine.library.doctor())
    finally:
        engine.close()


def limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_gives_a_clear_error_and_corrupts_nothing(data_home: Path, tmp_path: Path,
                                                               guide_pdf: Path) -> None:
    engine = Engine(data_home, FAST)
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    before = chunk_set(engine)
    engine.close()
    database = data_home / "library.sqlite3"
    limit = database.stat().st_size + 64 * 1024
    big = tmp_path / "guide.pdf"
    big.write_bytes(guide_pdf.read_bytes())
    process = cli(data_home, "index", str(big), preexec_fn=limit_file_size(limit))
    out, err = process.communicate(timeout=600)
    assert process.returncode in (1, 4), err
    assert "Free disk space" in err or "free disk space" in err, err
    assert "Traceback" not in err
    engine = Engine(data_home, FAST)
    try:
        assert chunk_set(engine) == before, "what was stored before is intact"
        assert engine.library.doctor()[0].ok
        assert [d.title for d in engine.library.documents()] == ["Harbour Survey Report"]
    finally:
        engine.close()


def test_a_pdf_reader_that_dies_mid_file_becomes_a_per_file_error(tmp_path: Path, guide_pdf: Path) -> None:
    extractor = PdfExtractor()
    try:
        extractor.extract(harbour_report(tmp_path / "warm.pdf"), None, CancelToken())
        worker = extractor._process
        assert worker is not None and worker.pid is not None
        threading.Timer(0.05, os.kill, (worker.pid, signal.SIGKILL)).start()
        with pytest.raises(DocumentError) as caught:
            extractor.extract(guide_pdf, None, CancelToken())
        assert caught.value.reason == "crashed" and "crash" in str(caught.value)
        assert extractor.extract(garden_notes(tmp_path / "after.pdf"), None, CancelToken()).page_count == 1
    finally:
        extractor.close()


def test_index_ask_chat_and_model_load_open_no_connection(data_home: Path, tmp_path: Path) -> None:
    netlog = tmp_path / "network-attempts.log"
    env = subprocess_env(data_home) | {"DESKTOP_APP_NETLOG": str(netlog)}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktop_app", *args], input=stdin, capture_output=True,
                              text=True, timeout=300, env=env)

    assert run("index", str(harbour_report(tmp_path / "harbour.pdf"))).returncode == 0
    assert run("ask", "How much silt did the dredging remove?", "--top-k", "2").returncode == 0
    assert run("chat", "--top-k", "2", stdin="Which dredger worked at night?\n/quit\n").returncode == 0
    assert not netlog.exists() or netlog.read_text() == "", netlog.read_text()


def test_data_folder_is_owner_only_and_logs_hold_no_content(data_home: Path, tmp_path: Path) -> None:
    question = "How much silt did the dredging remove?"
    harbour = harbour_report(tmp_path / "harbour.pdf")
    for args in (("index", str(harbour)), ("ask", question, "--top-k", "2")):
        done = subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True,
                              timeout=300, env=subprocess_env(data_home))
        assert done.returncode == 0, done.stderr
    for path in [data_home, *data_home.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is readable by others ({oct(mode)})"
    log = (data_home / "logs" / "desktop-app.log").read_text()
    assert "indexed a document" in log and "answered" in log
    assert question not in log and "dredg" not in log.lower() and "41,500" not in log

    debug_env = subprocess_env(data_home) | {"DESKTOP_APP_DEBUG": "1"}
    other = "Which dredger worked at night?"
    subprocess.run([sys.executable, "-m", "desktop_app", "ask", other, "--top-k", "2"], capture_output=True,
                   text=True, timeout=300, env=debug_env)
    assert other in (data_home / "logs" / "desktop-app.log").read_text(), "debug logging is the user's choice"
