"""Medications: uploads checked row by row and atomic, adherence from the engine, dose
confirmations, access and audit — with values, not just status codes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.analytics.adherence import (
    cma_sliding_window,
    compute_cma,
    proportion_of_days_covered,
)
from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.medications import adherence, doses, services
from concord.web.medications.models import (
    DispensingEvent,
    DispensingUpload,
    DoseConfirmation,
    MedicationRegimen,
)

from .conftest import Cast

MAPPING = {
    "date": "Fill date",
    "days_supply": "Supply",
    "daily_dose": "Dose",
    "medication_class": "Class",
    "medication_name": "Drug",
}
HEADER = "Fill date,Supply,Dose,Class,Drug\n"
TODAY = date(2026, 4, 30)


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def upload(cast: Cast, text: str, who: str = "clin_a", **kwargs: object) -> DispensingUpload:
    arguments: dict[str, object] = {
        "content": text.encode("utf-8"),
        "file_name": "pharmacy.csv",
        "mapping": MAPPING,
        "date_format": "%Y-%m-%d",
        "today": TODAY,
        **kwargs,
    }
    return services.upload_dispensing_csv(web(cast, who), cast.patient_a.pk, **arguments)  # type: ignore[arg-type]


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def make_regimen(cast: Cast, **extra: object) -> MedicationRegimen:
    values: dict[str, object] = {
        "episode": cast.episode_a,
        "medication_name": "Metformin",
        "medication_class": "Biguanide",
        "daily_dose": Decimal(2000),
        "dose_times": ["08:00", "20:00"],
        "window_minutes": 60,
        "started_on": date(2026, 1, 1),
        **extra,
    }
    return MedicationRegimen.objects.create(**values)


# ------------------------------------------------------------------ upload


@pytest.mark.django_db
def test_upload_happy_path_with_mapping_semicolons_and_day_first_dates(cast: Cast) -> None:
    text = (
        "Drug;Fill date;Class;Supply;Dose;Pharmacy\n"
        "Sertraline;01/02/2026;SSRI;28;50;High St\n"
        "Sertraline;28/02/2026;SSRI;28.5;50;High St\n"
        "Escitalopram;30/03/2026;SSRI;30;;High St\n"
    )
    result = upload(cast, text, date_format="%d/%m/%Y")
    events = list(DispensingEvent.objects.filter(patient=cast.patient_a).order_by("dispensed_on"))
    assert [
        (e.dispensed_on, e.days_supply, e.daily_dose, e.medication_class, e.medication_name)
        for e in events
    ] == [
        (date(2026, 2, 1), Decimal("28.000"), Decimal("50.000"), "SSRI", "Sertraline"),
        (date(2026, 2, 28), Decimal("28.500"), Decimal("50.000"), "SSRI", "Sertraline"),
        (date(2026, 3, 30), Decimal("30.000"), None, "SSRI", "Escitalopram"),
    ]
    assert [(e.source, e.upload_id, e.upload_row) for e in events] == [
        ("upload", result.pk, 1),
        ("upload", result.pk, 2),
        ("upload", result.pk, 3),
    ]
    assert (result.row_count, result.file_name, result.date_format) == (
        3,
        "pharmacy.csv",
        "%d/%m/%Y",
    )
    assert result.column_mapping == MAPPING
    assert result.uploaded_by == cast.users["clin_a"]
    [row] = audit_rows("dispensing_upload")
    assert (row.action, row.object_id, row.patient_ids, row.actor_username) == (
        "import",
        str(result.pk),
        [cast.patient_a.pk],
        "clin_a",
    )
    assert row.detail["rows"] == 3


@pytest.mark.django_db
def test_upload_names_every_bad_row_and_column(cast: Cast) -> None:
    text = HEADER + (
        "2026-01-01,30,1,Statin,Atorvastatin\n"  # 1: fine
        ",30,1,Statin,Atorvastatin\n"  # 2: missing date
        "2026-13-01,30,1,Statin,Atorvastatin\n"  # 3: unparseable date
        "2026-02-01,0,1,Statin,Atorvastatin\n"  # 4: zero supply
        "2026-02-01,-30,1,Statin,Atorvastatin\n"  # 5: negative supply
        "2026-02-01,thirty,1,Statin,Atorvastatin\n"  # 6: not a number
        "2026-02-01,30,0,Statin,Atorvastatin\n"  # 7: zero dose
        "2026-02-01,30,1,,Atorvastatin\n"  # 8: missing class
        "2027-01-01,30,1,Statin,Atorvastatin\n"  # 9: in the future (today 2026-04-30)
        "2026-02-01,400,1,Statin,Atorvastatin\n"  # 10: more than a year's supply
        "2026-02-01,30,1,Statin\n"  # 11: a field short
        "2026-02-01,NaN,1,Statin,Atorvastatin\n"  # 12: NaN is not a number
    )
    with pytest.raises(FormInvalid) as raised:
        upload(cast, text)
    assert raised.value.errors == {
        "file": [
            "Row 11: 4 fields where the header has 5.",
            'Row 2, column "Fill date": missing value.',
            'Row 3, column "Fill date": "2026-13-01" is not a date in the format YYYY-MM-DD.',
            'Row 4, column "Supply": the days\' supply must be greater than 0, not 0.',
            'Row 5, column "Supply": the days\' supply must be greater than 0, not -30.',
            'Row 6, column "Supply": "thirty" is not a number.',
            'Row 7, column "Dose": the daily dose must be greater than 0, not 0.',
            'Row 8, column "Class": missing value.',
            'Row 9, column "Fill date": 2027-01-01 is in the future.',
            'Row 10, column "Supply": the days\' supply must be at most 366, not 400.',
            'Row 12, column "Supply": "NaN" is not a number.',
        ]
    }
    assert not DispensingEvent.objects.exists()
    assert not DispensingUpload.objects.exists()


@pytest.mark.django_db
def test_upload_with_row_7_bad_writes_nothing(cast: Cast) -> None:
    good = "2026-01-{day:02d},30,1,Statin,Atorvastatin\n"
    lines = [good.format(day=d) for d in range(1, 11)]
    lines[6] = "2026-01-07,-5,1,Statin,Atorvastatin\n"  # row 7
    audit_before = AuditEvent.objects.count()
    with pytest.raises(FormInvalid) as raised:
        upload(cast, HEADER + "".join(lines))
    assert raised.value.errors == {
        "file": ['Row 7, column "Supply": the days\' supply must be greater than 0, not -5.']
    }
    assert DispensingEvent.objects.count() == 0
    assert DispensingUpload.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before  # nothing imported, nothing audited
    lines[6] = good.format(day=7)
    assert upload(cast, HEADER + "".join(lines)).row_count == 10
    assert DispensingEvent.objects.count() == 10


@pytest.mark.django_db
def test_upload_mapping_problems_name_the_field(cast: Cast) -> None:
    text = HEADER + "2026-01-01,30,1,Statin,Atorvastatin\n"
    with pytest.raises(FormInvalid) as raised:
        upload(
            cast,
            text,
            mapping={**MAPPING, "date": "Dispensed", "medication_name": "Class"},
            date_format="%Y/%d/%m",
        )
    assert raised.value.errors == {
        "date": [
            'Column "Dispensed" is not in the file; its columns are: '
            "Fill date, Supply, Dose, Class, Drug."
        ],
        "medication_class": ['Column "Class" is chosen for more than one value.'],
        "medication_name": ['Column "Class" is chosen for more than one value.'],
        "date_format": ["Choose one of the date formats offered."],
    }
    with pytest.raises(FormInvalid) as raised:
        upload(cast, text, mapping={**MAPPING, "days_supply": ""})
    assert raised.value.errors == {"days_supply": ["Choose the column that holds this value."]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (HEADER.encode(), "The file has a header but no data rows."),
        (
            "Datum,Menge\n2026-01-01,30\n".encode("utf-16"),
            "The file is not UTF-8 text; save it as CSV (UTF-8).",
        ),
        (b"a,a\n1,2\n", "The header names a column twice: a."),
        (
            (HEADER + "2026-01-01,30,1,Statin,X\n" * 5001).encode(),
            "The file has 5001 data rows; at most 5000 are accepted.",
        ),
        (
            b"x" * 1_000_001,
            "The file is larger than 1000 kB; upload one patient's events at a time.",
        ),
    ],
    ids=["empty", "header-only", "not-utf8", "duplicate-column", "too-many-rows", "too-large"],
)
def test_upload_whole_file_problems(cast: Cast, content: bytes, message: str) -> None:
    with pytest.raises(FormInvalid) as raised:
        services.upload_dispensing_csv(
            web(cast, "clin_a"),
            cast.patient_a.pk,
            content=content,
            file_name="f.csv",
            mapping=MAPPING,
            date_format="%Y-%m-%d",
            today=TODAY,
        )
    assert raised.value.errors == {"file": [message]}
    assert not DispensingEvent.objects.exists()


@pytest.mark.django_db
def test_the_same_file_twice_is_refused(cast: Cast) -> None:
    text = HEADER + "2026-01-01,30,1,Statin,Atorvastatin\n"
    upload(cast, text)
    with pytest.raises(FormInvalid) as raised:
        upload(cast, text.replace("\n", "\r\n"))  # same content, other line endings
    assert raised.value.errors["file"][0].startswith("This file was already uploaded on ")
    assert DispensingEvent.objects.count() == 1


@pytest.mark.django_db
def test_upload_access(cast: Cast) -> None:
    text = HEADER + "2026-01-01,30,1,Statin,Atorvastatin\n"
    for outsider in ("clin_b", "sup_b", "observer_a", "patient_a", "supporter", "admin"):
        with pytest.raises(NotFound):
            upload(cast, text, who=outsider)
    with pytest.raises(NotAllowed):
        upload(cast, text, who="sup_a")  # supervisors read, they do not record
    assert not DispensingEvent.objects.exists()
    assert upload(cast, text, who="colleague_a").row_count == 1


@pytest.mark.django_db
def test_upload_pages_two_steps(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.users["clin_a"])
    url = reverse("medications:dispensing_upload", kwargs={"patient_id": cast.patient_a.pk})
    text = (
        "Dispensed,Days supply,Daily dose,ATC class,Medicine\n2026-01-05,30,1,C10AA,Atorvastatin\n"
    )
    step1 = client.post(url, {"file": SimpleUploadedFile("export.csv", text.encode())})
    assert step1.status_code == 200
    page = step1.content.decode()
    # The guessed mapping is preselected for the clinician to confirm.
    assert '<option value="Dispensed" selected>' in page
    assert '<option value="Days supply" selected>' in page
    assert '<option value="ATC class" selected>' in page
    assert not DispensingEvent.objects.exists()  # nothing stored at step 1
    mapping = {
        "date": "Dispensed",
        "days_supply": "Days supply",
        "daily_dose": "Daily dose",
        "medication_class": "ATC class",
        "medication_name": "Medicine",
        "date_format": "%Y-%m-%d",
    }
    bad = text.replace("2026-01-05,30", "2026-01-05,-1")
    step2_bad = client.post(url, {**mapping, "content": bad, "file_name": "export.csv"})
    assert step2_bad.status_code == 400
    assert (
        "Row 1, column &quot;Days supply&quot;: the days&#x27; supply must be greater than 0, "
        "not -1." in step2_bad.content.decode()
    )
    assert not DispensingEvent.objects.exists()
    step2 = client.post(url, {**mapping, "content": text, "file_name": "export.csv"})
    assert step2.status_code == 302
    assert step2["Location"] == reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    [event] = DispensingEvent.objects.all()
    assert (event.dispensed_on, event.days_supply, event.medication_class) == (
        date(2026, 1, 5),
        Decimal(30),
        "C10AA",
    )
    # Outsiders get the same 404 as for a missing patient.
    other = Client()
    other.force_login(cast.users["clin_b"])
    assert other.post(url, {**mapping, "content": text, "file_name": "x.csv"}).status_code == 404


# ------------------------------------------------------------------ API


@pytest.mark.django_db
def test_api_posts_and_lists_events_with_row_level_errors(cast: Cast) -> None:
    headers = {"Authorization": f"Bearer {cast.token('clin_a')}"}
    url = f"/api/v1/patients/{cast.patient_a.pk}/dispensing-events"
    bad = {
        "events": [
            {"date": "2026-01-01", "days_supply": 30, "medication_class": "Statin"},
            {"date": "01/02/2026", "days_supply": 0, "medication_class": "Statin"},
            {"days_supply": 30, "daily_dose": -1, "medication_class": "Statin"},
        ]
    }
    response = Client().post(url, json.dumps(bad), content_type="application/json", headers=headers)
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": {
                "events": [
                    'Row 2, column "date": "01/02/2026" is not a date in the format YYYY-MM-DD.',
                    'Row 2, column "days_supply": the days\' supply must be greater than 0, not 0.',
                    'Row 3, column "date": missing value.',
                    'Row 3, column "daily_dose": the daily dose must be greater than 0, not -1.',
                ]
            },
        }
    }
    assert not DispensingEvent.objects.exists()
    good = {
        "events": [
            {
                "date": "2026-01-01",
                "days_supply": 30,
                "daily_dose": 20,
                "medication_class": "Statin",
            },
            {
                "date": "2026-01-29",
                "days_supply": "30",
                "medication_class": "Statin",
                "medication_name": "Atorvastatin",
            },
        ],
        "source": "fhir",
    }
    created = Client().post(url, json.dumps(good), content_type="application/json", headers=headers)
    assert created.status_code == 201
    listed = Client().get(url, headers=headers).json()
    assert [
        (e["date"], e["days_supply"], e["daily_dose"], e["medication_name"], e["source"])
        for e in listed
    ] == [
        ("2026-01-01", 30.0, 20.0, "", "fhir"),
        ("2026-01-29", 30.0, None, "Atorvastatin", "fhir"),
    ]
    other = {"Authorization": f"Bearer {cast.token('clin_b')}"}
    assert Client().get(url, headers=other).status_code == 404


# ------------------------------------------------------------------ adherence

THREE_FILLS = (
    # 2026-01-01 .. 01-30 covered, gap 01-31 .. 02-09 (10 days),
    # 2026-02-10 .. 03-11 and 03-12 .. 04-10 covered, gap 04-11 .. 04-30 (20 days).
    (date(2026, 1, 1), 30),
    (date(2026, 2, 10), 30),
    (date(2026, 3, 12), 30),
)


def add_fills(
    cast: Cast, fills: tuple[tuple[date, int], ...], medication_class: str = "Statin"
) -> None:
    DispensingEvent.objects.bulk_create(
        DispensingEvent(
            patient=cast.patient_a,
            dispensed_on=day,
            days_supply=Decimal(supply),
            medication_class=medication_class,
            medication_name="Atorvastatin",
            source="manual",
        )
        for day, supply in fills
    )


@pytest.mark.django_db
def test_cma7_and_pdc_hand_computed(cast: Cast) -> None:
    add_fills(cast, THREE_FILLS)
    overview = adherence.patient_adherence(web(cast, "clin_a"), cast.patient_a, today=TODAY)
    [statin] = overview.classes
    assert overview.measure == "CMA7"
    # Observation window: from the first fill (2026-01-01, later than a year before today)
    # to today 2026-04-30 inclusive = 31 + 28 + 31 + 30 = 120 days.
    assert statin.windows is not None
    assert (statin.windows.observation_start, statin.windows.end) == (
        date(2026, 1, 1),
        date(2026, 5, 1),
    )
    assert statin.windows.observation_days == 120
    # CMA7 = 1 - (gaps 10 + 20) / 120 = 0.75
    assert statin.cma == pytest.approx(0.75, rel=1e-12)
    # PDC = 90 covered days / (2026-04-30 - 2026-01-01 + 1 = 120) = 0.75, below 0.80.
    assert statin.pdc is not None
    assert (statin.pdc.status, statin.pdc.days_in_period, statin.pdc.days_covered) == (
        "eligible",
        120,
        90.0,
    )
    assert statin.pdc.pdc == pytest.approx(0.75, rel=1e-12)
    assert (statin.pdc.threshold, statin.pdc.adherent) == (0.8, False)
    # 90-day windows every 30 days: (120 - 90) / 30 + 1 = 2 windows.
    # 01-01 .. 03-31: gap 10 -> 1 - 10/90; 01-31 .. 04-30: gaps 10 + 20 -> 1 - 30/90.
    assert [(w.start, w.end) for w in statin.trend] == [
        (date(2026, 1, 1), date(2026, 4, 1)),
        (date(2026, 1, 31), date(2026, 5, 1)),
    ]
    assert [w.value for w in statin.trend] == pytest.approx([80 / 90, 60 / 90], rel=1e-12)
    # The page names a window by its last day, not AdhereR's exclusive end (01-01 + 89 days).
    assert [w.last_day for w in statin.trend] == [date(2026, 3, 31), date(2026, 4, 30)]
    assert statin.svg.startswith("<svg") and statin.svg.count('class="event"') == 3
    # The plot's words come from the web layer (translatable), e.g. the 10-day gap:
    assert "Gap in supply: 2026-01-31 to 2026-02-10, 10 days" in statin.svg
    assert "Sliding-window adherence (CMA7)" in statin.svg


@pytest.mark.django_db
def test_patient_page_values_equal_the_engine_on_the_same_events(cast: Cast) -> None:
    fills = (
        (date(2025, 3, 3), 28),
        (date(2025, 3, 27), 28),  # early refill: supply carries over
        (date(2025, 5, 30), 28),  # after a gap
        (date(2025, 6, 20), 56),
        (date(2025, 9, 1), 28),
        (date(2025, 12, 15), 90),
        (date(2026, 3, 20), 28),
    )
    add_fills(cast, fills)
    [page] = adherence.patient_adherence(web(cast, "clin_a"), cast.patient_a, today=TODAY).classes
    assert page.windows is not None
    # Observation window = the 365 days up to today; follow-up from 180 days earlier.
    assert page.windows.observation_start == date(2025, 5, 1)
    assert page.windows.followup_start == date(2025, 3, 3)
    import polars as pl

    frame = pl.DataFrame(
        {
            "id": [1] * len(fills),
            "date": [d for d, _ in fills],
            "days": [float(s) for _, s in fills],
        }
    )
    windows = {
        "id_colname": "id",
        "event_date_colname": "date",
        "event_duration_colname": "days",
        "followup_window_start": date(2025, 3, 3),
        "followup_window_duration": (date(2026, 5, 1) - date(2025, 3, 3)).days,
        "observation_window_start": date(2025, 5, 1),
        "observation_window_duration": 365,
    }
    engine_cma = compute_cma("CMA7", frame, **windows).cma["CMA"][0]  # type: ignore[arg-type]
    engine_trend = cma_sliding_window(
        frame,
        cma_to_apply="CMA7",
        sliding_window_duration=90,
        sliding_window_step_duration=30,
        **windows,  # type: ignore[arg-type]
    ).cma
    engine_pdc = proportion_of_days_covered(
        frame,
        id_col="id",
        date_col="date",
        duration_col="days",
        period_start=date(2025, 5, 1),
        period_end=TODAY,
    )
    assert page.cma == engine_cma
    assert 0 < page.cma < 1
    assert [w.value for w in page.trend] == engine_trend["CMA"].to_list()
    assert [w.start for w in page.trend] == engine_trend["window.start"].to_list()
    assert len(page.trend) == 10  # (365 - 90) // 30 + 1
    assert page.pdc is not None
    assert page.pdc.pdc == engine_pdc["pdc"][0]
    assert page.pdc.days_covered == engine_pdc["days_covered"][0]


@pytest.mark.django_db
def test_a_stopped_medicine_is_measured_up_to_its_end(cast: Cast) -> None:
    add_fills(cast, THREE_FILLS)
    make_regimen(
        cast, medication_class="Statin", started_on=date(2026, 1, 1), ended_on=date(2026, 4, 10)
    )
    [statin] = adherence.patient_adherence(web(cast, "clin_a"), cast.patient_a, today=TODAY).classes
    # Window 2026-01-01 .. 04-10 = 100 days; only the 10-day gap in February counts:
    # CMA7 = 1 - 10/100 = 0.9 (the 20 days after the planned stop are not missed supply).
    assert statin.stopped_on == date(2026, 4, 10)
    assert statin.cma == pytest.approx(0.9, rel=1e-12)


@pytest.mark.django_db
def test_a_class_last_dispensed_long_ago_is_not_measured(cast: Cast) -> None:
    # Follow-up can reach back 365 + 180 days from today; these fills are older still.
    add_fills(cast, ((date(2024, 1, 1), 30), (date(2024, 2, 1), 30)))
    [old] = adherence.patient_adherence(web(cast, "clin_a"), cast.patient_a, today=TODAY).classes
    assert (old.events, old.last_dispensed, old.windows, old.cma, old.pdc, old.svg) == (
        2,
        date(2024, 2, 1),
        None,
        None,
        None,
        "",
    )


@pytest.mark.django_db
def test_patient_page_shows_adherence_and_audits_it(cast: Cast) -> None:
    add_fills(
        cast, tuple((timezone.localdate() - timedelta(days=d), 30) for d in (120, 90, 60, 30))
    )
    client = Client()
    client.force_login(cast.users["sup_a"])
    page = client.get(reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Medicines and adherence" in html and 'class="event"' in html
    [row] = audit_rows("adherence")
    assert (row.action, row.actor_username, row.patient_ids) == (
        "read",
        "sup_a",
        [cast.patient_a.pk],
    )
    assert row.detail["measure"] == "CMA7" and row.detail["events"] == 4
    with pytest.raises(NotFound):
        adherence.patient_adherence(web(cast, "clin_b"), cast.patient_a)


@pytest.mark.django_db
def test_self_reported_bars_is_shown_beside_refill_adherence(cast: Cast) -> None:
    from concord.web.measures.models import Administration

    now = timezone.now()

    def bars(days_ago: int, value: float | None, status: str = "submitted") -> Administration:
        return Administration.objects.create(
            slot=f"date:{days_ago}",
            episode=cast.episode_a,
            instrument_code="bars",
            instrument_version="1.0",
            rater="clinician",
            due_at=now - timedelta(days=days_ago),
            status=status,
            scores=None if value is None else {"scales": {"adherence_estimate": {"value": value}}},
            submitted_at=now - timedelta(days=days_ago),
        )

    assert adherence.latest_self_report(web(cast, "clin_a"), cast.patient_a) is None
    bars(30, 90.0)
    latest = bars(3, 65.0)
    bars(1, None)  # not scorable: skipped
    bars(0, 100.0, status="draft")  # not submitted: skipped
    overview = adherence.patient_adherence(web(cast, "sup_a"), cast.patient_a)
    assert overview.self_report is not None
    assert (overview.self_report.administration_id, overview.self_report.value) == (latest.pk, 65.0)
    assert overview.self_report.below_threshold  # 65 < 70, the BARS non-adherence flag
    assert adherence.latest_self_report(web(cast, "clin_b"), cast.patient_a) is None
    client = Client()
    client.force_login(cast.users["clin_a"])
    html = client.get(reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk}))
    assert "Self-reported (BARS): <strong>65 %</strong>" in html.content.decode()


# ------------------------------------------------------------------ dose confirmations


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone()
    )


@pytest.mark.django_db
def test_portal_confirmation_is_idempotent(cast: Cast) -> None:
    regimen = make_regimen(cast)
    day = date(2026, 3, 10)
    now = local(day, 8, 10)
    patient = web(cast, "patient_a")
    slot = local(day, 8).isoformat()
    first, created = doses.confirm_dose(patient, regimen.pk, slot, now=now)
    again, created_again = doses.confirm_dose(
        patient, regimen.pk, slot, now=now + timedelta(minutes=1)
    )
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert DoseConfirmation.objects.count() == 1
    assert first.taken_at == now and first.scheduled_for == local(day, 8)
    # A changed answer replaces the first one; it does not add a row.
    _row, changed = doses.confirm_dose(patient, regimen.pk, slot, taken=False, now=now)
    assert changed and DoseConfirmation.objects.get().taken_at is None
    assert [r.action for r in audit_rows("dose_confirmation")] == ["create", "read", "update"]
    # Only the dose nearest to now can be answered (here 08:00, not 20:00 or yesterday's).
    with pytest.raises(FormInvalid):
        doses.confirm_dose(patient, regimen.pk, local(day, 20).isoformat(), now=now)
    with pytest.raises(FormInvalid):
        doses.confirm_dose(patient, regimen.pk, "not a time", now=now)
    for outsider in ("patient_b", "clin_a", "sup_a", "supporter"):
        with pytest.raises(NotFound):
            doses.confirm_dose(web(cast, outsider), regimen.pk, slot, now=now)


@pytest.mark.django_db
def test_portal_double_submit_through_the_page(cast: Cast) -> None:
    regimen = make_regimen(cast, started_on=timezone.localdate() - timedelta(days=5))
    slot = doses.answerable_slot(regimen, timezone.now())
    assert slot is not None
    client = Client()
    client.force_login(cast.users["patient_a"])
    portal = client.get(reverse("clinic:portal")).content.decode()
    assert "My medicines" in portal and f'value="{slot.isoformat()}"' in portal
    form = {"regimen": regimen.pk, "scheduled_for": slot.isoformat(), "taken": "yes"}
    url = reverse("medications:confirm_dose")
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert DoseConfirmation.objects.filter(regimen=regimen).count() == 1
    other = Client()
    other.force_login(cast.users["patient_b"])
    assert other.post(url, form).status_code == 404


@pytest.mark.django_db
def test_taking_and_timing_adherence_hand_computed_from_a_monitor_export(cast: Cast) -> None:
    regimen = make_regimen(cast, started_on=date(2026, 3, 10))
    now = local(date(2026, 3, 12), 23)
    export = (
        "event,opened\n"
        "open,2026-03-10 08:05\n"  # on time
        "open,2026-03-10 21:30\n"  # 90 minutes late: taken, not on time
        "open,2026-03-11T08:00:00\n"  # on time; 20:00 on 11 March missed
        "open,2026-03-12 07:30\n"  # 30 minutes early: on time
        "open,2026-03-12 20:59\n"  # on time
    )
    clinician = web(cast, "clin_a")
    batch = doses.upload_monitor_csv(
        clinician,
        regimen.pk,
        content=export.encode(),
        file_name="monitor.csv",
        column="opened",
        timestamp_format="iso",
        now=now,
    )
    assert batch.row_count == 5 and batch.kind == "dose_monitor"
    # An overlapping export adds only the new time.
    again = doses.upload_monitor_csv(
        clinician,
        regimen.pk,
        content=(export + "open,2026-03-12 22:00\n").encode(),
        file_name="monitor2.csv",
        column="opened",
        timestamp_format="iso",
        now=now,
    )
    assert again.row_count == 1
    DoseConfirmation.objects.filter(upload=again).delete()
    timing = adherence.dose_timing_for(regimen, today=date(2026, 3, 12), now=now)
    result = timing.result
    assert result is not None
    # 3 days x 2 doses = 6 scheduled; 5 taken; 4 inside +-60 minutes.
    # taking = 5/6 = 0.8333..., timing = 4/6 = 0.6666...
    assert (result.doses_prescribed, result.doses_taken, result.doses_on_time) == (6, 5, 4)
    assert result.taking_adherence == pytest.approx(5 / 6, rel=1e-12)
    assert result.timing_adherence == pytest.approx(4 / 6, rel=1e-12)


@pytest.mark.django_db
def test_monitor_export_problems_name_row_and_column(cast: Cast) -> None:
    regimen = make_regimen(cast)
    now = local(date(2026, 3, 12), 23)
    export = "opened\n2026-03-10 08:05\n\n10/03/2026 08:00\n2026-03-13 08:00\n"
    with pytest.raises(FormInvalid) as raised:
        doses.upload_monitor_csv(
            web(cast, "clin_a"),
            regimen.pk,
            content=export.encode(),
            file_name="m.csv",
            column="opened",
            timestamp_format="iso",
            now=now,
        )
    zone_offset = local(date(2026, 3, 13), 8).isoformat()
    assert raised.value.errors == {
        "file": [
            'Row 2, column "opened": "10/03/2026 08:00" is not a time in the format '
            "ISO 8601 (2026-03-01T08:05:00, 2026-03-01 08:05, with or without zone).",
            f'Row 3, column "opened": {zone_offset} is in the future.',
        ]
    }
    assert not DoseConfirmation.objects.exists()
    with pytest.raises(FormInvalid) as raised:
        doses.upload_monitor_csv(
            web(cast, "clin_a"),
            regimen.pk,
            content=export.encode(),
            file_name="m.csv",
            column="time",
            timestamp_format="iso",
            now=now,
        )
    assert raised.value.errors == {
        "column": ['Column "time" is not in the file; its columns are: opened.']
    }
    with pytest.raises(NotFound):
        doses.upload_monitor_csv(
            web(cast, "clin_b"),
            regimen.pk,
            content=export.encode(),
            file_name="m.csv",
            column="opened",
            timestamp_format="iso",
            now=now,
        )


@pytest.mark.django_db
def test_regimen_form_validates_dose_times_and_flags_antiretrovirals(cast: Cast) -> None:
    data = {
        "medication_name": "Biktarvy",
        "atc_code": "j05ar20",
        "medication_class": "HIV antiretroviral",
        "daily_dose": "1",
        "unit": "tablet",
        "dose_times": "20:00, 08:00",
        "window_minutes": "60",
        "started_on": "2026-01-01",
    }
    regimen = services.create_regimen(web(cast, "clin_a"), cast.episode_a.pk, data)
    assert (regimen.dose_times, regimen.atc_code, regimen.antiretroviral) == (
        ["08:00", "20:00"],
        "J05AR20",
        True,
    )
    with pytest.raises(FormInvalid) as raised:
        services.create_regimen(
            web(cast, "clin_a"),
            cast.episode_a.pk,
            {**data, "dose_times": "08:00, 8pm", "ended_on": "2025-12-01"},
        )
    assert raised.value.errors == {
        "dose_times": ["“8pm” is not a time like 08:00."],
        "ended_on": ["The regimen cannot end before it starts."],
    }
    with pytest.raises(NotAllowed):
        services.create_regimen(web(cast, "sup_a"), cast.episode_a.pk, data)
    with pytest.raises(NotFound):
        services.create_regimen(web(cast, "clin_b"), cast.episode_a.pk, data)


# ------------------------------------------------------------------ demo


@pytest.mark.django_db
def test_demo_refill_histories() -> None:
    from concord.web.clinic.models import Patient
    from concord.web.demo.build import build_demo_clinic

    today = date(2026, 11, 21)
    build_demo_clinic(today, check_mode=False)
    events = DispensingEvent.objects.all()
    assert events.count() > 500
    assert events.filter(dispensed_on__gt=today).count() == 0
    with_events = Patient.objects.filter(dispensing_events__isnull=False).distinct().count()
    assert with_events >= 30
    # Switches: a patient with an ended regimen and another class started after it.
    ended = MedicationRegimen.objects.filter(ended_on__isnull=False)
    assert ended.exists()
    switch = ended.first()
    assert switch is not None
    assert MedicationRegimen.objects.filter(
        episode=switch.episode, ended_on__isnull=True, started_on__gt=switch.ended_on
    ).exists()
    # Discontinuers: an open regimen whose last fill ran out more than 60 days ago.
    last_fill: dict[int, date] = {}
    for patient_id, day in events.values_list("patient_id", "dispensed_on"):
        last_fill[patient_id] = max(day, last_fill.get(patient_id, day))
    assert sum(1 for d in last_fill.values() if (today - d).days > 60) >= 2
    # Early refillers: a refill dated more than 3 days before the previous supply ran out.
    early = Counter(
        e.patient_id
        for e, nxt in zip(
            events.order_by("patient_id", "dispensed_on"),
            events.order_by("patient_id", "dispensed_on")[1:],
            strict=False,
        )
        if e.patient_id == nxt.patient_id
        and e.medication_class == nxt.medication_class
        and (nxt.dispensed_on - e.dispensed_on).days < float(e.days_supply) - 3
    )
    assert len(early) >= 2
    # Five weeks of portal answers for patient1, none for today or later.
    patient1 = Patient.objects.get(account__username="patient1")
    answers = DoseConfirmation.objects.filter(regimen__episode__patient=patient1)
    assert 25 < answers.count() <= 35
    assert answers.filter(taken_at__isnull=True).exists()
    assert not answers.filter(scheduled_for__gte=local(today, 0)).exists()


def demo_medications_snapshot() -> list[tuple[object, ...]]:
    return list(
        DispensingEvent.objects.order_by(
            "patient__family_name", "patient__given_name", "dispensed_on", "medication_class"
        ).values_list(
            "patient__given_name",
            "patient__family_name",
            "dispensed_on",
            "days_supply",
            "medication_class",
            "medication_name",
        )
    ) + list(
        DoseConfirmation.objects.order_by("scheduled_for").values_list("scheduled_for", "taken_at")
    )


@pytest.mark.django_db
def test_demo_refill_histories_are_deterministic() -> None:
    from concord.web.accounts.models import User
    from concord.web.clinic.models import (
        CareEpisode,
        CareSession,
        CareTeam,
        Clinic,
        Organisation,
        Patient,
    )
    from concord.web.demo.build import build_demo_clinic

    build_demo_clinic(date(2026, 11, 21), check_mode=False)
    first = demo_medications_snapshot()
    for model in (
        DoseConfirmation,
        DispensingEvent,
        DispensingUpload,
        MedicationRegimen,
        CareSession,
        CareEpisode,
        Patient,
        CareTeam,
        Clinic,
        Organisation,
        User,
    ):
        model.objects.all().delete()  # type: ignore[attr-defined]
    build_demo_clinic(date(2026, 11, 21), check_mode=False)
    assert demo_medications_snapshot() == first and len(first) > 500
