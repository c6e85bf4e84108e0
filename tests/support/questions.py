"""Questions about the generated manuals, in the format of an evaluation question file.

Each has the fields the evaluation reads: ``id``, ``lang``, ``doc`` (file name, None when the manuals do
not answer it), ``pages`` that hold the answer, ``answerable``, ``follows`` (the id of the question a
follow-up leans on), ``question`` and ``must_contain`` (words a right answer holds). The questions are
asked the way a user would, in their own words, not in the sentences of the manual.
"""

from __future__ import annotations

from typing import Any

GUIDE = "inkwell-guide.pdf"  # support.guide, rendered by support.pdfs.user_guide
MANUAL = "hanji-doc.pdf"  # support.hangul_manual, rendered by support.pdfs.hangul_manual_pdf


def question(id: str, lang: str, doc: str | None, pages: list[int], text: str, must_contain: list[str],
             kind: str = "factual", follows: str | None = None) -> dict[str, Any]:
    return {"id": id, "lang": lang, "doc": doc, "page": pages[0] if pages else None, "pages": pages,
            "question": text, "must_contain": must_contain, "answerable": doc is not None, "follows": follows,
            "kind": "followup" if follows else kind}


QUESTIONS: list[dict[str, Any]] = [
    question("G01", "en", GUIDE, [5], "Is there a compiled add-on that makes measuring string widths quicker, and "
             "how much does it help?", ["inkwell_accel"]),
    question("G02", "en", GUIDE, [10], "On a new canvas, which corner does position (0,0) refer to, and in which "
             "directions do the coordinates grow?", ["lower left"]),
    question("G03", "en", GUIDE, [12], "My output files are huge because every page is full of vector drawings. Is "
             "there a switch to make them smaller, and what does it cost me?", ["pageCompression"], "howto"),
    question("G04", "en", GUIDE, [14], "Which canvas call puts one line of text so that its middle sits at a given "
             "horizontal position?", ["drawCentredString"], "howto"),
    question("G05", "en", GUIDE, [17], "After I move on to the next page, do my font and fill colour settings carry "
             "over or do I have to set them again?", ["showPage"]),
    question("G06", "en", GUIDE, [23], "I have ink percentages such as 40 cyan and 100 yellow. Which CMYK colour class "
             "takes whole numbers like these instead of fractions?", ["PCMYKColor", "100"], "comparison"),
    question("G07", "en", GUIDE, [26], "How can I paint a semi-transparent box so the text underneath it still shows "
             "through?", ["setFillAlpha"], "howto"),
    question("G08", "en", GUIDE, [30], "Is there any advantage to writing a block of lines through a text object "
             "rather than calling drawString for each line?", ["smaller"]),
    question("G09", "en", GUIDE, [33], "How do I lift a few characters above the normal line, for example to typeset "
             "an exponent?", ["setRise"], "howto"),
    question("G10", "en", GUIDE, [38], "What makes stroked lines come out as short dots separated by gaps twice as "
             "long as the dots?", ["setDash"], "howto"),
    question("G11", "en", GUIDE, [42], "The corners where my thick outline changes direction look sharp and pointy. "
             "How do I make them rounded?", ["setLineJoin"], "howto"),
    question("G12", "en", GUIDE, [49], "Which pair of files must I supply to embed a custom Type 1 typeface?",
             ["AFM", "PFB"]),
    question("G13", "en", GUIDE, [52], "I registered a TrueType face, but bold and italic tags inside my paragraphs "
             "still show the regular letters. What step did I miss?", ["registerFontFamily"], "howto"),
    question("G14", "en", GUIDE, [56], "Clickable areas made with linkAbsolute get a visible box drawn around them. "
             "How do I hide that outline?", ["Border"], "howto"),
    question("G15", "en", GUIDE, [59], "How can I make a PDF that asks for a password and that readers are not "
             "allowed to print?", ["StandardEncryption", "canPrint"], "howto"),
    question("G16", "en", GUIDE, [59], "Which algorithms is that protection built on?", ["MD5", "RC4"],
             follows="G15"),
    question("G17", "en", GUIDE, [65], "What are the nested parts of a Platypus layout, from the whole document down "
             "to the single items that get drawn?", ["PageTemplate", "Frame", "Flowable"], "definition"),
    question("G18", "en", GUIDE, [68], "My custom flowable must never be divided between two frames. What should its "
             "split method give back?", ["[]"]),
    question("G19", "en", GUIDE, [74], "How much space between the lines of a paragraph is a sensible start, compared "
             "with the size of the type?", ["20%"], "numeric"),
    question("G20", "en", GUIDE, [78], "What do I need to install so that long words get broken with a hyphen at the "
             "end of a line?", ["pyphen"]),
    question("G21", "en", GUIDE, [85], "When a long table continues on the next page, how do I get its title row to "
             "appear again at the top?", ["repeatRows"], "howto"),
    question("G22", "en", GUIDE, [88], "How do I merge two neighbouring cells of a table's first row into one?",
             ["SPAN"], "howto"),
    question("G23", "en", GUIDE, [94], "A section title sometimes sits at the very bottom of a page while its first "
             "paragraph starts on the next one. How do I keep them on the same page?", ["KeepTogether"], "howto"),
    question("G24", "en", GUIDE, [97], "Is there a kind of page break that only happens when little room is left?",
             ["CondPageBreak"]),
    question("G25", "en", GUIDE, [103], "The drawing shapes validate every attribute I assign. How do I switch that "
             "checking off?", ["shapeChecking"], "howto"),
    question("G26", "en", GUIDE, [103], "Is it worth it, how much speed does that gain?", ["25%"], follows="G25"),
    question("G27", "en", GUIDE, [118], "If I give a pie chart x and y values, am I setting the position of its "
             "middle?", ["bottom left"]),
    question("G28", "en", GUIDE, [121], "How do I put more room between the clusters of bars in a vertical bar chart?",
             ["groupSpacing"], "howto"),
    question("G29", "en", GUIDE, [126], "Which bundled demo turns Python scripts into colour-highlighted PDFs with "
             "bookmarks for every class and function?", ["py2pdf"]),
    question("K01", "ko", MANUAL, [5], "hanji.TeX 이라는 이름은 어떻게 읽는 게 맞나요?", ["한지텍"],
             "definition"),
    question("K02", "ko", MANUAL, [6], "처음으로 시험판이 공개된 것은 언제였나요?", ["2007"], "numeric"),
    question("K03", "ko", MANUAL, [7], "문서 안에서 로고 명령을 쓰고 싶은데 무엇을 불러와야 하나요?", ["hanji-logo"],
             "howto"),
    question("K04", "ko", MANUAL, [8], "이 꾸러미는 어떤 사용 허가 조건으로 배포되나요?", ["LPPL"]),
    question("K05", "ko", MANUAL, [9], "패키지를 부를 때 hangul 옵션 대신 hanja 옵션을 주면 결과가 어떻게 다른가요?",
             ["한자"], "comparison"),
    question("K06", "ko", MANUAL, [11], "본문에 쓰이는 한글 글꼴을 다른 것으로 바꾸려면 어떤 명령을 쓰나요?",
             ["setmainhangulfont"], "howto"),
    question("K07", "ko", MANUAL, [12], "이 안내서를 터미널에서 바로 열어 보려면 무엇을 입력하나요?", ["texdoc"],
             "howto"),
    question("K08", "ko", MANUAL, [13], "완성된 파일을 열었더니 한글 자리에 텅 빈 네모만 찍혀 있습니다. 왜 그런가요?",
             ["글꼴"]),
    question("K09", "ko", MANUAL, [15], "최신 개발판을 받으려고 모임의 사설 저장소를 tlmgr에 넣고 싶습니다. "
             "어떤 명령을 실행하나요?", ["tlmgr repository add"], "howto"),
    question("K10", "ko", MANUAL, [16], "등록한 다음에 거기서 패키지를 깔려면 무엇을 미리 해 둬야 하나요?",
             ["pinning.txt"], follows="K09"),
    question("N01", "en", None, [], "How do I export a document to a Microsoft Word .docx file instead of a PDF?", [],
             "unanswerable"),
    question("N02", "en", None, [], "How do I sign a generated PDF with an X.509 certificate so that viewers show a "
             "valid digital signature?", [], "unanswerable"),
    question("N03", "ko", None, [], "hanji.TeX에서 한글을 세로쓰기로 조판하려면 어떤 옵션을 주면 되나요?", [],
             "unanswerable"),
]
# Pairs of a question and the follow-up that leans on it, each pair on one document.
FOLLOW_UPS = [("G15", "G16"), ("G25", "G26"), ("K09", "K10")]
