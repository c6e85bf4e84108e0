"""Whole-document summaries: every part read and cited; progress, cancel and resume; reuse until a document changes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine import Answer, AnswerDone, Engine, SummaryProgress
from desktop_app.engine.documents.sections import document_sections
from desktop_app.engine.documents.summary import overview_points
from support.fake_model import use_fake_model
from support.library import index_all
from support.pdfs import write_pdf

SECTIONS = [
    ("Water Intake", "The intake screens are cleaned every Tuesday by the river crew. Debris above 40 kilograms "
                     "is logged in the intake register. The screens were replaced in 2029 with stainless mesh."),
    ("Filtration", "Sand filters run in four parallel beds. Each bed is backwashed after 36 hours of service. "
                   "Turbidity after filtration stays below 0.3 units on every sampled day."),
    ("Chlorination", "Chlorine is dosed at the clearwell inlet. The residual target at the plant outlet is 0.8 "
                     "milligrams per litre. Operators check the residual every two hours."),
    ("Storage", "Treated water is stored in two covered reservoirs holding 12,000 cubic metres together. "
                "The north reservoir was relined in 2030. Levels are read remotely each hour."),
    ("Distribution", "Water leaves the plant through three trunk mains. Pressure at the far end of the network is "
                     "kept above 2.5 bar. Leaks are reported through the hotline and fixed within a week."),
    ("Staffing", "The plant is staffed by eleven operators in three shifts. Every operator holds a grade two "
                 "licence. Training refreshers take place each spring."),
]
FILLER = " The plant manual describes this step in more detail for new operators and auditors."


def plant_manual(path: Path, changed: str = "") -> Path:
    """Six sections on three pages; ``changed`` replaces the Staffing text (a new version of the document)."""
    sections = [(title, changed if changed and title == "Staffing" else text) for title, text in SECTIONS]
    pages = [[("h", title), ("p", text + FILLER * 3)] for title, text in sections]
    return write_pdf(path, [pages[0] + pages[1], pages[2] + pages[3], pages[4] + pages[5]], title="Plant Manual")


def summarise(engine: Engine, *refs: str, cancel: CancelToken | None = None, **options: object
              ) -> tuple[Answer, list[SummaryProgress]]:
    progress: list[SummaryProgress] = []
    answer = None
    for event in engine.summarise(list(refs), cancel=cancel, **options):  # type: ignore[arg-type]
        if isinstance(event, SummaryProgress):
            progress.append(event)
        elif isinstance(event, AnswerDone):
            answer = event.answer
    assert answer is not None
    return answer, progress


def cited_pages(answer: Answer, line: str) -> set[int]:
    numbers = [int(n) for found in re.findall(r"\[([\d, ]+)\]", line) for n in found.split(",")]
    by_number = {c.number: c for c in answer.citations}
    return {page for n in numbers for page in by_number[n].pages}


@pytest.fixture
def manual(engine: Engine, tmp_path: Path) -> Path:
    path = plant_manual(tmp_path / "plant.pdf")
    indexed, failed = index_all(engine, [path])
    assert indexed and not failed
    return path


def test_sections_keep_their_pages(engine: Engine, manual: Path) -> None:
    sections = document_sections(engine._rt.store, engine.library.find("plant.pdf").id)
    assert [s.title for s in sections] == [title for title, _ in SECTIONS]
    assert [s.pages for s in sections] == [(1,), (1,), (2,), (2,), (3,), (3,)]
    assert any("0.8 milligrams per litre" in s.text for s in sections[2].sentences())


def test_extractive_summary_cites_every_section_on_its_page(engine: Engine, manual: Path) -> None:
    answer, progress = summarise(engine, "plant.pdf", extractive=True)
    assert answer.origin == "summary" and answer.origin_details["method"] == "extractive"
    assert [p.done for p in progress if p.stage == "reading"] == [1, 2, 3, 4, 5, 6]
    part_lines = answer.text.split("Part by part\n")[1].splitlines()
    assert len(part_lines) == len(SECTIONS)
    for (title, _), line, page in zip(SECTIONS, part_lines, [1, 1, 2, 2, 3, 3], strict=True):
        assert line.startswith(f"- {title} (p. {page}):")
        assert cited_pages(answer, line) == {page}
    overview = answer.text.split("Overview\n")[1].split("\n\n")[0].splitlines()
    assert 1 <= len(overview) <= 5 and all(cited_pages(answer, line) for line in overview)
    # Every quoted sentence is the document's own words.
    text = " ".join(t for _, t in SECTIONS)
    for citation in answer.citations:
        assert citation.passage in text + FILLER


def test_model_summary_reads_every_part_and_combines_what_does_not_fit(engine: Engine, manual: Path) -> None:
    model = use_fake_model(engine, *[f"Part {n} says something about the plant." for n in range(1, 7)],
                           "Combined: intake, filtration, chlorination, storage and the rest.",
                           "- The plant cleans its screens weekly [1]\n- Water is stored and distributed")
    model.n_ctx = 450  # one section a part, and the six part summaries do not fit one overview prompt
    answer, progress = summarise(engine, "plant.pdf", extractive=False)
    assert not model.script, "every scripted answer was used: six parts, one combining step, one overview"
    assert answer.origin_details["parts"] == 6 and answer.origin_details["method"] == "model"
    assert [p.stage for p in progress] == ["reading"] * 6 + ["combining"] * 3
    overview = answer.text.split("Overview\n")[1].split("\n\n")[0].splitlines()
    assert overview[0].startswith("- The plant cleans its screens weekly [")
    assert [cited_pages(answer, line) for line in overview] == [{1, 2, 3}, {1, 2, 3}]
    part_lines = answer.text.split("Part by part\n")[1].splitlines()
    assert [cited_pages(answer, line) for line in part_lines] == [{1}, {1}, {2}, {2}, {3}, {3}]
    assert "Part 4 says something about the plant." in part_lines[3]


def test_a_model_summary_is_checked_against_the_parts_it_cites(engine: Engine, manual: Path) -> None:
    """Each part's summary against its part's text, each overview point against the parts it cites; the
    headings, section titles and page spans around them are not checked."""
    parts = ["This part says something about the plant."] * 6
    parts[0] = "The intake screens are cleaned every Tuesday; debris above 40 kilograms is logged."
    parts[2] = "In Chlorination, chlorine is dosed at the clearwell inlet."  # the part's title, not its text
    parts[3] = "The two reservoirs hold 15,000 cubic metres and were built by Hydrotec."  # neither in the text
    model = use_fake_model(engine, *parts, "Combined: intake, filtration, chlorination, storage and the rest.",
                           "- Treated water is kept in reservoirs relined in 2030 [1]\n"
                           "- Pumps were renewed in 2031 [1]")
    model.n_ctx = 450  # one section a part (as in the test above)
    answer, _ = summarise(engine, "plant.pdf", extractive=False)
    assert not model.script
    checked = answer.verification
    assert checked is not None
    assert checked.unsupported_tokens == ["2031", "15,000", "Hydrotec"]
    flagged = [answer.text[s.start:s.end] for s in checked.unsupported]
    assert flagged == ["Pumps were renewed in 2031 [1, 2, 3, 4, 5, 6]",  # the combined summary covered every part
                       "The two reservoirs hold 15,000 cubic metres and were built by Hydrotec."]
    claims = {claim for s in checked.sentences for claim in s.claims}
    assert {"2030", "40"} <= claims, "the overview's 2030 is in the Storage part, 40 in the Water Intake part"
    assert "Chlorination" not in claims, "a word of the part's title, which the model was shown, is no claim"
    extractive, _ = summarise(engine, "plant.pdf", extractive=True)
    assert extractive.verification is None  # the document's own sentences


def test_combining_rounds_group_what_fits_and_always_shrink(engine: Engine) -> None:
    from desktop_app.engine.documents.summary import Summariser
    from desktop_app.store.summaries import SummaryStore

    model = use_fake_model(engine, "one to four")
    model.n_ctx = 390  # 30 tokens of summaries a combining step (the fake model counts words, plus one)
    summariser = Summariser(SummaryStore(engine._rt.db), engine._rt.embedder.encode, "e", model)  # type: ignore[arg-type]
    items = [(f"summary number {n} of this part", (n,)) for n in range(5)]  # 7 words each when numbered
    steps = summariser._combine(items, CancelToken())
    combined = []
    while True:
        try:
            next(steps)
        except StopIteration as done:
            combined = done.value
            break
    assert combined == [("one to four", (0, 1, 2, 3)), ("summary number 4 of this part", (4,))]
    assert not model.script


def test_cancelled_summary_keeps_its_parts_and_resumes(engine: Engine, manual: Path) -> None:
    model = use_fake_model(engine, *[f"Summary of part {n}." for n in range(1, 4)])
    model.n_ctx = 450
    token = CancelToken()
    answer = None
    for event in engine.summarise(["plant.pdf"], extractive=False, cancel=token):
        if isinstance(event, SummaryProgress) and event.done == 3:
            token.cancel()
        elif isinstance(event, AnswerDone):
            answer = event.answer
    assert answer is not None and answer.stopped and answer.origin_details["parts"] == 3
    assert "Stopped after 3 of 6 parts" in answer.text and "read 3 of 6 parts;" in answer.text
    model.script = [f"Summary of part {n}." for n in range(4, 7)] + ["Combined parts of the plant.",
                                                                     "- An overview point of the plant [1]"]
    again, _ = summarise(engine, "plant.pdf", extractive=False)
    assert not again.stopped and again.origin_details["reused_parts"] == 3 and not model.script
    assert "Summary of part 1." in again.text and "Summary of part 6." in again.text


def test_stored_parts_are_reused_until_the_document_changes(engine: Engine, manual: Path, tmp_path: Path) -> None:
    first, _ = summarise(engine, "plant.pdf", extractive=True)
    assert first.origin_details["reused_parts"] == 0
    again, _ = summarise(engine, "plant.pdf", extractive=True)
    assert again.origin_details["reused_parts"] == 6 and again.text == first.text
    plant_manual(manual, changed="The plant now runs with nine operators on two long shifts each week. "
                                 "Licences are renewed every third year.")
    index_all(engine, [manual])
    changed, _ = summarise(engine, "plant.pdf", extractive=True)
    assert changed.origin_details["reused_parts"] == 0  # a new version: its old summaries went with the old one
    staffing = changed.text.split("- Staffing (p. 3): ")[1].splitlines()[0]
    assert "nine operators" in staffing or "every third year" in staffing


def test_a_library_of_documents_is_summarised_together(engine: Engine, manual: Path, tmp_path: Path) -> None:
    other = shutil.copy(plant_manual(tmp_path / "v2.pdf", changed="Staffing is outsourced to a contractor team "
                                     "of ten people who rotate monthly."), tmp_path / "second.pdf")
    index_all(engine, [Path(other)])
    summarise(engine, "plant.pdf", extractive=True)
    both, _ = summarise(engine, "plant.pdf", "second.pdf", extractive=True)
    assert both.origin_details["total_parts"] == 12 and both.origin_details["reused_parts"] == 6 + 5
    assert {c.document_title for c in both.citations} == {"Plant Manual"}
    assert len({c.document_id for c in both.citations}) == 2


def test_reused_parts_are_cited_on_their_own_pages(engine: Engine, manual: Path, tmp_path: Path) -> None:
    summarise(engine, "plant.pdf", extractive=True)
    pages = [[("h", "Cover"), ("p", "Plant Manual, second printing, with a cover page added in front.")]]
    original = [[("h", t), ("p", x + FILLER * 3)] for t, x in SECTIONS]
    write_pdf(tmp_path / "cover.pdf", pages + [original[0] + original[1], original[2] + original[3],
                                               original[4] + original[5]], title="Plant Manual")
    index_all(engine, [tmp_path / "cover.pdf"])
    shifted, _ = summarise(engine, "cover.pdf", extractive=True)
    assert shifted.origin_details["reused_parts"] == 6
    part_lines = shifted.text.split("Part by part\n")[1].splitlines()
    assert [cited_pages(shifted, line) for line in part_lines] == [{1}, {2}, {2}, {3}, {3}, {4}, {4}]


def test_a_model_failure_midway_is_recorded_and_the_parts_done_are_kept(engine: Engine, manual: Path) -> None:
    from desktop_app.errors import ModelError

    model = use_fake_model(engine, "Summary of part 1.")
    model.n_ctx = 450
    original = model.stream

    def failing(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if not model.script:
            raise ModelError("The model stopped working.")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    model.stream = failing  # type: ignore[method-assign]
    with pytest.raises(ModelError):
        summarise(engine, "plant.pdf", extractive=False)
    conversation = engine.conversations.all()[0]
    _, messages = engine.conversations.get(conversation.id)
    assert messages[-1].content.startswith("The summary stopped: The model stopped working.")
    model.script = [f"Summary of part {n}." for n in range(2, 7)] + ["Combined.", "- A point of the plant [1]"]
    again, _ = summarise(engine, "plant.pdf", extractive=False)
    assert again.origin_details["reused_parts"] == 1 and not model.script


def test_an_unknown_conversation_is_named(engine: Engine, manual: Path) -> None:
    from desktop_app.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no conversation 999"):
        summarise(engine, "plant.pdf", extractive=True, conversation_id=999)


def test_summary_task_reads_the_whole_document(engine: Engine, manual: Path) -> None:
    events = list(engine.run_task("summarise", {"document": "plant.pdf"}))
    answer = events[-1].answer
    assert answer.origin == "summary" and answer.origin_details["total_parts"] >= 1


def test_overview_points_cite_what_they_share_words_with_and_are_not_repeated() -> None:
    items = [("Screens are cleaned every Tuesday by the river crew.", (0,)),
             ("Reservoirs hold twelve thousand cubic metres of treated water.", (1, 2))]
    answer = ("- Reservoirs hold treated water [1]\n- The main ideas are:\n- Screens are cleaned by the crew [1, 2]\n"
              "- Reservoirs hold treated water [1]")
    points = overview_points(answer, items)
    assert [(p.text, p.parts) for p in points] == [("Reservoirs hold treated water", (1, 2)),
                                                   ("Screens are cleaned by the crew", (0,))]


def test_overview_points_without_numbers_cite_the_closest_summary() -> None:
    items = [("Screens are cleaned every Tuesday by the river crew.", (0,)),
             ("Reservoirs hold twelve thousand cubic metres.", (1, 2))]
    points = overview_points("1. The river crew cleans screens on Tuesday\n* Reservoirs hold water [2]\nok", items)
    assert [(p.text, p.parts) for p in points] == [("The river crew cleans screens on Tuesday", (0,)),
                                                   ("Reservoirs hold water", (1, 2))]


def test_real_model_summary_finishes_and_cites_each_page(engine: Engine, manual: Path) -> None:
    answer, progress = summarise(engine, "plant.pdf", extractive=False)
    assert answer.model and not answer.stopped
    assert progress[-1].stage == "combining"
    cited = {page for c in answer.citations for page in c.pages}
    assert cited == {1, 2, 3}
    assert answer.origin_details["coverage"] == 1.0
