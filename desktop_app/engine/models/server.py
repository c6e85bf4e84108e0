"""A chat model behind an OpenAI-compatible inference server on the user's own network.

llama.cpp's ``llama-server``, vLLM, Ollama, LM Studio, TGI and llama-cpp-python's
server all speak the OpenAI chat API (``GET /v1/models``, ``POST
/v1/chat/completions`` with server-sent events). Only what a question needs goes
there: the chat messages of its prompt (system prompt, memory, retrieved
passages, quotes and the question). Documents, the index, conversations and
checks stay on this computer; the server's own chat template renders the
messages.

The client is httpx2 (already in the app for the embedding model's hub client),
with ``trust_env`` off so no proxy or environment setting sends the prompt
anywhere but the configured host. Every failure becomes a ``ModelError`` with
one sentence saying what to do; a stream cut in the middle ends the answer
with what arrived (``StopCondition`` reason "server").
"""

from __future__ import annotations

import functools
import json
import logging
import math
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from desktop_app.cancel import CancelToken, StopCondition
from desktop_app.engine.models.chat import Generation, LocalModel
from desktop_app.engine.models.lora import ActiveAdapter
from desktop_app.engine.models.repetition import RepetitionGuard
from desktop_app.errors import ModelError

log = logging.getLogger(__name__)
BYTES_PER_TOKEN_ESTIMATE = 2.5
"""Conservative token estimate where the server has no tokenize endpoint: English runs about 4 bytes a token,
Korean 3 bytes a syllable and 1-1.5 tokens a syllable, so bytes / 2.5 over-counts rather than overflows."""
MESSAGE_OVERHEAD_TOKENS = 8  # role markers and separators a chat template adds around each message
SWITCH_BACK = "or switch to the model file on this computer in Settings > Model"


@dataclass(frozen=True)
class ServerSettings:
    """Where the server is and how to reach it.

    ``url``: its base address ("http://gpu-box:8080", with or without "/v1").
    ``model``: a name from its ``/v1/models`` ("" takes the first it lists).
    ``n_ctx``: the context length to assume when the server does not report one.
    Timeouts in seconds: connecting, and waiting for the first (and each next) piece of the answer.
    """

    url: str
    model: str = ""
    api_key: str = field(default="", repr=False)
    ca_file: str = ""
    n_ctx: int = 4096
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 120.0
    seed: int = 1234

    @property
    def root(self) -> str:
        """The URL without a trailing "/v1" or slash."""
        url = self.url.strip().rstrip("/")
        return url[:-3] if url.endswith("/v1") else url

    @property
    def host(self) -> str:
        """"host:port" of the server, as shown to the user and allowed by the network policy."""
        parts = urlsplit(self.root)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port}"


@dataclass
class ServerPrompt:
    """A prompt for the server: the chat messages, and their size in the server's tokens (``len``)."""

    messages: list[dict[str, str]]
    n_tokens: int

    def __len__(self) -> int:
        return self.n_tokens


