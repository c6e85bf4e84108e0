"""Checks of extracted text quality, and the read-back of Latin text a broken font encoding shifted into Hangul.

Both checks run on every page of every document, and on the pages read so far
each time a long document is chunked provisionally while it is still being read
(``indexer.early``), so they scan text with regular expressions rather than a
Python loop per character: on a generated 400-page PDF the loops took 6 s of a
57 s indexing (cProfile, ``benchmarks/ingest.py``'s generated report).
"""

import re
import unicodedata
from typing import Any

BAD_CATEGORIES = {"Co", "Cn", "Cs", "Cc"}
PLACEHOLDERS = {"\ufffd", "?"}
UNUSUAL = re.compile(r"[^\x20-\x7e\s\uac00-\ud7a3]")
"""Characters that may be in ``BAD_CATEGORIES``: not printable ASCII, whitespace or a Hangul syllable."""
SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
SHIFTED_RUN = re.compile("|".join(f"[{chr(block + 0x20)}-{chr(block + 0x7F)}]{{3,}}"
                                  for block in range(0xAC00, 0xD800, 0x100)))
"""Three or more Hangul syllables in a row from the ASCII-sized slice (low byte 0x20-0x7F) of one block."""


def garbled_share(text: str) -> float:
    """Share of visible characters that no real text contains.

    Replacement characters and question marks standing in for unmapped glyphs,
    private-use code points (what broken font encodings produce), unassigned
    code points and stray control characters.
    """
    visible = sum(map(len, text.split()))
    if not visible:
        return 0.0
    bad = text.count("?") + sum(1 for c in UNUSUAL.findall(text)
                                if c in PLACEHOLDERS or unicodedata.category(c) in BAD_CATEGORIES)
    return bad / visible


def font_offset_garbling(text: str) -> float:
    """Share of Hangul syllables that are really ASCII text shifted by a broken font encoding.

    Some Korean TeX PDFs map Latin letters, digits and punctuation to
    U+XX20..U+XX7F of one Hangul block ("ko.TeX" comes out as "ko줮쥔쥅쥘").
    Such text shows up as runs of three or more syllables from one block's
    ASCII-sized slice, which real Korean, whose particles are single
    syllables, almost never produces.
    """
    syllables = len(SYLLABLE.findall(text))
    if syllables < 20:
        return 0.0
    return sum(len(run) for run in SHIFTED_RUN.findall(text)) / syllables


T1_LOW = ("`", "\u00b4", "^", "~", "\u00a8", "\u02dd", "\u02da", "\u02c7", "\u02d8", "\u00af", "\u02d9", "\u00b8",
          "\u02db", "\u201a", "\u2039", "\u203a", "\u201c", "\u201d", "\u201e", "\u00ab", "\u00bb", "\u2013",
          "\u2014", "", "0", "\u0131", "\u0237", "ff", "fi", "fl", "ffi", "ffl")
"""Codes 0x00-0x1F of TeX's T1 (Cork) font encoding: accents, quotes, dashes, ligatures (0x17, the compound
word mark, draws nothing; 0x18 is the zero that follows % in a per-mille sign)."""
T1_CHANGED = {0x20: " ", 0x27: "\u2019", 0x60: "\u2018", 0x7F: "-"}
"""Where T1 differs from ASCII in 0x20-0x7F (0x20 is T1's visible space; TeX writes no spaces, so a space)."""
MIN_SHIFTED_SYLLABLES = 6
SHIFTED_FONT_SHARE = 0.3
"""Share of a font's syllables on a page in runs (``SHIFTED_RUN``) from which it is taken to be shifted. On
every page of ``kotex-doc.pdf`` the shifted font has 0.57-0.95 of its syllables in such runs, its real Hangul
fonts at most 0.11."""


def shifted_fonts(spans: list[dict[str, Any]]) -> dict[str, int]:
    """The fonts of ``spans`` (PyMuPDF span dicts of one page) whose text is ASCII shifted into Hangul, each with
    the Hangul block it was moved to (its first code point).

    A broken font encoding (a Latin TeX font whose ToUnicode map points into Hangul, as in ``kotex-doc.pdf``)
    turns each character code into one syllable of a single block: "ko.TeX" into "ko줮쥔쥅쥘". A font is
    judged shifted when it wrote at least ``MIN_SHIFTED_SYLLABLES`` syllables on the page, all from one
    block's lower half (codes 0x00-0x7F), and at least ``SHIFTED_FONT_SHARE`` of them in runs of three or
    more from the ASCII-sized slice inside one span (``SHIFTED_RUN``). Real Korean text rarely makes such
    runs, even from fonts split into one subset per block (the same PDF's Hangul fonts): their spans hold a
    syllable or two.
    """
    syllables: dict[str, list[str]] = {}
    in_runs: dict[str, int] = {}
    for span in spans:
        text, font = span_text(span), str(span.get("font", ""))
        found = SYLLABLE.findall(text)
        if found:
            syllables.setdefault(font, []).extend(found)
            in_runs[font] = in_runs.get(font, 0) + sum(map(len, SHIFTED_RUN.findall(text)))
    shifted: dict[str, int] = {}
    for font, found in syllables.items():
        blocks = {ord(c) & 0xFF00 for c in found}
        if (len(found) >= MIN_SHIFTED_SYLLABLES and len(blocks) == 1 and all(ord(c) & 0xFF < 0x80 for c in found)
                and in_runs[font] >= SHIFTED_FONT_SHARE * len(found)):
            shifted[font] = blocks.pop()
    return shifted


def unshift(text: str, block: int) -> str:
    """``text`` with the syllables of ``block``'s lower half read back as the T1-encoded characters they stand
    for ("ko줮쥔쥅쥘" -> "ko.TeX"); everything else is kept."""
    return "".join(t1_character(ord(c) - block) if block <= ord(c) < block + 0x80 else c for c in text)


def t1_character(code: int) -> str:
    """The character a T1-encoded font draws for ``code`` (0x00-0x7F)."""
    if code < 0x20:
        return T1_LOW[code]
    return T1_CHANGED.get(code, chr(code))


def unshift_spans(spans: list[dict[str, Any]]) -> int:
    """Read back, in place, the text of the spans whose font is shifted (``shifted_fonts``); PyMuPDF "rawdict"
    spans get their characters' ``c`` read back too. Returns how many characters were read back."""
    fonts = shifted_fonts(spans)
    changed = 0
    for span in spans:
        block = fonts.get(str(span.get("font", "")))
        if block is None:
            continue
        changed += sum(1 for c in span_text(span) if block <= ord(c) < block + 0x80)
        for char in span.get("chars", ()):
            char["c"] = unshift(char["c"], block)
        if "text" in span:
            span["text"] = unshift(span["text"], block)
    return changed


def span_text(span: dict[str, Any]) -> str:
    """A span's text: its "text" ("dict"), or its characters joined ("rawdict")."""
    if "text" in span:
        return str(span["text"])
    return "".join(char.get("c", "") for char in span.get("chars", ()))
