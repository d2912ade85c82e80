"""The instrument registry: every spec under ``specs/`` plus instruments a site registers."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from concord.analytics.instruments.loader import load_instrument_file
from concord.analytics.instruments.model import (
    Instrument,
    InstrumentSpecError,
    UnknownInstrumentError,
)

SPEC_DIR = Path(__file__).parent / "specs"

_extra: dict[str, Instrument] = {}


def normalise_code(code: str) -> str:
    """``"PHQ-9"`` -> ``"phq9"``, ``"WAI-O-S"`` -> ``"waios"`` (case and punctuation ignored)."""
    return re.sub(r"[^a-z0-9]", "", code.lower())


@cache
def _shipped() -> dict[str, Instrument]:
    found: dict[str, Instrument] = {}
    for path in sorted(SPEC_DIR.glob("*.toml")):
        instrument = load_instrument_file(path)
        if instrument.code != path.stem:
            raise InstrumentSpecError(
                path.name,
                "code",
                f"must equal the file name {path.stem!r}, got {instrument.code!r}",
            )
        found[instrument.code] = instrument
    return found


def all_instruments() -> tuple[Instrument, ...]:
    """Every registered instrument (shipped first, then site-registered), sorted by code."""
    merged = {**_shipped(), **_extra}
    return tuple(merged[code] for code in sorted(merged))


def get_instrument(code: str) -> Instrument:
    """The instrument registered as ``code`` (``"phq9"``, ``"PHQ-9"`` and ``"phq-9"`` all work).

    Raises
    ------
    UnknownInstrumentError
        No such instrument; the message lists the known codes.
    """
    key = normalise_code(code)
    found = _extra.get(key) or _shipped().get(key)
    if found is None:
        known = ", ".join(i.code for i in all_instruments())
        raise UnknownInstrumentError(f"unknown instrument {code!r}; known: {known}")
    return found


def register_instrument(instrument: Instrument, *, replace: bool = False) -> None:
    """Add a site-defined instrument (e.g. from a FHIR Questionnaire) to the registry.

    A shipped instrument cannot be replaced; a site one only with ``replace=True``.
    """
    if instrument.code in _shipped():
        raise InstrumentSpecError(
            instrument.source or instrument.code, "code", "is a shipped instrument"
        )
    if instrument.code in _extra and not replace:
        raise InstrumentSpecError(
            instrument.source or instrument.code, "code", "already registered"
        )
    _extra[instrument.code] = instrument


def unregister_instrument(code: str) -> None:
    """Remove a site-registered instrument (no-op if absent)."""
    _extra.pop(normalise_code(code), None)