class Connection:
    """An HTTP client for one server (``trust_env`` off, the CA file's TLS context), and its error messages."""

    def __init__(self, settings: ServerSettings) -> None:
        import httpx2

        check_url(settings.url)
        self.settings = settings
        timeout = httpx2.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self.http = httpx2.Client(base_url=settings.root, headers=headers, timeout=timeout,
                                  verify=tls_context(settings.ca_file), trust_env=False, follow_redirects=False)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx2

        try:
            response = self.http.request(method, path, **kwargs)
        except httpx2.HTTPError as exc:
            raise self.failure(exc) from exc
        self.check(response)
        try:
            return response.json()
        except ValueError as exc:
            raise ModelError(f"{self.settings.root} answered {path} with something that is not the OpenAI API "
                             f"(not JSON). Check the address, {SWITCH_BACK}.") from exc

    def check(self, response: Any) -> None:
        """Raise the ``ModelError`` for an HTTP error status, read from a streamed response too."""
        status = response.status_code
        if status < 400:
            return
        response.read()
        detail = " ".join(response.text.split())[:160]
        where = self.settings.root
        if status in (401, 403):
            raise ModelError(f"The inference server at {where} refused the API key (HTTP {status}). Enter the key "
                             f"its administrator gave you in Settings > Model, {SWITCH_BACK}.")
        if status == 404:
            raise ModelError(f"The inference server at {where} has no such model or endpoint (HTTP 404: {detail}). "
                             f"Choose one of its models in Settings > Model, {SWITCH_BACK}.")
        if status >= 500:
            raise ModelError(f"The inference server at {where} failed (HTTP {status}: {detail}). Try again later "
                             f"or ask its administrator, {SWITCH_BACK}.")
        raise ModelError(f"The inference server at {where} rejected the request (HTTP {status}: {detail}).")

    def failure(self, exc: Exception) -> ModelError:
        import httpx2

        where = self.settings.root
        if isinstance(exc, httpx2.ConnectTimeout):
            return ModelError(f"The inference server at {where} did not accept a connection within "
                              f"{self.settings.connect_timeout_s:g} s. Check the address and your network, "
                              f"{SWITCH_BACK}.")
        if isinstance(exc, httpx2.ConnectError):
            return ModelError(f"The inference server at {where} cannot be reached ({reason_of(exc)}). Check that "
                              f"it is running and the address is right, {SWITCH_BACK}.")
        if isinstance(exc, httpx2.ReadTimeout):
            return ModelError(f"The inference server at {where} did not answer within "
                              f"{self.settings.read_timeout_s:g} s. It may be busy or stuck; try again, "
                              f"{SWITCH_BACK}.")
        if isinstance(exc, IncompleteStream):
            return ModelError(f"The inference server at {where} ended the answer before it began; the prompt may "
                              "be longer than its context. Lower the Context size or Top-k in settings to match "
                              f"the server, {SWITCH_BACK}.")
        if isinstance(exc, ValueError):
            return ModelError(f"The inference server at {where} sent something that is not the OpenAI API. "
                              f"Check the address, {SWITCH_BACK}.")
        return ModelError(f"The connection to the inference server at {where} failed ({reason_of(exc)}). "
                          f"Try again, {SWITCH_BACK}.")


