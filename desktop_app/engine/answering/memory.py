"""Conversation memory: stand-alone search queries for follow-ups, and summaries of old turns.

A follow-up leans on the previous question, so ``standalone_query`` searches it joined with that
question's query. ``is_follow_up`` recognises one, in English or Korean, by any of three signs:

- It opens like a continuation, at any length: "and ...", "or ...", "what about ...", "그럼", "그리고",
  "또", or a Korean pronoun first ("그건 ...").
- It is an ellipsis, a fragment of at most ``MAX_ELLIPSIS_WORDS`` words: "Only on Linux?", "Contractors?",
  "Why not?", "계약자는?", "외부 직원은요?", "한글은 어때요?".
- It refers back, in a question of at most ``MAX_FOLLOW_UP_WORDS`` words: personal pronouns and
  possessives (it, her, their; 그, 그녀의, 그것), demonstratives (that, these, the same, such; 거기, 해당,
  위의) and comparative references (the other one, the previous answer, instead, as well; 마지막 것,
  나머지, 마찬가지).

Longer questions carry their own context, so a pronoun in them is not taken as a reference. Nor are
words that only look like one: expletive "it" (is it possible to ...), existential "there" (is there
...), relative "that" (a font that ...), "this" or "이" for the document or app itself (this PDF, 이
문서), "instead of", "such as"; and when a question first states something in a sentence of its own,
only that sentence is searched, since later pronouns point back to it ("... shows boxes. Why is that?").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from desktop_app.engine.answering.sentences import segments

MAX_QUERY_WORDS = 60
TURN_OVERHEAD = 16

MAX_FOLLOW_UP_WORDS = 12  # a longer question leans on its predecessor only if it opens like a follow-up
MAX_ELLIPSIS_WORDS = 4  # a fragment this short, with no question word or verb to open it, is an ellipsis
CONTEXT_WORDS = 4  # a first sentence this long gives the pronouns of the sentences after it their referent
PUNCTUATION = "?!.,;:'\"()[]{}…~·‘’“”「」『』"

ENGLISH_OPENINGS = (
    "and", "but", "or", "also", "so", "then", "plus", "otherwise", "instead", "likewise", "similarly", "same",
    "what about", "how about", "what if", "what else", "anything else", "as for", "in that case", "if so",
    "if not", "how do i undo",
)
FRAGMENT_OPENINGS = ("only", "just", "even", "except", "not")  # "Only on Linux?", when short and asked
PERSONAL_PRONOUNS = ("he", "she", "it", "they", "him", "her", "them", "himself", "herself", "itself", "themselves")
POSSESSIVES = ("his", "hers", "its", "their", "theirs")
DEMONSTRATIVES = ("those", "such", "same", "former", "latter", "there")
BACK_PHRASES = (
    "the other", "the others", "the rest", "instead", "what else", "anything else", "in that case", "if so",
    "if not", "as above", "as before", "than before", "mentioned above", "mentioned earlier", "mentioned before",
    "you said", "you mentioned", "you suggested", "you described", "you showed", "you gave", "you listed",
    "you say", "you mention", "you suggest", "you describe", "you show",
)
TRAILING_REFERENCES = ("too", "as well", "also", "either", "here", "then", "earlier")  # "Contractors too?"
LOOK_ALIKES = (  # phrases with a referring word in them that refer to nothing before
    "such as", "such that", "so that", "instead of", "as well as", "at the same time", "the same as",
    "on the other hand", "the rest of", "these days", "is there", "are there", "was there", "were there",
    "isn't there", "aren't there", "will there", "has there", "have there", "there is", "there are",
    "there's", "there was", "there were", "there will", "there exist", "there exists",
)
EXPLETIVE_ADJECTIVES = (
    "possible", "impossible", "safe", "ok", "okay", "better", "best", "necessary", "required", "recommended",
    "normal", "true", "easy", "hard", "difficult", "allowed", "wise", "enough", "faster", "slower", "quicker",
    "advisable", "common", "likely", "useful", "important", "worth",
)
THAT_LEADERS = (  # "that" after these points back ("undo that", "does that gain"); after a noun it is relative
    "about", "with", "for", "of", "on", "in", "to", "from", "like", "after", "before", "than", "without", "into",
    "by", "at", "under", "over", "through", "via", "despite", "is", "was", "are", "were", "does", "do", "did",
    "can", "could", "will", "would", "should", "isn't", "doesn't", "undo", "use", "change", "fix", "disable",
    "enable", "turn", "switch", "set", "make", "get", "try", "apply", "avoid", "prevent", "replace", "remove",
    "keep", "reverse", "skip", "install", "run", "export", "print", "save", "open", "delete", "add", "configure",
    "explain", "need", "want", "prefer", "recommend", "combine", "repeat", "all", "just", "only", "exactly",
)
GENERIC_NOUNS = (  # "this PDF", "이 문서": the thing being read or used, not something said before
    "document", "documents", "pdf", "pdfs", "file", "files", "manual", "guide", "book", "app", "application",
    "program", "software", "tool", "library", "collection", "folder", "computer", "laptop", "machine", "chat",
    "conversation", "문서", "파일", "책", "매뉴얼", "설명서", "안내서", "가이드", "앱", "프로그램", "도구",
    "라이브러리", "컬렉션", "폴더", "자료", "컴퓨터", "노트북", "대화",
)
PREVIOUS_THINGS = (
    "answer", "question", "example", "step", "option", "command", "method", "approach", "solution", "suggestion",
    "setting", "result", "reply",
)
QUESTION_WORDS = ("what", "which", "who", "whom", "whose", "where", "when", "why", "how", "what's", "where's",
                  "who's", "how's")
AUXILIARIES = ("is", "are", "was", "were", "am", "do", "does", "did", "can", "could", "should", "would", "will",
               "shall", "may", "might", "must", "has", "have", "had", "isn't", "aren't", "doesn't", "don't",
               "can't", "won't", "i", "i'm", "i've", "please", "tell", "show", "give", "explain", "list")
BARE_QUESTION_WORDS = QUESTION_WORDS + (  # "Why not?", "How come?", "Since when?", "Like what?"
    "not", "so", "come", "exactly", "else", "then", "for", "since", "like", "one", "ones", "many", "much", "long",
    "often", "really",
)

KOREAN_OPENINGS = (
    "그럼", "그러면", "그리고", "그런데", "근데", "그렇다면", "그렇지만", "그래서", "그러니까", "그러고", "아니면",
    "또", "또는", "또한", "게다가", "그밖에", "그외에", "이어서", "다음에", "다음에는", "다음으로", "그다음",
    "그다음에", "대신", "대신에",
)
KOREAN_PRONOUNS = (  # with any particle after them: 그는, 그녀의, 그들이, 그것도, 거기서, 해당, 위의, 나머지는
    "그", "그녀", "그들", "그분", "그것", "이것", "저것", "그거", "이거", "저거", "그걸", "이걸", "저걸", "그건",
    "이건", "저건", "그게", "이게", "저게", "거기", "여기", "저기", "그곳", "이곳", "저곳", "그쪽", "이쪽", "저쪽",
    "그때", "이때", "그중", "해당", "위의", "앞의", "상기", "앞서", "방금", "아까", "후자", "나머지",
)
KOREAN_REFERRING_PREFIXES = ("그렇", "그런", "그러한", "이렇", "이런", "이러한", "저렇", "저런", "마찬가지", "똑같",
                             "그대로", "이와")
KOREAN_PARTICLES = (
    "은", "는", "이", "가", "을", "를", "의", "에", "에서", "에서는", "에서도", "에는", "에도", "에게", "에게는", "서",
    "도", "만", "으로", "로", "으로는", "로는", "과", "와", "랑", "이랑", "하고", "까지", "부터", "보다", "처럼",
    "한테", "엔", "에선", "요", "은요", "는요", "이요", "도요", "만요", "에서요", "로요", "이에요", "예요",
)
KOREAN_ONES = ("것", "거", "걸", "건", "게", "하나", "쪽")  # after 두 번째, 이전, 마지막: "the second one"
KOREAN_ELLIPSIS_ENDINGS = (  # a topic with a polite 요 and no verb: "외부 직원은요?", "PDF로요?"
    "은요", "는요", "이요", "도요", "만요", "에서는요", "에는요", "엔요", "에선요", "면요", "로요", "에서요", "라면요",
)
KOREAN_FRAGMENTS = ("어때", "어때요", "어떤가요", "어떻습니까", "어떨까요", "어떻게요", "왜", "왜요", "어째서",
                    "어째서요", "정말요", "진짜요")
KOREAN_VERB_FINALS = "요까니나죠지냐가래야어아해돼데란다고음함됨임"  # last syllables of a full Korean question
KOREAN_HOW_TO = ("려면",)  # "색을 바꾸려면?": a whole how-to question, not a fragment


def any_of(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, each escaped."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def english_words(words: Iterable[str]) -> str:
    """A regex for any of ``words`` standing as whole words (not inside "so-called" or "one-page")."""
    return rf"(?<![\w-])(?:{any_of(words)})(?![\w-])"


ENGLISH_OPENING = re.compile("^" + english_words(ENGLISH_OPENINGS))
FRAGMENT_OPENING = re.compile("^" + english_words(FRAGMENT_OPENINGS))
LOOK_ALIKE = re.compile(english_words(LOOK_ALIKES))
EXPLETIVE_IT = re.compile(
    rf"\bit(?:'s|\s+is|\s+was|\s+would\s+be|\s+will\s+be)?\s+(?:(?:more|less|very|really|still)\s+)?"
    rf"(?:{any_of(EXPLETIVE_ADJECTIVES)})\s+(?:to|that|for|if|when|whether|\w+ing)\b"
    r"|\bit\s+takes?\b|\b(?:does|did|will|would)\s+it\s+take\b"
)
ENGLISH_REFERENCES = (
    re.compile(english_words(PERSONAL_PRONOUNS + POSSESSIVES + DEMONSTRATIVES + BACK_PHRASES)),
    re.compile(rf"{english_words(TRAILING_REFERENCES)}\W*$"),
    re.compile(rf"(?:^|[,;:!?.]\s*|{english_words(THAT_LEADERS)}\s+)that\b|\bthat\s*(?:[,;:!?.]|$)"),
    re.compile(rf"\b(?:this|these)\b(?!\s+(?:{any_of(GENERIC_NOUNS)})\b)(?![^:]*:)"),
    re.compile(r"\b(?:the|which|that|this|another|other|each|either|a|an)\s+(?:\w+\s+)?ones?(?![\w-])"
               r"(?!\s+(?:that|which|who|where|with|of|for)\b)"),
    re.compile(rf"\bthe\s+(?:previous|earlier|above|aforementioned)(?:\s+(?:{any_of(PREVIOUS_THINGS)})s?\b|\W*$)"),
)
HANGUL = re.compile("[\uac00-\ud7a3]")
SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")
KOREAN_REFERENCE = re.compile(rf"(?:{any_of(KOREAN_PRONOUNS)})(?:{any_of(KOREAN_PARTICLES)})?")
KOREAN_THIS = re.compile(rf"(?<!\S)이\s+(?!{any_of(GENERIC_NOUNS)})\S")
KOREAN_BACK_PHRASES = re.compile(
    rf"(?<!\S)(?:번째|이전|마지막)\s+(?:{any_of(KOREAN_ONES)})(?:{any_of(KOREAN_PARTICLES)})?(?=[\s?!.,]|$)"
    r"|(?<!\S)다른\s+(?:하나|쪽)|(?<!\S)(?:위에서|앞에서|전에)\s+(?:말|언급|설명|나온|보여|알려)"
)


@dataclass(frozen=True)
class Turn:
    """One question and its answer, as a later prompt repeats them.

    ``message``: the user message the model read for this answer (its sources, the question, the key
    sentences), "" when no model was asked or the record predates it: then the question stands alone.
    ``passages``: source number -> the text given under it in ``message``; ``chunks``: source number -> the
    ids of the chunks it was retrieved as; ``held``: source number -> the ids of the chunks its given text
    holds (widened over its neighbours; empty in records that predate it), so a follow-up that retrieves
    chunks a passage already holds refers to that number (``prompt.carry_over``).
    """

    question: str
    answer: str
    message_id: int
    message: str = ""
    passages: dict[int, str] = field(default_factory=dict)
    chunks: dict[int, tuple[int, ...]] = field(default_factory=dict)
    held: dict[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The user message of this turn in a later prompt, exactly as the model first read it."""
        return self.message or self.question


