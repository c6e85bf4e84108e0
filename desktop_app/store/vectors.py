"""A persisted hnswlib index: a cache of the vectors kept in SQLite.

The file is written atomically (temporary file, fsync, rename) together with
a small JSON record of the library version it reflects, and the same version
and count are recorded in SQLite. When the records are missing, disagree, or
differ from SQLite's vectors, the index is rebuilt from SQLite before the
first search.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import hnswlib
import numpy as np

from desktop_app.errors import StorageError
from desktop_app.files import fsync_dir, fsync_file
from desktop_app.store.library import LibraryStore

EF_CONSTRUCTION = 200
M = 16
EF_SEARCH = 128


class VectorIndex:
    def __init__(self, folder: Path, model_key: str, dim: int) -> None:
        self.folder = folder
        self.dim = dim
        self.model_key = model_key
        self.index_path = folder / f"{model_key}.hnsw"
        self.meta_path = folder / f"{model_key}.json"
        self._index: hnswlib.Index | None = None
        self._count = 0
        self._lock = threading.Lock()
        self.rebuilt = False

    def sync(self, store: LibraryStore) -> None:
        """Load the saved index if it reflects the library; else rebuild it from SQLite."""
        with self._lock:
            if self._index is not None and self._version == store.version():
                return
            if self.problem(store) is not None or not self._load(store.version()):
                self._rebuild(store)

    def problem(self, store: LibraryStore) -> str | None:
        """Why the saved index cannot be used as it is, or None if it matches SQLite."""
        try:
            meta = json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return "the saved vector index is missing or unreadable"
        if meta.get("dim") != self.dim:
            return "the saved vector index was made by another embedding model"
        if meta.get("version") != store.version() or store.index_record(self.model_key) != (
                meta.get("version"), meta.get("count")):
            return "the saved vector index is older than the library"
        if meta.get("count") != store.vector_count(self.model_key):
            return "the saved vector index holds a different number of vectors than the library"
        if not self.index_path.exists():
            return "the saved vector index file is missing"
        return None

    def _load(self, version: int) -> bool:
        try:
            meta = json.loads(self.meta_path.read_text())
            index = hnswlib.Index(space="ip", dim=self.dim)
            index.load_index(str(self.index_path), max_elements=max(meta["capacity"], 1))
        except (OSError, ValueError, KeyError, RuntimeError):
            return False
        index.set_ef(EF_SEARCH)
        self._index, self._version, self._count = index, version, meta["count"]
        return True

    def _rebuild(self, store: LibraryStore) -> None:
        ids, matrix = store.vectors(self.model_key)
        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=max(1024, len(ids) * 2), ef_construction=EF_CONSTRUCTION, M=M,
                         allow_replace_deleted=False)
        if ids:
            index.add_items(matrix, np.asarray(ids, dtype=np.int64))
        index.set_ef(EF_SEARCH)
        self._index, self._version, self._count = index, store.version(), len(ids)
        self.rebuilt = True
        self._save(store)

    def apply(self, added: list[int], vectors: np.ndarray | None, removed: list[int], version: int) -> None:
        """Mirror one committed SQLite write; saved later by ``save``."""
        with self._lock:
            index = self._require()
            for label in removed:
                try:
                    index.mark_deleted(label)
                    self._count -= 1
                except RuntimeError:
                    pass
            if added and vectors is not None:
                needed = index.get_current_count() + len(added)
                if needed > index.get_max_elements():
                    index.resize_index(needed * 2)
                index.add_items(vectors, np.asarray(added, dtype=np.int64))
                self._count += len(added)
            self._version = version

    def search(self, vector: np.ndarray, k: int, allowed: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), best first; only chunks in ``allowed`` when it is given.

        The scope is hnswlib's search filter, so a refused label is never
        returned. While fewer than ``ef`` allowed neighbours are found, the
        search does not stop at the distance bound, so a small scope is
        searched broadly rather than missed (a scope of 500 documents out of
        1,000 costs about 2 ms more than no scope).
        """
        with self._lock:
            index = self._require()
            wanted = None if allowed is None else set(allowed)
            k = min(k, self._count if wanted is None else len(wanted))
            if k <= 0:
                return []
            if wanted is None:
                labels, distances = index.knn_query(vector.reshape(1, -1), k=k)
            else:
                while True:
                    try:
                        labels, distances = index.knn_query(vector.reshape(1, -1), k=k,
                                                            filter=lambda label: label in wanted)
                        break
                    except RuntimeError:  # fewer allowed labels in the index than k (some not indexed yet)
                        if k <= 1:
                            return []
                        k //= 2
        return [(int(label), 1.0 - float(dist)) for label, dist in zip(labels[0], distances[0], strict=True)]

    def count(self) -> int:
        return self._count

    def save(self, store: LibraryStore) -> None:
        with self._lock:
            if self._index is not None:
                self._save(store)

    def _save(self, store: LibraryStore) -> None:
        try:
            self._write_files()
        except (OSError, RuntimeError) as exc:
            raise StorageError(f"The search index could not be saved ({exc}); free disk space. Nothing stored "
                               "was lost: it is rebuilt from the library at the next start.") from exc
        store.set_index_record(self.model_key, self._version, self._count)

    def _write_files(self) -> None:
        index = self._require()
        tmp = self.index_path.with_suffix(".hnsw.tmp")
        index.save_index(str(tmp))
        fsync_file(tmp)
        os.replace(tmp, self.index_path)
        meta = {"version": self._version, "dim": self.dim, "count": self._count,
                "capacity": index.get_max_elements()}
        tmp_meta = self.meta_path.with_suffix(".json.tmp")
        tmp_meta.write_text(json.dumps(meta))
        fsync_file(tmp_meta)
        os.replace(tmp_meta, self.meta_path)
        fsync_dir(self.folder)

    def _require(self) -> hnswlib.Index:
        if self._index is None:
            raise RuntimeError("vector index used before sync()")
        return self._index

