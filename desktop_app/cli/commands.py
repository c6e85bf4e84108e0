"""The command line: the engine facade from a terminal.

Exit codes a script can rely on: 0 done; 1 some files could not be indexed
(for doctor: problems remain);
2 wrong usage; 3 the documents don't cover the question; 4 any other error
(the message says what to do); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import partial
from pathlib import Path

from desktop_app.cli.collections import add_collections_parser, add_scope_arguments, scope_of
from desktop_app.cli.compare import add_compare_parser
from desktop_app.cli.documents import add_summary_parser
from desktop_app.cli.find import add_find_parser
from desktop_app.cli.library import cmd_docs, cmd_index, refresh_library
from desktop_app.cli.terminal import (
    EXIT_ERROR,
    EXIT_FAILED_FILES,
    EXIT_INTERRUPTED,
    EXIT_NOT_COVERED,
    EXIT_OK,
    EXIT_USAGE,
    Progress,
    bar,
    format_size,
    interrupt_cancels,
    print_answer,
    print_citations,
    stream_answer,
)
from desktop_app.cli.watch import register as add_watch_parser
from desktop_app.engine import (
    Answer,
    AppError,
    AskOptions,
    Cancelled,
    CancelToken,
    Engine,
    InputError,
)
from desktop_app.logs import private_files, setup_logging


def cmd_ask(engine: Engine, args: argparse.Namespace) -> int:
    apply_overrides(engine, args)
    options = AskOptions(strict=args.strict)
    scope = scope_of(engine, args)
    answer = stream_answer(engine, args.question, args.conversation, args.json,
                           lambda t: engine.ask(args.question, args.conversation, t, options, scope))
    if not args.json:
        print_speed(answer)
    if answer.stopped and answer.stopped_by == "user":  # Ctrl-C: the partial answer is kept and printed
        return EXIT_INTERRUPTED
    return EXIT_NOT_COVERED if answer.abstained else EXIT_OK


def print_speed(answer: Answer) -> None:
    """The answer's speed on stderr, after the answer: "(first token 1.23 s, 40 tokens/s, conversation 7)"."""
    sys.stdout.flush()
    t = answer.timings
    if answer.origin == "quotes":
        sys.stderr.write(f"(quotes found in {t.get('ttft_s', 0.0):.2f} s, conversation {answer.conversation_id})\n")
    elif "ttft_s" in t and "tokens_per_s" in t:
        sys.stderr.write(f"(first token {t['ttft_s']:.2f} s, {t['tokens_per_s']:.0f} tokens/s, "
                         f"conversation {answer.conversation_id})\n")


def apply_overrides(engine: Engine, args: argparse.Namespace) -> None:
    changes: dict[str, object] = {k: v for k, v in (("top_k", args.top_k), ("retrieval_mode", args.mode))
                                  if v is not None}
    if args.quotes_only:
        changes["quotes_only"] = True
    if changes:
        engine.override_settings(**changes)
    if args.lora:
        active = engine.models.set_adapter(Path(args.lora), args.lora_scale, persist=False)
        sys.stderr.write(f"(adapter {active.label} applied for this run)\n")


def cmd_chat(engine: Engine, args: argparse.Namespace) -> int:
    apply_overrides(engine, args)
    conversation_id = args.conversation
    scope = scope_of(engine, args)
    if conversation_id is None and scope is not None:
        conversation_id = engine.conversations.new("Chat", scope)
    if conversation_id is not None:
        print(f"(searching: {engine.collections.describe(engine.conversations.scope(conversation_id))})")
    last: Answer | None = None
    print("Ask about your documents. /new starts a new conversation, /sources shows the last sources, "
          "/strict answers the last question again more strictly, /lora FILE [SCALE] applies an adapter, "
          "/quit leaves. Ctrl-C stops an answer.")
    while True:
        try:
            line = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return EXIT_OK
        if line in ("/quit", "/exit"):
            return EXIT_OK
        if line.startswith("/lora"):
            chat_adapter(engine, line.split()[1:])
            continue
        if line == "/new":
            conversation_id = engine.conversations.new("Chat", scope) if scope is not None else None
            last = None
            print("(new conversation)")
        elif line == "/strict":
            if conversation_id is None:
                print("(ask a question first)")
                continue
            last = stream_answer(engine, "", conversation_id, False,
                                 partial(engine.regenerate_strictly, conversation_id))
            print_speed(last)
        elif line == "/sources":
            print_citations("Sources:", (last.citations or last.related) if last else [], sys.stdout)
        elif line:
            try:
                last = stream_answer(engine, line, conversation_id, False)
                conversation_id = last.conversation_id
                print_speed(last)
            except Cancelled:
                print("\n[stopped]")
            except AppError as exc:
                print(f"error: {exc}")


