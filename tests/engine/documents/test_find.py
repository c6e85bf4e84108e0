"""Exhaustive find over real indexed PDFs: exact counts on exact pages, every mode, scope, cancel, exports,
and the questions that ask for a count."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine import AppError, Engine
from desktop_app.engine.documents import find
from desktop_app.engine.documents.find import (
    DocumentCount,
    FindDone,
    FindHit,
    FindProgress,
    FindQuery,
    count_request,
    find_in_library,
    hits_csv,
    hits_markdown,
)
from support.library import FAST, index_all
from support.pdfs import write_pdf

CONTRACT = [
    [("h", "Force Majeure"),
     ("p", "Neither party is liable for a delay caused by force majeure. The contractor shall notify the owner of "
           "any force majeure event within seven days of its start.")],
    [("p", "Near misses: the workforce majeure rate, force-majeure insurance, forcemajeure, and events of force "
           "majeures are not the phrase.")],
    [("p", "An event of force\nmajeure suspends the works. The contractors are paid for the work done before the "
           "force ma-\njeure event began.")],
    [("p", "The Contractor's duties under clause 7 and clause 7.2 survive. Subcontractors and contractual terms "
           "differ. Clause 7 was invoked twice; the owner invokes it again, and invoking it costs contrac-\ntors "
           "nothing. Its invocation is rare.")],
    [("p", "SCHEDULE: FORCE MAJEURE NOTICES are kept for ten years.")],
]
CONTRACT_LABELS = ["i", "ii", "1", "2", "3"]


def contract_pdf(path: Path) -> Path:
    """Five pages, labelled i, ii, 1, 2, 3, with "force majeure" six times on pages 1, 3 and 5 (twice split at a
    line end, once by a hyphen), near misses on page 2, and the forms of "contractor" and "invoke"."""
    write_pdf(path, CONTRACT, title="Supply Contract")
    doc = pymupdf.open(path)
    doc.set_page_labels([{"startpage": 0, "prefix": "", "style": "r", "firstpagenum": 1},
                         {"startpage": 2, "prefix": "", "style": "D", "firstpagenum": 1}])
    doc.saveIncr()
    doc.close()
    return path


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A contract, its annex (force majeure twice) and a Korean page set, indexed once for the module."""
    folder = tmp_path_factory.mktemp("find-docs")
    contract_pdf(folder / "contract.pdf")
    write_pdf(folder / "annex.pdf", [[("p", "Annex B lists force majeure events. Each force majeure notice is "
                                            "signed.")]], title="Annex B")
    write_pdf(folder / "korean.pdf", [
        [("p", "계약자는 공사를 기한 안에 완료한다. 하도급계약자는 이 조항에서 제외한다.")],
        [("p", "계약자가 요청하면 발주자는 계약자의 비용으로 검사한다. 계약 기간은 2년이다.")],
    ], title="공사 계약서", font="korea")
    engine = Engine(tmp_path_factory.mktemp("find-home"), FAST)
    indexed, failed = index_all(engine, [folder / "contract.pdf", folder / "annex.pdf", folder / "korean.pdf"])
    assert not failed and len(indexed) == 3, failed
    yield engine
    engine.close()


def ids(engine: Engine) -> dict[str, int]:
    return {doc.title: doc.id for doc in engine.library.documents()}


def run(engine: Engine, query: FindQuery, documents: list[int] | None = None,
        cancel: CancelToken | None = None) -> tuple[list[FindHit], FindDone]:
    events = list(find_in_library(engine._rt.store, query, documents, cancel))
    done = events[-1]
    assert isinstance(done, FindDone)
    return [e for e in events if isinstance(e, FindHit)], done


def test_a_planted_phrase_is_found_exactly_as_often_as_planted_on_exactly_its_pages(library: Engine) -> None:
    contract = ids(library)["Supply Contract"]
    hits, done = run(library, FindQuery("force majeure"), [contract])
    assert [h.page for h in hits] == [1, 1, 1, 3, 3, 5]
    assert [h.page_label for h in hits] == ["i", "i", "i", "1", "1", "3"]
    assert done.total == 6 and done.per_document == [DocumentCount(contract, "Supply Contract", 6)]
    assert done.pages_read == 5 and done.documents_read == 1 and not done.cancelled
    assert all(h.match.lower() == "force majeure" for h in hits)
    assert all(h.snippet[h.snippet_start:h.snippet_end] == h.match for h in hits)
    assert "\n" not in "".join(h.snippet for h in hits)
    assert hits[3].snippet.startswith("An event of ") and hits[4].snippet.endswith("event began.")


