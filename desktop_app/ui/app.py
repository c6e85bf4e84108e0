"""Start the window: it appears at once; models load in the background.

    desktop-app-gui [PDF_OR_FOLDER ...]     open the window (and add these to the library)
    desktop-app-gui --exit-when-shown       print the time from process start to a visible window, then quit
    desktop-app-gui --quit-after SECONDS [--report FILE]
                                            close the window after that long, as a user would, and print (or
                                            write to FILE: a windowed Windows program has no stdout) what happened
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import psutil
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop_app.frozen import icon_file
from desktop_app.home import user_dir
from desktop_app.logs import private_files, setup_logging
from desktop_app.ui.main_window import MainWindow


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
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("desktop-app")
    app.setApplicationDisplayName("desktop-app")
    if icon_file().exists():
        app.setWindowIcon(QIcon(str(icon_file())))
    window = MainWindow()
    window.show()
    app.processEvents()
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
