"""PDFs kept open between answers for placing quotes (``engine.library.quotes.OpenDocuments``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from desktop_app.engine import Engine
from desktop_app.engine.library.quotes import OpenDocuments
from support.answers import final
from support.library import index_all
from support.pdfs import harbour_report, write_pdf

QUESTIONS = [
    "Which model is the northern breakwater gauge?",
    "How much silt was removed from the eastern channel?",
    "When did the dredger Kestrel work?",
]


def held_open(path: Path) -> bool:
    """Whether this process has ``path`` open as a file (Linux: /proc/self/fd)."""
    fds = Path("/proc/self/fd")
    return any(os.path.realpath(fd) == os.path.realpath(path) for fd in fds.iterdir())


def test_the_quotes_of_many_answers_are_placed_with_the_pdf_opened_once_and_the_file_not_held_open(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = harbour_report(tmp_path / "harbour.pdf")
    index_all(engine, [pdf])
    engine.update_settings(quotes_only=True)
    opened: list[object] = []
    real_open = pymupdf.open
    monkeypatch.setattr(pymupdf, "open", lambda *a, **k: opened.append(a or k) or real_open(*a, **k))
    answers = [final(engine.ask(question)) for question in QUESTIONS]
    assert all(answer.evidence and answer.evidence[0].rects for answer in answers)
    assert [answer.evidence[0].page for answer in answers] == [2, 3, 3]
    assert len(opened) == 1  # the first answer opened it; the others found it open
    assert not held_open(pdf)  # opened from its bytes: the user can still move or delete the file


def kept_pdf(kept: OpenDocuments, path: Path, password: str | None = None) -> Any:
    """The PDF ``kept`` holds open for ``path`` (AssertionError if it is not kept)."""
    pdf, held = kept.open(path, password)
    assert held and pdf is not None
    return pdf


def test_a_changed_file_is_opened_again_and_the_old_copy_closed(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "notes.pdf", [[("p", "The first version of the notes.")]], title="Notes")
    kept = OpenDocuments()
    first = kept_pdf(kept, path)
    assert kept_pdf(kept, path) is first
    write_pdf(path, [[("p", "The second version of the notes, a little longer.")], [("p", "And a page.")]],
              title="Notes")
    second = kept_pdf(kept, path)
    assert second is not first and first.is_closed and second.page_count == 2
    kept.close()
    assert second.is_closed


def test_beyond_the_budget_or_the_count_the_least_recently_used_is_closed_first(tmp_path: Path) -> None:
    a, b, c = (write_pdf(tmp_path / f"{name}.pdf", [[("p", f"Document {name}.")]], title=name) for name in "abc")
    size = max(p.stat().st_size for p in (a, b, c))
    kept = OpenDocuments(budget=2 * size)
    first, second = kept_pdf(kept, a), kept_pdf(kept, b)
    kept_pdf(kept, a)  # a is now the most recently used
    third = kept_pdf(kept, c)
    assert second.is_closed and not first.is_closed and not third.is_closed
    small = OpenDocuments(budget=size // 2)
    alone, held = small.open(a, None)  # too big: opened for the caller alone, who closes it
    again, _ = small.open(a, None)
    assert not held and alone.page_count == 1 and again is not alone
    alone.close()
    again.close()
    few = OpenDocuments(most=2)
    first, second, third = kept_pdf(few, a), kept_pdf(few, b), kept_pdf(few, c)
    assert first.is_closed and not second.is_closed and not third.is_closed


def test_an_encrypted_pdf_is_kept_only_once_its_password_opens_it(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "A locked page.")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw="secret")
    doc.close()
    kept = OpenDocuments()
    assert kept.open(path, None) == (None, False) and kept.open(path, "wrong") == (None, False)
    unlocked = kept_pdf(kept, path, "secret")
    assert "A locked page." in unlocked[0].get_text()
    assert kept_pdf(kept, path, "secret") is unlocked
