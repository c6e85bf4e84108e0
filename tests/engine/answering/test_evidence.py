"""Evidence: the sentences that answer a question, chosen from real passages, placed on their pages, shown first."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pymupdf
import pytest

from desktop_app.engine import AnswerDone, AppError, Engine, SourcesFound
from desktop_app.engine.answering.answer import Answer
from desktop_app.engine.answering.evidence import SENTENCE_BATCH, Evidence, EvidenceSelector
from desktop_app.engine.answering.memory import focus_query
from desktop_app.engine.language import say
from desktop_app.store.collections import Scope
from support import fidelity_pdfs
from support.answers import final
from support.fake_model import use_fake_model
from support.library import index_all
from support.pdfs import LOREM, harbour_report, korean_broken_latin_font, korean_manual, write_pdf

ARCHIVE = [
    "Visitors sign the register at the front desk before entering the reading room.",
    "The archive opens at eight in the morning on weekdays and stays shut on public holidays.",
    "Boxes are fetched from the stacks by staff and never by visitors.",
    "The spare key for the archive room is kept in the blue cabinet behind the reception desk.",
    "Photographs of the documents may be taken without flash.",
    "Fragile maps are handled with cotton gloves, which the staff hand out.",
    "The archive closes at four in the afternoon, when the last boxes go back to the stacks.",
]
KEY_SENTENCE = ARCHIVE[3]


def archive_pdf(path: Path) -> Path:
    return write_pdf(path, [[("h", "Archive procedures"), ("p", " ".join(ARCHIVE))]], title="Archive rules")


def run_on_pdf(path: Path) -> Path:
    """A sentence that starts at the foot of page 1 and ends at the top of page 2, with a page number between."""
    doc = pymupdf.open()
    first = doc.new_page(width=595, height=842)
    first.insert_text((72, 90), "Keys and cabinets", fontsize=16, fontname="hebo")
    first.insert_textbox(pymupdf.Rect(72, 700, 523, 800), "The garden shed is locked every evening at six. "
                         "The spare key for the archive room is kept in the", fontsize=10, fontname="helv")
    first.insert_text((290, 820), "1", fontsize=8, fontname="helv")
    second = doc.new_page(width=595, height=842)
    second.insert_textbox(pymupdf.Rect(72, 72, 523, 200), "blue cabinet behind the reception desk. "
                          "Nobody else holds a copy of it.", fontsize=10, fontname="helv")
    doc.save(path)
    doc.close()
    return path


def ask(engine: Engine, question: str) -> Answer:
    return final(engine.ask(question))


def answer_over(engine: Engine, pdf: Path, question: str, reply: str = "In the blue cabinet [1].") -> Answer:
    """Index ``pdf`` alone and ask ``question``, the fake model saying ``reply``."""
    index_all(engine, [pdf])
    use_fake_model(engine, reply)
    return ask(engine, question)


def words_under(path: Path, item: Evidence) -> list[str]:
    """The words of the page whose centres lie inside the quote's rectangles."""
    with pymupdf.open(path) as pdf:
        found = []
        for rect in item.rects:
            page = pdf[int(rect[0]) - 1]
            box = pymupdf.Rect(rect[1:])
            found += [w[4] for w in page.get_text("words")
                      if box.contains(pymupdf.Point((w[0] + w[2]) / 2, (w[1] + w[3]) / 2))]
        return found


