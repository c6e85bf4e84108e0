"""Drive the window through its main states and save a PNG of each in docs/screenshots/.

    ./dev screenshots [PDF]      (default: the shared evaluation corpus's ReportLab guide)

Runs on Qt's offscreen platform (or the current display) with a temporary
library, the real engine and the bundled models.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pymupdf
from PySide6.QtWidgets import QApplication

from desktop_app.engine import Engine, Settings
from desktop_app.engine.settings import save_settings
from desktop_app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
DEFAULT_PDF = ROOT.parent / "shared" / "eval" / "corpus" / "reportlab-userguide.pdf"
QUESTION = "Which canvas method draws a string centred on a given x position?"


def wait_until(app: QApplication, done: Callable[[], bool], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state in time")
        app.processEvents()
        time.sleep(0.02)


def shoot(app: QApplication, window: MainWindow, name: str) -> None:
    for _ in range(10):
        app.processEvents()
    path = OUT / f"{name}.png"
    window.grab().save(str(path))
    print(f"saved {path.relative_to(ROOT)}")


def main() -> None:
    pdf = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PDF
    app = QApplication([sys.argv[0]])
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        save_settings(Path(home), Settings(temperature=0.0, max_answer_tokens=96))
        window = MainWindow(Path(home))
        window.resize(1280, 760)
        window.show()
        wait_until(app, lambda: window.model_status.text().startswith("Model: SmolLM2"))
        shoot(app, window, "1-empty")
        window.add_paths([pdf])
        wait_until(app, lambda: window.library.status_of(pdf.name) == "indexing")
        wait_until(app, lambda: any(p.done > 0 for p in window.library.pending.values()))
        shoot(app, window, "2-indexing")
        wait_until(app, lambda: not window.library.pending)
        window.chat.input.setPlainText(QUESTION)
        window.chat.input.submitted.emit()
        wait_until(app, lambda: window.answer_job is None)
        shoot(app, window, "3-answer")
        window.chat.messages[-1].chip_buttons()[0].click()
        wait_until(app, lambda: window.viewer.page is not None)
        shoot(app, window, "4-source-viewer")
        collections_and_watching(app, window, pdf, Path(home))
        window.close()


def collections_and_watching(app: QApplication, window: MainWindow, pdf: Path, home: Path) -> None:
    """A collection holding the guide, a conversation scoped to it, and a watched folder feeding another."""
    def make(engine: Engine) -> int:
        collection = engine.collections.create("Report tooling")
        engine.collections.add(collection.id, [d.id for d in engine.library.documents()])
        engine.collections.create("Board papers")
        return collection.id

    made: list[int] = []
    window.tasks.run(make, made.append)
    wait_until(app, lambda: bool(made))
    window.refresh_collections()
    wait_until(app, lambda: window.collections_panel.list.count() == 3)
    window.choose_scope(made[0])
    window.chat.input.setPlainText("How do I draw a line on the canvas?")
    window.chat.input.submitted.emit()
    wait_until(app, lambda: window.answer_job is None)
    inbox = home / "inbox"
    inbox.mkdir()
    shutil.copy(pdf, inbox / "guide-copy.pdf")  # the same bytes as the guide: recorded as another name
    minutes = pymupdf.open()
    minutes.new_page().insert_textbox(pymupdf.Rect(72, 72, 520, 400), "Board minutes, 3 March\n\nThe board "
                                      "approved the new report templates and asked for a review in June.")
    minutes.save(inbox / "board-minutes.pdf")
    (inbox / "~$draft.docx").write_bytes(b"")  # an editor's lock file: ignored
    window.watch_panel.add_folder(inbox, "Board papers")
    window.side_tabs.setCurrentWidget(window.watch_panel)
    wait_until(app, lambda: window.watch_panel.activity.count() > 0)
    shoot(app, window, "5-collections-and-watching")


if __name__ == "__main__":
    main()