def is_follow_up(question: str) -> bool:
    """A question that leans on the previous one: it opens like a follow-up, is an ellipsis, or refers back."""
    text = normalise(question)
    words = text.split()
    if not words:
        return False
    if opens_as_follow_up(text, words) or is_ellipsis(text, words):
        return True
    return len(words) <= MAX_FOLLOW_UP_WORDS and refers_back(own_context(text))


def normalise(question: str) -> str:
    return " ".join(unicodedata.normalize("NFC", question).lower().split())


def bare(word: str) -> str:
    return word.strip(PUNCTUATION)


def opens_as_follow_up(text: str, words: list[str]) -> bool:
    """A continuation, whatever its length: "And ...", "What about ...", "그럼 ...", "그건 ..."."""
    first = bare(words[0])
    return bool(ENGLISH_OPENING.match(text)) or first in KOREAN_OPENINGS or is_korean_reference(first)


def is_ellipsis(text: str, words: list[str]) -> bool:
    """A fragment that only makes sense after another question: "Only on Linux?", "Tables?", "계약자는?"."""
    if text.endswith("?") and FRAGMENT_OPENING.match(text) and len(words) <= MAX_FOLLOW_UP_WORDS:
        return True
    if len(words) > MAX_ELLIPSIS_WORDS:
        return False
    return korean_fragment(text, words) if HANGUL.search(text) else english_fragment(text, words)


