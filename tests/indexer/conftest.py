"""Fixtures of the indexer tests: one PDF extraction worker per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.indexer.extract import PdfExtractor


@pytest.fixture(scope="module")
def extractor() -> Iterator[PdfExtractor]:
    ex = PdfExtractor()
    yield ex
    ex.close()
