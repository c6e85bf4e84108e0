"""The installed Qt binding survives a long session: PySide6 6.12.0 drops a reference to None on every call
that returns nothing, and on Python 3.11 (where None is not immortal) the process dies after a few thousand."""

from __future__ import annotations

import os
import subprocess
import sys

MANY_CALLS = """
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for _ in range(50_000):
    label.setText("x")
print("survived")
"""


def test_fifty_thousand_void_calls_do_not_kill_the_process() -> None:
    done = subprocess.run([sys.executable, "-c", MANY_CALLS], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0 and done.stdout.strip() == "survived", done.stderr[-500:]
