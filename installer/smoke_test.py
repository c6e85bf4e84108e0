"""Smoke-test an installed (frozen) copy of the app: offline, with an empty home and no Python environment.

    python3 installer/smoke_test.py --bundle DIR [--pdf PDF --question Q --expect-page N]

DIR holds the ``desktop-app`` and ``desktop-app-gui`` executables (the unpacked
.tar.gz, ``/opt/desktop-app`` inside an extracted .deb, or the Windows install
folder). The test runs only those executables, with a fresh empty home folder
and PATH pointing at an empty folder, so nothing of a Python installation is
found. On Linux each run is in a new network namespace that has no network at
all (``unshare --net``); on Windows the caller blocks the executables in the
firewall and passes ``--network-blocked-by-caller``.

Steps: index a PDF with the CLI, ask a question and require that the bundled
model wrote an answer and that its quotes or citations are on the expected page
(the answer check may withhold the small model's draft) and that the Q8_0 copy of the
bundled Q4_1 model was made (in a child process), trial-load the bundled model in a child process
(``models check``), show the window offscreen for a few seconds (the model
must load), close it and require a clean exit. Prints each step's time,
the bundle's size and the window's start-up time. Uses the standard library
only, so any Python 3 can run it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_PDF = ROOT.parent / "shared" / "eval" / "corpus" / "reportlab-userguide.pdf"
CORPUS_QUESTION = "Which canvas method draws a string centred on a given x position? Cite the source."
CORPUS_PAGE = 14
WINDOWS = sys.platform == "win32"
EXIT_NOT_COVERED = 3

# Used where the evaluation corpus is not beside the checkout (e.g. a CI runner): a two-page PDF written here.
OWN_PAGES = [
    ["Harbour operations handbook",
     "This handbook describes the daily work of the harbour office: berth planning, tide tables,",
     "the log of arrivals and departures, and the duties of the night watch. The office is open",
     "from six in the morning to ten at night, and the night watch keeps the radio channel open",
     "until the first pilot is on duty. Berth requests are made one day ahead by the agents.",
     "Dredging of the inner basin is planned each spring, when the channel depth is surveyed.",
     "Chapter two lists the boats of the pilot service and where they are berthed."],
    ["Pilot service boats",
     "The pilot boat Kestrel was commissioned in 1987. Kestrel is berthed at pier 9 and",
     "carries six pilots. Its engines were replaced in 2011, and it is used for the outer",
     "anchorage in rough weather because of its high bow. The second boat, Osprey, was",
     "commissioned in 2004 and is berthed at pier 4. Osprey is faster and serves the inner",
     "channel. Both boats are inspected every March by the harbour engineer, and a report of",
     "each inspection is filed with the harbour master. The café on pier 9, run by Jürgen Maß,",
     "opens for the crews at six."],
]
OWN_QUESTION = "When was the pilot boat Kestrel commissioned? Cite the source."
OWN_PAGE = 2


class SmokeFailure(Exception):
    pass


def write_pdf(path: Path, pages: list[list[str]]) -> None:
    """A plain PDF (no library needed): each page's first line is a bold heading, the rest Helvetica text."""
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", font.format("Helvetica"), font.format("Helvetica-Bold")]
    kids = []
    for heading, *lines in pages:
        text = "".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T* " for line in lines)
        stream = f"BT /F2 18 Tf 24 TL 72 720 Td ({heading}) Tj T* /F1 12 Tf 16 TL {text}ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def clean_env(home: Path, empty_bin: Path, cache: Path) -> dict[str, str]:
    """An environment with nothing of the developer's: empty home and cache folder (``DESKTOP_APP_CACHE``), no
    Python variables, PATH without Python."""
    env = {"PATH": str(empty_bin), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen", "DESKTOP_APP_CACHE": str(cache)}
    if WINDOWS:
        keep = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "USERPROFILE", "APPDATA", "LOCALAPPDATA",
                "DESKTOP_APP_HOME", "COMPUTERNAME", "USERNAME")
        env.update({k: v for k, v in os.environ.items() if k.upper() in keep})
        env["PATH"] = os.pathsep.join([str(empty_bin), str(Path(env.get("SYSTEMROOT", r"C:\Windows")) / "System32")])
    else:
        env["HOME"] = str(home)
    return env


