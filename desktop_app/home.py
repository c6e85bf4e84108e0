"""Where the user's data lives: one folder, never beside the code."""

import os
from pathlib import Path

import platformdirs

HOME_VARIABLE = "DESKTOP_APP_HOME"
CACHE_VARIABLE = "DESKTOP_APP_CACHE"
APP_NAME = "desktop-app"


def user_dir() -> Path:
    """The data folder, created owner-only on first use.

    ``DESKTOP_APP_HOME`` overrides the platform default (tests, portable installs).
    """
    override = os.environ.get(HOME_VARIABLE)
    return ensure_home(Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def cache_dir() -> Path:
    """The folder for files the app can make again (model copies); not created here.

    ``DESKTOP_APP_CACHE`` overrides the platform default (tests, portable installs).
    """
    override = os.environ.get(CACHE_VARIABLE)
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def ensure_home(path: Path) -> Path:
    """Create the data folder owner-only (0700) if it is missing."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def library_db(home: Path) -> Path:
    return home / "library.sqlite3"


def index_dir(home: Path) -> Path:
    path = home / "index"
    path.mkdir(exist_ok=True, mode=0o700)
    return path


def user_models_dir(home: Path) -> Path:
    path = home / "models"
    path.mkdir(exist_ok=True, mode=0o700)
    return path
