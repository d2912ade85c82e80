"""Early-warning alerts: raise, update, resolve, never duplicate; snooze and reopen;
acknowledge audited; access for every role; triage order; worker jobs; the demo clinic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.analytics.instruments import get_instrument, score_response
from concord.web.alerts import services as alert_services
from concord.web.alerts.jobs import (
    ALL_JOB,
    PATIENT_JOB,
    recompute_all_job,
    recompute_patient_job,
)
from concord.web.alerts.models import Alert, AlertAction, AlertStatus
from concord.web.alerts.signals import recompute_patient
from concord.web.audit.models import AuditEvent
from concord.web.clinic.models import CareEpisode, CareSession
from concord.web.jobs.models import Job
from concord.web.measures.models import Administration, AdministrationStatus
from concord.web.measures.submission import scores_as_json

from .access_tables import statuses
from .conftest import CAST_NAMES, Cast, make_session


def _alert_a(cast: Cast) -> dict[str, Any]:
    """An alert on patient A's episode (made directly, for the access matrix)."""
    alert = Alert.objects.filter(episode=cast.episode_a).first() or Alert.objects.create(
        patient=cast.patient_a,
        episode=cast.episode_a,
        kind="low_alliance",
        rule="alliance_below_threshold:srs",
        priority="low",
        priority_rank=4,
        evidence={"rule": "alliance_below_threshold", "key": "session:1"},
    )
    return {"alert_id": alert.pk}


ALERTS_PAGES: dict[str, Any] = {
    "alerts:detail": (_alert_a, statuses(404, clin_a=200, colleague_a=200, sup_a=200)),
}


def _snooze_body() -> dict[str, Any]:
    until = timezone.localdate() + timedelta(days=3)
    return {"action": "snooze", "until": until.isoformat(), "reason": "Seen on Friday"}


#: What people may do on an alert page (POST to ``alerts:detail``): action -> (form body,
#: status by person). Clinicians of the team act (then go back to the page); anonymous
#: people are sent to sign in; everyone else - the supervisor who reads, another team's
#: clinician and supervisor, observers, patients, the supporter, the administrator - 404.
ALERTS_ACTIONS: dict[str, tuple[Callable[[], dict[str, Any]], dict[str, int]]] = {
    "acknowledge": (
        lambda: {"action": "acknowledge", "strategies": ["talk_openly"], "note": "Talked."},
        statuses(404, clin_a=302, colleague_a=302),
    ),
    "snooze": (_snooze_body, statuses(404, clin_a=302, colleague_a=302)),
}


def rate(
    session: CareSession, code: str, answers: dict[str, float], rater: str = "patient"
) -> Administration:
    instrument = get_instrument(code)
    result = score_response(instrument, answers)
    return Administration.objects.create(
        slot=f"test:{session.pk}:{code}:{rater}",
        episode=session.episode,
        instrument_code=code,
        instrument_version=instrument.version,
        rater=rater,
        session=session,
        due_at=session.scheduled_at,
        status=AdministrationStatus.SUBMITTED,
        answers={k: float(v) for k, v in answers.items()},
        scores=scores_as_json(result),
        submitted_at=session.scheduled_at,
    )


def srs(session: CareSession, total: float) -> Administration:
    item = total / 4
    return rate(
        session,
        "srs",
        {"relationship": item, "goals_topics": item, "approach": item, "overall": item},
    )


def srs_series(cast: Cast, totals: list[float]) -> list[CareSession]:
    """Weekly attended sessions of episode A ending with the cast's session a week ago."""
    now = timezone.now()
    sessions = [
        make_session(cast.episode_a, now - timedelta(days=7 * (len(totals) - i + 1)))
        for i in range(len(totals) - 1)
    ] + [cast.session_a]
    for session, total in zip(sessions, totals, strict=True):
        srs(session, total)
    return sessions


def add_session(cast: Cast, total: float, days_ago: int) -> CareSession:
    session = make_session(cast.episode_a, timezone.now() - timedelta(days=days_ago))
    srs(session, total)
    return session


