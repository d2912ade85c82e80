"""The shared plan: education materials, read receipts and after-visit summaries."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.materials import assignments, library, reading
from concord.web.materials.models import (
    Material,
    MaterialAssignment,
    MaterialRead,
    MaterialRevision,
    MaterialVersion,
    RevisionChangeError,
)

from .access_tables import API_ANON, CLINICIANS_A, STAFF_A, ApiTable, PageTable, statuses
from .conftest import Cast

CLINIC_CLINICIANS = {"clin_a": 200, "colleague_a": 200, "clin_b": 200}  # one clinic, two teams
CLINIC_STAFF = {**CLINIC_CLINICIANS, "sup_a": 200, "sup_b": 200}

SERTRALINE_EN = """# Why you are taking sertraline

Sertraline is a medicine for low mood and worry. It helps your brain balance the
chemicals that affect how you feel.

## What to expect

- Most people start to feel better after 2 to 6 weeks.
- Take it once a day, at the same time.

| When | What to do |
|---|---|
| In the morning | Take one tablet with breakfast, or with water if you do not eat breakfast |

If you feel worse or have thoughts of harming yourself, call us the same day.
"""
SERTRALINE_ES = """# Por qué toma sertralina

La sertralina es un medicamento para el ánimo bajo y la preocupación.
"""


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def material_data(cast: Cast, **overrides: str) -> dict[str, str]:
    data = {
        "clinic": str(cast.team_a.clinic_id),
        "language": "en",
        "title": "Why you are taking sertraline",
        "body": SERTRALINE_EN,
        "topic": "medication",
        "medication_names": "Sertraline",
        "atc_codes": "n06ab06",
        "conditions": "depression, anxiety",
    }
    data.update(overrides)
    return data


def material_a(cast: Cast) -> Material:
    """The clinic's sertraline leaflet, in English and Spanish (created on first use)."""
    existing = Material.objects.filter(clinic=cast.team_a.clinic).order_by("pk").first()
    if existing is not None:
        return existing
    material = library.create_material(web(cast, "clin_a"), material_data(cast))
    library.add_language(
        web(cast, "clin_a"),
        material.pk,
        {"language": "es", "title": "Por qué toma sertralina", "body": SERTRALINE_ES},
    )
    return material


def version_a(cast: Cast, language: str = "en") -> MaterialVersion:
    return MaterialVersion.objects.get(material=material_a(cast), language=language)


def revision_a(cast: Cast) -> MaterialRevision:
    return version_a(cast).revisions.get(number=1)


