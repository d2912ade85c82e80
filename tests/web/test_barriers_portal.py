"""The patient's side: ticking barriers in the portal, seeing what is done and by whom, saying
one no longer applies, and the referrals with the services' contact details."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.web.audit.models import AuditEvent
from concord.web.barriers import portal, referrals, resources
from concord.web.barriers.models import Barrier, BarrierStatusChange, ReferralStatusChange
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid

from .conftest import Cast
from .test_barriers import open_action, report, web
from .test_barriers_directory import VALID


def patient_client(cast: Cast, name: str = "patient_a") -> Client:
    client = Client()
    client.force_login(cast.users[name])
    return client


@pytest.mark.django_db
def test_the_patient_ticks_barriers_in_their_own_words_once_each(cast: Cast) -> None:
    client = patient_client(cast)
    url = reverse("barriers:my_barriers")
    answer = client.post(
        url, {"kinds": ["forgetfulness", "cost"], "words": "Payday is after the refill."}
    )
    assert answer.status_code == 302 and answer["Location"] == url
    rows = list(
        Barrier.objects.order_by("kind").values_list(
            "kind", "status", "raised_by", "words_of", "description", "reported_by__username"
        )
    )
    assert rows == [
        ("cost", "open", "patient", "patient", "Payday is after the refill.", "patient_a"),
        ("forgetfulness", "open", "patient", "patient", "Payday is after the refill.", "patient_a"),
    ]
    assert BarrierStatusChange.objects.filter(changed_by_role="patient").count() == 2
    created = AuditEvent.objects.filter(object_type="barrier", action="create")
    assert created.count() == 2 and {r.role for r in created} == {"patient"}
    # Ticking "It costs too much" again adds nothing; "Something else" is new each time.
    again = client.post(url, {"kinds": ["cost", "other"], "words": "Moving house."}, follow=True)
    assert Barrier.objects.filter(kind="cost").count() == 1
    assert Barrier.objects.filter(kind="other").count() == 1
    html = again.content.decode()
    assert "“It costs too much” is already on your list." in html
    assert "Thank you. Your care team will see this." in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "kinds", "Tick at least one box."),
        ({"kinds": ["other"]}, "words", "You ticked “Something else”: please tell us what it is."),
        ({"kinds": ["weather"]}, "kinds", None),
    ],
)
def test_a_bad_tick_is_refused_with_the_field_named_and_nothing_written(
    cast: Cast, data: dict[str, object], field: str, message: str | None
) -> None:
    with pytest.raises(FormInvalid) as refused:
        portal.tick_barriers(web(cast, "patient_a"), data)
    assert field in refused.value.errors
    if message:
        assert refused.value.errors[field] == [message]
    page = patient_client(cast).post(reverse("barriers:my_barriers"), data)
    assert page.status_code == 400
    assert not Barrier.objects.exists()


@pytest.mark.django_db
def test_the_patient_sees_what_is_being_done_and_by_whom_but_not_team_notes(cast: Cast) -> None:
    portal.tick_barriers(web(cast, "patient_a"), {"kinds": ["side_effects"], "words": "Drowsy."})
    barrier = Barrier.objects.get()
    action = open_action(cast, barrier)
    from concord.web.barriers import services

    services.change_barrier_status(
        web(cast, "clin_a"), barrier.pk, {"status": "open", "note": "SECRET TEAM NOTE"}
    )
    page = patient_client(cast).get(reverse("barriers:my_barriers")).content.decode()
    follow_up = (timezone.localdate() + timedelta(days=7)).strftime("%-d %b %Y")
    assert "Side effects bother me" in page and "“Drowsy.”" in page
    assert "A check of your side effects" in page
    assert "Review the dose at the next appointment." in page
    assert f"Who: {cast.users['colleague_a']}" in page
    assert f"we check on it by {follow_up}" in page
    assert "SECRET TEAM NOTE" not in page
    assert action.pk
    # The portal home shows the barrier and the way to the page.
    home = patient_client(cast).get(reverse("clinic:portal")).content.decode()
    assert "What makes treatment hard" in home and reverse("barriers:my_barriers") in home


@pytest.mark.django_db
def test_the_patient_says_a_barrier_no_longer_applies_and_another_patient_cannot(
    cast: Cast,
) -> None:
    portal.tick_barriers(web(cast, "patient_a"), {"kinds": ["transport"]})
    barrier = Barrier.objects.get()
    url = reverse("barriers:my_barrier_closed", kwargs={"barrier_id": barrier.pk})
    assert patient_client(cast, "patient_b").post(url).status_code == 404
    with pytest.raises(NotFound):
        portal.no_longer_applies(web(cast, "patient_b"), barrier.pk)
    assert patient_client(cast).post(url).status_code == 302
    barrier.refresh_from_db()
    assert barrier.status == "no_longer_applies"
    last = barrier.history.order_by("pk").last()
    assert last is not None
    assert (last.from_status, last.changed_by_role, last.note) == (
        "open",
        "patient",
        "Said by the patient in the portal.",
    )
    with pytest.raises(FormInvalid):
        portal.no_longer_applies(web(cast, "patient_a"), barrier.pk)
    assert barrier.history.count() == 2


@pytest.mark.django_db
def test_portal_lists_only_the_patients_own(cast: Cast) -> None:
    report(cast, kind="cost")
    portal.tick_barriers(web(cast, "patient_b"), {"kinds": ["stigma"]})
    assert [b.kind for b in portal.my_barriers(web(cast, "patient_a"))] == ["cost"]
    assert [b.kind for b in portal.my_barriers(web(cast, "patient_b"))] == ["stigma"]
    for role in ("clin_a", "supporter", "admin"):
        with pytest.raises(NotFound):
            portal.my_barriers(web(cast, role))


@pytest.mark.django_db
def test_the_patient_sees_referrals_with_contact_details_and_says_how_it_went(
    cast: Cast,
) -> None:
    resource = resources.create_resource(web(cast, "clin_a"), VALID)
    referral = referrals.create_referral(
        web(cast, "clin_a"),
        cast.patient_a.pk,
        {"resource": resource.pk, "status": "referred", "reason": "Help with charges."},
    )
    client = patient_client(cast)
    page = client.get(reverse("barriers:my_referrals")).content.decode()
    assert "Riverside Money Advice Centre" in page and "We have sent your details" in page
    assert 'href="tel:01134960101"' in page
    assert 'href="mailto:help@riverside-money.example"' in page
    assert 'href="https://riverside-money.example/"' in page
    assert "Why: Help with charges." in page
    assert (
        patient_client(cast, "patient_b")
        .get(reverse("barriers:my_referrals"))
        .content.decode()
        .count("Riverside Money Advice Centre")
        == 0
    )
    update = reverse("barriers:my_referral_update", kwargs={"referral_id": referral.pk})
    assert patient_client(cast, "patient_b").post(update, {"status": "attended"}).status_code == 404
    assert client.post(update, {"status": "attended"}).status_code == 302
    assert client.post(update, {"status": "attended"}).status_code == 302  # same: nothing new
    assert client.post(update, {"status": "no_longer_needed"}).status_code == 302  # not a choice
    referral.refresh_from_db()
    assert referral.status == "attended"
    rows = list(
        ReferralStatusChange.objects.filter(referral=referral).values_list(
            "from_status", "to_status", "changed_by_role"
        )
    )
    assert rows == [("", "referred", "clinician"), ("referred", "attended", "patient")]
    updates = AuditEvent.objects.filter(object_type="referral", action="update")
    assert [(r.role, r.detail) for r in updates] == [
        ("patient", {"from": "referred", "to": "attended"})
    ]


@pytest.mark.django_db
def test_portal_pages_label_every_field_and_keep_headings_in_order(cast: Cast) -> None:
    """What axe checks in the browser test, checked here on the HTML too."""
    html = patient_client(cast).get(reverse("barriers:my_barriers")).content.decode()
    ids = re.findall(r'<input type="checkbox" name="kinds" value="\w+" id="([\w-]+)"', html)
    assert len(ids) == 9
    for input_id in ids:
        assert f'<label class="tick" for="{input_id}">' in html
    assert '<label for="id_words">' in html
    levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
