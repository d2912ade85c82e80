"""One submitted version of a shared decision, checked as a whole (pages and API alike).

A submission is flat, as an HTML form sends it: ``question``, ``status``, ``revisit_on`` …,
one row per option (``options-0-label``, ``options-0-benefits`` …) and per participant
(``participants-0-name``, ``participants-0-role``, ``participants-0-user``). Rows left wholly
empty are ignored; options are numbered by their row ("Option 1" is row 0), so
``chosen_option`` and ``preferred_option`` name a row by that number. Every error is reported
under the name of the field (or row field) it concerns, and nothing is written unless the
whole submission is valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from concord.web.accounts.models import User
from concord.web.decisions.drafts import DecisionDraft, OptionDraft, ParticipantDraft, draft_of
from concord.web.decisions.forms import (
    MAX_OPTIONS,
    MAX_PARTICIPANTS,
    DecisionForm,
    OptionForm,
    ParticipantForm,
    stale_message,
)
from concord.web.decisions.models import DecisionStatus, DecisionVersion, ParticipantRole

MAX_YEARS_AHEAD = 5


def _errors_of(form: forms.Form) -> dict[str, list[str]]:
    return {
        form.add_prefix(field) if field != "__all__" else field: [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


class DecisionSubmission:
    """One submitted version: its forms (for the page) and, when valid, its draft.

    ``users`` are the accounts a participant row may link to (the care team's clinicians and
    the patient); ``current`` is the version being revised (``None`` for a new decision);
    ``today`` decides which revisit dates are in the past.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        users: Sequence[User],
        today: date,
        current: DecisionVersion | None = None,
        option_rows: int = MAX_OPTIONS,
        participant_rows: int = MAX_PARTICIPANTS,
        initial: DecisionDraft | None = None,
    ) -> None:
        self.data = data
        self.users = list(users)
        self.today = today
        self.current = current
        bound = data is not None
        base_initial: dict[str, Any] = {}
        if initial is not None:
            base_initial = {
                "question": initial.question,
                "context": initial.context,
                "what_matters": initial.what_matters,
                "preferred_option": initial.preferred_option or "",
                "preference_words": initial.preference_words,
                "status": initial.status,
                "chosen_option": initial.chosen_option or "",
                "revisit_on": initial.revisit_on,
            }
        if current is not None:
            base_initial["based_on"] = current.number
        self.form = DecisionForm(data if bound else None, initial=base_initial)
        self.option_forms = [
            OptionForm(
                data if bound else None,
                prefix=f"options-{i}",
                initial=_option_initial(initial, i),
            )
            for i in range(max(1, min(option_rows, MAX_OPTIONS)) if not bound else MAX_OPTIONS)
        ]
        self.participant_forms = [
            ParticipantForm(
                data if bound else None,
                prefix=f"participants-{i}",
                users=self.users,
                initial=_participant_initial(initial, i),
            )
            for i in range(
                max(1, min(participant_rows, MAX_PARTICIPANTS)) if not bound else MAX_PARTICIPANTS
            )
        ]
        self.errors: dict[str, list[str]] = {}
        self.draft: DecisionDraft | None = None
        if bound:
            self._validate()
            self._trim_rows()

    # ------------------------------------------------------------------ validation

    def _add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def _validate(self) -> None:
        form = self.form
        form.is_valid()
        self.errors.update(_errors_of(form))
        options: list[tuple[int, OptionDraft]] = []  # (row number, option)
        for row, option_form in enumerate(self.option_forms, start=1):
            if option_form.is_empty():
                continue
            if not option_form.is_valid():
                self.errors.update(_errors_of(option_form))
                continue
            draft = OptionDraft(**{k: v.strip() for k, v in option_form.cleaned_data.items()})
            prefix = option_form.prefix
            if not draft.label:
                self._add(f"{prefix}-label", _("Name this option."))
            if not draft.benefits:
                self._add(f"{prefix}-benefits", _("Say what the patient was told it could do."))
            if not (draft.risks or draft.burdens):
                self._add(
                    f"{prefix}-risks",
                    _("Say what the patient was told about its risks or burdens."),
                )
            options.append((row, draft))
        labels = [o.label.casefold() for _row, o in options if o.label]
        if len(options) < 2:
            self._add(
                "options",
                _(
                    "Give at least two options (include “wait and review” or “do nothing” "
                    "where that is a real choice)."
                ),
            )
        elif len(set(labels)) != len(labels):
            self._add("options", _("Two options have the same name."))
        position_of_row = {row: position for position, (row, _o) in enumerate(options, start=1)}

        participants: list[ParticipantDraft] = []
        allowed_users = {str(u.pk): u for u in self.users}
        for participant_form in self.participant_forms:
            if participant_form.is_empty():
                continue
            if not participant_form.is_valid():
                self.errors.update(_errors_of(participant_form))
                continue
            prefix = participant_form.prefix
            data = participant_form.cleaned_data
            user = allowed_users.get(data["user"]) if data["user"] else None
            name = data["name"].strip() or (str(user) if user else "")
            role = data["role"] or (_role_of(user) if user else "")
            if not name:
                self._add(f"{prefix}-name", _("Give the person's name."))
            if not role:
                self._add(f"{prefix}-role", _("Choose the person's role."))
            participants.append(ParticipantDraft(name, role, user.pk if user else None))
        if not participants:
            self._add("participants", _("Name at least one person who took part."))

        if not form.is_valid():
            return
        cleaned = form.cleaned_data
        status = cleaned["status"]
        chosen = self._option_reference("chosen_option", cleaned["chosen_option"], position_of_row)
        preferred = self._option_reference(
            "preferred_option", cleaned["preferred_option"], position_of_row
        )
        if status == DecisionStatus.DECIDED and cleaned["chosen_option"] == "":
            self._add("chosen_option", _("Choose the option that was decided."))
        if status == DecisionStatus.DEFERRED and cleaned["chosen_option"] != "":
            self._add(
                "chosen_option",
                _("A decision not taken yet has no chosen option; leave this empty."),
            )
        revisit_on = cleaned["revisit_on"]
        if revisit_on < self.today:
            self._add("revisit_on", _("The revisit date cannot be in the past."))
        elif revisit_on > self.today + timedelta(days=365 * MAX_YEARS_AHEAD):
            self._add(
                "revisit_on",
                _("The revisit date is more than %(n)d years ahead; check the year.")
                % {"n": MAX_YEARS_AHEAD},
            )
        if self.current is not None and cleaned["based_on"] != self.current.number:
            self._add("based_on", stale_message(self.current))
        if self.errors:
            return
        self.draft = DecisionDraft(
            question=cleaned["question"].strip(),
            context=cleaned["context"].strip(),
            options=tuple(o for _row, o in options),
            what_matters=cleaned["what_matters"].strip(),
            preferred_option=preferred,
            preference_words=cleaned["preference_words"].strip(),
            status=status,
            chosen_option=chosen if status == DecisionStatus.DECIDED else None,
            participants=tuple(participants),
            revisit_on=revisit_on,
            change_note=cleaned["change_note"].strip(),
        )
        if self.current is not None and self.draft.same_content(draft_of(self.current)):
            self._add("__all__", _("Nothing was changed, so no new version was recorded."))
            self.draft = None

    def _option_reference(
        self, field: str, value: str, position_of_row: dict[int, int]
    ) -> int | None:
        if value == "":
            return None
        row = int(value)
        if row not in position_of_row:
            self._add(field, _("Option %(n)d is empty.") % {"n": row})
            return None
        return position_of_row[row]

    def _trim_rows(self) -> None:
        """Show the rows that were filled in, plus one empty row of each kind."""
        self.option_forms = _trimmed(self.option_forms, minimum=2)
        self.participant_forms = _trimmed(self.participant_forms, minimum=2)

    def is_valid(self) -> bool:
        return self.draft is not None

    def attach_errors(self) -> None:
        """Put every error on the form or row it belongs to, so the page shows it there."""
        by_prefix = {f.prefix: f for f in [*self.option_forms, *self.participant_forms]}
        for key, messages in self.errors.items():
            target: forms.Form = self.form
            field: str | None = key if key in self.form.fields else None
            prefix, _sep, name = key.rpartition("-")
            if prefix in by_prefix and name in by_prefix[prefix].fields:
                target, field = by_prefix[prefix], name
            for message in messages:
                if field is not None and message in target.errors.get(field, []):
                    continue
                if field is None or field not in target.fields:
                    self.form.add_error(None, message)
                else:
                    target.add_error(field, message)

    @property
    def list_errors(self) -> list[str]:
        """Errors that belong to a list as a whole (``options``, ``participants``)."""
        return [m for k in ("options", "participants") for m in self.errors.get(k, [])]


def _trimmed(rows: list[Any], minimum: int) -> list[Any]:
    last_filled = max((i for i, f in enumerate(rows) if not f.is_empty()), default=-1)
    keep = max(minimum, last_filled + 2)
    return rows[: min(keep, len(rows))]


def _role_of(user: User) -> str:
    if user.role == "patient":
        return ParticipantRole.PATIENT
    if user.role == "clinician":
        return ParticipantRole.CLINICIAN
    return ParticipantRole.OTHER


def _option_initial(initial: DecisionDraft | None, index: int) -> dict[str, str]:
    if initial is None or index >= len(initial.options):
        return {}
    o = initial.options[index]
    return {
        "label": o.label,
        "benefits": o.benefits,
        "risks": o.risks,
        "burdens": o.burdens,
        "source": o.source,
    }


def _participant_initial(initial: DecisionDraft | None, index: int) -> dict[str, str]:
    if initial is None or index >= len(initial.participants):
        return {}
    p = initial.participants[index]
    return {"name": p.name, "role": p.role, "user": str(p.user_id or "")}