def assignment_a(cast: Cast) -> MaterialAssignment:
    """The sertraline leaflet given to patient A by clin_a (on first use)."""
    existing = MaterialAssignment.objects.filter(patient=cast.patient_a).first()
    if existing is not None:
        return existing
    [assignment] = assignments.assign(
        web(cast, "clin_a"),
        cast.patient_a.pk,
        {"material": [str(material_a(cast).pk)], "episode": str(cast.episode_a.pk), "note": ""},
    )
    return assignment


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
MATERIALS_PAGES: PageTable = {
    "materials:library": (lambda c: {}, statuses(404, **CLINIC_STAFF)),
    "materials:new": (lambda c: {}, statuses(404, **CLINIC_CLINICIANS)),
    "materials:detail": (
        lambda c: {"material_id": material_a(c).pk},
        statuses(404, **CLINIC_STAFF),
    ),
    "materials:links": (
        lambda c: {"material_id": material_a(c).pk},
        statuses(404, **CLINIC_CLINICIANS),
    ),
    "materials:add_language": (
        lambda c: {"material_id": material_a(c).pk},
        statuses(404, **CLINIC_CLINICIANS),
    ),
    "materials:edit": (
        lambda c: {"version_id": version_a(c).pk},
        statuses(404, **CLINIC_CLINICIANS),
    ),
    "materials:revision": (
        lambda c: {"revision_id": revision_a(c).pk},
        statuses(404, **CLINIC_STAFF),
    ),
    "materials:revision_pdf": (
        lambda c: {"revision_id": revision_a(c).pk},
        statuses(404, **CLINIC_STAFF),
    ),
    "materials:assign": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **CLINICIANS_A),
    ),
    # POST only: clinicians reach the method check (405, whatever the record), everyone else
    # is refused first.
    "materials:withdraw": (
        lambda c: {"assignment_id": assignment_a(c).pk},
        statuses(404, clin_a=405, colleague_a=405, clin_b=405),
    ),
    "materials:portal_list": (lambda c: {}, statuses(404, patient_a=200, patient_b=200)),
    "materials:portal_read": (
        lambda c: {"assignment_id": assignment_a(c).pk},
        statuses(404, patient_a=200),
    ),
    "materials:portal_pdf": (
        lambda c: {"assignment_id": assignment_a(c).pk},
        statuses(404, patient_a=200),
    ),
}
MATERIALS_API: ApiTable = {
    ("GET", "/api/v1/materials"): (None, statuses(404, anonymous=API_ANON, **CLINIC_STAFF)),
    ("GET", "/api/v1/patients/{p}/materials"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
}


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    client.force_login(cast.users[name])
    return client


# ---------------------------------------------------------------- sanitising


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("Hi <script>alert('x')</script> there", "<p>Hi  there</p>"),
        ("<SCRIPT src=//evil.example/x.js>\nalert(1)\n</SCRIPT>\n\nAfter", "<p>After</p>"),
        (
            "[Call us](javascript:alert(1))",
            '<p><a rel="noopener noreferrer nofollow">Call us</a></p>',
        ),
        (
            "[Call us](JaVaScRiPt:alert(1))",
            '<p><a rel="noopener noreferrer nofollow">Call us</a></p>',
        ),
        (
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            '<p><a rel="noopener noreferrer nofollow">x</a></p>',
        ),
        (
            "[sign out](/accounts/logout/)",
            '<p><a rel="noopener noreferrer nofollow">sign out</a></p>',
        ),
        (
            '[NHS](https://www.nhs.uk "NHS website")',
            '<p><a href="https://www.nhs.uk" title="NHS website" '
            'rel="noopener noreferrer nofollow">NHS</a></p>',
        ),
        (
            "[Phone](tel:+441234567890) or [mail](mailto:team@example.org)",
            '<p><a href="tel:+441234567890" rel="noopener noreferrer nofollow">Phone</a> or '
            '<a href="mailto:team@example.org" rel="noopener noreferrer nofollow">mail</a></p>',
        ),
        (
            'Text <b onclick="x()">bold</b> <span style="color:red">red</span>',
            "<p>Text bold red</p>",
        ),
        ('<div class="box">\nA box\n</div>', "<p>\nA box\n</p>"),
        ("<img src=x onerror=alert(1)>Photo", "<p>Photo</p>"),
        ("![A diagram](https://tracker.example/pixel.png) after", "<p> after</p>"),
        ('<iframe src="https://evil.example">inside</iframe>Rest', "<p>Rest</p>"),
        ("<!-- hidden -->Seen", "<p>Seen</p>"),
        ("<style>p{display:none}</style>Shown", "<p>Shown</p>"),
        ("# Title\n\n## Part", "<h2>Title</h2>\n<h3>Part</h3>"),
        ("## Part\n\n#### Sub\n\n### Next", "<h2>Part</h2>\n<h4>Sub</h4>\n<h3>Next</h3>"),
        (
            "*em* **strong**\n\n- one\n- two\n\n1. first",
            "<p><em>em</em> <strong>strong</strong></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
            "<ol>\n<li>first</li>\n</ol>",
        ),
        (
            "| When | What |\n|:--|--:|\n| 8am | 1 tablet |",
            "<table>\n<thead>\n<tr>\n<th>When</th>\n<th>What</th>\n</tr>\n</thead>\n<tbody>\n"
            "<tr>\n<td>8am</td>\n<td>1 tablet</td>\n</tr>\n</tbody>\n</table>",
        ),
        ("5 < 6 & 7 > 2", "<p>5 &lt; 6 &amp; 7 &gt; 2</p>"),
    ],
    ids=[
        "inline-script",
        "script-block",
        "javascript-link",
        "javascript-link-mixed-case",
        "data-link",
        "relative-link",
        "https-link-kept",
        "tel-and-mailto-kept",
        "raw-inline-html",
        "raw-block-html",
        "raw-image",
        "markdown-image",
        "iframe",
        "comment",
        "style",
        "headings-one-level-down",
        "headings-from-h2",
        "emphasis-and-lists",
        "table-without-styles",
        "text-escaped",
    ],
)
def test_markdown_is_rendered_and_sanitised(markdown: str, html: str) -> None:
    from concord.web.materials.markdown import render_markdown

    assert render_markdown(markdown) == html


def test_plain_text_puts_each_block_on_its_own_for_the_readability_check() -> None:
    from concord.web.materials.markdown import plain_text, render_markdown

    text = plain_text(render_markdown("# Side effects\n\n- Feeling sick\n- Poor sleep\n\nCall us."))
    assert text == "Side effects\n\nFeeling sick\n\nPoor sleep\n\nCall us."


