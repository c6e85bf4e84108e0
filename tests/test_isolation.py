"""The engine never imports Qt, and nothing in the tests can reach the network."""

import socket
import subprocess
import sys

import pytest

from desktop_app_testing_netblock import NetworkBlocked


def test_engine_indexer_store_and_evaluation_do_not_import_qt() -> None:
    code = (
        "import sys, desktop_app.engine, desktop_app.indexer, desktop_app.store, desktop_app.cli\n"
        "import desktop_app.indexer.pipeline, desktop_app.engine.facade, desktop_app.indexer.pdf_worker\n"
        "import desktop_app.evaluation.run, desktop_app.store.library, desktop_app.engine.managers\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "assert not qt, qt\n"
        "print('no qt')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "no qt" in result.stdout


def test_importing_the_package_sets_the_offline_switches() -> None:
    code = "import os, desktop_app; print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "0"})
    assert result.stdout.split() == ["1", "1"]


def test_outbound_connections_are_blocked_in_tests() -> None:
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect(("192.0.2.1", 80))
