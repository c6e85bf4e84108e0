"""A whole-document summary as an answer: its text with [n] citations to the pages each point came from.

The summary is kept in a conversation like any answer (``origin`` "summary"),
so the window and the CLI show, reopen and export it as they do answers. A
model's summary is checked as answers are (``answering.verification``): the
numbers, names, identifiers and quoted strings of each part's summary must be
in that part's text, and those of each overview point in the parts it cites;
the headings, titles and page spans around them are not the model's and are
not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from desktop_app.engine.answering.answer import Answer
from desktop_app.engine.answering.citations import Citation, natural_place
from desktop_app.engine.answering.verification import Verification, verify
from desktop_app.engine.documents.summary import DocumentSummary, PartSummary
from desktop_app.store.library import DocumentRow

PASSAGE_CHARS = 800  # how much of a part a citation shows


@dataclass
class Cited:
    """Numbers citations as the text uses them, one per place (a part's pages, or one quoted sentence)."""

    documents: dict[int, DocumentRow]
    citations: list[Citation] = field(default_factory=list)
    numbers: dict[tuple[int, int, str], int] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)
    """Citation number -> the whole text it cites (a part's, or the quoted sentence), for the check."""

    def part(self, part: PartSummary) -> int:
        pages = part.part.pages
        number = self._cite(part.part.document_id, pages[0], list(pages), part.part.text[:PASSAGE_CHARS],
                            part.part.title)
        self.evidence[number] = part.part.text
        return number

    def sentence(self, document_id: int, page: int, text: str) -> int:
        number = self._cite(document_id, page, [page], text)
        self.evidence.setdefault(number, text)
        return number

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


@dataclass
class Written:
    """The summary's text as it is written: the frame (headings, titles, page spans) and what the summary says,
    each piece of the latter with the citation numbers it was written from."""

    pieces: list[str] = field(default_factory=list)
    said: list[tuple[int, str, tuple[int, ...], str]] = field(default_factory=list)  # offset, text, numbers, titles
    length: int = 0

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def frame(self, text: str) -> None:
        self.pieces.append(text)
        self.length += len(text)

    def say(self, text: str, numbers: list[int], titles: str) -> None:
        """``titles``: the document and part titles the model was shown with what it summarised."""
        self.said.append((self.length, text, tuple(numbers), titles))
        self.frame(text)

    def check(self, evidence: dict[int, str]) -> Verification:
        """Each piece said, checked against the texts its numbers cite, with offsets into ``text``; a word of
        the titles the model was shown is the prompt's frame, not a claim (``verify``'s ``scaffold``)."""
        checks = []
        for offset, text, numbers, titles in self.said:
            found = verify(text, {n: evidence[n] for n in numbers}, titles)
            checks += [replace(c, start=c.start + offset, end=c.end + offset) for c in found.sentences]
        return Verification(checks)


def write_summary(summary: DocumentSummary) -> tuple[Written, Cited]:
    """The summary written out (an overview, then every part), with what each of its points cites."""
    cited = Cited({d.id: d for d in summary.documents})
    written = Written()
    titles = ", ".join(f'"{d.title}"' for d in summary.documents)
    pages = sum(d.pages for d in summary.documents)
    how = "the model's summary of each part" if summary.method == "model" else "key sentences of each part, " \
          "chosen without a model"
    read = f"read {len(summary.parts)} of {summary.total_parts} parts" if summary.cancelled else \
        f"read all {summary.total_parts} parts ({pages} pages)"
    written.frame(f"Summary of {titles}: {read}; {how}.")
    if summary.cancelled:
        written.frame(f"\nStopped after {len(summary.parts)} of {summary.total_parts} parts. Summarise again to "
                      "go on from there: the parts done are kept.")
    if summary.overview:
        written.frame("\n\nOverview")
        for point in summary.overview:
            if point.page:
                part = summary.parts[point.parts[0]]
                numbers = [cited.sentence(part.part.document_id, point.page, point.text)]
            else:
                numbers = [cited.part(summary.parts[i]) for i in point.parts]
            written.frame("\n- ")
            line = f"{point.text} [{', '.join(str(n) for n in numbers)}]"
            if summary.method == "model":
                written.say(line, numbers, "\n".join(d.title for d in summary.documents))
            else:
                written.frame(line)
    written.frame("\n\nPart by part")
    for part in summary.parts:
        prefix = f"{part.part.document_title}: " if len(summary.documents) > 1 else ""
        written.frame(f"\n- {prefix}{part.part.title} ({page_span(part)}): ")
        if summary.method == "model":
            if part.text:
                number = cited.part(part)
                written.say(f"{part.text} [{number}]", [number], f"{part.part.document_title}\n{part.part.title}")
            else:
                written.frame("(nothing to summarise)")
        else:
            quoted = [(s.text, cited.sentence(part.part.document_id, s.page, s.text)) for s in part.sentences]
            written.frame(" ".join(f"{text} [{number}]" for text, number in quoted) or "(no sentences)")
    return written, cited


def summary_answer(summary: DocumentSummary, conversation_id: int, request: str, model: str) -> Answer:
    """The summary as an answer to ``request`` in ``conversation_id``, not yet stored; a model's summary
    carries its check (``Written.check``), an extractive one, all quotes, none."""
    written, cited = write_summary(summary)
    text, citations = written.text, cited.citations
    checked = written.check(cited.evidence) if summary.method == "model" else None
    details = {"method": summary.method, "parts": len(summary.parts), "total_parts": summary.total_parts,
               "reused_parts": summary.reused, "coverage": round(summary.coverage, 3),
               "documents": [d.id for d in summary.documents]}
    return Answer(conversation_id, 0, request, request, "en", text, citations, [], abstained=False,
                  stopped=summary.cancelled, stopped_by="user" if summary.cancelled else "",
                  timings={"summary_s": summary.elapsed_s}, origin="summary", origin_details=details,
                  model=model if summary.method == "model" else "", verification=checked)
