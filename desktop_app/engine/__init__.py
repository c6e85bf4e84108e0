"""The engine: the facade the window and the CLI use. No Qt here, ever."""

from desktop_app.cancel import CancelToken
from desktop_app.engine.answering import Answer, AnswerDone, AnswerEvent, SourcesFound, TokenText
from desktop_app.engine.citations import Citation
from desktop_app.engine.facade import Engine
from desktop_app.engine.llm import ModelInfo
from desktop_app.engine.pages import PageImage
from desktop_app.engine.prompt import PromptParts
from desktop_app.engine.settings import Settings
from desktop_app.errors import AppError, Cancelled, DocumentError, ModelError, NotFoundError, StorageError
from desktop_app.indexer.events import FileFailed, FileIndexed, FileProgress, FileSkipped, FileStarted, IndexEvent
from desktop_app.indexer.pipeline import expand_paths
from desktop_app.indexer.reembed import ReembedProgress

__all__ = [
    "Answer", "AnswerDone", "AnswerEvent", "AppError", "CancelToken", "Cancelled", "Citation", "DocumentError",
    "Engine", "FileFailed", "FileIndexed", "FileProgress", "FileSkipped", "FileStarted", "IndexEvent",
    "ModelError", "ModelInfo", "NotFoundError", "PageImage", "PromptParts", "ReembedProgress", "Settings",
    "SourcesFound", "StorageError", "TokenText", "expand_paths",
]
