"""The audit trail: the hash chain, tamper detection, append-only at two levels, concurrent
appends, ``concord audit verify``, the rows clinic services write, and the administrators' page.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from concord.cli.main import app
from concord.web.audit import chain, triggers
from concord.web.audit.chain import GENESIS, AuditEntry, append, verify
from concord.web.audit.models import AppendOnlyError, AuditEvent, ChainHead
from concord.web.audit.service import Actor
from concord.web.clinic import services
from concord.web.clinic.models import CareSession

from .conftest import Cast, make_session

ROW = ("actor_username", "role", "action", "object_type", "object_id", "patient_ids", "channel")


def entry(n: int, *, patients: tuple[int, ...] = (), **overrides: Any) -> AuditEntry:
    fields: dict[str, Any] = {
        "actor_id": n,
        "actor_username": f"user{n}",
        "role": "clinician",
        "action": "read",
        "object_type": "patient",
        "object_id": str(n),
        "patient_ids": patients or (n,),
        "channel": "web",
        "source": "10.0.0.1",
        "detail": {"n": n},
    }
    return AuditEntry(**{**fields, **overrides})


def append_rows(count: int) -> list[AuditEvent]:
    append([entry(n) for n in range(1, count + 1)])
    return list(AuditEvent.objects.order_by("id"))


def rows_after(last_id: int) -> list[tuple[Any, ...]]:
    events = AuditEvent.objects.filter(id__gt=last_id).order_by("id")
    return [tuple(getattr(e, f) for f in ROW) for e in events]


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def raw(sql: str, params: tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- the chain ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_row_digests_the_previous_digest_and_its_own_fields() -> None:
    append([entry(1)])
    append([entry(2, patients=(2, 7), detail={"b": [1, 2], "a": "x"}), entry(3)])
    rows = list(AuditEvent.objects.order_by("id"))

    previous = GENESIS
    for row in rows:
        canonical = {
            "actor_id": row.actor_id,
            "actor_username": row.actor_username,
            "role": row.role,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "patient_refs": row.patient_refs,
            "channel": row.channel,
            "source": row.source,
            "detail": row.detail,
            "at": row.at.isoformat(timespec="microseconds"),
        }
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
        assert row.previous_digest == previous
        assert row.digest == hashlib.sha256(previous.encode() + text.encode()).hexdigest()
        previous = row.digest
    assert [r.patient_refs for r in rows] == [",1,", ",2,7,", ",3,"]
    assert rows[1].patient_ids == [2, 7]
    assert ChainHead.objects.get().digest == rows[-1].digest


@pytest.mark.django_db
def test_verify_passes_an_intact_chain_and_an_empty_one() -> None:
    assert verify() == chain.ChainReport(0, None, "")
    append_rows(7)

    report = verify(batch_size=3)  # batches join up

    assert (report.ok, report.rows_checked, report.first_broken_id) == (True, 7, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_username", "someone_else"),
        ("patient_refs", ",99,"),
        ("action", "list"),
        ("detail", '{"n": 4, "note": "added later"}'),
        ("at", "2001-01-01 00:00:00"),
    ],
)
def test_verify_names_the_row_whose_content_was_changed(column: str, value: str) -> None:
    rows = append_rows(6)
    tampered = rows[3]
    with triggers.lifted():
        raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", (value, tampered.pk))

    report = verify()

    assert report.first_broken_id == tampered.pk
    assert report.rows_checked == 3
    assert report.reason == "row content does not match its digest"


@pytest.mark.django_db
def test_a_changed_row_with_a_recomputed_digest_breaks_the_link_to_the_next_row() -> None:
    rows = append_rows(5)
    forged = rows[2]
    forged_digest = chain.row_digest(
        forged.previous_digest, forged.at, {**chain.row_fields(forged), "actor_username": "forger"}
    )
    with triggers.lifted():
        raw(
            "UPDATE audit_auditevent SET actor_username = %s, digest = %s WHERE id = %s",
            ("forger", forged_digest, forged.pk),
        )

    report = verify()

    assert (report.first_broken_id, report.reason) == (
        rows[3].pk,
        "previous digest does not match the row before",
    )


@pytest.mark.django_db
def test_deleting_a_row_in_the_middle_is_reported_at_the_row_after_it() -> None:
    rows = append_rows(5)
    with triggers.lifted():
        raw("DELETE FROM audit_auditevent WHERE id = %s", (rows[1].pk,))

    assert verify().first_broken_id == rows[2].pk


@pytest.mark.django_db
def test_deleting_the_last_rows_is_detected_through_the_chain_head() -> None:
    rows = append_rows(6)
    with triggers.lifted():
        raw("DELETE FROM audit_auditevent WHERE id >= %s", (rows[4].pk,))

    report = verify()

    assert (report.first_broken_id, report.rows_checked) == (rows[4].pk, 4)
    assert report.reason == "rows after the last one were removed"


@pytest.mark.django_db
def test_deleting_every_row_is_detected_through_the_chain_head() -> None:
    append_rows(3)
    with triggers.lifted():
        raw("DELETE FROM audit_auditevent")

    report = verify()

    assert (report.ok, report.rows_checked, report.first_broken_id) == (False, 0, 1)
    assert report.reason == "rows after the last one were removed"


@pytest.mark.django_db
def test_rows_appended_after_a_deletion_at_the_end_do_not_hide_it() -> None:
    rows = append_rows(4)
    with triggers.lifted():
        raw("DELETE FROM audit_auditevent WHERE id = %s", (rows[3].pk,))
    append([entry(9)])

    report = verify()

    new_row = AuditEvent.objects.order_by("-id").first()
    assert new_row is not None
    assert (report.first_broken_id, report.reason) == (
        new_row.pk,
        "previous digest does not match the row before",
    )


# --- append-only ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_audit_rows() -> None:
    rows = append_rows(2)
    row = AuditEvent.objects.get(pk=rows[0].pk)
    row.actor_username = "someone_else"

    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        row.save()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        row.delete()
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        AuditEvent.objects.filter(pk=row.pk).update(actor_username="someone_else")
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        AuditEvent.objects.bulk_update([row], ["actor_username"])
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        AuditEvent.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        AuditEvent.objects.all().delete()

    assert list(AuditEvent.objects.order_by("id").values_list("actor_username", flat=True)) == [
        "user1",
        "user2",
    ]
    assert verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET actor_username = 'someone_else'",
        "UPDATE audit_auditevent SET digest = previous_digest WHERE id = {id}",
        "DELETE FROM audit_auditevent WHERE id = {id}",
        "DELETE FROM audit_auditevent",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(sql: str) -> None:
    rows = append_rows(2)

    with pytest.raises(DatabaseError, match="audit rows are append-only"), transaction.atomic():
        raw(sql.format(id=rows[0].pk))

    assert AuditEvent.objects.count() == 2
    assert verify().ok


# --- concurrency (real transactions, one connection per thread) ----------------------------


@pytest.fixture
def committed_trail(transactional_db: None) -> Iterator[None]:
    """Commit for real, then clear the append-only trail so the test database can be emptied."""
    yield
    triggers.clear_trail_for_tests()


def run_threads(count: int, target: Any) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.usefixtures("committed_trail")
def test_concurrent_appends_from_a_cold_start_keep_one_valid_chain() -> None:
    assert not ChainHead.objects.exists()  # the first appends also race to create the head
    barrier = threading.Barrier(8)

    def write(index: int) -> None:
        barrier.wait(10)
        for n in range(15):
            append([entry(index * 100 + n)])

    errors = run_threads(8, write)

    assert errors == []
    report = verify()
    assert (report.ok, report.rows_checked) == (True, 120)
    ids = sorted(AuditEvent.objects.values_list("actor_username", flat=True))
    assert ids == sorted(f"user{i * 100 + n}" for i in range(8) for n in range(15))


@pytest.mark.usefixtures("committed_trail")
def test_verify_while_rows_are_being_appended_reports_no_false_break() -> None:
    append_rows(3)
    stop = threading.Event()

    def keep_appending(_index: int) -> None:
        n = 1000
        while not stop.wait(0.002):
            append([entry(n)])
            n += 1

    reports: list[chain.ChainReport] = []
    errors: list[BaseException] = []
    writer = threading.Thread(target=lambda: errors.extend(run_threads(1, keep_appending)))
    writer.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            reports.append(verify(batch_size=5))
    finally:
        stop.set()
        writer.join(30)

    assert errors == []
    assert len(reports) > 10
    assert [r for r in reports if not r.ok] == []
    assert verify().ok
    assert AuditEvent.objects.count() > 3


# --- concord audit verify ----------------------------------------------------------------


def cli_text(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.django_db
def test_cli_audit_verify_exit_codes_and_messages() -> None:
    rows = append_rows(4)
    assert cli_text(["audit", "verify"]) == (0, "audit chain intact: 4 rows checked")

    with triggers.lifted():
        raw("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", (rows[2].pk,))

    assert cli_text(["audit", "verify"]) == (
        1,
        f"audit chain broken at row {rows[2].pk}: row content does not match its digest "
        "(2 rows before it are intact)",
    )


# --- what clinic services record -----------------------------------------------------------


def web_client(cast: Cast, name: str) -> Client:
    client = Client()
    client.force_login(cast.users[name])
    return client


def api_client(cast: Cast, name: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {cast.token(name)}"})


SESSION_FORM = {"duration_minutes": 50, "modality": "telehealth", "status": "scheduled", "note": ""}


def next_week() -> str:
    return (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db
def test_opening_a_patient_page_records_who_read_which_patient(cast: Cast) -> None:
    before = last_id()

    response = web_client(cast, "clin_a").get(f"/patients/{cast.patient_a.pk}/")

    assert response.status_code == 200
    a = cast.patient_a.pk
    rows = rows_after(before)
    assert rows[0] == ("clin_a", "clinician", "read", "patient", str(a), [a], "web")
    # The page shows more of patient A's record; each part is recorded, naming only A.
    assert ("clin_a", "clinician", "list", "episode", "", [a], "web") in rows
    assert ("clin_a", "clinician", "list", "session", "", [a], "web") in rows
    assert {(r[0], r[1], tuple(r[5]), r[6]) for r in rows} == {("clin_a", "clinician", (a,), "web")}
    read = AuditEvent.objects.get(id__gt=before, action="read", object_type="patient")
    assert (read.actor_id, read.source) == (cast.users["clin_a"].pk, "127.0.0.1")


@pytest.mark.django_db
def test_a_refused_patient_page_records_no_read_of_that_patient(cast: Cast) -> None:
    before = last_id()

    response = web_client(cast, "clin_a").get(f"/patients/{cast.patient_b.pk}/")

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(
        id__gt=before, patient_refs__contains=f",{cast.patient_b.pk},"
    ).exists()


@pytest.mark.django_db
def test_recording_a_session_on_the_web_records_a_create_row(cast: Cast) -> None:
    before = last_id()

    response = web_client(cast, "clin_a").post(
        f"/episodes/{cast.episode_a.pk}/sessions/new/",
        {**SESSION_FORM, "scheduled_at": next_week()},
    )

    assert response.status_code == 302
    session = CareSession.objects.get(episode=cast.episode_a, modality="telehealth")
    a = cast.patient_a.pk
    assert rows_after(before) == [
        ("clin_a", "clinician", "read", "episode", str(cast.episode_a.pk), [a], "web"),
        ("clin_a", "clinician", "create", "session", str(session.pk), [a], "web"),
    ]
    assert AuditEvent.objects.get(id__gt=before, action="create").detail == {"status": "scheduled"}


@pytest.mark.django_db
def test_an_invalid_session_is_neither_saved_nor_recorded_as_created(cast: Cast) -> None:
    before = last_id()
    sessions = CareSession.objects.count()

    response = web_client(cast, "clin_a").post(
        f"/episodes/{cast.episode_a.pk}/sessions/new/", {**SESSION_FORM, "scheduled_at": "soon"}
    )

    assert response.status_code == 400
    assert CareSession.objects.count() == sessions
    assert [r[2] for r in rows_after(before)] == ["read"]  # the episode was read to show the form


@pytest.mark.django_db
def test_api_reads_and_writes_are_recorded_with_the_api_channel(cast: Cast) -> None:
    client = api_client(cast, "clin_a")
    a = cast.patient_a.pk
    before = last_id()

    assert client.get(f"/api/v1/patients/{a}").status_code == 200
    created = client.post(
        f"/api/v1/episodes/{cast.episode_a.pk}/sessions",
        {**SESSION_FORM, "scheduled_at": next_week()},
        content_type="application/json",
    )
    assert created.status_code == 201
    session_id = created.json()["id"]
    changed = client.patch(
        f"/api/v1/sessions/{session_id}", {"duration_minutes": 30}, content_type="application/json"
    )
    assert changed.status_code == 200

    assert rows_after(before) == [
        ("clin_a", "clinician", "read", "patient", str(a), [a], "api"),
        ("clin_a", "clinician", "create", "session", str(session_id), [a], "api"),
        ("clin_a", "clinician", "update", "session", str(session_id), [a], "api"),
    ]
    update = AuditEvent.objects.get(id__gt=before, action="update")
    assert update.detail == {"changed": ["duration_minutes"], "before": {"duration_minutes": "50"}}


@pytest.mark.django_db
def test_every_clinic_service_records_its_access(cast: Cast) -> None:
    a, b = cast.patient_a.pk, cast.patient_b.pk
    clin = Actor(cast.users["clin_a"], "cli", "host-1")
    sup = Actor(cast.users["sup_b"], "worker")
    observer = Actor(cast.users["observer_a"], "web")
    patient = Actor(cast.users["patient_a"], "web")
    # A session on a whole minute, as the forms record them.
    session = make_session(cast.episode_a, timezone.now().replace(second=0, microsecond=0))
    before = last_id()

    services.caseload(clin)
    services.caseload(sup)
    services.list_patients(clin)
    services.get_patient(clin, a)
    services.episodes_of(clin, cast.patient_a)
    services.get_episode(clin, cast.episode_a.pk)
    services.sessions_of(clin, [cast.episode_a])
    services.get_session(clin, session.pk)
    services.update_session(clin, session.pk, {"note": "Slept better."})
    new_session = services.create_session(
        clin, cast.episode_a.pk, {**SESSION_FORM, "scheduled_at": next_week()}
    )
    services.observer_sessions(observer)
    services.portal_overview(patient)
    created = services.create_patient(
        clin,
        {
            "given_name": "Cy",
            "family_name": "Gamma",
            "date_of_birth": "1990-03-04",
            "preferred_language": "en",
            "team": cast.team_a.pk,
            "reason": "Anxiety",
            "started_on": timezone.localdate().isoformat(),
        },
    )

    s = str(session.pk)
    assert rows_after(before) == [
        ("clin_a", "clinician", "list", "caseload", "", [a], "cli"),
        ("sup_b", "supervisor", "list", "caseload", "", [b], "worker"),
        ("clin_a", "clinician", "list", "patient", "", [a], "cli"),
        ("clin_a", "clinician", "read", "patient", str(a), [a], "cli"),
        ("clin_a", "clinician", "list", "episode", "", [a], "cli"),
        ("clin_a", "clinician", "read", "episode", str(cast.episode_a.pk), [a], "cli"),
        ("clin_a", "clinician", "list", "session", "", [a], "cli"),
        ("clin_a", "clinician", "read", "session", s, [a], "cli"),
        ("clin_a", "clinician", "update", "session", s, [a], "cli"),
        ("clin_a", "clinician", "create", "session", str(new_session.pk), [a], "cli"),
        ("observer_a", "observer", "list", "session", "", [a], "web"),
        ("patient_a", "patient", "read", "portal", str(a), [a], "web"),
        ("clin_a", "clinician", "create", "patient", str(created.pk), [created.pk], "cli"),
    ]
    assert set(
        AuditEvent.objects.filter(id__gt=before, actor_username="clin_a").values_list(
            "source", flat=True
        )
    ) == {"host-1"}
    note_change = AuditEvent.objects.get(id__gt=before, action="update")
    assert note_change.detail == {"changed": ["note"], "before": {}}  # notes stay out of the trail
    assert verify().ok


AUDITED_SERVICES = {
    "caseload", "list_patients", "get_patient", "episodes_of", "get_episode", "sessions_of",
    "get_session", "update_session", "create_session", "observer_sessions", "portal_overview",
    "create_patient",
}  # fmt: skip
NO_PATIENT_DATA = {"supervisees"}  # a supervisor's supervisees: staff, not patients


def test_every_public_clinic_service_is_in_the_audit_test() -> None:
    """A new service fails here until test_every_clinic_service_records_its_access covers it."""
    public = {
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if function.__module__ == services.__name__ and not name.startswith("_")
    }
    assert public - NO_PATIENT_DATA == AUDITED_SERVICES


# --- the administrators' page ---------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def filter_rows(db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Five rows at known instants (Europe/London: 1 July 23:30 UTC is 2 July 00:30 local)."""
    specs = {
        "ann_read_1": ("2026-06-30T09:00:00", entry(1, actor_username="ann", patients=(1,))),
        "ann_create_11": (
            "2026-07-01T23:30:00",
            entry(2, actor_username="ann", action="create", patients=(11,), channel="api"),
        ),
        "bob_list_1_11": (
            "2026-07-02T12:00:00",
            entry(3, actor_username="bob", action="list", patients=(1, 11)),
        ),
        "bob_read_2": ("2026-07-03T08:00:00", entry(4, actor_username="bob", patients=(2,))),
        "annie_read_1": (
            "2026-07-03T09:00:00",
            entry(5, actor_username="annie", patients=(1,), channel="api"),
        ),
    }
    ids = {}
    for name, (when, row) in specs.items():
        with monkeypatch.context() as patch:
            patch.setattr(chain.timezone, "now", lambda when=when: at(when))
            ids[name] = append([row])[0].pk
    return ids


