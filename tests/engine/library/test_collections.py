"""Collections and scope: a passage outside a conversation's scope is never retrieved, cited, cached or
matched by a curated answer, and deleting a collection never deletes what the library still needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.engine import Engine
from desktop_app.engine.library.collections import RemovalDone, RemovalProgress
from desktop_app.errors import AppError
from desktop_app.store.collections import Scope
from support.answers import final
from support.fake_model import use_fake_model
from support.library import index_all
from support.pdfs import write_pdf

QUESTION = "How often is the pump filter flushed?"


def site_report(path: Path, site: str, hours: int, contact: str) -> Path:
    return write_pdf(path, [
        [("h", f"Site {site} pump maintenance"),
         ("p", f"At site {site} the pump filter is flushed every {hours} hours of running time. The operator "
               f"records each flush in the site {site} log book and reports a clogged filter to {contact}.")],
        [("h", f"Site {site} staffing"),
         ("p", f"The site {site} crew works in two shifts. Night shifts at site {site} are covered by {contact}.")],
    ], title=f"Site {site} report")


@pytest.fixture
def sites(engine: Engine, tmp_path: Path) -> dict[str, int]:
    paths = [site_report(tmp_path / "alpha.pdf", "Alpha", 300, "Dana Reyes"),
             site_report(tmp_path / "bravo.pdf", "Bravo", 50, "Lee Okafor"),
             site_report(tmp_path / "charlie.pdf", "Charlie", 120, "Sam Ito")]
    indexed, failed = index_all(engine, paths)
    assert not failed and len(indexed) == 3
    return {Path(e.path).stem: e.document_id for e in indexed}


def test_collections_are_named_sets_and_deleting_one_keeps_the_documents(engine: Engine, sites: dict[str, int]
                                                                          ) -> None:
    case = engine.collections.create("Case A")
    other = engine.collections.create("  Case   B ")
    assert other.name == "Case B"
    with pytest.raises(AppError, match="already a collection"):
        engine.collections.create("case a")
    with pytest.raises(AppError, match="needs a name"):
        engine.collections.create("   ")
    assert engine.collections.add("Case A", [sites["alpha"], sites["bravo"]]) == 2
    assert engine.collections.add("case a", [sites["alpha"]]) == 0, "already in it"
    engine.collections.add(other.id, [sites["bravo"]])
    assert [d.id for d in engine.collections.documents(case.id)] == sorted([sites["alpha"], sites["bravo"]])
    assert engine.collections.memberships()[sites["bravo"]] == sorted([case.id, other.id])
    renamed = engine.collections.rename("Case A", "Harbour case")
    assert renamed.id == case.id and engine.collections.find("harbour CASE").documents == 2
    assert engine.collections.remove(case.id, [sites["alpha"]]) == 1
    assert len(engine.library.documents()) == 3, "taking a document out of a collection keeps it in the library"
    engine.collections.delete(case.id)
    assert len(engine.library.documents()) == 3
    assert [c.name for c in engine.collections.all()] == ["Case B"]


def test_deleting_a_collection_with_its_documents_keeps_what_another_collection_needs(
        engine: Engine, sites: dict[str, int]) -> None:
    case = engine.collections.create("Case A")
    engine.collections.add(case.id, [sites["alpha"], sites["bravo"]])
    engine.collections.add(engine.collections.create("Case B").id, [sites["bravo"]])
    events = list(engine.collections.delete_with_documents("Case A"))
    assert [type(e) for e in events] == [RemovalProgress, RemovalDone]
    done = events[-1]
    assert isinstance(done, RemovalDone) and (done.removed, done.kept) == (1, 1)
    assert {d.id for d in engine.library.documents()} == {sites["bravo"], sites["charlie"]}
    assert [c.name for c in engine.collections.all()] == ["Case B"]
    hits = engine.search("Site Alpha pump filter flushed", mode="bm25").sources
    assert all(s.first.document_id != sites["alpha"] for s in hits), "the removed document is out of the index"


def test_keyword_and_vector_search_are_filtered_inside_the_index(engine: Engine, sites: dict[str, int]) -> None:
    store, vectors = engine._rt.store, engine._rt.vectors
    alpha = [sites["alpha"]]
    everywhere = {store.chunks([cid])[0].document_id for cid, _ in store.keyword_search("pump filter flushed", 50)}
    assert everywhere == set(sites.values())
    scoped = store.keyword_search("pump filter flushed", 50, alpha)
    assert scoped and {store.chunks([cid])[0].document_id for cid, _ in scoped} == set(alpha)
    assert store.keyword_search("pump filter flushed", 50, []) == []
    query = engine._rt.embedder.encode([QUESTION])[0]
    allowed = store.chunk_ids_of(alpha)
    found = vectors.search(query, 50, allowed)
    assert found and {cid for cid, _ in found} == set(allowed), "every chunk of the scope, and only those"
    ids, matrix = store.vectors(engine._rt.embedder.key, allowed)
    exact = sorted(zip(ids, (matrix @ query).tolist(), strict=True), key=lambda pair: -pair[1])
    assert [cid for cid, _ in found] == [cid for cid, _ in exact]
    np.testing.assert_allclose([s for _, s in found], [s for _, s in exact], atol=1e-4)
    assert vectors.search(query, 5, [10**9]) == [], "a label not in the index is never returned"


def test_a_scoped_conversation_never_retrieves_cites_or_caches_outside_its_collection(
        engine: Engine, sites: dict[str, int]) -> None:
    case = engine.collections.create("Case A")
    engine.collections.add(case.id, [sites["alpha"]])
    in_library = engine.search(QUESTION).sources
    assert len({s.first.document_id for s in in_library}) > 1, "unscoped, every site's report is found"
    scoped = engine.search(QUESTION, scope=Scope(collection=case.id)).sources
    assert scoped and {s.first.document_id for s in scoped} == {sites["alpha"]}

    model = use_fake_model(engine, "The filter is flushed every 300 hours [1].", "Every 50 or 120 hours [1].",
                           "Every 300 hours [1].")
    first = final(engine.ask(QUESTION, scope=Scope(collection=case.id)))
    assert first.origin == "model"
    assert {c.document_id for c in first.citations + first.related} == {sites["alpha"]}
    prompt = " ".join(m["content"] for m in model.prompts[-1])
    assert "Bravo" not in prompt and "Charlie" not in prompt and "Alpha" in prompt
    assert engine.conversations.scope(first.conversation_id) == Scope(collection=case.id)

    library = final(engine.ask(QUESTION))
    assert library.origin == "model", "the scoped answer is not served to the whole library"
    again = final(engine.ask(QUESTION, scope=Scope(collection=case.id)))
    assert again.origin == "cache" and {c.document_id for c in again.citations + again.related} == {sites["alpha"]}
    other = final(engine.ask(QUESTION, scope=Scope(documents=(sites["bravo"],))))
    assert other.origin == "model" and {c.document_id for c in other.citations + other.related} == {sites["bravo"]}
    assert not model.script


def test_a_follow_up_keeps_the_scope_and_a_curated_answer_does_not_reach_into_it(engine: Engine,
                                                                                  sites: dict[str, int]) -> None:
    engine.curated.add("Who covers the night shifts?", "Night shifts are covered by Lee Okafor (site Bravo).")
    model = use_fake_model(engine, "Dana Reyes covers them [1].", "The filter is flushed every 300 hours [1].")
    scope = Scope(documents=(sites["alpha"],))
    answer = final(engine.ask("Who covers the night shifts?", scope=scope))
    assert answer.origin == "model" and "Okafor" not in answer.text
    assert {c.document_id for c in answer.citations + answer.related} == {sites["alpha"]}
    follow = final(engine.ask("And how often is the filter flushed there?", answer.conversation_id))
    assert {c.document_id for c in follow.citations + follow.related} == {sites["alpha"]}
    assert not model.script
    assert final(engine.ask("Who covers the night shifts?")).origin == "faq", "the whole library still has it"


def test_counts_and_whole_document_reads_stay_in_scope(engine: Engine, sites: dict[str, int]) -> None:
    scope = Scope(documents=(sites["bravo"],))
    counted = final(engine.ask('How many times does "flushed" appear?', scope=scope))
    assert counted.origin == "find" and counted.origin_details["find"]["total"] == 1
    assert {c.document_id for c in counted.citations} == {sites["bravo"]}
    library = final(engine.ask('How many times does "flushed" appear?'))
    assert library.origin_details["find"]["total"] == 3


def test_a_deleted_collection_or_an_empty_scope_gets_a_clear_message(engine: Engine, sites: dict[str, int]) -> None:
    case = engine.collections.create("Case A")
    with pytest.raises(AppError, match="none of them is in the library"):
        final(engine.ask(QUESTION, scope=Scope(collection=case.id)))
    engine.collections.add(case.id, [sites["alpha"]])
    use_fake_model(engine, "Every 300 hours [1].")
    answer = final(engine.ask(QUESTION, scope=Scope(collection=case.id)))
    engine.collections.delete(case.id)
    with pytest.raises(AppError, match="has since been deleted"):
        final(engine.ask("And who reports a clogged filter?", answer.conversation_id))
    with pytest.raises(AppError, match="Start a new conversation"):
        engine.conversations.set_scope(answer.conversation_id, Scope())
    fresh = engine.conversations.new("Bravo only", Scope(documents=(sites["bravo"],)))
    engine.conversations.set_scope(fresh, Scope(documents=(sites["charlie"],)))
    assert engine.conversations.scope(fresh) == Scope(documents=(sites["charlie"],))
    assert engine.collections.describe(engine.conversations.scope(fresh)) == "Document: Site Charlie report"


def test_a_changed_file_indexed_again_stays_in_its_collections_and_scoped_conversations(
        engine: Engine, sites: dict[str, int], tmp_path: Path) -> None:
    case = engine.collections.create("Case A")
    engine.collections.add(case.id, [sites["alpha"], sites["bravo"]])
    chosen = engine.conversations.new("Alpha only", Scope(documents=(sites["alpha"],)))
    site_report(tmp_path / "alpha.pdf", "Alpha", 400, "Dana Reyes")  # the file changes: a new version
    indexed, failed = index_all(engine, [tmp_path / "alpha.pdf"])
    assert not failed and len(indexed) == 1 and indexed[0].replaced
    new = indexed[0].document_id
    assert new != sites["alpha"]
    assert {d.id for d in engine.collections.documents(case.id)} == {new, sites["bravo"]}
    assert engine.conversations.scope(chosen) == Scope(documents=(new,))
    found = engine.search(QUESTION, scope=Scope(collection=case.id)).sources
    assert any("400 hours" in s.text for s in found) and not any("300 hours" in s.text for s in found)


def test_summaries_and_tasks_run_in_the_scope_and_refuse_documents_outside_it(engine: Engine,
                                                                             sites: dict[str, int]) -> None:
    case = engine.collections.create("Case A")
    engine.collections.add(case.id, [sites["alpha"]])
    scope = Scope(collection=case.id)
    with pytest.raises(AppError, match="Site Bravo report is not in this conversation's scope"):
        final(engine.summarise(["bravo.pdf"], True, None, scope=scope))
    summary = final(engine.summarise(["alpha.pdf"], True, None, scope=scope))
    assert engine.conversations.scope(summary.conversation_id) == scope, "the summary's conversation keeps it"
    with pytest.raises(AppError, match="not in this conversation's scope"):
        final(engine.run_task("summarise", {"document": "charlie.pdf"}, summary.conversation_id))
    use_fake_model(engine, "Every 300 hours [1].")
    follow = final(engine.ask(QUESTION, summary.conversation_id))
    assert {c.document_id for c in follow.citations + follow.related} == {sites["alpha"]}
