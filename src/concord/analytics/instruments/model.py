"""The instrument data model: frozen dataclasses built from a validated spec file.

An instrument is data. Its spec file (TOML, one per instrument, under ``specs/``) is turned into
these objects by :mod:`concord.analytics.instruments.loader`, which checks every field.
Codes (``moderate``, ``safety_item9``) are returned to callers; the web layer translates them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

Rater = Literal["patient", "clinician", "observer", "supporter"]
RATERS: tuple[str, ...] = ("patient", "clinician", "observer", "supporter")
LicenceStatus = Literal["public_domain", "restricted"]
LICENCE_STATUSES: tuple[str, ...] = ("public_domain", "restricted")
SCORING_METHODS: tuple[str, ...] = ("sum", "mean")
FLAG_OPERATORS: tuple[str, ...] = ("gt", "ge", "lt", "le", "eq")
FLAG_KINDS: tuple[str, ...] = ("safety", "clinical")


class InstrumentError(Exception):
    """Base class of the instrument errors."""


class InstrumentSpecError(InstrumentError):
    """A spec file (or FHIR Questionnaire / text pack) is invalid.

    ``source`` names the file (or resource) and ``field`` the offending field path.
    """

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        super().__init__(f"{source}: {field}: {message}")


class UnknownInstrumentError(InstrumentError, KeyError):
    """No instrument is registered under the given code."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown instrument"


class InvalidResponseError(InstrumentError, ValueError):
    """An answer is not permitted for its item (or names an unknown item).

    ``item`` is the item id, ``value`` the rejected value, ``reason`` a code
    (``unknown_item``, ``not_permitted``, ``out_of_range``, ``not_integer``, ``not_numeric``).
    """

    def __init__(self, item: str, value: object, reason: str, detail: str = "") -> None:
        self.item = item
        self.value = value
        self.reason = reason
        text = f"item {item!r}: value {value!r} rejected ({reason})"
        super().__init__(f"{text}: {detail}" if detail else text)


@dataclass(frozen=True)
class ResponseOption:
    """One permitted answer: its numeric value and, for public-domain text only, a label."""

    value: float
    label: str | None = None


@dataclass(frozen=True)
class Item:
    """One question. ``kind`` is ``choice`` (fixed options) or ``numeric`` (a range).

    ``number`` is the printed item number; ``text`` is only present for public-domain
    instruments. ``reversed`` items are scored as ``minimum + maximum - value``.
    """

    id: str
    number: int
    kind: Literal["choice", "numeric"]
    options: tuple[ResponseOption, ...] = ()
    minimum: float = 0.0
    maximum: float = 0.0
    integer: bool = True
    reversed: bool = False
    text: str | None = None
    anchors: tuple[str, str] | None = None

    @property
    def permitted_values(self) -> tuple[float, ...]:
        """The option values of a choice item (empty for numeric items)."""
        return tuple(option.value for option in self.options)

    def check(self, value: object) -> float | None:
        """Return the answer as a float (``None`` if missing) or raise InvalidResponseError."""
        if value is None or (isinstance(value, str) and value.strip() == ""):
            return None
        if isinstance(value, bool):
            raise InvalidResponseError(self.id, value, "not_numeric", "booleans are not answers")
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidResponseError(self.id, value, "not_numeric") from None
        if math.isnan(number):
            return None
        if self.kind == "choice":
            if number not in self.permitted_values:
                allowed = ", ".join(f"{v:g}" for v in self.permitted_values)
                raise InvalidResponseError(self.id, value, "not_permitted", f"allowed: {allowed}")
            return number
        if not self.minimum <= number <= self.maximum:
            raise InvalidResponseError(
                self.id, value, "out_of_range", f"allowed: {self.minimum:g}..{self.maximum:g}"
            )
        if self.integer and not number.is_integer():
            raise InvalidResponseError(self.id, value, "not_integer")
        return number


@dataclass(frozen=True)
class Band:
    """A score band: ``code`` applies from ``minimum`` (inclusive) up to the next band."""

    code: str
    minimum: float


