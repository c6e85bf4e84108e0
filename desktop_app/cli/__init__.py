"""The command line: the engine facade from a terminal (``desktop-app``, ``python -m desktop_app``)."""

from desktop_app.cli.commands import main

__all__ = ["main"]
