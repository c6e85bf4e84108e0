"""Where things are in an installed (PyInstaller one-folder) copy of the app.

In an installed copy ``sys.frozen`` is set and the data files lie in
``sys._MEIPASS``: ``models/manifest.json`` and one folder per default model
(``models/<name>/<file>``). The bundle has two executables built from the same
code: ``desktop-app`` (console, the CLI) and ``desktop-app-gui`` (the window).
installer/launcher.py picks by the executable's name. Child processes that a source
install starts with ``python -m ...`` are started as ``<executable> --child
NAME ...`` instead, since there is no interpreter to pass a module to.
"""

from __future__ import annotations

import sys
from pathlib import Path

CHILD_FLAG = "--child"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """The folder holding the bundled data files, or None when running from source."""
    if not is_frozen():
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).resolve().parent))


def icon_file() -> Path:
    """The app icon (PNG): in the bundle's assets/, or in the repository's installer/assets/."""
    bundle = bundle_dir()
    if bundle is not None:
        return bundle / "assets" / "desktop-app.png"
    return Path(__file__).resolve().parents[1] / "installer" / "assets" / "desktop-app.png"


def child_command(name: str, module: str) -> list[str]:
    """The command that runs ``module``'s ``main()`` in a fresh process (``name`` selects it when frozen).

    An installed copy runs the child through the console executable, also when the window asked for it:
    a windowed Windows program may have no usable stdout for the parent to read.
    """
    if is_frozen():
        executable = Path(sys.executable)
        console = executable.with_name(executable.name.replace("-gui", ""))
        return [str(console if console.exists() else executable), CHILD_FLAG, name]
    return [sys.executable, "-P", "-m", module]
