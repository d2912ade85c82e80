"""Convert instruments to and from FHIR R4 Questionnaire resources (plain dicts).

Scores of answer options travel in the standard ``ordinalValue`` extension (R4; R5 renamed it
``itemWeight``, which is accepted on import). Scoring rules that FHIR has no element for
(scales, missing-item limits, bands, flags, licence, references) travel as JSON in one Concord
extension, so an instrument survives a round trip unchanged. Resources are validated with the
``fhir.resources`` R4B models. Restricted instruments are exported without wording unless the
caller passes a site's installed text; on import their wording is dropped again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire

from concord.analytics.instruments.loader import instrument_from_mapping
from concord.analytics.instruments.model import Instrument, InstrumentSpecError, Item
from concord.analytics.instruments.registry import normalise_code

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
CONCORD_SCORING = "https://concord-care.org/fhir/StructureDefinition/instrument-scoring"
CANONICAL_PREFIX = "urn:concord:questionnaire:"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _validate(resource: Mapping[str, Any], source: str) -> None:
    try:
        Questionnaire.model_validate(dict(resource))
    except Exception as exc:  # pydantic ValidationError or fhir.resources errors
        raise InstrumentSpecError(source, "Questionnaire", f"invalid FHIR resource: {exc}") from exc


def _scoring_extension(instrument: Instrument) -> dict[str, Any]:
    payload = {
        "code": instrument.code,
        "name": instrument.name,
        "rater": instrument.rater,
        "higher_is_better": instrument.higher_is_better,
        "missing_rule_source": instrument.missing_rule_source,
        "notes": instrument.notes,
        "licence": {k: v for k, v in vars(instrument.licence).items() if v is not None},
        "references": [
            {k: v for k, v in vars(ref).items() if v is not None} for ref in instrument.references
        ],
        "reversed": [item.id for item in instrument.items if item.reversed],
        "scales": [
            {
                "code": s.code,
                "kind": s.kind,
                "items": list(s.items),
                "method": s.method,
                "max_missing": s.max_missing,
                "bands": [{"code": b.code, "min": b.minimum} for b in s.bands],
            }
            for s in instrument.scales
        ],
        "differences": [vars(d) for d in instrument.differences],
        "flags": [{k: v for k, v in vars(f).items() if v is not None} for f in instrument.flags],
    }
    if not instrument.is_restricted:
        anchors = {i.id: list(i.anchors) for i in instrument.items if i.anchors}
        if anchors:
            payload["anchors"] = anchors
    return {"url": CONCORD_SCORING, "valueString": json.dumps(payload, sort_keys=True)}


def _fhir_item(
    instrument: Instrument, item: Item, text: Mapping[str, Any] | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"linkId": item.id, "prefix": str(item.number)}
    item_text = text["items"].get(item.id) if text else item.text
    if item_text:
        entry["text"] = item_text
    labels: Mapping[str, str] = (text or {}).get("options", {}).get(item.id, {})
    if item.kind == "choice":
        entry["type"] = "choice"
        system = f"{CANONICAL_PREFIX}{instrument.code}:options"
        options = []
        for option in item.options:
            coding: dict[str, Any] = {"system": system, "code": _fmt(option.value)}
            label = labels.get(_fmt(option.value)) if text else option.label
            if label:
                coding["display"] = label
            options.append(
                {
                    "valueCoding": coding,
                    "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
                }
            )
        entry["answerOption"] = options
    else:
        kind = "valueInteger" if item.integer else "valueDecimal"
        entry["type"] = "integer" if item.integer else "decimal"

        def bound(v: float) -> float | int:
            return int(v) if item.integer else v

        entry["extension"] = [
            {"url": MIN_VALUE, kind: bound(item.minimum)},
            {"url": MAX_VALUE, kind: bound(item.maximum)},
        ]
    return entry


def to_questionnaire(
    instrument: Instrument, *, text: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The instrument as a FHIR R4 Questionnaire (a validated plain ``dict``).

    Parameters
    ----------
    instrument
        From :func:`get_instrument`.
    text
        Optional wording to embed instead of the shipped text: a mapping with ``language``,
        ``items`` (id -> text) and ``options`` (id -> value -> label), e.g.
        ``dataclasses.asdict(load_text(code, language, text_dir))``. Without it a restricted
        instrument is exported with item numbers (``prefix``) and no wording.
    """
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.code,
        "url": f"{CANONICAL_PREFIX}{instrument.code}",
        "version": instrument.version,
        "name": instrument.code.upper(),
        "title": instrument.title,
        "status": "active",
        "publisher": instrument.licence.holder,
        "copyright": instrument.licence.terms,
        "extension": [_scoring_extension(instrument)],
        "item": [_fhir_item(instrument, item, text) for item in instrument.items],
    }
    language = text.get("language") if text else instrument.language
    if language:
        resource["language"] = language
    preamble = text.get("preamble") if text else instrument.preamble
    if preamble:
        resource["description"] = preamble
    _validate(resource, f"Questionnaire/{instrument.code}")
    return resource


