"""Medication services: the only code that reads and writes regimens and dispensing events
for people (dose confirmations: :mod:`concord.web.medications.doses`; adherence for the
patient page: :mod:`concord.web.medications.adherence`).

As in :mod:`concord.web.clinic.services`, every function takes an
:class:`~concord.web.audit.service.Actor`, finds records through
:mod:`concord.web.clinic.access` (outsiders get :class:`NotFound`, answered with 404),
checks the whole input before writing, and writes the rows and the audit trail in one
transaction. Clinicians of the patient's team write; supervisors read; a patient answers
only their own scheduled doses in the portal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
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
from concord.web.medications.forms import RegimenForm
from concord.web.medications.models import (
    DispensingEvent,
    DispensingSource,
    DispensingUpload,
    MedicationRegimen,
    UploadKind,
)

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


# ------------------------------------------------------------------ access


def patient_for_staff(actor: Actor, patient_id: object) -> Patient:
    """The patient if the person is clinical staff who may see them, else NotFound."""
    if actor.user.role not in STAFF:
        raise NotFound
    return access.get_or_not_found(access.patients_for(actor.user), patient_id)


def get_regimen(actor: Actor, regimen_id: object) -> MedicationRegimen:
    """A regimen for clinical staff of the patient's team (read), else NotFound."""
    if actor.user.role not in STAFF:
        raise NotFound
    regimen = access.get_or_not_found(
        MedicationRegimen.objects.filter(
            episode__in=access.episodes_for(actor.user)
        ).select_related("episode__patient"),
        regimen_id,
    )
    audit(actor, Action.READ, "medication_regimen", regimen.pk, [regimen.episode.patient_id])
    return regimen


def regimens_of(actor: Actor, patient: Patient) -> list[MedicationRegimen]:
    regimens = list(
        MedicationRegimen.objects.filter(
            episode__in=access.episodes_for(actor.user), episode__patient=patient
        ).select_related("episode")
    )
    audit(
        actor,
        Action.LIST,
        "medication_regimen",
        "",
        [patient.pk],
        {"regimen_ids": [r.pk for r in regimens]},
    )
    return regimens


# ------------------------------------------------------------------ regimens


def create_regimen(
    actor: Actor, episode_id: object, data: Mapping[str, object]
) -> MedicationRegimen:
    if actor.user.role not in STAFF:
        raise NotFound
    episode = access.get_or_not_found(access.episodes_for(actor.user), episode_id)
    require_writer(actor.user, "medications")
    form = RegimenForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        regimen = form.save(commit=False)
        regimen.episode = episode
        regimen.created_by = actor.user
        regimen.save()
        audit(
            actor,
            Action.CREATE,
            "medication_regimen",
            regimen.pk,
            [episode.patient_id],
            {"medication": regimen.medication_name, "class": regimen.medication_class},
        )
    return regimen


def update_regimen(
    actor: Actor, regimen_id: object, data: Mapping[str, object]
) -> MedicationRegimen:
    if actor.user.role not in STAFF:
        raise NotFound
    regimen = access.get_or_not_found(
        MedicationRegimen.objects.filter(episode__in=access.episodes_for(actor.user)),
        regimen_id,
    )
    require_writer(actor.user, "medications")
    form = RegimenForm(data, instance=regimen)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        regimen = form.save()
        audit(
            actor,
            Action.UPDATE,
            "medication_regimen",
            regimen.pk,
            [regimen.episode.patient_id],
            {"changed": sorted(form.changed_data)},
        )
    return regimen


# ------------------------------------------------------------------ dispensing events


def dispensing_events_of(actor: Actor, patient_id: object) -> list[DispensingEvent]:
    patient = patient_for_staff(actor, patient_id)
    events = list(DispensingEvent.objects.filter(patient=patient).order_by("dispensed_on", "pk"))
    audit(actor, Action.LIST, "dispensing_event", "", [patient.pk], {"rows": len(events)})
    return events


def read_upload_header(content: bytes) -> rows.CsvTable:
    """The file's columns for the mapping step (nothing is stored)."""
    try:
        return rows.read_csv(content)
    except rows.FileProblem as problem:
        raise FormInvalid({"file": [str(problem)]}) from None


