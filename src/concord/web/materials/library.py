"""The clinic's library of education material: reading it, writing it, keeping revisions.

Who: clinicians read and write the library of every clinic they work in (a clinic where
they belong to a care team); supervisors read the libraries of their supervisees' clinics
(and do not write, as everywhere in Concord); nobody else sees it (404). A library holds no
patient data, so reading it is not audited; every change is (``material``,
``material_version``, ``material_revision``), in the transaction that makes it.

English text is scored for readability (:mod:`concord.analytics.readability`) when it is
saved and when it is previewed; other languages get no automatic check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.analytics.readability import ReadabilityCheck, assess_readability
from concord.web.accounts.models import Role, User
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import Clinic
from concord.web.clinic.services import FormInvalid
from concord.web.materials.forms import LinksForm, NewLanguageForm, NewMaterialForm, RevisionForm
from concord.web.materials.languages import default_language, language_name
from concord.web.materials.markdown import plain_text, render_markdown
from concord.web.materials.models import Material, MaterialRevision, MaterialVersion

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


@dataclass(frozen=True)
class VersionView:
    """A language version with its revisions, oldest first (the last is current)."""

    version: MaterialVersion
    revisions: list[MaterialRevision]

    @property
    def current(self) -> MaterialRevision:
        return self.revisions[-1]

    @property
    def language_name(self) -> str:
        return language_name(self.version.language)


@dataclass(frozen=True)
class MaterialView:
    material: Material
    versions: list[VersionView]

    @property
    def title(self) -> str:
        """The title in the clinic's default language, else in the first language."""
        return self.main.current.title

    @property
    def main(self) -> VersionView:
        default = default_language()
        return next((v for v in self.versions if v.version.language == default), self.versions[0])

    @property
    def languages(self) -> list[str]:
        return [v.version.language for v in self.versions]

    def version_in(self, language: str) -> VersionView | None:
        return next((v for v in self.versions if v.version.language == language), None)


# ------------------------------------------------------------------ reading


def clinics_for(user: User) -> QuerySet[Clinic]:
    """Clinics whose library the person may read (clinicians: also write)."""
    return Clinic.objects.filter(teams__in=access.teams_for(user)).distinct().order_by("name")


def _visible(user: User) -> QuerySet[Material]:
    return Material.objects.filter(clinic__in=clinics_for(user))


def views_of(materials: QuerySet[Material]) -> list[MaterialView]:
    revisions = MaterialRevision.objects.order_by("number").select_related("authored_by")
    versions = MaterialVersion.objects.order_by("language").prefetch_related(
        Prefetch("revisions", queryset=revisions, to_attr="ordered_revisions")
    )
    rows = materials.select_related("clinic").prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="ordered_versions")
    )
    result = []
    for material in rows:
        version_views = [
            VersionView(v, list(v.ordered_revisions))
            for v in material.ordered_versions  # type: ignore[attr-defined]
            if v.ordered_revisions
        ]
        if version_views:
            result.append(MaterialView(material, version_views))
    return result


def library(actor: Actor) -> list[MaterialView]:
    """Every material of the person's clinics, by clinic and title."""
    if actor.user.role not in STAFF:
        raise NotFound
    views = views_of(_visible(actor.user))
    return sorted(views, key=lambda v: (v.material.clinic.name, v.title.casefold()))


def get_material(actor: Actor, material_id: object) -> MaterialView:
    if actor.user.role not in STAFF:
        raise NotFound
    material = access.get_or_not_found(_visible(actor.user), material_id)
    [view] = views_of(Material.objects.filter(pk=material.pk))
    return view


def get_version(actor: Actor, version_id: object) -> tuple[MaterialView, VersionView]:
    if actor.user.role not in STAFF:
        raise NotFound
    version = access.get_or_not_found(
        MaterialVersion.objects.filter(material__in=_visible(actor.user)), version_id
    )
    view = get_material(actor, version.material_id)
    found = view.version_in(version.language)
    if found is None:
        raise NotFound
    return view, found


def get_revision(actor: Actor, revision_id: object) -> tuple[MaterialView, MaterialRevision]:
    if actor.user.role not in STAFF:
        raise NotFound
    revision = access.get_or_not_found(
        MaterialRevision.objects.filter(version__material__in=_visible(actor.user)).select_related(
            "version"
        ),
        revision_id,
    )
    return get_material(actor, revision.version.material_id), revision


# ------------------------------------------------------------------ readability


def readability(language: str, body_html: str) -> ReadabilityCheck:
    """The check shown to authors: English scored, other languages "no automatic check"."""
    return assess_readability(plain_text(body_html), language)


@dataclass(frozen=True)
class Preview:
    title: str
    html: str
    check: ReadabilityCheck


def preview(language: str, title: str, body: str) -> Preview:
    """What the patient would see, and the readability check, without saving anything."""
    html = render_markdown(body)
    return Preview(title=title, html=html, check=readability(language, html))


# ------------------------------------------------------------------ writing


def _writer_clinics(actor: Actor) -> QuerySet[Clinic]:
    if actor.user.role not in STAFF:
        raise NotFound
    require_writer(actor.user, "education material")
    return clinics_for(actor.user)


def clinic_choices(actor: Actor) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in _writer_clinics(actor)]


