"""The app's log file: events and timings only, never document text or questions.

Set ``DESKTOP_APP_DEBUG=1`` to log at debug level, which includes questions
and search queries; that is the user's choice for troubleshooting.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

DEBUG_VARIABLE = "DESKTOP_APP_DEBUG"


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def setup_logging(home: Path) -> Path:
    """Log to ``<home>/logs/desktop-app.log`` (owner-only, rotated at 1 MB, 3 files kept)."""
    folder = home / "logs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "desktop-app.log"
    root = logging.getLogger("desktop_app")
    if not any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        handler = RotatingFileHandler(path, maxBytes=1 << 20, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        path.chmod(0o600)
    root.setLevel(logging.DEBUG if debug_enabled() else logging.INFO)
    return path


def private_files() -> None:
    """New files and folders are owner-only (where the OS has a umask)."""
    if hasattr(os, "umask"):
        os.umask(0o077)