def network_wrapper(blocked_by_caller: bool) -> tuple[list[str], str]:
    if blocked_by_caller:
        return [], "blocked by the caller (firewall rules)"
    unshare = shutil.which("unshare")
    if WINDOWS or unshare is None:
        raise SmokeFailure("cannot block the network here: run on Linux with unshare, or block it yourself and "
                           "pass --network-blocked-by-caller")
    for wrapper in ([unshare, "--net"], [unshare, "--net", "--map-root-user"]):
        if subprocess.run([*wrapper, "true"], capture_output=True).returncode == 0:
            return wrapper, "blocked (a new network namespace with no interfaces: " + " ".join(wrapper[1:]) + ")"
    raise SmokeFailure("unshare --net is not permitted here; pass --network-blocked-by-caller if you block it")


def run(command: list[str], env: dict[str, str], timeout: float, cwd: Path) -> tuple[subprocess.CompletedProcess[str],
                                                                                      float]:
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=cwd, capture_output=True, encoding="utf-8", errors="replace",
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return proc, time.perf_counter() - start


def write_office_samples(folder: Path) -> list[Path]:
    """A one-sheet workbook (SpreadsheetML written with zipfile: the reader is openpyxl, bundled) and a
    Markdown file (read with markdown-it-py, bundled)."""
    folder.mkdir()
    book = folder / "berths.xlsx"
    cells = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{a}</t></is></c>'
                    f'<c r="B{n}" t="inlineStr"><is><t>{b}</t></is></c></row>'
                    for n, (a, b) in enumerate([("Boat", "Pier"), ("Kestrel", "9"), ("Osprey", "4")], start=1))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                   '<sheet name="Berths" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}"><sheetData>{cells}</sheetData></worksheet>')
    notes = folder / "night-watch.md"
    notes.write_text("# Night watch\n\nThe night watch keeps **channel 14** open.\n\n| Hour | Duty |\n|---|---|\n"
                     "| 22:00 | Radio check |\n", encoding="utf-8")
    return [book, notes]


def check(proc: subprocess.CompletedProcess[str], what: str) -> None:
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise SmokeFailure(f"{what} exited with status {proc.returncode}:\n{tail}")