def write_revision(
    version: MaterialVersion,
    number: int,
    *,
    title: str,
    body: str,
    by: User,
    at: datetime,
    change_note: str = "",
) -> MaterialRevision:
    """Insert one revision, rendered and scored (the caller has validated and audits)."""
    html = render_markdown(body)
    check = readability(version.language, html)
    result = check.result
    return MaterialRevision.objects.create(
        version=version,
        number=number,
        title=title,
        body=body,
        body_html=html,
        change_note=change_note,
        authored_at=at,
        authored_by=by,
        authored_by_name=str(by),
        reading_ease=result.reading_ease if result else None,
        grade_level=result.grade_level if result else None,
        words=result.counts.words if result else None,
        sentences=result.counts.sentences if result else None,
        syllables=result.counts.syllables if result else None,
    )


def _first_revision(
    version: MaterialVersion, cleaned: Mapping[str, Any], actor: Actor, now: datetime
) -> MaterialRevision:
    return write_revision(
        version, 1, title=cleaned["title"], body=cleaned["body"], by=actor.user, at=now
    )


def create_material(actor: Actor, data: Mapping[str, Any], now: datetime | None = None) -> Material:
    """A new material with its first language version (revision 1)."""
    choices = clinic_choices(actor)
    form = NewMaterialForm(data, clinics=choices)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    cleaned = form.cleaned_data
    with transaction.atomic():
        material = Material.objects.create(
            clinic_id=int(cleaned["clinic"]),
            topic=cleaned["topic"],
            medication_names=cleaned["medication_names"],
            atc_codes=cleaned["atc_codes"],
            conditions=cleaned["conditions"],
            created_at=now,
            created_by=actor.user,
        )
        version = MaterialVersion.objects.create(
            material=material, language=cleaned["language"], created_at=now, created_by=actor.user
        )
        revision = _first_revision(version, cleaned, actor, now)
        audit(
            actor,
            Action.CREATE,
            "material",
            material.pk,
            (),
            {
                "clinic_id": material.clinic_id,
                "language": version.language,
                "revision_id": revision.pk,
                "title": revision.title,
            },
        )
    return material


def revise_version(
    actor: Actor, version_id: object, data: Mapping[str, Any], now: datetime | None = None
) -> MaterialRevision:
    """Save edited text as the next revision; earlier revisions stay as they were."""
    _writer_clinics(actor)
    _view, found = get_version(actor, version_id)
    form = RevisionForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    cleaned = form.cleaned_data
    current = found.current
    if cleaned["based_on"] != current.number:
        raise FormInvalid({"based_on": [stale_message(current)]})
    if (cleaned["title"], cleaned["body"]) == (current.title, current.body):
        raise FormInvalid({"__all__": [_("Nothing was changed, so no new revision was saved.")]})
    now = now or timezone.now()
    with transaction.atomic():
        MaterialVersion.objects.select_for_update().filter(pk=found.version.pk).first()
        latest = found.version.revisions.order_by("-number").values_list("number", flat=True)[0]
        if latest != current.number:
            raise FormInvalid(
                {"based_on": [stale_message(found.version.revisions.get(number=latest))]}
            )
        revision = write_revision(
            found.version,
            latest + 1,
            title=cleaned["title"],
            body=cleaned["body"],
            change_note=cleaned["change_note"].strip(),
            by=actor.user,
            at=now,
        )
        audit(
            actor,
            Action.CREATE,
            "material_revision",
            revision.pk,
            (),
            {
                "material_id": found.version.material_id,
                "language": found.version.language,
                "number": revision.number,
                "title_changed": revision.title != current.title,
            },
        )
    return revision


def stale_message(latest: MaterialRevision) -> str:
    return _(
        "This text was changed (revision %(n)d, by %(who)s) while you were editing. "
        "Open it again to see the latest text before you change it."
    ) % {"n": latest.number, "who": latest.authored_by_name}


def add_language(
    actor: Actor, material_id: object, data: Mapping[str, Any], now: datetime | None = None
) -> MaterialVersion:
    """A version of the material in another of the clinic's languages."""
    _writer_clinics(actor)
    view = get_material(actor, material_id)
    form = NewLanguageForm(data, existing=set(view.languages))
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    cleaned = form.cleaned_data
    with transaction.atomic():
        version = MaterialVersion.objects.create(
            material=view.material,
            language=cleaned["language"],
            created_at=now,
            created_by=actor.user,
        )
        revision = _first_revision(version, cleaned, actor, now)
        audit(
            actor,
            Action.CREATE,
            "material_version",
            version.pk,
            (),
            {
                "material_id": view.material.pk,
                "language": version.language,
                "revision_id": revision.pk,
            },
        )
    return version


LINK_FIELDS = ("topic", "medication_names", "atc_codes", "conditions")


def update_links(actor: Actor, material_id: object, data: Mapping[str, Any]) -> Material:
    """Change what the material is about (topic, medicines, ATC codes, conditions)."""
    _writer_clinics(actor)
    material = get_material(actor, material_id).material
    form = LinksForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    before = {f: getattr(material, f) for f in LINK_FIELDS}
    after = {f: form.cleaned_data[f] for f in LINK_FIELDS}
    if before == after:
        raise FormInvalid({"__all__": [_("Nothing was changed.")]})
    with transaction.atomic():
        for field, value in after.items():
            setattr(material, field, value)
        material.save(update_fields=list(LINK_FIELDS))
        audit(
            actor,
            Action.UPDATE,
            "material",
            material.pk,
            (),
            {
                "changed": sorted(f for f in LINK_FIELDS if before[f] != after[f]),
                "before": {f: before[f] for f in LINK_FIELDS if before[f] != after[f]},
            },
        )
    return material