def live(cast: Cast) -> dict[str, Alert]:
    return {
        a.kind: a
        for a in Alert.objects.filter(
            episode=cast.episode_a, status__in=["open", "acknowledged", "snoozed"]
        )
    }


# ------------------------------------------------------------------ raise / update / resolve


def test_low_and_dropping_srs_raises_two_alerts_with_the_core_numbers(cast: Cast) -> None:
    sessions = srs_series(cast, [38, 38, 38, 33])
    result = recompute_patient(cast.patient_a.pk)
    assert result.raised == 2
    alerts = live(cast)
    assert set(alerts) == {"low_alliance", "alliance_drop"}
    low = alerts["low_alliance"]
    assert low.rule == "alliance_below_threshold:srs"
    assert low.priority == "low" and low.priority_rank == 4
    assert low.evidence["signal"]["score"] == 33.0
    assert low.evidence["signal"]["threshold"] == 36.0
    assert low.evidence["sessions"] == [
        {
            "number": 4,
            "session_id": sessions[-1].pk,
            "date": sessions[-1].scheduled_at.date().isoformat(),
        }
    ]
    assert "Duncan" in low.evidence["source"]
    drop = alerts["alliance_drop"]
    assert drop.rule == "alliance_drop:srs"
    assert drop.priority == "moderate"
    assert drop.evidence["signal"]["change"] == -5.0
    assert drop.evidence["signal"]["previous_score"] == 38.0
    assert [s["number"] for s in drop.evidence["sessions"]] == [3, 4]
    assert drop.evidence["chart"]["points"][-1][2] == 33.0
    assert drop.evidence["chart"]["marked"] == [3, 4]
    # Audited with the worker channel.
    event = AuditEvent.objects.filter(object_type="alert").latest("pk")
    assert event.channel == "worker"
    assert event.actor_username == "concord worker"


def test_recomputing_never_duplicates(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    recompute_patient(cast.patient_a.pk)
    again = recompute_patient(cast.patient_a.pk)
    assert again.raised == again.updated == again.resolved == 0
    assert Alert.objects.filter(episode=cast.episode_a).count() == 2
    # The database refuses a second live alert of the same episode, kind and rule.
    first = Alert.objects.get(episode=cast.episode_a, kind="low_alliance")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            patient=cast.patient_a,
            episode=cast.episode_a,
            kind=first.kind,
            rule=first.rule,
            priority="low",
            priority_rank=4,
        )