# ---------------------------------------------------------------- the library


@pytest.mark.django_db
def test_create_material_keeps_links_revision_and_readability(cast: Cast) -> None:
    material = library.create_material(
        web(cast, "clin_a"), material_data(cast, atc_codes="n06ab06, N06AB06")
    )
    assert (material.topic, material.medication_names, material.atc_codes, material.conditions) == (
        "medication",
        ["Sertraline"],
        ["N06AB06"],
        ["depression", "anxiety"],
    )
    revision = MaterialRevision.objects.get(version__material=material)
    assert (revision.number, revision.title, revision.authored_by_name) == (
        1,
        "Why you are taking sertraline",
        "Clin A",
    )
    assert revision.body_html.startswith("<h2>Why you are taking sertraline</h2>")
    assert "<li>Most people start to feel better after 2 to 6 weeks.</li>" in revision.body_html
    # The stored scores are the core's, for the rendered text.
    from concord.analytics.readability import english_readability
    from concord.web.materials.markdown import plain_text

    expected = english_readability(plain_text(revision.body_html))
    assert (revision.words, revision.sentences, revision.syllables) == (
        expected.counts.words,
        expected.counts.sentences,
        expected.counts.syllables,
    )
    assert revision.reading_ease == pytest.approx(expected.reading_ease)
    assert revision.grade_level == pytest.approx(expected.grade_level)
    [row] = audit_rows("material")
    assert (row.action, row.object_id, row.patient_ids, row.actor_username) == (
        "create",
        str(material.pk),
        [],
        "clin_a",
    )
    assert row.detail["language"] == "en" and row.detail["revision_id"] == revision.pk


@pytest.mark.django_db
def test_readability_scores_of_a_hand_counted_material(cast: Cast) -> None:
    material = library.create_material(
        web(cast, "clin_a"),
        material_data(
            cast,
            title="Your tablet",
            body="# Your tablet\n\nTake one tablet each morning. Drink a glass of water with it.",
        ),
    )
    revision = MaterialRevision.objects.get(version__material=material)
    # Blocks: "Your tablet" (heading: 1 sentence, 2 words, Your 1 + tablet 2 = 3 syllables) and
    # the paragraph (2 sentences, 12 words, 15 syllables; see tests/analytics/test_readability.py).
    # W = 14, S = 3, Y = 18.
    assert (revision.words, revision.sentences, revision.syllables) == (14, 3, 18)
    # FRE = 206.835 − 1.015 × 14/3 − 84.6 × 18/14 = 206.835 − 4.7367 − 108.7714 = 93.3269
    assert revision.reading_ease == pytest.approx(206.835 - 1.015 * 14 / 3 - 84.6 * 18 / 14)
    assert round(revision.reading_ease, 2) == 93.33  # type: ignore[arg-type]
    # FKGL = 0.39 × 14/3 + 11.8 × 18/14 − 15.59 = 1.82 + 15.1714 − 15.59 = 1.4014
    assert round(revision.grade_level, 2) == 1.40  # type: ignore[arg-type]


