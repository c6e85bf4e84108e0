"""How many threads llama.cpp computes with: the cores that other programs leave free.

llama.cpp splits each matrix product evenly between its threads and waits for the slowest, so a thread on
a core another program keeps busy stalls all the others: on 2 cores with one kept busy, generation with 2
threads ran at 22 tokens/s against 37 with 1 (benchmarks/threads.py measures it on the machine at hand).
The choice is made again before each answer, from a short sample of the CPU time other processes take.
"""

from __future__ import annotations

import logging
import math
import os
import time

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


def busy_elsewhere(sample_s: float = SAMPLE_S) -> float:
    """How many cores other processes kept busy during ``sample_s`` seconds (0.0 to ``cores()``, a float).

    System-wide busy time (``psutil.cpu_times``, ``BUSY_FIELDS``) less this process's own CPU time in the
    same interval.
    """
    import psutil

    me = psutil.Process()

    def busy() -> float:
        times = psutil.cpu_times()
        return float(sum(getattr(times, name, 0.0) for name in BUSY_FIELDS))

    def own() -> float:
        times = me.cpu_times()
        return float(times.user + times.system)

    start, own_start, started = busy(), own(), time.perf_counter()
    time.sleep(sample_s)
    elapsed = time.perf_counter() - started
    others = (busy() - start) - (own() - own_start)
    return max(0.0, others / max(elapsed, 1e-6))


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