def smoke(bundle: Path, pdf: Path, question: str, page: int, blocked_by_caller: bool, gui_seconds: float) -> None:
    suffix = ".exe" if WINDOWS else ""
    cli, gui = bundle / f"desktop-app{suffix}", bundle / f"desktop-app-gui{suffix}"
    for exe in (cli, gui):
        if not exe.is_file():
            raise SmokeFailure(f"{exe} is missing: is {bundle} an installed copy of the app?")
    wrapper, network = network_wrapper(blocked_by_caller)
    print(f"bundle: {bundle}\nbundle size: {folder_size(bundle) / 1e9:.3f} GB ({folder_size(bundle):,} bytes)")
    print(f"network: {network}")
    with tempfile.TemporaryDirectory(prefix="desktop-app-smoke-") as scratch:
        home, empty_bin = Path(scratch) / "home", Path(scratch) / "bin"
        home.mkdir()
        empty_bin.mkdir()
        cache = Path(scratch) / "cache"
        env = clean_env(home, empty_bin, cache)
        print(f"home: a new empty folder; PATH: an empty folder{' and System32' if WINDOWS else ''}; "
              "no PYTHON* variables")

        proc, took = run([*wrapper, str(cli), "index", str(pdf)], env, 600, home)
        check(proc, "desktop-app index")
        output = proc.stdout + proc.stderr  # the summary goes to stdout, progress to stderr
        summary = [line for line in output.splitlines() if "indexed" in line]
        print(f"index {pdf.name}: {took:.1f} s: {' / '.join(summary)}")
        if not re.search(r"\b1 indexed", output):
            raise SmokeFailure(f"the PDF was not indexed:\n{output[-2000:]}")

        office = write_office_samples(Path(scratch) / "office")
        proc, took = run([*wrapper, str(cli), "index", *map(str, office)], env, 600, home)
        check(proc, "desktop-app index (Excel and Markdown)")
        listed, _ = run([*wrapper, str(cli), "docs", "list", "--json"], env, 120, home)
        formats = sorted(d.get("format", "?") for d in json.loads(listed.stdout))
        print(f"index {', '.join(p.name for p in office)}: {took:.1f} s; formats in the library: {formats}")
        if formats != ["md", "pdf", "xlsx"]:
            raise SmokeFailure(f"the Excel and Markdown files were not both indexed:\n{proc.stdout}{proc.stderr}")

        proc, took = run([*wrapper, str(cli), "ask", "--json", "--top-k", "3", question], env, 600, home)
        if proc.returncode != EXIT_NOT_COVERED:  # the check may withhold the small model's draft: still a run
            check(proc, "desktop-app ask")
        answer = json.loads(proc.stdout[proc.stdout.index("{"):])
        cited = sorted({c["page"] for c in answer["citations"]})
        quoted = sorted({q["page"] for q in answer["evidence"]})
        print(f"ask: {took:.1f} s\n  question: {question}\n  answer: {answer['text'].strip()[:400]!r}")
        print(f"  quoted pages: {quoted}; cited pages: {cited}; related (uncited) pages: "
              f"{[c['page'] for c in answer['related']]}; model tokens: {answer['completion_tokens']}; "
              f"grounding score: {answer['verification']['score'] if answer['verification'] else None}")
        if not answer["completion_tokens"]:
            raise SmokeFailure("the bundled model wrote nothing")
        copies = sorted(cache.glob("model-copies/*.Q8_0.gguf"))  # made by '<exe> --child trial-load'
        print(f"  Q8_0 copy of the bundled model: {', '.join(f'{p.stat().st_size / 1e6:.0f} MB' for p in copies)}")
        if not copies:
            raise SmokeFailure(f"no Q8_0 copy of the bundled Q4_1 model was made in {cache / 'model-copies'}")
        if page not in cited and page not in quoted:
            raise SmokeFailure(f"neither the quotes nor the citations are on page {page} (quoted: {quoted or 'none'}, "
                               f"cited: {cited or 'none'})")

        internal = bundle / "_internal" / "models"
        gguf = next(internal.glob("*/*.gguf"), None)
        if gguf is None:
            raise SmokeFailure(f"no bundled .gguf model under {internal}")
        proc, took = run([*wrapper, str(cli), "models", "check", str(gguf)], env, 300, home)
        check(proc, "desktop-app models check")  # loads the model in a child started as '<exe> --child trial-load'
        trial = [line for line in proc.stdout.splitlines() if "trial load" in line]
        print(f"models check {gguf.name}: {took:.1f} s: {' / '.join(trial)}")
        if not trial:
            raise SmokeFailure(f"the trial load in a child process did not report:\n{proc.stdout}")

        report = Path(scratch) / "gui-report.txt"  # a windowed Windows program has no stdout
        proc, took = run([*wrapper, str(gui), "--quit-after", str(gui_seconds), "--report", str(report)], env,
                         120 + gui_seconds, home)
        check(proc, "desktop-app-gui")
        said = report.read_text(encoding="utf-8") if report.exists() else ""
        shown = re.search(r"window visible ([\d.]+) s", said)
        closed = re.search(r"window closed, exit status 0; (Model: .*)", said)
        print(f"window: visible {shown.group(1) if shown else '?'} s after start; closed after {took:.1f} s; "
              f"{closed.group(1) if closed else 'no close line'}")
        if not shown or not closed or "not available" in closed.group(1) or "loading" in closed.group(1):
            raise SmokeFailure(f"the window did not show, load the model and close cleanly:\n{said}{proc.stdout}"
                               f"\n{proc.stderr[-2000:]}")
        leftovers = [p.name for p in (home.rglob("*") if not WINDOWS else []) if p.suffix == ".tmp"]
        if leftovers:
            raise SmokeFailure(f"temporary files left behind: {leftovers}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True, help="folder with desktop-app and desktop-app-gui")
    parser.add_argument("--pdf", type=Path, help="PDF to index (default: the evaluation corpus's ReportLab guide "
                        "when it is beside the checkout, else a two-page PDF written by this script)")
    parser.add_argument("--question", help="question to ask (given with --pdf)")
    parser.add_argument("--expect-page", type=int, help="the page the answer must cite (given with --pdf)")
    parser.add_argument("--gui-seconds", type=float, default=8.0, help="how long the window stays open")
    parser.add_argument("--network-blocked-by-caller", action="store_true",
                        help="the caller has blocked the network (required on Windows)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="desktop-app-smoke-pdf-") as scratch:
        if args.pdf is not None:
            if args.question is None or args.expect_page is None:
                parser.error("--pdf needs --question and --expect-page")
            pdf, question, page = args.pdf.resolve(), args.question, args.expect_page
        elif CORPUS_PDF.exists():
            pdf, question, page = CORPUS_PDF, CORPUS_QUESTION, CORPUS_PAGE
        else:
            pdf, question, page = Path(scratch) / "harbour-handbook.pdf", OWN_QUESTION, OWN_PAGE
            write_pdf(pdf, OWN_PAGES)
        try:
            smoke(args.bundle.resolve(), pdf, question, page, args.network_blocked_by_caller, args.gui_seconds)
        except (SmokeFailure, subprocess.TimeoutExpired) as exc:
            print(f"smoke test: FAILED: {exc}", file=sys.stderr)
            return 1
    print(f"smoke test: passed in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
