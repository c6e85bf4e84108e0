"""What extraction gives for the layouts real documents have: each kind from a generated PDF (issue: fidelity)."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from desktop_app.cancel import CancelToken
from desktop_app.indexer.chunking import chunk_document
from desktop_app.indexer.extract import ExtractedDocument, PdfExtractor
from desktop_app.indexer.layout import (
    LINE_HYPHENS,
    HangulJoins,
    fold_compatibility,
    join_lines,
)
from desktop_app.indexer.spacing import lacks_spaces, space_by_gaps
from support import fidelity_pdfs as pdfs


def read(extractor: PdfExtractor, path: Path) -> ExtractedDocument:
    return extractor.extract(path, None, CancelToken())


def text_of(doc: ExtractedDocument) -> str:
    return "\n".join(block.text for block in doc.blocks)


def test_ligatures_and_full_width_forms_are_folded(tmp_path: Path, extractor: PdfExtractor) -> None:
    text = text_of(read(extractor, pdfs.ligatures_pdf(tmp_path / "lig.pdf")))
    assert "The inlet filter is flushed every Friday" in text
    assert "form RF-12." in text
    assert not any(c in text for c in "\ufb01\ufb02\uff32\uff11")


def test_words_broken_by_every_hyphen_kind_are_joined(tmp_path: Path, extractor: PdfExtractor) -> None:
    text = text_of(read(extractor, pdfs.hyphens_pdf(tmp_path / "hyphens.pdf")))
    for _hyphen, head, tail in pdfs.BROKEN_WORDS:
        word = head.split()[-1] + tail.split()[0]
        assert word in text.split(), (word, text)
    assert not any(h in text for h in "\u00ad\u2010\u2011")
    assert "시험 운전한다." in text  # broken inside the word: no space
    assert "두 달마다 보충한다." in text  # broken after a space: the space stays


def test_a_korean_word_broken_by_a_line_end_is_joined_where_the_document_writes_it_whole(
        tmp_path: Path, extractor: PdfExtractor) -> None:
    text = text_of(read(extractor, pdfs.korean_wrapped_pdf(tmp_path / "wrapped.pdf")))
    assert "먼저 설정 메뉴를 열고" in text, text  # 설정 is written whole on page 2, never 설 정
    assert "고릅니다. 이 바뀐 내용은" in text, text  # 이바 is not a pair the document writes: the space stays


def test_a_hyphen_at_a_line_end_stays_where_the_block_writes_the_word_with_it() -> None:
    lines = ["로고는 kotex-", "logo 패키지에 정의되어 있으므로 \\usepackage{kotex-logo}를 선언한다."]
    assert join_lines(lines).startswith("로고는 kotex-logo 패키지에")
    assert join_lines(["The docu-", "ment is long."]) == "The document is long.", "a word broken to fit: joined"


def test_korean_syllable_pairs_decide_a_line_end_without_a_sign_from_the_producer() -> None:
    pairs = HangulJoins.of(["설정을 바꾸면 설정 파일이", "수 있고 할 수 있다"])
    assert pairs.joins("설", "정") and not pairs.joins("수", "있") and not pairs.joins("가", "나")
    assert join_lines(["먼저 설", "정을"], pairs) == "먼저 설정을"
    assert join_lines(["할 수", "있다"], pairs) == "할 수 있다"
    assert join_lines(["먼저 설", "정을"]) == "먼저 설 정을", "without the document's pairs, a space as before"


def test_korean_words_set_apart_without_spaces_are_read_with_spaces_and_lines_as_paragraphs(
        tmp_path: Path, extractor: PdfExtractor) -> None:
    path = pdfs.korean_tex_pdf(tmp_path / "tex.pdf")
    with pymupdf.open(path) as raw:
        assert "현재사설저장소는CTAN에" in raw[0].get_text()  # MuPDF's own text: no spaces
    doc = read(extractor, path)
    first = [block.text for block in doc.blocks if block.page == 1]
    paragraph = " ".join(" ".join(line) for line in pdfs.KOREAN_TEX_PARAGRAPH)
    paragraph = paragraph.replace("서 비스하는", "서비스하는").replace("나누어 서", "나누어서")
    assert first == [paragraph, " ".join(pdfs.KOREAN_TEX_NEXT[0])], first


def test_a_gap_between_glyphs_is_a_space_only_where_it_is_wide_enough() -> None:
    def char(c: str, x0: float, width: float = 10.0) -> dict[str, object]:
        return {"c": c, "bbox": (x0, 0.0, x0 + width, 10.0)}

    line = {"dir": (1.0, 0.0), "spans": [
        {"size": 10.0, "chars": [char("현", 0), char("재", 10.5), char("사", 23.0)]},
        {"size": 10.0, "chars": [char("k", 33.0, 5.0), char("o", 37.5, 5.0), char(" ", 42.5, 3.0),
                                 char("설", 46.0)]}]}
    space_by_gaps([{"lines": [line]}])
    assert [span["text"] for span in line["spans"]] == ["현재 사", "ko 설"]
    assert "chars" not in line["spans"][0]
    assert lacks_spaces("현재사설저장소는CTAN에등재하면서제외된파트와유용한패키지를추가적으로서비스하는목적으로")
    assert not lacks_spaces("현재 사설 저장소는 CTAN에 등재하면서 제외된 파트와 유용한 패키지를 추가적으로 서비스하는")
    assert not lacks_spaces("系统设置保存在配置文件中，只有管理员可以修改。" * 4)  # no spaces to lack


@pytest.mark.parametrize("gutter", [78.0, 14.0, 6.0])
def test_two_columns_are_read_one_after_the_other(tmp_path: Path, extractor: PdfExtractor, gutter: float) -> None:
    doc = read(extractor, pdfs.two_columns_pdf(tmp_path / "columns.pdf", gutter))
    text = " ".join(block.text for block in doc.blocks)
    left, right = " ".join(pdfs.LEFT_COLUMN), " ".join(pdfs.RIGHT_COLUMN)
    assert text.index("Facilities handbook: access") < text.index(left) < text.index(right)
    assert text.index(right) < text.index("Facilities handbook, edition 4")
    _, chunks = chunk_document(doc.blocks, doc.page_count)
    assert "kept in the\nblue cabinet behind the reception desk." in chunks[0].text


def test_a_side_bar_and_a_footnote_do_not_break_into_the_main_text(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, pdfs.sidebar_pdf(tmp_path / "sidebar.pdf"))
    text = " ".join(block.text for block in doc.blocks)
    main, sidebar = " ".join(pdfs.MAIN_TEXT), " ".join(pdfs.SIDEBAR)
    assert main in text and sidebar in text
    assert text.index(main) < text.index(sidebar) < text.index(pdfs.FOOTNOTE)


def test_each_bullet_is_read_before_its_item_and_each_item_is_a_block_of_its_own(
        tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, pdfs.bullets_pdf(tmp_path / "bullets.pdf"))
    items = ["\u2022 " + " ".join(item) for item in pdfs.SETTINGS]
    assert [block.text for block in doc.blocks] == ["The settings that matter most are these.", *items]


def test_a_footnote_is_chunked_apart_and_the_text_it_interrupts_reads_on(
        tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, pdfs.footnote_pdf(tmp_path / "footnote.pdf"))
    assert [b.text for b in doc.blocks if b.note] == [f"1{pdfs.FOOTNOTE}", "1"]  # the note, then the page number
    _, chunks = chunk_document(doc.blocks, doc.page_count)
    assert [c.kind for c in chunks] == ["text", "note"]
    assert f"{pdfs.KEY_START}\n{pdfs.KEY_END}" in chunks[0].text and pdfs.FOOTNOTE not in chunks[0].text
    assert chunks[1].text == f"1{pdfs.FOOTNOTE}\n1" and chunks[1].pages == [1]
    plain = read(extractor, pdfs.footnote_pdf(tmp_path / "numbered.pdf", referenced=False))
    assert not any(b.note for b in plain.blocks)  # a small numbered line no text refers to is no note


def test_printed_page_labels_are_kept(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, pdfs.page_labels_pdf(tmp_path / "labels.pdf"))
    assert doc.page_labels == ["i", "ii", "iii", "iv", "1", "2", "3", "4"]
    plain = read(extractor, pdfs.ligatures_pdf(tmp_path / "plain.pdf"))
    assert plain.page_labels == []


def test_text_no_reader_can_see_is_left_out_and_its_page_named(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, pdfs.invisible_text_pdf(tmp_path / "hidden.pdf"))
    text = text_of(doc)
    assert text.count(pdfs.VISIBLE) == 2
    assert pdfs.WHITE_ON_DARK in text  # white, but on a dark band: a reader sees it
    for how, sentence in pdfs.HIDDEN.items():
        assert sentence not in text, how
    assert {b.page for b in doc.blocks} == {1, 2}
    note = next(w for w in doc.warnings if "no reader can see" in w)
    assert note.startswith("page 2 holds") and "transparent" in note and "white" in note and "too small" in note


def test_folding_keeps_hangul_compatibility_jamo_and_drops_soft_hyphens() -> None:
    assert fold_compatibility("ㄱ키 \ufb03x co\u00adoperate") == "ㄱ키 ffix cooperate"


def test_line_joining_keeps_hyphens_of_compounds_before_capitals_and_numbers() -> None:
    for hyphen in LINE_HYPHENS:
        assert join_lines([f"pre{hyphen}", "Raphaelite"]).endswith("Raphaelite")
        assert join_lines([f"moni{hyphen}", "toring"]) == "monitoring"
    assert join_lines(["COVID-", "19 cases"]) == "COVID- 19 cases"
    assert join_lines(["가나다 ", "라마", "바사"]) == "가나다 라마바사"  # this producer writes line-end spaces
    assert join_lines(["가나다", "라마"]) == "가나다 라마"  # no sign either way: a space, as before