def chat_adapter(engine: Engine, words: list[str]) -> None:
    """/lora FILE [SCALE] applies or switches an adapter; /lora off removes it."""
    try:
        if words == ["off"]:
            engine.models.clear_adapter()
            print("(adapter removed)")
        elif words:
            active = engine.models.set_adapter(Path(words[0]), float(words[1]) if len(words) > 1 else 1.0)
            print(f"(adapter {active.label} applied)")
        else:
            print("usage: /lora FILE [SCALE]  or  /lora off")
    except (AppError, ValueError) as exc:
        print(f"error: {exc}")


def cmd_models(engine: Engine, args: argparse.Namespace) -> int:
    if args.action == "list":
        for path, info in engine.models.files():
            if isinstance(info, AppError):
                print(f"{path.name}: unusable: {info}")
            else:
                print(f"{path.name}: {info.architecture}, {info.parameter_count / 1e6:.0f}M parameters, "
                      f"{info.quantization}, context {info.context_length}, "
                      f"{'chat template' if info.has_chat_template else 'no chat template'}, "
                      f"{format_size(info.size_bytes)}  ({path})")
        return EXIT_OK
    if args.action == "info":
        print(json.dumps(engine.models.file_info(Path(args.file)).summary(), indent=2, ensure_ascii=False))
        return EXIT_OK
    check = engine.models.check(Path(args.file), Path(args.adapter) if args.adapter else None)
    print(f"{Path(args.file).name}: a well-formed GGUF {check.info.file_type} ({check.info.architecture}, "
          f"{check.info.quantization})")
    if check.adapter is not None:
        print(f"adapter {check.adapter.name}: matches the model")
    print(f"memory needed at context {engine.settings.n_ctx}: about {format_size(check.memory.total_bytes)}")
    print(f"trial load in a separate process: loaded in {check.trial.load_s:.2f} s, "
          f"{format_size(check.trial.rss_bytes)} resident")
    print(f"GPU: {check.gpu.backend}")
    return EXIT_OK


def cmd_faq(engine: Engine, args: argparse.Namespace) -> int:
    faq = engine.curated
    if args.action == "list":
        for entry in faq.all():
            print(f"{entry.id:>4}  Q: {entry.question}\n      A: {entry.answer}")
    elif args.action == "add":
        print(f"added curated answer {faq.add(args.first, args.second)}")
    elif args.action == "remove":
        faq.remove(int(args.first))
    elif args.action == "import":
        summary = faq.import_file(Path(args.first))
        print(f"{summary.added} added, {summary.updated} updated")
    elif args.action == "export":
        print(f"{faq.export_file(Path(args.first))} curated answers written to {args.first}")
    elif args.action == "clear-cache":
        print(f"{engine.clear_answer_cache()} cached answers forgotten")
    return EXIT_OK


def cmd_eval(engine: Engine, args: argparse.Namespace) -> int:
    """Score retrieval and answers on a questions file over a temporary library (the user's is untouched)."""
    from desktop_app.evaluation.run import run_eval

    progress = Progress(sys.stderr)
    token = CancelToken()
    with interrupt_cancels(token):
        report = run_eval(engine, Path(args.questions), Path(args.docs), tuple(args.modes), args.answer_mode,
                          args.limit, lambda e: progress.status(f"{e.stage} {bar(e.done, e.total)} {e.done}/{e.total}"),
                          token, answers=not args.retrieval_only, judge_model=Path(args.judge) if args.judge else None,
                          without_evidence_too=args.without_evidence_too)
    progress.line("")
    print(report.to_markdown())
    if args.json:
        report.to_json(Path(args.json))
        print(f"\nwritten to {args.json} (re-score it with desktop_app.evaluation.run.rescore)")
    return EXIT_OK


def cmd_task(engine: Engine, args: argparse.Namespace) -> int:
    templates = engine.task_templates()
    if not args.name:
        for template in templates.values():
            print(f"{template.name:>12}  {template.title}  (variables: {', '.join(template.variables)})")
        return EXIT_OK
    malformed = [pair for pair in args.var if "=" not in pair or not pair.split("=", 1)[0].strip()]
    if malformed:
        raise InputError(f"--var takes NAME=VALUE (e.g. --var document=report.pdf), not {malformed[0]!r}.")
    values = {name.strip(): value for name, value in (pair.split("=", 1) for pair in args.var)}
    answer = stream_answer(engine, "", args.conversation, args.json,
                           lambda t: engine.run_task(args.name, values, args.conversation, t))
    if answer.structured is not None and not args.json:
        problems = answer.structured["problems"]
        print("JSON: valid" + (f", but {'; '.join(problems)}" if problems else "") if answer.structured["value"]
              is not None else f"JSON: {'; '.join(problems)}")
    return EXIT_NOT_COVERED if answer.abstained else EXIT_OK


