"""The demo clinic: deterministic, realistic, and refused outside demo mode on SQLite."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from concord.web.accounts.models import Role, User
from concord.web.clinic.models import CareEpisode, CareSession, Patient
from concord.web.demo.build import DEMO_PASSWORD, build_demo_clinic

TODAY = date(2026, 11, 21)


def snapshot() -> list[tuple[object, ...]]:
    return list(
        CareSession.objects.order_by(
            "episode__patient__family_name", "episode__patient__given_name", "scheduled_at"
        ).values_list(
            "episode__patient__given_name",
            "episode__patient__family_name",
            "scheduled_at",
            "status",
            "modality",
        )
    )


@pytest.mark.django_db
def test_demo_clinic_is_realistic() -> None:
    result = build_demo_clinic(TODAY, check_mode=False)
    assert result.created and result.patients == Patient.objects.count() == 64
    clinicians = User.objects.filter(role=Role.CLINICIAN)
    assert clinicians.count() >= 5
    assert set(clinicians.values_list("discipline", flat=True)) == {
        "psychiatry",
        "psychotherapy",
        "physiotherapy",
        "occupational_therapy",
        "pharmacy",
        "primary_care",
    }
    assert User.objects.filter(role=Role.SUPERVISOR).count() == 1
    assert User.objects.filter(role=Role.OBSERVER).count() == 2  # two rate the same sessions
    statuses = Counter(CareSession.objects.values_list("status", flat=True))
    assert statuses["attended"] > statuses["no_show"] > 0
    assert statuses["cancelled_by_patient"] > 0 and statuses["scheduled"] > 0
    episodes = Counter(CareEpisode.objects.values_list("status", flat=True))
    assert episodes["dropped_out"] > 0 and episodes["ended"] > 0 and episodes["active"] > 40
    # Dropped-out and ended episodes have no future sessions booked.
    assert (
        not CareSession.objects.filter(status="scheduled")
        .exclude(episode__status="active")
        .exists()
    )
    assert User.objects.get(username="dr.okafor").check_password(DEMO_PASSWORD)
    # A second build leaves the clinic as it is.
    assert build_demo_clinic(TODAY, check_mode=False).created is False


@pytest.mark.django_db
def test_demo_clinic_is_deterministic() -> None:
    build_demo_clinic(TODAY, check_mode=False)
    first = snapshot()
    from concord.web.clinic.models import CareTeam, Clinic, Organisation

    for model in (CareSession, CareEpisode, Patient, CareTeam, Clinic, Organisation, User):
        model.objects.all().delete()
    build_demo_clinic(TODAY, check_mode=False)
    assert snapshot() == first and len(first) > 1000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "sqlite"), [("development", True), ("production", True), ("demo", False)]
)
def test_demo_passwords_only_in_demo_mode_on_sqlite(mode: str, sqlite: bool) -> None:
    with (
        override_settings(MODE=mode, DATABASE_IS_SQLITE=sqlite),
        pytest.raises(ImproperlyConfigured, match="only in demo mode"),
    ):
        build_demo_clinic(TODAY)
    assert not Patient.objects.exists()
