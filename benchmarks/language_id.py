"""Language identification of questions: how often an English question is taken for another language, and
whether questions in other languages are named right (``engine.language.detect_language``).

- English questions: those of the dev and English benchmark sets, and the English questions the tests ask
  (string literals that open with a question word and end in "?"). Each one not named English is listed with
  the identifier's language and probability (``MIN_CONFIDENCE`` decides whether it is believed).
- ``FOREIGN``: the same kinds of question in nine other languages, each with the language it is in.
- Every question of the dev, English and Korean benchmark sets against the language its file records.

    .venv/bin/python benchmarks/language_id.py
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import QUESTIONS, ROOT, md_table, write_results  # noqa: E402

from desktop_app.engine.language import MIN_CONFIDENCE, detect_language, identifier  # noqa: E402

SETS = [QUESTIONS, *(ROOT / "benchmarks" / name / "questions.jsonl" for name in ("english", "korean"))]
ASKED = re.compile(r'"((?:What|How|Which|Why|When|Where|Is|Can|Does|Do|Who|And)[^"]{5,200}\?)"')
FOREIGN = [
    ("fr", "Comment créer un PDF protégé par mot de passe que les lecteurs ne peuvent pas imprimer ?"),
    ("fr", "Quels algorithmes cette protection utilise-t-elle ?"),
    ("fr", "Où se trouve le point (0,0) sur un nouveau canevas ?"),
    ("fr", "Quelle méthode du canevas écrit une ligne de texte centrée ?"),
    ("fr", "Comment répéter la ligne d'en-tête d'un long tableau sur chaque page ?"),
    ("fr", "Quel module faut-il pour la césure automatique des mots ?"),
    ("fr", "Et pour les sous-traitants ?"),
    ("fr", "Comment tracer une ligne pointillée ?"),
    ("fr", "Combien de diapositives faut-il préparer pour un exposé de vingt minutes ?"),
    ("fr", "Est-ce que ça vaut la peine ?"),
    ("de", "Wie erstelle ich ein passwortgeschütztes PDF, das nicht gedruckt werden kann?"),
    ("de", "Welche Algorithmen verwendet diese Verschlüsselung?"),
    ("de", "Wie wiederhole ich die Kopfzeile einer langen Tabelle auf jeder Seite?"),
    ("de", "Wo liegt der Ursprung des Koordinatensystems?"),
    ("es", "¿Cómo creo un PDF protegido con contraseña que no se pueda imprimir?"),
    ("es", "¿Qué algoritmos usa esa protección?"),
    ("es", "¿Cómo repito la fila de encabezado de una tabla larga en cada página?"),
    ("it", "Come creo un PDF protetto da password che non si può stampare?"),
    ("it", "Quali algoritmi usa questa protezione?"),
    ("pt", "Como crio um PDF protegido por senha que não pode ser impresso?"),
    ("pt", "Quais algoritmos essa proteção usa?"),
    ("nl", "Hoe maak ik een met een wachtwoord beveiligde PDF die niet kan worden afgedrukt?"),
    ("ru", "Как создать защищённый паролем PDF, который нельзя распечатать?"),
    ("ja", "印刷できないパスワード付きのPDFを作るにはどうすればいいですか？"),
    ("zh", "如何创建一个不能打印的受密码保护的PDF？"),
]


def english_questions() -> list[str]:
    asked = [q["question"] for path in SETS[:2] for q in map(json.loads, path.read_text().splitlines())
             if q.get("lang") == "en"]
    for path in sorted((ROOT / "tests").rglob("*.py")):
        asked += ASKED.findall(path.read_text())
    return list(dict.fromkeys(asked))


def main() -> None:
    started = time.perf_counter()
    identifier()
    load_s = time.perf_counter() - started
    english = english_questions()
    started = time.perf_counter()
    named = [(q, detect_language(q)) for q in english]
    per_question_ms = 1000 * (time.perf_counter() - started) / len(english)
    doubted = [(q, *identifier().classify(q[-1000:])) for q in english]
    doubted = [(q, language, round(float(p), 2)) for q, language, p in doubted if language != "en"]
    wrong_english = [q for q, language in named if language != "en"]
    foreign = [(language, q, *identifier().classify(q)) for language, q in FOREIGN]
    foreign_right = sum(detect_language(q) == language for language, q, *_ in foreign)
    recorded = [(path.parent.name if path != QUESTIONS else "dev", q["id"], q["lang"], detect_language(q["question"]))
                for path in SETS for q in map(json.loads, path.read_text().splitlines())]
    print(f"Model loaded in {load_s:.2f} s; {per_question_ms:.2f} ms per question; believed at {MIN_CONFIDENCE}\n")
    print(f"English questions: {len(english)}, named another language: {len(wrong_english)}")
    print("Not taken for English by the identifier alone (language, probability):")
    print(md_table(["question", "language", "probability"], doubted) + "\n")
    print(f"Other languages: {foreign_right} of {len(foreign)} named right; least sure "
          f"{min(float(p) for *_, p in foreign):.2f}")
    print(md_table(["language", "question", "named", "probability"],
                   [(lang, q, named, round(float(p), 2)) for lang, q, named, p in foreign]) + "\n")
    differing = [r for r in recorded if r[2] != r[3]]
    print(f"Benchmark questions given the language their file records: {len(recorded) - len(differing)} of "
          f"{len(recorded)}")
    for row in differing:
        print("  differs:", row)
    write_results("language_id", {"english": len(english), "english_named_other": wrong_english,
                                  "doubted": doubted, "foreign_right": foreign_right, "foreign": len(foreign),
                                  "recorded": len(recorded), "differing": differing, "load_s": load_s,
                                  "per_question_ms": per_question_ms})


if __name__ == "__main__":
    main()
