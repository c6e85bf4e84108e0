"""The command line as a script would use it: real subprocesses, exit codes, streamed output, Ctrl-C."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.cli import run_cli, subprocess_env
from support.pdfs import corrupt_pdf, harbour_report

SMALL = ["--top-k", "2"]


def cli(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True,
                          timeout=timeout, env=subprocess_env(home))


def test_index_list_ask_export_and_remove(data_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    harbour_report(folder / "harbour.pdf")
    corrupt_pdf(folder / "broken.pdf")

    run = cli(data_home, "index", str(folder))
    assert run.returncode == 1, run.stderr
    assert "indexed: harbour.pdf: 3 pages" in run.stderr
    assert "failed: broken.pdf is damaged" in run.stderr
    assert "1 indexed, 0 skipped, 1 failed" in run.stderr

    again = cli(data_home, "index", str(folder / "harbour.pdf"))
    assert again.returncode == 0 and "skipped: harbour.pdf: already indexed" in again.stderr

    listed = cli(data_home, "docs", "list", "--json")
    docs = json.loads(listed.stdout)
    assert [d["title"] for d in docs] == ["Harbour Survey Report"]
    assert json.loads(cli(data_home, "docs", "--json").stdout) == docs, "docs alone lists"

    asked = cli(data_home, "ask", "How much silt did the dredging remove?", *SMALL)
    assert asked.returncode == 0, asked.stderr
    assert "Harbour Survey Report, p. 3" in asked.stdout
    assert "Sources:" in asked.stdout or "Related (the answer cites no source):" in asked.stdout

    off_topic = cli(data_home, "ask", "Who won the football world cup in 2014?", *SMALL)
    assert off_topic.returncode == 3
    assert "don't cover this" in off_topic.stdout and "Closest passages (not relevant enough" in off_topic.stdout

    conversations = cli(data_home, "conversations", "list")
    assert conversations.returncode == 0 and "How much silt" in conversations.stdout
    first_id = conversations.stdout.split()[0]
    exported = cli(data_home, "conversations", "export", first_id, "-o", str(tmp_path / "chat.md"))
    assert exported.returncode == 0
    markdown = (tmp_path / "chat.md").read_text()
    assert markdown.startswith("# ") and "p. 3" in markdown

    french = cli(data_home, "ask", "Quel est le modèle de la jauge du Harbour Survey 2031 ?", *SMALL)
    assert french.returncode == 3 and "does not mean the documents are silent" in french.stdout
    assert "Closest passages (in another language than the question):" in french.stdout
    assert "Harbour Survey Report, p. 2" in french.stdout

    removed = cli(data_home, "docs", "remove", "harbour.pdf")
    assert removed.returncode == 0 and "removed: Harbour Survey Report" in removed.stdout
    empty = cli(data_home, "ask", "How much silt?")
    assert empty.returncode == 4 and "library is empty" in empty.stderr


def test_docs_remove_finds_a_name_typed_in_another_unicode_form(data_home: Path, tmp_path: Path) -> None:
    harbour_report(tmp_path / "cafe\u0301\u00a0report.pdf")  # decomposed accent and a no-break space
    assert cli(data_home, "index", str(tmp_path)).returncode == 0
    removed = cli(data_home, "docs", "remove", "café report.pdf")
    assert removed.returncode == 0 and "removed: Harbour Survey Report" in removed.stdout, removed.stderr


def test_usage_errors_exit_with_2(data_home: Path) -> None:
    assert cli(data_home, "conversations", "export").returncode == 2
    assert cli(data_home, "frobnicate").returncode == 2
    for args, message in ((["ask", " "], "The question is empty"), (["ask", "?!…"], "The question has no words"),
                          (["find", ""], "Type the words to find"),
                          (["collections", "create"], "collections create needs a collection name"),
                          (["conversations", "rename", "1"], "A conversation's title cannot be blank"),
                          (["conversations", "rename", "1", "  "], "A conversation's title cannot be blank"),
                          (["task", "summarise", "--var", "foo"], "--var takes NAME=VALUE"),
                          (["task", "summarise"], "The task 'Summarise a document' needs a value for: document")):
        mistake = cli(data_home, *args)  # mistakes only the engine sees, not the argument parser
        assert mistake.returncode == 2 and f"error: {message}" in mistake.stderr, (args, mistake.stderr)
    as_json = cli(data_home, "ask", "--json", "?!")  # a program reading the JSON gets an object either way
    assert as_json.returncode == 2 and json.loads(as_json.stdout) == {
        "error": "The question has no words to search for. Type a question about your documents.", "exit": 2}


def test_output_into_a_reader_that_stops_early_ends_quietly(data_home: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "desktop_app", "docs"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=subprocess_env(data_home))
    assert process.stdout is not None
    process.stdout.close()  # as `desktop-app docs | head -0` does, before a line is written
    _, errors = process.communicate(timeout=300)
    assert process.returncode == 0 and "Broken pipe" not in errors and "Exception" not in errors, errors


def test_ctrl_c_stops_the_answer_and_keeps_the_conversation(data_home: Path, tmp_path: Path) -> None:
    assert cli(data_home, "index", str(harbour_report(tmp_path / "harbour.pdf"))).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "ask", "Describe the harbour survey, the gauges and the dredging.",
         "--top-k", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(data_home),
    )
    assert process.stdout is not None
    first = process.stdout.read(1)  # blocks until the first streamed text arrives
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=120)
    assert time.monotonic() - started < 15, "stopped and exited (including interpreter shutdown) promptly"
    assert process.returncode == 130, err  # interrupted, as an interrupted index or summary exits
    assert first and "[stopped]" in rest
    shown = cli(data_home, "conversations", "show", "1")
    assert "Q: Describe the harbour survey" in shown.stdout and "A: " in shown.stdout
    stored = run_cli(data_home, "conversations", "export", "1").stdout
    assert "Describe the harbour survey" in stored


def test_chat_keeps_one_conversation_until_new(data_home: Path, tmp_path: Path) -> None:
    assert cli(data_home, "index", str(harbour_report(tmp_path / "harbour.pdf"))).returncode == 0
    script = "Which gauge is on the northern breakwater?\n/sources\nWhen was it calibrated?\n/new\n" \
             "How much silt was removed?\n/quit\n"
    run = subprocess.run([sys.executable, "-m", "desktop_app", "chat", "--top-k", "2"], input=script,
                         capture_output=True, text=True, timeout=300, env=subprocess_env(data_home))
    assert run.returncode == 0, run.stderr
    assert "Harbour Survey Report, p. 2" in run.stdout and "(new conversation)" in run.stdout
    speeds = [line for line in run.stderr.splitlines() if line.startswith("(first token ")]
    assert len(speeds) == 3 and all("tokens/s, conversation" in line for line in speeds), run.stderr
    listed = cli(data_home, "conversations", "list").stdout.splitlines()
    assert len(listed) == 2
    first = cli(data_home, "conversations", "show", "1").stdout
    assert "Q: Which gauge" in first and "Q: When was it calibrated?" in first


def test_ask_prints_the_quotes_before_the_answer_and_gives_them_in_json(data_home: Path, tmp_path: Path) -> None:
    cli(data_home, "index", str(harbour_report(tmp_path / "harbour.pdf")))
    question = "How much silt did the dredging of the eastern channel remove?"
    silt = "Dredging of the eastern channel removed 41,500 cubic metres of silt."

    asked = cli(data_home, "ask", question, *SMALL)
    assert asked.returncode == 0, asked.stderr
    quotes, _, answer = asked.stdout.partition("The model's answer, in its own words:")
    assert quotes.startswith("From the documents:") and f"\u201c{silt}\u201d" in quotes
    assert "Harbour Survey Report, p. 3" in quotes and answer.strip()

    data = json.loads(cli(data_home, "ask", question, "--json", *SMALL).stdout)
    top = data["evidence"][0]
    assert {"quote", "document", "page", "page_label", "rects", "score"} <= set(top)
    assert (top["quote"], top["document"], top["page"], top["page_label"]) == (silt, "Harbour Survey Report", 3, "3")
    assert top["rects"] and all(r[0] == 3 for r in top["rects"])
    fresh = json.loads(cli(data_home, "ask", "Which model is the northern breakwater tide gauge?", "--json",
                           *SMALL).stdout)  # a model answer, not replayed from the cache
    assert fresh["given"] and all(g["document_title"] == "Harbour Survey Report" for g in fresh["given"])

    quoted = cli(data_home, "ask", question, "--quotes-only", *SMALL)
    assert quoted.returncode == 0 and f"\u201c{silt}\u201d" in quoted.stdout
    assert "in its own words" not in quoted.stdout and "no model call" in quoted.stdout
    assert "quotes found in" in quoted.stderr

    conversation = cli(data_home, "conversations", "list").stdout.split()[0]
    exported = cli(data_home, "conversations", "export", conversation).stdout
    assert f"> \u201c{silt}\u201d ([1] Harbour Survey Report, p. 3)" in exported
    only = json.loads(cli(data_home, "ask", "Who made the tide gauge on the northern breakwater?", "--quotes-only",
                          "--json", *SMALL).stdout)
    assert only["origin"] == "quotes"
    shown = cli(data_home, "conversations", "show", str(only["conversation_id"])).stdout
    assert shown.count(f"\u201c{only['evidence'][0]['quote']}\u201d") == 1, "its text is its quotes: shown once"
