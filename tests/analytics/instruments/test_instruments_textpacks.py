"""Text packs: validation against the structure, atomic install, display fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from concord.analytics.instruments import (
    TextPackError,
    display_form,
    get_instrument,
    install_text_pack,
    load_text,
    to_questionnaire,
)


def synthetic_pack(code: str, language: str = "de") -> dict[str, Any]:
    """A structurally complete pack with placeholder wording (not the licensed text)."""
    instrument = get_instrument(code)
    options: dict[str, Any] = {}
    for item in instrument.items:
        if item.kind == "choice":
            options[item.id] = {f"{v:g}": f"Option {v:g}" for v in item.permitted_values}
    return {
        "instrument": instrument.code,
        "version": instrument.version,
        "language": language,
        "items": {item.id: f"Platzhalter {item.number}" for item in instrument.items},
        "options": options,
    }


def write(tmp_path: Path, pack: dict[str, Any]) -> Path:
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack), encoding="utf-8")
    return path


def test_install_and_load_pack(tmp_path: Path) -> None:
    target = tmp_path / "texts"
    installed = install_text_pack(write(tmp_path, synthetic_pack("waisr")), target)
    assert installed == target / "waisr" / "1.0" / "de.json"
    text = load_text("WAI-SR", "de", target)
    assert text is not None and text.origin == "pack"
    assert text.items["q3"] == "Platzhalter 3"
    form = display_form("waisr", "de", target)
    assert form.notice is None and form.language == "de"
    assert form.items[2].text == "Platzhalter 3"
    assert [o.label for o in form.items[0].options] == [f"Option {v}" for v in range(1, 6)]
    # a site can export its licensed Questionnaire with the installed wording
    resource = to_questionnaire(get_instrument("waisr"), text=vars(text))
    assert resource["language"] == "de" and resource["item"][0]["text"] == "Platzhalter 1"


def test_without_pack_form_shows_numbers_subscales_and_holder_notice(tmp_path: Path) -> None:
    assert load_text("waisr", "de", tmp_path) is None
    form = display_form("waisr", "de", tmp_path)
    assert form.notice is not None
    assert form.notice.code == "licensed_text_not_installed"
    assert "Horvath" in form.notice.holder
    assert [(i.number, i.text) for i in form.items[:2]] == [(1, None), (2, None)]
    assert form.items[0].subscales == ("task",) and form.items[2].subscales == ("bond",)
    assert all(o.label is None for o in form.items[0].options)


def test_public_domain_text_ships_in_english_only() -> None:
    text = load_text("phq9", "en")
    assert text is not None and text.origin == "shipped"
    assert text.options["q1"]["0"] == "Not at all"
    assert load_text("phq9", "fr") is None


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["items"].pop("q7"), "items.q7"),
        (lambda p: p["items"].update(q13="extra"), "items.q13"),
        (lambda p: p["options"]["q2"].pop("3"), "options.q2.3"),
        (lambda p: p["options"]["q2"].update({"6": "extra"}), "options.q2.6"),
        (lambda p: p["options"].pop("q4"), "options.q4"),
        (lambda p: p.update(version="9.9"), "version"),
        (lambda p: p.update(language="not a tag"), "language"),
        (lambda p: p.update(instrument="nope"), "instrument"),
        (lambda p: p["items"].update(q1=""), "items.q1"),
    ],
)
def test_invalid_pack_names_the_item_and_installs_nothing(
    tmp_path: Path, mutate: Any, field: str
) -> None:
    pack = synthetic_pack("waisr")
    mutate(pack)
    target = tmp_path / "texts"
    with pytest.raises(TextPackError) as caught:
        install_text_pack(write(tmp_path, pack), target)
    assert caught.value.field == field
    assert caught.value.source == "pack.json"
    assert not target.exists() or not any(target.rglob("*.json"))


def test_numeric_items_take_optional_end_anchors(tmp_path: Path) -> None:
    pack = synthetic_pack("srs", language="fr")
    pack["options"] = {"overall": {"min": "bas", "max": "haut"}}
    install_text_pack(write(tmp_path, pack), tmp_path / "t")
    form = display_form("srs", "fr", tmp_path / "t")
    assert form.items[3].anchors == ("bas", "haut") and form.items[0].anchors is None
    pack["options"] = {"overall": {"min": "bas"}}
    with pytest.raises(TextPackError, match=r"options\.overall\.max"):
        install_text_pack(write(tmp_path, pack), tmp_path / "t2")
