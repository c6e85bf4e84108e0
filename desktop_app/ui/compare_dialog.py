"""Compare documents: two pickers, an optional aspect, and the comparison side by side with its changes.

The comparison runs on the engine's worker thread as a generator job (a
progress line, then the comparison, then the quotes about the aspect), so
Stop cancels it between steps and inside the alignment. The result is HTML in
a text browser: the aligned sections in a two-column table, A on the left and
B on the right, with removed text struck through in red, added text in green
and, for a changed sentence, its word-level diff. Every page reference is a
link: clicking it emits ``open_page(document_id, page, quote)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import (
    AspectComparison,
    CancelToken,
    Change,
    Comparison,
    Engine,
    Evidence,
    Passage,
    SectionPair,
    comparison_markdown,
    page_reference,
)
from desktop_app.ui.tasks import Job, TaskManager
from desktop_app.ui.widgets import user_message

Link = tuple[int, int, str]  # document id, PDF page, the quoted text
STYLE = {"removed": "background-color:#f8d0d0; color:#7a1010; text-decoration:line-through;",
         "added": "background-color:#cdeccd; color:#0b5a0b;", "same": ""}
LABELS = {"changed": ("#8a6d00", "changed"), "added": ("#0b5a0b", "added"), "removed": ("#7a1010", "removed")}
OPENING_SENTENCES = 2


def comparison_steps(engine: Engine, a: int, b: int, aspect: str, token: CancelToken) -> Iterator[object]:
    """The job: progress lines (str), then the ``Comparison``, then, for an aspect, the ``AspectComparison``."""
    yield "Aligning the sections and finding the changes\u2026"
    yield engine.compare(str(a), str(b), token)
    if aspect:
        token.raise_if_cancelled()
        yield f"Finding what each says about \u201c{aspect}\u201d\u2026"
        yield engine.compare_on_aspect(str(a), str(b), aspect, token)


class CompareDialog(QDialog):
    """``engine``: the window's ``TaskManager``, or an ``Engine`` the dialog then owns (it runs it on a worker
    thread of its own and closes it with the dialog). ``documents``: (id, title) of the library's documents;
    ``selected``: ids chosen in the library (the first two are preselected)."""

    open_page = Signal(int, int, str)

    def __init__(self, engine: TaskManager | Engine, documents: Sequence[tuple[int, str]],
                 selected: Sequence[int] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare documents")
        self.resize(1000, 700)
        self.owned = isinstance(engine, Engine)
        if isinstance(engine, Engine):
            given = engine
            self.tasks = TaskManager(lambda: given, self._unhandled)
        else:
            self.tasks = engine
        self.job: Job | None = None
        self.current = 0  # which comparison the callbacks belong to: a stopped one's late results are dropped
        self.comparison: Comparison | None = None
        self.aspect_result: AspectComparison | None = None
        self.links: list[Link] = []
        self.pickers = (self._picker("First document (A)", documents), self._picker("Second document (B)", documents))
        ids = [document_id for document_id, _ in documents]
        chosen = [i for i in selected if i in ids][:2]
        for picker, index in zip(self.pickers, [ids.index(i) for i in chosen] if len(chosen) == 2 else [0, 1],
                                 strict=True):
            picker.setCurrentIndex(min(index, picker.count() - 1))
        self.aspect = QLineEdit()
        self.aspect.setPlaceholderText("optional: a topic, to compare what each says about it")
        self.aspect.setAccessibleName("Aspect")
        self.aspect.returnPressed.connect(self.compare)
        self.compare_button = self._button("Compare", self.compare, True)
        self.stop_button = self._button("Stop", self.stop, False)
        self.export_button = self._button("Export Markdown\u2026", self.choose_export, False)
        self.progress = QLabel("Choose two documents and press Compare.")
        self.progress.setWordWrap(True)
        self.progress.setAccessibleName("Progress")
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setOpenExternalLinks(False)
        self.view.setAccessibleName("Comparison")
        self.view.anchorClicked.connect(self._link_clicked)
        self._layout()

    def _picker(self, name: str, documents: Sequence[tuple[int, str]]) -> QComboBox:
        picker = QComboBox()
        picker.setAccessibleName(name)
        titles = [title for _, title in documents]
        for document_id, title in documents:
            picker.addItem(title if titles.count(title) == 1 else f"{title} (#{document_id})", document_id)
        return picker

    def _button(self, text: str, slot: Any, enabled: bool) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        button.setEnabled(enabled)
        return button

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("A", self.pickers[0])
        form.addRow("B", self.pickers[1])
        form.addRow("Aspect", self.aspect)
        buttons = QHBoxLayout()
        for button in (self.compare_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)

    # --- the job --------------------------------------------------------------------
    def compare(self) -> None:
        a, b = self.pickers[0].currentData(), self.pickers[1].currentData()
        if self.job is not None or a is None or b is None:
            return
        if a == b:
            self.progress.setText("Choose two different documents.")
            return
        aspect = " ".join(self.aspect.text().split())
        self.comparison, self.aspect_result = None, None
        self.current += 1
        run = self.current
        self._busy(True)
        self.job = self.tasks.stream(lambda engine, token: comparison_steps(engine, a, b, aspect, token),
                                     lambda event: self._event(run, event), lambda _r: self._done(run),
                                     lambda error: self._failed(run, error))

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None
            self.current += 1
            self._busy(False)
            self.progress.setText("Stopped.")

    def _event(self, run: int, event: object) -> None:
        if run != self.current:
            return
        if isinstance(event, str):
            self.progress.setText(event)
        elif isinstance(event, Comparison):
            self.comparison = event
        elif isinstance(event, AspectComparison):
            self.aspect_result = event

    def _done(self, run: int) -> None:
        if run != self.current:
            return
        self.job = None
        self._busy(False)
        if self.comparison is None:
            return
        self.progress.setText(summary_line(self.comparison))
        self.links = []
        self.view.setHtml(comparison_html(self.comparison, self.aspect_result, self.links))
        self.export_button.setEnabled(True)

    def _failed(self, run: int, error: BaseException) -> None:
        if run != self.current:
            return
        self.job = None
        self._busy(False)
        self.progress.setText(user_message(error))

    def _unhandled(self, error: BaseException) -> None:
        self.progress.setText(user_message(error))

    def _busy(self, busy: bool) -> None:
        self.compare_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)

    # --- links and export ------------------------------------------------------------
    def _link_clicked(self, url: QUrl) -> None:
        if url.scheme() == "cite" and url.path().isdigit() and int(url.path()) < len(self.links):
            self.open_page.emit(*self.links[int(url.path())])

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the comparison", str(Path.home() / "comparison.md"),
                                              "Markdown (*.md)")
        if path:
            self.export_markdown(Path(path))

    def export_markdown(self, path: Path) -> None:
        """Write the shown comparison as Markdown to ``path`` (what ``desktop-app compare --markdown`` writes)."""
        if self.comparison is None:
            return
        try:
            path.write_text(comparison_markdown(self.comparison, self.aspect_result), encoding="utf-8")
        except OSError as exc:
            self.progress.setText(f"Could not write {path}: {exc.strerror or exc}. Choose another folder.")
            return
        self.progress.setText(f"Exported to {path}")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.stop()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.stop()
        if self.owned:
            self.tasks.shutdown()
            self.owned = False
        super().done(result)


# --- HTML -----------------------------------------------------------------------------

def summary_line(comparison: Comparison) -> str:
    if comparison.versions:
        return f"Two versions of one document ({comparison.shared:.0%} of the words the same): {comparison.summary()}."
    return (f"Different documents ({comparison.shared:.0%} of the words in common): {len(comparison.pairs)} "
            "sections aligned by heading and content.")


def comparison_html(comparison: Comparison, aspect: AspectComparison | None, links: list[Link]) -> str:
    """The comparison as HTML; each citation links to ``cite:N``, ``links[N]`` saying where it points."""
    a, b = comparison.a, comparison.b
    rows = [f"<h3>A: {escape(a.title)}<br>B: {escape(b.title)}</h3>", f"<p>{escape(summary_line(comparison))}</p>"]
    if aspect is not None:
        rows.append(aspect_html(aspect, links))
    rows.append('<table width="100%" border="1" cellspacing="0" cellpadding="4">')
    rows.append(f'<tr><th width="50%">A: {escape(a.title)}</th><th width="50%">B: {escape(b.title)}</th></tr>')
    for pair in comparison.pairs:
        title = f"<b>{escape(pair.title)}</b> &nbsp; {overlap(pair)}"
        rows.append(f'<tr><td colspan="2" bgcolor="#eeeeee">{title}</td></tr>')
        rows += pair_rows(pair, comparison.versions, (a.id, b.id), links)
    rows.append("</table>")
    return "\n".join(rows)


def overlap(pair: SectionPair) -> str:
    if pair.a is None or pair.b is None:
        return "only in A" if pair.a else "only in B"
    return f"{pair.similarity:.0%} of the words in common"


def pair_rows(pair: SectionPair, versions: bool, ids: tuple[int, int], links: list[Link]) -> list[str]:
    """The rows of one aligned pair: its changes (versions), else what each side opens with."""
    if versions and pair.changes:
        return [change_row(change, ids, links) for change in pair.changes]
    if versions and pair.a and pair.b:
        return [f"<tr><td>The same text, {cite(ids[0], pair.a.passages[:1], pair.a_where, links)}</td>"
                f"<td>The same text, {cite(ids[1], pair.b.passages[:1], pair.b_where, links)}</td></tr>"]
    cells = []
    for document_id, section in zip(ids, (pair.a, pair.b), strict=True):
        if section is None:
            cells.append("<td><i>(no such section)</i></td>")
            continue
        opening = section.sentences()[:OPENING_SENTENCES]
        cells.append(f"<td>{escape(' '.join(s.text for s in opening))} {cite(document_id, opening, '', links)}</td>")
    return [f"<tr>{''.join(cells)}</tr>"]


def change_row(change: Change, ids: tuple[int, int], links: list[Link]) -> str:
    colour, label = LABELS[change.kind]
    mark = f'<b><font color="{colour}">{label}</font></b> '
    if change.kind == "changed":
        before = "".join(span(kind, text) for kind, text in change.words if kind != "added")
        after = "".join(span(kind, text) for kind, text in change.words if kind != "removed")
        return (f"<tr><td>{mark}{before} {cite(ids[0], change.before, change.before_where, links)}</td>"
                f"<td>{mark}{after} {cite(ids[1], change.after, change.after_where, links)}</td></tr>")
    if change.kind == "added":
        added = f"{span('added', change.after_text)} {cite(ids[1], change.after, change.after_where, links)}"
        return f"<tr><td></td><td>{mark}{added}</td></tr>"
    removed = f"{span('removed', change.before_text)} {cite(ids[0], change.before, change.before_where, links)}"
    return f"<tr><td>{mark}{removed}</td><td></td></tr>"


def span(kind: str, text: str) -> str:
    style = STYLE.get(kind, "")
    return f'<span style="{style}">{escape(text)}</span>' if style else escape(text)


def cite(document_id: int, passages: Sequence[Passage], where: str, links: list[Link]) -> str:
    """A link to the first passage's page in ``document_id``, labelled "(p. 3)" (or ``where``); it quotes
    the passages' text on that page, so the viewer can highlight it."""
    if not passages:
        return ""
    first = passages[0]
    quote = " ".join(p.text for p in passages if p.page == first.page)
    links.append((document_id, first.page, quote))
    label = where or page_label(passages)
    return f'<a href="cite:{len(links) - 1}">({escape(label)})</a>'


