"""Sentences of a passage as evidence candidates: abbreviations, code, list items, and blocks that run on (Korean
TeX lines included), as ``engine.answering.sentences`` cuts them."""

from __future__ import annotations

import pytest

from desktop_app.engine.answering.sentences import joined_blocks, sentences_of


def test_sentence_splitting_keeps_abbreviations_numbers_and_items() -> None:
    text = ("See Fig. 3 for the layout. The pump runs at 3.5 bar, e.g. in winter.\n"
            "1. Open the valve.\n2. Close the drain.\nTo connect, use the following code:\nconnect(host, 22)")
    assert sentences_of(text) == [
        "See Fig. 3 for the layout.", "The pump runs at 3.5 bar, e.g. in winter.", "1. Open the valve.",
        "2. Close the drain.", "To connect, use the following code: connect(host, 22)"]


def test_a_dotted_name_in_code_ends_no_sentence() -> None:
    text = 'Then call c = canvas.Canvas("hello.pdf",encrypt=enc) and c.save(). The file is written.'
    assert sentences_of(text) == ['Then call c = canvas.Canvas("hello.pdf",encrypt=enc) and c.save().',
                                  "The file is written."]
    assert sentences_of("진행률이표시된다.암호가걸린문서는암호를물어본다음색인한다.") == [  # Korean without spaces
        "진행률이표시된다.", "암호가걸린문서는암호를물어본다음색인한다."]


@pytest.mark.parametrize("text", [
    "This example draws a quarter circle: size(100,0); draw((1,0){up}..{left}(0,1),Arrow);",  # a spline in code
    "The approach is shared by iTextSharp for .NET and others.",
    "<font name=\"Vera\" size=\"14\">and this is in <b>Vera!</b></font>",
    "“데비안 시스템에 다른 어떤 문서가 있나요?”을 확인하십시오.",  # a title quoted in a sentence is no sentence
])
def test_a_cut_with_no_space_after_it_ends_no_sentence(text: str) -> None:
    assert sentences_of(text) == [text]


def test_a_block_that_runs_on_is_joined_to_its_continuation() -> None:
    assert joined_blocks("The key is kept in the\nblue cabinet.\nA new paragraph.") == [
        "The key is kept in the blue cabinet.", "A new paragraph."]
    assert joined_blocks("The key is kept in the\n- 12 -\nblue cabinet.\n7\nSeven more.") == [
        "The key is kept in the blue cabinet.", "7", "Seven more."]


def test_a_command_on_a_line_of_its_own_runs_on_into_its_arguments() -> None:
    text = ("\\lstnewenvironment\n{<name>}[<number>] {<starting code>} {<ending code>}\n"
            "\\lstnewenvironment{pascal}\n{\\lstset{language=pascal}} {}\nResults\n(see table 2) are good.")
    assert joined_blocks(text) == [
        "\\lstnewenvironment {<name>}[<number>] {<starting code>} {<ending code>}",
        "\\lstnewenvironment{pascal} {\\lstset{language=pascal}} {}",
        "Results", "(see table 2) are good."]  # a heading is not a command