def english_fragment(text: str, words: list[str]) -> bool:
    """A short question that opens with no question word or verb ("For contractors?"), or has only those
    ("Why not?")."""
    if not text.endswith("?"):
        return False
    plain = [bare(word) for word in words]
    return all(word in BARE_QUESTION_WORDS for word in plain) or plain[0] not in QUESTION_WORDS + AUXILIARIES


def korean_fragment(text: str, words: list[str]) -> bool:
    """A short question that ends on a topic rather than a verb: "계약자는?", "외부 직원은요?", "한글은 어때요?"."""
    last = bare(words[-1])
    if last in KOREAN_FRAGMENTS or last.endswith(KOREAN_ELLIPSIS_ENDINGS):
        return True
    if last.endswith(KOREAN_HOW_TO):
        return False
    return text.endswith("?") and bool(last) and last[-1] not in KOREAN_VERB_FINALS


def own_context(text: str) -> str:
    """The part of ``text`` whose references can point outside it: all of it, or the first sentence when that
    sentence states enough for later ones to point back to ("My PDF shows boxes. Why is that?")."""
    sentences = SENTENCE_END.split(text)
    if len(sentences) > 1 and len(sentences[0].split()) >= CONTEXT_WORDS:
        return sentences[0]
    return text


def refers_back(text: str) -> bool:
    return english_refers_back(text) or korean_refers_back(text)