def upload_dispensing_csv(
    actor: Actor,
    patient_id: object,
    *,
    content: bytes,
    file_name: str,
    mapping: Mapping[str, str],
    date_format: str,
    today: date | None = None,
) -> DispensingUpload:
    """Import a pharmacy CSV: all rows or none, every bad row named with its column.

    ``mapping`` maps ``date``, ``days_supply``, ``medication_class`` (required) and
    ``daily_dose``, ``medication_name`` (optional) to the file's column names.
    """
    patient = patient_for_staff(actor, patient_id)
    require_writer(actor.user, "medications")
    today = today or timezone.localdate()
    table = read_upload_header(content)
    mapping = {f: (mapping.get(f) or "").strip() for f in rows.DISPENSING_FIELDS}
    errors = rows.check_mapping(table.header, mapping, rows.REQUIRED_DISPENSING_FIELDS)
    if date_format not in rows.DATE_FORMATS:
        errors["date_format"] = [_("Choose one of the date formats offered.")]
    if errors:
        raise FormInvalid(errors)
    problems = rows.ragged_rows(table)
    parsed, row_problems = rows.parse_dispensing_rows(
        table.records(), columns=mapping, date_format=date_format, today=today
    )
    problems += row_problems
    if problems:
        raise FormInvalid({"file": problems})
    previous = DispensingUpload.objects.filter(
        patient=patient, kind=UploadKind.DISPENSING, file_sha256=table.sha256
    ).first()
    if previous is not None:
        when = timezone.localtime(previous.uploaded_at)
        raise FormInvalid(
            {
                "file": [
                    _("This file was already uploaded on %(when)s; nothing added.")
                    % {"when": f"{when:%Y-%m-%d %H:%M}"}
                ]
            }
        )
    with transaction.atomic():
        upload = DispensingUpload.objects.create(
            patient=patient,
            kind=UploadKind.DISPENSING,
            uploaded_by=actor.user,
            file_name=file_name[:255],
            file_sha256=table.sha256,
            column_mapping={f: c for f, c in mapping.items() if c},
            date_format=date_format,
            row_count=len(parsed),
        )
        DispensingEvent.objects.bulk_create(
            _event(patient, r, DispensingSource.UPLOAD, actor, upload) for r in parsed
        )
        audit(
            actor,
            Action.IMPORT,
            "dispensing_upload",
            upload.pk,
            [patient.pk],
            {"file_name": upload.file_name, "rows": len(parsed), "mapping": upload.column_mapping},
        )
        signal_changed(patient.pk)
    return upload


def add_dispensing_events(
    actor: Actor,
    patient_id: object,
    events: Sequence[Mapping[str, object]],
    *,
    date_format: str = "%Y-%m-%d",
    source: str = DispensingSource.MANUAL,
    today: date | None = None,
) -> list[DispensingEvent]:
    """Record events given as field → value records (the JSON API), checked like a CSV."""
    patient = patient_for_staff(actor, patient_id)
    require_writer(actor.user, "medications")
    if source not in (DispensingSource.MANUAL, DispensingSource.FHIR):
        raise FormInvalid({"source": [_("Use 'manual' or 'fhir'.")]})
    if not events:
        raise FormInvalid({"events": [_("Give at least one event.")]})
    if len(events) > rows.MAX_ROWS:
        raise FormInvalid({"events": [_("At most %(n)s events at a time.") % {"n": rows.MAX_ROWS}]})
    parsed, problems = rows.parse_dispensing_rows(
        events,
        columns={f: f for f in rows.DISPENSING_FIELDS},
        date_format=date_format,
        today=today or timezone.localdate(),
    )
    if problems:
        raise FormInvalid({"events": problems})
    with transaction.atomic():
        created = DispensingEvent.objects.bulk_create(
            _event(patient, r, source, actor, None) for r in parsed
        )
        audit(
            actor,
            Action.CREATE,
            "dispensing_event",
            "",
            [patient.pk],
            {"rows": len(created), "source": source},
        )
        signal_changed(patient.pk)
    return created


def _event(
    patient: Patient,
    row: rows.DispensingRow,
    source: str,
    actor: Actor,
    upload: DispensingUpload | None,
) -> DispensingEvent:
    return DispensingEvent(
        patient=patient,
        dispensed_on=row.dispensed_on,
        days_supply=row.days_supply,
        daily_dose=row.daily_dose,
        medication_class=row.medication_class,
        medication_name=row.medication_name,
        source=source,
        upload=upload,
        upload_row=row.row if upload is not None else None,
        recorded_by=actor.user,
    )


def uploads_of(actor: Actor, patient: Patient) -> list[DispensingUpload]:
    patient_for_staff(actor, patient.pk)
    return list(DispensingUpload.objects.filter(patient=patient).select_related("uploaded_by"))
