"""Comparing two indexed documents: aligned sections, the changes between versions, and quotes on an aspect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine import AppError, Cancelled, Engine, NotFoundError
from desktop_app.engine.answering.evidence import EvidenceSelector
from desktop_app.engine.documents.compare import Comparison, compare_documents, diff_sentences, merged_order
from desktop_app.engine.documents.compare_aspect import compare_on_aspect
from desktop_app.engine.documents.compare_markdown import comparison_markdown
from desktop_app.engine.documents.sections import Passage
from support.handbook_versions import ADDED_SENTENCE, NEW_SENTENCE, OLD_SENTENCE, REMOVED_SENTENCE, handbook_set
from support.library import FAST, index_all

THREE_CHANGES = [
    ("changed", [(OLD_SENTENCE, 1, "1")], [(NEW_SENTENCE, 1, "R1")]),
    ("added", [], [(ADDED_SENTENCE, 2, "R2")]),
    ("removed", [(REMOVED_SENTENCE, 3, "3")], []),
]
"""Version 1 -> version 2: each change's kind and its sentences as (text, PDF page, page label), A's then B's."""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, dict[str, int]]]:
    """The handbook's versions and an unrelated report, indexed once; their ids by ``handbook_set`` key."""
    files = handbook_set(tmp_path_factory.mktemp("versions"))
    engine = Engine(tmp_path_factory.mktemp("compare-home"), FAST)
    indexed, failed = index_all(engine, list(files.values()))
    assert len(indexed) == 4 and not failed, failed
    ids = {doc.path: doc.id for doc in engine.library.documents()}
    yield engine, {key: ids[str(path)] for key, path in files.items()}
    engine.close()


def compare(library: tuple[Engine, dict[str, int]], a: str, b: str, embedded: bool = True) -> Comparison:
    engine, ids = library
    return compare_documents(engine._rt.store, ids[a], ids[b], engine._rt.embedder.encode if embedded else None)


def changes_of(comparison: Comparison) -> list[tuple[str, list[tuple[str, int, str]], list[tuple[str, int, str]]]]:
    return [(c.kind, [(p.text, p.page, p.page_label) for p in c.before], [(p.text, p.page, p.page_label)
                                                                          for p in c.after])
            for pair in comparison.pairs for c in pair.changes]


@pytest.mark.parametrize("embedded", [True, False], ids=["embeddings", "difflib"])
def test_two_versions_differing_in_three_places_show_those_three_changes(library, embedded: bool) -> None:
    comparison = compare(library, "v1", "v2", embedded)

    assert comparison.versions and comparison.shared > 0.85
    assert changes_of(comparison) == THREE_CHANGES
    assert [(p.a.title, p.b.title) for p in comparison.pairs if p.a and p.b] == [
        (t, t) for t in ("Purpose", "Measurements", "Equipment", "Procedures", "Contacts")]
    assert [p.similarity == 1.0 for p in comparison.pairs] == [True, False, False, False, True]
    assert comparison.summary() == "1 changed, 1 added, 1 removed passages in 5 aligned sections"
    [changed] = [c for pair in comparison.pairs for c in pair.changes if c.kind == "changed"]
    assert ("removed", "hour") in changed.words and ("added", "fifteen minutes") in changed.words
    assert "".join(t for k, t in changed.words if k != "added") == OLD_SENTENCE
    assert "".join(t for k, t in changed.words if k != "removed") == NEW_SENTENCE
    assert (changed.before_where, changed.after_where) == ("p. 1", "p. R1 (PDF page 1)")


def test_the_other_way_round_added_and_removed_swap(library) -> None:
    kinds = [(kind, before, after) for kind, before, after in changes_of(compare(library, "v2", "v1"))]
    assert [k for k, _, _ in kinds] == ["changed", "removed", "added"]
    assert kinds[1][1] == [(ADDED_SENTENCE, 2, "R2")] and kinds[2][2] == [(REMOVED_SENTENCE, 3, "3")]


@pytest.mark.parametrize("embedded", [True, False], ids=["embeddings", "difflib"])
def test_a_renamed_and_a_moved_section_still_align(library, embedded: bool) -> None:
    comparison = compare(library, "v1", "moved", embedded)

    pairs = {p.a.title: p for p in comparison.pairs if p.a}
    assert len(comparison.pairs) == 5 and all(p.a and p.b for p in comparison.pairs)
    assert pairs["Equipment"].b.title == "Instruments and hardware"
    assert pairs["Equipment"].title == "Equipment / Instruments and hardware"
    assert pairs["Contacts"].b.title == "Contacts" and pairs["Contacts"].b.pages == (1,)
    assert pairs["Contacts"].a.pages == (4,) and not pairs["Contacts"].changes
    assert [(k, [t for t, _, _ in b], [t for t, _, _ in a]) for k, b, a in changes_of(comparison)] == [
        (kind, [t for t, _, _ in before], [t for t, _, _ in after]) for kind, before, after in THREE_CHANGES]


