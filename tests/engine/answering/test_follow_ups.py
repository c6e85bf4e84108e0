"""Follow-ups that refer back in any way, in English and Korean, and self-contained questions that do not."""

import pytest

from desktop_app.engine.answering.memory import is_follow_up, standalone_query

FOLLOW_UPS = [
    # personal pronouns
    "Does he sign the report as well?",
    "When did she approve the budget?",
    "Can I use it with encrypted files?",
    "Do they apply to contractors?",
    "Who told him about the deadline?",
    "How do I turn them off?",
    # possessives
    "What is his role in the project?",
    "Where is her office?",
    "What are its limits?",
    "Is their licence compatible with GPL?",
    "Which one is theirs?",
    # demonstratives
    "Which algorithms does that protection rely on?",
    "Why is that?",
    "Is this supported on Windows?",
    "Do these settings survive a restart?",
    "Are those fonts embedded by default?",
    "Is the same true for tables?",
    "Is such a setting available for charts?",
    # ellipsis
    "And for contractors?",
    "What about external staff?",
    "Or in landscape?",
    "Only on Linux?",
    "Contractors?",
    "In Korean?",
    "Why not?",
    # comparative back-references
    "And the other one?",
    "Is the previous answer still valid for 4.0?",
    "Which is faster, the second one?",
    "Can I use TrueType fonts instead?",
    "Does that work for images as well?",
    "What do the others cost?",
    # Korean pronouns and possessives
    "그는 언제 입사했나요?",
    "그녀의 직책은 무엇인가요?",
    "그들이 승인했나요?",
    "그것은 얼마나 빠른가요?",
    "이것도 무료인가요?",
    "저것과 어떻게 다른가요?",
    "등록한 다음에 거기서 패키지를 설치하려면 뭘 해야 하나요?",
    "여기서 말하는 프레임은 무엇인가요?",
    "그곳에 주차할 수 있나요?",
    "그들의 계약 기간은 얼마인가요?",
    # Korean demonstratives and back-references
    "해당 옵션의 기본값은 무엇인가요?",
    "위의 명령을 윈도우에서도 쓸 수 있나요?",
    "앞의 예제에서 글꼴만 바꾸려면요?",
    "그 패키지는 어디서 받나요?",
    "두 번째 것은 무엇이 다른가요?",
    "외부 직원도 마찬가지인가요?",
    # Korean openers and ellipsis
    "그럼 한자 옵션은 무엇을 하나요?",
    "그러면 설치는 어떻게 하나요?",
    "그리고 글꼴은 어떻게 바꾸나요?",
    "또 다른 방법이 있나요?",
    "그런데 왜 느린가요?",
    "계약자는?",
    "외부 직원은요?",
    "한글은 어때요?",
    "PDF로요?",
]

SELF_CONTAINED = [
    "How do I embed a TrueType font in a PDF?",
    "Is there a way to compress the output files?",
    "Is it possible to encrypt a PDF with a password?",
    "How long does it take to index a thousand pages?",
    "Is there a font that supports both Hangul and Hanja?",
    "What is the default page size in this application?",
    "Which canvas method draws one line of centred text?",
    "Why does my long table overflow the bottom of the page?",
    "How do I export a document to Word instead of PDF?",
    "What is ReportLab?",
    "How do CMYKColor and PCMYKColor differ?",
    "My fonts show as empty boxes in Acrobat. Why is that?",
    "How can I make a PDF that asks for a password and that readers are not allowed to print?",
    "Which fonts, such as Helvetica, are built into every PDF viewer?",
    "ko.TeX라는 이름은 어떻게 읽는 게 맞나요?",
    "이 문서에서 한글 글꼴을 바꾸는 방법은 무엇인가요?",
    "전자 서명을 PDF에 추가하려면 어떻게 하나요?",
    "그래프의 축 이름을 바꾸려면 어떤 옵션을 쓰나요?",
    "그림을 본문 가운데에 놓으려면 어떻게 하나요?",
    "본문에 쓰이는 한글 글꼴을 다른 것으로 바꾸려면 어떤 명령을 쓰나요?",
    "완성된 파일을 열었더니 한글 자리에 빈 네모만 찍혀 있습니다. 왜 그런가요?",
    "저는 윈도우를 쓰는데 TeX Live를 어떻게 설치하나요?",
    "PDF이거나 이미지인 파일도 색인할 수 있나요?",
    "처음으로 시험판이 공개된 것은 언제였나요?",
    "그래프 색을 바꾸려면?",
]


@pytest.mark.parametrize("question", FOLLOW_UPS)
def test_a_question_that_refers_back_is_a_follow_up(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize("question", SELF_CONTAINED)
def test_a_self_contained_question_is_not_a_follow_up(question: str) -> None:
    assert not is_follow_up(question)


def test_a_pronoun_follow_up_is_searched_with_its_predecessor() -> None:
    previous = "How do I produce a password-protected PDF that readers cannot print?"
    query = standalone_query("Which algorithms does it rely on?", previous)
    assert query == f"{previous} Which algorithms does it rely on?"
    assert standalone_query("그녀의 직책은 무엇인가요?", "프로젝트 책임자는 누구인가요?").startswith("프로젝트 책임자")


def test_a_self_contained_question_or_a_first_question_is_searched_alone() -> None:
    assert standalone_query("How do I embed a TrueType font?", "Which colours does a pie chart use?") == (
        "How do I embed a TrueType font?")
    assert standalone_query("Why is that?", None) == "Why is that?"


def test_a_joined_query_keeps_its_last_words_when_too_long() -> None:
    query = standalone_query("And for contractors?", " ".join(["word"] * 100))
    assert len(query.split()) == 60 and query.endswith("And for contractors?")
