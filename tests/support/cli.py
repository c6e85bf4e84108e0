"""The command line in subprocesses: their own data folder, and the network block on their path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NETBLOCK = Path(__file__).resolve().parents[1] / "netblock"


def subprocess_env(home: Path) -> dict[str, str]:
    """Environment for CLI subprocesses: their own data folder and the network block."""
    env = dict(os.environ)
    env["DESKTOP_APP_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETBLOCK), env.get("PYTHONPATH", "")]))
    return env


def run_cli(home: Path, *args: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The CLI in a subprocess with its own data folder and the network block."""
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=subprocess_env(home))
