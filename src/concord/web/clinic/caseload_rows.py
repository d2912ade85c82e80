"""The caseload table body, rendered in Python.

A caseload can hold hundreds of episodes; rendering its rows through the template
language cost about 140 ms of CPU for 500 rows (docs/benchmarks/web.md). Building them with
``format_html`` gives the same escaped HTML in a fraction of that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import get_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from concord.web.alerts.models import Priority
from concord.web.clinic.models import EpisodeStatus
from concord.web.clinic.services import CaseloadRow


def _month_names() -> dict[int, str]:
    """Month abbreviations as the page's short dates write them: "Mar" in English ("M"),
    "mar" in Spanish ("b"); see concord/web/formats. Dates here are built by hand because
    Django's date formatting costs about 50 µs a call, too much for hundreds of rows."""
    small = "b" in str(get_format("SHORT_DATE_FORMAT"))
    return {month: str(name) if small else str(name).title() for month, name in MONTHS_3.items()}


def _day(moment: datetime, months: dict[int, str]) -> str:
    """The same text as the short date format ("5 Mar 2026")."""
    local = timezone.localtime(moment)
    return f"{local.day} {months[local.month]} {local.year}"


def _day_time(moment: datetime, months: dict[int, str]) -> str:
    """The same text as the short date-and-time format ("5 Mar 2026, 14:30")."""
    local = timezone.localtime(moment)
    return f"{local.day} {months[local.month]} {local.year}, {local:%H:%M}"


def caseload_rows_html(rows: Sequence[CaseloadRow]) -> SafeString:
    """The ``<tr>`` elements of the caseload table, escaped."""
    if not rows:
        return format_html(
            '<tr><td colspan="7">{}</td></tr>', gettext("No patients in this caseload.")
        )
    months = _month_names()
    labels = {
        "patient": gettext("Patient"),
        "episode": gettext("Episode"),
        "last": gettext("Last session"),
        "next": gettext("Next session"),
        "attendance": gettext("Attendance"),
        "team": gettext("Team"),
        "alerts": gettext("Alerts"),
    }
    priority_labels = {code: str(label) for code, label in Priority.choices}
    no_alert = format_html('<span class="badge none">{}</span>', "—")
    none_booked = format_html('<span class="warn">{}</span>', gettext("none booked"))
    status_labels = {value: str(label) for value, label in EpisodeStatus.choices}
    patient_url = reverse("clinic:patient", kwargs={"patient_id": 0})[:-2]  # ".../patients/"

    def attendance(row: CaseloadRow) -> str:
        if row.attendance_rate is None:
            return "—"
        due = row.attended + row.no_show + row.cancelled_by_patient
        return format_html(
            '<meter min="0" max="1" low="0.7" high="0.85" optimum="1" value="{}"></meter> '
            "{}&nbsp;% <small>({}/{})</small>",
            f"{row.attendance_rate:.3f}",
            round(row.attendance_rate * 100),
            row.attended,
            due,
        )

    def alert(row: CaseloadRow) -> str:
        if row.alert_priority is None:
            return no_alert
        return format_html(
            '<span class="badge priority-{}">{}</span>',
            row.alert_priority,
            priority_labels.get(row.alert_priority, row.alert_priority),
        )

    return format_html_join(
        "\n",
        '<tr><td data-label="{}"><a href="{}{}/">{}</a></td><td data-label="{}">{}</td>'
        '<td data-label="{}">{} <span class="status {}">{}</span></td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td></tr>',
        (
            (
                labels["patient"],
                patient_url,
                row.patient_id,
                row.patient_name,
                labels["alerts"],
                alert(row),
                labels["episode"],
                row.episode_reason,
                row.episode_status,
                status_labels.get(row.episode_status, row.episode_status),
                labels["last"],
                _day(row.last_session, months) if row.last_session else "—",
                labels["next"],
                _day_time(row.next_session, months) if row.next_session else none_booked,
                labels["attendance"],
                attendance(row),
                labels["team"],
                row.team,
            )
            for row in rows
        ),
    )