def page_rows(cast: Cast, query: str) -> tuple[int, list[int]]:
    response = web_client(cast, "admin").get(f"/audit/?{query}")
    ids = [e.pk for e in response.context["page"].object_list]
    return response.status_code, ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=ann", ["ann_create_11", "ann_read_1"]),
        ("actor=annie", ["annie_read_1"]),
        ("patient=1", ["annie_read_1", "bob_list_1_11", "ann_read_1"]),
        ("patient=11", ["bob_list_1_11", "ann_create_11"]),
        ("action=read", ["annie_read_1", "bob_read_2", "ann_read_1"]),
        ("action=create", ["ann_create_11"]),
        ("channel=api", ["annie_read_1", "ann_create_11"]),
        ("since=2026-07-02&until=2026-07-02", ["bob_list_1_11", "ann_create_11"]),
        ("until=2026-07-01", ["ann_read_1"]),
        ("since=2026-07-03", ["annie_read_1", "bob_read_2"]),
        ("actor=bob&patient=1", ["bob_list_1_11"]),
        ("patient=1&channel=api&action=read", ["annie_read_1"]),
        ("actor=nobody", []),
    ],
)
def test_the_audit_page_filters_by_user_patient_action_channel_and_date(
    cast: Cast, filter_rows: dict[str, int], query: str, expected: list[str]
) -> None:
    others = set(
        AuditEvent.objects.exclude(pk__in=filter_rows.values()).values_list("pk", flat=True)
    )
    status, ids = page_rows(cast, query)

    assert status == 200
    assert [i for i in ids if i not in others] == [filter_rows[name] for name in expected]


