"""Licensed wording per site and language: text packs, and the display model of a form.

A text pack is a JSON file a site obtains under its own licence::

    {
      "instrument": "waisr", "version": "1.0", "language": "de",
      "title": "...",            (optional)
      "preamble": "...",         (optional)
      "items":   {"q1": "...", ..., "q12": "..."},
      "options": {"q1": {"1": "...", "2": "...", ...}, ...}
    }

It must give text for every item and a label for every option of every choice item, nothing
more (numeric items may have ``{"min": ..., "max": ...}`` end-point anchors). Errors name the
pack file and the item. Installed packs live under ``<text_dir>/<code>/<version>/<language>.json``.
Without a pack, :func:`display_form` returns item numbers, subscale names and a notice code
that names the licence holder; the web layer turns those into words.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concord.analytics.instruments.model import Instrument, InstrumentSpecError
from concord.analytics.instruments.registry import get_instrument

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
NOTICE_TEXT_NOT_INSTALLED = "licensed_text_not_installed"


class TextPackError(InstrumentSpecError):
    """A text pack does not match its instrument (``field`` names the item or option)."""


@dataclass(frozen=True)
class InstrumentText:
    """Wording of one instrument in one language. ``origin`` is ``shipped`` or ``pack``."""

    instrument: str
    version: str
    language: str
    items: Mapping[str, str]
    options: Mapping[str, Mapping[str, str]]
    title: str | None = None
    preamble: str | None = None
    origin: str = "pack"


@dataclass(frozen=True)
class LicenceNotice:
    """Why wording is missing: ``code`` for the web layer to translate, and the holder's name."""

    code: str
    instrument: str
    holder: str


@dataclass(frozen=True)
class DisplayOption:
    """One answer choice: value and label (``None`` when no wording is available)."""

    value: float
    label: str | None


@dataclass(frozen=True)
class DisplayItem:
    """One item as a form shows it. Without wording, ``text`` is ``None`` and the form shows
    ``number`` and the ``subscales`` codes."""

    id: str
    number: int
    kind: str
    text: str | None
    subscales: tuple[str, ...]
    options: tuple[DisplayOption, ...]
    minimum: float
    maximum: float
    anchors: tuple[str, str] | None


@dataclass(frozen=True)
class DisplayForm:
    """What a form needs to render an instrument in one language."""

    instrument: str
    name: str
    version: str
    rater: str
    language: str | None
    title: str
    preamble: str | None
    items: tuple[DisplayItem, ...]
    notice: LicenceNotice | None


def _option_key(value: float) -> str:
    return f"{value:g}"


