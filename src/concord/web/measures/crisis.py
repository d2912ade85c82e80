"""The crisis text a patient reads when a safety item (PHQ-9 item 9) is answered above 0.

Each clinic sets its own text per language in the admin (:class:`ClinicCrisisText`); without
one, a default in the patient's language (English and Spanish ship) is shown. The defaults
name no telephone number on purpose: numbers differ by country and clinic, so a clinic puts
its own in its text.
"""

from __future__ import annotations

from dataclasses import dataclass

from concord.web.clinic.models import Clinic
from concord.web.measures.models import ClinicCrisisText

DEFAULT_CRISIS_TEXT = {
    "en": (
        "Thank you for telling us. Your care team will see your answer. If you are thinking "
        "about hurting yourself or feel you might act on these thoughts, please get help now: "
        "call your local emergency number or go to the nearest emergency department. You can "
        "also contact your clinic and ask to speak to someone from your care team today."
    ),
    "es": (
        "Gracias por contárnoslo. Su equipo de atención verá su respuesta. Si está pensando en "
        "hacerse daño o siente que podría actuar según esos pensamientos, busque ayuda ahora: "
        "llame al número de emergencias de su zona o acuda al servicio de urgencias más "
        "cercano. También puede ponerse en contacto con su clínica y pedir hablar hoy con "
        "alguien de su equipo de atención."
    ),
}
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class CrisisText:
    language: str
    text: str
    source: str  # "clinic" or "default"


def crisis_text_for(clinic: Clinic | None, language: str) -> CrisisText:
    """The clinic's text in ``language``; else the default in ``language``; else English
    (the clinic's English text first)."""
    language = (language or FALLBACK_LANGUAGE).split("-")[0].lower()
    for wanted in dict.fromkeys([language, FALLBACK_LANGUAGE]):
        if clinic is not None:
            configured = ClinicCrisisText.objects.filter(clinic=clinic, language=wanted).first()
            if configured is not None:
                return CrisisText(wanted, configured.text, "clinic")
        if wanted in DEFAULT_CRISIS_TEXT:
            return CrisisText(wanted, DEFAULT_CRISIS_TEXT[wanted], "default")
    return CrisisText(FALLBACK_LANGUAGE, DEFAULT_CRISIS_TEXT[FALLBACK_LANGUAGE], "default")
