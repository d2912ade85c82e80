"""The demo clinic's directory, barriers, actions and referrals."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date

import pytest

from concord.web.accounts.models import User
from concord.web.audit.service import Actor
from concord.web.barriers import portal, referrals, resources
from concord.web.barriers.models import (
    Barrier,
    BarrierAction,
    BarrierKind,
    CommunityResource,
    Referral,
    ReferralStatus,
)
from concord.web.demo.build import build_demo_clinic

TODAY = date(2026, 11, 21)
FICTION_PHONE = re.compile(r"^(0113 496 0\d{3}|0808 157 0\d{3}|07700 900\d{3})$")


@pytest.mark.django_db
def test_demo_barriers_directory_and_referrals_are_realistic() -> None:
    build_demo_clinic(TODAY, check_mode=False)
    # The directory: every clinic has one, with safe contact details.
    directory = list(CommunityResource.objects.select_related("clinic"))
    assert len({r.clinic.name for r in directory}) == 3 and len(directory) >= 12
    for resource in directory:
        assert resource.phone == "" or FICTION_PHONE.match(resource.phone), resource.phone
        assert resource.email == "" or resource.email.endswith(".example"), resource.email
        assert resource.website == "" or ".example/" in resource.website, resource.website
        assert resource.phone or resource.email or resource.website
    assert sum(r.needs_verification(TODAY) for r in directory) >= 2
    assert any(not r.active for r in directory)
    # Barriers of every kind, actions in every state, some overdue; referrals in every state.
    assert set(Barrier.objects.values_list("kind", flat=True)) == set(BarrierKind.values)
    statuses = Counter(Barrier.objects.values_list("status", flat=True))
    assert set(statuses) == {"open", "being_addressed", "resolved", "no_longer_applies"}
    assert set(BarrierAction.objects.values_list("status", flat=True)) == {
        "planned",
        "done",
        "not_done",
        "cancelled",
    }
    overdue = BarrierAction.objects.filter(status="planned", follow_up_on__lt=TODAY).count()
    assert overdue >= 3
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    # Every barrier starts its history when it was reported; actions are on their barrier's
    # patient's care team, referrals to the patient's clinic.
    for barrier in Barrier.objects.all():
        steps = list(barrier.history.order_by("changed_at", "pk"))
        assert (steps[0].from_status, steps[0].to_status) == ("", "open")
        assert steps[-1].to_status == barrier.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(steps))
    for referral in Referral.objects.select_related("resource", "patient"):
        assert referral.resource.clinic_id == referral.patient.clinic_id
    # patient1 sees a barrier with an action and a referral in the portal.
    patient1 = Actor(User.objects.get(username="patient1"), "web")
    mine = portal.my_barriers(patient1)
    assert any(b.actions.exists() for b in mine)
    assert len(referrals.my_referrals(patient1)) >= 1
    # The psychiatrist sees the directory of her clinic (the archived entry left out).
    okafor = Actor(User.objects.get(username="dr.okafor"), "web")
    assert len(resources.directory(okafor)) == 7