def test_the_whole_library_counts_per_document_in_library_order(library: Engine) -> None:
    hits, done = run(library, FindQuery("Force Majeure"))
    assert done.total == len(hits) == 8
    assert [(c.title, c.count) for c in done.per_document] == [("Supply Contract", 6), ("Annex B", 2)]
    assert done.documents_read == 3 and done.pages_read == done.pages_total == 5 + 1 + 2
    assert [h.document for h in hits] == ["Supply Contract"] * 6 + ["Annex B"] * 2


def test_case_sensitive_phrase_and_a_scope_that_counts_zeros_too(library: Engine) -> None:
    docs = ids(library)
    hits, _ = run(library, FindQuery("Force Majeure", case_sensitive=True))
    assert [(h.document, h.page) for h in hits] == [("Supply Contract", 1)]
    _, done = run(library, FindQuery("force majeure"), [docs["Annex B"], docs["공사 계약서"]])
    assert [(c.title, c.count) for c in done.per_document] == [("Annex B", 2), ("공사 계약서", 0)]


def test_all_word_forms_count_inflections_and_nothing_else(library: Engine) -> None:
    contract = ids(library)["Supply Contract"]
    hits, done = run(library, FindQuery("contractor", "words"), [contract])
    assert [(h.page, h.match) for h in hits] == [(1, "contractor"), (3, "contractors"), (4, "Contractor's"),
                                                 (4, "contractors")]
    hits, _ = run(library, FindQuery("invoke", "words"), [contract])
    assert [h.match for h in hits] == ["invoked", "invokes", "invoking"]
    hits, _ = run(library, FindQuery("force majeure", "words"), [contract])
    assert len(hits) == 7  # the phrase's six, and "majeures" as a form of "majeure"


def test_a_number_ends_a_phrase_and_a_regular_expression_finds_both(library: Engine) -> None:
    contract = ids(library)["Supply Contract"]
    hits, _ = run(library, FindQuery("clause 7"), [contract])
    assert [h.match for h in hits] == ["clause 7", "Clause 7"]
    hits, _ = run(library, FindQuery(r"clause \d+(\.\d+)?", "regex"), [contract])
    assert [h.match for h in hits] == ["clause 7", "clause 7.2", "Clause 7"]
    hits, _ = run(library, FindQuery(r"clause \d+(\.\d+)?", "regex", case_sensitive=True), [contract])
    assert len(hits) == 2


def test_korean_particles_attach_and_a_compound_does_not_count(library: Engine) -> None:
    korean = ids(library)["공사 계약서"]
    hits, done = run(library, FindQuery("계약자"), [korean])
    assert [h.page for h in hits] == [1, 2, 2] and done.total == 3
    hits, _ = run(library, FindQuery("계약", "words"), [korean])
    assert [h.match for h in hits] == ["계약자는", "계약자가", "계약자의", "계약"]


def test_cancel_stops_between_pages_with_the_partial_counts(library: Engine) -> None:
    token = CancelToken()
    seen: list[FindHit] = []
    done = None
    for event in find_in_library(library._rt.store, FindQuery("force majeure"), cancel=token):
        if isinstance(event, FindHit):
            seen.append(event)
            token.cancel()
        elif isinstance(event, FindDone):
            done = event
    assert done is not None and done.cancelled
    assert [h.page for h in seen] == [1, 1, 1]  # the rest of the page it was on, then no more
    assert done.total == 3 and done.pages_read == 1 and done.documents_read == 1 and done.pages_total == 8


