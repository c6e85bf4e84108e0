"""Private copies of indexed PDFs, so a cited page can be shown after the original moves.

A document of another format (DOCX, XLSX, ...) keeps the PDF it was rendered to instead: the pages
its chunks' positions point into, which the viewer shows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from desktop_app.files import fsync_file


class DocumentCopies:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, sha256: str) -> Path:
        return self.folder / f"{sha256}.pdf"

    def keep(self, source: Path, sha256: str) -> str:
        """Copy ``source`` in; returns a warning when that fails (the document stays indexed)."""
        if self.path_for(sha256).exists():
            return ""
        return self._write(sha256, lambda tmp: shutil.copyfile(source, tmp))

    def keep_rendered(self, pdf: bytes, sha256: str) -> str:
        """Keep ``pdf``, the rendering of the document whose file has ``sha256``, replacing an older rendering.

        Returns a warning when that fails (the document stays indexed, but its pages cannot be shown).
        """
        return self._write(sha256, lambda tmp: tmp.write_bytes(pdf), "no copy of its rendered pages was kept "
                           "({}); index it again to see its pages")

    def _write(self, sha256: str, fill: Callable[[Path], object],
               note: str = "no private copy was kept ({}); the page view needs the original file") -> str:
        target = self.path_for(sha256)
        tmp = target.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fill(tmp)
            tmp.chmod(0o600)
            fsync_file(tmp)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            return note.format(exc.strerror)
        return ""

    def discard(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)
