"""Private copies of indexed PDFs, so a cited page can be shown after the original moves."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from desktop_app.files import fsync_file


class DocumentCopies:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, sha256: str) -> Path:
        return self.folder / f"{sha256}.pdf"

    def keep(self, source: Path, sha256: str) -> str:
        """Copy ``source`` in; returns a warning when that fails (the document stays indexed)."""
        target = self.path_for(sha256)
        if target.exists():
            return ""
        tmp = target.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(source, tmp)
            tmp.chmod(0o600)
            fsync_file(tmp)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            return f"no private copy was kept ({exc.strerror}); the page view needs the original file"
        return ""

    def discard(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)