def english_refers_back(text: str) -> bool:
    """A pronoun, possessive, demonstrative or comparative reference, once the look-alikes are taken out."""
    text = LOOK_ALIKE.sub(" ", EXPLETIVE_IT.sub(" ", text))
    return any(pattern.search(text) for pattern in ENGLISH_REFERENCES)


def korean_refers_back(text: str) -> bool:
    if not HANGUL.search(text):
        return False
    if any(is_korean_reference(bare(word)) for word in text.split()):
        return True
    return bool(KOREAN_THIS.search(text) or KOREAN_BACK_PHRASES.search(text))


def is_korean_reference(word: str) -> bool:
    """그, 그녀의, 그것도, 거기서, 해당, 위의, 그런, 마찬가지로: a Korean word that points back."""
    return bool(KOREAN_REFERENCE.fullmatch(word)) or word.startswith(KOREAN_REFERRING_PREFIXES)


def standalone_query(question: str, previous_query: str | None) -> str:
    """The search query for ``question``: joined with its predecessor's when it is a follow-up."""
    if not previous_query or not is_follow_up(question):
        return question
    words = f"{previous_query} {question}".split()
    return " ".join(words[-MAX_QUERY_WORDS:])


LONG_QUESTION_CHARS = 1000
"""A question longer than this is pasted text (an e-mail thread, a report) ending in what is asked."""
KEY_TERMS = 8
QUESTION_MARKS = ("?", "？")


