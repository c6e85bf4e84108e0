"""Sentences of a passage as the source writes them: the candidates evidence is chosen from.

Each passage is cut into its line blocks (a paragraph, a list item or a table row each), a block that runs on
without a full stop into a block starting in lower case is joined to it (a sentence continued on the next page
stays one sentence; Korean, which has no case, by the rules of ``joined_blocks``), and blocks are split into
sentences by sentencex (Wikimedia's rule-based segmenter, which knows abbreviations, decimal numbers and
numbered items in English and Korean). A sentence ending in a colon is joined to what it introduces, and a
list marker the segmenter left alone to its item.
"""

from __future__ import annotations

import re

from desktop_app.indexer.layout import LIST_MARKER, LIST_START, is_hangul
from desktop_app.store.korean import HANGUL, has_hangul

MAX_QUOTE_CHARS = 600
SENTENCE_END = re.compile(r"[.!?。:;)\]\"'”’]$")
PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-\u2013]?\s*(?:\d{1,4}|[ivxlcdm]{1,6})\s*[-\u2013]?$", re.IGNORECASE)
MIN_RUN_ON_CHARS = 20
SPACED_HANGUL = re.compile(r"[\uac00-\ud7a3] [\uac00-\ud7a3]")
HANGUL_SENTENCE_END = re.compile(r"(?<=[\uac00-\ud7a3][.!?])(?=[^\s.!?\"'”’)\]])")
"""A Korean full stop with no space after it: sentencex does not cut "제공한다.2014년" there."""
PARTICLE = re.compile(r"^(?:은|는|이|가|을|를|의|에|에서|에게|로|으로|와|과|도|만|이나|나|처럼"
                      r"|까지|부터|보다|이라는|라는|이란|란|이라고|라고|이며|며|이고|고)(?=[\s,.)]|$)")
"""A Korean particle standing after a Latin word, a number or a command ("ko.TEX 은", "apt-get 을")."""
PROMPT_MARK = r"(?:\$|>>>|%) "
"""A shell or Python prompt before a command line (the pattern, shared with ``answer_type``)."""
PROMPT = re.compile("^" + PROMPT_MARK)
"""A command line shown after a shell or Python prompt."""
INTRODUCES_KOREAN = "다음"
"""("the following"): a Korean sentence introducing what comes next ends with a full stop, not a colon."""
COMMAND = re.compile(r"^(?:\\[A-Za-z@]+(?:\{[^\s{}]*\}|\[[^\s\]]*\])*|[A-Za-z_]\w*(?:\.\w+)+|[a-z]+[A-Z_]\w*)$")
"""A command or name on a line of its own (a TeX macro, perhaps with arguments written without spaces, or a
dotted, camelCase or snake_case name): it runs on into a next line that opens with its (further) arguments
("\\lstnewenvironment" + "{<name>}[<number>]", "\\lstnewenvironment{pascal}" + "{\\lstset{...}}")."""
FINAL_SYLLABLES = "다요까죠오라"
"""Syllables that end a Korean sentence written without a full stop, as before a command shown on its own
line: 합니다, 하세요, 할까, 하죠, 하십시오, 하라."""
INTERRUPTING_COMMAND = re.compile(rf"[\uac00-\ud7a3](?<![{FINAL_SYLLABLES}]) {PROMPT_MARK}[^\uac00-\ud7a3]*$")
"""A command line shown in the middle of a Korean sentence ("... 파일을 만들고 $ tlmgr install ... 명령을 통하여
... 있다."): a command after a prompt, right after a syllable that ends no sentence (a connective such as 고 or
며, not ``FINAL_SYLLABLES``) with no full stop, ending the block."""
HANGUL_STOP = re.compile(rf"[{HANGUL}][.!?]$")
"""A Korean sentence's end, where a cut with no space after it is kept (see ``HANGUL_SENTENCE_END``)."""


def sentences_of(text: str, rows: frozenset[str] = frozenset(), notes: frozenset[str] = frozenset()) -> list[str]:
    """The sentences, list items and table rows of a passage, in order, as the source writes them.

    A sentence that ends with a colon is joined to the one it introduces (code, a value, a list item), and
    a list item's number or bullet to its text. A line in ``rows`` (a table row) is one unit, whole; the
    lines in ``notes`` (footnotes) come after the sentence they interrupt (see ``joined_blocks``).
    """
    return [unit for unit, _ in noted_sentences(text, rows, notes)]


