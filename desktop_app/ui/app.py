"""Start the window: it appears at once; models load in the background.

    desktop-app-gui [PDF_OR_FOLDER ...]     open the window (and add these to the library)
    desktop-app-gui --exit-when-shown       print the time from process start to a visible window, then quit
    desktop-app-gui --quit-after SECONDS [--report FILE]
                                            close the window after that long, as a user would, and print (or
                                            write to FILE: a windowed Windows program has no stdout) what happened
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import sys
import time
from pathlib import Path

import psutil
from PySide6.QtCore import QLibraryInfo, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop_app.frozen import icon_file, is_frozen
from desktop_app.home import user_dir
from desktop_app.logs import private_files, setup_logging
from desktop_app.ui.help_dialogs import APP_NAME
from desktop_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

# The Debian/Ubuntu packages holding the system libraries Qt's xcb platform plugin loads (the .deb depends on the
# same list). Without them Qt aborts with 'could not load the Qt platform plugin "xcb"'.
XCB_PACKAGES = (
    "libxcb1", "libx11-6", "libx11-xcb1", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1",
    "libxcb-randr0", "libxcb-render0", "libxcb-render-util0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1",
    "libxcb-util1", "libxcb-xfixes0", "libxcb-xkb1", "libxkbcommon0", "libxkbcommon-x11-0", "libegl1", "libgl1",
    "libfontconfig1", "libdbus-1-3",
)
# A font with Hangul: without one, Korean text shows as empty boxes.
CJK_FONT_HINT = "Korean text shows as boxes: no installed font covers Hangul (Debian/Ubuntu: sudo apt-get install " \
    "fonts-nanum, or fonts-noto-cjk)."


def uses_xcb() -> bool:
    """Whether Qt will open the window through X11 (xcb): Linux, a DISPLAY, and no other platform asked for."""
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    return not os.environ.get("WAYLAND_DISPLAY")  # a Wayland session: Qt takes its Wayland plugin first


def xcb_plugin_error() -> str | None:
    """Why the dynamic loader cannot load Qt's xcb platform plugin (a missing library's file name), or None."""
    plugin = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as error:
        return str(error).split(":")[0]
    return None


def missing_window_libraries() -> str | None:
    """A message saying what to install, when the window would need X11 libraries that are not installed."""
    if not uses_xcb():
        return None
    # From source the libraries come from the system; an installed copy may carry some of its own (the loader finds
    # those, ldconfig does not), so there only the plugin's own load is asked.
    cursor_found = is_frozen() or ctypes.util.find_library("xcb-cursor") is not None
    missing = xcb_plugin_error() if cursor_found else "libxcb-cursor.so.0"
    if missing is None:
        return None
    return (f"The window cannot open: Qt's X11 (xcb) platform plugin needs {missing}, which is not installed.\n"
            f"On Debian or Ubuntu, install the libraries it needs with:\n"
            f"    sudo apt-get install {' '.join(XCB_PACKAGES)}\n"
            f"(other systems: the packages holding libxcb-cursor, xcb-util-wm, xcb-util-keysyms and "
            f"libxkbcommon-x11), then start desktop-app-gui again.")


def missing_cjk_font() -> bool:
    """True when no installed font covers Hangul (Korean then shows as boxes). Needs a QGuiApplication."""
    assert QGuiApplication.instance() is not None, "the font database needs a QGuiApplication"
    return not QFontDatabase.families(QFontDatabase.WritingSystem.Korean)


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()
    private_files()
    setup_logging(user_dir())
    parser = argparse.ArgumentParser(prog="desktop-app-gui")
    parser.add_argument("paths", nargs="*", type=Path, help="PDFs or folders to add to the library")
    parser.add_argument("--exit-when-shown", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    args, qt_args = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    problem = missing_window_libraries()
    if problem is not None:  # instead of Qt's abort (a core dump and a cryptic line)
        log.error("%s", problem.replace("\n", " "))
        print(problem, file=sys.stderr)
        return 1
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("desktop-app")
    app.setApplicationDisplayName(APP_NAME)  # the window manager adds it to the title once
    if icon_file().exists():
        app.setWindowIcon(QIcon(str(icon_file())))
    window = MainWindow()
    window.show()
    app.processEvents()
    if missing_cjk_font():
        log.warning("%s", CJK_FONT_HINT)
        window.statusBar().showMessage(CJK_FONT_HINT, 30_000)
    shown = f"window visible {time.time() - psutil.Process().create_time():.2f} s after the process started"
    if args.exit_when_shown:
        print(shown)
        QTimer.singleShot(0, window.close)
        return 0
    if args.paths:
        window.add_paths(args.paths)
    if args.quit_after is not None:
        QTimer.singleShot(int(args.quit_after * 1000), window.close)
    code = app.exec()
    if args.quit_after is not None:
        lines = f"{shown}\nwindow closed, exit status {code}; {window.model_status.text()}\n"
        if args.report is not None:
            args.report.write_text(lines, encoding="utf-8")
        else:
            print(lines, end="")
    return code


if __name__ == "__main__":
    sys.exit(main())
