"""Build the English benchmark corpus: three typeset PDF manuals taken from Debian 12 documentation packages.

    .venv/bin/python benchmarks/english/build_corpus.py [OUT_FOLDER] [--debs FOLDER] [--check QUESTIONS]

OUT_FOLDER defaults to /tmp/english-corpus. The .deb files are looked for in
``--debs`` (default /tmp/english-debs) and fetched there with ``apt-get
download PACKAGE=VERSION`` when missing (Debian 12 "bookworm" archive). The
PDFs are copied out unchanged, as published; the page numbers in
``questions.jsonl`` belong to exactly these package versions: a different
checksum is reported, and pages may move. ``--check QUESTIONS`` then verifies
that every answerable question's ``must_contain`` strings and ``evidence``
appear (whitespace-normalised) in the extracted text of one of its pages.

Sources (all from Debian 12's archive):

* asymptote.pdf: package asymptote-doc 2.85+ds-1, usr/share/doc/asymptote/asymptote.pdf
  (Asymptote 2.85 manual, 196 pages). Licence: the manual's own notice, GNU LGPL
  (the package's copyright file: GPL-3+ for the sources it is built from).
* beameruserguide.pdf: package texlive-latex-recommended-doc 2022.20230122-3,
  usr/share/doc/texlive-doc/latex/beamer/beameruserguide.pdf (beamer 3.68 user guide,
  234 pages). Licence: GFDL-1.3 or later with no invariant sections, or LPPL-1.3c
  (its copyright page).
* listings.pdf: the same package, usr/share/doc/texlive-doc/latex/listings/listings.pdf
  (listings 1.8d package guide, 63 pages). Licence: LPPL-1.3c or later (its "Distribution and modification" notice;
  the package's copyright file notes a request to rename modified versions).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from korean.build_corpus import deb_files, get_deb  # noqa: E402  (the Korean corpus's .deb reader)

PACKAGES = {
    # package: (version, file name apt-get download gives, sha256 of that file)
    "asymptote-doc": ("2.85+ds-1", "asymptote-doc_2.85+ds-1_all.deb",
                      "b2ae6e97c64ede66c1e41cc913f790b01188d198557203a2b3c500ba3495e6ca"),
    "texlive-latex-recommended-doc": ("2022.20230122-3", "texlive-latex-recommended-doc_2022.20230122-3_all.deb",
                                      "8bea1f81bf50354fa4f3046c2dbb82efba9b8520aca0b2ab12eed18554a66c11"),
}

PDFS = [
    # (output name, package, path inside the package)
    ("asymptote.pdf", "asymptote-doc", "usr/share/doc/asymptote/asymptote.pdf"),
    ("beameruserguide.pdf", "texlive-latex-recommended-doc",
     "usr/share/doc/texlive-doc/latex/beamer/beameruserguide.pdf"),
    ("listings.pdf", "texlive-latex-recommended-doc", "usr/share/doc/texlive-doc/latex/listings/listings.pdf"),
]


def build(out: Path, debs: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        wanted = {inner for _, pkg, inner in PDFS if pkg == package}
        files = deb_files(get_deb(package, debs, PACKAGES), "", wanted)
        for name, pkg, inner in PDFS:
            if pkg == package:
                (out / name).write_bytes(files[inner])
                with pymupdf.open(out / name) as doc:
                    print(f"{name}: {doc.page_count} pages, {len(files[inner]) // 1024} KiB (from {package})")


def normal(text: str) -> str:
    return " ".join(text.split())


def check(questions: Path, docs: Path) -> bool:
    """Every answerable question's must_contain strings and evidence are on one of its pages; returns success."""
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts: dict[str, list[str]] = {}
    seen: set[str] = set()
    failures = 0
    for row in rows:
        problems = []
        if row["follows"] is not None and row["follows"] not in seen:
            problems.append(f"follows {row['follows']}, not an earlier question")
        seen.add(row["id"])
        if not row["answerable"]:
            if row["pages"] or row["must_contain"] or row["doc"]:
                problems.append("unanswerable, but names a document, pages or must_contain")
        else:
            if row["doc"] not in texts:
                with pymupdf.open(docs / row["doc"]) as doc:
                    texts[row["doc"]] = [normal(page.get_text()) for page in doc]
            pages = [texts[row["doc"]][n - 1] for n in row["pages"]]
            if row["page"] not in row["pages"]:
                problems.append(f"page {row['page']} is not in pages")
            for needle in [*row["must_contain"], row["evidence"]]:
                if not needle or not any(normal(needle) in text for text in pages):
                    problems.append(f"not on pages {row['pages']}: {needle!r}")
        for problem in problems:
            print(f"{row['id']}: {problem}")
        failures += bool(problems)
    print(f"{len(rows)} questions ({sum(r['answerable'] for r in rows)} answerable): "
          f"{'all passed' if not failures else f'{failures} failed'}")
    return not failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="/tmp/english-corpus", type=Path)
    parser.add_argument("--debs", default="/tmp/english-debs", type=Path)
    parser.add_argument("--check", type=Path, metavar="QUESTIONS", help="verify a question set against the PDFs")
    args = parser.parse_args()
    if not all((args.out / name).exists() for name, _, _ in PDFS) or not args.check:
        build(args.out, args.debs)
    if args.check and not check(args.check, args.out):
        sys.exit(1)


if __name__ == "__main__":
    main()
