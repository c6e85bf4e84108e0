"""How many threads llama.cpp computes with: the cores that other programs leave free.

llama.cpp splits each matrix product evenly between its threads and waits for the slowest, so a thread on
a core another program keeps busy stalls all the others: on 2 cores with one kept busy, generation with 2
threads ran at 22 tokens/s against 37 with 1 (benchmarks/threads.py measures it on the machine at hand).
The choice is made again before each answer, from the CPU time other processes took in the last seconds
(``CpuMonitor``, a thread that reads the counters twice a second, so the answer waits for nothing).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from typing import Any

log = logging.getLogger(__name__)

SAMPLE_S = 0.1
"""How long the CPU is watched before an answer (seconds); 100 ticks/s gives 10 ticks a core."""
BUSY_SHARE = 0.25
"""A core counts as taken once other processes use more than this share of one."""
BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "steal", "interrupt", "dpc")
"""The busy parts of ``psutil.cpu_times`` on Linux and Windows (guest time is inside user time)."""


def cores() -> int:
    """The logical CPUs this process may run on (its affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def counters(process: Any) -> tuple[float, float]:
    """CPU seconds so far: busy on the whole system (``psutil.cpu_times``, ``BUSY_FIELDS``, all cores) and
    used by ``process`` (a ``psutil.Process``)."""
    import psutil

    system, own = psutil.cpu_times(), process.cpu_times()
    return float(sum(getattr(system, name, 0.0) for name in BUSY_FIELDS)), float(own.user + own.system)


def busy_elsewhere(sample_s: float = SAMPLE_S) -> float:
    """How many cores other processes kept busy during ``sample_s`` seconds (0.0 to ``cores()``, a float):
    the system's busy time less this process's own (``counters``), over the interval."""
    import psutil

    me = psutil.Process()
    (busy, own), started = counters(me), time.perf_counter()
    time.sleep(sample_s)
    busy_now, own_now = counters(me)
    return max(0.0, ((busy_now - busy) - (own_now - own)) / max(time.perf_counter() - started, 1e-6))


def free_threads(total: int | None = None, elsewhere: float | None = None) -> int:
    """Threads for llama.cpp: the cores less those other processes keep busy (``BUSY_SHARE``), at least 1.

    ``total``: the cores (default ``cores()``); ``elsewhere``: cores busy elsewhere (default: measured now
    by ``busy_elsewhere``, which takes ``SAMPLE_S``).
    """
    total = total or cores()
    if elsewhere is None:
        try:
            elsewhere = busy_elsewhere()
        except (OSError, ImportError, AttributeError) as exc:  # no /proc, a sandbox: use every core
            log.debug("CPU load could not be read (%s); using %d threads", exc, total)
            return total
    taken = max(0, math.ceil(elsewhere - BUSY_SHARE))
    return max(1, total - taken)


class CpuMonitor:
    """Reads the system's and this process's CPU time every ``interval`` seconds on a daemon thread, so
    ``busy_elsewhere`` can tell at once how many cores other processes kept busy over the last ``window``
    seconds. ``stop`` ends the thread."""

    def __init__(self, interval: float = 0.5, window: float = 2.0) -> None:
        import psutil

        self.interval = interval
        self.window = window
        self._process = psutil.Process()
        self._samples: deque[tuple[float, float, float]] = deque(maxlen=max(2, int(window / interval) + 2))
        self._stopped = threading.Event()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="cpu-monitor", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        self._samples.append((time.monotonic(), *counters(self._process)))

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self._sample()
            except (OSError, AttributeError):
                return

    def busy_elsewhere(self) -> float | None:
        """Cores other processes kept busy from the oldest sample within ``window`` seconds until now; None
        while the samples span less than ``interval`` (just started)."""
        now = time.monotonic()
        samples = list(self._samples)
        start = next((s for s in samples if now - s[0] <= self.window + self.interval), samples[0])
        elapsed = now - start[0]
        if elapsed < self.interval:
            return None
        try:
            busy, own = counters(self._process)
        except (OSError, AttributeError):
            return None
        return max(0.0, ((busy - start[1]) - (own - start[2])) / elapsed)

    def free_threads(self) -> int:
        """``free_threads`` from the last seconds' load (a 0.1 s sample if the monitor has just started)."""
        return free_threads(elsewhere=self.busy_elsewhere())

    def stop(self) -> None:
        self._stopped.set()
