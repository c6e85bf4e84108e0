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



class StopCondition:
    """When a generation ends early, and who ended it: the user's token, or an owner of its own.

    The user's ``CancelToken`` is only read, never set, so a stop that the
    engine decides (the safety policy, say) ends this answer alone and leaves
    the caller's token, and every later question, untouched.
    """

    def __init__(self, user: CancelToken) -> None:
        self.user = user
        self.reason = ""

    def stop(self, reason: str) -> None:
        """End the generation for ``reason`` (a short word: "policy")."""
        self.reason = self.reason or reason

    @property
    def cancelled(self) -> bool:
        return self.user.cancelled or bool(self.reason)

    @property
    def stopped_by(self) -> str:
        """This condition's reason if it stopped first, else "user" if the user did, else ""."""
        return self.reason or ("user" if self.user.cancelled else "")