def test_unrelated_documents_are_not_versions(library) -> None:
    comparison = compare(library, "v1", "other")

    assert not comparison.versions and comparison.shared < 0.3
    titles = [(p.a.title if p.a else None, p.b.title if p.b else None) for p in comparison.pairs]
    assert {a for a, _ in titles if a} == {"Purpose", "Measurements", "Equipment", "Procedures", "Contacts"}
    assert {b for _, b in titles if b} == {"Harbour Survey 2031", "Tide Gauges", "Dredging"}
    markdown = comparison_markdown(comparison)
    assert "Different documents" in markdown and "**changed**" not in markdown
    assert "- B (p. 2): \u201cThe northern breakwater gauge is model TG-7" in markdown


def test_the_same_document_twice_or_an_unknown_one_is_refused(library) -> None:
    engine, ids = library
    with pytest.raises(AppError, match="two different documents"):
        compare_documents(engine._rt.store, ids["v1"], ids["v1"])
    with pytest.raises(NotFoundError):
        compare_documents(engine._rt.store, ids["v1"], 999)


def test_a_cancelled_comparison_stops(library) -> None:
    engine, ids = library
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        compare_documents(engine._rt.store, ids["v1"], ids["v2"], cancel=token)


def test_white_space_and_hyphenation_are_no_change() -> None:
    before = [Passage("The infor- mation is  kept in the well-known log.", 1, "1"),
              Passage("Readings go to the centre.", 1, "1")]
    after = [Passage("The information is kept in the well- known log.", 2, "2"),
             Passage("Readings go to the  centre.", 2, "2")]
    assert diff_sentences(before, after) == []
    assert [c.kind for c in diff_sentences(before, after[:1])] == ["removed"]


def test_a_section_only_in_b_follows_the_section_before_it_in_b() -> None:
    # A: 0 1 2 3; B: A3 (moved to the front), A0, A1, a new section; A2 was removed.
    assert merged_order(4, 4, {0: 1, 1: 2, 3: 0}) == [(0, 1), (1, 2), (2, None), (None, 3), (3, 0)]
    assert merged_order(2, 3, {0: 0, 1: 2}) == [(0, 0), (None, 1), (1, 2)]
    assert merged_order(2, 1, {}) == [(0, None), (1, None), (None, 0)]


def test_the_markdown_lists_the_three_changes_with_the_pages_of_both(library) -> None:
    markdown = comparison_markdown(compare(library, "v1", "v2"))

    assert "1 changed, 1 added, 1 removed passages in 5 aligned sections" in markdown
    assert "| Contacts | p. 4 | p. R4 (PDF page 4) | 100% |" in markdown
    assert ("- **changed** A p. 1 \u2192 B p. R1 (PDF page 1): \u201cThe station measures the water level of the "
            "river every ~~hour~~**fifteen minutes**.\u201d") in markdown
    assert f"- **added** B p. R2 (PDF page 2): \u201c{ADDED_SENTENCE}\u201d" in markdown
    assert f"- **removed** A p. 3: \u201c{REMOVED_SENTENCE}\u201d" in markdown


def aspect_of(library: tuple[Engine, dict[str, int]], a: str, b: str, aspect: str):
    engine, ids = library
    rt = engine._rt
    selector = EvidenceSelector(rt.embedder.encode, rt.settings.evidence_floor)
    with rt.quote_locator() as locate:
        return compare_on_aspect(rt.store.document(ids[a]), rt.store.document(ids[b]), aspect, engine._retriever(),
                                 selector, locate)


def test_quotes_on_an_aspect_cite_both_documents_with_their_pages(library) -> None:
    _, ids = library
    found = aspect_of(library, "v1", "other", "how often the water level is measured")

    assert found.covered and found.a_quotes and found.b_quotes
    assert {q.document_id for q in found.a_quotes} == {ids["v1"]}
    assert {q.document_id for q in found.b_quotes} == {ids["other"]}
    assert found.a_quotes[0].quote == OLD_SENTENCE and found.a_quotes[0].page == 1
    assert any("water levels at each station twice a day" in q.quote for q in found.b_quotes)
    for quote in found.a_quotes + found.b_quotes:
        assert quote.rects and all(int(r[0]) == quote.page for r in quote.rects)
    markdown = comparison_markdown(compare(library, "v1", "other"), found)
    assert f"- \u201c{OLD_SENTENCE}\u201d (p. 1)" in markdown


def test_a_document_that_says_nothing_on_the_aspect_has_no_quotes(library) -> None:
    found = aspect_of(library, "v1", "v2", "the diesel generator for outages")

    assert found.a_quotes == [] and [q.quote for q in found.b_quotes][:1] == [ADDED_SENTENCE]
    assert found.b_quotes[0].page_label == "R2"
    with pytest.raises(AppError, match="Say what to compare"):
        aspect_of(library, "v1", "v2", "  ")

