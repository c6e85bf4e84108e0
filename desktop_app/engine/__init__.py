"""The engine: the facade the window, the CLI and the evaluation use, and the types it hands out.

Nothing outside the engine imports below this package's top: everything a
client needs is exported here. No Qt here, ever.
"""

from desktop_app.cancel import CancelToken
from desktop_app.engine.answering.answer import (
    ORIGIN_LABELS,
    STOPPED_BY_LABELS,
    Answer,
    AnswerDone,
    AnswerEvent,
    AnswerPhase,
    AskOptions,
    EmptyLibraryError,
    SourcesFound,
    TokenText,
)
from desktop_app.engine.answering.citations import Citation, page_reference
from desktop_app.engine.answering.conversations import Conversation, Message
from desktop_app.engine.answering.evidence import Evidence
from desktop_app.engine.answering.memory import standalone_query
from desktop_app.engine.answering.prompt import PromptParts
from desktop_app.engine.answering.tasks import TaskTemplate
from desktop_app.engine.documents.compare import Change, Comparison, SectionPair
from desktop_app.engine.documents.compare_aspect import AspectComparison
from desktop_app.engine.documents.compare_markdown import comparison_markdown
from desktop_app.engine.documents.find import (
    DocumentCount,
    FindDone,
    FindHit,
    FindProgress,
    FindQuery,
    count_request,
    hits_csv,
    hits_markdown,
)
from desktop_app.engine.documents.sections import Passage
from desktop_app.engine.documents.summary import SummaryProgress
from desktop_app.engine.facade import Engine
from desktop_app.engine.language import detect_language
from desktop_app.engine.library.collections import RemovalDone, RemovalProgress
from desktop_app.engine.library.doctor import Finding
from desktop_app.engine.library.pages import PageImage
from desktop_app.engine.models.chat import ModelInfo
from desktop_app.engine.models.gguf_info import ModelFileInfo
from desktop_app.engine.models.loading import ModelCheck
from desktop_app.engine.models.lora import ActiveAdapter
from desktop_app.engine.retrieval.search import SearchResult, Source
from desktop_app.engine.settings import (
    APPLY_ADAPTER,
    APPLY_AT_ONCE,
    APPLY_REEMBED,
    APPLY_RELOAD,
    APPLY_RESTART,
    RETRIEVAL_MODES,
    SETTING_SPECS,
    Settings,
    SettingSpec,
)
from desktop_app.engine.shortcuts.curated import FaqEntry
from desktop_app.errors import (
    AppError,
    Cancelled,
    DocumentError,
    InputError,
    ModelError,
    NotFoundError,
    StorageError,
)
from desktop_app.indexer.events import FileFailed, FileIndexed, FileProgress, FileSkipped, FileStarted, IndexEvent
from desktop_app.indexer.formats import PATTERNS as DOCUMENT_PATTERNS
from desktop_app.indexer.pipeline import expand_paths
from desktop_app.indexer.reembed import ReembedProgress
from desktop_app.store.collections import Collection, Scope
from desktop_app.store.library import DocumentRow

__all__ = [
    "AnswerPhase", "EmptyLibraryError",
    "APPLY_ADAPTER", "APPLY_AT_ONCE", "APPLY_REEMBED", "APPLY_RELOAD", "APPLY_RESTART", "ActiveAdapter", "Answer",
    "AnswerDone", "AnswerEvent", "AppError", "AskOptions", "AspectComparison", "CancelToken", "Cancelled", "Change",
    "Citation", "Collection", "Comparison", "Conversation", "DOCUMENT_PATTERNS", "DocumentCount", "DocumentError",
    "DocumentRow", "Engine", "Evidence", "FaqEntry", "FileFailed", "FileIndexed", "FileProgress", "FileSkipped",
    "FileStarted", "FindDone", "FindHit", "FindProgress", "FindQuery", "Finding", "IndexEvent", "InputError", "Message",
    "ModelCheck", "ModelError", "ModelFileInfo", "ModelInfo", "NotFoundError", "ORIGIN_LABELS", "PageImage", "Passage",
    "PromptParts", "RETRIEVAL_MODES", "ReembedProgress", "RemovalDone", "RemovalProgress", "SETTING_SPECS",
    "STOPPED_BY_LABELS", "Scope", "SearchResult", "SectionPair", "SettingSpec", "Settings", "Source", "SourcesFound",
    "StorageError", "SummaryProgress", "TaskTemplate", "TokenText", "comparison_markdown", "count_request",
    "detect_language", "expand_paths", "hits_csv", "hits_markdown", "page_reference", "standalone_query",
]
