"""A deterministic synthetic demo clinic: staff across disciplines, 64 patients with
realistic session histories (regular attenders, no-shows, drop-outs, ended episodes).

Everything is generated from a fixed seed relative to ``today``, so the same day gives the
same clinic. Demo passwords exist only in demo mode on the embedded database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from concord.web.accounts.models import Discipline, Role, User
from concord.web.audit.chain import AuditEntry, append
from concord.web.clinic.models import (
    CareEpisode,
    CareSession,
    CareTeam,
    Clinic,
    EpisodeStatus,
    Modality,
    ObserverAssignment,
    Organisation,
    Patient,
    SessionStatus,
    Supervision,
    TeamMembership,
)
from concord.web.demo.alerts import build_demo_alerts
from concord.web.demo.barriers import build_demo_barriers
from concord.web.demo.consent import build_demo_consent
from concord.web.demo.decisions import build_demo_decisions
from concord.web.demo.materials import build_demo_materials
from concord.web.demo.measures import build_demo_measures
from concord.web.demo.medications import build_demo_medications
from concord.web.demo.plans import build_demo_plans

DEMO_PASSWORD = "concord-demo"  # noqa: S105 - demo mode on SQLite only, refused elsewhere
SEED = 20261121
ORGANISATION = "Riverside Health (demo)"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: str
    discipline: str
    description: str

    @property
    def role_label(self) -> str:
        return Role(self.role).label + (
            f" ({Discipline(self.discipline).label})" if self.discipline else ""
        )


STAFF = [
    DemoPerson(
        "dr.okafor",
        "Adaeze",
        "Okafor",
        Role.CLINICIAN,
        Discipline.PSYCHIATRY,
        "psychiatrist, mood team",
    ),
    DemoPerson(
        "sam.rivera",
        "Sam",
        "Rivera",
        Role.CLINICIAN,
        Discipline.PSYCHOTHERAPY,
        "psychotherapist, mood team",
    ),
    DemoPerson(
        "lena.fischer",
        "Lena",
        "Fischer",
        Role.CLINICIAN,
        Discipline.PHYSIOTHERAPY,
        "physiotherapist, rehab team",
    ),
    DemoPerson(
        "omar.haddad",
        "Omar",
        "Haddad",
        Role.CLINICIAN,
        Discipline.OCCUPATIONAL_THERAPY,
        "occupational therapist, rehab team",
    ),
    DemoPerson(
        "mei.chen",
        "Mei",
        "Chen",
        Role.CLINICIAN,
        Discipline.PHARMACY,
        "pharmacist, primary care team",
    ),
    DemoPerson(
        "dr.novak",
        "Petra",
        "Novak",
        Role.CLINICIAN,
        Discipline.PRIMARY_CARE,
        "GP, primary care team",
    ),
    DemoPerson(
        "ruth.mensah",
        "Ruth",
        "Mensah",
        Role.SUPERVISOR,
        "",
        "clinical supervisor of the mood and rehab teams",
    ),
    DemoPerson("ivan.petrov", "Ivan", "Petrov", Role.OBSERVER, "", "trained alliance observer"),
    DemoPerson(
        "noor.aziz",
        "Noor",
        "Aziz",
        Role.OBSERVER,
        "",
        "second alliance observer (rates the same sessions)",
    ),
    DemoPerson("admin", "Alex", "Morgan", Role.ADMINISTRATOR, "", "administrator"),
]
TEAMS = {
    # team: (clinic, members, reasons for care)
    "Mood and anxiety team": (
        "Riverside Mental Health",
        ["dr.okafor", "sam.rivera"],
        ["Depression", "Generalised anxiety", "Bipolar disorder", "Panic disorder"],
    ),
    "Rehabilitation team": (
        "Riverside Rehabilitation",
        ["lena.fischer", "omar.haddad"],
        [
            "Low back pain",
            "Knee replacement rehabilitation",
            "Stroke rehabilitation",
            "Shoulder injury",
        ],
    ),
    "Primary care team": (
        "Riverside Primary Care",
        ["mei.chen", "dr.novak"],
        ["Hypertension", "Type 2 diabetes", "Asthma", "Medication review"],
    ),
}
SUPERVISEES = ["dr.okafor", "sam.rivera", "lena.fischer", "omar.haddad"]
GIVEN = [
    "Amara",
    "Ben",
    "Carmen",
    "Dmitri",
    "Elif",
    "Farah",
    "George",
    "Hana",
    "Ibrahim",
    "Julia",
    "Kofi",
    "Lucia",
    "Mateo",
    "Nadia",
    "Owen",
    "Priya",
    "Quentin",
    "Rosa",
    "Sipho",
    "Tomasz",
    "Uma",
    "Victor",
    "Wanjiru",
    "Xavier",
    "Yusuf",
    "Zara",
    "Aiko",
    "Bruno",
    "Chidi",
    "Daria",
    "Emeka",
    "Fatima",
]
FAMILY = [
    "Abara",
    "Bianchi",
    "Costa",
    "Duarte",
    "Eriksen",
    "Fofana",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mbeki",
    "Nguyen",
    "Oyelaran",
    "Patel",
    "Quinn",
    "Rahman",
    "Silva",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zielinski",
]
LANGUAGES = ["en"] * 7 + ["es", "es", "pl", "ar", "ur", "pt", "tr"]
NOTES = [
    "Reviewed the week and agreed next steps.",
    "Talked through side effects; plan unchanged.",
    "Homework done; confidence up.",
    "Exercises progressed to the next level.",
    "Revisited goals together.",
    "Discussed a missed week without blame; rescheduled.",
    "Medication review; dose unchanged.",
    "Practised the skill in session.",
]
PROFILES = [
    # name, share, attendance probability, patient cancels probability, outcome
    ("regular", 0.45, 0.93, 0.04, "active"),
    ("variable", 0.25, 0.75, 0.10, "active"),
    ("struggling", 0.10, 0.55, 0.15, "active"),
    ("dropped_out", 0.10, 0.65, 0.10, "dropped_out"),
    ("completed", 0.10, 0.92, 0.04, "ended"),
]
PATIENT_COUNT = 64
PATIENT_ACCOUNTS = 3  # the first patients also sign in to the portal


@dataclass(frozen=True)
class DemoResult:
    created: bool
    patients: int
    sessions: int


def demo_people() -> list[DemoPerson]:
    """Everyone who can sign in to the demo, staff first, then portal patients and a supporter."""
    people = list(STAFF)
    for index in range(PATIENT_ACCOUNTS):
        people.append(
            DemoPerson(f"patient{index + 1}", "", "", Role.PATIENT, "", "patient (portal)")
        )
    people.append(
        DemoPerson(
            "supporter1",
            "Jo",
            "Abara",
            Role.SUPPORTER,
            "",
            "supports patient1 (partner): sees appointments, medicine times and how medicines "
            "are going, and reports weekly observations; patient2 stopped sharing with them",
        )
    )
    return people


def _check_allowed() -> None:
    if settings.MODE != "demo" or not settings.DATABASE_IS_SQLITE:
        raise ImproperlyConfigured(
            "The demo clinic, with its shared demo password, is built only in demo mode "
            "(CONCORD_MODE=demo) on the embedded SQLite database."
        )


def _pick_profile(rng: random.Random) -> tuple[str, float, float, str]:
    roll, total = rng.random(), 0.0
    for name, share, attend, cancel, outcome in PROFILES:
        total += share
        if roll < total:
            return name, attend, cancel, outcome
    name, _share, attend, cancel, outcome = PROFILES[0]
    return name, attend, cancel, outcome


def build_demo_clinic(today: date | None = None, *, check_mode: bool = True) -> DemoResult:
    """Create the demo clinic unless it exists; return what is there."""
    if check_mode:
        _check_allowed()
    if Organisation.objects.filter(name=ORGANISATION).exists():
        return DemoResult(False, Patient.objects.count(), CareSession.objects.count())
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    zone = timezone.get_current_timezone()
    with transaction.atomic():
        users: dict[str, User] = {}
        for person in demo_people():
            user = User(
                username=person.username,
                first_name=person.first_name,
                last_name=person.last_name,
                role=person.role,
                discipline=person.discipline,
                is_staff=person.role == Role.ADMINISTRATOR,
                is_superuser=person.role == Role.ADMINISTRATOR,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            users[person.username] = user
        organisation = Organisation.objects.create(name=ORGANISATION)
        teams: dict[str, CareTeam] = {}
        for team_name, (clinic_name, members, _reasons) in TEAMS.items():
            clinic, _ = Clinic.objects.get_or_create(organisation=organisation, name=clinic_name)
            team = CareTeam.objects.create(clinic=clinic, name=team_name)
            for username in members:
                TeamMembership.objects.create(team=team, user=users[username])
            teams[team_name] = team
        for username in SUPERVISEES:
            Supervision.objects.create(supervisor=users["ruth.mensah"], supervisee=users[username])

        team_names = list(TEAMS)
        session_count = 0
        patient_ids: list[int] = []
        for index in range(PATIENT_COUNT):
            team_name = team_names[index % len(team_names)]
            team = teams[team_name]
            clinic_name, members, reasons = TEAMS[team_name]
            given, family = GIVEN[index % len(GIVEN)], FAMILY[(index * 7) % len(FAMILY)]
            language = rng.choice(LANGUAGES)
            born = date(1940 + rng.randrange(0, 65), rng.randrange(1, 13), rng.randrange(1, 29))
            patient = Patient.objects.create(
                clinic=team.clinic,
                account=users[f"patient{index + 1}"] if index < PATIENT_ACCOUNTS else None,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                preferred_language=language,
                channels=rng.sample(["sms", "email", "phone", "portal"], k=rng.randrange(1, 3)),
                quiet_hours_start=time(21, 0) if rng.random() < 0.4 else None,
                quiet_hours_end=time(8, 0) if False else None,
                interpreter_needed=language != "en" and rng.random() < 0.5,
                cultural_preferences=rng.choice(
                    [
                        "",
                        "",
                        "I fast during Ramadan; please avoid lunchtime appointments.",
                        "Please include my daughter in decisions about my care.",
                        "I prefer a female clinician.",
                        "Sundays are for church.",
                    ]
                ),
            )
            if patient.quiet_hours_start is not None:
                patient.quiet_hours_end = time(8, 0)
                patient.save(update_fields=["quiet_hours_end"])
            patient_ids.append(patient.pk)
            _profile, p_attend, p_cancel, outcome = _pick_profile(rng)
            lead = users[members[index % len(members)]]
            weeks_ago = rng.randrange(6, 52)
            started = today - timedelta(weeks=weeks_ago)
            interval = 7 if team_name != "Primary care team" else 28
            if team_name == "Rehabilitation team" and rng.random() < 0.5:
                interval = 14
            episode = CareEpisode.objects.create(
                patient=patient,
                team=team,
                lead_clinician=lead,
                reason=rng.choice(reasons),
                status=EpisodeStatus.ACTIVE,
                started_on=started,
            )
            hour = rng.choice([9, 10, 11, 14, 15, 16])
            modality = rng.choice([Modality.IN_PERSON] * 3 + [Modality.TELEHEALTH, Modality.PHONE])
            stop_after = None
            if outcome == "dropped_out":
                stop_after = started + timedelta(
                    days=rng.randrange(21, max(22, (today - started).days - 7))
                )
            if outcome == "ended":
                stop_after = started + timedelta(
                    days=rng.randrange(42, max(43, (today - started).days))
                )
            day = started
            sessions: list[CareSession] = []
            last_attended: date | None = None
            while day <= today + timedelta(days=35):
                when = datetime.combine(day, time(hour, 0), tzinfo=zone)
                in_past = day < today
                if stop_after is not None and day > stop_after:
                    break
                if not in_past:
                    status = SessionStatus.SCHEDULED
                else:
                    roll = rng.random()
                    if (
                        outcome == "dropped_out"
                        and stop_after
                        and day > stop_after - timedelta(days=interval * 2)
                    ):
                        roll = max(
                            roll, p_attend + 0.01
                        )  # the last sessions before dropping out are missed
                    if roll < p_attend:
                        status = SessionStatus.ATTENDED
                    elif roll < p_attend + p_cancel:
                        status = SessionStatus.CANCELLED_BY_PATIENT
                    elif roll < 0.98:
                        status = SessionStatus.NO_SHOW
                    else:
                        status = SessionStatus.CANCELLED_BY_CLINIC
                    if status == SessionStatus.ATTENDED:
                        last_attended = day
                sessions.append(
                    CareSession(
                        episode=episode,
                        clinician=lead,
                        scheduled_at=when,
                        modality=modality,
                        status=status,
                        duration_minutes=50 if interval == 7 else 30,
                        note=rng.choice(NOTES) if status == SessionStatus.ATTENDED else "",
                    )
                )
                day += timedelta(days=interval)
            CareSession.objects.bulk_create(sessions)
            session_count += len(sessions)
            if outcome != "active":
                episode.status = (
                    EpisodeStatus.DROPPED_OUT if outcome == "dropped_out" else EpisodeStatus.ENDED
                )
                episode.ended_on = min(today, (last_attended or started) + timedelta(days=interval))
                episode.save(update_fields=["status", "ended_on"])
        build_demo_medications(
            today, list(CareEpisode.objects.filter(patient_id__in=patient_ids).order_by("pk")), SEED
        )
        # The observer rates a few recent attended sessions of the mood team.
        observed = CareSession.objects.filter(
            episode__team=teams["Mood and anxiety team"], status=SessionStatus.ATTENDED
        ).order_by("-scheduled_at")[:12]
        for session in observed:
            ObserverAssignment.objects.create(session=session, observer=users["ivan.petrov"])
        build_demo_measures(today, users, SEED)
        build_demo_plans(today, users, SEED)
        build_demo_consent(today, users, SEED)
        build_demo_barriers(today, users, SEED)
        build_demo_decisions(today, users, SEED)
        build_demo_materials(today, users, SEED)
        build_demo_alerts(today)  # after every other demo row: the alerts come from them
        append(
            [
                AuditEntry(
                    actor_id=None,
                    actor_username="concord demo",
                    role="",
                    action="import",
                    object_type="demo_clinic",
                    object_id=str(organisation.pk),
                    patient_ids=tuple(patient_ids),
                    channel="cli",
                    detail={"patients": len(patient_ids), "sessions": session_count},
                )
            ]
        )
    return DemoResult(True, len(patient_ids), session_count)