def focus_query(question: str) -> str:
    """The search query for a long pasted text: its last question (else its last sentence), and the words
    repeated most often in the rest of it. Short questions are searched as they are."""
    if len(question) <= LONG_QUESTION_CHARS:
        return question
    sentences = segments(question)
    asked = [s for s in sentences if s.endswith(QUESTION_MARKS)]
    last = (asked or sentences or [question[-LONG_QUESTION_CHARS:]])[-1][-LONG_QUESTION_CHARS:]
    counts: dict[str, int] = {}
    for word in re.findall(r"\w{4,}", question.lower()):
        counts[word] = counts.get(word, 0) + 1
    seen = set(re.findall(r"\w+", last.lower()))
    repeated = [w for w in sorted(counts, key=lambda w: -counts[w]) if counts[w] > 1 and w not in seen
                and not w.isdigit()][:KEY_TERMS]
    return " ".join([last, *repeated])


def asked_part(question: str) -> str:
    """The sentences of ``question`` that ask, when others before or after them only set the scene ("The
    graphics shapes validate every attribute assignment. How do I switch that checking off?" gives the
    second); "" when every sentence asks or none does (a statement such as "이름 규칙이 궁금해요.")."""
    sentences = segments(question)
    asked = [s for s in sentences if s.endswith(QUESTION_MARKS)]
    return " ".join(asked) if asked and len(asked) < len(sentences) else ""


def first_sentence(text: str, limit: int = 200) -> str:
    sentence = re.split(r"(?<=[.!?。])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "..."


def summarise(turns: list[Turn]) -> str:
    """An extractive summary: each old question with the first sentence of its answer."""
    return "\n".join(f"- Asked: {first_sentence(t.question)} Answered: {first_sentence(t.answer)}" for t in turns)


def fold_history(
    turns: list[Turn], summary: str, budget: int, summary_budget: int, count: Callable[[str], int]
) -> tuple[str, list[Turn], list[Turn]]:
    """Keep every turn verbatim, as the model read it, while they fit in ``budget`` tokens; else fold them all.

    A follow-up's prompt then starts with exactly the previous prompt and answer, so llama.cpp evaluates
    only the new question and its new sources (the KV cache holds the rest). Once the turns no longer fit,
    all of them are folded into the summary (``summarise``, trimmed to ``summary_budget``) and the next
    prompt is evaluated whole once; folding only the oldest would leave later turns referring to sources
    no longer in the prompt. Returns the summary, the turns kept verbatim, and the turns newly folded
    (the caller records them as summarised).
    """
    used = sum(count(turn.prompt) + count(turn.answer) + TURN_OVERHEAD for turn in turns)
    if used <= budget:
        return summary, turns, []
    summary = "\n".join(part for part in (summary, summarise(turns)) if part)
    return trim_to_budget(summary, summary_budget, count), [], turns


def trim_to_budget(summary: str, budget: int, count: Callable[[str], int]) -> str:
    """Drop the oldest summary lines until the summary fits."""
    lines = summary.splitlines()
    while lines and count("\n".join(lines)) > budget:
        lines.pop(0)
    return "\n".join(lines)
