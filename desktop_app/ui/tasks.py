"""Run engine work on one worker thread and hand results back to the GUI thread.

The worker thread owns the Engine (model, index, database). Jobs are either
one call (``run``) or a generator of events (``stream``: indexing, answers).
Generator jobs advance one event at a time in turn, so a question asked while
indexing runs is answered between indexing steps. Events are pulled: the
worker queues them, and a GUI timer drains them about 25 times a second,
joining streamed text, so a fast model cannot flood the event loop.
Cancelling sets the job's token; a cancelled job ends silently.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.engine import Cancelled, CancelToken, Engine, TokenText

log = logging.getLogger(__name__)
DRAIN_INTERVAL_MS = 40

OnEvent = Callable[[Any], None]
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


@dataclass(eq=False)
class Job:
    op: Callable[[Engine, CancelToken], Any]
    streaming: bool
    on_event: OnEvent | None
    on_done: OnDone | None
    on_error: OnError | None
    token: CancelToken = field(default_factory=CancelToken)
    events: deque[Any] = field(default_factory=deque)
    result: Any = None
    error: BaseException | None = None
    iterator: Iterator[Any] | None = None

    def cancel(self) -> None:
        self.token.cancel()


def coalesce(events: list[Any]) -> list[Any]:
    """Join runs of streamed text into one event."""
    out: list[Any] = []
    for event in events:
        if isinstance(event, TokenText) and out and isinstance(out[-1], TokenText):
            out[-1] = TokenText(out[-1].text + event.text)
        else:
            out.append(event)
    return out


class TaskManager(QObject):
    _finished = Signal(object)

    def __init__(self, engine_factory: Callable[[], Engine], on_unhandled: OnError) -> None:
        super().__init__()
        self._factory = engine_factory
        self._on_unhandled = on_unhandled
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._active: list[Job] = []
        self._running: set[Job] = set()
        self._engine: Engine | None = None
        self._finished.connect(self._deliver)
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self._drain)
        self._timer.start()
        self._thread = threading.Thread(target=self._loop, name="engine-worker", daemon=True)
        self._thread.start()

    # --- GUI thread ---------------------------------------------------------------
    def run(self, op: Callable[[Engine], Any], on_done: OnDone | None = None,
            on_error: OnError | None = None) -> Job:
        return self._submit(Job(lambda engine, _token: op(engine), False, None, on_done, on_error))

    def stream(self, op: Callable[[Engine, CancelToken], Iterator[Any]], on_event: OnEvent,
               on_done: OnDone | None = None, on_error: OnError | None = None) -> Job:
        return self._submit(Job(op, True, on_event, on_done, on_error))

    def busy(self) -> bool:
        return bool(self._running)

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancel every job, close the engine on its thread, and wait for the worker."""
        for job in list(self._running):
            job.cancel()
        self._queue.put(None)
        self._thread.join(timeout_s)
        self._timer.stop()
        return not self._thread.is_alive()

    def _submit(self, job: Job) -> Job:
        self._running.add(job)
        self._queue.put(job)
        return job

    def _drain(self) -> None:
        for job in list(self._running):
            self._dispatch_events(job)

    def _dispatch_events(self, job: Job) -> None:
        if not job.events or job.on_event is None:
            return
        batch = []
        while job.events:
            batch.append(job.events.popleft())
        for event in coalesce(batch):
            self._call(job.on_event, event)

    def _deliver(self, job: Job) -> None:
        self._dispatch_events(job)
        self._running.discard(job)
        if isinstance(job.error, Cancelled):
            return
        if job.error is not None:
            self._call(job.on_error or self._on_unhandled, job.error)
        elif job.on_done is not None:
            self._call(job.on_done, job.result)

    def _call(self, callback: Callable[[Any], None], value: Any) -> None:
        try:
            callback(value)
        except Exception as exc:  # a bug in a handler must not take the window down
            log.exception("UI handler failed")
            if callback is not self._on_unhandled:
                self._on_unhandled(exc)

    # --- worker thread ------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            try:
                job = self._queue.get(block=not self._active)
            except queue.Empty:
                job = None
            else:
                if job is None:
                    break
            if job is not None:
                self._start(job)
            for active in list(self._active):
                self._step(active)
        self._close_engine()

    def _engine_or_fail(self, job: Job) -> Engine | None:
        if self._engine is None:
            try:
                self._engine = self._factory()
            except Exception as exc:
                self._finish(job, error=exc)
                return None
        return self._engine

    def _start(self, job: Job) -> None:
        engine = self._engine_or_fail(job)
        if engine is None:
            return
        if job.token.cancelled:
            self._finish(job, error=Cancelled())
            return
        try:
            if job.streaming:
                job.iterator = iter(job.op(engine, job.token))
                self._active.append(job)
            else:
                self._finish(job, result=job.op(engine, job.token))
        except BaseException as exc:
            self._finish(job, error=exc)

    def _step(self, job: Job) -> None:
        assert job.iterator is not None
        try:
            job.events.append(next(job.iterator))
        except StopIteration:
            self._active.remove(job)
            self._finish(job)
        except BaseException as exc:
            self._active.remove(job)
            self._finish(job, error=exc)

    def _finish(self, job: Job, result: Any = None, error: BaseException | None = None) -> None:
        job.result, job.error = result, error
        self._finished.emit(job)

    def _close_engine(self) -> None:
        for job in self._active:
            close = getattr(job.iterator, "close", None)
            if close is not None:
                close()
        if self._engine is not None:
            self._engine.close()
