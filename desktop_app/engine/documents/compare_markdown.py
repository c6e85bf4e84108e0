"""Comparisons as Markdown: the export of the window and of ``desktop-app compare --markdown``.

Section by section: a table of the aligned sections with the pages of each,
then, for versions of one document, each section's changes (removed words
struck through, added ones in bold), and for different documents what each
section opens with. Every statement carries the page(s) it comes from in A
or in B.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.engine.answering.evidence import Evidence
from desktop_app.engine.documents.compare import ADDED, CHANGED, Change, Comparison, SectionPair
from desktop_app.engine.documents.compare_aspect import AspectComparison
from desktop_app.store.library import DocumentRow

OPENING_CHARS = 300
"""Characters of a section's opening quoted for documents that are not versions of one another."""
MARKS = {"removed": "~~", "added": "**"}
NONE = "\u2014"


def comparison_markdown(comparison: Comparison, aspect: AspectComparison | None = None) -> str:
    """The comparison (and, when given, what each document says about an aspect) as a Markdown document."""
    a, b = comparison.a, comparison.b
    lines = [f"# Comparison of \u201c{a.title}\u201d and \u201c{b.title}\u201d", "",
             f"- A: {named(a)}", f"- B: {named(b)}", f"- {verdict(comparison)}"]
    if comparison.versions:
        lines.append(f"- {comparison.summary()}")
    lines += ["", "| Section | A | B | Words in common |", "|---|---|---|---|"]
    lines += [f"| {cell(pair.title)} | {pair.a_where or NONE} | {pair.b_where or NONE} | "
              f"{in_common(pair)} |" for pair in comparison.pairs]
    if aspect is not None:
        lines += ["", aspect_markdown(aspect).rstrip()]
    for pair in comparison.pairs:
        body = pair_lines(pair) if comparison.versions else opening_lines(pair)
        if body:
            lines += ["", f"## {pair.title}", "", *body]
    return "\n".join(lines) + "\n"


def aspect_markdown(aspect: AspectComparison) -> str:
    """What each document says about the aspect: its quotes, each with its page."""
    lines = [f"## What each says about \u201c{aspect.aspect}\u201d"]
    for side, document, quotes in (("A", aspect.a, aspect.a_quotes), ("B", aspect.b, aspect.b_quotes)):
        lines += ["", f"**{side}: {document.title}**", ""]
        lines += [f"- {quote_line(q)}" for q in quotes] or ["- (says nothing about it)"]
    return "\n".join(lines) + "\n"


def in_common(pair: SectionPair) -> str:
    if pair.a is None or pair.b is None:
        return "only in A" if pair.a else "only in B"
    return f"{pair.similarity:.0%}"


def named(document: DocumentRow) -> str:
    return f"{document.title} ({Path(document.path).name}, {document.pages} pages)"


def verdict(comparison: Comparison) -> str:
    if comparison.versions:
        return f"Two versions of one document: {comparison.shared:.0%} of their words are the same."
    return (f"Different documents: {comparison.shared:.0%} of their words in common; sections are aligned by "
            "heading and content.")


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def quote_line(quote: Evidence) -> str:
    return f"\u201c{quote.quote}\u201d ({quote.where()})"


def pair_lines(pair: SectionPair) -> list[str]:
    """A bullet per change of the pair."""
    return [f"- {change_markdown(change)}" for change in pair.changes]


def change_markdown(change: Change) -> str:
    """"**changed** A p. 2 → B p. 2: “The ~~old~~**new** text.”", or an added or removed passage."""
    if change.kind == CHANGED:
        text = "".join(marked(text, MARKS.get(kind, "")) for kind, text in change.words)
        return f"**changed** A {change.before_where} \u2192 B {change.after_where}: \u201c{text}\u201d"
    if change.kind == ADDED:
        return f"**added** B {change.after_where}: \u201c{change.after_text}\u201d"
    return f"**removed** A {change.before_where}: \u201c{change.before_text}\u201d"


def marked(text: str, mark: str) -> str:
    """``text`` between ``mark``s, its surrounding white space kept outside them (Markdown needs that)."""
    core = text.strip()
    if not mark or not core:
        return text
    start = text.index(core)
    return f"{text[:start]}{mark}{core}{mark}{text[start + len(core):]}"


def opening_lines(pair: SectionPair) -> list[str]:
    """What each side's section opens with, cited: the side-by-side reading of two different documents."""
    lines = []
    for side, section in (("A", pair.a), ("B", pair.b)):
        if section is None:
            lines.append(f"- {side}: (no such section)")
            continue
        sentences = section.sentences()
        opening = " ".join(s.text for s in sentences[:2])
        opening = opening if len(opening) <= OPENING_CHARS else opening[:OPENING_CHARS].rsplit(" ", 1)[0] + "\u2026"
        lines.append(f"- {side} ({pair.a_where if side == 'A' else pair.b_where}): \u201c{opening}\u201d")
    return lines
