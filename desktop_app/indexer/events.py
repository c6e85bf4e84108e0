"""What indexing reports, one small typed event at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FileStarted:
    path: Path
    position: int
    total: int


@dataclass(frozen=True)
class FileProgress:
    path: Path
    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class FileIndexed:
    path: Path
    document_id: int
    title: str
    pages: int
    chunks: int
    replaced: bool
    warnings: list[str] = field(default_factory=list)
    refreshed: bool = False  # an indexed document read again by a newer extractor


@dataclass(frozen=True)
class FileSkipped:
    path: Path
    reason: str


@dataclass(frozen=True)
class FileFailed:
    path: Path
    reason: str
    message: str


IndexEvent = FileStarted | FileProgress | FileIndexed | FileSkipped | FileFailed
