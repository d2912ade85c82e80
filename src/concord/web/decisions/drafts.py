"""A shared-decision version as plain values: what a form submission becomes once it is
valid, and what a recorded version is compared by (positions are 1-based)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from concord.web.decisions.models import DecisionVersion


@dataclass(frozen=True)
class OptionDraft:
    label: str
    benefits: str
    risks: str
    burdens: str
    source: str


@dataclass(frozen=True)
class ParticipantDraft:
    name: str
    role: str
    user_id: int | None


@dataclass(frozen=True)
class DecisionDraft:
    """A complete, valid version before it is written (positions are 1-based)."""

    question: str
    context: str
    options: tuple[OptionDraft, ...]
    what_matters: str
    preferred_option: int | None
    preference_words: str
    status: str
    chosen_option: int | None
    participants: tuple[ParticipantDraft, ...]
    revisit_on: date
    change_note: str = ""

    def same_content(self, other: DecisionDraft) -> bool:
        """Equal in everything but the change note."""
        return replace(self, change_note="") == replace(other, change_note="")


def draft_of(version: DecisionVersion) -> DecisionDraft:
    """The draft a recorded version was written from."""
    return DecisionDraft(
        question=version.question,
        context=version.context,
        options=tuple(
            OptionDraft(o.label, o.benefits, o.risks, o.burdens, o.source)
            for o in version.options.all()
        ),
        what_matters=version.what_matters,
        preferred_option=version.preferred_option,
        preference_words=version.preference_words,
        status=version.status,
        chosen_option=version.chosen_option,
        participants=tuple(
            ParticipantDraft(p.name, p.role, p.user_id) for p in version.participants.all()
        ),
        revisit_on=version.revisit_on,
        change_note=version.change_note,
    )
