"""Dose confirmations: the patient answers scheduled doses in the portal; clinicians upload
electronic-monitor exports. Same rules as :mod:`concord.web.medications.services`: access
through :mod:`concord.web.clinic.access`, everything checked before writing, rows and audit
trail in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role
from concord.web.alerts.services import signal_changed
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import Patient
from concord.web.clinic.services import FormInvalid
from concord.web.medications import rows
from concord.web.medications.models import (
    ConfirmationSource,
    DispensingUpload,
    DoseConfirmation,
    MedicationRegimen,
    UploadKind,
)
from concord.web.medications.services import STAFF, read_upload_header


def upload_monitor_csv(
    actor: Actor,
    regimen_id: object,
    *,
    content: bytes,
    file_name: str,
    column: str,
    timestamp_format: str,
    now: datetime | None = None,
) -> DispensingUpload:
    """Import an electronic-monitor export (one opening time per row) for one regimen.

    Checked like a dispensing upload; times already recorded for the regimen (overlapping
    exports) are skipped, not doubled.
    """
    if actor.user.role not in STAFF:
        raise NotFound
    regimen = access.get_or_not_found(
        MedicationRegimen.objects.filter(
            episode__in=access.episodes_for(actor.user)
        ).select_related("episode"),
        regimen_id,
    )
    require_writer(actor.user, "medications")
    now = now or timezone.now()
    table = read_upload_header(content)
    errors = rows.check_mapping(table.header, {"column": column.strip()}, ("column",))
    if timestamp_format not in rows.TIMESTAMP_FORMATS:
        errors["timestamp_format"] = [_("Choose one of the time formats offered.")]
    if errors:
        raise FormInvalid(errors)
    problems = rows.ragged_rows(table)
    parsed, row_problems = rows.parse_timestamps(
        table.records(),
        column=column.strip(),
        timestamp_format=timestamp_format,
        zone=timezone.get_current_timezone(),
        now=now,
    )
    problems += row_problems
    if problems:
        raise FormInvalid({"file": problems})
    patient_id = regimen.episode.patient_id
    with transaction.atomic():
        known = set(
            DoseConfirmation.objects.filter(
                regimen=regimen, source=ConfirmationSource.MONITOR
            ).values_list("taken_at", flat=True)
        )
        fresh: dict[datetime, int] = {}
        for _row, moment in parsed:
            if moment not in known:
                fresh.setdefault(moment, _row)
        upload = DispensingUpload.objects.create(
            patient_id=patient_id,
            kind=UploadKind.DOSE_MONITOR,
            uploaded_by=actor.user,
            file_name=file_name[:255],
            file_sha256=table.sha256,
            column_mapping={"taken_at": column.strip(), "regimen": regimen.pk},
            date_format=timestamp_format,
            row_count=len(fresh),
        )
        DoseConfirmation.objects.bulk_create(
            DoseConfirmation(
                regimen=regimen,
                taken_at=moment,
                source=ConfirmationSource.MONITOR,
                upload=upload,
            )
            for moment in fresh
        )
        audit(
            actor,
            Action.IMPORT,
            "dose_monitor_upload",
            upload.pk,
            [patient_id],
            {
                "regimen_id": regimen.pk,
                "rows": len(parsed),
                "added": len(fresh),
                "already_recorded": len(parsed) - len(fresh),
            },
        )
        signal_changed(patient_id)
    return upload


@dataclass(frozen=True)
class DoseSlot:
    """One scheduled dose of a regimen and the patient's answer, if any."""

    regimen: MedicationRegimen
    scheduled_for: datetime
    answer: DoseConfirmation | None
    can_answer: bool

    @property
    def key(self) -> str:
        return self.scheduled_for.isoformat()


@dataclass(frozen=True)
class PortalMedicine:
    regimen: MedicationRegimen
    today: list[DoseSlot]


def _slots_around(regimen: MedicationRegimen, now: datetime) -> list[datetime]:
    zone = timezone.get_current_timezone()
    day = timezone.localtime(now).date()
    return [
        datetime.combine(day + timedelta(days=offset), clock, tzinfo=zone)
        for offset in (-1, 0, 1)
        for clock in regimen.scheduled_times()
    ]


def answerable_slot(regimen: MedicationRegimen, now: datetime) -> datetime | None:
    """The scheduled dose a confirmation made ``now`` answers: the nearest one.

    The dose-timing engine attributes every confirmation to the *nearest* scheduled dose (a
    tie goes to the earlier one), so the portal offers exactly that dose — what the patient
    clicks is what the engine counts. Doses outside the regimen's dates are not offered.
    """
    slots = _slots_around(regimen, now)
    if not slots:
        return None
    nearest = min(slots, key=lambda s: (abs(s - now), s))
    local_day = timezone.localtime(nearest).date()
    return nearest if regimen.is_active_on(local_day) else None


