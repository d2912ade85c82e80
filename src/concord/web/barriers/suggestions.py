"""The usual actions for each kind of barrier, why, and where that comes from.

The mapping is a starting point offered on the action form, never a rule: the clinician and
the patient choose. It follows the WHO's grouping of adherence barriers into five dimensions
(social and economic, health system, condition, therapy, patient) with the interventions the
report lists for each (WHO 2003, chapters V and VI), and the intervention types reviewed by
Kini & Ho (2018). Each barrier kind names the sources for its actions (``SOURCES``); the same
table is in docs/barriers.md.

Plain-language wording for the patient portal (reading age about 11-12) is here too, so that
the portal and the clinician pages name the same kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from concord.web.barriers.models import (
    ActionKind,
    ActionStatus,
    BarrierKind,
    BarrierStatus,
    ReferralStatus,
    ResourceCategory,
)

SOURCES: dict[str, str] = {
    "who2003": (
        "World Health Organization. Adherence to long-term therapies: evidence for action. "
        "Sabaté E, editor. Geneva: WHO; 2003."
    ),
    "kini_ho2018": (
        "Kini V, Ho PM. Interventions to improve medication adherence: a review. "
        "JAMA. 2018;320(23):2461-2473. doi:10.1001/jama.2018.19271"
    ),
    "thakkar2016": (
        "Thakkar J, Kurup R, Laba TL, et al. Mobile telephone text messaging for medication "
        "adherence in chronic disease: a meta-analysis. JAMA Intern Med. 2016;176(3):340-349."
    ),
    "choudhry2011": (
        "Choudhry NK, Avorn J, Glynn RJ, et al. Full coverage for preventive medications "
        "after myocardial infarction. N Engl J Med. 2011;365(22):2088-2097."
    ),
    "syed2013": (
        "Syed ST, Gerber BS, Sharp LK. Traveling towards disease: transportation barriers to "
        "health care access. J Community Health. 2013;38(5):976-993."
    ),
    "karliner2007": (
        "Karliner LS, Jacobs EA, Chen AH, Mutha S. Do professional interpreters improve "
        "clinical care for patients with limited English proficiency? A systematic review of "
        "the literature. Health Serv Res. 2007;42(2):727-754."
    ),
    "dimatteo2004": (
        "DiMatteo MR. Social support and patient adherence to medical treatment: a "
        "meta-analysis. Health Psychol. 2004;23(2):207-218."
    ),
    "horne2013": (
        "Horne R, Chapman SCE, Parham R, et al. Understanding patients' adherence-related "
        "beliefs about medicines prescribed for long-term conditions: a meta-analytic review "
        "of the Necessity-Concerns Framework. PLoS One. 2013;8(12):e80633."
    ),
}


@dataclass(frozen=True)
class Suggestion:
    action_kinds: tuple[str, ...]  # the usual actions, most usual first
    resource_categories: tuple[str, ...]  # directory categories that usually fit
    rationale: Promise | str
    sources: tuple[str, ...]  # keys of SOURCES


SUGGESTIONS: dict[str, Suggestion] = {
    BarrierKind.FORGETFULNESS: Suggestion(
        (ActionKind.REMINDER_PLAN, ActionKind.SUPPORTER),
        (),
        _(
            "Unintentional non-adherence: reminders (text messages, alarms, pill organisers, "
            "linking doses to daily routines) and, with consent, a supporter's prompt."
        ),
        ("who2003", "kini_ho2018", "thakkar2016", "dimatteo2004"),
    ),
    BarrierKind.SIDE_EFFECTS: Suggestion(
        (ActionKind.SIDE_EFFECT_REVIEW, ActionKind.INFORMATION),
        (),
        _(
            "A therapy-related barrier: review dose, timing or the medicine with the "
            "prescriber or pharmacist, and explain which effects pass and what to do."
        ),
        ("who2003", "kini_ho2018"),
    ),
    BarrierKind.COST: Suggestion(
        (ActionKind.COST_HELP, ActionKind.REFERRAL),
        (ResourceCategory.FINANCIAL, ResourceCategory.FOOD, ResourceCategory.HOUSING),
        _(
            "A social and economic barrier: lower what the patient pays (cheaper equivalent, "
            "exemptions, prescription prepayment) and refer to financial advice."
        ),
        ("who2003", "kini_ho2018", "choudhry2011"),
    ),
    BarrierKind.TRANSPORT: Suggestion(
        (ActionKind.TELEHEALTH, ActionKind.REFERRAL),
        (ResourceCategory.TRANSPORT,),
        _(
            "A health-system barrier of access: fewer journeys (telehealth or phone "
            "appointments, medicines delivered) and community or patient transport."
        ),
        ("who2003", "syed2013"),
    ),
    BarrierKind.LANGUAGE: Suggestion(
        (ActionKind.INTERPRETER, ActionKind.REFERRAL),
        (ResourceCategory.INTERPRETING,),
        _(
            "A professional interpreter at appointments and written material in the "
            "patient's language; family members are not a substitute for an interpreter."
        ),
        ("who2003", "karliner2007"),
    ),
    BarrierKind.CAREGIVING: Suggestion(
        (ActionKind.REFERRAL, ActionKind.TELEHEALTH, ActionKind.SUPPORTER),
        (ResourceCategory.CARERS,),
        _(
            "Caring for someone else leaves little time or energy: carers' support, "
            "appointments that fit (telehealth), and help from a supporter with consent."
        ),
        ("who2003", "dimatteo2004"),
    ),
    BarrierKind.BELIEFS: Suggestion(
        (ActionKind.INFORMATION, ActionKind.SIDE_EFFECT_REVIEW),
        (ResourceCategory.PEER_SUPPORT,),
        _(
            "Intentional non-adherence: talk through the patient's view of why the medicine "
            "is needed and what worries them (necessity and concerns), with clear information."
        ),
        ("who2003", "horne2013", "kini_ho2018"),
    ),
    BarrierKind.STIGMA: Suggestion(
        (ActionKind.INFORMATION, ActionKind.REFERRAL, ActionKind.TELEHEALTH),
        (ResourceCategory.PEER_SUPPORT, ResourceCategory.HELPLINE),
        _(
            "Worry about what others think: talk it through, discreet arrangements "
            "(telehealth, private dose times) and peer support."
        ),
        ("who2003",),
    ),
    BarrierKind.OTHER: Suggestion(
        (ActionKind.OTHER,),
        (),
        _("Agree the action with the patient from what they describe."),
        (),
    ),
}


def suggestion_for(kind: str) -> Suggestion:
    return SUGGESTIONS.get(kind, SUGGESTIONS[BarrierKind.OTHER])


# ------------------------------------------------------------------ the patient's words

PORTAL_BARRIER_LABELS: dict[str, Promise] = {
    BarrierKind.FORGETFULNESS: _("I forget"),
    BarrierKind.SIDE_EFFECTS: _("Side effects bother me"),
    BarrierKind.COST: _("It costs too much"),
    BarrierKind.TRANSPORT: _("It is hard to get there"),
    BarrierKind.LANGUAGE: _("I need my own language or an interpreter"),
    BarrierKind.CAREGIVING: _("I look after someone and have little time"),
    BarrierKind.BELIEFS: _("I have doubts or worries about my medicine"),
    BarrierKind.STIGMA: _("I worry about what people think"),
    BarrierKind.OTHER: _("Something else"),
}

PORTAL_ACTION_LABELS: dict[str, Promise] = {
    ActionKind.REMINDER_PLAN: _("A plan to help you remember"),
    ActionKind.SIDE_EFFECT_REVIEW: _("A check of your side effects"),
    ActionKind.COST_HELP: _("Help with costs"),
    ActionKind.TELEHEALTH: _("Video or phone appointments"),
    ActionKind.INTERPRETER: _("An interpreter or information in your language"),
    ActionKind.SUPPORTER: _("Help from someone you trust"),
    ActionKind.INFORMATION: _("Time to talk about your worries"),
    ActionKind.REFERRAL: _("Help from a local service"),
    ActionKind.OTHER: _("Something else"),
}

PORTAL_BARRIER_STATUS: dict[str, Promise] = {
    BarrierStatus.OPEN: _("We know about it"),
    BarrierStatus.BEING_ADDRESSED: _("We are working on it"),
    BarrierStatus.RESOLVED: _("Sorted"),
    BarrierStatus.NO_LONGER_APPLIES: _("No longer a problem"),
}

PORTAL_ACTION_STATUS: dict[str, Promise] = {
    ActionStatus.PLANNED: _("Planned"),
    ActionStatus.DONE: _("Done"),
    ActionStatus.NOT_DONE: _("Not done"),
    ActionStatus.CANCELLED: _("Stopped"),
}

PORTAL_REFERRAL_STATUS: dict[str, Promise] = {
    ReferralStatus.SUGGESTED: _("Suggested to you"),
    ReferralStatus.REFERRED: _("We have sent your details"),
    ReferralStatus.CONTACTED: _("You and the service are in touch"),
    ReferralStatus.ATTENDED: _("You went"),
    ReferralStatus.DECLINED: _("You said no"),
    ReferralStatus.NO_LONGER_NEEDED: _("Not needed any more"),
}

# What a patient may say about their own referral in the portal.
PATIENT_REFERRAL_STATUSES = (
    ReferralStatus.CONTACTED,
    ReferralStatus.ATTENDED,
    ReferralStatus.DECLINED,
)
PORTAL_REFERRAL_ANSWERS: dict[str, Promise] = {
    ReferralStatus.CONTACTED: _("I have been in touch with them"),
    ReferralStatus.ATTENDED: _("I went"),
    ReferralStatus.DECLINED: _("No, thank you"),
}