class ServerModel:
    """The chat model on an inference server, with the interface of ``LocalModel``.

    Construction asks the server for its models (``ModelError`` if it cannot
    be reached, refuses the key, or lacks the named model) and learns the
    context length and a tokenize endpoint where the server offers them.
    """

    template_name = "the server's own"
    adapter: ActiveAdapter | None = None

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.streaming = False
        self._connection = Connection(settings)
        self._http = self._connection.http
        try:
            listed = self._connection.json("GET", "/v1/models")
            self.model_name, info = pick_model(listed, settings)
            self._n_ctx = context_length(info) or self._props_context() or settings.n_ctx
            self._tokenize = self._find_tokenizer()
        except BaseException:
            self._http.close()
            raise
        log.info("using an inference server: context %d, tokenizer %s", self._n_ctx, self._tokenize or "estimate")

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    @property
    def label(self) -> str:
        """What answered, as recorded with each answer: "model at host:port"."""
        return f"{self.model_name} at {self.settings.host}"

    @property
    def token_counting(self) -> str:
        """How prompts are measured: the server's tokenize endpoint, or the stated estimate."""
        return f"the server's {self._tokenize}" if self._tokenize else \
            f"an estimate of one token per {BYTES_PER_TOKEN_ESTIMATE} bytes (the server has no tokenize endpoint)"

    # --- the LocalModel interface --------------------------------------------------
    def count(self, text: str) -> int:
        return self._count(text)

    def render(self, messages: list[dict[str, str]]) -> tuple[ServerPrompt, list[str]]:
        """The messages as they are sent, measured; the server's template brings its own stop tokens."""
        tokens = sum(self._count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages)
        return ServerPrompt(messages, tokens), []

    def stream(
        self, prompt: ServerPrompt, stop: list[str], max_tokens: int, temperature: float,
        cancel: CancelToken | StopCondition,
    ) -> Iterator[str | Generation]:
        """Yield text pieces as the server streams them, then one ``Generation`` summary.

        A set ``cancel`` closes the request at once (servers stop generating
        when the connection goes), as does a loop (``RepetitionGuard``: the
        answer ends before its repeated text). A stream cut in the middle ends the answer
        with what arrived and stops ``cancel`` with reason "server"; a failure
        before the first piece raises ``ModelError``.
        """
        import httpx2

        if self.streaming:
            raise ModelError("The model is busy with another answer. Wait for it to finish, then try again.")
        body: dict[str, Any] = {
            "model": self.model_name, "messages": prompt.messages, "max_tokens": max_tokens,
            "temperature": temperature, "top_p": 0.9, "seed": self.settings.seed, "stream": True,
            "stream_options": {"include_usage": True},
        }
        if stop:
            body["stop"] = stop
        start = time.perf_counter()
        first = 0.0
        pieces: list[str] = []
        count = 0
        usage: dict[str, Any] = {}
        guard = RepetitionGuard()
        finish = "stop"
        self.streaming = True
        try:
            with self._http.stream("POST", "/v1/chat/completions", json=body) as response:
                self._connection.check(response)
                try:
                    for event in server_events(response.iter_lines()):
                        if cancel.cancelled:
                            break
                        usage = event.get("usage") or usage
                        finish = finish_reason(event) or finish
                        if text := delta_text(event):
                            count += 1  # one piece is one token on the servers named above; usage corrects it
                            first = first or time.perf_counter() - start
                            pieces.append(text)
                            if shown := guard.feed(text):
                                yield shown
                        if guard.looped:
                            finish = "repetition"  # leaving the block closes the request: the server stops
                            break
                except (httpx2.TransportError, ValueError) as exc:
                    if not pieces:
                        raise self._connection.failure(exc) from exc
                    log.warning("the inference server's stream broke off: %s", type(exc).__name__)
                    if isinstance(cancel, StopCondition):
                        cancel.stop("server")
        except httpx2.HTTPError as exc:
            raise self._connection.failure(exc) from exc
        finally:
            self.streaming = False
        if tail := guard.flush():
            yield tail
        total = time.perf_counter() - start
        yield Generation(guard.text, int(usage.get("prompt_tokens") or len(prompt)),
                         int(usage.get("completion_tokens") or count), first or total, total, cancel.cancelled,
                         "cancelled" if cancel.cancelled else finish)

    def set_adapter(self, path: Any, scale: float = 1.0) -> ActiveAdapter:
        raise ModelError("A LoRA adapter applies to a model file on this computer; with an inference server, "
                         "load the adapter on the server, or switch to the model file in Settings > Model.")

    def clear_adapter(self) -> None:
        return None

    def close(self) -> None:
        self._http.close()

    # --- the server -------------------------------------------------------------
    def _props_context(self) -> int:
        """llama.cpp's ``llama-server`` reports its context length in ``/props``; 0 elsewhere."""
        try:
            response = self._http.get("/props")
            props = response.json() if response.status_code == 200 else {}
        except Exception:  # any other server: no /props
            return 0
        settings = props.get("default_generation_settings") if isinstance(props, dict) else None
        return int(settings.get("n_ctx") or 0) if isinstance(settings, dict) else 0

    def _find_tokenizer(self) -> str:
        """The path of a tokenize endpoint that answers with tokens ("" when the server has none)."""
        for path in TOKENIZE_PATHS:
            try:
                if self._tokenize_at(path, "hello") > 0:
                    return path
            except Exception:  # not this server's endpoint
                continue
        return ""

    def _tokenize_at(self, path: str, text: str) -> int:
        response = self._http.post(path, json={"input": text, "content": text, "prompt": text,
                                               "model": self.model_name, "add_special": False})
        if response.status_code != 200:
            return -1
        data = response.json()
        if isinstance(data.get("count"), int):
            return int(data["count"])
        tokens = data.get("tokens")
        return len(tokens) if isinstance(tokens, list) else -1

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one model object at a time; the cache goes with it)
    def _count(self, text: str) -> int:
        if not text:
            return 0
        if self._tokenize:
            try:
                counted = self._tokenize_at(self._tokenize, text)
                if counted >= 0:
                    return counted
            except Exception:  # fall back to the estimate for this text
                pass
        return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN_ESTIMATE)