def test_a_follow_up_is_answered_by_what_it_asks_not_by_the_previous_answers_quote(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_all(engine, [archive_pdf(tmp_path / "archive.pdf")])
    engine.update_settings(quotes_only=True)
    select, given = EvidenceSelector.select, []
    monkeypatch.setattr(EvidenceSelector, "select", lambda self, *args: given.append(args[3:]) or select(self, *args))
    first = ask(engine, "Where is the spare key for the archive room kept?")
    assert first.evidence[0].quote == KEY_SENTENCE
    question = "And who fetches the boxes from the stacks?"
    follow_up = final(engine.ask(question, first.conversation_id))
    assert follow_up.search_query.startswith("Where is the spare key"), "searched with the question before it"
    assert follow_up.evidence[0].quote == ARCHIVE[2]
    assert given == [(frozenset(), ""), ({e.quote for e in first.evidence}, question)]  # shown quotes, own words


def test_the_answering_sentence_in_the_middle_of_a_passage_comes_first_and_is_highlighted_alone(
        engine: Engine, tmp_path: Path) -> None:
    pdf = archive_pdf(tmp_path / "archive.pdf")
    answer = answer_over(engine, pdf, "Where can I find the spare key to the archive room?",
                         "It is in the blue cabinet [1].")
    top = answer.evidence[0]
    assert top.quote == KEY_SENTENCE
    assert (top.page, top.page_label, top.pages, top.source_number) == (1, "1", [1], 1)
    assert words_under(pdf, top) == KEY_SENTENCE.split()
    assert answer.text == "It is in the blue cabinet [1]."


def test_a_quote_read_in_another_order_than_mupdf_gives_its_words_is_still_placed(
        engine: Engine, tmp_path: Path) -> None:
    pdf = fidelity_pdfs.key_default_pdf(tmp_path / "keys.pdf")
    answer = answer_over(engine, pdf, "How do I turn on automatic line breaking of long lines?")
    top = answer.evidence[0]
    assert top.quote == f"{fidelity_pdfs.KEY_LINE} {fidelity_pdfs.KEY_DEFAULT} {fidelity_pdfs.KEY_DESCRIPTION}"
    assert (top.page, len(top.rects)) == (1, 3)  # the key's line, its default beside it, the description
    assert sorted(words_under(pdf, top)) == sorted(top.quote.split())


def test_the_prompt_gives_the_key_sentences_right_after_the_question(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [archive_pdf(tmp_path / "archive.pdf")])
    model = use_fake_model(engine, "In the blue cabinet [1].")
    ask(engine, "Where can I find the spare key to the archive room?")
    user = model.prompts[-1][-1]["content"]
    assert user.endswith(f"Where can I find the spare key to the archive room?\nAnswer from: \"{KEY_SENTENCE}\" [1]")
    assert user.index("Sources") < user.index("Question:")
    engine.update_settings(evidence_in_prompt=False)
    model = use_fake_model(engine, "In the blue cabinet [1].")  # a settings change unloads the model it replaced
    ask(engine, "Where is the spare key for the archive room kept?")
    assert "Answer from:" not in model.prompts[-1][-1]["content"]


@pytest.mark.parametrize("make", [run_on_pdf, fidelity_pdfs.footnote_pdf], ids=["page-number", "footnote"])
def test_a_sentence_running_on_to_the_next_page_is_quoted_whole_and_placed_on_both(
        engine: Engine, tmp_path: Path, make: Callable[[Path], Path]) -> None:
    pdf = make(tmp_path / "run-on.pdf")
    answer = answer_over(engine, pdf, "Where is the spare key for the archive room kept?")
    top = answer.evidence[0]
    assert top.quote == "The spare key for the archive room is kept in the blue cabinet behind the reception desk."
    assert top.pages == [1, 2] and top.crosses_page and top.where() == "pp. 1-2"
    assert {int(r[0]) for r in top.rects} == {1, 2}
    assert words_under(pdf, top) == top.quote.split()
    assert all(fidelity_pdfs.FOOTNOTE not in e.quote for e in answer.evidence)  # the page's note is not in it


def test_a_footnote_is_a_quote_of_its_own(engine: Engine, tmp_path: Path) -> None:
    answer = answer_over(engine, fidelity_pdfs.footnote_pdf(tmp_path / "footnote.pdf"),
                         "Where does the key of the garden shed hang?", "Inside the porch [1].")
    assert any(e.quote == f"1{fidelity_pdfs.FOOTNOTE}" for e in answer.evidence)


def test_a_korean_question_gets_a_korean_sentence(engine: Engine, tmp_path: Path) -> None:
    answer = answer_over(engine, korean_manual(tmp_path / "korean.pdf"), "암호가 걸린 문서는 어떻게 색인하나요?",
                         "암호를 물어본 다음 색인합니다 [1].")
    assert "".join(answer.evidence[0].quote.split()) == "암호가걸린문서는암호를물어본다음색인한다."
    assert answer.evidence[0].page == 2 and answer.evidence[0].rects


def test_a_korean_sentence_sharing_only_the_question_words_is_not_quoted_first(
        engine: Engine, tmp_path: Path) -> None:
    # The cross-reference asks as the question does (어떻게 ... 하나요); the answer shares only its topic.
    pdf = write_pdf(tmp_path / "calc.pdf", [[("h", "붙여넣기"), (
        "p", "다른 프로그램에 관해서는 “프로그램은 어떻게 설치하나요?” 절을 참조하십시오. "
             "표를 복사한 다음 편집 - 선택하여 붙여넣기에서 바꾸기 상자를 표시합니다.")]], title="Calc", font="korea")
    answer = answer_over(engine, pdf, "표의 행과 열을 서로 바꿔서 붙여넣으려면 어떻게 하나요?",
                         "바꾸기를 표시합니다 [1].")
    assert answer.evidence[0].quote.startswith("표를 복사한 다음")


def test_a_quote_of_latin_text_read_back_from_a_broken_font_is_placed_on_its_line(
        engine: Engine, tmp_path: Path) -> None:
    pdf = korean_broken_latin_font(tmp_path / "broken.pdf")
    engine.update_settings(quotes_only=True)
    index_all(engine, [pdf])
    top = ask(engine, "로고 명령을 쓰려면 무엇을 선언해야 하나요?").evidence[0]
    assert top.quote == "로고 명령을 쓰려면\\usepackage{kotex-logo}를 먼저 선언한다."
    assert top.rects and all(110 < (r[2] + r[4]) / 2 < 125 for r in top.rects)  # the second line, baseline y=120
    assert words_under(pdf, top)  # the rectangles cover the line's words


def test_a_question_in_a_language_the_embedder_does_not_cover_is_matched_by_its_words_alone(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = engine._rt.embedder
    assert not embedder.covers("ko")  # the bundled MiniLM is English-only
    index_all(engine, [korean_manual(tmp_path / "korean.pdf")])
    embedded: list[list[str]] = []
    encode = embedder.encode
    monkeypatch.setattr(embedder, "encode", lambda texts, *a, **k: embedded.append(list(texts)) or encode(texts))
    use_fake_model(engine, "암호를 물어본 다음 색인합니다 [1].")
    answer = ask(engine, "암호가 걸린 문서는 어떻게 색인하나요?")
    assert "".join(answer.evidence[0].quote.split()) == "암호가걸린문서는암호를물어본다음색인한다."
    assert embedded and all(texts == ["암호가 걸린 문서는 어떻게 색인하나요?"] for texts in embedded)  # no sentence
    english = EvidenceSelector.for_question("How are locked files indexed?", embedder, 0.45)
    korean = EvidenceSelector.for_question("암호가 걸린 문서는 어떻게 색인하나요?", embedder, 0.45)
    assert isinstance(english.encode, partial) and english.encode.func == embedder.encode
    assert english.encode.keywords == {"batch_size": SENTENCE_BATCH}  # the shortlist in two padded batches
    assert (english.floor, korean.encode, korean.floor) == (0.45, None, 0.0)


def test_quotes_only_answers_at_once_without_the_model(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [archive_pdf(tmp_path / "archive.pdf")])
    engine.update_settings(quotes_only=True)
    events = list(engine.ask("Where can I find the spare key to the archive room?"))
    answer = events[-1].answer
    assert isinstance(events[0], SourcesFound) and events[0].evidence == answer.evidence
    assert answer.origin == "quotes" and answer.text.startswith(f"\u201c{KEY_SENTENCE}\u201d [1]")
    assert [c.number for c in answer.citations] == [1]
    assert engine._rt.loaded_model is None, "the chat model was never loaded"


def test_no_sentence_close_to_the_question_means_the_documents_do_not_cover_it(
        engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [archive_pdf(tmp_path / "archive.pdf")])
    engine.update_settings(relevance_floor=0.0)  # retrieval lets every passage through; the evidence decides
    model = use_fake_model(engine, "A ticket costs five pounds [1].")
    off_topic = "How much does a reader's ticket for the archive cost?"  # retrieved, but no sentence says
    assert engine.search(off_topic).sources
    answer = ask(engine, off_topic)
    assert answer.abstained and not answer.evidence and not model.prompts
    assert answer.text == "The documents in the library don't cover this."
    assert answer.related, "the closest passages are still shown"
    (document,) = engine.library.documents()
    chosen = final(engine.ask(off_topic, scope=Scope(documents=(document.id,))))
    assert chosen.abstained and chosen.text.startswith("The documents this conversation searches"), \
        "not a claim about the whole library"
    engine.update_settings(evidence_floor=0.0)
    model = use_fake_model(engine, "A ticket costs five pounds [1].")
    ask(engine, off_topic)
    assert model.prompts, "without the evidence floor the model is asked"


def test_evidence_is_kept_with_the_answer_and_with_its_cached_replay(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [archive_pdf(tmp_path / "archive.pdf")])
    use_fake_model(engine, "In the blue cabinet [1].")
    question = "Where can I find the spare key to the archive room?"
    first = ask(engine, question)
    stored = engine.conversations.messages(first.conversation_id)[-1].answer
    assert stored is not None and stored.evidence == first.evidence
    replayed = ask(engine, question)
    assert replayed.origin == "cache" and replayed.evidence == first.evidence


def test_the_real_model_is_given_the_evidence_and_answers(corpus_engine: Engine) -> None:
    events = list(corpus_engine.ask("On a new canvas, which corner does position (0,0) refer to?"))
    found = next(e for e in events if isinstance(e, SourcesFound))
    done = events[-1]
    assert isinstance(done, AnswerDone) and found.evidence == done.answer.evidence
    assert any("lower left" in e.quote.lower() for e in done.answer.evidence)
    assert done.answer.origin == "model" and done.answer.completion_tokens > 0


def test_a_long_pasted_thread_is_searched_by_its_last_question_and_too_long_for_the_window_is_said(
        engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    filler = "Thanks for the update on the quarterly budget meeting, see you on Tuesday. " * 520
    thread = f"{filler}\n\nOne more thing from the survey: how much silt did the dredging remove?"
    assert len(thread) > 38_000
    query = focus_query(thread)
    assert query.startswith("One more thing from the survey: how much silt did the dredging remove?")
    assert len(query) < 300 and engine.search(query).sources[0].main_page == 3
    use_fake_model(engine, "41,500 cubic metres [1].")
    started = time.perf_counter()
    with pytest.raises(AppError, match="Shorten the question"):
        ask(engine, thread)
    counting = f"{filler}\n\nBy the way, how many times is the dredger Kestrel mentioned?"
    counted = ask(engine, counting)
    assert counted.origin == "find" and counted.origin_details["find"]["total"] == 1, "its ask is the count"
    assert time.perf_counter() - started < 30, "a find is asked of the pasted text's ask, not of all of it"


@pytest.mark.parametrize("question, language", [
    ("준설 작업으로 제거한 토사의 양은 얼마입니까?", "ko"),
    ("Quelle quantité de limon le dragage du chenal a-t-elle enlevée ?", "fr"),
    ("Wann hat die Kestrel gearbeitet und wie viel Schlick hat sie entfernt?", "de"),
    # names and terms the languages share: passages are retrieved by them, but not quoted as the answer
    ("Quel est le modèle de la jauge du Harbour Survey 2031 ?", "fr"),
    ("dredger Kestrel은 ferries 때문에 밤에만 작업했나요?", "ko"),
])
def test_a_question_in_another_language_than_the_documents_is_not_told_they_are_silent(
        engine: Engine, tmp_path: Path, question: str, language: str) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    fake = use_fake_model(engine)
    answer = ask(engine, question)
    assert answer.language == language
    assert answer.abstained and answer.text == say("other_language", language) and not answer.evidence
    assert "Embedding model folder" in answer.text and answer.related and not fake.prompts
    assert answer.across_languages
    assert answer.closest_label == say("closest_other", language) != say("closest", language)
    if "Kestrel" in question and language == "ko":
        assert answer.related[0].page == 3, "the passage the shared words found is shown first"


def test_a_question_about_a_named_method_is_answered_from_the_passage_that_names_it(
        engine: Engine, tmp_path: Path) -> None:
    """One content word, which the embedding model may not know ("What does setDash do?" had cosine 0.12 with
    its passage in the ReportLab guide): neither the keyword coverage nor a cosine says the passage is
    relevant, yet it holds the name as written. Floors no cosine here reaches stand for that."""
    manual = write_pdf(tmp_path / "gauge-api.pdf", [
        [("h", "Gauge readings"), ("p", "Readings are stored every ten minutes. " + LOREM)],
        [("h", "Offsets"), ("p", "The setTideOffset method shifts every stored reading by a fixed number of "
                                 "millimetres. " + LOREM * 2)],
        [("h", "Dredging"), ("p", "The dredger works at night when the channel is closed to ferries.")],
        [("h", "GaugeGroup(gauges)"), ("p", "Readings of the gauges given are averaged before they are stored. "
                                              "The TideWatch service reads them. " + LOREM)],
    ])
    index_all(engine, [manual])
    engine.update_settings(quotes_only=True, relevance_floor=0.95, evidence_floor=0.95)
    answer = ask(engine, "What does setTideOffset do?")
    assert not answer.abstained and answer.evidence, answer.text
    assert answer.evidence[0].page == 2 and "setTideOffset" in answer.evidence[0].quote
    grouped = ask(engine, "What does GaugeGroup do?")  # a class name: its heading writes it with its arguments
    assert not grouped.abstained and grouped.evidence and grouped.evidence[0].page == 4, grouped.text
    for unknown in ("What does setMoonPhase do?", "What does the tide offset do?", "What does TideWatch do?"):
        assert ask(engine, unknown).abstained, "no name the library holds as code: the floors decide"


def test_the_prompt_lines_a_small_model_repeats_are_not_part_of_its_answer(engine: Engine, tmp_path: Path) -> None:
    question = "How much silt did the dredging remove?"
    echo = (f"Question: {question}\nAnswer from: \"Dredging of the eastern channel removed 41,500 cubic metres of "
            "silt.\" [1] Using only the sources above, answer briefly and cite the source number like [1].")
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    fake = use_fake_model(engine, echo, "The dredger Kestrel did [1].",
                          "Question: How much silt was removed by the dredging?\nIt removed 41,500 cubic metres [1].")
    answer = ask(engine, question)
    assert answer.text == "\"Dredging of the eastern channel removed 41,500 cubic metres of silt.\" [1]", answer.text
    assert not answer.abstained and [c.number for c in answer.citations] == [1]
    final(engine.ask("Which dredger did it?", answer.conversation_id))
    replayed = [m["content"] for m in fake.prompts[-1] if m["role"] == "assistant"]
    assert replayed == [echo], "the follow-up repeats the answer as the model wrote it: its KV cache holds that"
    reworded = ask(engine, "What did dredging the eastern channel remove?")  # not the cached question
    assert reworded.text == "It removed 41,500 cubic metres [1].", reworded.text


def test_a_pasted_text_that_fits_the_window_alone_is_not_answered_from_no_passage(
        engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    model = use_fake_model(engine, "41,500 cubic metres [1].")
    budget = model.n_ctx - engine.settings.max_answer_tokens
    filler = "Thanks for the update on the budget, see you Tuesday. " * ((budget - 120) // 10)
    thread = f"{filler}\n\nOne more thing from the survey: how much silt did the dredging remove?"
    assert model.count(thread) < budget
    with pytest.raises(AppError, match="no passage of the documents fits beside it"):
        ask(engine, thread)
    assert model.script == ["41,500 cubic metres [1]."], "the model is not asked to answer from nothing"
