"""Threads from the cores other programs leave free, chosen again before each answer."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine.models.chat import Generation, LocalModel, ModelSettings
from desktop_app.engine.models.files import locate
from desktop_app.engine.models.threads import CpuMonitor, busy_elsewhere, cores, free_threads

BUSY_LOOP = "import time\nend = time.time() + 30\nwhile time.time() < end:\n    pass\n"


@pytest.fixture
def busy_core() -> Iterator[subprocess.Popen[bytes]]:
    """Another program keeping one core busy (a Python loop), for up to 30 s."""
    process = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_a_core_counts_as_taken_once_others_use_a_quarter_of_it() -> None:
    assert free_threads(2, 0.0) == 2 and free_threads(2, 0.2) == 2
    assert free_threads(2, 0.3) == 1 and free_threads(2, 1.0) == 1
    assert free_threads(2, 2.0) == 1, "never fewer than one"
    assert free_threads(8, 1.3) == 6


def test_a_program_keeping_a_core_busy_is_seen_and_its_core_left_alone(busy_core: subprocess.Popen[bytes]) -> None:
    if cores() < 2:
        pytest.fail("these tests need at least 2 cores")
    import time

    time.sleep(0.3)  # the loop has started
    assert busy_elsewhere(0.3) >= 0.7
    assert free_threads() <= cores() - 1


def test_the_monitor_knows_the_last_seconds_load_without_waiting(busy_core: subprocess.Popen[bytes]) -> None:
    import time

    monitor = CpuMonitor(interval=0.25, window=1.0)
    try:
        time.sleep(1.2)
        started = time.perf_counter()
        elsewhere = monitor.busy_elsewhere()
        assert time.perf_counter() - started < 0.05, "read at once"
        assert elsewhere is not None and elsewhere >= 0.7
        assert monitor.free_threads() <= cores() - 1
    finally:
        monitor.stop()


def test_the_model_takes_the_free_cores_before_each_answer(tmp_path: Path, busy_core: subprocess.Popen[bytes],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    model = LocalModel(ModelSettings(path=locate("chat", tmp_path), n_ctx=512))
    try:
        assert model.threads == cores()
        tokens, stop = model.render([{"role": "user", "content": "Say hello."}])
        pieces = list(model.stream(tokens, stop, 4, 0.0, CancelToken()))
        assert isinstance(pieces[-1], Generation) and pieces[-1].completion_tokens > 0
        assert model.threads <= cores() - 1, "a busy core is left to the program using it"
        monkeypatch.setattr(model._monitor, "free_threads", lambda: 2)
        again = list(model.stream(tokens, stop, 4, 0.0, CancelToken()))
        assert model.threads == 2, "chosen again before the next answer"
        last, first = again[-1], pieces[-1]
        assert isinstance(last, Generation) and isinstance(first, Generation)
        assert last.text == first.text, "the same greedy answer with another thread count"
        fixed = LocalModel(ModelSettings(path=locate("chat", tmp_path), n_ctx=512, n_threads=1))
        try:
            list(fixed.stream(tokens, stop, 2, 0.0, CancelToken()))
            assert fixed.threads == 1, "a thread count set in settings is kept"
        finally:
            fixed.close()
    finally:
        model.close()
