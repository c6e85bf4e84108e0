"""Checks of extracted text quality."""

import unicodedata

BAD_CATEGORIES = {"Co", "Cn", "Cs", "Cc"}
PLACEHOLDERS = {"\ufffd", "?"}


def garbled_share(text: str) -> float:
    """Share of visible characters that no real text contains.

    Replacement characters and question marks standing in for unmapped glyphs,
    private-use code points (what broken font encodings produce), unassigned
    code points and stray control characters.
    """
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    bad = sum(1 for c in visible if c in PLACEHOLDERS or unicodedata.category(c) in BAD_CATEGORIES)
    return bad / len(visible)


def is_syllable(c: str) -> bool:
    return "\uac00" <= c <= "\ud7a3"


def font_offset_garbling(text: str) -> float:
    """Share of Hangul syllables that are really ASCII text shifted by a broken font encoding.

    Some Korean TeX PDFs map Latin letters, digits and punctuation to
    U+XX20..U+XX7F of one Hangul block ("ko.TeX" comes out as "ko줮쥔쥅쥘").
    Such text shows up as runs of three or more syllables from one block's
    ASCII-sized slice, which real Korean, whose particles are single
    syllables, almost never produces.
    """
    syllables = sum(1 for c in text if is_syllable(c))
    if syllables < 20:
        return 0.0
    garbled = run = 0
    run_base = -1
    for c in text + " ":
        code = ord(c)
        if is_syllable(c) and 0x20 <= code & 0xFF <= 0x7F:
            if code & ~0xFF == run_base:
                run += 1
                continue
        if run >= 3:
            garbled += run
        run, run_base = (1, code & ~0xFF) if is_syllable(c) and 0x20 <= code & 0xFF <= 0x7F else (0, -1)
    return garbled / syllables
