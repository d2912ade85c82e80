"""Spec validation: every error names the file and the field; registry look-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.analytics.instruments import (
    InstrumentSpecError,
    UnknownInstrumentError,
    get_instrument,
    load_instrument_file,
    normalise_code,
)

VALID = """
code = "demo"
name = "DEMO"
title = "Demo scale"
version = "1"
rater = "observer"
higher_is_better = true

[licence]
status = "restricted"
holder = "Someone"
terms = "Ask first."

[[references]]
citation = "Doe J. A demo. 2024."

[option_sets.three]
values = [0, 1, 2]

[[items]]
id = "a"
option_set = "three"

[[items]]
id = "b"
option_set = "three"

[[scales]]
code = "total"
kind = "total"
items = ["a", "b"]
method = "sum"
max_missing = 1
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_spec_loads(tmp_path: Path) -> None:
    instrument = load_instrument_file(write(tmp_path, VALID))
    assert (instrument.code, instrument.rater, instrument.item_ids) == (
        "demo",
        "observer",
        ("a", "b"),
    )
    assert instrument.item("a").permitted_values == (0.0, 1.0, 2.0)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (('rater = "observer"', 'rater = "robot"'), "rater", "must be one of"),
        (('version = "1"\n', ""), "version", "is required"),
        (('option_set = "three"', 'option_set = "four"'), "items[0].option_set", "no option set"),
        (('id = "b"', 'id = "a"'), "items[1].id", "duplicate"),
        (('items = ["a", "b"]', 'items = ["a", "z"]'), "scales[0].items", "unknown item 'z'"),
        (("max_missing = 1", "max_missing = 2"), "scales[0].max_missing", "between 0 and 1"),
        (('method = "sum"', 'method = "median"'), "scales[0].method", "must be one of"),
        (('id = "a"', 'id = "a"\ntext = "Some wording"'), "items[0].text", "must not ship text"),
        (
            ("values = [0, 1, 2]", 'values = [0, 1, 2]\nlabels = ["x", "y", "z"]'),
            "option_sets.three.labels",
            "must not ship labels",
        ),
        (
            ('title = "Demo scale"', 'title = "Demo scale"\ncolour = "red"'),
            "colour",
            "unknown field",
        ),
        (('code = "demo"', 'code = "Demo-1"'), "code", "lower-case"),
        (
            ("higher_is_better = true", 'higher_is_better = "yes"'),
            "higher_is_better",
            "must be bool",
        ),
    ],
)
def test_spec_errors_name_file_and_field(
    tmp_path: Path, change: tuple[str, str], field: str, message: str
) -> None:
    old, new = change
    assert old in VALID
    with pytest.raises(InstrumentSpecError) as caught:
        load_instrument_file(write(tmp_path, VALID.replace(old, new, 1)))
    assert caught.value.source == "demo.toml"
    assert caught.value.field == field
    assert message in caught.value.message
    assert str(caught.value).startswith(f"demo.toml: {field}: ")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InstrumentSpecError, match=r"^demo.toml: \(file\): not valid TOML"):
        load_instrument_file(write(tmp_path, "code = "))


def test_registry_lookup_by_any_spelling() -> None:
    assert normalise_code("WAI-O-S") == "waios"
    assert get_instrument("PHQ-9") is get_instrument("phq9")
    with pytest.raises(UnknownInstrumentError, match=r"unknown instrument 'XYZ'.*phq9"):
        get_instrument("XYZ")