def server_model_names(settings: ServerSettings) -> list[str]:
    """The models the server lists at ``/v1/models``, for choosing one; ``ModelError`` says why it cannot."""
    with Connection(settings) as connection:
        listed = connection.json("GET", "/v1/models")
    return [str(e.get("id", "")) for e in (listed.get("data") or []) if isinstance(e, dict) and e.get("id")]


ChatModel = LocalModel | ServerModel
"""The chat model: a GGUF file run here, or an inference server on the user's network (``model_backend``)."""

TOKENIZE_PATHS = ("/extras/tokenize", "/tokenize")
"""llama-cpp-python's server; llama.cpp's ``llama-server`` and vLLM."""


def check_url(url: str) -> None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelError(f"{url!r} is not a server address. Enter one like http://gpu-box:8080 in Settings > Model.")


def tls_context(ca_file: str) -> ssl.SSLContext | bool:
    """Verification with the system's certificates, plus the organisation's CA file when one is given."""
    if not ca_file:
        return True
    try:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ModelError(f"The CA certificate file {ca_file} cannot be used ({exc}). Choose the PEM file of your "
                         "organisation's certificate authority in Settings > Model.") from exc
    return context


def pick_model(listed: Any, settings: ServerSettings) -> tuple[str, dict[str, Any]]:
    """The configured model (or the first listed) and its entry; ``ModelError`` when it is not there."""
    entries = [e for e in (listed.get("data") if isinstance(listed, dict) else None) or [] if isinstance(e, dict)]
    names = [str(e.get("id", "")) for e in entries]
    if not entries:
        raise ModelError(f"The server at {settings.root} lists no models at /v1/models: it may not be an "
                         f"OpenAI-compatible server. Check the address, {SWITCH_BACK}.")
    if not settings.model:
        return names[0], entries[0]
    if settings.model in names:
        return settings.model, entries[names.index(settings.model)]
    raise ModelError(f"The server at {settings.root} has no model named {settings.model!r}; it offers "
                     f"{', '.join(names[:5])}. Choose one in Settings > Model.")


CONTEXT_FIELDS = ("max_model_len", "context_length", "max_context_length", "n_ctx", "context_window")
"""Where servers put the context length in a /v1/models entry (vLLM, LM Studio, others)."""


def context_length(entry: dict[str, Any]) -> int:
    for holder in (entry, entry.get("meta") or {}):
        for name in CONTEXT_FIELDS:
            value = holder.get(name) if isinstance(holder, dict) else None
            if isinstance(value, int) and value > 0:
                return value
    return 0


class IncompleteStream(ValueError):
    """The stream ended without ``data: [DONE]`` (llama-cpp-python's server does so when the prompt is too long)."""


def server_events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """The JSON payloads of a server-sent event stream, up to ``data: [DONE]``.

    Raises ``ValueError`` for a payload that is not an event, or an error event, and ``IncompleteStream``
    when the stream ends before ``[DONE]``.
    """
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        event = json.loads(data)
        if not isinstance(event, dict):
            raise ValueError("not an event object")
        if "error" in event:
            raise ValueError(str(event["error"])[:200])
        yield event
    raise IncompleteStream("the stream ended before [DONE]")


def delta_text(event: dict[str, Any]) -> str:
    choices = event.get("choices") or []
    if not choices:
        return ""
    delta = choices[0].get("delta") or {}
    return str(delta.get("content") or "")


def finish_reason(event: dict[str, Any]) -> str:
    """The OpenAI ``finish_reason`` of a streamed event ("stop", "length"), or ""."""
    choices = event.get("choices") or []
    return str(choices[0].get("finish_reason") or "") if choices else ""


def reason_of(exc: Exception) -> str:
    text = str(exc).strip()
    return text[:120] if text else type(exc).__name__