@pytest.mark.django_db
def test_the_audit_page_refuses_bad_filters_and_non_administrators(cast: Cast) -> None:
    assert web_client(cast, "admin").get("/audit/?patient=abc").status_code == 400
    assert web_client(cast, "admin").get("/audit/?since=yesterday").status_code == 400
    for name in ("clin_a", "sup_a", "patient_a", "observer_a"):
        assert web_client(cast, name).get("/audit/").status_code == 404, name


@pytest.mark.django_db
def test_the_audit_page_shows_the_rows_it_lists(cast: Cast) -> None:
    web_client(cast, "clin_a").get(f"/patients/{cast.patient_a.pk}/")

    response = web_client(cast, "admin").get(f"/audit/?actor=clin_a&patient={cast.patient_a.pk}")

    html = response.content.decode()
    cells = re.findall(r"<tr><td>(\d+)</td>", html)
    assert [int(c) for c in cells] == [e.pk for e in response.context["page"].object_list]
    expected = AuditEvent.objects.filter(
        actor_username="clin_a", patient_refs__contains=f",{cast.patient_a.pk},"
    )
    assert [int(c) for c in cells] == list(expected.order_by("-id").values_list("id", flat=True))
    assert len(cells) >= 3  # read patient, list episodes, list sessions, and more of the page
    assert "patient " + str(cast.patient_a.pk) in html