@dataclass(frozen=True)
class Scale:
    """A scored scale (subscale or total) over ``items``.

    ``method`` is ``sum`` or ``mean``. Up to ``max_missing`` unanswered items are allowed: a
    sum is then prorated (``sum * n_items / n_answered``), a mean uses the answered items;
    with more missing items the scale is not scorable (reason ``too_many_missing``).
    """

    code: str
    kind: Literal["total", "subscale"]
    items: tuple[str, ...]
    method: Literal["sum", "mean"]
    max_missing: int
    bands: tuple[Band, ...] = ()

    def band_for(self, score: float | None) -> str | None:
        """The band code of ``score`` (``None`` without bands or score)."""
        if score is None or not self.bands:
            return None
        chosen: str | None = None
        for band in self.bands:
            if score >= band.minimum:
                chosen = band.code
        return chosen


@dataclass(frozen=True)
class Difference:
    """A derived score: ``minuend`` scale minus ``subtrahend`` scale (e.g. BMQ differential)."""

    code: str
    minuend: str
    subtrahend: str


@dataclass(frozen=True)
class Flag:
    """A rule that raises a code: ``item`` or ``scale`` compared with ``threshold``.

    ``kind`` ``safety`` flags (e.g. PHQ-9 item 9 > 0) need an immediate clinical response.
    """

    code: str
    kind: Literal["safety", "clinical"]
    operator: Literal["gt", "ge", "lt", "le", "eq"]
    threshold: float
    item: str | None = None
    scale: str | None = None

    def applies(self, value: float | None) -> bool:
        """Whether ``value`` (an item answer or scale score) triggers the flag."""
        if value is None:
            return False
        return {
            "gt": value > self.threshold,
            "ge": value >= self.threshold,
            "lt": value < self.threshold,
            "le": value <= self.threshold,
            "eq": value == self.threshold,
        }[self.operator]


@dataclass(frozen=True)
class Reference:
    """A bibliographic reference (our own citation line) with an optional DOI."""

    citation: str
    doi: str | None = None


@dataclass(frozen=True)
class Licence:
    """Licence metadata: ``public_domain`` text may ship; ``restricted`` ships structure only."""

    status: Literal["public_domain", "restricted"]
    holder: str
    terms: str
    url: str | None = None


@dataclass(frozen=True)
class Instrument:
    """A validated instrument spec. Use :func:`get_instrument` to obtain one."""

    code: str
    name: str
    title: str
    version: str
    rater: Literal["patient", "clinician", "observer", "supporter"]
    higher_is_better: bool
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    licence: Licence
    references: tuple[Reference, ...]
    differences: tuple[Difference, ...] = ()
    flags: tuple[Flag, ...] = ()
    language: str | None = None
    preamble: str | None = None
    missing_rule_source: Literal["published", "convention"] = "convention"
    notes: str = ""
    source: str = field(default="", compare=False)

    @property
    def is_restricted(self) -> bool:
        """True when the wording is licensed and not shipped."""
        return self.licence.status == "restricted"

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in printed order."""
        return tuple(item.id for item in self.items)

    @property
    def scored_item_ids(self) -> tuple[str, ...]:
        """Ids of the items used by at least one scale."""
        used = {item_id for scale in self.scales for item_id in scale.items}
        return tuple(i for i in self.item_ids if i in used)

    @property
    def safety_items(self) -> tuple[str, ...]:
        """Items watched by a ``safety`` flag (PHQ-9: ``q9``)."""
        return tuple(f.item for f in self.flags if f.kind == "safety" and f.item is not None)

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id``."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.code}: no item {item_id!r}")

    def scale(self, code: str) -> Scale:
        """The scale with code ``code``."""
        for scale in self.scales:
            if scale.code == code:
                return scale
        raise KeyError(f"{self.code}: no scale {code!r}")

    def subscales_of(self, item_id: str) -> tuple[str, ...]:
        """Codes of the subscales that contain ``item_id``."""
        return tuple(s.code for s in self.scales if s.kind == "subscale" and item_id in s.items)
