"""Synthetic barriers and practical support for the demo clinic.

Each clinic gets its community directory (:mod:`.community_directory`: one entry not checked
for over a year, one never checked, one archived). Active patients get barriers of every
kind, in turn, each in one of six situations: just reported, an action overdue, one due this
week, one planned later with a referral, resolved, and no longer applying; every fourth
patient has a second barrier. Referrals go through every status. ``patient1`` reported two
barriers in the portal (forgetting the evening dose, and the cost of prescriptions, whose
follow-up is overdue and who was referred to money advice) and had a transport barrier
resolved with telehealth.

Deterministic: a fixed seed, times relative to ``today`` (``demo_now``). Rows are written
with their full history, as the services would have written them over the weeks.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from concord.web.accounts.models import User
from concord.web.barriers.models import (
    ActionKind,
    ActionStatus,
    ActionUpdate,
    Barrier,
    BarrierAction,
    BarrierKind,
    BarrierStatus,
    BarrierStatusChange,
    CommunityResource,
    OwnerKind,
    RaisedBy,
    Referral,
    ReferralStatusChange,
)
from concord.web.barriers.suggestions import suggestion_for
from concord.web.clinic.models import CareEpisode, Clinic, EpisodeStatus, Patient
from concord.web.demo.clock import demo_now
from concord.web.demo.community_directory import DIRECTORY

SEED_OFFSET = 13
KINDS = list(BarrierKind.values)
PATIENT_WORDS = {
    "forgetfulness": "I forget the evening tablets when my shifts change.",
    "side_effects": "The tablets make me drowsy at work and I worry about driving.",
    "cost": "I can't afford the bus and the prescription in the same week.",
    "transport": "The bus takes over an hour each way and I can't drive any more.",
    "language": "I understand much better in my own language.",
    "caregiving": "I look after my mother and can't leave her for long.",
    "beliefs": "I don't want to depend on pills for the rest of my life.",
    "stigma": "I don't want my colleagues to see me taking them.",
    "other": "Night shifts make the exercise plan impossible.",
}
CLINICIAN_NOTES = {
    "forgetfulness": "Refill gaps and missed evening doses on the dose log.",
    "side_effects": "Reports sedation since the dose increase.",
    "cost": "Stopped collecting after the charge went up.",
    "transport": "Missed two sessions; lives far from the bus route.",
    "language": "Needs an interpreter for consent and medication discussions.",
    "caregiving": "Sole carer for a partner with dementia.",
    "beliefs": "Worried about long-term harm; skips doses when feeling well.",
    "stigma": "Hides medication at home; family disapproves of treatment.",
    "other": "Moving house next month; plan disrupted.",
}
ACTION_TEXT = {
    ActionKind.REMINDER_PLAN: "Set a daily phone alarm and use a weekly pill organiser.",
    ActionKind.SIDE_EFFECT_REVIEW: "Review the dose and timing at the next appointment.",
    ActionKind.COST_HELP: "Check free prescriptions and a prepayment certificate.",
    ActionKind.TELEHEALTH: "Move every other session to video.",
    ActionKind.INTERPRETER: "Book an interpreter for appointments; send letters translated.",
    ActionKind.SUPPORTER: "With consent, ask a family member to help with the evening dose.",
    ActionKind.INFORMATION: "Talk through what the medicine does and the worries about it.",
    ActionKind.REFERRAL: "Refer to a local service that can help.",
    ActionKind.OTHER: "Agree a plan that fits the new routine.",
}
CATEGORY_FOR_REFERRAL = {
    "cost": "financial",
    "transport": "transport",
    "language": "interpreting",
    "caregiving": "carers",
    "beliefs": "peer_support",
    "stigma": "peer_support",
    "side_effects": "helpline",
}
REFERRAL_PATHS = (
    ("suggested",),
    ("suggested", "referred"),
    ("referred", "contacted"),
    ("referred", "contacted", "attended"),
    ("suggested", "declined"),
    ("referred", "no_longer_needed"),
)


class DemoWriter:
    """Writes barrier rows with their history, as the services would have."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def barrier(
        self,
        episode: CareEpisode,
        kind: str,
        *,
        by_patient: bool,
        days_ago: float,
        reporter: User | None,
    ) -> Barrier:
        at = self.now - timedelta(days=days_ago)
        barrier = Barrier.objects.create(
            patient=episode.patient,
            episode=None if by_patient else episode,
            kind=kind,
            description=PATIENT_WORDS[kind] if by_patient else CLINICIAN_NOTES[kind],
            words_of=RaisedBy.PATIENT if by_patient else RaisedBy.CLINICIAN,
            raised_by=RaisedBy.PATIENT if by_patient else RaisedBy.CLINICIAN,
            reported_by=reporter,
            reported_at=at,
            status_changed_at=at,
        )
        self.status(barrier, BarrierStatus.OPEN, at, reporter, "", first=True)
        return barrier

    def status(
        self,
        barrier: Barrier,
        status: str,
        at: datetime,
        by: User | None,
        note: str,
        *,
        first: bool = False,
    ) -> None:
        before = "" if first else barrier.status
        barrier.status, barrier.status_changed_at = status, at
        barrier.save(update_fields=["status", "status_changed_at"])
        BarrierStatusChange.objects.create(
            barrier=barrier,
            from_status=before,
            to_status=status,
            changed_by=by,
            changed_by_role=by.role if by else "",
            changed_at=at,
            note=note,
        )

    def action(
        self,
        barrier: Barrier,
        kind: str,
        clinician: User,
        *,
        created: datetime,
        follow_up_on: date,
    ) -> BarrierAction:
        owner_kind = OwnerKind.CLINICIAN
        if kind == ActionKind.REMINDER_PLAN:
            owner_kind = OwnerKind.PATIENT
        elif kind == ActionKind.SUPPORTER:
            owner_kind = OwnerKind.OTHER_PERSON
        action = BarrierAction.objects.create(
            barrier=barrier,
            kind=kind,
            description=ACTION_TEXT[ActionKind(kind)],
            owner_kind=owner_kind,
            owner_clinician=clinician if owner_kind == OwnerKind.CLINICIAN else None,
            owner_name="Maria (daughter)" if owner_kind == OwnerKind.OTHER_PERSON else "",
            follow_up_on=follow_up_on,
            created_by=clinician,
            created_at=created,
        )
        ActionUpdate.objects.create(
            action=action,
            to_status=ActionStatus.PLANNED,
            follow_up_after=follow_up_on,
            changed_by=clinician,
            changed_by_role=clinician.role,
            changed_at=created,
        )
        if barrier.status == BarrierStatus.OPEN:
            note = f"Action opened: {action.get_kind_display()}"
            self.status(barrier, BarrierStatus.BEING_ADDRESSED, created, clinician, note)
        return action

    def close(self, action: BarrierAction, status: str, at: datetime, by: User, note: str) -> None:
        action.status, action.outcome_note, action.closed_at = status, note, at
        action.save(update_fields=["status", "outcome_note", "closed_at"])
        ActionUpdate.objects.create(
            action=action,
            from_status=ActionStatus.PLANNED,
            to_status=status,
            changed_by=by,
            changed_by_role=by.role,
            changed_at=at,
            note=note,
        )

    def referral(
        self,
        patient: Patient,
        resource: CommunityResource,
        action: BarrierAction | None,
        path: tuple[str, ...],
        *,
        created: datetime,
        by: User,
    ) -> Referral:
        referral = Referral.objects.create(
            patient=patient,
            resource=resource,
            action=action,
            episode=action.barrier.episode if action else None,
            reason=f"Help with {action.barrier.get_kind_display().lower()}." if action else "",
            status=path[0],
            referred_by=by,
            created_at=created,
            status_changed_at=created,
        )
        before, at = "", created
        for step, status in enumerate(path):
            at = created + timedelta(days=3 * step)
            account = patient.account
            patient_says = status in ("contacted", "attended", "declined") and account is not None
            who = account if patient_says and account is not None else by
            ReferralStatusChange.objects.create(
                referral=referral,
                from_status=before,
                to_status=status,
                changed_by=who,
                changed_by_role=who.role,
                changed_at=at,
            )
            before = status
        referral.status, referral.status_changed_at = path[-1], at
        referral.save(update_fields=["status", "status_changed_at"])
        return referral


