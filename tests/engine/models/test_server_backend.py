"""Answers from a real OpenAI-compatible server on loopback (llama-cpp-python's), and every way it can fail."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine import AnswerDone, Engine, TokenText
from desktop_app.engine.models.chat import LocalModel, ModelSettings
from desktop_app.engine.models.server import ServerModel, ServerSettings
from desktop_app.errors import ModelError
from desktop_app.evaluation.run import run_eval
from support.answers import final
from support.cli import run_cli
from support.library import index_all
from support.llama_server import ServerInfo, bundled_chat_model, llama_server, llama_server_factory  # noqa: F401
from support.pdfs import harbour_report

QUESTION = "Which model is the northern breakwater tide gauge?"


@pytest.fixture
def served(engine: Engine, llama_server: ServerInfo, tmp_path: Path) -> Engine:  # noqa: F811
    """The test engine with a document indexed, answering through the session's server."""
    indexed, failed = index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    assert indexed and not failed
    engine.update_settings(model_backend="server", server_url=llama_server.url, max_answer_tokens=48)
    return engine


def test_question_and_follow_up_are_answered_by_the_server(served: Engine, llama_server: ServerInfo) -> None:  # noqa: F811
    answer = final(served.ask(QUESTION))
    assert answer.model.endswith(f"at 127.0.0.1:{llama_server.port}")
    assert answer.completion_tokens > 0 and answer.text.strip() and not answer.stopped
    assert answer.evidence and "TG-7" in answer.evidence[0].quote
    follow = final(served.ask("When was it calibrated?", answer.conversation_id))
    assert follow.conversation_id == answer.conversation_id and follow.completion_tokens > 0
    info = served.models.info()
    assert info.path == llama_server.url and info.n_ctx == llama_server.n_ctx


def test_stop_closes_the_request_and_the_next_question_is_answered(served: Engine) -> None:
    served.update_settings(max_answer_tokens=256)
    token = CancelToken()
    events = []
    for event in served.ask(QUESTION, cancel=token):
        events.append(event)
        if isinstance(event, TokenText):
            token.cancel()
    answer = next(e.answer for e in events if isinstance(e, AnswerDone))
    assert answer.stopped and answer.stopped_by == "user" and answer.completion_tokens <= 3
    again = final(served.ask("How much silt was removed from the eastern channel?"))
    assert again.completion_tokens > 0 and not again.stopped


def test_prompts_are_measured_in_the_servers_own_tokens(llama_server: ServerInfo) -> None:  # noqa: F811
    server = ServerModel(ServerSettings(llama_server.url, n_ctx=1536))
    local = LocalModel(ModelSettings(path=bundled_chat_model(), n_ctx=512))
    try:
        text = "The northern breakwater gauge is model TG-7; 항만 관리자는 화요일에 점검했다."
        assert server.count(text) == local.count(text) > 10
        assert server.token_counting.startswith("the server's")
        assert server.n_ctx == 1536, "llama-cpp-python's server does not report its context: the setting is used"
    finally:
        server.close()
        local.close()


def test_a_wrong_api_key_is_one_clear_message(engine: Engine, llama_server_factory) -> None:  # noqa: F811
    server = llama_server_factory(api_key="right-key")
    engine.update_settings(model_backend="server", server_url=server.url, server_api_key="wrong-key")
    with pytest.raises(ModelError, match="refused the API key"):
        engine.models.info()
    engine.update_settings(server_api_key="right-key")
    assert engine.models.info().path == server.url


def test_an_unknown_model_name_lists_what_the_server_has(llama_server: ServerInfo) -> None:  # noqa: F811
    with pytest.raises(ModelError, match="has no model named 'nope'; it offers"):
        ServerModel(ServerSettings(llama_server.url, model="nope"))


def test_a_server_that_is_not_running_is_one_clear_message() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ModelError, match="cannot be reached.*switch to the model file"):
        ServerModel(ServerSettings(f"http://127.0.0.1:{port}"))


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers: a stuck server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_server_that_never_answers_times_out_with_a_message(silent_server: str) -> None:
    with pytest.raises(ModelError, match=r"did not answer within 0\.5 s"):
        ServerModel(ServerSettings(silent_server, read_timeout_s=0.5))


def test_a_server_killed_mid_answer_keeps_what_arrived(engine: Engine, llama_server_factory,  # noqa: F811
                                                       tmp_path: Path) -> None:
    server = llama_server_factory()
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    engine.update_settings(model_backend="server", server_url=server.url, max_answer_tokens=400)
    pieces: list[str] = []
    answer = None
    for event in engine.ask("Describe the harbour survey, its gauges and the dredging in detail."):
        if isinstance(event, TokenText):
            pieces.append(event.text)
            if len(pieces) == 3:
                server.crash()
        elif isinstance(event, AnswerDone):
            answer = event.answer
    assert answer is not None and answer.stopped and answer.stopped_by == "server"
    assert len(pieces) >= 3 and answer.text.strip()
    with pytest.raises(ModelError, match="cannot be reached"):
        final(engine.ask("When was the gauge calibrated?", answer.conversation_id))
    _, messages = engine.conversations.get(answer.conversation_id)
    kept = [m.content for m in messages]
    assert answer.text.strip() in kept, "the partial answer is stored with its conversation"


