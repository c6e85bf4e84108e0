"""A count question answered by an exhaustive find: every page read, the occurrences counted and cited.

"How many times is clause 7 invoked?" cannot be answered from the top few
passages; the facade gives ``Answerer`` the route (``count_route``), which
recognises such a question (``find.count_request``) and answers it here.
The answer gives the count per document and cites each page with an
occurrence (the first ``MAX_CITED_PAGES``; ``desktop-app find`` lists all).
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.cancel import CancelToken
from desktop_app.engine.answering.answer import Counted, Question
from desktop_app.engine.answering.citations import Citation, natural_place
from desktop_app.engine.documents.find import FindDone, FindHit, FindQuery, count_request, find_in_library
from desktop_app.store.library import DocumentRow, LibraryStore

MAX_CITED_PAGES = 40


def find_answer(query: FindQuery, hits: list[FindHit], done: FindDone, documents: dict[int, DocumentRow],
                language: str) -> tuple[str, list[Citation]]:
    """The answer text (English, or Korean for ``language`` "ko") and a citation per page with an occurrence."""
    citations: list[Citation] = []
    numbers: dict[tuple[int, int], int] = {}
    for hit in hits:
        key = (hit.document_id, hit.page)
        if key in numbers or len(numbers) >= MAX_CITED_PAGES:
            continue
        doc = documents[hit.document_id]
        numbers[key] = len(citations) + 1
        citations.append(Citation(
            numbers[key], doc.id, doc.title, doc.path, hit.page, [hit.page], hit.snippet, [], [],
            page_label=hit.page_label if hit.page_label != str(hit.page) else "", ocr=hit.page in doc.ocr_pages,
            place=natural_place(doc.format, hit.page, hit.page_label)))
    korean = language == "ko"
    term = f"\u201c{query.text}\u201d"
    read = (f"문서 {done.documents_read}개의 {done.pages_read}쪽을 모두 읽었습니다. " if korean else
            f"I read all {done.pages_read} pages of {done.documents_read} document"
            f"{'' if done.documents_read == 1 else 's'}. ")
    if done.cancelled:
        read = (f"중지되기 전까지 {done.pages_read}쪽을 읽었습니다. " if korean else
                f"Stopped after reading {done.pages_read} of {done.pages_total} pages. ")
    if not done.total:
        return read + (f"{term}은(는) 나오지 않습니다." if korean else f"{term} does not appear in them."), []
    counted = [c for c in done.per_document if c.count]
    lines = [read + (f"{term}은(는) 문서 {len(counted)}개에서 모두 {done.total}번 나옵니다." if korean else
                     f"{term} ({query.mode_label}) appears {done.total} time{'' if done.total == 1 else 's'} in "
                     f"{len(counted)} document{'' if len(counted) == 1 else 's'}:")]
    for count in counted:
        pages = sorted({(h.page, h.page_label) for h in hits if h.document_id == count.document_id})
        cited = " ".join(f"[{numbers[(count.document_id, page)]}]" for page, _ in pages
                         if (count.document_id, page) in numbers)
        where = ", ".join(label for _, label in pages)
        unit = "번" if korean else (" time" if count.count == 1 else " times")
        page_word = "쪽" if korean else ("p." if len(pages) == 1 else "pp.")
        place = f"{where}{page_word}" if korean else f"{page_word} {where}"
        lines.append(f"- {count.title}: {count.count}{unit} ({place}) {cited}".rstrip())
    if len(numbers) < len({(h.document_id, h.page) for h in hits}):
        lines.append("(Only the first pages are cited; `desktop-app find` or Find in documents lists every one.)"
                     if not korean else "(앞쪽의 일부만 인용했습니다. 모든 위치는 '문서에서 찾기'로 볼 수 있습니다.)")
    return "\n".join(lines), citations


def count_route(store: LibraryStore) -> Callable[[Question, CancelToken], Counted | None]:
    """What ``Answerer`` calls with each question: None for a question that asks for no count (it is answered
    as usual), else the answer made by finding every occurrence on every page (of the question's documents).

    An unquoted term found nowhere gives None too: the term may have been read wrongly from the question,
    and a confident "does not appear" would mislead; a quoted term found nowhere is said so.
    """
    def route(question: Question, cancel: CancelToken) -> Counted | None:
        request = count_request(question.text)
        if request is None:
            return None
        hits: list[FindHit] = []
        done: FindDone | None = None
        within = question.options.documents or None
        if question.scope is not None:
            within = sorted(set(within or question.scope) & set(question.scope))
        for event in find_in_library(store, request, within, cancel):
            if isinstance(event, FindHit):
                hits.append(event)
            elif isinstance(event, FindDone):
                done = event
        assert done is not None, "a find always ends with FindDone"
        if not done.total and request.mode != "phrase" and not done.cancelled:
            return None  # an unquoted term found nowhere may be a misread question: answer it as usual
        text, citations = find_answer(request, hits, done, {d.id: d for d in store.documents()}, question.language)
        details = {"query": request.text, "mode": request.mode, "total": done.total, "pages_read": done.pages_read,
                   "documents_read": done.documents_read,
                   "per_document": [[c.document_id, c.title, c.count] for c in done.per_document]}
        return Counted(text, citations, details, done.cancelled)

    return route