def test_new_evidence_updates_the_alert_in_place(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    recompute_patient(cast.patient_a.pk)
    before = live(cast)["low_alliance"]
    add_session(cast, 30, days_ago=1)
    result = recompute_patient(cast.patient_a.pk)
    assert result.updated == 2 and result.raised == 0
    after = live(cast)["low_alliance"]
    assert after.pk == before.pk
    assert after.evidence["signal"]["score"] == 30.0
    assert after.evidence["key"] == "session:5"
    assert after.last_updated_at > before.last_updated_at
    assert live(cast)["alliance_drop"].evidence["signal"]["change"] == -3.0


def test_alert_resolves_when_the_signal_no_longer_holds(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    recompute_patient(cast.patient_a.pk)
    add_session(cast, 39, days_ago=1)
    result = recompute_patient(cast.patient_a.pk)
    assert result.resolved == 2
    assert live(cast) == {}
    resolved = Alert.objects.filter(episode=cast.episode_a, status="resolved")
    assert resolved.count() == 2
    assert all(a.resolved_at is not None for a in resolved)
    # A new low rating raises a *new* alert beside the resolved one.
    add_session(cast, 31, days_ago=0)
    assert recompute_patient(cast.patient_a.pk).raised >= 1
    assert Alert.objects.filter(episode=cast.episode_a, kind="low_alliance").count() == 2


def test_ended_episode_resolves_its_alerts(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    recompute_patient(cast.patient_a.pk)
    CareEpisode.objects.filter(pk=cast.episode_a.pk).update(
        status="ended", ended_on=timezone.localdate()
    )
    assert recompute_patient(cast.patient_a.pk).resolved == 2
    assert live(cast) == {}


def test_unrepaired_strict_rupture_raises_a_rupture_alert(cast: Cast) -> None:
    srs_series(cast, [38, 39, 38, 39, 38, 39, 38, 24])
    recompute_patient(cast.patient_a.pk)
    rupture = live(cast)["rupture"]
    assert rupture.rule == "rupture_repair:strict:srs"
    assert rupture.evidence["signal"]["repaired"] is False
    assert rupture.evidence["signal"]["lowest_score"] == 24.0
    assert rupture.evidence["chart"]["marked"] == [8]


# ------------------------------------------------------------------ snooze, acknowledge


def client(cast: Cast, name: str) -> Client:
    c = Client()
    if name != "anonymous":
        c.force_login(cast.users[name])
    return c


def test_snoozed_alert_reopens_after_its_date_if_still_active(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    recompute_patient(cast.patient_a.pk)
    low = live(cast)["low_alliance"]
    until = timezone.localdate() + timedelta(days=3)
    response = client(cast, "clin_a").post(
        reverse("alerts:detail", kwargs={"alert_id": low.pk}),
        {"action": "snooze", "until": until.isoformat(), "reason": "Seen on Friday"},
    )
    assert response.status_code == 302
    low.refresh_from_db()
    assert low.status == AlertStatus.SNOOZED and low.snoozed_until == until
    assert low.snooze_reason == "Seen on Friday"
    recompute_patient(cast.patient_a.pk)  # before the date: still snoozed
    low.refresh_from_db()
    assert low.status == AlertStatus.SNOOZED
    later = timezone.now() + timedelta(days=4)
    assert recompute_patient(cast.patient_a.pk, now=later).reopened >= 1
    low.refresh_from_db()
    assert low.status == AlertStatus.OPEN and low.snoozed_until is None


def test_snooze_needs_a_reason_and_a_future_date(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    c = client(cast, "clin_a")
    today = timezone.localdate().isoformat()
    assert c.post(url, {"action": "snooze", "until": today, "reason": "x"}).status_code == 400
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert c.post(url, {"action": "snooze", "until": tomorrow, "reason": ""}).status_code == 400
    assert Alert.objects.get(pk=alert_id).status == AlertStatus.OPEN


def test_acknowledge_records_what_was_done_and_is_audited(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    response = client(cast, "clin_a").post(
        url,
        {
            "action": "acknowledge",
            "strategies": ["plan_follow_up", "talk_openly"],
            "note": "Asked what felt unhelpful last time.",
        },
    )
    assert response.status_code == 302
    alert = Alert.objects.get(pk=alert_id)
    assert alert.status == AlertStatus.ACKNOWLEDGED
    action = AlertAction.objects.get(alert=alert)
    assert action.by == cast.users["clin_a"]
    assert action.strategies == ["talk_openly", "plan_follow_up"]  # the checklist's order
    assert action.note == "Asked what felt unhelpful last time."
    event = AuditEvent.objects.filter(object_type="alert", object_id=str(alert_id)).latest("pk")
    assert event.actor_username == "clin_a" and event.channel == "web"
    assert event.detail["acknowledged"] is True
    assert event.detail["strategies"] == ["talk_openly", "plan_follow_up"]
    page = client(cast, "sup_a").get(url)
    assert "Asked what felt unhelpful last time." in page.content.decode()


def test_acknowledge_needs_something_done_and_known_strategies(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    c = client(cast, "clin_a")
    assert c.post(url, {"action": "acknowledge"}).status_code == 400
    assert c.post(url, {"strategies": ["pray"]}).status_code == 400
    assert not AlertAction.objects.exists()


def test_acknowledged_alert_opens_again_on_new_evidence(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    recompute_patient(cast.patient_a.pk)
    low = live(cast)["low_alliance"]
    actor = alert_services.Actor(user=cast.users["clin_a"], channel="web")
    alert_services.acknowledge(actor, low.pk, ["talk_openly"], "")
    recompute_patient(cast.patient_a.pk)  # same evidence: stays acknowledged
    low.refresh_from_db()
    assert low.status == AlertStatus.ACKNOWLEDGED
    add_session(cast, 32, days_ago=1)
    assert recompute_patient(cast.patient_a.pk).reopened >= 1
    low.refresh_from_db()
    assert low.status == AlertStatus.OPEN


# ------------------------------------------------------------------ access


@pytest.mark.parametrize("name", CAST_NAMES)
def test_alert_page_access_for_every_role(cast: Cast, name: str) -> None:
    kwargs_of, expected = ALERTS_PAGES["alerts:detail"]
    url = reverse("alerts:detail", kwargs=kwargs_of(cast))
    assert client(cast, name).get(url).status_code == expected[name]


@pytest.mark.parametrize("action", sorted(ALERTS_ACTIONS))
@pytest.mark.parametrize("name", CAST_NAMES)
def test_only_clinicians_of_the_team_act(cast: Cast, name: str, action: str) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    body_of, expected = ALERTS_ACTIONS[action]
    response = client(cast, name).post(url, body_of())
    assert response.status_code == expected[name]
    alert = Alert.objects.get(pk=alert_id)
    written = AuditEvent.objects.filter(object_type="alert", object_id=str(alert_id))
    if name in ("clin_a", "colleague_a"):
        assert response["Location"] == url
        assert alert.status == {"acknowledge": "acknowledged", "snooze": "snoozed"}[action]
        assert AlertAction.objects.get(alert=alert).by == cast.users[name]
        assert written.get(action="update").actor_username == name
        return
    if name == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    # Refused: nothing changed, nothing recorded, nothing audited as done.
    assert (alert.status, alert.snoozed_until, alert.snooze_reason) == (AlertStatus.OPEN, None, "")
    assert not AlertAction.objects.filter(alert_id=alert_id).exists()
    assert not written.exists()


def test_patient_page_lists_live_alerts_for_staff(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    page = client(cast, "sup_a").get(
        reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    )
    assert page.status_code == 200
    assert reverse("alerts:detail", kwargs={"alert_id": alert_id}) in page.content.decode()


def test_evidence_chart_marks_the_sessions(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    recompute_patient(cast.patient_a.pk)
    drop = live(cast)["alliance_drop"]
    page = client(cast, "clin_a").get(reverse("alerts:detail", kwargs={"alert_id": drop.pk}))
    body = page.content.decode()
    assert body.count('class="marker marked"') == 2
    assert 'data-session="4"' in body and "alliance_drop:srs" in body
    assert "<td>Change</td><td>-5</td>" in body  # the core's number, shown to 4 digits
    assert "<td>Previous score</td><td>38</td>" in body


# ------------------------------------------------------------------ triage


def _priority_alert(cast: Cast, episode: CareEpisode, priority: str, rank: int) -> Alert:
    return Alert.objects.create(
        patient=episode.patient,
        episode=episode,
        kind="non_adherence",
        rule=f"test:{priority}",
        priority=priority,
        priority_rank=rank,
    )


def test_caseload_is_ordered_by_priority_by_default(cast: Cast) -> None:
    from concord.web.clinic.models import Patient

    extra = Patient.objects.create(
        clinic=cast.patient_a.clinic,
        given_name="Abe",
        family_name="Aardvark",
        date_of_birth=cast.patient_a.date_of_birth,
    )
    episode_c = CareEpisode.objects.create(
        patient=extra, team=cast.team_a, reason="Anxiety", started_on=cast.episode_a.started_on
    )
    _priority_alert(cast, cast.episode_a, "high", 2)
    _priority_alert(cast, cast.episode_a, "low", 4)
    snoozed = _priority_alert(cast, episode_c, "highest", 1)
    Alert.objects.filter(pk=snoozed.pk).update(status="snoozed")
    c = client(cast, "clin_a")
    response = c.get(reverse("clinic:caseload"))
    rows = response.context["rows"]
    assert [r.patient_id for r in rows] == [cast.patient_a.pk, extra.pk]
    assert rows[0].alert_priority == "high" and rows[1].alert_priority is None
    body = response.content.decode()
    assert 'class="badge priority-high"' in body
    # Snoozed alerts do not count; by name Abe Aardvark comes first.
    by_name = c.get(reverse("clinic:caseload") + "?sort=name").context["rows"]
    assert [r.patient_id for r in by_name] == [extra.pk, cast.patient_a.pk]


# ------------------------------------------------------------------ worker


def test_new_data_queue_one_debounced_recompute(cast: Cast) -> None:
    alert_services.signal_changed(cast.patient_a.pk)
    alert_services.signal_changed(cast.patient_a.pk)
    jobs = Job.objects.filter(kind=PATIENT_JOB)
    assert jobs.count() == 1
    job = jobs.get()
    assert job.payload == {"patient_id": cast.patient_a.pk}
    assert job.due_at > timezone.now() - timedelta(seconds=1)
    assert job.due_at <= timezone.now() + timedelta(minutes=2)


def test_recording_a_session_queues_a_recompute(cast: Cast) -> None:
    from concord.web.audit.service import Actor
    from concord.web.clinic.services import create_session

    actor = Actor(user=cast.users["clin_a"], channel="web")
    when = timezone.localtime() - timedelta(days=1)
    create_session(
        actor,
        cast.episode_a.pk,
        {
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 50,
            "modality": "in_person",
            "status": "no_show",
            "note": "",
        },
    )
    assert Job.objects.filter(kind=PATIENT_JOB, payload={"patient_id": cast.patient_a.pk})


def test_patient_job_handler_recomputes(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    result = recompute_patient_job({"patient_id": cast.patient_a.pk})
    assert result == {"raised": 2, "updated": 0, "reopened": 0, "resolved": 0, "failed": 0}
    assert set(live(cast)) == {"low_alliance", "alliance_drop"}
    # The first patient job also books the nightly run (once).
    recompute_patient_job({"patient_id": cast.patient_a.pk})
    assert Job.objects.filter(kind=ALL_JOB).count() == 1


def test_nightly_job_recomputes_everyone_and_books_the_next_night(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    result = recompute_all_job({"repeat": True})
    assert result["raised"] == 2
    nightly = Job.objects.get(kind=ALL_JOB)
    local = timezone.localtime(nightly.due_at)
    assert (local.hour, local.minute) == (2, 30)
    assert nightly.due_at > timezone.now()
    recompute_all_job({"repeat": True})
    assert Job.objects.filter(kind=ALL_JOB).count() == 1  # one per night


# ------------------------------------------------------------------ the demo clinic


def test_demo_clinic_shows_every_alert_kind_and_triages_by_priority(db: None) -> None:
    from concord.web.accounts.models import User
    from concord.web.alerts.models import AlertKind
    from concord.web.demo.build import build_demo_clinic

    build_demo_clinic(timezone.localdate(), check_mode=False)
    live_kinds = set(Alert.objects.filter(status=AlertStatus.OPEN).values_list("kind", flat=True))
    assert live_kinds == set(AlertKind.values)
    # Refill adherence in sliding windows: low, falling, and an antiretroviral held to 0.90.
    refill = Alert.objects.filter(kind="non_adherence", status=AlertStatus.OPEN)
    rules = {a.rule.split(":")[0] for a in refill}
    assert {"adherence_below_threshold", "adherence_drop", "supply_exhausted"} <= rules
    antiretroviral = [a for a in refill if a.evidence.get("antiretroviral")]
    assert [a.rule for a in antiretroviral] == ["adherence_below_threshold:HIV antiretroviral"]
    assert 0.8 <= antiretroviral[0].evidence["signal"]["value"] < 0.9
    combined = Alert.objects.filter(kind="combined").values_list("rule", flat=True)
    assert set(combined) <= {
        "alliance_falling_with_nonadherence",
        "alliance_falling_with_not_on_track",
        "nonadherence_with_not_on_track",
    }
    c = Client()
    c.force_login(User.objects.get(username="dr.okafor"))
    rows = c.get(reverse("clinic:caseload")).context["rows"]
    ranks = [r.alert_rank or 99 for r in rows]
    assert ranks == sorted(ranks)
    assert ranks[0] <= 2  # a highest or high priority patient comes first
    # Recomputing the unchanged clinic changes nothing.
    from concord.web.alerts.signals import recompute_all

    again = recompute_all()
    assert again.raised == again.resolved == again.reopened == 0


# ------------------------------------------------------------------ more kinds, hand-made


def test_supply_gap_raises_non_adherence_then_a_refill_resolves_it(cast: Cast) -> None:
    from concord.web.audit.service import Actor
    from concord.web.medications.services import add_dispensing_events

    actor = Actor(user=cast.users["clin_a"], channel="web")
    today = timezone.localdate()
    first = today - timedelta(days=60)
    add_dispensing_events(
        actor,
        cast.patient_a.pk,
        [{"date": first.isoformat(), "days_supply": "30", "medication_class": "N06AB"}],
    )
    # Adding the events queued a recomputation of the patient.
    assert Job.objects.filter(kind=PATIENT_JOB, payload={"patient_id": cast.patient_a.pk})
    recompute_patient(cast.patient_a.pk)
    alert = live(cast)["non_adherence"]
    assert alert.rule == "supply_exhausted:N06AB"
    assert alert.priority == "moderate"
    signal = alert.evidence["signal"]
    # 30 days' supply from day -60 covers days -60 .. -31; day -30 is the first uncovered.
    assert signal["last_fill_date"] == first.isoformat()
    assert signal["supply_end"] == (first + timedelta(days=30)).isoformat()
    assert signal["grace_days"] == 7
    add_dispensing_events(
        actor,
        cast.patient_a.pk,
        [
            {
                "date": (today - timedelta(days=2)).isoformat(),
                "days_supply": "30",
                "medication_class": "N06AB",
            }
        ],
    )
    assert recompute_patient(cast.patient_a.pk).resolved == 1
    assert "non_adherence" not in live(cast)


def test_missed_sessions_then_dropout_risk_from_the_engagement_score(cast: Cast) -> None:
    now = timezone.now()
    make_session(cast.episode_a, now - timedelta(days=28))
    make_session(cast.episode_a, now - timedelta(days=21), status="no_show")
    make_session(cast.episode_a, now - timedelta(days=14), status="no_show")
    recompute_patient(cast.patient_a.pk)
    missed = live(cast)["missed_sessions"]
    # Last four due: attended, no-show, no-show, attended -> 2 x 2 points = 4: moderate.
    assert missed.rule == "engagement_risk:moderate"
    assert missed.evidence["signal"]["score"] == 4
    assert missed.evidence["signal"]["no_shows"] == 2
    assert missed.evidence["chart"]["marked"] == [2, 3]
    make_session(cast.episode_a, now - timedelta(days=1), status="cancelled_by_patient")
    result = recompute_patient(cast.patient_a.pk)
    # Now no-show, no-show, attended, cancelled: 2 + 2 + 1 = 5: high.
    assert result.raised == 1 and result.resolved == 1
    risk = live(cast)["dropout_risk"]
    assert risk.rule == "engagement_risk:high" and risk.priority == "high"
    assert risk.evidence["signal"]["score"] == 5
    assert "missed_sessions" not in live(cast)


def test_submitting_a_measure_queues_a_recompute(cast: Cast) -> None:
    from concord.web.audit.service import Actor
    from concord.web.measures import submission

    instrument = get_instrument("srs")
    due = Administration.objects.create(
        slot="test:due",
        episode=cast.episode_a,
        instrument_code="srs",
        instrument_version=instrument.version,
        rater="patient",
        session=cast.session_a,
        due_at=timezone.now() - timedelta(hours=1),
    )
    submission.submit(
        Actor(user=cast.users["patient_a"], channel="web"),
        due.pk,
        {"relationship": "9", "goals_topics": "9", "approach": "9", "overall": "9"},
    )
    job = Job.objects.get(kind=PATIENT_JOB)
    assert job.payload == {"patient_id": cast.patient_a.pk}
    assert recompute_patient_job(job.payload)["raised"] == 0  # 36 is not below 36


def test_falling_alliance_with_a_supply_gap_is_the_highest_priority(cast: Cast) -> None:
    from concord.web.medications.models import DispensingEvent

    srs_series(cast, [38, 38, 38, 33])
    DispensingEvent.objects.create(
        patient=cast.patient_a,
        dispensed_on=timezone.localdate() - timedelta(days=60),
        days_supply=30,
        medication_class="N06AB",
        source="manual",
    )
    recompute_patient(cast.patient_a.pk)
    combined = live(cast)["combined"]
    assert combined.rule == "alliance_falling_with_nonadherence"
    assert combined.priority == "highest" and combined.priority_rank == 1
    assert combined.evidence["signal"]["rules"][:2] == [
        "alliance_falling_with_nonadherence",
        "alliance_falling",
    ]
    assert {s["rule"] for s in combined.evidence["signals"]} == {
        "alliance_falling",
        "supply_exhausted",
    }
    rows = client(cast, "clin_a").get(reverse("clinic:caseload")).context["rows"]
    assert rows[0].patient_id == cast.patient_a.pk and rows[0].alert_priority == "highest"


def test_reliable_patient_clinician_disagreement(cast: Cast) -> None:
    import math
    import statistics

    now = timezone.now()
    levels = [(3, 3), (4, 4), (3, 4), (4, 3), (2, 5)]  # (patient, clinician) item means
    sessions = [make_session(cast.episode_a, now - timedelta(days=7 * (6 - i))) for i in range(5)]
    for session, (p, c) in zip(sessions, levels, strict=True):
        rate(session, "waisr", {f"q{n}": p for n in range(1, 13)})
        rate(session, "waisrt", {f"q{n}": c for n in range(1, 13)}, rater="clinician")
    recompute_patient(cast.patient_a.pk)
    alert = live(cast)["patient_clinician_disagreement"]
    pooled = [v for pair in levels for v in pair]
    limit = 1.96 * math.sqrt(2) * statistics.stdev(pooled) * math.sqrt(1 - 0.8)
    scales = {s["scale"]: s for s in alert.evidence["scales"]}
    assert set(scales) == {"goal", "task", "bond", "total"}
    assert scales["total"]["patient"] == 2.0 and scales["total"]["clinician"] == 5.0
    assert scales["total"]["limit"] == pytest.approx(limit)
    assert [s["number"] for s in alert.evidence["sessions"]] == [5]
    # The earlier sessions differ by one point at most: below the limit, so not flagged.
    assert limit > 1.0


def test_one_episode_the_core_refuses_does_not_stop_the_run(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concord.analytics.risk import RiskInputError
    from concord.web.alerts import signals

    srs_series(cast, [38, 38, 38, 33])
    srs(cast.session_b, 30)
    real = signals.evaluate
    batches: list[list[int]] = []

    def refuse_a(batch: Any, *args: Any, **kwargs: Any) -> Any:
        batches.append(sorted(e.key for e in batch))
        if any(e.key == cast.episode_a.pk for e in batch):
            raise RiskInputError("missing date", row=3, column="date")
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(signals, "evaluate", refuse_a)
    result = signals.recompute_all()
    assert result.failed == 1
    assert live(cast) == {}
    assert Alert.objects.filter(episode=cast.episode_b, kind="low_alliance").exists()
    # Both episodes (one clinic) in one call of the core first; refused, then each alone.
    a, b = sorted([cast.episode_a.pk, cast.episode_b.pk])
    assert batches == [[a, b], [a], [b]]
