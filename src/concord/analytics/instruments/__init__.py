"""Instrument registry, scoring, FHIR conversion and licensed text packs (no Django).

An instrument is data: one TOML spec per instrument under ``specs/``, validated on load.
Public-domain instruments (PHQ-9, GAD-7, BARS) ship their English text; restricted ones ship
structure and scoring only and get their wording from a site-installed text pack.
"""

from typing import TYPE_CHECKING, Any

from concord.analytics.instruments.loader import instrument_from_mapping, load_instrument_file
from concord.analytics.instruments.model import (
    Band,
    Difference,
    Flag,
    Instrument,
    InstrumentError,
    InstrumentSpecError,
    InvalidResponseError,
    Item,
    Licence,
    Reference,
    ResponseOption,
    Scale,
    UnknownInstrumentError,
)
from concord.analytics.instruments.registry import (
    all_instruments,
    get_instrument,
    normalise_code,
    register_instrument,
    unregister_instrument,
)
from concord.analytics.instruments.scoring import (
    ScaleScore,
    ScoreResult,
    TableScoringError,
    score_response,
    score_table,
)
from concord.analytics.instruments.textpacks import (
    DisplayForm,
    DisplayItem,
    DisplayOption,
    InstrumentText,
    LicenceNotice,
    TextPackError,
    display_form,
    install_text_pack,
    load_text,
    read_text_pack,
)

if TYPE_CHECKING:
    from concord.analytics.instruments.fhir import from_questionnaire, to_questionnaire


def __getattr__(name: str) -> Any:
    # The FHIR models are slow to import; load them only when the conversion is used.
    if name in ("from_questionnaire", "to_questionnaire"):
        from concord.analytics.instruments import fhir

        return getattr(fhir, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Band",
    "Difference",
    "DisplayForm",
    "DisplayItem",
    "DisplayOption",
    "Flag",
    "Instrument",
    "InstrumentError",
    "InstrumentSpecError",
    "InstrumentText",
    "InvalidResponseError",
    "Item",
    "Licence",
    "LicenceNotice",
    "Reference",
    "ResponseOption",
    "Scale",
    "ScaleScore",
    "ScoreResult",
    "TableScoringError",
    "TextPackError",
    "UnknownInstrumentError",
    "all_instruments",
    "display_form",
    "from_questionnaire",
    "get_instrument",
    "install_text_pack",
    "instrument_from_mapping",
    "load_instrument_file",
    "load_text",
    "normalise_code",
    "read_text_pack",
    "register_instrument",
    "score_response",
    "score_table",
    "to_questionnaire",
    "unregister_instrument",
]