def validate_text_pack(data: Mapping[str, Any], source: str) -> InstrumentText:
    """Check a parsed pack against its instrument's structure and return it as text."""

    def fail(field: str, message: str) -> TextPackError:
        return TextPackError(source, field, message)

    if not isinstance(data, Mapping):
        raise fail("(file)", "must be a JSON object")
    extra = sorted(
        set(data) - {"instrument", "version", "language", "title", "preamble", "items", "options"}
    )
    if extra:
        raise fail(extra[0], "unknown field")
    for key in ("instrument", "version", "language"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise fail(key, "is required (a non-empty string)")
    try:
        instrument = get_instrument(data["instrument"])
    except KeyError as exc:
        raise fail("instrument", str(exc)) from exc
    if data["version"] != instrument.version:
        raise fail(
            "version", f"pack is for {data['version']!r}, instrument is {instrument.version!r}"
        )
    if not LANGUAGE_TAG.match(data["language"]):
        raise fail("language", f"not a language tag: {data['language']!r}")
    items = data.get("items")
    if not isinstance(items, Mapping):
        raise fail("items", "is required (an object: item id -> text)")
    for item in instrument.items:
        text = items.get(item.id)
        if not isinstance(text, str) or not text.strip():
            raise fail(f"items.{item.id}", "text missing for this item")
    for item_id in items:
        if item_id not in instrument.item_ids:
            raise fail(f"items.{item_id}", "no such item in the instrument")
    options = data.get("options", {})
    if not isinstance(options, Mapping):
        raise fail("options", "must be an object: item id -> value -> label")
    for item_id in options:
        if item_id not in instrument.item_ids:
            raise fail(f"options.{item_id}", "no such item in the instrument")
    for item in instrument.items:
        labels = options.get(item.id)
        if item.kind == "choice":
            expected = {_option_key(v) for v in item.permitted_values}
        else:
            expected = {"min", "max"}
            if labels is None:
                continue
        if not isinstance(labels, Mapping):
            raise fail(f"options.{item.id}", "labels missing for this item")
        for key in sorted(expected):
            label = labels.get(key)
            if not isinstance(label, str) or not label.strip():
                raise fail(f"options.{item.id}.{key}", "label missing for this option")
        for key in labels:
            if key not in expected:
                raise fail(f"options.{item.id}.{key}", "no such option for this item")
    for key in ("title", "preamble"):
        if key in data and not isinstance(data[key], str):
            raise fail(key, "must be a string")
    return InstrumentText(
        instrument=instrument.code,
        version=instrument.version,
        language=data["language"],
        items={k: str(v) for k, v in items.items()},
        options={k: {o: str(label) for o, label in v.items()} for k, v in options.items()},
        title=data.get("title"),
        preamble=data.get("preamble"),
    )


def read_text_pack(path: Path) -> InstrumentText:
    """Read and validate a pack file; errors name the file and the item."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TextPackError(Path(path).name, "(file)", f"cannot read JSON: {exc}") from exc
    return validate_text_pack(data, Path(path).name)


def _pack_path(text_dir: Path, code: str, version: str, language: str) -> Path:
    return Path(text_dir) / code / version / f"{language}.json"


def install_text_pack(path: Path, target_dir: Path) -> Path:
    """Validate the pack at ``path`` and install it under ``target_dir``; return the new path.

    The file is written to a temporary name and renamed, so a failed install leaves nothing.
    Installing the same instrument/version/language again replaces the earlier pack.
    """
    text = read_text_pack(Path(path))
    destination = _pack_path(Path(target_dir), text.instrument, text.version, text.language)
    destination.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "instrument": text.instrument,
        "version": text.version,
        "language": text.language,
        "items": dict(text.items),
        "options": {k: dict(v) for k, v in text.options.items()},
    }
    for key in ("title", "preamble"):
        if getattr(text, key) is not None:
            payload[key] = getattr(text, key)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False, indent=2, sort_keys=True)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return destination


def _shipped_text(instrument: Instrument) -> InstrumentText:
    options = {
        item.id: {_option_key(o.value): str(o.label) for o in item.options}
        for item in instrument.items
        if item.kind == "choice" and all(o.label for o in item.options)
    }
    for item in instrument.items:
        if item.anchors:
            options[item.id] = {"min": item.anchors[0], "max": item.anchors[1]}
    return InstrumentText(
        instrument=instrument.code,
        version=instrument.version,
        language=str(instrument.language),
        items={item.id: str(item.text) for item in instrument.items},
        options=options,
        title=instrument.title,
        preamble=instrument.preamble,
        origin="shipped",
    )


def load_text(code: str, language: str, text_dir: Path | None = None) -> InstrumentText | None:
    """Wording of instrument ``code`` in ``language``, or ``None`` if there is none.

    An installed pack under ``text_dir`` wins; otherwise a public-domain instrument's shipped
    text is returned when ``language`` matches its language (``en``).
    """
    instrument = get_instrument(code)
    if text_dir is not None:
        path = _pack_path(Path(text_dir), instrument.code, instrument.version, language)
        if path.exists():
            text = read_text_pack(path)
            return InstrumentText(**{**vars(text), "origin": "pack"})
    if not instrument.is_restricted and instrument.language == language:
        return _shipped_text(instrument)
    return None


def display_form(code: str, language: str, text_dir: Path | None = None) -> DisplayForm:
    """The display model of a form: wording when available, else numbers and a notice."""
    instrument = get_instrument(code)
    text = load_text(instrument.code, language, text_dir)
    items = []
    for item in instrument.items:
        labels = text.options.get(item.id, {}) if text else {}
        anchors = (labels["min"], labels["max"]) if "min" in labels else None
        items.append(
            DisplayItem(
                id=item.id,
                number=item.number,
                kind=item.kind,
                text=text.items[item.id] if text else None,
                subscales=instrument.subscales_of(item.id),
                options=tuple(
                    DisplayOption(o.value, labels.get(_option_key(o.value))) for o in item.options
                ),
                minimum=item.minimum,
                maximum=item.maximum,
                anchors=anchors,
            )
        )
    notice = None
    if text is None:
        notice = LicenceNotice(
            NOTICE_TEXT_NOT_INSTALLED, instrument.code, instrument.licence.holder
        )
    return DisplayForm(
        instrument=instrument.code,
        name=instrument.name,
        version=instrument.version,
        rater=instrument.rater,
        language=text.language if text else None,
        title=(text.title if text and text.title else instrument.title),
        preamble=text.preamble if text else None,
        items=tuple(items),
        notice=notice,
    )