def test_korean_lines_made_blocks_of_their_own_are_joined_into_their_sentences() -> None:
    # kotex-doc.pdf's text as extracted: every line a block, no spaces between Korean words, a running head
    passage = "\n".join([
        "과거ko.TEX이CTAN에등재되기전에KTUG은ko.TEX사설저장소를운영하여",
        "TEXLive에서의설치를지원하였다(2008–2013).",
        "사설저장소는파일들을몇가지설치용패키지로나누어서제공한다.2014",
        "년5월현재사설저장소를통하여설치할수있는것은다음과같다.",
        "제4 장 12 배포와설치",
        "ko.TEX사설저장소는TEXLive의tlmgr 유틸리티를통하여간단히등록하고",
        "관리할수있다.먼저다음명령을내리면저장소가등록된다.",
        "$ tlmgr repository add http://ftp.ktug.org/KTUG/texlive/tlnet/ ktug",
        "• kotex-utils는유틸리티모음이며별도로설치하지않아도된다",
        "• cjk-ko는CJK 패키지를쓴다.",
    ])
    assert sentences_of(passage) == [
        "과거ko.TEX이CTAN에등재되기전에KTUG은ko.TEX사설저장소를운영하여TEXLive에서의설치를지원하였다(2008–2013).",
        "사설저장소는파일들을몇가지설치용패키지로나누어서제공한다.",  # a Korean full stop with no space after it
        "2014년5월현재사설저장소를통하여설치할수있는것은다음과같다.",
        "제4 장 12 배포와설치",  # a running head: too short to run on
        "ko.TEX사설저장소는TEXLive의tlmgr 유틸리티를통하여간단히등록하고관리할수있다.",
        "먼저다음명령을내리면저장소가등록된다. $ tlmgr repository add http://ftp.ktug.org/KTUG/texlive/tlnet/ ktug",
        "• kotex-utils는유틸리티모음이며별도로설치하지않아도된다",  # the next list item is not run on
        "• cjk-ko는CJK 패키지를쓴다.",
    ]
    # a page number after a line that ends mid-word is not part of the word
    assert sentences_of("(6)memoir 클래스로한글을조판하기위한클래스와패키지의묶\n1\n2 제1 장 ko.TEX에관하여") == [
        "(6)memoir 클래스로한글을조판하기위한클래스와패키지의묶", "1", "2 제1 장 ko.TEX에관하여"]
    spaced = "설치가 끝나면 바탕 화면에 바로 가기가 만들어지고\n처음 실행할 때 언어를 고른다."
    assert sentences_of(spaced) == ["설치가 끝나면 바탕 화면에 바로 가기가 만들어지고 처음 실행할 때 언어를 고른다."]
    # Korean with spaces (the Debian FAQ): after a command, a line that opens with a particle goes on with its
    # sentence, any other Korean line starts a new one
    commands = ("목록을 새로 받으려면 다음 명령을 실행합니다 apt-get update\n이것은 몇 분 걸립니다.\n"
                "설정 파일을 바꾸려면 /etc/apt/sources.list\n를 편집합니다.")
    assert sentences_of(commands) == ["목록을 새로 받으려면 다음 명령을 실행합니다 apt-get update",
                                      "이것은 몇 분 걸립니다.",
                                      "설정 파일을 바꾸려면 /etc/apt/sources.list 를 편집합니다."]


def test_a_korean_line_after_latin_text_keeps_the_space_the_passage_writes() -> None:
    # The Debian FAQ in Korean: a command on a line of its own, then the Korean that goes on with it. The block
    # before the join holds no Korean to tell whether the text writes spaces; the passage does
    passage = ("섹션을 참고하십시오.\nIf you just want to compile the package, issue the command\n"
               "dpkg-buildpackage -rfakeroot -b\n패키지를 빌드하려면 (이것은 fakeroot 패키지 필요함을 주의), 그리고")
    assert sentences_of(passage)[-1] == ("If you just want to compile the package, issue the command "
                                         "dpkg-buildpackage -rfakeroot -b 패키지를 빌드하려면 (이것은 fakeroot "
                                         "패키지 필요함을 주의), 그리고")
    # kotex-doc.pdf writes no spaces between Korean words: there the join has none either
    assert sentences_of("사설저장소를등록하려면다음명령을\n$ tlmgr repository add ktug\n을실행한다.") == [
        "사설저장소를등록하려면다음명령을 $ tlmgr repository add ktug을실행한다."]


def test_a_command_line_inside_a_korean_sentence_keeps_the_sentence_whole() -> None:
    # kotex-doc.pdf read with its word spaces: the sentence goes on after the commands it shows
    passage = ("이제 이 저장소를 이용하기 위하여 tlpkg 디렉터리에\nktug:*\n"
               "이라는 내용을 갖는 pinning.txt 파일을 만들고\n"
               "$ tlmgr install unfonts-base-type1 $ tlmgr remove unfonts-base-type1\n"
               "명령을 통하여 필요한 패키지를 설치하거나 제거할 수 있다.\n"
               "먼저 다음 명령을 내리면 저장소가 등록된다.\n$ tlmgr repository add http://ftp.ktug.org/ ktug")
    assert sentences_of(passage) == [
        "이제 이 저장소를 이용하기 위하여 tlpkg 디렉터리에 ktug:* 이라는 내용을 갖는 pinning.txt 파일을 만들고 "
        "$ tlmgr install unfonts-base-type1 $ tlmgr remove unfonts-base-type1 "
        "명령을 통하여 필요한 패키지를 설치하거나 제거할 수 있다.",
        "먼저 다음 명령을 내리면 저장소가 등록된다. $ tlmgr repository add http://ftp.ktug.org/ ktug",
    ]
    # A sentence that ends without a full stop before its command (합니다, 하십시오) is not continued after it
    for ending in ("실행합니다", "실행하십시오"):
        assert sentences_of(f"목록을 새로 받으려면 다음 명령을 {ending}\n$ apt-get update\n이것은 몇 분 걸립니다.") == [
            f"목록을 새로 받으려면 다음 명령을 {ending} $ apt-get update", "이것은 몇 분 걸립니다."]
