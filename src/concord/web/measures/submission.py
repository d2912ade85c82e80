"""Answering an administration: drafts, submission, signed links and the safety alert.

Answers are validated item by item with the registry's own check (:meth:`Item.check`), so the
page, the API and scoring agree on what is permitted; every message names the question. A
submission is scored with :func:`score_response` and stored with the instrument version and
the rater. Submitting twice is idempotent: the second call changes nothing and returns the
first result (a conditional UPDATE from an open status decides which call wins).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from concord.analytics.instruments import (
    Instrument,
    InvalidResponseError,
    ScoreResult,
    get_instrument,
    score_response,
)
from concord.web.accounts.models import Role, User
from concord.web.alerts.services import signal_changed
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.measures import access
from concord.web.measures.crisis import CrisisText, crisis_text_for
from concord.web.measures.models import (
    OPEN_STATUSES,
    Administration,
    AdministrationStatus,
    AlertKind,
    Rater,
    SafetyAlert,
    SignedLink,
    SubmittedVia,
)

LINK_LIFETIME = timedelta(days=7)
LINK_PREFIX = "m_"


class AdministrationClosed(NotAllowed):
    """The administration has expired (or its window has closed)."""


# ------------------------------------------------------------------ validation


def _number(value: float) -> str:
    """A permitted value as the page writes numbers (2.5 is "2,5" in Spanish)."""
    return str(number_format(f"{value:g}"))


def message_for(instrument: Instrument, error: InvalidResponseError) -> str:
    """A sentence a patient understands, naming the question."""
    try:
        item = instrument.item(error.item)
    except KeyError:
        return _("“%(key)s” is not a question of this form.") % {"key": error.item}
    n = item.number
    if error.reason == "not_permitted":
        allowed = ", ".join(_number(v) for v in item.permitted_values)
        return _("Question %(n)s: choose one of the answers (%(allowed)s).") % {
            "n": n,
            "allowed": allowed,
        }
    if error.reason == "out_of_range":
        return _("Question %(n)s: enter a number from %(low)s to %(high)s.") % {
            "n": n,
            "low": _number(item.minimum),
            "high": _number(item.maximum),
        }
    if error.reason == "not_integer":
        return _("Question %(n)s: enter a whole number.") % {"n": n}
    return _("Question %(n)s: enter a number.") % {"n": n}


def validate_answers(
    instrument: Instrument, data: Mapping[str, Any], *, strict_keys: bool = False
) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """Answers by item id (``None`` when unanswered) and error messages by item id.

    Form posts carry other fields (the CSRF token, the button); with ``strict_keys`` (the
    API) an unknown key is an error too.
    """
    answers: dict[str, float | None] = {}
    errors: dict[str, list[str]] = {}
    for item in instrument.items:
        raw = data.get(item.id)
        try:
            answers[item.id] = item.check(raw)
        except InvalidResponseError as error:
            errors[item.id] = [message_for(instrument, error)]
    if strict_keys:
        for key in data:
            if key not in answers:
                errors[str(key)] = [_("“%(key)s” is not a question of this form.") % {"key": key}]
    return answers, errors


def _json_answers(answers: Mapping[str, float | None]) -> dict[str, float | int | None]:
    return {
        k: (int(v) if v is not None and float(v).is_integer() else v) for k, v in answers.items()
    }


def scores_as_json(result: ScoreResult) -> dict[str, Any]:
    return {
        "instrument": result.instrument,
        "version": result.version,
        "instrument_rater": result.rater,
        "scales": {
            s.code: {
                "value": s.value,
                "status": s.status,
                "band": s.band,
                "n_answered": s.n_answered,
                "n_missing": s.n_missing,
                "reason": s.reason,
            }
            for s in result.scales
        },
        "differences": dict(result.differences),
        "flags": list(result.flags),
        "safety_alert": result.safety_alert,
    }


def _not_scorable_reason(instrument: Instrument, result: ScoreResult) -> str:
    """``"total: too_many_missing"``: the total scale first, else the first subscale."""
    kinds = {scale.code: scale.kind for scale in instrument.scales}
    ordered = sorted(result.scales, key=lambda s: kinds.get(s.code) != "total")
    for scale in ordered:
        if scale.status == "not_scorable":
            return f"{scale.code}: {scale.reason}"
    return ""


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Submission:
    administration: Administration
    created: bool  # False when this was a repeat of an earlier submission
    crisis: CrisisText | None  # shown to the patient when a safety item was raised


def crisis_for(administration: Administration) -> CrisisText | None:
    """The crisis text to show the patient when this administration raised a safety item."""
    if not administration.safety_flag:
        return None
    patient = administration.episode.patient
    return crisis_text_for(patient.clinic, patient.preferred_language)


def _load(administration_id: int) -> Administration:
    return Administration.objects.select_related("episode__patient__clinic", "session").get(
        pk=administration_id
    )


def _check_open(administration: Administration) -> None:
    if administration.status == AdministrationStatus.EXPIRED or (
        administration.status in OPEN_STATUSES and not administration.is_open
    ):
        raise AdministrationClosed(
            _("This questionnaire has closed; it can no longer be answered.")
        )


# ------------------------------------------------------------------ the core paths


def _store_draft(
    actor: Actor, administration: Administration, data: Mapping[str, Any], via: str
) -> Administration:
    if administration.status == AdministrationStatus.SUBMITTED:
        return administration  # a draft after submission changes nothing
    _check_open(administration)
    instrument = get_instrument(administration.instrument_code)
    answers, errors = validate_answers(instrument, data)
    if errors:
        raise FormInvalid(errors)
    with transaction.atomic():
        updated = Administration.objects.filter(
            pk=administration.pk, status__in=OPEN_STATUSES
        ).update(
            answers=_json_answers(answers),
            status=AdministrationStatus.DRAFT,
            submitted_via=via,
            updated_at=timezone.now(),
        )
        if updated:
            audit(
                actor,
                Action.UPDATE,
                "administration",
                administration.pk,
                [administration.episode.patient_id],
                {"draft": True, "via": via},
            )
    return _load(administration.pk)


def _store_submission(
    actor: Actor,
    administration: Administration,
    data: Mapping[str, Any],
    *,
    via: str,
    submitted_by: User | None,
    proxy: bool = False,
    strict_keys: bool = False,
    link: SignedLink | None = None,
) -> Submission:
    if administration.status == AdministrationStatus.SUBMITTED:
        return Submission(administration, False, crisis_for(administration))
    _check_open(administration)
    instrument = get_instrument(administration.instrument_code)
    if instrument.version != administration.instrument_version:
        raise NotAllowed(_("The questionnaire changed version since this was planned."))
    answers, errors = validate_answers(instrument, data, strict_keys=strict_keys)
    if not errors and all(v is None for v in answers.values()):
        errors["__all__"] = [_("Answer at least one question before you submit.")]
    if errors:
        raise FormInvalid(errors)
    result = score_response(instrument, answers)
    now = timezone.now()
    with transaction.atomic():
        updated = Administration.objects.filter(
            pk=administration.pk, status__in=OPEN_STATUSES
        ).update(
            answers=_json_answers(answers),
            scores=scores_as_json(result),
            not_scorable_reason=_not_scorable_reason(instrument, result),
            safety_flag=result.safety_alert,
            status=AdministrationStatus.SUBMITTED,
            submitted_by=submitted_by,
            submitted_via=via,
            proxy=proxy,
            submitted_at=now,
            updated_at=now,
        )
        stored = _load(administration.pk)
        if not updated:  # another request submitted first: return its result
            return Submission(stored, False, crisis_for(stored))
        if link is not None:
            SignedLink.objects.filter(pk=link.pk).update(used_at=now)
        patient_id = stored.episode.patient_id
        audit(
            actor,
            Action.UPDATE,
            "administration",
            stored.pk,
            [patient_id],
            {
                "submitted": True,
                "instrument": stored.instrument_code,
                "version": stored.instrument_version,
                "rater": stored.rater,
                "via": via,
                "proxy": proxy,
            },
        )
        signal_changed(patient_id)
        if result.safety_alert:
            alert = SafetyAlert.objects.create(
                patient_id=patient_id,
                episode=stored.episode,
                administration=stored,
                kind=AlertKind.PHQ9_ITEM9
                if stored.instrument_code == "phq9"
                else AlertKind.SAFETY_ITEM,
                raised_at=now,
            )
            audit(
                actor,
                Action.CREATE,
                "safety_alert",
                alert.pk,
                [patient_id],
                {"flags": list(result.flags)},
            )
    return Submission(stored, True, crisis_for(stored))


# ------------------------------------------------------------------ signed-in people


def _answerable(actor: Actor, administration_id: object) -> Administration:
    administration = clinic_access.get_or_not_found(
        access.administrations_for(actor.user).select_related(
            "episode__patient__clinic", "session"
        ),
        administration_id,
    )
    if not access.may_answer(actor.user, administration):
        raise NotAllowed(_("You may read this but not answer it."))
    return administration


def _via(actor: Actor) -> str:
    if actor.channel == "api":
        return SubmittedVia.API
    return SubmittedVia.PORTAL if actor.user.role == Role.PATIENT else SubmittedVia.STAFF


def save_draft(actor: Actor, administration_id: object, data: Mapping[str, Any]) -> Administration:
    administration = _answerable(actor, administration_id)
    return _store_draft(actor, administration, data, _via(actor))


def submit(
    actor: Actor, administration_id: object, data: Mapping[str, Any], *, strict_keys: bool = False
) -> Submission:
    administration = _answerable(actor, administration_id)
    return _store_submission(
        actor,
        administration,
        data,
        via=_via(actor),
        submitted_by=actor.user,
        strict_keys=strict_keys,
    )


def submit_as_proxy(actor: Actor, administration_id: object, data: Mapping[str, Any]) -> Submission:
    """A supporter completes a patient-rated measure for the patient, recorded as proxy.

    Refused for everyone today: :func:`access.consent_allows_proxy` has no consent to grant
    it (deny by default), and the refusal looks like a missing record.
    """
    user = actor.user
    if user.role != Role.SUPPORTER:
        raise NotFound
    administration = clinic_access.get_or_not_found(
        Administration.objects.select_related("episode__patient__clinic"), administration_id
    )
    if administration.rater not in (Rater.PATIENT, Rater.SUPPORTER_PROXY):
        raise NotFound
    if not access.consent_allows_proxy(user, administration.episode.patient):
        raise NotFound
    return _store_submission(
        actor,
        administration,
        data,
        via=SubmittedVia.STAFF if actor.channel != "api" else SubmittedVia.API,
        submitted_by=user,
        proxy=True,
    )


# ------------------------------------------------------------------ signed links


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_link(
    actor: Actor, administration_id: object, lifetime: timedelta = LINK_LIFETIME
) -> tuple[SignedLink, str]:
    """A clinician of the team creates a single-use link to one patient-rated administration.

    Returns the link row and its secret token, which is shown once and never stored.
    """
    if actor.user.role != Role.CLINICIAN:
        raise NotFound
    administration = clinic_access.get_or_not_found(
        access.administrations_for(actor.user).select_related("episode"), administration_id
    )
    if administration.rater != Rater.PATIENT:
        raise NotAllowed(_("Links are for questionnaires the patient completes."))
    if administration.status not in OPEN_STATUSES or not administration.is_open:
        raise NotAllowed(_("This questionnaire is no longer open."))
    raw = LINK_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + lifetime
    if administration.expires_at:
        expires = min(expires, administration.expires_at)
    with transaction.atomic():
        link = SignedLink.objects.create(
            administration=administration,
            digest=_digest(raw),
            expires_at=expires,
            created_by=actor.user,
        )
        audit(
            actor,
            Action.CREATE,
            "signed_link",
            link.pk,
            [administration.episode.patient_id],
            {"administration_id": administration.pk, "expires_at": expires.isoformat()},
        )
    return link, raw


def link_actor(source: str = "") -> Actor:
    """The person behind a signed link: not signed in, known only by the link."""
    return Actor(user=cast(User, AnonymousUser()), channel="web", source=source)


def resolve_link(raw: str) -> tuple[SignedLink, Administration]:
    """The usable link with this token and its administration, else :class:`NotFound`.

    Unknown, expired and used links are indistinguishable to the caller.
    """
    if not raw.startswith(LINK_PREFIX) or len(raw) > 100:
        raise NotFound
    link = (
        SignedLink.objects.select_related("administration__episode__patient__clinic")
        .filter(digest=_digest(raw), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        raise NotFound
    administration = link.administration
    if administration.status not in OPEN_STATUSES or not administration.is_open:
        raise NotFound
    return link, administration


def read_by_link(actor: Actor, raw: str) -> Administration:
    link, administration = resolve_link(raw)
    audit(
        actor,
        Action.READ,
        "administration",
        administration.pk,
        [administration.episode.patient_id],
        {"via": "signed_link", "link_id": link.pk},
    )
    return administration


def draft_by_link(actor: Actor, raw: str, data: Mapping[str, Any]) -> Administration:
    _link, administration = resolve_link(raw)
    return _store_draft(actor, administration, data, SubmittedVia.SIGNED_LINK)


def submit_by_link(actor: Actor, raw: str, data: Mapping[str, Any]) -> Submission:
    """Submit through the link; the link is used up in the same transaction."""
    link, administration = resolve_link(raw)
    return _store_submission(
        actor,
        administration,
        data,
        via=SubmittedVia.SIGNED_LINK,
        submitted_by=None,
        link=link,
    )
