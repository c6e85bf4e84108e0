"""Kill a real CLI ingest at a random moment and check what it left: shared by tests and benchmarks."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop_app.engine import Engine, Settings
from support.cli import subprocess_env
from support.pdfs import garden_notes, hangul_manual_pdf, harbour_report, korean_manual

SQLITE_CHECKS = ("database integrity", "keyword rows", "vectors")


def start_cli(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "desktop_app", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=subprocess_env(home))


def chunk_set(engine: Engine) -> list[tuple[str, int, str]]:
    return sorted(engine._rt.db.execute(
        "SELECT d.sha256, c.ord, c.text FROM chunks c JOIN documents d ON d.id = c.document_id").fetchall())


def make_docs(folder: Path) -> Path:
    folder.mkdir()
    harbour_report(folder / "harbour.pdf")
    garden_notes(folder / "garden.pdf")
    korean_manual(folder / "manual.pdf")
    hangul_manual_pdf(folder / "hanji.pdf")
    return folder


def kill_and_check(home: Path, docs: Path, rng: random.Random, settings: Settings, max_delay_s: float) -> list[str]:
    """SIGKILL an ingest after a random delay; return the problems doctor finds (SQLite checks before repair,
    everything after repair). An empty list means a consistent library."""
    process = start_cli(home, "index", str(docs))
    time.sleep(rng.uniform(0.3, max_delay_s))
    process.send_signal(signal.SIGKILL)
    process.communicate()
    engine = Engine(home, settings)
    try:
        problems = [f"{f.check}: {f.detail}" for f in engine.library.doctor()
                    if f.check.startswith(SQLITE_CHECKS) and not f.ok]
        engine.library.doctor(repair=True)
        problems += [f"after repair, {f.check}: {f.detail}" for f in engine.library.doctor() if not f.ok]
        return problems
    finally:
        engine.close()


def finish_ingest(home: Path, docs: Path) -> int:
    process = start_cli(home, "index", str(docs))
    process.communicate(timeout=900)
    return process.returncode
