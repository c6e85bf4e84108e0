"""A slice of the fuzzing in benchmarks/fuzz_files.py: damaged PDFs and GGUFs never take the app down."""

from __future__ import annotations

import os
from pathlib import Path

from desktop_app.engine import Engine, FileFailed, FileIndexed
from desktop_app.engine.models.gguf_info import read_info
from desktop_app.engine.models.trial_load import trial_load
from desktop_app.errors import ModelError
from support.lora_files import base_model, write_lora
from support.mutations import gguf_mutations, pdf_mutations
from support.pdfs import hangul_manual_pdf, harbour_report


def test_damaged_pdfs_are_each_indexed_or_refused_with_a_reason(engine: Engine, tmp_path: Path) -> None:
    sources = {"hanji.pdf": hangul_manual_pdf(tmp_path / "hanji.pdf").read_bytes(),
               "harbour.pdf": harbour_report(tmp_path / "harbour.pdf").read_bytes()}
    folder = tmp_path / "fuzz"
    folder.mkdir()
    for name, data in pdf_mutations(sources, count=20, seed=7):
        (folder / name).write_bytes(data)
    events = list(engine.library.index([folder]))
    outcomes = {e.path.name: e for e in events if isinstance(e, (FileIndexed, FileFailed))}
    skipped = [e for e in events if type(e).__name__ == "FileSkipped"]
    assert len(outcomes) + len(skipped) == 20
    assert all(e.message for e in outcomes.values() if isinstance(e, FileFailed))
    assert os.getpid() and engine.library.doctor()[0].ok
    print({kind: sum(1 for n, e in outcomes.items() if kind in n and isinstance(e, FileIndexed))
           for kind in ("truncate", "flip", "drop_xref", "huge_count", "nested")})


def test_damaged_gguf_files_are_reported_and_the_app_survives(tmp_path: Path) -> None:
    adapter = write_lora(tmp_path / "good.gguf").read_bytes()
    refused = loaded = 0
    for name, data in gguf_mutations(adapter, count=16, seed=11):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            read_info(path)
            trial_load(base_model(), n_ctx=256, lora_path=path, timeout_s=60)
            loaded += 1
        except ModelError as exc:
            assert str(exc)
            refused += 1
    assert refused + loaded == 16 and refused >= 8
