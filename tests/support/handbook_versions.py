"""Two versions of a four-page handbook that differ in exactly three places, for the comparison tests.

Version 2 changes one sentence on page 1, adds one on page 2 and removes one
on page 3; page 4 is the same. Either version can also be written with a
section renamed and another moved, to test the alignment of sections.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from support.pdfs import harbour_report, write_pdf

OLD_SENTENCE = "The station measures the water level of the river every hour."
NEW_SENTENCE = "The station measures the water level of the river every fifteen minutes."
ADDED_SENTENCE = "A diesel generator powers the station during long outages of the grid."
REMOVED_SENTENCE = "Visitors must sign the logbook at the gate before entering the yard."
CHANGES = {"changed": (1, OLD_SENTENCE, NEW_SENTENCE), "added": (2, "", ADDED_SENTENCE),
           "removed": (3, REMOVED_SENTENCE, "")}
"""Each change's kind: (its page, the sentence in version 1, the sentence in version 2)."""

SECTIONS: list[tuple[int, str, list[str]]] = [
    (1, "Purpose", ["This handbook explains how the Kelso river station is run and maintained.",
                    "It is written for the field technicians of the northern district.",
                    "Questions about it go to the district office in Alnwick."]),
    (1, "Measurements", [OLD_SENTENCE, "Readings are sent to the flood warning centre by radio.",
                         "A paper log is kept as a backup of every reading."]),
    (2, "Equipment", ["The main gauge is a radar sensor mounted under the road bridge.",
                      "A spare pressure sensor is kept in the store room next to the office.",
                      "The batteries of both sensors are replaced every six months."]),
    (3, "Procedures", ["Technicians inspect the radar sensor on the first Monday of each month.",
                       REMOVED_SENTENCE,
                       "After heavy rain the debris under the bridge is cleared within two days."]),
    (4, "Contacts", ["The duty officer answers the station telephone day and night.",
                     "Faults of the radio link are reported to the telecoms contractor in Berwick.",
                     "The district engineer approves every change to the equipment."]),
]


def handbook(path: Path, version: int = 1, rename: dict[str, str] | None = None, move: str = "",
             label_prefix: str = "") -> Path:
    """Write the handbook (``version`` 1 or 2); ``rename`` maps headings to new ones; ``move``: a section
    written first, before all the others (on page 1); ``label_prefix``: pages labelled "<prefix>1" to
    "<prefix>4" (else they have no labels)."""
    pages: list[list[tuple[str, str]]] = [[] for _ in range(4)]
    for page, heading, sentences in sorted(SECTIONS, key=lambda s: s[1] != move):
        text = list(sentences)
        if version == 2:
            text = [NEW_SENTENCE if s == OLD_SENTENCE else s for s in text if s != REMOVED_SENTENCE]
            if heading == "Equipment":
                text.insert(2, ADDED_SENTENCE)
        where = 1 if heading == move else page
        pages[where - 1] += [("h", (rename or {}).get(heading, heading)), ("p", " ".join(text))]
    write_pdf(path, pages, title=f"Kelso River Station Handbook, version {version}")
    if label_prefix:
        doc = pymupdf.open(path)
        doc.set_page_labels([{"startpage": 0, "prefix": label_prefix, "style": "D", "firstpagenum": 1}])
        doc.saveIncr()
        doc.close()
    return path


RENAMED = {"Equipment": "Instruments and hardware"}


def handbook_set(folder: Path) -> dict[str, Path]:
    """Version 1; version 2 (pages labelled "R1" to "R4"); version 2 with "Equipment" renamed and "Contacts"
    moved to the front; and an unrelated report. Keys: "v1", "v2", "moved", "other"."""
    return {"v1": handbook(folder / "handbook-v1.pdf"),
            "v2": handbook(folder / "handbook-v2.pdf", 2, label_prefix="R"),
            "moved": handbook(folder / "handbook-v2-moved.pdf", 2, RENAMED, "Contacts"),
            "other": harbour_report(folder / "harbour.pdf")}
