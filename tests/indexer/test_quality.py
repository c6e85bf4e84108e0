"""Text quality per page: Korean pages whose Latin text a broken font encoding shifted into Hangul."""

from __future__ import annotations

from pathlib import Path

from desktop_app.engine import Engine
from desktop_app.indexer.quality import font_offset_garbling
from support.hangul_manual import SHIFTED_PAGES
from support.library import index_all
from support.pdfs import korean_garbled, korean_manual, shift_ascii
from support.questions import MANUAL


def test_text_garbled_by_a_broken_font_encoding_is_reported_per_page(engine: Engine, tmp_path: Path) -> None:
    indexed, failed = index_all(engine, [korean_garbled(tmp_path / "garbled.pdf"), korean_manual(tmp_path / "m.pdf")])
    assert not failed
    notes = {e.path.name: e.warnings for e in indexed}
    assert any("page 1" in w and "broken font encoding" in w for w in notes["garbled.pdf"])
    assert notes["m.pdf"] == []
    assert font_offset_garbling("한국어" * 10 + shift_ascii("plain TeX")) > 0.1
    assert font_offset_garbling("이것은 우리가 함께 읽은 책의 일부이며 그 이름은 우리의 이야기입니다") == 0.0


def test_the_manual_pages_with_shifted_latin_text_are_flagged(corpus_engine: Engine) -> None:
    doc = corpus_engine.library.find(MANUAL)
    flagged = [w for w in doc.warnings if "broken font encoding" in w]
    assert len(flagged) >= 10, doc.warnings
    pages = {int(w.split(":")[0].removeprefix("page ")) for w in flagged}
    assert pages <= SHIFTED_PAGES, f"a page without shifted text is flagged: {sorted(pages - SHIFTED_PAGES)}"
