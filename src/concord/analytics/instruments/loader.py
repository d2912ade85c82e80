"""Load and validate instrument spec files (TOML) into :class:`Instrument` objects.

Every error names the file and the field (``phq9.toml: items[8].option_set: ...``).
Restricted instruments must not carry wording: any ``text``, ``labels``, ``anchors`` or
``preamble`` in a restricted spec is an error, so licensed wording cannot slip into the repo.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from concord.analytics.instruments.model import (
    FLAG_KINDS,
    FLAG_OPERATORS,
    LICENCE_STATUSES,
    RATERS,
    SCORING_METHODS,
    Band,
    Difference,
    Flag,
    Instrument,
    InstrumentSpecError,
    Item,
    Licence,
    Reference,
    ResponseOption,
    Scale,
)

WORDING_FIELDS = ("text", "labels", "anchors", "preamble")
TOP_LEVEL_FIELDS = {
    "code",
    "name",
    "title",
    "version",
    "rater",
    "higher_is_better",
    "language",
    "preamble",
    "missing_rule_source",
    "notes",
    "licence",
    "references",
    "option_sets",
    "items",
    "scales",
    "differences",
    "flags",
}


class _Reader:
    """Typed access to a parsed TOML table that reports errors with their field path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InstrumentSpecError:
        return InstrumentSpecError(self.source, path, message)

    def get(self, table: Mapping[str, Any], key: str, path: str, kind: type | tuple, **kw: Any):
        full = f"{path}.{key}" if path else key
        if key not in table:
            if "default" in kw:
                return kw["default"]
            raise self.fail(full, "is required")
        value = table[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(full, "must be a number, not true/false")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(full, f"must be {names}, got {type(value).__name__}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(full, "must not be empty")
        return value

    def choice(self, table: Mapping[str, Any], key: str, path: str, allowed, **kw: Any):
        value = self.get(table, key, path, str, **kw)
        if value not in allowed:
            full = f"{path}.{key}" if path else key
            raise self.fail(full, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def unknown(self, table: Mapping[str, Any], allowed: set[str], path: str) -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            where = f"{path}.{extra[0]}" if path else extra[0]
            raise self.fail(where, "unknown field")


def _option_sets(r: _Reader, raw: Mapping[str, Any], restricted: bool) -> dict[str, Any]:
    sets: dict[str, tuple[ResponseOption, ...]] = {}
    for name, table in raw.items():
        path = f"option_sets.{name}"
        if not isinstance(table, dict):
            raise r.fail(path, "must be a table")
        r.unknown(table, {"values", "labels"}, path)
        values = r.get(table, "values", path, list)
        if not values or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values
        ):
            raise r.fail(f"{path}.values", "must be a non-empty list of numbers")
        if len(set(values)) != len(values):
            raise r.fail(f"{path}.values", "values must be distinct")
        labels = table.get("labels")
        if labels is not None:
            if restricted:
                raise r.fail(f"{path}.labels", "restricted instruments must not ship labels")
            if not isinstance(labels, list) or len(labels) != len(values):
                raise r.fail(f"{path}.labels", "must list one label per value")
        sets[name] = tuple(
            ResponseOption(float(v), None if labels is None else str(labels[i]))
            for i, v in enumerate(values)
        )
    return sets


def _items(r: _Reader, raw: list, sets: dict[str, Any], restricted: bool) -> tuple[Item, ...]:
    items: list[Item] = []
    seen: set[str] = set()
    for index, table in enumerate(raw):
        path = f"items[{index}]"
        if not isinstance(table, dict):
            raise r.fail(path, "must be a table")
        allowed = {"id", "option_set", "kind", "min", "max", "integer", "reversed"}
        allowed |= {"text", "anchors"}
        r.unknown(table, allowed, path)
        if restricted:
            for wording in WORDING_FIELDS:
                if wording in table:
                    raise r.fail(f"{path}.{wording}", "restricted instruments must not ship text")
        item_id = r.get(table, "id", path, str)
        if not item_id.replace("_", "").isalnum():
            raise r.fail(f"{path}.id", "use letters, digits and _ only")
        if item_id in seen:
            raise r.fail(f"{path}.id", f"duplicate item id {item_id!r}")
        seen.add(item_id)
        kind = r.choice(table, "kind", path, ("choice", "numeric"), default="choice")
        text = r.get(table, "text", path, str, default=None)
        reversed_ = r.get(table, "reversed", path, bool, default=False)
        anchors_raw = r.get(table, "anchors", path, list, default=None)
        anchors = None
        if anchors_raw is not None:
            if len(anchors_raw) != 2 or not all(isinstance(a, str) for a in anchors_raw):
                raise r.fail(f"{path}.anchors", "must be two strings (low end, high end)")
            anchors = (anchors_raw[0], anchors_raw[1])
        if kind == "choice":
            set_name = r.get(table, "option_set", path, str)
            if set_name not in sets:
                raise r.fail(f"{path}.option_set", f"no option set {set_name!r}")
            options = sets[set_name]
            values = [o.value for o in options]
            items.append(
                Item(
                    id=item_id,
                    number=index + 1,
                    kind="choice",
                    options=options,
                    minimum=min(values),
                    maximum=max(values),
                    integer=all(float(v).is_integer() for v in values),
                    reversed=reversed_,
                    text=text,
                    anchors=anchors,
                )
            )
        else:
            low = float(r.get(table, "min", path, (int, float)))
            high = float(r.get(table, "max", path, (int, float)))
            if not low < high:
                raise r.fail(f"{path}.max", "must be greater than min")
            integer = r.get(table, "integer", path, bool, default=True)
            items.append(
                Item(
                    id=item_id,
                    number=index + 1,
                    kind="numeric",
                    minimum=low,
                    maximum=high,
                    integer=integer,
                    reversed=reversed_,
                    text=text,
                    anchors=anchors,
                )
            )
    if not items:
        raise r.fail("items", "at least one item is required")
    return tuple(items)


def _scales(r: _Reader, raw: list, item_ids: set[str]) -> tuple[Scale, ...]:
    scales: list[Scale] = []
    codes: set[str] = set()
    for index, table in enumerate(raw):
        path = f"scales[{index}]"
        if not isinstance(table, dict):
            raise r.fail(path, "must be a table")
        r.unknown(table, {"code", "kind", "items", "method", "max_missing", "bands"}, path)
        code = r.get(table, "code", path, str)
        if code in codes:
            raise r.fail(f"{path}.code", f"duplicate scale code {code!r}")
        codes.add(code)
        kind = r.choice(table, "kind", path, ("total", "subscale"))
        members = r.get(table, "items", path, list)
        if not members:
            raise r.fail(f"{path}.items", "must list at least one item")
        for member in members:
            if member not in item_ids:
                raise r.fail(f"{path}.items", f"unknown item {member!r}")
        if len(set(members)) != len(members):
            raise r.fail(f"{path}.items", "items must be distinct")
        method = r.choice(table, "method", path, SCORING_METHODS)
        max_missing = r.get(table, "max_missing", path, int)
        if not 0 <= max_missing < len(members):
            raise r.fail(f"{path}.max_missing", f"must be between 0 and {len(members) - 1}")
        bands: list[Band] = []
        for b_index, band in enumerate(r.get(table, "bands", path, list, default=[])):
            b_path = f"{path}.bands[{b_index}]"
            if not isinstance(band, dict):
                raise r.fail(b_path, "must be a table")
            r.unknown(band, {"code", "min"}, b_path)
            bands.append(
                Band(
                    r.get(band, "code", b_path, str),
                    float(r.get(band, "min", b_path, (int, float))),
                )
            )
        minima = [b.minimum for b in bands]
        if minima != sorted(minima) or len(set(minima)) != len(minima):
            raise r.fail(f"{path}.bands", "band minima must increase strictly")
        scales.append(Scale(code, kind, tuple(members), method, max_missing, tuple(bands)))
    if not scales:
        raise r.fail("scales", "at least one scale is required")
    return tuple(scales)


def _flags(r: _Reader, raw: list, item_ids: set[str], scale_codes: set[str]) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    for index, table in enumerate(raw):
        path = f"flags[{index}]"
        if not isinstance(table, dict):
            raise r.fail(path, "must be a table")
        r.unknown(table, {"code", "kind", "operator", "threshold", "item", "scale"}, path)
        item = r.get(table, "item", path, str, default=None)
        scale = r.get(table, "scale", path, str, default=None)
        if (item is None) == (scale is None):
            raise r.fail(path, "give exactly one of item or scale")
        if item is not None and item not in item_ids:
            raise r.fail(f"{path}.item", f"unknown item {item!r}")
        if scale is not None and scale not in scale_codes:
            raise r.fail(f"{path}.scale", f"unknown scale {scale!r}")
        flags.append(
            Flag(
                code=r.get(table, "code", path, str),
                kind=r.choice(table, "kind", path, FLAG_KINDS),
                operator=r.choice(table, "operator", path, FLAG_OPERATORS),
                threshold=float(r.get(table, "threshold", path, (int, float))),
                item=item,
                scale=scale,
            )
        )
    return tuple(flags)


def instrument_from_mapping(data: Mapping[str, Any], source: str) -> Instrument:
    """Validate a parsed spec (``dict`` from TOML/JSON) and build the :class:`Instrument`."""
    r = _Reader(source)
    r.unknown(data, TOP_LEVEL_FIELDS, "")
    licence_raw = r.get(data, "licence", "", dict)
    r.unknown(licence_raw, {"status", "holder", "terms", "url"}, "licence")
    licence = Licence(
        status=r.choice(licence_raw, "status", "licence", LICENCE_STATUSES),
        holder=r.get(licence_raw, "holder", "licence", str),
        terms=r.get(licence_raw, "terms", "licence", str),
        url=r.get(licence_raw, "url", "licence", str, default=None),
    )
    restricted = licence.status == "restricted"
    if restricted and "preamble" in data:
        raise r.fail("preamble", "restricted instruments must not ship text")
    code = r.get(data, "code", "", str)
    if code != code.lower() or not code.isalnum():
        raise r.fail("code", "must be lower-case letters and digits (e.g. 'phq9')")
    sets = _option_sets(r, r.get(data, "option_sets", "", dict, default={}), restricted)
    items = _items(r, r.get(data, "items", "", list), sets, restricted)
    item_ids = {item.id for item in items}
    scales = _scales(r, r.get(data, "scales", "", list), item_ids)
    scale_codes = {s.code for s in scales}
    differences: list[Difference] = []
    for index, table in enumerate(r.get(data, "differences", "", list, default=[])):
        path = f"differences[{index}]"
        r.unknown(table, {"code", "minuend", "subtrahend"}, path)
        diff = Difference(
            r.get(table, "code", path, str),
            r.get(table, "minuend", path, str),
            r.get(table, "subtrahend", path, str),
        )
        for part in (diff.minuend, diff.subtrahend):
            if part not in scale_codes:
                raise r.fail(path, f"unknown scale {part!r}")
        differences.append(diff)
    references: list[Reference] = []
    for index, table in enumerate(r.get(data, "references", "", list)):
        path = f"references[{index}]"
        r.unknown(table, {"citation", "doi"}, path)
        references.append(
            Reference(
                r.get(table, "citation", path, str), r.get(table, "doi", path, str, default=None)
            )
        )
    if not references:
        raise r.fail("references", "at least one reference is required")
    has_text = any(item.text for item in items)
    language = r.get(data, "language", "", str, default=None)
    if has_text and language is None:
        raise r.fail("language", "is required when items carry text")
    return Instrument(
        code=code,
        name=r.get(data, "name", "", str),
        title=r.get(data, "title", "", str),
        version=r.get(data, "version", "", str),
        rater=r.choice(data, "rater", "", RATERS),
        higher_is_better=r.get(data, "higher_is_better", "", bool),
        items=items,
        scales=scales,
        licence=licence,
        references=tuple(references),
        differences=tuple(differences),
        flags=_flags(r, r.get(data, "flags", "", list, default=[]), item_ids, scale_codes),
        language=language,
        preamble=r.get(data, "preamble", "", str, default=None),
        missing_rule_source=r.choice(
            data, "missing_rule_source", "", ("published", "convention"), default="convention"
        ),
        notes=r.get(data, "notes", "", str, default=""),
        source=source,
    )


def load_instrument_file(path: Path) -> Instrument:
    """Read and validate one spec file (``.toml``); errors name the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentSpecError(path.name, "(file)", f"not valid TOML: {exc}") from exc
    return instrument_from_mapping(data, path.name)
