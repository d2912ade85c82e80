"""Licence rules: no restricted wording in shipped specs; one instrument never appears."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import concord.analytics.instruments as instruments_package
from concord.analytics.instruments import all_instruments
from concord.analytics.instruments.registry import SPEC_DIR

PACKAGE_DIR = Path(instruments_package.__file__).parent
WORDING_KEYS = {"text", "labels", "anchors", "preamble"}
RESTRICTED = {"waisr", "waisrt", "waios", "srs", "ors", "mars5", "arms", "bmq"}
PUBLIC = {"phq9", "gad7", "bars"}


def keys_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in keys_in(v)}
    if isinstance(node, list):
        return {k for v in node for k in keys_in(v)}
    return set()


def test_restricted_specs_have_no_text_fields_at_all() -> None:
    specs = {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in SPEC_DIR.glob("*.toml")}
    assert set(specs) == RESTRICTED | PUBLIC
    for code in RESTRICTED:
        assert specs[code]["licence"]["status"] == "restricted", code
        assert not keys_in(specs[code]) & WORDING_KEYS, code
    for code in PUBLIC:
        assert specs[code]["licence"]["status"] == "public_domain", code
        assert all("text" in item for item in specs[code]["items"]), code


def test_loaded_restricted_instruments_carry_no_wording() -> None:
    for instrument in all_instruments():
        if instrument.code in RESTRICTED:
            assert instrument.is_restricted
            assert instrument.preamble is None
            assert all(i.text is None and i.anchors is None for i in instrument.items)
            assert all(o.label is None for i in instrument.items for o in i.options)


def test_excluded_adherence_scale_appears_nowhere_in_the_instruments_package() -> None:
    forbidden = "mm" + "as"  # spelled in two parts so this test file does not contain it
    offenders = [
        str(path.relative_to(PACKAGE_DIR))
        for path in PACKAGE_DIR.rglob("*")
        if path.is_file()
        and path.suffix != ".pyc"
        and (
            forbidden in path.name.lower()
            or forbidden in path.read_text(encoding="utf-8", errors="ignore").lower()
        )
    ]
    assert offenders == []
    assert all(forbidden not in i.code for i in all_instruments())
