"""Text quality per page: garbled text, and Korean pages whose Latin text a broken font encoding shifted into Hangul."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pymupdf
import pytest

from desktop_app.engine import Engine
from desktop_app.indexer.quality import (
    BAD_CATEGORIES,
    PLACEHOLDERS,
    font_offset_garbling,
    garbled_share,
    shifted_fonts,
    unshift,
    unshift_spans,
)
from support.hangul_manual import SHIFTED_PAGES
from support.library import index_all
from support.pdfs import korean_broken_latin_font, korean_garbled, korean_manual, shift_ascii
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


def test_latin_text_a_broken_font_shifted_into_hangul_is_read_back(engine: Engine, tmp_path: Path) -> None:
    pdf = korean_broken_latin_font(tmp_path / "broken.pdf")
    with pymupdf.open(pdf) as doc:
        assert shift_ascii("ko.TeX") in doc[0].get_text()  # what PyMuPDF reads from the page
    indexed, failed = index_all(engine, [pdf])
    assert not failed
    assert indexed[0].warnings == ["page 1: Latin text that a broken font encoding turned into Hangul was read back "
                                   "as Latin"]
    text = engine.search("ko.TeX 꾸러미 이름", 3).sources[0].text
    assert "이름은ko.TeX이고 중간에 점을" in text  # 중 is in the shifted block but comes from the Korean font
    assert "\\usepackage{kotex-logo}를 먼저" in text


def test_only_a_font_that_writes_runs_of_shifted_syllables_is_read_back() -> None:
    latin = [{"font": "t1", "text": shift_ascii(word)} for word in ("plain", "TeX", "(KTUG)")]
    # Hangul fonts split into one subset per block (kotex-doc.pdf's are) write a syllable or two per span
    subset = [{"font": "hangul-c9", "text": text} for text in ("중", "지", "주", "조", "좀", "중지", "일이")]
    whole = [{"font": "batang", "text": "한국어 조판을 위한 패키지군을 아울러 부르는 말이다"}]
    assert shifted_fonts(latin + subset + whole) == {"t1": 0xC900}
    assert shifted_fonts(latin[:1]) == {}  # five syllables are too few to judge
    quoted = shift_ascii("ko.TeX") + "\uc910케이오텍\uc911"  # 0x10 and 0x11 are T1's double quotes
    assert unshift(quoted, 0xC900) == "ko.TeX\u201c케이오텍\u201d"
    raw = [{"font": "t1", "chars": [{"c": c} for c in shift_ascii("plain TeX")]}, *subset]
    assert unshift_spans(raw) == 8
    assert "".join(c["c"] for c in raw[0]["chars"]) == "plain TeX" and raw[1] == {"font": "hangul-c9", "text": "중"}


def reference_garbled_share(text: str) -> float:
    """The definition, one character at a time."""
    visible = [c for c in text if not c.isspace()]
    bad = [c for c in visible if c in PLACEHOLDERS or unicodedata.category(c) in BAD_CATEGORIES]
    return len(bad) / len(visible) if visible else 0.0


def reference_font_offset_garbling(text: str) -> float:
    """The definition, one character at a time: runs of 3+ syllables from one block's ASCII-sized slice."""
    syllables = sum(1 for c in text if "\uac00" <= c <= "\ud7a3")
    if syllables < 20:
        return 0.0
    garbled, run, block = 0, 0, -1
    for c in text + " ":
        shifted = "\uac00" <= c <= "\ud7a3" and 0x20 <= ord(c) & 0xFF <= 0x7F
        if shifted and ord(c) & ~0xFF == block:
            run += 1
            continue
        garbled += run if run >= 3 else 0
        run, block = (1, ord(c) & ~0xFF) if shifted else (0, -1)
    return garbled / syllables


def test_the_quality_checks_count_as_their_definitions_do() -> None:
    rng = random.Random(7)
    pool = [chr(c) for c in range(0x250)] + [chr(c) for c in range(0xAC00, 0xD7A4, 13)]
    pool += ["\ufffd", "?", "\ue000", "\U000f0000", "\u0378", "\u2028", "\x85", "\u3000", "\x7f", "\x1f"]
    shifted = [chr(block + low) for block in range(0xAC00, 0xD800, 0x100) for low in (0x20, 0x41, 0x7F, 0x80)]
    for _ in range(3000):
        text = "".join(rng.choice(pool if rng.random() < 0.6 else shifted) for _ in range(rng.randint(0, 80)))
        assert garbled_share(text) == pytest.approx(reference_garbled_share(text)), repr(text)
        assert font_offset_garbling(text) == pytest.approx(reference_font_offset_garbling(text)), repr(text)