def cmd_conversations(engine: Engine, args: argparse.Namespace) -> int:
    if args.action == "list":
        for c in engine.conversations.all():
            print(f"{c.id:>4}  {c.updated}  {c.title}")
    elif args.action == "show":
        conversation, messages = engine.conversations.get(args.id)
        print(f"# {conversation.title}")
        for m in messages:
            if m.answer is None:
                print(f"\nQ: {m.content}")
                continue
            sys.stdout.write("\nA: ")
            print_answer(m.answer, sys.stdout, streamed=False)
    elif args.action == "export":
        text = engine.conversations.export_markdown(args.id)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
            print(f"exported to {args.output}")
        else:
            print(text)
    elif args.action == "rename":
        engine.conversations.rename(args.id, args.title)
    elif args.action == "delete":
        engine.conversations.delete(args.id)
    return EXIT_OK


def cmd_embedder(engine: Engine, args: argparse.Namespace) -> int:
    if args.action == "show":
        print(engine.library.embedding_model_folder())
        return EXIT_OK
    folder = Path(args.folder).resolve() if args.action == "set" else None
    progress = Progress(sys.stderr)
    token = CancelToken()
    with interrupt_cancels(token):
        for step in engine.library.change_embedding_model(folder, token):
            progress.status(f"re-embedding {bar(step.done, step.total)} {step.done}/{step.total}")
    progress.line(f"embedding model: {engine.library.embedding_model_folder()} "
                  f"({engine.library.chunk_count()} chunks re-embedded)")
    return EXIT_OK


def cmd_doctor(engine: Engine, args: argparse.Namespace) -> int:
    findings = engine.library.doctor(repair=args.repair)
    for f in findings:
        state = "ok" if f.ok else ("repaired" if f.repaired else "PROBLEM")
        print(f"{state:>8}  {f.check}: {f.detail}")
    remaining = [f for f in findings if not f.ok and not f.repaired]
    if remaining and not args.repair:
        print("Run `desktop-app doctor --repair` to rebuild what can be rebuilt from the database.")
    return EXIT_FAILED_FILES if remaining else EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="desktop-app", description="Ask questions about your PDFs, offline.")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="add documents (PDF, DOCX, PPTX, XLSX, HTML, Markdown, text) or folders to "
                                     "the library")
    p.add_argument("paths", nargs="+")
    p.add_argument("--password", help="password for encrypted PDFs")
    p.set_defaults(run=cmd_index)
    p = sub.add_parser("docs", help="list or remove documents")
    p.add_argument("action", nargs="?", default="list", choices=["list", "remove"], help="list (the default) or remove")
    p.add_argument("refs", nargs="*", help="document id, file name or title (for remove: that name only, while the "
                                           "same content is indexed under other names too)")
    p.add_argument("--all-names", action="store_true",
                   help="with remove: remove the document with every name its content was indexed under")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_docs)
    for name, run in (("ask", cmd_ask), ("chat", cmd_chat)):
        p = sub.add_parser(name, help="ask one question" if name == "ask" else "interactive chat with memory")
        if name == "ask":
            p.add_argument("question")
            p.add_argument("--json", action="store_true", help="print the answer as JSON at the end")
            p.add_argument("--strict", action="store_true", help="a stricter prompt: only what the sources say")
        p.add_argument("--quotes-only", action="store_true",
                       help="answer with the sentences from the documents alone, at once, without the model")
        p.add_argument("--conversation", type=int, help="continue this conversation (in its own scope)")
        add_scope_arguments(p)
        p.add_argument("--top-k", type=int)
        p.add_argument("--mode", choices=["hybrid", "bm25", "dense"])
        p.add_argument("--lora", help="apply this LoRA adapter (GGUF) for this run")
        p.add_argument("--lora-scale", type=float, default=1.0, help="the adapter's scale (default 1)")
        p.set_defaults(run=run)
    p = sub.add_parser("eval", help="measure retrieval and answers on a questions file (JSONL) over a folder of PDFs")
    p.add_argument("questions")
    p.add_argument("--docs", required=True, help="the folder of PDFs the questions are about")
    p.add_argument("--json", help="also write every row and the summary to this JSON file")
    p.add_argument("--modes", nargs="+", default=["bm25", "dense", "hybrid"], choices=["bm25", "dense", "hybrid"])
    p.add_argument("--answer-mode", default="hybrid", choices=["bm25", "dense", "hybrid"])
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--retrieval-only", action="store_true", help="skip the answers (much faster)")
    p.add_argument("--judge", help="a GGUF model to grade the answers (LLM-as-judge); none: not graded")
    p.add_argument("--without-evidence-too", action="store_true",
                   help="answer every question again with evidence-first prompting off, to compare in one run")
    p.set_defaults(run=cmd_eval)
    p = sub.add_parser("faq", help="curated answers: list, add Q A, remove ID, import FILE, export FILE; "
                                   "clear-cache forgets cached answers")
    p.add_argument("action", choices=["list", "add", "remove", "import", "export", "clear-cache"])
    p.add_argument("first", nargs="?")
    p.add_argument("second", nargs="?")
    p.set_defaults(run=cmd_faq)
    p = sub.add_parser("task", help="run a task template (no name: list them)")
    p.add_argument("name", nargs="?")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                   help="a template variable, e.g. --var document=report.pdf")
    p.add_argument("--conversation", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_task)
    p = sub.add_parser("models", help="list model files, show one's details, or check that one loads")
    p.add_argument("action", choices=["list", "info", "check"])
    p.add_argument("file", nargs="?", help="a GGUF model or adapter file (for info and check)")
    p.add_argument("--adapter", help="with check: also check this LoRA adapter against the model")
    p.set_defaults(run=cmd_models)
    p = sub.add_parser("doctor", help="check the library (exit 0: all is well) and repair it with --repair")
    p.add_argument("--repair", action="store_true")
    p.set_defaults(run=cmd_doctor)
    p = sub.add_parser("embedder", help="show or change the embedding model (re-embeds the library)")
    p.add_argument("action", choices=["show", "set", "default"])
    p.add_argument("folder", nargs="?", help="a sentence-transformers model folder (for set)")
    p.set_defaults(run=cmd_embedder)
    p = sub.add_parser("conversations", help="list, show, export, rename or delete conversations")
    p.add_argument("action", choices=["list", "show", "export", "rename", "delete"])
    p.add_argument("id", type=int, nargs="?")
    p.add_argument("title", nargs="?")
    p.add_argument("-o", "--output")
    p.set_defaults(run=cmd_conversations)
    add_summary_parser(sub)
    add_find_parser(sub)
    add_compare_parser(sub)
    add_collections_parser(sub)
    add_watch_parser(sub)
    return top


