"""Invitations: the single-use, expiring link a patient sends to the person they invite.

Only the SHA-256 of the token is stored (like ``accounts.ApiToken`` and
``measures.SignedLink``); the token is shown once, to the patient. Unknown, expired, used and
cancelled tokens are indistinguishable (:class:`NotFound`). The invited person creates a
supporter account (the project's password rules) or, signed in as a supporter, accepts; the
invitation is used up by a conditional UPDATE in the same transaction, so a double submit
accepts once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role, User
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.consent.access import current_scopes
from concord.web.consent.forms import SupporterAccountForm
from concord.web.consent.models import Scope, SupporterInvitation, SupporterLink

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_PREFIX = "sup_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_invitation(link: SupporterLink, now: datetime) -> tuple[SupporterInvitation, str]:
    """A fresh invitation for a pending link; earlier usable ones are cancelled."""
    SupporterInvitation.objects.filter(
        link=link, used_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    raw = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation = SupporterInvitation.objects.create(
        link=link, digest=_digest(raw), created_at=now, expires_at=now + INVITATION_LIFETIME
    )
    return invitation, raw


def anonymous_actor(source: str = "") -> Actor:
    """Someone holding an invitation link, not signed in."""
    return Actor(user=cast(User, AnonymousUser()), channel="web", source=source)


def resolve_invitation(raw: str, now: datetime | None = None) -> SupporterInvitation:
    """The usable invitation with this token, else NotFound (no hint why)."""
    if not raw.startswith(INVITATION_PREFIX) or len(raw) > 100:
        raise NotFound
    invitation = (
        SupporterInvitation.objects.select_related("link__patient")
        .filter(digest=_digest(raw))
        .first()
    )
    if invitation is None or not invitation.is_usable(now) or invitation.link.status != "pending":
        raise NotFound
    return invitation


@dataclass(frozen=True)
class InvitationPreview:
    invitation: SupporterInvitation
    patient_first_name: str
    scopes: tuple[str, ...]

    @property
    def scope_labels(self) -> list[str]:
        return [str(Scope(s).label) for s in self.scopes]


def read_invitation(actor: Actor, raw: str) -> InvitationPreview:
    """What the invited person sees before accepting: who invites them and what is shared."""
    if actor.user.is_authenticated and actor.user.role != Role.SUPPORTER:
        raise NotFound
    invitation = resolve_invitation(raw)
    link = invitation.link
    granted = current_scopes(link)
    audit(
        actor,
        Action.READ,
        "supporter_invitation",
        invitation.pk,
        [link.patient_id],
        {"supporter_link_id": link.pk},
    )
    return InvitationPreview(
        invitation, link.patient.given_name, tuple(s for s in Scope.values if s in granted)
    )


def _accept(actor: Actor, raw: str, user: User, now: datetime) -> SupporterLink:
    """Use the invitation (once: a conditional UPDATE decides a double submit) and link the
    supporter. Call inside a transaction."""
    invitation = resolve_invitation(raw, now)
    used = SupporterInvitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, cancelled_at__isnull=True
    ).update(used_at=now)
    if used != 1:
        raise NotFound
    link = SupporterLink.objects.select_for_update().get(pk=invitation.link_id)
    if SupporterLink.objects.filter(
        patient_id=link.patient_id, supporter=user, ended_at__isnull=True
    ).exists():
        raise FormInvalid({"__all__": [_("You already support this person.")]})
    link.supporter, link.accepted_at = user, now
    link.save(update_fields=["supporter", "accepted_at"])
    audit(
        actor,
        Action.UPDATE,
        "supporter_link",
        link.pk,
        [link.patient_id],
        {"accepted": True, "invitation_id": invitation.pk},
    )
    return link


def accept_with_new_account(
    raw: str, data: Mapping[str, Any], *, source: str = "", now: datetime | None = None
) -> User:
    """The invited person creates a supporter account and accepts, in one transaction."""
    resolve_invitation(raw, now)
    form = SupporterAccountForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    values = form.cleaned_data
    with transaction.atomic():
        user = User(
            username=values["username"],
            first_name=values["first_name"].strip(),
            last_name=values["last_name"].strip(),
            role=Role.SUPPORTER,
        )
        user.set_password(values["password1"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same name taken a moment ago, by a simultaneous request
            raise FormInvalid(
                {"username": [_("This user name is taken; choose another.")]}
            ) from None
        _accept(Actor(user, "web", source), raw, user, now)
    return user


def accept_as_supporter(actor: Actor, raw: str, *, now: datetime | None = None) -> SupporterLink:
    """A signed-in supporter accepts another invitation."""
    if actor.user.role != Role.SUPPORTER:
        raise NotFound
    now = now or timezone.now()
    with transaction.atomic():
        return _accept(actor, raw, actor.user, now)
