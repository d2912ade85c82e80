"""Forms of the materials library and of assigning material, shared by pages and services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.web.materials.languages import MATERIAL_LANGUAGES
from concord.web.materials.models import Topic

ATC_CODE = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
MAX_TERMS = 20
MAX_BODY = 20000


def split_terms(text: str) -> list[str]:
    """``"Sertraline, sertraline ,Citalopram"`` → ``["Sertraline", "Citalopram"]``."""
    seen: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        term = " ".join(part.split())
        if term and term.casefold() not in seen:
            seen[term.casefold()] = term
    return list(seen.values())


def _terms_field(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=False, max_length=1000)


class LinksForm(forms.Form):
    """What a material is about, so it can be suggested for a patient's medicines and care."""

    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Topic.choices)
    medication_names = _terms_field(
        gettext_lazy("Medicines (names)"),
        gettext_lazy(
            "Separate with commas, e.g. Sertraline, Citalopram. Matched to the patient's medicines."
        ),
    )
    atc_codes = _terms_field(
        gettext_lazy("ATC codes"),
        gettext_lazy(
            "Separate with commas. A short code covers a group: N06AB matches every SSRI "
            "(N06AB06 sertraline, N06AB10 escitalopram …)."
        ),
    )
    conditions = _terms_field(
        gettext_lazy("Conditions"),
        gettext_lazy("Words found in the reason for care, e.g. depression, back pain."),
    )

    def _clean_terms(self, field: str, max_length: int = 100) -> list[str]:
        terms = split_terms(self.cleaned_data.get(field) or "")
        if len(terms) > MAX_TERMS:
            raise forms.ValidationError(_("At most %(n)d entries.") % {"n": MAX_TERMS})
        too_long = [t for t in terms if len(t) > max_length]
        if too_long:
            raise forms.ValidationError(
                _("“%(term)s” is longer than %(n)d characters.")
                % {"term": too_long[0], "n": max_length}
            )
        return terms

    def clean_medication_names(self) -> list[str]:
        return self._clean_terms("medication_names")

    def clean_conditions(self) -> list[str]:
        return self._clean_terms("conditions")

    def clean_atc_codes(self) -> list[str]:
        terms = self._clean_terms("atc_codes")
        bad = [t for t in terms if not ATC_CODE.match(t.upper())]
        if bad:
            raise forms.ValidationError(
                _("“%(code)s” is not an ATC code (for example N06AB or N06AB06).")
                % {"code": bad[0]}
            )
        return list(dict.fromkeys(t.upper() for t in terms))


class TextForm(forms.Form):
    """The text of one language version (a new revision each time it is saved)."""

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        error_messages={"required": gettext_lazy("Give the material a title.")},
    )
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=MAX_BODY,
        error_messages={"required": gettext_lazy("Write the text.")},
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=gettext_lazy(
            "Markdown: # Heading, *emphasis*, **strong**, - list items, 1. numbered items, "
            "[link text](https://…), tables. No HTML and no pictures. The title is shown "
            "above the text: do not repeat it as a heading."
        ),
    )

    def clean_title(self) -> str:
        return " ".join(str(self.cleaned_data.get("title") or "").split())

    def clean_body(self) -> str:
        return str(self.cleaned_data.get("body") or "").replace("\r\n", "\n").strip()


def language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", "—"), *sorted(MATERIAL_LANGUAGES.items(), key=lambda kv: kv[1])],
        error_messages={
            "invalid_choice": gettext_lazy("“%(value)s” is not a language of this clinic.")
        },
    )


class NewMaterialForm(LinksForm, TextForm):
    clinic = forms.ChoiceField(label=gettext_lazy("Clinic"))
    language = language_field()

    field_order = [
        "clinic",
        "language",
        "title",
        "body",
        "topic",
        "medication_names",
        "atc_codes",
        "conditions",
    ]

    def __init__(self, *args: Any, clinics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].choices = clinics  # type: ignore[attr-defined]
        if len(clinics) == 1:
            self.fields["clinic"].initial = clinics[0][0]


class RevisionForm(TextForm):
    change_note = forms.CharField(
        label=gettext_lazy("What changed (optional)"), required=False, max_length=300
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput)


class NewLanguageForm(TextForm):
    language = language_field()

    field_order = ["language", "title", "body"]

    def __init__(self, *args: Any, existing: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing

    def clean_language(self) -> str:
        language = self.cleaned_data["language"]
        if language in self.existing:
            raise forms.ValidationError(
                _("There is already a version in %(language)s; edit it instead.")
                % {"language": MATERIAL_LANGUAGES[language]}
            )
        return str(language)


class AssignForm(forms.Form):
    material = forms.MultipleChoiceField(
        label=gettext_lazy("Material"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one material.")},
    )
    episode = forms.ChoiceField(label=gettext_lazy("Care episode"))
    note = forms.CharField(
        label=gettext_lazy("A note for the patient (optional)"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("For example: “Please read this before our next session.”"),
    )

    def __init__(
        self,
        *args: Any,
        materials: list[tuple[str, str]],
        episodes: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = materials  # type: ignore[attr-defined]
        self.fields["episode"].choices = episodes  # type: ignore[attr-defined]
        if episodes:
            self.fields["episode"].initial = episodes[0][0]
