"""What a form shows: the registry's display model, in words for the web page.

Restricted instruments show item numbers, subscale names and the licence notice unless the
site installed a text pack (``CONCORD_INSTRUMENT_TEXT_DIR``, as ``concord instruments
install-text`` uses); public-domain ones show their shipped English text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from concord.analytics.instruments import DisplayForm, display_form, get_instrument

# Names by code, translated when a page is drawn (the core returns codes only).
SCALE_NAMES: dict[str, Promise] = {
    "goal": _("Goal"),
    "task": _("Task"),
    "bond": _("Bond"),
    "total": _("Total"),
}
BAND_NAMES: dict[str, Promise] = {
    "minimal": _("minimal"),
    "mild": _("mild"),
    "moderate": _("moderate"),
    "moderately_severe": _("moderately severe"),
    "severe": _("severe"),
}
STATUS_NAMES: dict[str, Promise] = {
    "not_scorable": _("not scorable (too many questions unanswered)"),
    "prorated": _("prorated"),
}
RATER_NAMES: dict[str, Promise] = {
    "patient": _("Patient"),
    "clinician": _("Clinician"),
    "observer": _("Observer"),
    "supporter_proxy": _("Supporter (proxy)"),
}


def text_dir() -> Path:
    """Where the site's licensed text packs are installed (same default as the CLI)."""
    return Path(settings.INSTRUMENT_TEXT_DIR)


def scale_name(code: str) -> str:
    if code in SCALE_NAMES:
        return str(SCALE_NAMES[code])
    return code.replace("_", " ").capitalize()


@dataclass(frozen=True)
class FormQuestion:
    id: str
    number: int
    text: str | None
    subscales: str
    kind: str
    options: list[tuple[str, str]]  # (value, label)
    minimum: str
    maximum: str
    anchors: tuple[str, str] | None
    value: str
    errors: list[str]


@dataclass(frozen=True)
class FormView:
    display: DisplayForm
    notice: str | None
    questions: list[FormQuestion]


def _fmt(value: float) -> str:
    return f"{value:g}"


def form_view(
    code: str,
    language: str,
    answers: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> FormView:
    display = display_form(code, language, text_dir())
    if display.notice is None and language != "en":
        display = display_form(code, "en", text_dir())
    notice = None
    if display.notice is not None:
        notice = gettext(
            "The wording of %(name)s is licensed by %(holder)s and is not installed on this "
            "site, so questions are shown by number and subscale. Use the licensed paper or "
            "screen form for the wording."
        ) % {"name": display.name, "holder": display.notice.holder}
    answers = answers or {}
    errors = errors or {}
    questions = []
    for item in display.items:
        value = answers.get(item.id)
        questions.append(
            FormQuestion(
                id=item.id,
                number=item.number,
                text=item.text,
                subscales=", ".join(scale_name(s) for s in item.subscales),
                kind=item.kind,
                options=[
                    (_fmt(o.value), o.label if o.label else _fmt(o.value)) for o in item.options
                ],
                minimum=_fmt(item.minimum),
                maximum=_fmt(item.maximum),
                anchors=item.anchors,
                value="" if value is None else _fmt(float(value)),
                errors=errors.get(item.id, []),
            )
        )
    return FormView(display, notice, questions)


@dataclass(frozen=True)
class ScoreLine:
    scale: str
    value: str
    band: str
    status: str


def _name(names: dict[str, Promise], code: str, default: str | None = None) -> str:
    """The translated name of ``code``; unknown codes as they are (or ``default``)."""
    if code in names:
        return str(names[code])
    return code if default is None else default


def _score_text(value: float) -> str:
    """At most two decimals, trailing zeros dropped, in the page's number format (12,5)."""
    return str(number_format(Decimal(f"{value:.2f}".rstrip("0").rstrip("."))))


def score_lines(scores: dict[str, Any] | None) -> list[ScoreLine]:
    if not scores:
        return []
    lines = []
    for code, scale in scores.get("scales", {}).items():
        value = scale.get("value")
        lines.append(
            ScoreLine(
                scale=scale_name(code),
                value="—" if value is None else _score_text(value),
                band=_name(BAND_NAMES, scale.get("band") or ""),
                status=_name(STATUS_NAMES, scale.get("status") or "", default=""),
            )
        )
    return lines


def instrument_name(code: str) -> str:
    return get_instrument(code).name