def page_label(passages: Sequence[Passage]) -> str:
    """"p. 3", "p. iv (PDF page 4)", or "pp. 3-4" for passages on more than one page."""
    labels = {p.page: p.page_label for p in passages}
    pages = sorted(labels)
    if len(pages) > 1:
        return f"pp. {labels[pages[0]]}-{labels[pages[-1]]}"
    return page_reference(pages[0], labels[pages[0]])


def aspect_html(aspect: AspectComparison, links: list[Link]) -> str:
    """The quotes of each document about the aspect, side by side."""
    cells = []
    head = "".join(f'<th width="50%">{side}: {escape(d.title)}</th>' for side, d in (("A", aspect.a), ("B", aspect.b)))
    for document_id, quotes in ((aspect.a.id, aspect.a_quotes), (aspect.b.id, aspect.b_quotes)):
        items = [f"<li>\u201c{escape(q.quote)}\u201d {evidence_link(document_id, q, links)}</li>" for q in quotes]
        cells.append(f"<td><ul>{''.join(items)}</ul></td>" if items else "<td><i>Says nothing about it.</i></td>")
    return (f'<h4>What each says about \u201c{escape(aspect.aspect)}\u201d</h4>'
            f'<table width="100%" border="1" cellspacing="0" cellpadding="4"><tr>{head}</tr><tr>{"".join(cells)}</tr>'
            "</table><br>")


def evidence_link(document_id: int, quote: Evidence, links: list[Link]) -> str:
    links.append((document_id, quote.page, quote.quote))
    return f'<a href="cite:{len(links) - 1}">({escape(quote.where())})</a>'
