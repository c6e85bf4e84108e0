"""Answer speed: Engine.ask against raw llama-cpp-python on the identical prompt tokens; first turn vs follow-up.

    .venv/bin/python benchmarks/answer_speed.py [--repeats 3] [--question ID] [--pairs ID,ID;ID,ID]
        [--server [--server-only] [--server-repeats 5]]

Indexes the corpus into a temporary library (default settings, temperature 0
so both sides generate the same tokens; curated answers and the answer cache off,
so every timed turn reaches the model). The engine's prompt tokens are
captured at ``LocalModel.stream`` (what answering passes to llama.cpp after
``render``); a fresh ``llama_cpp.Llama`` with the same model file (the Q8_0 copy the engine runs, ``cpu_copy``), n_ctx,
threads and batch then runs ``create_completion`` on exactly those tokens with
the same sampling parameters. Both KV caches are cleared before each timed
first turn, and the order alternates between repeats. The follow-up part asks
a question and its follow-up in one conversation: the follow-up's prompt
shares a prefix with the first turn's, which llama.cpp reuses from its KV
cache; the raw model's cold time on the follow-up's tokens shows what that
reuse saves; "reused" counts the prompt tokens found in the KV cache when the
follow-up's stream starts. Every dev question pair (a question and the follow-up
that refers to it) is measured; the follow-up/first ratio is per pair, then the
median over pairs. Medians of the repeats. Writes benchmarks/results/answer_speed.json.

``--server`` adds the inference-server section: the chat messages the engine
rendered for the question are answered three ways, interleaved (the order
rotates each repeat) so noise hits all alike: (1) in process, ``LocalModel``
render + stream (the engine's loaded model, KV cache cleared); (2)
llama-cpp-python's own server on 127.0.0.1 (``running_server`` from
tests/support/llama_server.py, the same model file, n_ctx, threads, batch and
seed) through ``ServerModel`` render + stream, its token-count cache cleared so
render asks the server's tokenize endpoint as for a new question; (3) the same
request body ServerModel sends (messages, max_tokens, temperature 0, top_p,
seed), POSTed to /v1/chat/completions with a bare httpx2 client and its
server-sent events read directly. Before each server call an untimed one-token
request with another prompt empties the server's KV-cache prefix, so every
call evaluates the whole prompt. TTFT runs from before render (before the POST
for the direct request) to the first text; tokens/s is (tokens - 1) / (total -
TTFT). One untimed warm-up of each way comes first. The ratio ServerModel TTFT
/ direct TTFT is the client's overhead (target <= 1.05); the best (minimum)
TTFTs are shown too, as the machine's load can stretch single calls by 2-3x.
``--server-only`` skips the engine/raw and follow-up parts (one untimed engine
turn still builds the messages).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench_common import CORPUS, QUESTIONS, md_table, median, write_results

from desktop_app.engine import AnswerDone, Engine, Settings
from desktop_app.engine.models.server import delta_text, server_events
from desktop_app.evaluation.run import load_questions


class Capture:
    """Wraps the loaded model's ``render`` and ``stream`` to keep the messages, tokens and stop strings of a turn."""

    def __init__(self, model: Any) -> None:
        self.tokens: list[int] = []
        self.stop: list[str] = []
        self.messages: list[dict[str, str]] = []
        self.reused = 0
        original = model.stream
        original_render = model.render

        def render(messages: list[dict[str, str]]) -> Any:
            self.messages = [dict(m) for m in messages]
            return original_render(messages)

        def stream(tokens: list[int], stop: list[str], *args: Any, **kwargs: Any) -> Iterator[Any]:
            self.tokens, self.stop = list(tokens), list(stop)
            llm = model._llm
            self.reused = common_prefix(list(llm.input_ids[:llm.n_tokens]), self.tokens)
            yield from original(tokens, stop, *args, **kwargs)

        model.stream = stream
        model.render = render


def ask(engine: Engine, question: str, conversation: int | None = None) -> Any:
    for event in engine.ask(question, conversation):
        if isinstance(event, AnswerDone):
            return event.answer
    raise RuntimeError("no answer")


