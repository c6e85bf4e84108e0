"""The generated manuals hold what the generated questions say they hold, so scores on them mean something."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf

from support import guide, hangul_manual
from support.questions import FOLLOW_UPS, GUIDE, MANUAL, QUESTIONS

SOURCES = {GUIDE: guide.guide_pages(), MANUAL: hangul_manual.PAGES}


def page_text(doc: str, page: int) -> str:
    return " ".join(text for _, text in SOURCES[doc][page - 1])


def test_each_answer_is_on_the_pages_its_question_names() -> None:
    for q in QUESTIONS:
        if not q["answerable"]:
            continue
        text = " ".join(page_text(q["doc"], p) for p in q["pages"])
        missing = [word for word in q["must_contain"] if word not in text]
        assert q["must_contain"] and not missing, (q["id"], missing)


def test_questions_are_well_formed_and_follow_ups_lean_on_an_earlier_question() -> None:
    ids = [q["id"] for q in QUESTIONS]
    assert len(set(ids)) == len(ids)
    for q in QUESTIONS:
        assert q["answerable"] == bool(q["doc"]) == bool(q["pages"]), q["id"]
        if q["follows"]:
            assert ids.index(q["follows"]) < ids.index(q["id"]), q["id"]
    assert sorted(FOLLOW_UPS) == sorted((q["follows"], q["id"]) for q in QUESTIONS if q["follows"])
    assert {q["lang"] for q in QUESTIONS if q["follows"]} == {"en", "ko"}
    assert {q["lang"] for q in QUESTIONS if not q["answerable"]} == {"en", "ko"}


def test_unanswerable_questions_are_not_covered_by_the_manuals() -> None:
    everything = " ".join(text for pages in SOURCES.values() for page in pages for _, text in page).lower()
    for word in ("docx", "microsoft", "x.509", "certificate", "signature", "세로쓰기"):
        assert word not in everything, word


def test_the_rendered_guide_is_long_and_its_pages_carry_their_headings(corpus: Path) -> None:
    pdf = pymupdf.open(corpus / GUIDE)
    assert pdf.page_count == guide.PAGES >= 120 and pdf.metadata["title"] == guide.TITLE
    for number, page in enumerate(guide.guide_pages(), start=1):
        assert pdf[number - 1].get_text().startswith(page[0][1]), number


def test_the_rendered_korean_manual_shifts_latin_text_on_the_shifted_pages_only(corpus: Path) -> None:
    pdf = pymupdf.open(corpus / MANUAL)
    assert pdf.page_count == len(hangul_manual.PAGES) and len(hangul_manual.SHIFTED_PAGES) >= 10
    for number, page in enumerate(hangul_manual.PAGES, start=1):
        body = " ".join(text for kind, text in page if kind == "p")
        latin = re.findall(r"[!-~]{3,}", body)
        if number in hangul_manual.SHIFTED_PAGES:
            assert latin and hangul_manual.shift_ascii(latin[0]) in pdf[number - 1].get_text(), number
        else:
            assert not re.search(r"[A-Za-z0-9]", body), f"page {number} has Latin text but is not shifted"
            assert hangul_manual.shift_ascii(".") not in pdf[number - 1].get_text(), number