def _flatten(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for item in items:
        if item.get("type") == "group":
            flat.extend(_flatten(item.get("item", [])))
        elif item.get("type") != "display":
            flat.append(item)
    return flat


def _extension_value(extensions: list[dict[str, Any]], *urls: str) -> Any:
    for ext in extensions or []:
        if ext.get("url") in urls:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None


def from_questionnaire(resource: Mapping[str, Any]) -> Instrument:
    """Build an :class:`Instrument` from a FHIR R4 Questionnaire ``dict``.

    A Questionnaire written by :func:`to_questionnaire` comes back unchanged. A site-defined
    Questionnaire without the Concord scoring extension becomes an instrument with one ``total``
    scale: the sum of the ``ordinalValue`` / ``itemWeight`` of every choice item, no missing
    items allowed; ``integer``/``decimal`` items need ``minValue`` and ``maxValue``.
    Wording of restricted instruments is dropped. Errors name the resource and the linkId.
    """
    source = f"Questionnaire/{resource.get('id', '?')}"
    if resource.get("resourceType") != "Questionnaire":
        raise InstrumentSpecError(source, "resourceType", "must be 'Questionnaire'")
    _validate(resource, source)
    raw_ext = _extension_value(resource.get("extension", []), CONCORD_SCORING)
    try:
        meta: dict[str, Any] = json.loads(raw_ext) if raw_ext else {}
    except json.JSONDecodeError as exc:
        raise InstrumentSpecError(source, "extension[instrument-scoring]", str(exc)) from exc
    restricted = meta.get("licence", {}).get("status") == "restricted" or (
        not meta and "copyright" in resource
    )
    reversed_items = set(meta.get("reversed", []))
    anchors = meta.get("anchors", {})
    option_sets: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    for index, entry in enumerate(_flatten(list(resource.get("item", [])))):
        link = entry["linkId"]
        where = f"item[{index}] (linkId {link!r})"
        item: dict[str, Any] = {"id": link}
        if entry.get("text") and not restricted:
            item["text"] = entry["text"]
        if link in anchors:
            item["anchors"] = anchors[link]
        if link in reversed_items:
            item["reversed"] = True
        if entry["type"] == "choice":
            values, labels = [], []
            for option in entry.get("answerOption", []):
                weight = _extension_value(option.get("extension", []), ORDINAL_VALUE, ITEM_WEIGHT)
                if weight is None and "valueInteger" in option:
                    weight = option["valueInteger"]
                if weight is None:
                    raise InstrumentSpecError(source, where, "answer option without ordinalValue")
                values.append(weight)
                labels.append(option.get("valueCoding", {}).get("display"))
            option_set: dict[str, Any] = {"values": values}
            if not restricted and all(labels):
                option_set["labels"] = labels
            option_sets[f"item_{link}"] = option_set
            item["option_set"] = f"item_{link}"
        elif entry["type"] in ("integer", "decimal"):
            low = _extension_value(entry.get("extension", []), MIN_VALUE)
            high = _extension_value(entry.get("extension", []), MAX_VALUE)
            if low is None or high is None:
                raise InstrumentSpecError(source, where, "numeric item needs minValue and maxValue")
            item.update(kind="numeric", min=low, max=high, integer=entry["type"] == "integer")
        else:
            raise InstrumentSpecError(source, where, f"unsupported item type {entry['type']!r}")
        items.append(item)
    code = meta.get("code") or normalise_code(str(resource.get("id") or resource.get("name", "")))
    mapping: dict[str, Any] = {
        "code": code,
        "name": meta.get("name") or resource.get("title") or code,
        "title": resource.get("title") or code,
        "version": resource.get("version", "1"),
        "rater": meta.get("rater", "patient"),
        "higher_is_better": meta.get("higher_is_better", False),
        "option_sets": option_sets,
        "items": items,
        "scales": meta.get("scales")
        or [
            {
                "code": "total",
                "kind": "total",
                "items": [i["id"] for i in items if "option_set" in i],
                "method": "sum",
                "max_missing": 0,
            }
        ],
        "differences": meta.get("differences", []),
        "flags": meta.get("flags", []),
        "licence": meta.get("licence")
        or {
            "status": "restricted" if restricted else "public_domain",
            "holder": resource.get("publisher", "site-defined"),
            "terms": resource.get("copyright", "Defined by the site."),
        },
        "references": meta.get("references")
        or [{"citation": f"Site-defined questionnaire {resource.get('url', source)}"}],
        "missing_rule_source": meta.get("missing_rule_source", "convention"),
    }
    if meta.get("notes"):
        mapping["notes"] = meta["notes"]
    if not restricted:
        if resource.get("language"):
            mapping["language"] = resource["language"]
        if resource.get("description"):
            mapping["preamble"] = resource["description"]
        if any("text" in i for i in items) and "language" not in mapping:
            mapping["language"] = "en"
    return instrument_from_mapping(mapping, source)
