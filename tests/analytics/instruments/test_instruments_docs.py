"""Docs stay honest: every instrument has a page naming its licence holder and references."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.analytics.instruments import Instrument, all_instruments

DOCS = Path(__file__).resolve().parents[3] / "docs" / "instruments"


@pytest.mark.parametrize("instrument", all_instruments(), ids=lambda i: i.code)
def test_every_instrument_has_a_doc_page(instrument: Instrument) -> None:
    page = (DOCS / f"{instrument.code}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {instrument.name}")
    assert instrument.licence.holder in page
    for reference in instrument.references:
        assert reference.citation in page
    for scale in instrument.scales:
        assert f"`{scale.code}`" in page
    if instrument.is_restricted:
        assert "not shipped" in page
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    assert f"[{instrument.code}.md]({instrument.code}.md)" in index
