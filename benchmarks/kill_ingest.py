"""Kill real CLI ingests at random moments, many times, and check the library after each.

    .venv/bin/python benchmarks/kill_ingest.py [--kills 50] [--seed N]

After every SIGKILL, doctor must find SQLite consistent (integrity, keyword
rows, vectors) and, after --repair, everything consistent; at the end a
re-run must leave exactly the chunks of a clean ingest. Writes
benchmarks/results/kill_ingest.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from desktop_app.engine import Engine, Settings  # noqa: E402
from support.crashing import chunk_set, finish_ingest, kill_and_check, make_docs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        docs = make_docs(root / "docs")
        clean = Engine(root / "clean", Settings())
        list(clean.library.index([docs]))
        expected = chunk_set(clean)
        clean.close()
        failures = []
        for kill in range(args.kills):
            problems = kill_and_check(root / "home", docs, rng, Settings(), max_delay_s=9.0)
            print(f"kill {kill + 1}/{args.kills}: {'consistent' if not problems else problems}", flush=True)
            if problems:
                failures.append({"kill": kill + 1, "problems": problems})
        finished = finish_ingest(root / "home", docs)
        engine = Engine(root / "home", Settings())
        same = chunk_set(engine) == expected
        engine.close()
    summary = {"seed": args.seed, "kills": args.kills, "inconsistent_after_kill": len(failures),
               "rerun_exit_code": finished, "same_chunks_as_clean_ingest": same, "failures": failures}
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, indent=2))
    out = ROOT / "benchmarks" / "results" / "kill_ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
