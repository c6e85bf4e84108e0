"""Index files one by one; a failing file is reported and the rest go on."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path

import numpy as np

from desktop_app.cancel import CancelToken
from desktop_app.errors import DocumentError, StorageError
from desktop_app.files import sha256_file
from desktop_app.indexer.chunking import Section, chunk_document
from desktop_app.indexer.embed import Embedder
from desktop_app.indexer.events import FileFailed, FileIndexed, FileProgress, FileSkipped, FileStarted, IndexEvent
from desktop_app.indexer.extract import PdfExtractor
from desktop_app.store.copies import DocumentCopies
from desktop_app.store.library import Chunk, LibraryStore, NewDocument
from desktop_app.store.vectors import VectorIndex

EMBED_BATCH = 32
log = logging.getLogger(__name__)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the PDFs inside folders (recursively), each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"))
        else:
            found.append(path)
    return list(dict.fromkeys(p.resolve() for p in found))


def embedding_text(text: str, section_title: str, doc_title: str) -> str:
    """What the embedder sees: the chunk with its document and section named."""
    heading = " / ".join(t for t in (doc_title, section_title) if t)
    return f"{heading}\n{text}" if heading else text


class Indexer:
    def __init__(
        self, store: LibraryStore, vectors: VectorIndex, embedder: Embedder, extractor: PdfExtractor,
        copies: DocumentCopies | None = None,
    ) -> None:
        self.store = store
        self.vectors = vectors
        self.embedder = embedder
        self.extractor = extractor
        self.copies = copies

    def index(self, paths: Iterable[Path], password: str | None, cancel: CancelToken) -> Iterator[IndexEvent]:
        """Yield events while indexing; raises ``Cancelled`` between steps when cancelled."""
        files = expand_paths(paths)
        self.vectors.sync(self.store)
        try:
            for position, path in enumerate(files, start=1):
                cancel.raise_if_cancelled()
                yield FileStarted(path, position, len(files))
                yield from self._index_file(path, password, cancel)
        finally:
            self.vectors.save(self.store)

    def _index_file(self, path: Path, password: str | None, cancel: CancelToken) -> Iterator[IndexEvent]:
        try:
            if not path.exists():
                raise DocumentError(f"{path.name} does not exist", "missing")
            sha = sha256_file(path)
            if self.store.document_by_hash(sha) is not None:
                yield FileSkipped(path, "already indexed")
                return
            yield FileProgress(path, "reading", 0, 1)
            extracted = self.extractor.extract(path, password, cancel)
            sections, chunks = chunk_document(extracted.blocks, extracted.page_count)
            vectors = yield from self._embed(path, sections, chunks, extracted.title, cancel)
            cancel.raise_if_cancelled()
            old = self.store.documents_by_path(str(path))
            doc = NewDocument(sha, str(path), extracted.title, extracted.page_count, path.stat().st_size,
                              extracted.warnings)
            doc_id, added, removed = self.store.add_document(doc, sections, chunks, vectors, self.embedder.key,
                                                             [d.id for d in old])
        except (DocumentError, StorageError) as exc:
            log.info("could not index a file: %s", getattr(exc, "reason", "storage"))
            yield FileFailed(path, getattr(exc, "reason", "storage"), str(exc))
            return
        except OSError as exc:
            yield FileFailed(path, "unreadable", f"{path.name} cannot be read: {exc.strerror}")
            return
        self.vectors.apply(added, vectors, removed, self.store.version())
        warnings = list(extracted.warnings)
        if self.copies is not None:
            for previous in old:
                self.copies.discard(previous.sha256)
            if note := self.copies.keep(path, sha):
                warnings.append(note)
        log.info("indexed a document: %d pages, %d chunks, %d notes", extracted.page_count, len(chunks), len(warnings))
        yield FileIndexed(path, doc_id, extracted.title, extracted.page_count, len(chunks), bool(old), warnings)

    def _embed(
        self, path: Path, sections: list[Section], chunks: list[Chunk], title: str, cancel: CancelToken
    ) -> Generator[IndexEvent, None, np.ndarray]:
        titles = {s.ord: s.title for s in sections}
        texts = [embedding_text(c.text, titles[c.section_ord], title) for c in chunks]
        parts: list[np.ndarray] = []
        for start in range(0, len(texts), EMBED_BATCH):
            cancel.raise_if_cancelled()
            yield FileProgress(path, "embedding", start, len(texts))
            parts.append(self.embedder.encode(texts[start:start + EMBED_BATCH]))
        yield FileProgress(path, "embedding", len(texts), len(texts))
        return np.concatenate(parts) if parts else np.zeros((0, self.vectors.dim), dtype=np.float32)
