"""What each of two documents says about one aspect: the best sentences of each, quoted with their pages.

Each document is searched on its own (retrieval limited to it, so the other
cannot crowd it out), and evidence selection (``EvidenceSelector``) picks the
sentences of its passages that best match the aspect, as it does for an
answer. A document whose sentences all fall below the selector's floor says
nothing about the aspect: its list is empty, and the comparison says so
rather than quoting what is merely closest.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.cancel import CancelToken
from desktop_app.engine.answering.evidence import Evidence, EvidenceSelector, Locate
from desktop_app.engine.retrieval.search import Retriever
from desktop_app.errors import InputError
from desktop_app.store.library import DocumentRow

ASPECT_SOURCES = 4
"""Passages retrieved from each document for the aspect (the evidence is chosen among their sentences)."""


@dataclass(frozen=True)
class AspectComparison:
    """The quotes about ``aspect`` from A and from B, best first (up to three each; empty: it says nothing).

    Each quote (``Evidence``) has its document, page, page label and, when its
    file could be read, its rectangles on the page.
    """

    aspect: str
    a: DocumentRow
    b: DocumentRow
    a_quotes: list[Evidence]
    b_quotes: list[Evidence]

    @property
    def covered(self) -> bool:
        """Whether either document says something about the aspect."""
        return bool(self.a_quotes or self.b_quotes)


def compare_on_aspect(a: DocumentRow, b: DocumentRow, aspect: str, retriever: Retriever, selector: EvidenceSelector,
                      locate: Locate | None = None, mode: str = "hybrid", cancel: CancelToken | None = None
                      ) -> AspectComparison:
    """The sentences of ``a`` and of ``b`` that best say what each holds about ``aspect``.

    ``retriever`` searches the library (``mode``: its retrieval mode);
    ``selector`` picks the sentences, its floor deciding when a document says
    nothing; ``locate`` places each quote on its page (rectangles), none: no
    rectangles. Raises ``InputError`` for an empty aspect or the same document
    twice, ``Cancelled`` when ``cancel`` is set between the two documents.
    """
    token = cancel or CancelToken()
    wanted = " ".join(aspect.split())
    if not wanted:
        raise InputError("Say what to compare the documents on: a topic, such as \u201cwarranty\u201d or "
                       "\u201ccosts\u201d.")
    if a.id == b.id:
        raise InputError(f"Choose two different documents: both are \u201c{a.title}\u201d.")
    quotes = []
    for document in (a, b):
        token.raise_if_cancelled()
        sources = retriever.search(wanted, ASPECT_SOURCES, mode, documents=[document.id]).sources
        quotes.append(selector.select(wanted, sources, locate))
    return AspectComparison(wanted, a, b, quotes[0], quotes[1])