@pytest.mark.django_db
def test_other_languages_get_no_score(cast: Cast) -> None:
    material = material_a(cast)
    spanish = MaterialRevision.objects.get(version__material=material, version__language="es")
    assert (spanish.reading_ease, spanish.grade_level, spanish.words) == (None, None, None)
    html = (
        client_for(cast, "clin_a")
        .get(reverse("materials:detail", kwargs={"material_id": material.pk}))
        .content.decode()
    )
    assert "No automatic check for this language" in html
    assert "Reading ease (Flesch)" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"title": "   "}, {"title": ["Give the material a title."]}),
        ({"body": ""}, {"body": ["Write the text."]}),
        ({"language": "xx"}, {"language": ["“xx” is not a language of this clinic."]}),
        ({"language": ""}, {"language": ["This field is required."]}),
        (
            {"atc_codes": "N06AB06, sertraline"},
            {"atc_codes": ["“sertraline” is not an ATC code (for example N06AB or N06AB06)."]},
        ),
        (
            {"topic": "gossip", "clinic": "999999"},
            {
                "clinic": ["Select a valid choice. 999999 is not one of the available choices."],
                "topic": ["Select a valid choice. gossip is not one of the available choices."],
            },
        ),
    ],
    ids=[
        "no-title",
        "no-text",
        "unknown-language",
        "no-language",
        "bad-atc",
        "bad-topic-and-clinic",
    ],
)
def test_bad_material_is_refused_with_the_field_named_and_nothing_written(
    cast: Cast, overrides: dict[str, str], errors: dict[str, list[str]]
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(FormInvalid) as raised:
        library.create_material(web(cast, "clin_a"), material_data(cast, **overrides))
    assert raised.value.errors == errors
    assert not Material.objects.exists() and not MaterialRevision.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_second_version_in_the_same_language_or_an_unknown_one_is_refused(cast: Cast) -> None:
    material = material_a(cast)
    for language, message in (
        ("es", "There is already a version in Español; edit it instead."),
        ("klingon", "“klingon” is not a language of this clinic."),
    ):
        with pytest.raises(FormInvalid) as raised:
            library.add_language(
                web(cast, "clin_a"), material.pk, {"language": language, "title": "T", "body": "B"}
            )
        assert raised.value.errors == {"language": [message]}
    assert material.versions.count() == 2


@pytest.mark.django_db
def test_editing_adds_revisions_and_never_changes_old_ones(cast: Cast) -> None:
    version = version_a(cast)
    first = version.revisions.get()
    original = (first.title, first.body, first.body_html, first.reading_ease)
    new_body = SERTRALINE_EN.replace("2 to 6 weeks", "2 to 8 weeks")
    revision = library.revise_version(
        web(cast, "colleague_a"),
        version.pk,
        {"title": first.title, "body": new_body, "based_on": "1", "change_note": "Timing."},
    )
    assert (revision.number, revision.authored_by, revision.change_note) == (
        2,
        cast.users["colleague_a"],
        "Timing.",
    )
    first.refresh_from_db()
    assert (first.title, first.body, first.body_html, first.reading_ease) == original
    first.title = "Changed"
    with pytest.raises(RevisionChangeError):
        first.save()
    with pytest.raises(FormInvalid) as raised:  # opened on revision 1, saved after revision 2
        library.revise_version(
            web(cast, "clin_a"), version.pk, {"title": "Other", "body": "Text.", "based_on": "1"}
        )
    assert raised.value.errors == {
        "based_on": [
            "This text was changed (revision 2, by Colleague A) while you were editing. "
            "Open it again to see the latest text before you change it."
        ]
    }
    with pytest.raises(FormInvalid) as raised:
        library.revise_version(
            web(cast, "clin_a"),
            version.pk,
            {
                "title": first.title.replace("Changed", "Why you are taking sertraline"),
                "body": new_body,
                "based_on": "2",
            },
        )
    assert raised.value.errors == {
        "__all__": ["Nothing was changed, so no new revision was saved."]
    }
    [row] = audit_rows("material_revision")
    assert row.detail == {
        "material_id": version.material_id,
        "language": "en",
        "number": 2,
        "title_changed": False,
    }


@pytest.mark.django_db
def test_who_may_write_the_library(cast: Cast) -> None:
    from concord.web.accounts.models import User
    from concord.web.clinic.models import CareTeam, Clinic, TeamMembership

    material = material_a(cast)
    other_clinic = Clinic.objects.create(organisation=cast.team_a.clinic.organisation, name="Other")
    team = CareTeam.objects.create(clinic=other_clinic, name="Team C")
    stranger = User.objects.create_user("clin_c", role="clinician", discipline="pharmacy")
    TeamMembership.objects.create(team=team, user=stranger)
    text = {"title": "T", "body": "New text.", "based_on": "1"}
    with pytest.raises(NotAllowed):
        library.revise_version(web(cast, "sup_a"), version_a(cast).pk, text)
    with pytest.raises(NotFound):
        library.revise_version(Actor(stranger, "web"), version_a(cast).pk, text)
    with pytest.raises(NotFound):
        library.get_material(Actor(stranger, "web"), material.pk)
    for outsider in ("patient_a", "observer_a", "admin", "supporter"):
        with pytest.raises(NotFound):
            library.get_material(web(cast, outsider), material.pk)
    # clin_b works in the same clinic (another team): the clinic's library is theirs too.
    assert library.revise_version(web(cast, "clin_b"), version_a(cast).pk, text).number == 2
    assert [v.title for v in library.library(Actor(stranger, "web"))] == []


@pytest.mark.django_db
def test_links_are_updated_and_audited_with_the_old_values(cast: Cast) -> None:
    material = material_a(cast)
    library.update_links(
        web(cast, "clin_a"),
        material.pk,
        {
            "topic": "medication",
            "medication_names": "Sertraline",
            "atc_codes": "N06AB",
            "conditions": "depression, anxiety",
        },
    )
    material.refresh_from_db()
    assert material.atc_codes == ["N06AB"]
    row = next(r for r in audit_rows("material") if r.action == "update")
    assert row.detail == {"changed": ["atc_codes"], "before": {"atc_codes": ["N06AB06"]}}


@pytest.mark.django_db
def test_preview_shows_scores_without_saving(cast: Cast) -> None:
    client = client_for(cast, "clin_a")
    response = client.post(
        reverse("materials:new"),
        {
            **material_data(
                cast, body="Take one tablet each morning. Drink a glass of water with it."
            ),
            "preview": "1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview (not saved)" in html
    assert '<strong class="score">95.0</strong>' in html  # 94.995 to one decimal
    assert '<strong class="score">1.5</strong>' in html
    assert "12 words, 2 sentences, 15 syllables" in html
    assert not Material.objects.exists()
    spanish = client.post(
        reverse("materials:new"),
        {**material_data(cast, language="es", body="Tome una pastilla."), "preview": "1"},
    ).content.decode()
    assert "No automatic check for this language" in spanish
    assert 'lang="es"' in spanish
    saved = client.post(reverse("materials:new"), material_data(cast))
    assert saved.status_code == 302 and Material.objects.count() == 1


# ---------------------------------------------------------------- suggestions and assigning


def _material(cast: Cast, title: str, **links: str) -> Material:
    data = {
        **material_data(cast, title=title, body=f"# {title}\n\nSome plain words."),
        "medication_names": "",
        "atc_codes": "",
        "conditions": "",
        "topic": "self_care",
        **links,
    }
    return library.create_material(web(cast, "clin_a"), data)


@pytest.mark.django_db
def test_suggestions_come_first_from_medicines_and_reason_for_care(cast: Cast) -> None:
    from concord.web.medications.models import MedicationRegimen

    MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Escitalopram",
        atc_code="N06AB10",
        medication_class="SSRI",
        daily_dose=10,
        started_on=cast.episode_a.started_on,
    )
    MedicationRegimen.objects.create(  # stopped: not a reason any more
        episode=cast.episode_a,
        medication_name="Mirtazapine",
        atc_code="N06AX11",
        medication_class="Other",
        daily_dose=15,
        started_on=cast.episode_a.started_on,
        ended_on=timezone.localdate() - timedelta(days=3),
    )
    ssri = _material(cast, "Side effects of SSRIs", topic="medication", atc_codes="N06AB")
    mirtazapine = _material(cast, "About mirtazapine", medication_names="mirtazapine")
    mood = _material(cast, "Looking after your mood", conditions="depression")
    walking = _material(cast, "A walking plan")
    back = _material(cast, "Back pain exercises", conditions="back pain")
    offered = assignments.suggestions(web(cast, "clin_a"), cast.patient_a.pk)
    assert [(s.material.title, s.medicines, s.conditions) for s in offered] == [
        ("Looking after your mood", [], ["Depression"]),
        ("Side effects of SSRIs", ["Escitalopram (N06AB10)"], []),
        ("A walking plan", [], []),
        ("About mirtazapine", [], []),
        ("Back pain exercises", [], []),
    ]
    assert {ssri.pk, mirtazapine.pk, mood.pk, walking.pk, back.pk} == {
        s.material.material.pk for s in offered
    }
    [row] = audit_rows("material_suggestion")
    assert row.detail == {"suggested": [mood.pk, ssri.pk]}
    assert row.patient_ids == [cast.patient_a.pk]
    assert audit_rows("medication_regimen")[-1].action == "list"  # read through its service


@pytest.mark.django_db
def test_assigning_writes_one_row_per_material_and_refuses_bad_choices(cast: Cast) -> None:
    first = material_a(cast)
    second = _material(cast, "A walking plan")
    clinician = web(cast, "clin_a")
    before = AuditEvent.objects.count()
    for data, errors in (
        (
            {"material": [], "episode": str(cast.episode_a.pk)},
            {"material": ["Choose at least one material."]},
        ),
        (
            {"material": ["999999"], "episode": str(cast.episode_a.pk)},
            {"material": ["Select a valid choice. 999999 is not one of the available choices."]},
        ),
        (
            {"material": [str(first.pk)], "episode": str(cast.episode_b.pk)},
            {
                "episode": [
                    f"Select a valid choice. {cast.episode_b.pk} is not one of the available "
                    "choices."
                ]
            },
        ),
    ):
        with pytest.raises(FormInvalid) as raised:
            assignments.assign(clinician, cast.patient_a.pk, data)
        assert raised.value.errors == errors
    assert not MaterialAssignment.objects.exists()
    assert AuditEvent.objects.filter(object_type="material_assignment").count() == 0
    created = assignments.assign(
        clinician,
        cast.patient_a.pk,
        {
            "material": [str(first.pk), str(second.pk)],
            "episode": str(cast.episode_a.pk),
            "note": "Before Tuesday.",
        },
    )
    assert [(a.material_id, a.episode_id, a.note, a.assigned_by) for a in created] == [
        (first.pk, cast.episode_a.pk, "Before Tuesday.", cast.users["clin_a"]),
        (second.pk, cast.episode_a.pk, "Before Tuesday.", cast.users["clin_a"]),
    ]
    rows = audit_rows("material_assignment")
    assert [(r.action, r.object_id, r.patient_ids) for r in rows] == [
        ("create", str(created[0].pk), [cast.patient_a.pk]),
        ("create", str(created[1].pk), [cast.patient_a.pk]),
    ]
    with pytest.raises(FormInvalid) as raised:
        assignments.assign(
            clinician,
            cast.patient_a.pk,
            {"material": [str(first.pk)], "episode": str(cast.episode_a.pk)},
        )
    assert raised.value.errors == {
        "material": ["“Why you are taking sertraline” is already assigned to this patient."]
    }
    assert MaterialAssignment.objects.count() == 2
    assert AuditEvent.objects.count() > before


@pytest.mark.django_db
def test_only_clinicians_of_the_team_assign(cast: Cast) -> None:
    data = {"material": [str(material_a(cast).pk)], "episode": str(cast.episode_a.pk)}
    with pytest.raises(NotAllowed):
        assignments.assign(web(cast, "sup_a"), cast.patient_a.pk, data)
    for outsider in ("clin_b", "sup_b", "patient_a", "observer_a", "admin"):
        with pytest.raises(NotFound):
            assignments.assign(web(cast, outsider), cast.patient_a.pk, data)
    assert not MaterialAssignment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preferred", "language", "reason"),
    [
        ("es", "es", ""),
        ("es-mx", "es", ""),  # a regional variant falls back to its language
        ("en", "en", ""),
        ("pl", "en", "default_language"),  # no Polish version: the clinic's default, with a note
    ],
)
def test_the_patient_is_shown_their_language_or_the_default_with_a_note(
    cast: Cast, preferred: str, language: str, reason: str
) -> None:
    cast.patient_a.preferred_language = preferred
    cast.patient_a.save()
    assignment_a(cast)
    [view] = reading.my_materials(web(cast, "patient_a"))
    assert (view.language, view.resolution.reason) == (language, reason)
    expected_title = (
        "Por qué toma sertralina" if language == "es" else "Why you are taking sertraline"
    )
    assert view.title == expected_title


@pytest.mark.django_db
def test_a_material_only_in_another_language_is_shown_in_it_with_a_note(cast: Cast) -> None:
    material = library.create_material(
        web(cast, "clin_a"),
        material_data(cast, language="ar", title="لماذا تتناول السيرترالين", body="نص قصير."),
    )
    assignments.assign(
        web(cast, "clin_a"),
        cast.patient_a.pk,
        {"material": [str(material.pk)], "episode": str(cast.episode_a.pk)},
    )
    html = (
        client_for(cast, "patient_a")
        .get(
            reverse(
                "materials:portal_read",
                kwargs={"assignment_id": MaterialAssignment.objects.get().pk},
            )
        )
        .content.decode()
    )
    assert '<article class="material-text reading card" lang="ar" dir="rtl">' in html
    assert "This is in العربية because it is not available in English yet." in html


# ---------------------------------------------------------------- read receipts


@pytest.mark.django_db
def test_read_receipts_record_first_opening_count_and_revision(cast: Cast) -> None:
    assignment = assignment_a(cast)
    patient = web(cast, "patient_a")
    first_time = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.get_current_timezone())
    reading.open_material(patient, assignment.pk, now=first_time)
    reading.open_material(patient, assignment.pk, now=first_time + timedelta(hours=5))
    view = reading.open_material(patient, assignment.pk, now=first_time + timedelta(days=1))
    [receipt] = MaterialRead.objects.all()
    assert (receipt.revision.number, receipt.times_opened) == (1, 3)
    assert (receipt.first_opened_at, receipt.last_opened_at) == (
        first_time,
        first_time + timedelta(days=1),
    )
    assert (view.state, view.times_opened, view.first_opened_at) == ("read", 3, first_time)
    # A revision after reading: the portal says "updated", the clinician sees which was read.
    library.revise_version(
        web(cast, "clin_a"),
        version_a(cast).pk,
        {
            "title": "Why you are taking sertraline",
            "body": SERTRALINE_EN + "\nNew line.",
            "based_on": "1",
        },
    )
    [listed] = reading.my_materials(patient)
    assert listed.state == "updated"
    staff_view = assignments.assignments_of(web(cast, "sup_a"), cast.patient_a.pk)[0]
    assert [(r.revision.number, r.times_opened) for r in staff_view.reads] == [(1, 3)]
    reading.open_material(patient, assignment.pk, now=first_time + timedelta(days=2))
    assert sorted(MaterialRead.objects.values_list("revision__number", "times_opened")) == [
        (1, 3),
        (2, 1),
    ]
    rows = audit_rows("material_read")
    assert [(r.action, r.object_id, r.detail["times_opened"]) for r in rows] == [
        ("read", str(assignment.pk), 1),
        ("read", str(assignment.pk), 2),
        ("read", str(assignment.pk), 3),
        ("read", str(assignment.pk), 1),
    ]
    assert rows[-1].detail["revision_id"] == version_a(cast).revisions.get(number=2).pk


