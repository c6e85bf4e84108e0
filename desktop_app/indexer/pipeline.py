"""Index files one by one; a failing file is reported and the rest go on."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from desktop_app.cancel import CancelToken
from desktop_app.errors import DocumentError, StorageError
from desktop_app.files import sha256_file
from desktop_app.indexer.chunking import Section, chunk_document, page_texts
from desktop_app.indexer.early import EarlyEmbedding, embedding_text, token_batches
from desktop_app.indexer.embed import Embedder
from desktop_app.indexer.events import FileFailed, FileIndexed, FileProgress, FileSkipped, FileStarted, IndexEvent
from desktop_app.indexer.extract import EXTRACTOR_VERSION, ExtractedDocument, PdfExtractor
from desktop_app.indexer.formats import KINDS
from desktop_app.store.copies import DocumentCopies
from desktop_app.store.library import Chunk, DocumentRow, LibraryStore, NewDocument
from desktop_app.store.vectors import VectorIndex

log = logging.getLogger(__name__)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the files of a kind the indexer reads (``formats.KINDS``) inside folders
    (recursively), each once. Office's lock files ("~$report.docx") are left out."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KINDS
                                and not p.name.startswith("~$")))
        else:
            found.append(path)
    return list(dict.fromkeys(p.resolve() for p in found))


def stale_documents(store: LibraryStore) -> list[DocumentRow]:
    """Documents stored by an extractor older than ``EXTRACTOR_VERSION``."""
    return [doc for doc in store.documents() if doc.extractor < EXTRACTOR_VERSION]


def new_document(sha: str, path: Path, extracted: ExtractedDocument, size: int | None = None) -> NewDocument:
    return NewDocument(sha, str(path), extracted.title, extracted.page_count,
                       path.stat().st_size if size is None else size, extracted.warnings, EXTRACTOR_VERSION,
                       tuple(extracted.page_labels), tuple(extracted.ocr_pages),
                       page_texts(extracted.blocks, extracted.page_count), extracted.format)


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

    def _another_name(self, twin: DocumentRow, path: Path) -> FileSkipped:
        """Bytes already indexed: ``path`` becomes another name of their document, and the skip names the twin.

        If ``path`` was the only name of another document (its file now holds
        these bytes instead), that document is removed, as a changed file's
        document is replaced. Raises ``StorageError``.
        """
        if str(path) in twin.names:
            return FileSkipped(path, "already indexed")
        change = self.store.add_name(twin.id, str(path))
        self.vectors.apply([], None, list(change.chunks), self.store.version())
        for gone in change.removed:
            if self.copies is not None:
                self.copies.discard(gone.sha256)
        shown = Path(twin.path).name
        return FileSkipped(path, f"same content as {twin.path if shown == path.name else shown}, already indexed")

    def _index_file(self, path: Path, password: str | None, cancel: CancelToken) -> Iterator[IndexEvent]:
        try:
            if not path.exists():
                raise DocumentError(f"{path.name} does not exist", "missing")
            sha = sha256_file(path)
            if (twin := self.store.document_by_hash(sha)) is not None:
                yield self._another_name(twin, path)
                return
            extracted, sections, chunks, vectors = yield from self._read(path, password, cancel)
            old = self.store.documents_by_path(str(path))
            doc = new_document(sha, path, extracted)
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
            if note := self.copies.keep_rendered(extracted.rendered, sha) if extracted.rendered else \
                    self.copies.keep(path, sha):
                warnings.append(note)
        log.info("indexed a document: %d pages, %d chunks, %d notes", extracted.page_count, len(chunks), len(warnings))
        yield FileIndexed(path, doc_id, extracted.title, extracted.page_count, len(chunks), bool(old), warnings)

    def _read(
        self, path: Path, password: str | None, cancel: CancelToken, shown: Path | None = None,
    ) -> Generator[IndexEvent, None, tuple[ExtractedDocument, list[Section], list[Chunk], np.ndarray]]:
        """Extract, chunk and embed one file; raises ``DocumentError`` for a file that cannot be read.

        Progress events name ``shown`` (the indexed name when ``path`` is its private copy), else ``path``.
        The first chunks of a long document are embedded while its later pages are read (``early``).
        """
        yield FileProgress(shown or path, "reading", 0, 1)
        early = EarlyEmbedding(self.embedder, path)
        steps = self.extractor.reading(path, password, cancel)
        while True:
            try:
                read = next(steps)
            except StopIteration as finished:
                extracted: ExtractedDocument = finished.value
                break
            yield FileProgress(shown or path, "reading", read.done, read.total)
            early.step(read)
        sections, chunks = chunk_document(extracted.blocks, extracted.page_count)
        vectors = yield from self._embed(shown or path, sections, chunks, extracted.title, cancel, early.vectors)
        cancel.raise_if_cancelled()
        return extracted, sections, chunks, vectors

    def refresh(
        self, passwords: Mapping[str, str], cancel: CancelToken,
    ) -> Iterator[IndexEvent]:
        """Read again, in place, every document an older extractor stored (see ``stale_documents``).

        The file read is the original while it still has the indexed bytes, else
        the private copy; ``passwords`` maps a document's sha256 to its password.
        A document whose file is gone or cannot be read keeps its stored text
        and is reported with ``FileFailed``. Raises ``Cancelled`` between files.
        """
        stale = stale_documents(self.store)
        if not stale:
            return
        self.vectors.sync(self.store)
        try:
            for position, doc in enumerate(stale, start=1):
                cancel.raise_if_cancelled()
                path, shown = self._file_of(doc), Path(doc.path)
                yield FileStarted(shown, position, len(stale))
                if path is None:
                    yield FileFailed(shown, "missing", f"{shown.name} was moved or deleted and no copy was kept, so it "
                                     "could not be read again by the improved extractor; its stored text is kept")
                    continue
                try:
                    extracted, sections, chunks, vectors = yield from self._read(
                        path, passwords.get(doc.sha256), cancel, shown)
                    added, removed = self.store.rewrite_document(
                        doc.id, new_document(doc.sha256, Path(doc.path), extracted, doc.size), sections, chunks,
                        vectors, self.embedder.key)
                except (DocumentError, StorageError) as exc:
                    yield FileFailed(shown, getattr(exc, "reason", "storage"),
                                     f"{exc} (its stored text is kept as it was)")
                    continue
                self.vectors.apply(added, vectors, removed, self.store.version())
                if extracted.rendered and self.copies is not None:  # the positions now point into this rendering
                    self.copies.keep_rendered(extracted.rendered, doc.sha256)
                yield FileIndexed(shown, doc.id, extracted.title, extracted.page_count, len(chunks), True,
                                  list(extracted.warnings), refreshed=True)
        finally:
            self.vectors.save(self.store)

    def _file_of(self, doc: DocumentRow) -> Path | None:
        """A file with the document's bytes: one of its names that still holds them, else its private copy."""
        for name in doc.names or (doc.path,):
            try:
                if Path(name).exists() and sha256_file(Path(name)) == doc.sha256:
                    return Path(name)
            except OSError:
                continue
        copy = self.copies.path_for(doc.sha256) if self.copies is not None else None
        return copy if copy is not None and copy.exists() else None

    def _embed(
        self, path: Path, sections: list[Section], chunks: list[Chunk], title: str, cancel: CancelToken,
        known: Mapping[str, np.ndarray],
    ) -> Generator[IndexEvent, None, np.ndarray]:
        """The chunks' vectors, in chunk order; a chunk whose embedding text is in ``known`` takes that vector.

        Chunks are embedded in batches of similar length (``token_batches``), then put back in order: a
        batch is padded to its longest text, so mixing short captions with full paragraphs wasted most of
        the work (length-sorted batches ran 1.23-1.31x as fast as document order on the corpus chunks).
        """
        titles = {s.ord: s.title for s in sections}
        texts = [embedding_text(c.text, titles[c.section_ord], title) for c in chunks]
        vectors = np.zeros((len(texts), self.vectors.dim), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            if text in known:
                vectors[i] = known[text]
            else:
                missing.append(i)
        done = len(texts) - len(missing)
        counts = self.embedder.token_counts([texts[i] for i in missing])
        for batch in token_batches(counts, self.embedder.batch_tokens):
            cancel.raise_if_cancelled()
            yield FileProgress(path, "embedding", done, len(texts))
            rows = [missing[i] for i in batch]
            vectors[rows] = self.embedder.encode_passages([texts[i] for i in rows], len(rows))
            done += len(rows)
        yield FileProgress(path, "embedding", len(texts), len(texts))
        return vectors
