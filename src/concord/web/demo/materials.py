"""Synthetic education materials for the demo clinic, given to patients, some of them read.

Deterministic: everything is relative to ``today`` (times from
:func:`concord.web.demo.clock.demo_now`). The library (text in
:mod:`concord.web.demo.material_texts`) has six materials over three clinics, three of them
in English and Spanish; the sertraline leaflet was revised once. ``patient1`` (Spanish
speaking, on sertraline) has two: the sertraline leaflet, read in Spanish before the text was
revised (so it shows as updated), and the SSRI side-effects sheet, not opened yet. Others have
material read or unread, one in English because there is no version in their language.
``patient1`` and a few others also have after-visit summaries of their recent visits
(:mod:`concord.web.demo.visit_summaries`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from concord.web.accounts.models import User
from concord.web.clinic.models import CareEpisode, Clinic, EpisodeStatus
from concord.web.demo.clock import demo_now
from concord.web.demo.material_texts import MATERIALS, DemoMaterial
from concord.web.demo.visit_summaries import build_demo_visit_summaries
from concord.web.materials.library import write_revision
from concord.web.materials.models import (
    Material,
    MaterialAssignment,
    MaterialRead,
    MaterialRevision,
    MaterialVersion,
)
from concord.web.medications.models import MedicationRegimen

WRITTEN_DAYS_AGO = 120
REVISED_DAYS_AGO = 30


def _create(spec: DemoMaterial, clinic: Clinic, users: dict[str, User], now: datetime) -> Material:
    author = users[spec.author]
    written = now - timedelta(days=WRITTEN_DAYS_AGO)
    material = Material.objects.create(
        clinic=clinic,
        topic=spec.topic,
        medication_names=spec.medication_names,
        atc_codes=spec.atc_codes,
        conditions=spec.conditions,
        created_at=written,
        created_by=author,
    )
    for offset, (language, text) in enumerate(spec.texts.items()):
        at = written + timedelta(days=offset * 7)  # translations follow a week later
        version = MaterialVersion.objects.create(
            material=material, language=language, created_at=at, created_by=author
        )
        write_revision(version, 1, title=text.title, body=text.body, by=author, at=at)
        if language in spec.revised:
            title, body, note = spec.revised[language]
            write_revision(
                version,
                2,
                title=title,
                body=body,
                change_note=note,
                by=author,
                at=now - timedelta(days=REVISED_DAYS_AGO),
            )
    return material


def _assign(
    material: Material,
    episode: CareEpisode,
    at: datetime,
    note: str = "",
    reads: tuple[tuple[str, int, int, int], ...] = (),
) -> MaterialAssignment:
    """``reads``: (language, revision number, days after assigning, times opened)."""
    assignment = MaterialAssignment.objects.create(
        material=material,
        patient=episode.patient,
        episode=episode,
        note=note,
        assigned_at=at,
        assigned_by=episode.lead_clinician,
    )
    for language, number, days_after, times in reads:
        revision = MaterialRevision.objects.get(
            version__material=material, version__language=language, number=number
        )
        first = at + timedelta(days=days_after, hours=3)
        MaterialRead.objects.create(
            assignment=assignment,
            revision=revision,
            first_opened_at=first,
            last_opened_at=first + timedelta(days=times - 1, minutes=20),
            times_opened=times,
        )
    return assignment


def _active_episode(**filters: object) -> CareEpisode | None:
    return (
        CareEpisode.objects.filter(status=EpisodeStatus.ACTIVE, **filters)
        .select_related("patient", "lead_clinician")
        .order_by("patient_id", "pk")
        .first()
    )


def _taking(atc_prefix: str) -> list[int]:
    return list(
        MedicationRegimen.objects.filter(
            atc_code__startswith=atc_prefix, ended_on__isnull=True
        ).values_list("episode_id", flat=True)
    )


def build_demo_materials(today: date, users: dict[str, User], seed: int) -> None:
    """Add the demo clinic's education materials, assignments and read receipts."""
    now = demo_now(today)
    materials: dict[str, Material] = {}
    for spec in MATERIALS:
        clinic = Clinic.objects.filter(name=spec.clinic).first()
        if clinic is not None:
            materials[spec.key] = _create(spec, clinic, users, now)

    days = timedelta(days=1)
    first = _active_episode(patient__account=users.get("patient1"))
    if first is not None:
        _assign(
            materials["sertraline"],
            first,
            now - 40 * days,
            note="Please read this before our next appointment.",
            # Read three times in Spanish; the text was revised since, and the new revision
            # has not been opened: the portal marks it "updated".
            reads=(("es", 1, 1, 3),),
        )
        _assign(materials["ssri_side_effects"], first, now - 2 * days)

    depression = _active_episode(
        reason="Depression", pk__in=_taking("N06AB"), team__name="Mood and anxiety team"
    )
    if depression is not None:
        _assign(
            materials["ssri_side_effects"], depression, now - 60 * days, reads=(("en", 1, 2, 2),)
        )
        _assign(materials["stopping"], depression, now - 6 * days)

    # Someone whose language has no version: shown in English, with a note.
    other_language = (
        CareEpisode.objects.filter(
            status=EpisodeStatus.ACTIVE, pk__in=_taking("N06AB"), team__name="Mood and anxiety team"
        )
        .exclude(patient__preferred_language__in=["en", "es"])
        .select_related("patient", "lead_clinician")
        .order_by("patient_id")
        .first()
    )
    if other_language is not None:
        _assign(
            materials["ssri_side_effects"],
            other_language,
            now - 20 * days,
            reads=(("en", 1, 3, 1),),
        )

    back = _active_episode(patient__account=users.get("patient2"))
    if back is not None:
        _assign(
            materials["home_exercises"],
            back,
            now - 35 * days,
            note="Your plan: the three exercises we practised, twice a day.",
            reads=(("en", 1, 0, 5),),
        )
        _assign(materials["back_pain"], back, now - 35 * days, reads=(("en", 1, 1, 1),))

    diabetes = _active_episode(patient__account=users.get("patient3"), pk__in=_taking("A10BA"))
    if diabetes is not None:
        _assign(materials["metformin"], diabetes, now - 15 * days)

    # After-visit summaries of recent visits (patient1 and a few others).
    build_demo_visit_summaries(today, users)