def test_the_environment_points_one_command_line_run_at_the_server(tmp_path: Path, llama_server: ServerInfo,  # noqa: F811
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    assert run_cli(home, "index", str(harbour_report(tmp_path / "harbour.pdf"))).returncode == 0
    monkeypatch.setenv("DESKTOP_APP_SERVER_URL", llama_server.url)
    done = run_cli(home, "ask", "--json", QUESTION)
    assert done.returncode in (0, 3), done.stderr
    data = json.loads(done.stdout[done.stdout.index("{"):])
    assert data["model"].endswith(f"at 127.0.0.1:{llama_server.port}") and data["completion_tokens"] > 0
    monkeypatch.delenv("DESKTOP_APP_SERVER_URL")
    local = json.loads((done := run_cli(home, "ask", "--json", QUESTION)).stdout[done.stdout.index("{"):])
    assert local["model"].endswith(".gguf")


def test_a_prompt_longer_than_the_servers_context_is_one_clear_message(llama_server: ServerInfo) -> None:  # noqa: F811
    model = ServerModel(ServerSettings(llama_server.url, n_ctx=8192))  # the setting overstates the server's 2048
    try:
        prompt, stop = model.render([{"role": "user", "content": "The gauge reads high. " * 700}])
        assert len(prompt) > llama_server.n_ctx
        with pytest.raises(ModelError, match="ended the answer before it began"):
            list(model.stream(prompt, stop, 16, 0.0, CancelToken()))
    finally:
        model.close()


def test_answering_through_the_server_connects_to_its_address_only(served: Engine, llama_server: ServerInfo,  # noqa: F811
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    connected: list[object] = []
    guarded = socket.socket.connect

    def record(self: socket.socket, address: object) -> None:
        connected.append(address)
        guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", record)
    answer = final(served.ask(QUESTION))
    follow = final(served.ask("When was it calibrated?", answer.conversation_id))
    assert answer.completion_tokens > 0 and follow.completion_tokens > 0
    network = {a[:2] for a in connected if isinstance(a, tuple)}
    assert network == {("127.0.0.1", llama_server.port)}, network


def test_a_task_and_an_evaluation_run_through_the_server(served: Engine, llama_server: ServerInfo,  # noqa: F811
                                                         tmp_path: Path) -> None:
    summary = final(served.run_task("summarise", {"document": "harbour.pdf"}))  # every part, through the server
    assert summary.origin_details["method"] == "model" and summary.model.endswith(f"127.0.0.1:{llama_server.port}")
    figures = final(served.run_task("key_figures", {"document": "harbour.pdf"}))
    assert figures.completion_tokens > 0 and figures.model.endswith(f"127.0.0.1:{llama_server.port}")
    docs = tmp_path / "docs"
    docs.mkdir()
    harbour_report(docs / "harbour.pdf")
    questions = tmp_path / "questions.jsonl"
    rows = [{"id": "Q1", "lang": "en", "doc": "harbour.pdf", "page": 2, "pages": [2], "kind": "factual",
             "question": QUESTION, "must_contain": ["TG-7"], "answerable": True, "follows": None},
            {"id": "Q2", "lang": "en", "doc": "harbour.pdf", "page": 2, "pages": [2], "kind": "followup",
             "question": "And how much do its readings drift?", "must_contain": ["3 millimetres"],
             "answerable": True, "follows": "Q1"}]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = run_eval(served, questions, docs, modes=["hybrid"])
    assert [r.asked for r in report.rows] == [True, True]
    assert all(r.completion_tokens > 0 or r.abstained for r in report.rows)
    assert "server_api_key" not in report.settings


class OddServer(BaseHTTPRequestHandler):
    """Answers every request with the status and body the test class sets."""

    status = 500
    body = b'{"error": "out of memory"}'

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html" if self.body.startswith(b"<") else "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.mark.parametrize(("status", "body", "said"), [
    (500, b'{"error": "out of memory"}', r"failed \(HTTP 500: \{\"error\": \"out of memory\"\}\)"),
    (404, b"not here", r"no such model or endpoint \(HTTP 404"),
    (200, b"<html>router login</html>", "is not the OpenAI API"),
])
def test_a_failing_or_foreign_server_is_one_clear_message(status: int, body: bytes, said: str) -> None:
    handler = type("Handler", (OddServer,), {"status": status, "body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(ModelError, match=said):
            ServerModel(ServerSettings(f"http://127.0.0.1:{server.server_address[1]}"))
    finally:
        server.shutdown()
        server.server_close()
