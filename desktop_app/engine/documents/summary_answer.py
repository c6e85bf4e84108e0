"""A whole-document summary as an answer: its text with [n] citations to the pages each point came from.

The summary is kept in a conversation like any answer (``origin`` "summary"),
so the window and the CLI show, reopen and export it as they do answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.engine.answering.answer import Answer
from desktop_app.engine.answering.citations import Citation, natural_place
from desktop_app.engine.documents.summary import DocumentSummary, PartSummary
from desktop_app.store.library import DocumentRow

PASSAGE_CHARS = 800  # how much of a part a citation shows


@dataclass
class Cited:
    """Numbers citations as the text uses them, one per place (a part's pages, or one quoted sentence)."""

    documents: dict[int, DocumentRow]
    citations: list[Citation] = field(default_factory=list)
    numbers: dict[tuple[int, int, str], int] = field(default_factory=dict)

    def part(self, part: PartSummary) -> int:
        pages = part.part.pages
        return self._cite(part.part.document_id, pages[0], list(pages), part.part.text[:PASSAGE_CHARS],
                          part.part.title)

    def sentence(self, document_id: int, page: int, text: str) -> int:
        return self._cite(document_id, page, [page], text)

    def _cite(self, document_id: int, page: int, pages: list[int], passage: str, section: str = "") -> int:
        key = (document_id, page, passage)
        if key not in self.numbers:
            doc = self.documents[document_id]
            label = doc.page_label(page)
            number = len(self.citations) + 1
            self.citations.append(Citation(
                number, document_id, doc.title, doc.path, page, pages, passage, [], [],
                page_label=label if label != str(page) else "", ocr=page in doc.ocr_pages,
                place=natural_place(doc.format, page, label, section)))
            self.numbers[key] = number
        return self.numbers[key]


def page_span(part: PartSummary) -> str:
    pages = part.part.pages
    first, last = part.part.passages[0].page_label, part.part.passages[-1].page_label
    return f"p. {first}" if len(pages) == 1 else f"pp. {first}–{last}"


def summary_text(summary: DocumentSummary) -> tuple[str, list[Citation]]:
    """The summary as Markdown-like text (an overview, then every part), and its citations in order."""
    cited = Cited({d.id: d for d in summary.documents})
    titles = ", ".join(f'"{d.title}"' for d in summary.documents)
    pages = sum(d.pages for d in summary.documents)
    how = "the model's summary of each part" if summary.method == "model" else "key sentences of each part, " \
          "chosen without a model"
    read = f"read {len(summary.parts)} of {summary.total_parts} parts" if summary.cancelled else \
        f"read all {summary.total_parts} parts ({pages} pages)"
    lines = [f"Summary of {titles}: {read}; {how}."]
    if summary.cancelled:
        lines.append(f"Stopped after {len(summary.parts)} of {summary.total_parts} parts. Summarise again to go on "
                     "from there: the parts done are kept.")
    if summary.overview:
        lines += ["", "Overview"]
        for point in summary.overview:
            if point.page:
                part = summary.parts[point.parts[0]]
                numbers = [cited.sentence(part.part.document_id, point.page, point.text)]
            else:
                numbers = [cited.part(summary.parts[i]) for i in point.parts]
            lines.append(f"- {point.text} [{', '.join(str(n) for n in numbers)}]")
    lines += ["", "Part by part"]
    for part in summary.parts:
        if summary.method == "model":
            said = f"{part.text} [{cited.part(part)}]" if part.text else "(nothing to summarise)"
        else:
            said = " ".join(f"{s.text} [{cited.sentence(part.part.document_id, s.page, s.text)}]"
                            for s in part.sentences) or "(no sentences)"
        prefix = f"{part.part.document_title}: " if len(summary.documents) > 1 else ""
        lines.append(f"- {prefix}{part.part.title} ({page_span(part)}): {said}")
    return "\n".join(lines), cited.citations


def summary_answer(summary: DocumentSummary, conversation_id: int, request: str, model: str) -> Answer:
    """The summary as an answer to ``request`` in ``conversation_id``, not yet stored."""
    text, citations = summary_text(summary)
    details = {"method": summary.method, "parts": len(summary.parts), "total_parts": summary.total_parts,
               "reused_parts": summary.reused, "coverage": round(summary.coverage, 3),
               "documents": [d.id for d in summary.documents]}
    return Answer(conversation_id, 0, request, request, "en", text, citations, [], abstained=False,
                  stopped=summary.cancelled, stopped_by="user" if summary.cancelled else "",
                  timings={"summary_s": summary.elapsed_s}, origin="summary", origin_details=details,
                  model=model if summary.method == "model" else "")