LIBRARY_COMMANDS = ("index", "ask", "chat", "task", "summarise", "summarize", "find", "compare", "watch")
"""They read the library, so it is brought up to date (``refresh_library``) first."""


def failed(args: argparse.Namespace, exc: Exception, status: int) -> int:
    """Say why a command failed on stderr and, for a command asked for JSON output, as one JSON object
    (``{"error": message, "exit": status}``) on stdout, so a program reading it gets an object either way."""
    sys.stderr.write(f"error: {exc}\n")
    if getattr(args, "json", None) is True:
        print(json.dumps({"error": str(exc), "exit": status}, ensure_ascii=False))
    return status


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "conversations" and args.action in ("show", "export", "rename", "delete") and args.id is None:
        parser().error(f"conversations {args.action} needs a conversation id")
    needs = {"add": 2, "remove": 1, "import": 1, "export": 1}
    if args.command == "faq" and [args.first, args.second][: needs.get(args.action, 0)].count(None):
        parser().error(f"faq {args.action} needs {needs[args.action]} argument(s)")
    if args.command == "models" and args.action != "list" and not args.file:
        parser().error(f"models {args.action} needs a GGUF file")
    if args.command == "embedder" and args.action == "set" and not args.folder:
        parser().error("embedder set needs a sentence-transformers model folder")
    if args.command == "docs" and args.action == "remove" and not args.refs:
        parser().error("docs remove needs a document id, file name or title")
    engine: Engine | None = None
    private_files()
    try:
        engine = Engine()
        setup_logging(engine.home)
        if args.command in LIBRARY_COMMANDS:
            refresh_library(engine)
        status = int(args.run(engine, args))
        sys.stdout.flush()  # here, so a reader that stopped early is caught below, not at the interpreter's exit
        return status
    except Cancelled:
        sys.stderr.write("\ncancelled\n")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return EXIT_INTERRUPTED
    except InputError as exc:  # a usage mistake the parser cannot see: an empty question, a missing name
        return failed(args, exc, EXIT_USAGE)
    except BrokenPipeError:  # the output went to a program that stopped reading it (`| head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the last flush cannot fail again
        return EXIT_OK
    except (AppError, ValueError) as exc:
        return failed(args, exc, EXIT_ERROR)
    except OSError as exc:  # an export or output file that cannot be written
        sys.stderr.write(f"error: {exc.filename or 'a file'} could not be written or read ({exc.strerror}); "
                         "choose another path.\n")
        return EXIT_ERROR
    finally:
        if engine is not None:
            engine.close()
