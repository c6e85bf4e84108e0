"""Checks of extracted text quality.

Both checks run on every page of every document, and on the pages read so far
each time a long document is chunked provisionally while it is still being read
(``indexer.early``), so they scan text with regular expressions rather than a
Python loop per character: on a generated 400-page PDF the loops took 6 s of a
57 s indexing (cProfile, ``benchmarks/ingest.py``'s generated report).
"""

import re
import unicodedata

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
