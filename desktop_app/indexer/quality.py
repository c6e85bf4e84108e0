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