def _own_regimens(actor: Actor) -> tuple[Patient, list[MedicationRegimen]]:
    if actor.user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(actor.user).first()
    if patient is None:
        raise NotFound
    regimens = list(
        MedicationRegimen.objects.filter(episode__in=access.episodes_for(actor.user))
        .exclude(dose_times=[])
        .select_related("episode")
    )
    return patient, regimens


def portal_medicines(actor: Actor, now: datetime | None = None) -> list[PortalMedicine]:
    """The patient's current regimens with today's doses and the one they can answer now."""
    now = now or timezone.now()
    patient, regimens = _own_regimens(actor)
    today = timezone.localtime(now).date()
    current = [r for r in regimens if r.is_active_on(today)]
    answers = {
        (c.regimen_id, c.scheduled_for): c
        for c in DoseConfirmation.objects.filter(
            regimen__in=current,
            source=ConfirmationSource.PORTAL,
            scheduled_for__gte=now - timedelta(days=2),
        )
    }
    medicines = []
    for regimen in current:
        due = answerable_slot(regimen, now)
        zone = timezone.get_current_timezone()
        slots = [datetime.combine(today, t, tzinfo=zone) for t in regimen.scheduled_times()]
        if due is not None and due not in slots:
            slots = sorted([*slots, due])
        medicines.append(
            PortalMedicine(
                regimen,
                [DoseSlot(regimen, s, answers.get((regimen.pk, s)), s == due) for s in slots],
            )
        )
    audit(
        actor,
        Action.READ,
        "medication_regimen",
        "",
        [patient.pk],
        {"regimen_ids": [r.pk for r in current]},
    )
    return medicines


def confirm_dose(
    actor: Actor,
    regimen_id: object,
    scheduled_for: str,
    *,
    taken: bool = True,
    now: datetime | None = None,
) -> tuple[DoseConfirmation, bool]:
    """The patient answers one scheduled dose: taken (now) or not taken.

    Idempotent: the same answer again changes nothing and returns ``(row, False)``; a
    different answer replaces the first. Only the dose nearest to ``now`` can be answered
    (see :func:`answerable_slot`).
    """
    now = now or timezone.now()
    patient, regimens = _own_regimens(actor)
    regimen = next((r for r in regimens if str(r.pk) == str(regimen_id)), None)
    if regimen is None:
        raise NotFound
    try:
        slot = datetime.fromisoformat(scheduled_for)
    except (TypeError, ValueError):
        raise FormInvalid({"scheduled_for": [_("Not a scheduled dose.")]}) from None
    due = answerable_slot(regimen, now)
    if due is None or slot.utcoffset() is None or slot != due:
        raise FormInvalid(
            {
                "scheduled_for": [
                    _(
                        "This dose cannot be answered now: only the dose nearest to the "
                        "present time can be."
                    )
                ]
            }
        )
    taken_at = now if taken else None
    with transaction.atomic():
        existing = (
            DoseConfirmation.objects.select_for_update()
            .filter(regimen=regimen, scheduled_for=due, source=ConfirmationSource.PORTAL)
            .first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    row = DoseConfirmation.objects.create(
                        regimen=regimen,
                        scheduled_for=due,
                        taken_at=taken_at,
                        source=ConfirmationSource.PORTAL,
                    )
            except IntegrityError:  # a simultaneous double submit won the race
                existing = DoseConfirmation.objects.get(
                    regimen=regimen, scheduled_for=due, source=ConfirmationSource.PORTAL
                )
            else:
                audit(
                    actor,
                    Action.CREATE,
                    "dose_confirmation",
                    row.pk,
                    [patient.pk],
                    {"regimen_id": regimen.pk, "taken": taken},
                )
                signal_changed(patient.pk)
                return row, True
        if (existing.taken_at is not None) == taken:
            audit(
                actor,
                Action.READ,
                "dose_confirmation",
                existing.pk,
                [patient.pk],
                {"regimen_id": regimen.pk, "unchanged": True},
            )
            return existing, False
        existing.taken_at = taken_at
        existing.save(update_fields=["taken_at"])
        audit(
            actor,
            Action.UPDATE,
            "dose_confirmation",
            existing.pk,
            [patient.pk],
            {"regimen_id": regimen.pk, "taken": taken},
        )
        signal_changed(patient.pk)
        return existing, True


def confirmations_for_timing(regimen: MedicationRegimen, since: datetime) -> list[datetime]:
    """Times the regimen's doses were reported taken (portal and monitor) since ``since``."""
    times = DoseConfirmation.objects.filter(
        regimen=regimen, taken_at__isnull=False, taken_at__gte=since
    ).order_by("taken_at")
    return [t for t in times.values_list("taken_at", flat=True) if t is not None]