def noted_sentences(text: str, rows: frozenset[str] = frozenset(),
                    notes: frozenset[str] = frozenset()) -> list[tuple[str, bool]]:
    """``sentences_of``'s units, each with whether it is a footnote's (from a line in ``notes``). A footnote's
    sentence is never joined to one of the passage's, nor the other way round."""
    units: list[tuple[str, bool]] = []
    for block in joined_blocks(text, rows, notes):
        if block in rows:
            units.append((block, False))
            continue
        note = block in notes
        for piece in segments(block):
            last, last_note = units[-1] if units else ("", note)
            joins = bool(last) and last_note == note and (
                bool(LIST_MARKER.match(last)) or len(last) < MAX_QUOTE_CHARS // 2 and introduces(last, piece))
            if joins:
                units[-1] = (f"{last} {piece}", note)
            else:
                units.append((piece, note))
    return units


def introduces(sentence: str, following: str) -> bool:
    """Whether ``sentence`` introduces ``following`` and is quoted with it: it ends with a colon, or it is a
    Korean sentence about "the following" (``INTRODUCES_KOREAN``) and a command line follows."""
    return sentence.endswith(":") or bool(PROMPT.match(following)) and has_hangul(sentence) \
        and INTRODUCES_KOREAN in sentence


def segments(block: str) -> list[str]:
    """The sentences sentencex finds in ``block``, stripped, joined again where it cut with no space after the
    cut: inside a dotted name (``canvas.Canvas``, ``pdfencrypt.StandardEncryption``, ".NET"), which left the
    name's second half a quote of its own, or inside code (``draw((1,0){up}..{left}(0,1))``). Korean text
    without spaces ("표시된다.암호가") is still cut there."""
    from sentencex import segment

    pieces: list[str] = []
    end = 0
    language = "ko" if has_hangul(block) else "en"
    found = [s for part in HANGUL_SENTENCE_END.split(block) for s in segment(language, part)]
    for piece in (s.strip() for s in found):
        if not piece:
            continue
        start = block.find(piece, end)
        if pieces and start == end and not HANGUL_STOP.search(pieces[-1]):
            pieces[-1] += piece
        else:
            pieces.append(piece)
        end = start + len(piece) if start >= 0 else end
    return pieces


def joined_blocks(text: str, rows: frozenset[str] = frozenset(), notes: frozenset[str] = frozenset()) -> list[str]:
    """Line blocks of a passage; a block ending mid-sentence is joined to a next block that starts in
    lower case (a paragraph that goes on across a column or a page), over a page number between them.
    Korean has no case: there a block ending mid-sentence that has ``MIN_RUN_ON_CHARS`` or more (shorter,
    it is a heading or a running head) is joined to a next block that starts with a Hangul syllable or in
    lower case, and, when it ends in a syllable, to one that starts with anything but a list item's
    marker or is a page number: MuPDF makes every line of some Korean TeX PDFs a block of its own. A block
    that writes spaces between Korean words and ends in a command or a name goes on into a Korean line only
    when that opens with a particle (``PARTICLE``) or the command stands inside the sentence
    (``INTERRUPTING_COMMAND``): else the line is a new sentence. A block of Latin text alone (a command or
    macro on a line of its own) goes on into any Korean line: judged by the passage's spacing instead, the
    display line "\\usepackage[<options>]{kotex}" of kotex-doc.pdf was cut from the sentence it begins and
    the dev question B025 lost its quote's page (``benchmarks/evidence.py``). A lone command or code name
    (``COMMAND``) is joined to a next block that opens with a bracket, its arguments. The join has no space
    where the passage writes none between Korean words (those PDFs), else one: the passage as a whole tells,
    as a block of Latin text alone (a command line) shows neither. Table rows (``rows``) are never
    joined. Footnotes (``notes``) are never joined either, and come last: a sentence that goes on over the
    page's notes to the next page is joined over them."""
    stripped = [b.strip() for b in text.split("\n") if b.strip()]
    lines = [line for line in stripped if line not in notes]
    spaced = bool(SPACED_HANGUL.search(text))
    blocks: list[str] = []
    for index, line in enumerate(lines):
        if line in rows or (blocks and blocks[-1] in rows):
            blocks.append(line)
            continue
        unfinished = bool(blocks) and not SENTENCE_END.search(blocks[-1])
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if unfinished and PAGE_NUMBER.match(line) and (following[:1].islower() or is_hangul(following[:1])):
            continue
        if unfinished and runs_on(blocks[-1], line):
            blocks[-1] += ("" if has_hangul(line) and not spaced else " ") + line
        else:
            blocks.append(line)
    return blocks + [line for line in stripped if line in notes]


def runs_on(block: str, line: str) -> bool:
    """Whether ``line`` goes on with the unfinished sentence at the end of ``block`` (see ``joined_blocks``)."""
    if not has_hangul(block) and not is_hangul(line[0]):
        return line[0].islower() or bool(COMMAND.match(block)) and line[0] in "{[("
    if len(block) < MIN_RUN_ON_CHARS or PAGE_NUMBER.match(line):  # a heading or a running head; a page number
        return False
    if is_hangul(line[0]) and not is_hangul(block[-1]) and block[-1] not in ",(" and SPACED_HANGUL.search(block):
        # after a command or a name, a new sentence unless a particle follows, or the command interrupts a sentence
        return bool(PARTICLE.match(line) or INTERRUPTING_COMMAND.search(block))
    return is_hangul(line[0]) or line[0].islower() or is_hangul(block[-1]) and not LIST_START.match(line)