def raw_completion(llm: Any, tokens: list[int], stop: list[str], settings: Settings, seed: int) -> dict[str, Any]:
    """The same call ``LocalModel.stream`` makes, timed the same way."""
    started = time.perf_counter()
    first = 0.0
    count, pieces = 0, []
    for chunk in llm.create_completion(prompt=tokens, max_tokens=settings.max_answer_tokens,
                                       temperature=settings.temperature, top_p=0.9, repeat_penalty=1.1, stop=stop,
                                       stream=True, seed=seed):
        count += 1
        text = chunk["choices"][0]["text"]
        if text:
            first = first or time.perf_counter() - started
            pieces.append(text)
    total = time.perf_counter() - started
    return {"ttft_s": first or total, "tokens": count, "tokens_per_s": max(count - 1, 0) / max(total - first, 1e-9),
            "text": "".join(pieces).strip()}


def engine_turn(engine: Engine, capture: Capture, question: str, conversation: int | None = None) -> dict[str, Any]:
    answer = ask(engine, question, conversation)
    t = answer.timings
    return {"ttft_s": t.get("ttft_s"), "generation_ttft_s": t.get("generation_ttft_s"),
            "tokens_per_s": t.get("tokens_per_s"), "tokens": answer.completion_tokens,
            "text": answer.withheld or answer.text,  # the model's own words, also when the answer check withheld them
            "abstained": answer.abstained,
            "prompt_tokens": list(capture.tokens), "stop": list(capture.stop), "conversation": answer.conversation_id,
            "reused_tokens": capture.reused,
            "messages": list(capture.messages)}


