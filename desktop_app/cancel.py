"""A flag shared between the code that starts a job and the code that runs it."""

import threading

from desktop_app.errors import Cancelled


class CancelToken:
    """Set from any thread; checked by the engine between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

