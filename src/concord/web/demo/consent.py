"""Synthetic consent and supporters for the demo clinic.

Deterministic: a fixed seed, relative to ``today`` (its "now" from :func:`demo_now`).

* every patient consented to treatment in writing when their first episode started (most for
  12 months; the clinician chose 6 months for about a quarter, so some are due or overdue
  for re-confirmation; a few re-confirmed at a later session);
* each preferred channel was consented to at the start; a few patients later withdrew
  consent for text messages, which took SMS out of their preferred channels;
* about two thirds were asked about research use of data (most said yes);
* ``supporter1`` (Jo Abara) supports ``patient1`` (Amara Abara): appointments, medicine
  times and how medicines are going since 40 days ago, and what they notice since 25 days
  ago, with four weekly observations; patient1's research consent (from an earlier course
  of care) is due for re-confirmation in 20 days, and a friend's invitation is pending;
* ``patient2`` ended a link with Jo 30 days ago (the revoked supporter in their history).

No audit rows are invented: "who has looked at my information" fills as people use the demo.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from concord.web.accounts.models import User
from concord.web.clinic.models import CareEpisode, Channel, Patient
from concord.web.consent.invitations import INVITATION_LIFETIME
from concord.web.consent.models import (
    ConsentKind,
    ConsentRecord,
    Decision,
    Method,
    Scope,
    SupporterInvitation,
    SupporterLink,
    SupporterObservation,
    TookMedicines,
)
from concord.web.consent.policy import INFORMATION, RECONFIRM_MONTHS, reconfirm_date
from concord.web.consent.supporters import LINK_ENDED_NOTE
from concord.web.demo.clock import demo_now

SEED_OFFSET = 11


def _version(kind: str, topic: str = "") -> str:
    return INFORMATION[(kind, "" if kind == ConsentKind.CHANNEL else topic)].version


def _record(
    patient: Patient,
    kind: str,
    decision: str,
    at: datetime,
    by: User,
    method: str,
    *,
    topic: str = "",
    link: SupporterLink | None = None,
    months: int | None = None,
    note: str = "",
) -> ConsentRecord:
    granted = decision == Decision.GRANTED
    return ConsentRecord.objects.create(
        patient=patient,
        kind=kind,
        topic=topic,
        supporter_link=link,
        decision=decision,
        method=method,
        recorded_by=by,
        recorded_at=at,
        information_version=_version(kind, topic),
        reconfirm_by=(
            reconfirm_date(timezone.localtime(at).date(), months or RECONFIRM_MONTHS[kind])
            if granted
            else None
        ),
        note=note,
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _clinic_consents(rng: random.Random, today: date, skip_research: set[int]) -> None:
    episodes = CareEpisode.objects.select_related("patient", "lead_clinician").order_by(
        "patient_id", "started_on", "pk"
    )
    first: dict[int, CareEpisode] = {}
    for episode in episodes:
        first.setdefault(episode.patient_id, episode)
    for episode in first.values():
        patient, clinician = episode.patient, episode.lead_clinician
        if clinician is None:
            continue
        start = _at(episode.started_on, 10)
        months = 6 if rng.random() < 0.25 else 12
        _record(
            patient,
            ConsentKind.TREATMENT,
            Decision.GRANTED,
            start,
            clinician,
            Method.IN_WRITING,
            months=months,
        )
        later = episode.started_on + timedelta(days=rng.randrange(60, 200))
        if later < today and rng.random() < 0.15:
            _record(
                patient,
                ConsentKind.TREATMENT,
                Decision.GRANTED,
                _at(later, 11),
                clinician,
                Method.IN_PERSON_VERBAL,
                note="Re-confirmed at the review session.",
            )
        for channel in list(patient.channels or []):
            _record(
                patient,
                ConsentKind.CHANNEL,
                Decision.GRANTED,
                start + timedelta(minutes=5),
                clinician,
                Method.IN_PERSON_VERBAL,
                topic=channel,
            )
        if "sms" in (patient.channels or []) and rng.random() < 0.15:
            withdrawn = min(today - timedelta(days=1), episode.started_on + timedelta(days=30))
            _record(
                patient,
                ConsentKind.CHANNEL,
                Decision.WITHDRAWN,
                _at(withdrawn, 15),
                clinician,
                Method.PHONE,
                topic=Channel.SMS,
                note="Asked on the phone to stop text messages.",
            )
            patient.channels = [c for c in patient.channels if c != Channel.SMS]
            patient.save(update_fields=["channels"])
        if rng.random() < 0.65 and patient.pk not in skip_research:
            decision = Decision.GRANTED if rng.random() < 0.75 else Decision.DECLINED
            _record(
                patient,
                ConsentKind.RESEARCH,
                decision,
                start + timedelta(minutes=10),
                clinician,
                Method.IN_WRITING,
            )


def _invitation(rng: random.Random, link: SupporterLink, created: datetime) -> None:
    token = f"demo-{rng.getrandbits(128):032x}"  # never shown: the demo's links are not used
    SupporterInvitation.objects.create(
        link=link,
        digest=hashlib.sha256(token.encode()).hexdigest(),
        created_at=created,
        expires_at=created + INVITATION_LIFETIME,
        used_at=link.accepted_at,
    )


def _supporters(rng: random.Random, today: date, now: datetime, users: dict[str, User]) -> None:
    patient1 = Patient.objects.get(account=users["patient1"])
    patient2 = Patient.objects.get(account=users["patient2"])
    jo, amara = users["supporter1"], users["patient1"]

    invited = now - timedelta(days=40)
    link = SupporterLink.objects.create(
        patient=patient1,
        supporter=jo,
        name="Jo Abara",
        relationship=SupporterLink.Relationship.PARTNER,
        contact="+44 7700 900123",
        invited_by=amara,
        invited_at=invited,
        accepted_at=invited + timedelta(hours=20),
    )
    _invitation(rng, link, invited)
    for scope in (Scope.APPOINTMENTS, Scope.REMINDERS, Scope.ADHERENCE_SUMMARY):
        _record(
            patient1,
            ConsentKind.SUPPORTER,
            Decision.GRANTED,
            invited,
            amara,
            Method.PORTAL,
            topic=scope,
            link=link,
        )
    _record(
        patient1,
        ConsentKind.SUPPORTER,
        Decision.GRANTED,
        now - timedelta(days=25),
        amara,
        Method.PORTAL,
        topic=Scope.OBSERVATIONS,
        link=link,
    )
    notes = [
        "",
        "Missed a couple of doses after late shifts.",
        "",
        "Took them every morning with breakfast.",
    ]
    for weeks_ago, said in zip((3, 2, 1, 0), ("most", "some", "most", "all"), strict=True):
        week_ending = today - timedelta(days=7 * weeks_ago)
        SupporterObservation.objects.create(
            link=link,
            patient=patient1,
            supporter=jo,
            week_ending=week_ending,
            took_medicines=TookMedicines(said),
            note=notes[3 - weeks_ago],
            recorded_at=min(now, _at(week_ending, 19, 30)),
        )

    # Research consent given in a previous course of care, due for re-confirmation soon.
    clinician = CareEpisode.objects.filter(patient=patient1).first()
    if clinician is not None and clinician.lead_clinician is not None:
        due = today + timedelta(days=20)
        recorded = _at(reconfirm_date(due, -24), 9)
        _record(
            patient1,
            ConsentKind.RESEARCH,
            Decision.GRANTED,
            recorded,
            clinician.lead_clinician,
            Method.IN_WRITING,
            months=24,
        )

    pending = SupporterLink.objects.create(
        patient=patient1,
        name="Tomás Silva",
        relationship=SupporterLink.Relationship.FRIEND,
        contact="tomas.silva@example.org",
        invited_by=amara,
        invited_at=now - timedelta(days=2),
    )
    _invitation(rng, pending, pending.invited_at)
    _record(
        patient1,
        ConsentKind.SUPPORTER,
        Decision.GRANTED,
        pending.invited_at,
        amara,
        Method.PORTAL,
        topic=Scope.APPOINTMENTS,
        link=pending,
    )

    # patient2 shared appointments with Jo for a while, then stopped.
    ben = users["patient2"]
    began = now - timedelta(days=120)
    ended = now - timedelta(days=30)
    former = SupporterLink.objects.create(
        patient=patient2,
        supporter=jo,
        name="Jo Abara",
        relationship=SupporterLink.Relationship.FRIEND,
        contact="+44 7700 900123",
        invited_by=ben,
        invited_at=began,
        accepted_at=began + timedelta(days=1),
        ended_at=ended,
        ended_by=ben,
        end_method=Method.PORTAL,
    )
    _invitation(rng, former, began)
    _record(
        patient2,
        ConsentKind.SUPPORTER,
        Decision.GRANTED,
        began,
        ben,
        Method.PORTAL,
        topic=Scope.APPOINTMENTS,
        link=former,
    )
    _record(
        patient2,
        ConsentKind.SUPPORTER,
        Decision.WITHDRAWN,
        ended,
        ben,
        Method.PORTAL,
        topic=Scope.APPOINTMENTS,
        link=former,
        note=LINK_ENDED_NOTE,
    )


def build_demo_consent(today: date, users: dict[str, User], seed: int) -> None:
    """Add the demo clinic's consent and supporters."""
    rng = random.Random(seed + SEED_OFFSET)
    now = demo_now(today)
    patient1 = Patient.objects.get(account=users["patient1"])
    _clinic_consents(rng, today, skip_research={patient1.pk})
    _supporters(rng, today, now, users)