def test_progress_comes_every_few_pages(library: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(find, "PROGRESS_EVERY", 2)
    events = list(find_in_library(library._rt.store, FindQuery("force majeure")))
    progress = [e for e in events if isinstance(e, FindProgress)]
    assert [(p.pages_done, p.pages_total) for p in progress] == [(2, 8), (4, 8), (6, 8), (8, 8)]
    assert progress[1].hits == 5  # pages 1-3 of the contract read


def test_exports_give_every_hit_and_the_counts(library: Engine, tmp_path: Path) -> None:
    query = FindQuery("force majeure")
    hits, done = run(library, query)
    assert hits_csv(hits, tmp_path / "hits.csv") == 8
    with (tmp_path / "hits.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["document"], r["page"], r["page_label"]) for r in rows][:4] == [
        ("Supply Contract", "1", "i"), ("Supply Contract", "1", "i"), ("Supply Contract", "1", "i"),
        ("Supply Contract", "3", "1")]
    report = hits_markdown(hits, done, query)
    assert report.startswith("# Every mention of \u201cforce majeure\u201d")
    assert "8 occurrence(s), exact phrase; read 8 pages of 3 document(s)." in report
    assert "| Supply Contract | 6 |" in report and "| Annex B | 2 |" in report
    assert "## Supply Contract" in report and "| 1 (PDF page 3) | An event of **force majeure** suspends" in report


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(tmp_path: Path) -> None:
    hit = FindHit(1, "=cmd()", "/a.pdf", 1, "1", "=HYPERLINK(x) total", "total", 14, 19, 14, 19)
    hits_csv([hit], tmp_path / "hits.csv")
    row = next(csv.DictReader((tmp_path / "hits.csv").open(encoding="utf-8-sig", newline="")))
    assert row["document"] == "'=cmd()" and row["snippet"] == "'=HYPERLINK(x) total"


def test_a_latin_name_or_a_number_written_against_korean_is_found() -> None:
    text = "ko.TeX은 TEX Live의 일부이다. TeXnician, 2개와 12개, 한글TeX; LaTeX을 쓴다."
    assert [text[a:b] for a, b in FindQuery("TeX").spans(text)] == ["TeX", "TEX", "TeX"]
    assert [text[a:b] for a, b in FindQuery("tex", "words").spans(text)] == ["TeX", "TEX", "TeX"]
    assert [text[a:b] for a, b in FindQuery("2").spans(text)] == ["2"], "not in 12"
    assert [text[a:b] for a, b in FindQuery("일부").spans(text)] == ["일부"]


def test_white_space_in_the_query_matches_any_white_space_run() -> None:
    query = FindQuery("  notice   of\tdefault ")
    assert query.text == "notice of default"
    text = "a notice\nof  default; notices of default; notice of defaults; NOTICE OF DEFAULT"
    assert [text[a:b] for a, b in query.spans(text)] == ["notice\nof  default", "NOTICE OF DEFAULT"]
    assert list(FindQuery("ｆｏｒｃｅ").spans("force")) == [(0, 5)]  # the query is NFKC-folded as page texts are


@pytest.mark.parametrize(("text", "mode"), [("", "phrase"), ("   ", "words"), ("(unclosed", "regex"),
                                             ("x", "fuzzy")])
def test_an_empty_query_a_bad_regex_or_mode_is_an_error_that_says_so(text: str, mode: str) -> None:
    with pytest.raises(AppError) as error:
        FindQuery(text, mode)
    assert str(error.value).endswith(".")


@pytest.mark.parametrize(("question", "term", "mode"), [
    ("How many times is clause 7 invoked?", "clause 7", "words"),
    ("How often does force majeure appear in the contract?", "force majeure", "words"),
    ("how often is the contractor mentioned", "contractor", "words"),
    ("How many times did the owner invoke clause 7?", "clause 7", "words"),
    ("How many times does the report mention the word dredging?", "dredging", "words"),
    ("List all mentions of liquidated damages.", "liquidated damages", "words"),
    ("Every mention of the supplier, please", "supplier", "words"),
    ("Find all occurrences of 'force majeure'", "force majeure", "phrase"),
    ("Find every \u201cnotice of default\u201d in the library", "notice of default", "phrase"),
    ("Which pages mention Kestrel?", "Kestrel", "words"),
    ("계약자가 몇 번 나오나요?", "계약자", "words"),
    ("안녕하세요, 보고서에서 계약자는 몇 번 나와?", "계약자", "words"),
    ("계약서에서 \u2018지체상금\u2019이 몇 번 언급되나요?", "지체상금", "phrase"),
    ("지체상금이 총 몇 회 등장하나요", "지체상금", "words"),
    ("계약자를 모두 찾아줘", "계약자", "words"),
    ("불가항력이 언급된 곳을 모두 보여줘", "불가항력", "words"),
    ("하자보수의 언급 횟수는?", "하자보수", "words"),
])
def test_a_question_that_asks_for_a_count_or_every_mention_is_a_find(question: str, term: str, mode: str) -> None:
    assert count_request(question) == FindQuery(term, mode)


@pytest.mark.parametrize("question", [
    "What is every supplier's risk?", "Does every pump need a filter?", "How often should the filter be cleaned?",
    "How many pumps are there?", "List all suppliers.", "How many references are listed?",
    "How many times per day is the valve opened?", "What does clause 7 say?",
    "해지 사유는 몇 번 조항에 있나요?", "계약 조건을 모두 설명해줘", "펌프가 나오는 부분을 설명해줘",
    "펌프 점검 횟수는 얼마인가요?",
])
def test_an_ordinary_question_is_not_a_find(question: str) -> None:
    assert count_request(question) is None


def test_a_count_question_finds_the_planted_count(library: Engine) -> None:
    query = count_request("How many times is 'force majeure' mentioned in the contract?")
    assert query is not None
    _, done = run(library, query, [ids(library)["Supply Contract"]])
    assert done.total == 6
