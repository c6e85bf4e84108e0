"""The text of a generated Korean manual for a Korean typesetting package, "hanji.TeX" (18 pages).

Like many PDFs made with Korean TeX, its text extracts without spaces between Korean words, and on
most pages a broken font encoding has moved the Latin letters, digits and punctuation into one Hangul
block (``shift_ascii``). Headings and code lines come from other fonts and stay readable. Four
pages have no shifted text: the title page, whose few syllables are too few to judge, and three
pages written in Korean only.
"""

from __future__ import annotations

import re

Page = list[tuple[str, str]]  # ("h", heading), ("p", paragraph) or ("c", code)

TITLE = "hanji.TeX 사용 안내서"
FILE_NAME = "hanji-doc.pdf"

PAGES: list[Page] = [
    [("h", TITLE), ("p", "김한결 이누리"), ("p", "한국조판사용자모임")],
    [("h", "일러두기"),
     ("p", "이 안내서는 한글 문서를 아름답게 조판하려는 사용자를 위해 쓰였다. 처음 쓰는 사람도 따라 할 수 있도록 "
           "설치부터 글꼴 설정까지 차례대로 설명한다. 잘못된 곳이나 고칠 점을 발견하면 사용자 모임 게시판에 "
           "알려 주기 바란다."),
     ("p", "이번 판에서는 설치 방법을 새로 쓰고 자주 겪는 문제를 모아 한 절로 묶었다. 오래된 설명은 덜어 내고 예제를 "
           "늘렸다. 많은 분들이 오류를 알려 주고 예제를 보내 주었다. 이 자리를 빌려 깊이 감사드린다.")],
    [("h", "차례"),
     ("p", "1 hanji.TeX에 관하여 ........ 4\n1.1 구성 ........ 4\n1.2 이름과 읽는 법 ........ 5\n"
           "1.3 간단한 연혁 ........ 6\n1.4 로고 ........ 7\n1.5 개발자와 라이선스 ........ 8\n"
           "2 hanji.sty ........ 9\n2.1 패키지 사용 선언 ........ 9\n2.2 컴파일 엔진 ........ 10\n"
           "2.3 글꼴 설정 ........ 11\n3 문서와 도움말 ........ 12\n3.1 자주 겪는 문제 ........ 13\n"
           "4 배포와 설치 ........ 14\n4.1 CTAN을 통한 배포 ........ 14\n4.2 사설 저장소 ........ 15\n"
           "4.3 저장소 고정 ........ 16")],
    [("h", "제1장 hanji.TeX에 관하여"),
     ("p", "hanji.TeX은 한국어와 한글 조판을 위한 plain TeX, LaTeX 패키지들을 함께 부르는 이름이다. "
           "한국조판사용자모임(HJUG)이 개발을 후원하고 배포를 맡고 있으며 여러 기여자가 개발에 참여하고 있다. "
           "2024년 현재 이 꾸러미에 속한 패키지는 다음과 같다."),
     ("p", "(1) hanji-plain: plain TeX과 LaTeX에서 한글을 쓰기 위한 핵심 매크로. "
           "(2) hanji-utf: pdfTeX 엔진 위에서 UTF-8 한글을 처리하는 패키지. "
           "(3) hanji-xe와 hanji-lua: XeTeX과 LuaTeX 엔진을 위한 패키지. "
           "(4) hanji-utils: 찾아보기를 만드는 hmkindex 같은 도구 모음."),
     ("p", "위의 패키지들은 모두 유니코드(UTF-8)로 쓴 한글을 처리한다. 예전의 완성형(EUC-KR) 문서를 위한 패키지는 "
           "더 이상 고치지 않고 그대로 보존하고 있으므로 새 문서에는 쓰지 않는 것이 좋다. 글꼴 패키지로는 나눔 글꼴과 "
           "은 글꼴을 Type1 형식으로 바꾼 것이 함께 배포된다.")],
    [("h", "1.2 이름과 읽는 법"),
     ("p", "hanji.TeX은 '한지텍'이라고 읽는다. 앞부분은 우리 전통 종이인 한지(hanji)에서 따왔고, 점 뒤의 TeX은 "
           "그리스 문자 chi로 끝나므로 '텍'으로 읽는 것이 관례이다."),
     ("p", "글로 쓸 때에는 대소문자를 지켜 hanji.TeX이라고 쓴다. 로고를 흉내 내려고 글자 사이를 띄우거나 마침표(.)를 "
           "빼서는 안 된다. 로고 모양 그대로 찍고 싶으면 1.4절의 로고 명령을 쓴다."),
     ("p", "이름을 정할 때에는 여러 후보가 나왔다. 종이처럼 오래 가고 질긴 조판 도구가 되기를 바라는 뜻에서 지금의 "
           "이름이 뽑혔다. 사용자 모임에서는 줄여서 그냥 '한지'라고 부르기도 한다.")],
    [("h", "1.3 간단한 연혁"),
     ("p", "2007년 가을 사용자 모임 게시판에서 여러 한글 매크로를 하나로 합치자는 의견이 모였다. 한 달쯤 뒤인 "
           "2007년 11월 첫 베타 버전(0.9)이 공개되었고, 이듬해 봄 1.0판이 나왔다."),
     ("p", "2012년에는 XeTeX과 LuaTeX을 위한 hanji-xe와 hanji-lua가 더해졌다. 2016년에는 모든 패키지가 CTAN에 "
           "등록되어 TeX Live에 기본으로 들어가게 되었다."),
     ("p", "그 사이 여러 사람이 개발에 참여하면서 참고문헌과 찾아보기를 한글 순서로 정렬하는 도구가 갖추어졌고, "
           "세로로 긴 표와 각주를 다루는 방식도 여러 번 고쳐졌다. 지금은 일 년에 한두 번 새 판을 낸다.")],
    [("h", "1.4 로고"),
     ("p", "본문에서 hanji.TeX 로고를 찍으려면 프리앰블에서 hanji-logo 패키지를 불러온 다음 \\hanjiTeX 명령을 쓴다. "
           "이 패키지는 로고 명령만 정의하므로 다른 한글 패키지와 함께 불러도 충돌하지 않는다."),
     ("c", "\\usepackage{hanji-logo}"),
     ("p", "로고의 글자 간격은 본문 글꼴의 크기에 맞추어 자동으로 조정된다(em 단위). 제목이나 머리말처럼 글자가 "
           "큰 곳에서도 로고 모양이 흐트러지지 않는다. 굵은 글꼴 안에서 쓰면 로고도 굵게 찍힌다.")],
    [("h", "1.5 개발자와 라이선스"),
     ("p", "주 개발자는 김한결과 이누리이며 두 사람은 HJUG 저장소의 관리자(maintainer)를 겸한다. "
           "버그 보고는 GitHub 이슈 게시판(hanji-tex/issues)으로 받는다."),
     ("p", "모든 패키지는 LaTeX Project Public License(LPPL) 1.3c 조건으로 배포된다. 함께 배포되는 글꼴 패키지는 "
           "SIL Open Font License(OFL) 1.1을 따른다."),
     ("p", "이 조건에 따라 누구나 패키지를 고쳐 쓸 수 있지만, 고친 파일을 다시 배포할 때에는 원래 파일과 다른 이름을 "
           "붙여야 한다. 자세한 조건은 각 패키지에 들어 있는 README 파일에 적혀 있다.")],
    [("h", "제2장 hanji.sty"),
     ("p", "2.1 패키지 사용 선언. hanji라는 패키지를 부르는 것만으로 한글 사용을 선언할 수 있다. 이 패키지는 지금 "
           "쓰는 TeX 엔진과 주어진 옵션에 따라 알맞은 하위 패키지를 불러오는 wrapper 역할을 한다."),
     ("c", "\\usepackage[hangul]{hanji}"),
     ("p", "[hangul] 옵션을 주면 줄 간격과 '그림', '표' 같은 캡션 이름을 한국어 관례에 맞게 바꾼다. [hanja] 옵션은 "
           "[hangul]을 적용한 뒤 캡션 이름을 한자로 바꾸어 찍는다. 두 옵션은 모든 하위 패키지에서 같게 동작한다."),
     ("p", "옵션을 주지 않으면 글자만 한글로 찍히고 문서의 나머지 모양은 영어 문서와 같다. 장과 절의 번호 붙이는 "
           "방식을 바꾸려면 문서 클래스의 설정을 따로 고친다.")],
    [("h", "2.2 컴파일 엔진"),
     ("p", "pdfLaTeX이나 LaTeX으로 컴파일할 때 [cjk] 옵션을 주면 cjk-hanji 패키지를 부르고, 옵션이 없으면 "
           "hanji-utf 패키지를 부른다. hanji-utf가 기본값이다."),
     ("p", "XeLaTeX과 LuaLaTeX에서는 각각 hanji-xe.sty와 hanji-lua.sty를 찾는다. 어느 엔진이든 문서의 첫머리는 "
           "\\usepackage{hanji} 한 줄로 같게 쓸 수 있다."),
     ("p", "엔진마다 할 수 있는 일이 조금씩 다르다. 글꼴을 자유롭게 고르고 싶다면 XeLaTeX이나 LuaLaTeX을 쓰는 것이 "
           "편하고, 오래된 문서를 그대로 다시 만들어야 한다면 pdfLaTeX을 쓴다. 컴파일 속도는 pdfLaTeX이 가장 빠르다.")],
    [("h", "2.3 글꼴 설정"),
     ("p", "XeLaTeX과 LuaLaTeX에서는 운영체제에 설치된 OpenType 글꼴을 그대로 쓸 수 있다. 본문 한글 글꼴은 "
           "\\setmainhangulfont 명령으로, 고딕 계열 글꼴은 \\setsanshangulfont 명령으로 바꾼다."),
     ("c", "\\setmainhangulfont{NanumMyeongjo}"),
     ("p", "글꼴 이름은 운영체제에 등록된 이름을 그대로 적는다. pdfLaTeX에서는 Type1 글꼴만 쓸 수 있다."),
     ("p", "한자와 옛한글을 찍으려면 그 글자들이 들어 있는 글꼴을 골라야 한다. 글꼴에 없는 글자는 빈칸으로 찍히므로 "
           "컴파일 기록에 남은 경고를 확인한다.")],
    [("h", "제3장 문서와 도움말"),
     ("p", "하위 패키지마다 따로 안내서가 있으므로 자세한 사용법은 각 패키지의 문서를 찾아 읽어야 한다. 문서를 "
           "여는 데에는 TeX Live에 들어 있는 texdoc 도구를 쓴다."),
     ("c", "texdoc hanji"),
     ("p", "이 안내서는 명령행에서 위와 같이 입력하면 열린다. hanji-utf 문서는 texdoc hanji-utf로, cjk-hanji 문서는 "
           "texdoc cjk-hanji로 읽을 수 있다."),
     ("p", "사용 중에 궁금한 점이 생기면 먼저 이 안내서의 자주 겪는 문제 절을 찾아본다. 거기에 없는 문제는 사용자 모임 "
           "게시판에 묻는다. 질문할 때에는 쓰고 있는 엔진과 패키지의 판 번호, 오류 메시지를 함께 적는다.")],
    [("h", "3.1 자주 겪는 문제"),
     ("p", "출력된 문서에서 한글이 빈 네모 상자로 보이면 지정한 글꼴이 컴퓨터에 설치되어 있지 않은 것이다. 글꼴을 "
           "설치하거나 이미 있는 다른 글꼴 이름으로 바꾸면 해결된다."),
     ("p", "줄 끝에서 낱말이 어색하게 끊어지면 띄어쓰기가 빠진 곳이 없는지 확인한다. 찾아보기의 순서가 가나다순이 "
           "아니면 찾아보기 도구를 다시 실행한 뒤 문서를 두 번 더 컴파일한다.")],
    [("h", "제4장 배포와 설치"),
     ("p", "4.1 CTAN을 통한 배포. hanji.TeX 패키지들은 거의 모두 CTAN에 등록되어 있어 TeX Live나 MiKTeX를 "
           "설치하면 함께 들어온다."),
     ("p", "이 가운데 hanji-plain, cjk-hanji, hanji-xe, hanji-utf는 서로의 파일을 필요로 하므로 함께 설치하는 것이 "
           "좋다. hanji-lua도 hanji-xe의 파일을 찾을 때가 있다."),
     ("p", "배포판에 들어 있는 판은 몇 달씩 늦을 수 있다. 새로 고쳐진 내용이 급히 필요하면 다음 절의 사설 저장소를 "
           "쓴다. 그렇지 않다면 배포판의 패키지 관리자로 정기적으로 갱신하는 것으로 충분하다.")],
    [("h", "4.2 사설 저장소"),
     ("p", "CTAN에 올라가기 전의 최신판은 HJUG 사설 저장소에서 받을 수 있다. TeX Live의 패키지 관리자인 tlmgr에 "
           "이 저장소를 추가하려면 관리자 권한으로 다음 명령을 실행한다."),
     ("c", "tlmgr repository add https://hjug.example.org/texlive hjug"),
     ("p", "저장소 주소(URL) 뒤의 hjug는 이 저장소에 붙이는 이름이다. 등록된 저장소 목록은 tlmgr repository list로 "
           "확인한다."),
     ("p", "사설 저장소의 패키지는 충분히 시험하지 않은 것일 수 있다. 중요한 문서를 만드는 컴퓨터에서는 배포판의 판을 "
           "쓰고, 사설 저장소는 새 기능을 미리 써 보려는 사용자만 쓰는 것이 좋다.")],
    [("h", "4.3 저장소 고정"),
     ("p", "저장소를 추가한 다음 그곳의 패키지를 설치하려면 먼저 TeX Live의 tlpkg 디렉터리(이를테면 "
           "/usr/local/texlive/texmf-local/tlpkg)에 hjug:* 라는 한 줄을 담은 pinning.txt 파일을 만들어야 한다. "
           "이 파일이 없으면 tlmgr은 같은 이름의 패키지를 주 저장소에서만 찾는다."),
     ("c", "tlmgr install hanji-utf\ntlmgr remove hanji-utf"),
     ("p", "그 뒤에는 위와 같이 tlmgr install 명령으로 패키지를 설치하거나 tlmgr remove 명령으로 지울 수 있다. "
           "고정을 풀려면 pinning.txt 파일에서 그 줄을 지운다.")],
    [("h", "감사의 글"),
     ("p", "이 꾸러미는 오랜 세월 한글 조판을 고민해 온 많은 사람들의 작업 위에 서 있다. 처음 매크로를 만든 분들, "
           "버그를 찾아 알려 준 사용자들, 예제와 번역을 보내 준 기여자들에게 고마움을 전한다."),
     ("p", "특히 게시판에서 질문에 답하며 새로 온 사용자들을 도와준 모든 분들께 감사드린다. 여러분 덕분에 이 안내서를 "
           "다시 쓸 수 있었다.")],
    [("h", "찾아보기"),
     ("p", "\\hanjiTeX, 7\n\\setmainhangulfont, 11\n\\setsanshangulfont, 11\n글꼴, 11, 13\n라이선스, 8\n"
           "로고, 7\n사설 저장소, 15\n연혁, 6\n컴파일 엔진, 10\nhanji-logo, 7\npinning.txt, 16\ntexdoc, 12\n"
           "tlmgr, 15, 16")],
]
# 1-based numbers of the pages whose Latin text the broken font shifts into Hangul.
SHIFTED_PAGES = frozenset({3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18})
CLEAN_PAGES = frozenset(range(1, len(PAGES) + 1)) - SHIFTED_PAGES

SPACE_BETWEEN_SYLLABLES = re.compile(r"(?<=[\uac00-\ud7a3.,:)])[ ]+(?=[\uac00-\ud7a3])")


def shift_ascii(text: str, base: int = 0xC900) -> str:
    """ASCII as a broken Korean font encoding renders it: moved into one Hangul block."""
    return "".join(chr(base + ord(c)) if 0x21 <= ord(c) <= 0x7E else c for c in text)


def as_extracted(text: str, shifted: bool) -> str:
    """Body text as the PDF carries it: Latin shifted on shifted pages, no spaces between Korean words."""
    return SPACE_BETWEEN_SYLLABLES.sub("", shift_ascii(text) if shifted else text)


def manual_pages() -> list[Page]:
    """The manual's pages as they are printed (code lines and headings come from a font that works)."""
    return [[(kind, as_extracted(text, number in SHIFTED_PAGES) if kind == "p" else text) for kind, text in page]
            for number, page in enumerate(PAGES, start=1)]
