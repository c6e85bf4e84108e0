"""A table of contents or a back-of-book index holds the question's words without answering it: such pages
come after the passages that do, and are given only when nothing else is relevant."""

from __future__ import annotations

from pathlib import Path

from desktop_app.engine import Engine
from desktop_app.engine.retrieval.search import is_listing
from support.library import index_all
from support.pdfs import write_pdf

CONTENTS = "\n".join(f"{n}.{i} Tide gauge {topic} . . . . . . . . . . . . {n + 1}" for n, i, topic in (
    (1, 1, "calibration"), (1, 2, "calibration schedule"), (1, 3, "calibration drift"), (2, 1, "calibration log")))
BODY = ("The northern tide gauge is calibrated every March against the benchmark on the pier. The calibration "
        "takes two hours and the gauge reports nothing while it runs.")


def test_a_contents_page_comes_after_the_page_that_answers(engine: Engine, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "gauges.pdf", [[("h", "Contents"), ("p", CONTENTS)], [("h", "Tide gauges"), ("p", BODY)],
                                              [("h", "Dredging"), ("p", "The dredger works at night.")]])
    index_all(engine, [pdf])
    sources = engine.search("How often is the tide gauge calibration done?", k=4).sources
    pages = [s.main_page for s in sources]
    assert pages[0] == 2 and pages[-1] == 1, "the answer first, the contents after every other passage"
    only = engine.search("Which sections list the tide gauge calibration schedule?", k=4).sources
    assert only and 1 in [s.main_page for s in only], "still found when it is what matches"


def test_listings_are_told_from_prose_with_an_ellipsis() -> None:
    assert is_listing(CONTENTS)
    assert is_listing("arrays ... 70 Arrow ... 14 arrow ... 14, 19 arrow keys ... 9, 173")  # an index
    assert is_listing("1.1 ko.TEX의구성 … 1\n1.2 간단한연혁 … 2\n1.3 로고 … 4")
    assert not is_listing("The pages are numbered 1, 2, 3 ... 10, and section 2.1 ... 12 says why. See page 14.")
    assert not is_listing(BODY)
