"""Startup: launch to visible window, and launch to first answer from the command line.

    .venv/bin/python benchmarks/startup.py [--gui-runs 5] [--cli-runs 3]

The window: ``desktop-app-gui --exit-when-shown`` with QT_QPA_PLATFORM=offscreen
and a temporary DESKTOP_APP_HOME; it prints the seconds from process start to
the window being shown, which are parsed. That start time comes from psutil,
which on Linux adds the process's start ticks to the boot time that
/proc/stat gives in whole seconds, so it can be off by up to a second; the
offset is measured here with a trivial child (its psutil start time minus the
moment it was launched) and the corrected value reported beside the printed
one. The command line: the corpus is indexed once into a temporary library
(``desktop-app index``), then ``desktop-app ask QUESTION`` is launched several
times with the answer cache off (each run calls the model), then several
times with it on after one priming run (each run is a cached answer);
measured from launch to the first answer text on stdout, and to the process
exit (the whole answer and its sources). ``desktop-app docs list`` gives the
cost of starting Python, importing and opening the library. Writes
benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import CORPUS, VENV_BIN, md_table, median, write_results

VISIBLE = re.compile(r"window visible ([\d.]+) s")
FIRST_TOKEN = re.compile(r"first token ([\d.]+) s")
QUESTION = "Which canvas method draws a string centred on a given x position?"


def environment(home: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", DESKTOP_APP_HOME=str(home))


def gui_run(home: Path) -> dict[str, float]:
    started = time.perf_counter()
    done = subprocess.run([str(VENV_BIN / "desktop-app-gui"), "--exit-when-shown"], capture_output=True, text=True,
                          env=environment(home), timeout=300)
    wall = time.perf_counter() - started
    found = VISIBLE.search(done.stdout + done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"the window did not report itself shown (exit {done.returncode}): {done.stderr[-2000:]}")
    return {"visible_s": float(found.group(1)), "process_wall_s": wall}


def create_time_offset(runs: int = 5) -> float:
    """psutil's start time of a child minus the moment it was launched (launch latency plus the clock error)."""
    offsets = []
    for _ in range(runs):
        launched = time.time()
        out = subprocess.run([sys.executable, "-c", "import psutil; print(psutil.Process().create_time())"],
                             capture_output=True, text=True, check=True).stdout
        offsets.append(float(out) - launched)
    return median(offsets)


def set_cache(home: Path, enabled: bool) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.json").write_text(json.dumps({"cache_enabled": enabled}))


def cli_ask(home: Path) -> dict[str, Any]:
    """Launch ``desktop-app ask``; time the first stdout bytes (the streamed answer) and the exit."""
    started = time.perf_counter()
    process = subprocess.Popen([str(VENV_BIN / "desktop-app"), "ask", QUESTION], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environment(home))
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.read(1)
    first_s = time.perf_counter() - started
    rest = process.stdout.read()
    err = process.stderr.read().decode(errors="replace")
    code = process.wait()
    wall = time.perf_counter() - started
    if code not in (0, 3):
        raise RuntimeError(f"desktop-app ask failed with exit {code}: {err[-2000:]}")
    found = FIRST_TOKEN.search(err)
    return {"first_output_s": first_s if first else None, "exit_s": wall, "exit_code": code,
            "reported_ttft_s": float(found.group(1)) if found else None, "answer_bytes": len(first + rest)}


def cli_wall(home: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(VENV_BIN / "desktop-app"), *args], capture_output=True, env=environment(home), check=True,
                   timeout=1800)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gui-runs", type=int, default=5)
    parser.add_argument("--cli-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gui_home, cli_home = Path(tmp) / "gui", Path(tmp) / "cli"
        offset = create_time_offset()
        gui = [gui_run(gui_home) for _ in range(args.gui_runs)]
        set_cache(cli_home, False)
        index_s = cli_wall(cli_home, "index", str(CORPUS))
        docs = [cli_wall(cli_home, "docs", "list") for _ in range(args.cli_runs)]
        asks = [cli_ask(cli_home) for _ in range(args.cli_runs)]
        set_cache(cli_home, True)
        cli_ask(cli_home)
        cached = [cli_ask(cli_home) for _ in range(args.cli_runs)]
    print(md_table(["measure (s)", "median", "min", "max", "runs"], rows(gui, offset, docs, asks, cached)))
    print(f"\n(psutil start-time offset {offset:+.2f} s; indexing the corpus with `desktop-app index` took "
          f"{index_s:.1f} s, not part of the above)")
    path = write_results("startup", {"gui": gui, "create_time_offset_s": offset, "docs_list_s": docs, "ask": asks,
                                     "ask_cached": cached, "index_s": index_s, "question": QUESTION})
    print(f"\nwritten to {path}")


def rows(gui: list[dict[str, float]], offset: float, docs: list[float], asks: list[dict[str, Any]],
         cached: list[dict[str, Any]]) -> list[list[Any]]:
    visible = [g["visible_s"] for g in gui]
    return [
        ["window visible after launch, as the app prints it", *spread(visible)],
        ["window visible after launch, corrected for the psutil start-time offset",
         *spread([v + offset for v in visible])],
        ["window process: launch to exit (shown, then quit)", *spread([g["process_wall_s"] for g in gui])],
        ["`desktop-app docs list` (start, import, open library)", *spread(docs)],
        ["`desktop-app ask`, model answer: launch to first answer text", *spread([a["first_output_s"] for a in asks])],
        ["`desktop-app ask`, model answer: launch to exit", *spread([a["exit_s"] for a in asks])],
        ["`desktop-app ask`, model answer: first token as it reports (from the question)",
         *spread([a["reported_ttft_s"] for a in asks])],
        ["`desktop-app ask`, cached answer: launch to first answer text",
         *spread([a["first_output_s"] for a in cached])],
        ["`desktop-app ask`, cached answer: launch to exit", *spread([a["exit_s"] for a in cached])],
    ]


def spread(values: list[float | None]) -> list[Any]:
    known = [v for v in values if v is not None]
    return [median(known), min(known), max(known), len(known)] if known else [None, None, None, 0]


if __name__ == "__main__":
    main()
