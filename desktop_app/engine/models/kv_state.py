"""Conversations' KV caches kept on disk, so a follow-up in a reopened conversation skips its prompt.

A follow-up's prompt starts with the previous turn's prompt and answer, which
llama.cpp still holds in its KV cache when the same conversation asked last
(``LocalModel._prefill`` keeps the common prefix). After another conversation
or a restart that cache is gone, and the whole prompt is computed again. So
after each answer the model's sequence state (llama.cpp's
``llama_state_seq_get_data``: the KV cells of sequence 0) is written to one
file per conversation, and before a conversation's next answer it is read
back (``llama_state_seq_set_data``) when its tokens share more of the new
prompt than the live cache does.

Files live in the data folder (``<home>/kv-states/<model key>/<id>.kv``),
owner-only like the conversations they are made from; a conversation's file
is deleted with it. ``model key`` names the weights file, the adapter and its
scale, since the cache is only valid for exactly those. The least recently
used files go when all of them pass the budget (setting ``kv_disk_mb``; 0
keeps none). A file is written under a temporary name and renamed; one that
cannot be read back (damaged, or from another llama.cpp) is deleted and the
prompt computed as usual. Sizes and times: README, Models.

File layout (little-endian): ``MAGIC``, the number of tokens (u32), the state's
size in bytes (u64), the CRC-32 of tokens and state (u32), the tokens (i32
each), the state. A file whose CRC does not match is damaged.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import shutil
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from desktop_app.engine.models.chat import LocalModel

log = logging.getLogger(__name__)
MAGIC = b"DAKV0001"
HEADER = struct.Struct("<8sIQI")
MIN_GAIN = 64
"""Read a saved state only when it covers this many more prompt tokens than the live cache."""
FOLDER = "kv-states"


class KvStore:
    """The saved KV states of one library's conversations (``folder`` = ``<home>/kv-states``).

    ``budget_bytes``: the most all saved states may take together; 0 saves none.
    """

    def __init__(self, folder: Path, budget_bytes: int) -> None:
        self.folder = folder
        self.budget_bytes = budget_bytes

    def path(self, model: LocalModel, conversation_id: int) -> Path:
        return self.folder / model_key(model) / f"{conversation_id}.kv"

    def save(self, model: LocalModel, conversation_id: int) -> int:
        """Write the model's live KV cache as ``conversation_id``'s; the bytes written (0 when off, failed, or
        the model is streaming for another caller)."""
        if self.budget_bytes <= 0:
            return 0
        with held(model) as free:
            return self._save(model, conversation_id) if free else 0

    def _save(self, model: LocalModel, conversation_id: int) -> int:
        llm = model._llm
        tokens = np.asarray(llm.input_ids[:llm.n_tokens], dtype="<i4")
        if not len(tokens):
            return 0
        import llama_cpp

        size = llama_cpp.llama_state_seq_get_size(llm.ctx, 0)
        if size + tokens.nbytes + HEADER.size > self.budget_bytes:
            return 0
        buffer = (ctypes.c_uint8 * size)()
        copied = llama_cpp.llama_state_seq_get_data(llm.ctx, buffer, size, 0)
        target = self.path(model, conversation_id)
        partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if shutil.disk_usage(target.parent).free < copied * 2:
                return 0
            state = memoryview(buffer)[:copied]
            with open(partial, "wb") as out:
                out.write(HEADER.pack(MAGIC, len(tokens), copied, zlib.crc32(state, zlib.crc32(tokens.tobytes()))))
                out.write(tokens.tobytes())
                out.write(state)
            os.replace(partial, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            log.warning("the KV state of conversation %d was not saved: %s", conversation_id, exc)
            return 0
        self.prune(keep=target)
        return HEADER.size + tokens.nbytes + int(copied)

    def restore(self, model: LocalModel, conversation_id: int, prompt: list[int]) -> int:
        """Load ``conversation_id``'s saved state when it shares ``MIN_GAIN`` more tokens of ``prompt`` than
        the live cache; the prompt tokens it covers (0 when nothing was loaded)."""
        path = self.path(model, conversation_id)
        if self.budget_bytes <= 0 or not path.is_file():
            return 0
        with held(model) as free:
            return self._restore(model, conversation_id, prompt, path) if free else 0

    def _restore(self, model: LocalModel, conversation_id: int, prompt: list[int], path: Path) -> int:
        from desktop_app.engine.models.chat import common_prefix

        llm = model._llm
        live = common_prefix(llm.input_ids[:llm.n_tokens], prompt)
        try:
            with open(path, "rb") as source:
                magic, count, size, crc = HEADER.unpack(source.read(HEADER.size))
                if magic != MAGIC or count > llm.n_ctx():
                    raise ValueError("not a KV state of this app")
                raw = source.read(count * 4)
                if len(raw) != count * 4:
                    raise ValueError("the file is cut short")
                tokens = np.frombuffer(raw, dtype="<i4")
                saved = common_prefix(tokens, prompt)
                if saved < live + MIN_GAIN:
                    return 0
                state = source.read(size)
            if len(state) != size:
                raise ValueError("the file is cut short")
            if zlib.crc32(state, zlib.crc32(raw)) != crc:
                raise ValueError("its checksum does not match")
        except (OSError, ValueError, struct.error) as exc:
            log.warning("the KV state of conversation %d is unreadable (%s); it is deleted", conversation_id, exc)
            self.forget(conversation_id)
            return 0
        if not load_state(llm, tokens, state):
            log.warning("llama.cpp refused the KV state of conversation %d; it is deleted", conversation_id)
            self.forget(conversation_id)
            return 0
        with contextlib.suppress(OSError):
            os.utime(path)
        return saved

    def forget(self, conversation_id: int) -> None:
        """Delete ``conversation_id``'s saved states, for every model."""
        for path in self.folder.glob(f"*/{conversation_id}.kv"):
            with contextlib.suppress(OSError):
                path.unlink()

    def prune(self, keep: Path | None = None) -> None:
        """Delete the least recently used states while all of them pass the budget (``keep`` last of all)."""
        try:
            files = sorted(self.folder.glob("*/*.kv"), key=lambda p: (p == keep, p.stat().st_mtime))
            sizes = [p.stat().st_size for p in files]
            stale = [p for p in self.folder.glob("*/*.partial") if time.time() - p.stat().st_mtime > 3600]
        except OSError:  # a file went meanwhile: pruned after the next answer
            return
        total = sum(sizes)
        for path, size in zip(files, sizes, strict=True):
            if total <= self.budget_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
        for path in stale:
            with contextlib.suppress(OSError):
                path.unlink()