def build_directory(today: date, now: datetime) -> dict[int, list[CommunityResource]]:
    """Each demo clinic's directory, by clinic id."""
    clinics = {c.name: c for c in Clinic.objects.filter(organisation__name__endswith="(demo)")}
    by_clinic: dict[int, list[CommunityResource]] = {}
    for entry in DIRECTORY:
        clinic = clinics.get(entry.clinic)
        if clinic is None:
            continue
        resource = CommunityResource.objects.create(
            clinic=clinic,
            name=entry.name,
            category=entry.category,
            description=entry.description,
            phone=entry.phone,
            email=entry.email,
            website=entry.website,
            address=entry.address,
            area=entry.area,
            opening_hours=entry.opening_hours,
            languages=entry.languages,
            eligibility=entry.eligibility,
            active=not entry.archived,
            archived_at=now - timedelta(days=40) if entry.archived else None,
            last_verified_on=None
            if entry.verified_days_ago is None
            else today - timedelta(days=entry.verified_days_ago),
            created_at=now - timedelta(days=500),
            updated_at=now - timedelta(days=40 if entry.archived else 90),
        )
        by_clinic.setdefault(clinic.pk, []).append(resource)
    return by_clinic


def _resource_for(
    directory: dict[int, list[CommunityResource]], episode: CareEpisode, kind: str
) -> CommunityResource | None:
    category = CATEGORY_FOR_REFERRAL.get(kind)
    listed = [r for r in directory.get(episode.team.clinic_id, []) if r.active]
    matching = [r for r in listed if r.category == category]
    return matching[0] if matching else None