@pytest.mark.django_db
def test_patients_read_only_their_own_material(cast: Cast) -> None:
    assignment = assignment_a(cast)
    for outsider in ("patient_b", "clin_a", "sup_a"):
        with pytest.raises(NotFound):
            reading.open_material(web(cast, outsider), assignment.pk)
    assert not MaterialRead.objects.exists()


@pytest.mark.django_db
def test_the_clinician_sees_the_read_receipt_on_the_patient_page(cast: Cast) -> None:
    assignment = assignment_a(cast)
    url = reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    before = client_for(cast, "clin_a").get(url).content.decode()
    assert "Not opened yet" in before
    when = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.get_current_timezone())
    reading.open_material(web(cast, "patient_a"), assignment.pk, now=when)
    reading.open_material(web(cast, "patient_a"), assignment.pk, now=when + timedelta(minutes=5))
    html = client_for(cast, "sup_a").get(url).content.decode()
    row = html[html.index(f'data-assignment="{assignment.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "First opened 2 Mar 2026, 09:30 · opened 2 times · last 2 Mar 2026, 09:35" in row
    assert "revision 1 (en) × 2" in row and "the current text has been read" in row
    assert "Withdraw" not in row  # supervisors read only
    assert "Withdraw" in client_for(cast, "clin_a").get(url).content.decode()


@pytest.mark.django_db
def test_withdrawn_material_leaves_the_portal_and_keeps_its_receipts(cast: Cast) -> None:
    assignment = assignment_a(cast)
    reading.open_material(web(cast, "patient_a"), assignment.pk)
    with pytest.raises(NotAllowed):
        assignments.withdraw(web(cast, "sup_a"), assignment.pk)
    response = client_for(cast, "clin_a").post(
        reverse("materials:withdraw", kwargs={"assignment_id": assignment.pk})
    )
    assert response.status_code == 302
    assert reading.my_materials(web(cast, "patient_a")) == []
    patient = client_for(cast, "patient_a")
    assert (
        patient.get(
            reverse("materials:portal_read", kwargs={"assignment_id": assignment.pk})
        ).status_code
        == 404
    )
    assert MaterialRead.objects.count() == 1
    [staff_view] = assignments.assignments_of(web(cast, "clin_a"), cast.patient_a.pk)
    assert staff_view.assignment.withdrawn_by == cast.users["clin_a"]
    [withdrawal] = [r for r in audit_rows("material_assignment") if r.action == "update"]
    assert withdrawal.detail == {"withdrawn": True, "material_id": assignment.material_id}
    # Given again later: a new assignment.
    assignments.assign(
        web(cast, "clin_a"),
        cast.patient_a.pk,
        {"material": [str(assignment.material_id)], "episode": str(cast.episode_a.pk)},
    )
    assert MaterialAssignment.objects.count() == 2


# ---------------------------------------------------------------- portal, PDF, API


@pytest.mark.django_db
def test_portal_marks_new_material_and_reads_it(cast: Cast) -> None:
    assignment = assignment_a(cast)
    client = client_for(cast, "patient_a")
    home = client.get(reverse("clinic:portal")).content.decode()
    assert "Things to read" in home and "1 new" in home
    listing = client.get(reverse("materials:portal_list")).content.decode()
    assert '<strong class="badge-new">New</strong>' in listing
    page = client.get(reverse("materials:portal_read", kwargs={"assignment_id": assignment.pk}))
    html = page.content.decode()
    assert "<h1>Why you are taking sertraline</h1>" in html
    assert "<h2>Why you are taking sertraline</h2>" in html  # the author's "#" under the h1
    assert "<h3>What to expect</h3>" in html
    assert "This is in" not in html  # the patient's own language
    listing = client.get(reverse("materials:portal_list")).content.decode()
    assert "badge-new" not in listing and "Read on " in listing


@pytest.mark.django_db
def test_pdfs_carry_the_material_text(cast: Cast) -> None:
    assignment = assignment_a(cast)
    response = client_for(cast, "patient_a").get(
        reverse("materials:portal_pdf", kwargs={"assignment_id": assignment.pk})
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Why you are taking sertraline" in text
    assert "Most people start to feel better after 2 to 6 weeks." in text
    assert "Printed on" in text
    assert not MaterialRead.objects.exists()  # printing is not reading
    assert [r.action for r in audit_rows("material_assignment")][-1] == "export"
    staff = client_for(cast, "sup_b").get(
        reverse("materials:revision_pdf", kwargs={"revision_id": revision_a(cast).pk})
    )
    assert "Take it once a day, at the same time." in pdf_text(staff.content)


def api(cast: Cast, who: str, path: str) -> Any:
    return Client().get(path, headers={"Authorization": f"Bearer {cast.token(who)}"})


@pytest.mark.django_db
def test_api_lists_the_library_and_the_patients_material_with_receipts(cast: Cast) -> None:
    assignment = assignment_a(cast)
    when = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.get_current_timezone())
    reading.open_material(web(cast, "patient_a"), assignment.pk, now=when)
    [material] = api(cast, "clin_b", "/api/v1/materials").json()
    assert (
        material["topic"],
        material["atc_codes"],
        [v["language"] for v in material["versions"]],
    ) == (
        "medication",
        ["N06AB06"],
        ["en", "es"],
    )
    assert material["versions"][1]["reading_ease"] is None
    response = api(cast, "sup_a", f"/api/v1/patients/{cast.patient_a.pk}/materials")
    [body] = response.json()
    assert (body["title"], body["language"], body["state"], body["current_revision"]) == (
        "Why you are taking sertraline",
        "en",
        "read",
        1,
    )
    assert body["read_receipts"] == [
        {
            "revision": 1,
            "language": "en",
            "first_opened_at": "2026-03-02T09:30:00Z",
            "last_opened_at": "2026-03-02T09:30:00Z",
            "times_opened": 1,
        }
    ]
    assert audit_rows("material_assignment")[-1].channel == "api"


# ---------------------------------------------------------------- the demo clinic


@pytest.mark.django_db
def test_demo_clinic_has_a_plain_language_library_given_to_patients() -> None:
    from datetime import date

    from concord.web.demo.build import build_demo_clinic

    build_demo_clinic(date(2026, 11, 21), check_mode=False)
    english = MaterialRevision.objects.filter(version__language="en")
    assert english.count() == 7  # six materials, the sertraline leaflet revised once
    for revision in english:  # every English text meets the plain-language targets
        assert revision.reading_ease is not None and revision.reading_ease >= 60, revision
        assert revision.grade_level is not None and revision.grade_level <= 8, revision
    languages = sorted(MaterialVersion.objects.values_list("language", flat=True))
    assert languages == ["en"] * 6 + ["es"] * 3
    assert not MaterialRevision.objects.filter(version__language="es", reading_ease__isnull=False)
    from concord.web.accounts.models import User

    patient1 = Actor(User.objects.get(username="patient1"), "web")
    mine = reading.my_materials(patient1)
    assert sorted((m.title, m.language, m.state) for m in mine) == [
        ("Efectos secundarios de los ISRS y qué hacer", "es", "new"),
        ("Por qué toma sertralina", "es", "updated"),  # read before the text was revised
    ]
    states = [v.state for v in _all_assignment_views()]
    assert states.count("read") >= 3 and states.count("new") >= 2
    shown_in_default = [
        v for v in _all_assignment_views() if v.resolution.reason == "default_language"
    ]
    assert len(shown_in_default) == 1 and shown_in_default[0].language == "en"


def _all_assignment_views() -> list[assignments.AssignmentView]:
    return assignments.assignment_views(MaterialAssignment.objects.all())