@contextlib.contextmanager
def held(model: LocalModel) -> Iterator[bool]:
    """Whether the model was free; while True, it counts as streaming, so no other caller's stream changes the
    cache under the state being read or written (that stream raises "busy", as for two answers at once)."""
    if model.streaming:
        yield False
        return
    model.streaming = True
    try:
        yield True
    finally:
        model.streaming = False


def model_key(model: LocalModel) -> str:
    """What a KV cache is valid for: the model file (path, size, time) and the copy run of it, the adapter and
    its scale. (Not the copy's own time: using a copy touches it.)"""
    parts = [str(model.settings.path.resolve()), model.weights.copy]
    with contextlib.suppress(OSError):
        stat = model.settings.path.stat()
        parts += [str(stat.st_size), str(stat.st_mtime_ns)]
    if model.adapter is not None:
        parts += [str(model.adapter.path), str(model.adapter.mtime_ns), str(model.adapter.scale)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def load_state(llm: Any, tokens: np.ndarray, state: bytes) -> bool:
    """Put ``state`` into sequence 0 and make ``tokens`` the model's evaluated tokens; False if refused."""
    import llama_cpp

    buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
    llm.n_tokens = 0
    if llama_cpp.llama_state_seq_set_data(llm.ctx, buffer, len(state), 0) == 0:
        llm._ctx.kv_cache_clear()
        return False
    llm.input_ids[:len(tokens)] = tokens
    llm.n_tokens = len(tokens)
    return True