def _patient1(
    writer: DemoWriter,
    today: date,
    episode: CareEpisode,
    directory: dict[int, list[CommunityResource]],
) -> None:
    """The portal patient's barriers: the demo's walk-through."""
    now, account = writer.now, episode.patient.account
    clinician = episode.lead_clinician
    if clinician is None:
        return
    forget = writer.barrier(
        episode, BarrierKind.FORGETFULNESS, by_patient=True, days_ago=21, reporter=account
    )
    writer.action(
        forget,
        ActionKind.REMINDER_PLAN,
        clinician,
        created=now - timedelta(days=20),
        follow_up_on=today + timedelta(days=5),
    )
    cost = writer.barrier(episode, BarrierKind.COST, by_patient=True, days_ago=12, reporter=account)
    help_desk = writer.action(
        cost,
        ActionKind.COST_HELP,
        clinician,
        created=now - timedelta(days=11),
        follow_up_on=today - timedelta(days=4),
    )
    writer.close(
        help_desk,
        ActionStatus.DONE,
        now - timedelta(days=4),
        clinician,
        "Prepayment certificate applied for; charges capped from next month.",
    )
    refer = writer.action(
        cost,
        ActionKind.REFERRAL,
        clinician,
        created=now - timedelta(days=11),
        follow_up_on=today - timedelta(days=2),  # overdue
    )
    resource = _resource_for(directory, episode, BarrierKind.COST)
    if resource is not None:
        writer.referral(
            episode.patient,
            resource,
            refer,
            ("suggested", "referred"),
            created=now - timedelta(days=11),
            by=clinician,
        )
    transport = writer.barrier(
        episode, BarrierKind.TRANSPORT, by_patient=False, days_ago=60, reporter=clinician
    )
    video = writer.action(
        transport,
        ActionKind.TELEHEALTH,
        clinician,
        created=now - timedelta(days=59),
        follow_up_on=today - timedelta(days=30),
    )
    writer.close(video, ActionStatus.DONE, now - timedelta(days=30), clinician, "Video works.")
    writer.status(
        transport,
        BarrierStatus.RESOLVED,
        now - timedelta(days=30),
        clinician,
        "Alternate sessions by video; no missed session since.",
    )


def build_demo_barriers(today: date, users: dict[str, User], seed: int) -> None:
    """Add the demo clinic's directory, barriers, actions and referrals."""
    rng = random.Random(seed + SEED_OFFSET)
    writer = DemoWriter(demo_now(today))
    now = writer.now
    directory = build_directory(today, now)
    first = users["patient1"].patient_record
    episodes = list(
        CareEpisode.objects.filter(status=EpisodeStatus.ACTIVE, lead_clinician__isnull=False)
        .select_related("patient__account", "team", "lead_clinician")
        .order_by("pk")
    )
    own = [e for e in episodes if e.patient_id == first.pk] or list(
        CareEpisode.objects.filter(patient=first).select_related("team", "lead_clinician")
    )
    if own:
        _patient1(writer, today, own[0], directory)
    others = [e for e in episodes if e.patient_id != first.pk][:30]
    referral_count = 0
    for index, episode in enumerate(others):
        kinds = [KINDS[index % len(KINDS)]]
        if index % 4 == 3:
            kinds.append(KINDS[(index + 4) % len(KINDS)])
        for offset, kind in enumerate(kinds):
            situation = (index + offset) % 6
            clinician = episode.lead_clinician
            if clinician is None:
                continue
            by_patient = rng.random() < 0.6
            reporter = (episode.patient.account if by_patient else None) or clinician
            days_ago = 2 + situation * 9 + rng.randrange(0, 5)
            barrier = writer.barrier(
                episode, kind, by_patient=by_patient, days_ago=days_ago, reporter=reporter
            )
            if situation == 0:
                continue  # just reported: no action yet
            created = now - timedelta(days=days_ago - 1)
            action_kind = suggestion_for(kind).action_kinds[0]
            follow_up = {
                1: today - timedelta(days=rng.randrange(1, 11)),  # overdue
                2: today + timedelta(days=rng.randrange(0, 7)),  # due this week
                3: today + timedelta(days=rng.randrange(8, 31)),
            }.get(situation, (created + timedelta(days=14)).date())
            action = writer.action(
                barrier, action_kind, clinician, created=created, follow_up_on=follow_up
            )
            resource = _resource_for(directory, episode, kind)
            if situation in (3, 4) and resource is not None:
                path = REFERRAL_PATHS[referral_count % len(REFERRAL_PATHS)]
                referral_count += 1
                writer.referral(
                    episode.patient, resource, action, path, created=created, by=clinician
                )
            closed_at = min(now, created + timedelta(days=14))
            if situation == 4:
                writer.close(action, ActionStatus.DONE, closed_at, clinician, "It helped.")
                writer.status(barrier, BarrierStatus.RESOLVED, closed_at, clinician, "Sorted.")
            elif situation == 5:
                outcome = ActionStatus.NOT_DONE if (index // 6) % 2 else ActionStatus.CANCELLED
                writer.close(action, outcome, closed_at, clinician, "Patient preferred not to.")
                writer.status(
                    barrier,
                    BarrierStatus.NO_LONGER_APPLIES,
                    closed_at,
                    clinician,
                    "Circumstances changed.",
                )
