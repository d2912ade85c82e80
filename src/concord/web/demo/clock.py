"""The demo clinic's "now": the real clock when the clinic is built for today, else noon of
the chosen day, so that a clinic built for a fixed date (as the tests do) is the same clinic
whatever day the build runs."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def demo_now(today: date) -> datetime:
    if today == timezone.localdate():
        return timezone.now()
    return datetime.combine(today, time(12, 0), tzinfo=timezone.get_current_timezone())
