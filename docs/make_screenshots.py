"""Drive the window through its main states and save PNGs of each, at three window sizes, light and dark.

    ./dev screenshots [PDF] [--size WxH ...] [--scheme light|dark ...]

PDF defaults to the shared evaluation corpus's ReportLab guide. `./dev screenshots` runs this on a virtual X
server (Xvfb, 1920x1080) with Qt's xcb platform, or on Qt's offscreen platform where Xvfb cannot be installed;
it uses a temporary library, the real engine and the bundled models. Each state is saved as
docs/screenshots/WIDTHxHEIGHT-SCHEME/STATE.png (e.g. 1366x768-dark/3-answer.png); the 1366x768 light one is
also saved as docs/screenshots/STATE.png, the pictures the README shows.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pymupdf
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from desktop_app.engine import Engine, Settings
from desktop_app.engine.settings import save_settings
from desktop_app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
DEFAULT_PDF = ROOT.parent / "shared" / "eval" / "corpus" / "reportlab-userguide.pdf"
QUESTION = "Which canvas method draws a string centred on a given x position?"
SIZES = ((1024, 640), (1366, 768), (1920, 1080))
SCHEMES = ("light", "dark")
README_VARIANT = ((1366, 768), "light")  # also saved as docs/screenshots/STATE.png


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style, as a desktop in dark mode gives it (forced here: a bare X server has
    no desktop settings to follow)."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, rgb in ((roles.Window, (45, 45, 45)), (roles.WindowText, (230, 230, 230)), (roles.Base, (30, 30, 30)),
                      (roles.AlternateBase, (40, 40, 40)), (roles.ToolTipBase, (60, 60, 60)),
                      (roles.ToolTipText, (230, 230, 230)), (roles.PlaceholderText, (150, 150, 150)),
                      (roles.Text, (230, 230, 230)), (roles.Button, (55, 55, 55)), (roles.ButtonText, (230, 230, 230)),
                      (roles.BrightText, (255, 90, 90)), (roles.Light, (80, 80, 80)), (roles.Midlight, (65, 65, 65)),
                      (roles.Mid, (100, 100, 100)), (roles.Dark, (20, 20, 20)), (roles.Shadow, (0, 0, 0)),
                      (roles.Highlight, (42, 130, 218)), (roles.HighlightedText, (255, 255, 255)),
                      (roles.Link, (90, 160, 240)), (roles.LinkVisited, (170, 130, 230))):
        palette.setColor(role, QColor(*rgb))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return palette


class Shooter:
    """Saves the window in each size and colour scheme asked for."""

    def __init__(self, app: QApplication, window: MainWindow, sizes: list[tuple[int, int]], schemes: list[str]):
        self.app, self.window, self.sizes, self.schemes = app, window, sizes, schemes
        self.light = QPalette(app.palette())
        self.saved: list[Path] = []

    def settle(self, seconds: float = 0.3) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.02)

    def set_scheme(self, scheme: str) -> None:
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "setColorScheme"):  # honoured where the platform theme supports it
            hints.setColorScheme(Qt.ColorScheme.Dark if scheme == "dark" else Qt.ColorScheme.Light)
        self.app.setPalette(dark_palette() if scheme == "dark" else self.light)

    def set_size(self, width: int, height: int) -> None:
        self.window.move(0, 0)
        self.window.resize(width, height)
        deadline = time.monotonic() + 3
        while (self.window.width(), self.window.height()) != (width, height) and time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.02)
        if (self.window.width(), self.window.height()) != (width, height):
            print(f"  the window is {self.window.width()}x{self.window.height()}, not {width}x{height} "
                  f"(minimum {self.window.minimumSizeHint().width()}x{self.window.minimumSizeHint().height()})")

    def grab(self) -> QPixmap:
        """What the X server shows on xcb (the real pixels), the widgets' own rendering elsewhere."""
        if QGuiApplication.platformName() == "xcb":
            screen = self.window.screen()
            pixmap = screen.grabWindow(self.window.winId())
            if not pixmap.isNull():
                return pixmap
        return self.window.grab()

    def shoot(self, name: str) -> None:
        for scheme in self.schemes:
            self.set_scheme(scheme)
            for width, height in self.sizes:
                self.set_size(width, height)
                self.settle()
                folder = OUT / f"{width}x{height}-{scheme}"
                folder.mkdir(parents=True, exist_ok=True)
                pixmap = self.grab()
                pixmap.save(str(folder / f"{name}.png"))
                self.saved.append(folder / f"{name}.png")
                if ((width, height), scheme) == README_VARIANT:
                    pixmap.save(str(OUT / f"{name}.png"))
                    self.saved.append(OUT / f"{name}.png")
        print(f"saved {name}.png in {', '.join(f'{w}x{h}' for w, h in self.sizes)} ({', '.join(self.schemes)})")
        self.set_scheme(self.schemes[0])


def wait_until(app: QApplication, done: Callable[[], bool], timeout_s: float = 900) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state in time")
        app.processEvents()
        time.sleep(0.02)


def size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdf", nargs="?", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--size", type=size, action="append", help="WIDTHxHEIGHT (default: 1024x640, 1366x768 "
                        "and 1920x1080)")
    parser.add_argument("--scheme", choices=SCHEMES, action="append", help="light or dark (default: both)")
    args = parser.parse_args()
    pdf: Path = args.pdf
    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")  # the same style on every platform, with a palette for each scheme
    started = time.monotonic()
    print(f"Qt platform {app.platformName()}, screen "
          f"{app.primaryScreen().size().width()}x{app.primaryScreen().size().height()}")
    with tempfile.TemporaryDirectory() as home:
        save_settings(Path(home), Settings(temperature=0.0, max_answer_tokens=96))
        window = MainWindow(Path(home))
        shooter = Shooter(app, window, args.size or list(SIZES), args.scheme or list(SCHEMES))
        shooter.set_size(*shooter.sizes[0])
        window.show()
        failed = None
        try:
            states(app, window, shooter, pdf, Path(home))
        except Exception:  # a state the window no longer reaches: keep the pictures taken so far
            failed = traceback.format_exc()
        window.close()
    print(f"{len(shooter.saved)} files in {time.monotonic() - started:.0f} s")
    if failed:
        print(f"stopped at a state the window did not reach:\n{failed}", file=sys.stderr)
        return 1
    return 0


def states(app: QApplication, window: MainWindow, shooter: Shooter, pdf: Path, home: Path) -> None:
    wait_until(app, lambda: window.model_status.text().startswith("Model: SmolLM2"))
    shooter.shoot("1-empty")
    window.add_paths([pdf])
    wait_until(app, lambda: window.library.status_of(pdf.name) == "indexing")
    wait_until(app, lambda: any(p.done > 0 for p in window.library.pending.values()))
    shooter.shoot("2-indexing")
    wait_until(app, lambda: not window.library.pending, timeout_s=1800)  # minutes on a slow or busy machine
    window.chat.input.setPlainText(QUESTION)
    window.chat.input.submitted.emit()
    wait_until(app, lambda: window.answer_job is None)
    shooter.shoot("3-answer")
    window.chat.messages[-1].chip_buttons()[0].click()
    wait_until(app, lambda: window.viewer.page is not None)
    shooter.shoot("4-source-viewer")
    collections_and_watching(app, window, shooter, pdf, home)


def collections_and_watching(app: QApplication, window: MainWindow, shooter: Shooter, pdf: Path, home: Path) -> None:
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
    shooter.shoot("5-collections-and-watching")


if __name__ == "__main__":
    sys.exit(main())
