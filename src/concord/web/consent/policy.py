"""The consent rules as data: re-confirmation periods, the information each consent is
given on (with its version), and which decisions the patient may make in the portal.

Documented in ``docs/consent.md``; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import Channel
from concord.web.consent.models import ConsentKind, Decision, Scope

# Default months until a granted consent should be re-confirmed. A clinician recording a
# decision may choose another period (1-36 months); the portal uses these.
RECONFIRM_MONTHS: dict[str, int] = {
    ConsentKind.TREATMENT: 12,  # the yearly review of the care plan
    ConsentKind.SUPPORTER: 6,  # who sees what changes with relationships: ask twice a year
    ConsentKind.CHANNEL: 24,  # a low-risk preference: every two years
    ConsentKind.RESEARCH: 24,  # research use is revisited every two years
}
MIN_RECONFIRM_MONTHS = 1
MAX_RECONFIRM_MONTHS = 36
DUE_SOON_DAYS = 30  # a consent is "due" this many days before its re-confirmation date


def reconfirm_date(recorded_on: date, months: int) -> date:
    """``recorded_on`` plus whole calendar months; the 31st becomes the month's last day.

    2026-01-31 + 1 month → 2026-02-28; 2026-11-21 + 12 months → 2027-11-21.
    """
    month_index = recorded_on.month - 1 + months
    year, month = recorded_on.year + month_index // 12, month_index % 12 + 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return date(year, month, min(recorded_on.day, last_day))


@dataclass(frozen=True)
class Information:
    """What the patient is told before deciding; ``version`` is stored on every record."""

    version: str
    text: Promise


# Bump the version whenever the wording changes: the records keep which one was given.
INFORMATION: dict[tuple[str, str], Information] = {
    (ConsentKind.TREATMENT, ""): Information(
        "treatment-2026.1",
        _(
            "You agree to the care your team has explained to you. You can ask questions at "
            "any time. To stop or change your treatment, talk to your care team."
        ),
    ),
    (ConsentKind.RESEARCH, ""): Information(
        "research-2026.1",
        _(
            "Researchers may use information from your care, with your name and contact "
            "details taken out, to learn how to help people better. Saying no does not "
            "change your care. You can stop at any time."
        ),
    ),
    (ConsentKind.CHANNEL, ""): Information(
        "channel-2026.1",
        _(
            "Your care team may contact you this way about appointments and reminders. "
            "They will not use it during your quiet hours."
        ),
    ),
    (ConsentKind.SUPPORTER, Scope.APPOINTMENTS): Information(
        "supporter-appointments-2026.1",
        _("The date, time and type (in person, video or phone) of your next appointments."),
    ),
    (ConsentKind.SUPPORTER, Scope.REMINDERS): Information(
        "supporter-reminders-2026.1",
        _(
            "The names of your medicines with set times, the times to take them, and which "
            "of today's doses you have not answered yet."
        ),
    ),
    (ConsentKind.SUPPORTER, Scope.ADHERENCE_SUMMARY): Information(
        "supporter-adherence-2026.1",
        _(
            "A short summary: on how many days you had each medicine at home (from your "
            "pharmacy refills), and how many doses you marked as taken in the last 30 days."
        ),
    ),
    (ConsentKind.SUPPORTER, Scope.GOALS): Information(
        "supporter-goals-2026.1",
        _("Your goals, in your own words, and your latest rating of how each is going."),
    ),
    (ConsentKind.SUPPORTER, Scope.OBSERVATIONS): Information(
        "supporter-observations-2026.1",
        _(
            "They can tell your care team how they think your medicines went each week. "
            "Your team sees this next to what you report, never mixed with it."
        ),
    ),
}


def information_for(kind: str, topic: str) -> Information:
    """The current information for a consent (channels share one wording)."""
    return INFORMATION[(kind, "" if kind == ConsentKind.CHANNEL else topic)]


# Which decisions the patient may make in the portal, per kind and current state.
# Treatment: re-confirm only. Agreeing to treatment for the first time, and stopping it, are
# conversations with the care team (what it means, what else there is, what to watch for),
# so a clinician records them. Everything else the patient decides alone, at any time.
PORTAL_DECISIONS: dict[str, dict[str, frozenset[str]]] = {
    # kind: {current decision ("" = none yet): decisions allowed}
    ConsentKind.TREATMENT: {
        "": frozenset(),
        Decision.GRANTED: frozenset({Decision.GRANTED}),
        Decision.DECLINED: frozenset(),
        Decision.WITHDRAWN: frozenset(),
    },
    ConsentKind.CHANNEL: {
        "": frozenset({Decision.GRANTED, Decision.DECLINED}),
        Decision.GRANTED: frozenset({Decision.GRANTED, Decision.WITHDRAWN}),
        Decision.DECLINED: frozenset({Decision.GRANTED}),
        Decision.WITHDRAWN: frozenset({Decision.GRANTED}),
    },
    ConsentKind.RESEARCH: {
        "": frozenset({Decision.GRANTED, Decision.DECLINED}),
        Decision.GRANTED: frozenset({Decision.GRANTED, Decision.WITHDRAWN}),
        Decision.DECLINED: frozenset({Decision.GRANTED}),
        Decision.WITHDRAWN: frozenset({Decision.GRANTED}),
    },
    # Supporter scopes: share, keep sharing (re-confirm), stop sharing.
    ConsentKind.SUPPORTER: {
        "": frozenset({Decision.GRANTED}),
        Decision.GRANTED: frozenset({Decision.GRANTED, Decision.WITHDRAWN}),
        Decision.DECLINED: frozenset({Decision.GRANTED}),
        Decision.WITHDRAWN: frozenset({Decision.GRANTED}),
    },
}

# What a clinician may record: every decision on treatment, channels and research; for a
# supporter only "withdrawn" (and ending the link). Widening who sees a patient's
# information is the patient's own act, signed in — a phone call could be anyone.
STAFF_DECISIONS: dict[str, frozenset[str]] = {
    ConsentKind.TREATMENT: frozenset(Decision.values),
    ConsentKind.CHANNEL: frozenset(Decision.values),
    ConsentKind.RESEARCH: frozenset(Decision.values),
    ConsentKind.SUPPORTER: frozenset({Decision.WITHDRAWN}),
}


def topics_for(kind: str) -> list[str]:
    if kind == ConsentKind.CHANNEL:
        return list(Channel.values)
    if kind == ConsentKind.SUPPORTER:
        return list(Scope.values)
    return [""]