def common_prefix(a: list[int], b: list[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def first_turns(engine: Engine, capture: Capture, llm: Any, question: str, repeats: int) -> list[dict[str, Any]]:
    runs = []
    for rep in range(repeats):
        order = ["engine", "raw"] if rep % 2 == 0 else ["raw", "engine"]
        run: dict[str, Any] = {}
        for side in order:
            if side == "engine":
                engine._rt.model._forget_cache()  # the documented way to clear the KV cache (it is private)
                run["engine"] = engine_turn(engine, capture, question)
            else:
                # repeat 0 starts with the engine, so an earlier engine run always has the tokens
                tokens = (run if "engine" in run else runs[-1])["engine"]["prompt_tokens"]
                llm.reset()
                run["raw"] = raw_completion(llm, tokens, capture.stop, engine.settings, engine._rt.model.settings.seed)
                run["raw_prompt_tokens"] = tokens
        runs.append(run)
    return runs


def follow_ups(engine: Engine, capture: Capture, llm: Any, pair: tuple[str, str], repeats: int,
               name: str) -> list[dict[str, Any]]:
    runs = []
    for _ in range(repeats):
        engine._rt.model._forget_cache()
        first = engine_turn(engine, capture, pair[0])
        follow = engine_turn(engine, capture, pair[1], first["conversation"])
        llm.reset()
        cold = raw_completion(llm, follow["prompt_tokens"], follow["stop"], engine.settings,
                              engine._rt.model.settings.seed)
        runs.append({"pair": name, "first": first, "follow": follow, "raw_cold_follow": cold,
                     "shared_prefix": common_prefix(first["prompt_tokens"], follow["prompt_tokens"])})
    return runs


def pair_summary(pair: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians for one question pair: first turn and follow-up, and the follow-up's prompt from a cold cache."""
    first = median(known([r["first"]["ttft_s"] for r in runs]))
    follow = median(known([r["follow"]["ttft_s"] for r in runs]))
    return {"pair": pair, "first_turn_ttft_s": first, "follow_up_ttft_s": follow,
            "follow_up_raw_cold_ttft_s": median(known([r["raw_cold_follow"]["ttft_s"] for r in runs])),
            "first_turn_prompt_tokens": len(runs[0]["first"]["prompt_tokens"]),
            "follow_up_prompt_tokens": len(runs[0]["follow"]["prompt_tokens"]),
            "shared_prefix_tokens": runs[0]["shared_prefix"], "reused_tokens": runs[0]["follow"]["reused_tokens"],
            "ratio": follow / first}


def known(values: list[float | None]) -> list[float]:
    """Values that were measured: a turn that streamed no text (or abstained) has no time to first token."""
    return [v for v in values if v is not None]


def summary(first: list[dict[str, Any]], follow: list[dict[str, Any]]) -> dict[str, Any]:
    med = {
        "engine_ttft_s": median(known([r["engine"]["ttft_s"] for r in first])),
        "engine_generation_ttft_s": median(known([r["engine"]["generation_ttft_s"] for r in first])),
        "raw_ttft_s": median(known([r["raw"]["ttft_s"] for r in first])),
        "engine_tokens_per_s": median(known([r["engine"]["tokens_per_s"] for r in first])),
        "raw_tokens_per_s": median(known([r["raw"]["tokens_per_s"] for r in first])),
        "prompt_tokens": len(first[0]["engine"]["prompt_tokens"]),
        "answer_tokens": [r["engine"]["tokens"] for r in first] + [r["raw"]["tokens"] for r in first],
        "identical_prompt_tokens": all(r["raw_prompt_tokens"] == r["engine"]["prompt_tokens"] for r in first),
        "identical_text": all(r["raw"]["text"] == r["engine"]["text"] for r in first),
        "pairs": [pair_summary(pair, [r for r in follow if r["pair"] == pair])
                  for pair in dict.fromkeys(r["pair"] for r in follow)],
        "turns_without_text": sum(1 for r in first + follow for part in r.values()
                                  if isinstance(part, dict) and part.get("ttft_s") is None),
    }
    med["ttft_ratio_engine_over_raw"] = med["engine_ttft_s"] / med["raw_ttft_s"]
    med["generation_ttft_ratio_engine_over_raw"] = med["engine_generation_ttft_s"] / med["raw_ttft_s"]
    med["tokens_per_s_ratio_engine_over_raw"] = med["engine_tokens_per_s"] / med["raw_tokens_per_s"]
    return med


def print_tables(s: dict[str, Any], repeats: int) -> None:
    print(f"Engine.ask vs raw llama-cpp-python, identical prompt ({s['prompt_tokens']} tokens; identical: "
          f"{s['identical_prompt_tokens']}; same answer text: {s['identical_text']}), median of {repeats}\n")
    print(md_table(["measure", "Engine.ask", "raw Llama", "ratio engine/raw"], [
        ["time to first token, from the question (s)", s["engine_ttft_s"], s["raw_ttft_s"],
         s["ttft_ratio_engine_over_raw"]],
        ["time to first token, model call only (s)", s["engine_generation_ttft_s"], s["raw_ttft_s"],
         s["generation_ttft_ratio_engine_over_raw"]],
        ["generation speed (tokens/s)", s["engine_tokens_per_s"], s["raw_tokens_per_s"],
         s["tokens_per_s_ratio_engine_over_raw"]],
    ]))
    print(f"\nFirst turn vs follow-up in one conversation, median of {repeats}\n")
    print(md_table(["pair", "first turn: prompt tokens / TTFT (s)", "follow-up: prompt tokens / reused / TTFT (s)",
                    "follow-up prompt, cold cache: TTFT (s)", "follow-up / first"], [
        [p["pair"], f"{p['first_turn_prompt_tokens']} / {p['first_turn_ttft_s']:.2f}",
         f"{p['follow_up_prompt_tokens']} / {p['reused_tokens']} / {p['follow_up_ttft_s']:.2f}",
         p["follow_up_raw_cold_ttft_s"], p["ratio"]] for p in s["pairs"]]))
    print(f"\nfollow-up / first turn TTFT, median over pairs: {median([p['ratio'] for p in s['pairs']]):.2f} "
          "(target <= 0.5)")


# --- the inference-server section (--server) -------------------------------------------------------------------
FLUSH_MESSAGES = [{"role": "system", "content": "Flush."}, {"role": "user", "content": "Say yes."}]
"""An untimed request with another prompt before each server call: the server's KV cache then shares at most the
template's first tokens with the timed prompt, as the in-process model's cleared cache shares none."""


def rates(ttft: float, total_from_first_call: float, tokens: int) -> float:
    return max(tokens - 1, 0) / max(total_from_first_call - ttft, 1e-9)


def model_way(model: Any, messages: list[dict[str, str]], max_tokens: int) -> dict[str, Any]:
    """``render`` + ``stream`` as answering calls them, timed from before render to the first text."""
    from desktop_app.cancel import CancelToken
    from desktop_app.engine.models.chat import Generation

    started = time.perf_counter()
    prompt, stop = model.render(messages)
    rendered = time.perf_counter() - started
    first = 0.0
    gen: Any = None
    for piece in model.stream(prompt, stop, max_tokens, 0.0, CancelToken()):
        if isinstance(piece, Generation):
            gen = piece
        elif piece:
            first = first or time.perf_counter() - started
    total = time.perf_counter() - started
    return {"ttft_s": first or total, "render_s": rendered, "stream_ttft_s": gen.ttft_s,
            "tokens": gen.completion_tokens, "tokens_per_s": rates(gen.ttft_s, gen.total_s, gen.completion_tokens),
            "prompt_tokens": gen.prompt_tokens, "estimated_prompt_tokens": len(prompt), "total_s": total,
            "text": gen.text.strip()}


def local_way(model: Any, messages: list[dict[str, str]], max_tokens: int) -> dict[str, Any]:
    """LocalModel, KV cache cleared."""
    model._forget_cache()
    return model_way(model, messages, max_tokens)


def server_model_way(model: Any, direct: Any, messages: list[dict[str, str]], max_tokens: int) -> dict[str, Any]:
    """ServerModel, the server's KV cache flushed and the token counts not cached (render asks the server)."""
    flush(direct, model.model_name)
    type(model)._count.cache_clear()
    return model_way(model, messages, max_tokens)


def request_body(model_name: str, messages: list[dict[str, str]], max_tokens: int, seed: int) -> dict[str, Any]:
    """The body ``ServerModel.stream`` sends (no stop strings: the server's template brings its own)."""
    return {"model": model_name, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "top_p": 0.9,
            "seed": seed, "stream": True, "stream_options": {"include_usage": True}}


def flush(direct: Any, model_name: str) -> None:
    response = direct.post("/v1/chat/completions", json={"model": model_name, "messages": FLUSH_MESSAGES,
                                                         "max_tokens": 1, "temperature": 0.0})
    response.raise_for_status()


def direct_way(direct: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The same request with a bare httpx2 client (no ServerModel), timed from before the POST."""
    flush(direct, body["model"])
    started = time.perf_counter()
    first = 0.0
    count, pieces = 0, []
    usage: dict[str, Any] = {}
    with direct.stream("POST", "/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        for event in server_events(response.iter_lines()):  # the app's SSE parsing: same cost as inline
            usage = event.get("usage") or usage
            text = delta_text(event)
            if text:
                count += 1
                first = first or time.perf_counter() - started
                pieces.append(text)
    total = time.perf_counter() - started
    tokens = int(usage.get("completion_tokens") or count)
    return {"ttft_s": first or total, "tokens": tokens, "tokens_per_s": rates(first or total, total, tokens),
            "prompt_tokens": usage.get("prompt_tokens"), "total_s": total, "text": "".join(pieces).strip()}


def server_section(engine: Engine, messages: list[dict[str, str]], repeats: int) -> dict[str, Any]:
    """The three ways on the same messages, interleaved; see the module docstring."""
    import httpx2

    from desktop_app.engine.models.server import ServerModel, ServerSettings

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from support.llama_server import running_server

    local: Any = engine._rt.model
    for name in ("render", "stream"):  # take off Capture's wrappers
        local.__dict__.pop(name, None)
    ms = local.settings
    n_ctx, max_tokens = local.n_ctx, engine.settings.max_answer_tokens
    threads = ms.n_threads or os.cpu_count() or 1
    extra = ("--n_threads", str(threads), "--n_threads_batch", str(os.cpu_count() or 1), "--n_batch", "512",
             "--seed", str(ms.seed))
    with running_server(local.weights.path, n_ctx=n_ctx, extra_args=extra) as server:
        remote = ServerModel(ServerSettings(url=server.url, n_ctx=n_ctx, seed=ms.seed))
        direct = httpx2.Client(base_url=server.url, timeout=httpx2.Timeout(600.0, connect=5.0), trust_env=False)
        body = request_body(remote.model_name, messages, max_tokens, ms.seed)
        ways = {"local": lambda: local_way(local, messages, max_tokens),
                "server_model": lambda: server_model_way(remote, direct, messages, max_tokens),
                "direct": lambda: direct_way(direct, body)}
        try:
            for run in ways.values():  # warm-up, untimed
                run()
            runs = []
            names = list(ways)
            for rep in range(repeats):
                order = names[rep % 3:] + names[:rep % 3]
                runs.append({name: ways[name]() for name in order})
        finally:
            direct.close()
            remote.close()
    return {"n_ctx": n_ctx, "n_threads": threads, "max_tokens": max_tokens, "model": ms.path.name,
            "messages": len(messages), "message_chars": sum(len(m["content"]) for m in messages), "runs": runs}


def server_summary(section: dict[str, Any]) -> dict[str, Any]:
    runs = section["runs"]
    s: dict[str, Any] = {k: section[k] for k in ("model", "n_ctx", "n_threads", "max_tokens", "messages")}
    for way in ("local", "server_model", "direct"):
        s[f"{way}_ttft_s"] = median([r[way]["ttft_s"] for r in runs])
        s[f"{way}_best_ttft_s"] = min(r[way]["ttft_s"] for r in runs)
        s[f"{way}_tokens_per_s"] = median([r[way]["tokens_per_s"] for r in runs])
        s[f"{way}_tokens"] = [r[way]["tokens"] for r in runs]
    for way in ("local", "server_model"):
        s[f"{way}_render_s"] = median([r[way]["render_s"] for r in runs])
        s[f"{way}_stream_ttft_s"] = median([r[way]["stream_ttft_s"] for r in runs])
    s["local_prompt_tokens"] = runs[0]["local"]["prompt_tokens"]
    s["server_prompt_tokens"] = runs[0]["direct"]["prompt_tokens"] or runs[0]["server_model"]["prompt_tokens"]
    s["server_model_estimated_prompt_tokens"] = runs[0]["server_model"]["estimated_prompt_tokens"]
    s["ttft_ratio_server_model_over_direct"] = s["server_model_ttft_s"] / s["direct_ttft_s"]
    s["best_ttft_ratio_server_model_over_direct"] = s["server_model_best_ttft_s"] / s["direct_best_ttft_s"]
    s["stream_ttft_ratio_server_model_over_direct"] = s["server_model_stream_ttft_s"] / s["direct_ttft_s"]
    s["ttft_ratio_direct_over_local"] = s["direct_ttft_s"] / s["local_ttft_s"]
    s["tokens_per_s_ratio_server_model_over_direct"] = s["server_model_tokens_per_s"] / s["direct_tokens_per_s"]
    s["identical_text_server_model_direct"] = all(r["server_model"]["text"] == r["direct"]["text"] for r in runs)
    s["identical_text_local_server"] = all(r["local"]["text"] == r["direct"]["text"] for r in runs)
    return s


def print_server_table(s: dict[str, Any], repeats: int) -> None:
    print(f"\nIn process vs llama-cpp-python's server on 127.0.0.1 ({s['model']}, n_ctx {s['n_ctx']}, "
          f"{s['n_threads']} threads), the same {s['messages']} messages: {s['local_prompt_tokens']} prompt tokens in "
          f"process, {s['server_prompt_tokens']} on the server; up to {s['max_tokens']} tokens, temperature 0; "
          f"median of {repeats}, interleaved; same text ServerModel/direct: {s['identical_text_server_model_direct']}, "
          f"in process/server: {s['identical_text_local_server']}\n")
    print(md_table(["way", "TTFT (s)", "of which render (s)", "best TTFT (s)", "tokens/s", "TTFT / direct"], [
        ["LocalModel render + stream (in process)", s["local_ttft_s"], s["local_render_s"], s["local_best_ttft_s"],
         s["local_tokens_per_s"], s["local_ttft_s"] / s["direct_ttft_s"]],
        ["ServerModel render + stream", s["server_model_ttft_s"], s["server_model_render_s"],
         s["server_model_best_ttft_s"], s["server_model_tokens_per_s"], s["ttft_ratio_server_model_over_direct"]],
        ["httpx2 POST /v1/chat/completions directly", s["direct_ttft_s"], None, s["direct_best_ttft_s"],
         s["direct_tokens_per_s"], 1.0],
    ]))
    print(f"\nServerModel adds {100 * (s['ttft_ratio_server_model_over_direct'] - 1):+.1f}% to TTFT over the direct "
          f"request (target <= +5%); best of {repeats}: {s['best_ttft_ratio_server_model_over_direct']:.3f}x; its "
          f"stream alone (median) {s['stream_ttft_ratio_server_model_over_direct']:.3f}x.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--question", default="B004", help="dev question id for the engine/raw comparison")
    parser.add_argument("--pairs", default="B011,B012;B019,B020;B026,B027",
                        help="questions and their follow-ups (dev ids), pairs separated by ';'")
    parser.add_argument("--server", action="store_true",
                        help="also compare in process, ServerModel and a direct request to llama-cpp-python's server")
    parser.add_argument("--server-only", action="store_true", help="only the --server section")
    parser.add_argument("--server-repeats", type=int, default=5)
    args = parser.parse_args()
    by_id = {q["id"]: q["question"] for q in load_questions(QUESTIONS)}
    pairs = [pair.split(",") for pair in args.pairs.split(";")]
    from llama_cpp import Llama

    with tempfile.TemporaryDirectory() as home:
        # no curated answers or answer cache: every timed turn must reach the model
        engine = Engine(Path(home), Settings(temperature=0.0, faq_enabled=False, cache_enabled=False))
        list(engine.library.index([CORPUS]))
        engine.models.load()
        capture = Capture(engine._rt.model)
        ms = engine._rt.model.settings
        llm = Llama(model_path=str(engine._rt.model.weights.path), n_ctx=engine._rt.model.n_ctx,
                    n_threads=ms.n_threads or os.cpu_count() or 1, n_batch=512, seed=ms.seed, verbose=False)
        first: list[dict[str, Any]] = []
        follow: list[dict[str, Any]] = []
        if args.server_only:
            messages = engine_turn(engine, capture, by_id[args.question])["messages"]
        else:
            first = first_turns(engine, capture, llm, by_id[args.question], args.repeats)
            for one, two in pairs:
                follow += follow_ups(engine, capture, llm, (by_id[one], by_id[two]), args.repeats, f"{one},{two}")
            messages = first[0]["engine"]["messages"]
        llm.close()
        section = server_section(engine, messages, args.server_repeats) if args.server or args.server_only else None
        engine.close()
    results: dict[str, Any] = {"question": args.question, "pairs": args.pairs}
    if first:
        s = summary(first, follow)
        print_tables(s, args.repeats)
        for runs in (first, follow):
            for run in runs:
                for part in run.values():
                    if isinstance(part, dict):
                        part.pop("prompt_tokens", None)
                        part.pop("messages", None)
                run.pop("raw_prompt_tokens", None)
        results.update({"summary": s, "first_turns": first, "follow_ups": follow})
    if section is not None:
        server = server_summary(section)
        print_server_table(server, args.server_repeats)
        results["server"] = {"summary": server, **section}
    path = write_results("answer_speed", results)
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
