"""How well ``is_follow_up`` tells a follow-up from a self-contained question: the old rule against the new.

    .venv/bin/python benchmarks/follow_ups.py

Measures recall on the dev questions that follow another (``follows`` set) and how many of the other dev
questions are wrongly taken for follow-ups, then precision and recall on the labelled list below, written
for this benchmark (not the unit tests' cases), in English and Korean. No model, no index: it runs in a
second.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from bench_common import QUESTIONS, md_table

from desktop_app.engine.answering.memory import is_follow_up

# (question, is a follow-up)
LABELLED: list[tuple[str, bool]] = [
    ("Does she still lead the survey team?", True),
    ("Why did they postpone the audit?", True),
    ("How do I reset it to the default?", True),
    ("Can you give me his e-mail address?", True),
    ("Is their office open on Saturdays?", True),
    ("What does that setting change exactly?", True),
    ("Are these numbers from 2023?", True),
    ("Is the same rule true for part-time staff?", True),
    ("And for contractors?", True),
    ("What about the Busan office?", True),
    ("Or should I use the command line?", True),
    ("Only for admins?", True),
    ("Interns?", True),
    ("How come?", True),
    ("Which of the two is cheaper, the first one or the other one?", True),
    ("Could I use a TrueType font instead?", True),
    ("Does the rule apply to visitors as well?", True),
    ("What did you mention about the deadline earlier?", True),
    ("Can I undo that later?", True),
    ("Which version introduced them?", True),
    ("그는 어느 부서 소속인가요?", True),
    ("그녀의 연락처를 알려 주세요.", True),
    ("그것을 끄려면 어떻게 하나요?", True),
    ("거기에 주차해도 되나요?", True),
    ("해당 규정은 언제부터 적용되나요?", True),
    ("위의 방법이 맥에서도 되나요?", True),
    ("그럼 비용은 얼마인가요?", True),
    ("그리고 마감일은 언제인가요?", True),
    ("계약직은요?", True),
    ("외부 업체 직원은?", True),
    ("이전 것과 비교하면 어떤가요?", True),
    ("이건 무료인가요?", True),
    ("Is that also true on a Mac?", True),
    ("How much does the other plan cost?", True),
    ("나머지는 어떻게 처리하나요?", True),
    ("그때는 누가 승인했나요?", True),
    ("How do I add page numbers to a PDF report?", False),
    ("Is there a limit on how many files I can index?", False),
    ("Is it safe to delete the index folder while the app is closed?", False),
    ("Which font that ships with the app supports Korean?", False),
    ("How long does it take to index a 500-page manual?", False),
    ("What license is this application released under?", False),
    ("Why do some scanned pages come out blank?", False),
    ("Can I export an answer as a Word document instead of plain text?", False),
    ("What is a LoRA adapter?", False),
    ("The search finds nothing in my encrypted PDFs. How do I fix that?", False),
    ("Which chart types, such as pie and bar, support legends?", False),
    ("How many pages can one document have?", False),
    ("사설 저장소를 추가하려면 어떤 명령을 쓰나요?", False),
    ("이 프로그램은 인터넷 없이도 작동하나요?", False),
    ("그래프에 범례를 넣으려면 어떻게 하나요?", False),
    ("전자 문서의 보존 기간은 얼마인가요?", False),
    ("세로쓰기를 지원하는 글꼴은 무엇인가요?", False),
    ("색인을 다시 만들려면 어떤 버튼을 누르나요?", False),
    ("인쇄할 때 한글이 깨집니다. 왜 그런가요?", False),
    ("표의 머리행을 다음 쪽에서도 반복하려면 어떻게 하나요?", False),
    ("Who approves travel expenses over 500 euros?", False),
    ("Where are the answers of a conversation stored on disk?", False),
    ("한글 문서를 PDF로 내보낼 수 있나요?", False),
]

FOLLOW_UP_STARTS = (
    "and ", "but ", "also", "what about", "how about", "then ", "so ", "why ", "how do i undo", "what if",
    "그럼", "그러면", "그리고", "그건", "그것", "이건", "이것", "그 ", "또 ",
)
KOREAN_REFERRING = ("거기", "그것", "그거", "이것", "이거", "그런", "그렇게", "다음에", "그 다음", "그걸", "이걸")
REFERRING_WORDS = re.compile(
    r"\b(it|its|that|this|those|these|they|them|their|there|same|instead|one|ones|former|latter)\b", re.IGNORECASE
)


def old_rule(question: str) -> bool:
    """The rule before this change, copied for comparison."""
    text = question.strip().lower()
    if text.startswith(FOLLOW_UP_STARTS) or any(word in text for word in KOREAN_REFERRING):
        return True
    return len(text.split()) <= 12 and bool(REFERRING_WORDS.search(text))


def ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.2f}" if total else "n/a"


def scores(rule: Callable[[str], bool], cases: list[tuple[str, bool]]) -> tuple[str, str]:
    """Precision and recall of ``rule`` on labelled ``cases``."""
    said = [(rule(question), label) for question, label in cases]
    true_positives = sum(1 for guess, label in said if guess and label)
    return ratio(true_positives, sum(1 for guess, _ in said if guess)), ratio(true_positives,
                                                                              sum(1 for _, label in said if label))


def misses(rule: Callable[[str], bool], cases: list[tuple[str, bool]]) -> list[str]:
    return [f"{'missed' if label else 'false'}: {question}" for question, label in cases if rule(question) != label]


def main() -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = [(row["question"], bool(row.get("follows"))) for row in rows]
    rules: dict[str, Callable[[str], bool]] = {"old": old_rule, "new": is_follow_up}
    table = []
    for name, rule in rules.items():
        dev_precision, dev_recall = scores(rule, dev)
        own_precision, own_recall = scores(rule, LABELLED)
        wrong = sum(1 for question, label in dev if not label and rule(question))
        table.append([name, dev_recall, ratio(wrong, sum(1 for _, label in dev if not label)), dev_precision,
                      own_precision, own_recall])
    print(f"dev: {len(dev)} questions, {sum(label for _, label in dev)} follow-ups; own list: {len(LABELLED)} "
          f"questions, {sum(label for _, label in LABELLED)} follow-ups\n")
    print(md_table(["rule", "dev recall", "dev self-contained flagged", "dev precision", "own precision",
                    "own recall"], table))
    for name, rule in rules.items():
        print(f"\n{name} rule errors on the own list:", *misses(rule, LABELLED) or ["none"], sep="\n  ")


if __name__ == "__main__":
    main()
