"""The errors a user can see, each with a message that says what to do next."""


class AppError(Exception):
    """Base of every error whose message is meant for the user."""


class InputError(AppError):
    """What the user typed cannot be acted on (an empty question, a missing name); the message says what to type.
    The command line exits with its usage status (2) for it."""


class DocumentError(AppError):
    """A file could not be indexed; ``reason`` is a short machine-readable code."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ModelError(AppError):
    """A model file is missing, broken or cannot be loaded."""


class StorageError(AppError):
    """The library on disk cannot be read or written."""


class NotFoundError(AppError):
    """A document or conversation the user named does not exist."""


class Cancelled(Exception):
    """The user cancelled a long job; callers ignore it silently."""
