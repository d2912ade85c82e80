"""The fixed test cast: people of every role, in two care teams (A and B).

Team A: clinician ``clin_a`` and colleague ``colleague_a``, supervised by ``sup_a``;
team B: clinician ``clin_b``, supervised by ``sup_b``. ``patient_a`` (with a portal account)
is in team A's care, ``patient_b`` in team B's. ``observer_a`` is assigned to one of
patient A's sessions, ``observer_b`` to none. ``supporter`` supports patient A (an accepted
supporter link, ``cast.supporter_link``) but has no consent yet: no scope is granted, so
every page shows them nothing; tests grant scopes explicitly. ``admin`` administers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from concord.web.accounts.models import ApiToken, Role, User
from concord.web.clinic.models import (
    CareEpisode,
    CareSession,
    CareTeam,
    Clinic,
    ObserverAssignment,
    Organisation,
    Patient,
    Supervision,
    TeamMembership,
)
from concord.web.consent.models import SupporterLink


@dataclass
class Cast:
    users: dict[str, User]
    patient_a: Patient
    patient_b: Patient
    episode_a: CareEpisode
    episode_b: CareEpisode
    session_a: CareSession
    session_b: CareSession
    team_a: CareTeam
    team_b: CareTeam
    supporter_link: SupporterLink

    def token(self, name: str) -> str:
        _token, secret = ApiToken.issue(self.users[name], "test")
        return secret


ROLES = {
    "clin_a": (Role.CLINICIAN, "psychiatry"),
    "colleague_a": (Role.CLINICIAN, "psychotherapy"),
    "clin_b": (Role.CLINICIAN, "physiotherapy"),
    "sup_a": (Role.SUPERVISOR, ""),
    "sup_b": (Role.SUPERVISOR, ""),
    "observer_a": (Role.OBSERVER, ""),
    "observer_b": (Role.OBSERVER, ""),
    "patient_a": (Role.PATIENT, ""),
    "patient_b": (Role.PATIENT, ""),
    "supporter": (Role.SUPPORTER, ""),
    "admin": (Role.ADMINISTRATOR, ""),
}
CAST_NAMES = [*ROLES, "anonymous"]


def make_session(
    episode: CareEpisode, when: datetime, status: str = "attended", **extra: object
) -> CareSession:
    return CareSession.objects.create(episode=episode, scheduled_at=when, status=status, **extra)


@pytest.fixture(autouse=True)
def _english_to_begin_with() -> Iterator[None]:
    """A request leaves its language active in the thread (Django's LocaleMiddleware does
    not reset it afterwards): each test starts in English, whatever an earlier one showed."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests that do not check hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: None) -> Cast:
    users = {}
    for name, (role, discipline) in ROLES.items():
        users[name] = User.objects.create_user(
            username=name,
            password="a long test password",
            role=role,
            discipline=discipline,
            first_name=name.split("_")[0].title(),
            last_name=name.split("_")[-1].upper(),
            is_staff=role == Role.ADMINISTRATOR,
        )
    org = Organisation.objects.create(name="Test health")
    clinic = Clinic.objects.create(organisation=org, name="Test clinic")
    team_a = CareTeam.objects.create(clinic=clinic, name="Team A")
    team_b = CareTeam.objects.create(clinic=clinic, name="Team B")
    for name, team in (("clin_a", team_a), ("colleague_a", team_a), ("clin_b", team_b)):
        TeamMembership.objects.create(team=team, user=users[name])
    Supervision.objects.create(supervisor=users["sup_a"], supervisee=users["clin_a"])
    Supervision.objects.create(supervisor=users["sup_b"], supervisee=users["clin_b"])
    patient_a = Patient.objects.create(
        clinic=clinic,
        account=users["patient_a"],
        given_name="Ada",
        family_name="Alpha",
        date_of_birth=date(1980, 1, 2),
    )
    patient_b = Patient.objects.create(
        clinic=clinic,
        account=users["patient_b"],
        given_name="Bea",
        family_name="Beta",
        date_of_birth=date(1975, 5, 6),
    )
    start = timezone.localdate() - timedelta(days=60)
    episode_a = CareEpisode.objects.create(
        patient=patient_a,
        team=team_a,
        reason="Depression",
        started_on=start,
        lead_clinician=users["clin_a"],
    )
    episode_b = CareEpisode.objects.create(
        patient=patient_b,
        team=team_b,
        reason="Back pain",
        started_on=start,
        lead_clinician=users["clin_b"],
    )
    now = timezone.now()
    session_a = make_session(episode_a, now - timedelta(days=7), note="Talked about sleep.")
    session_b = make_session(episode_b, now - timedelta(days=7), note="Exercises reviewed.")
    ObserverAssignment.objects.create(session=session_a, observer=users["observer_a"])
    supporter_link = SupporterLink.objects.create(
        patient=patient_a,
        supporter=users["supporter"],
        name="Sam Supporter",
        relationship=SupporterLink.Relationship.FRIEND,
        contact="sam@example.org",
        invited_by=users["patient_a"],
        accepted_at=now - timedelta(days=30),
    )
    return Cast(
        users,
        patient_a,
        patient_b,
        episode_a,
        episode_b,
        session_a,
        session_b,
        team_a,
        team_b,
        supporter_link,
    )
