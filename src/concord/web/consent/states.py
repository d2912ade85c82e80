"""The state of each consent, read from its records: the latest record is the current
decision; a "granted" after a "granted" is a re-confirmation; a granted consent is due for
re-confirmation within :data:`~concord.web.consent.policy.DUE_SOON_DAYS` of its date and
overdue after it. No access checks here: :mod:`concord.web.consent.records` checks who may
see which patient first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from concord.web.clinic.models import Channel, Patient
from concord.web.consent.forms import consent_key
from concord.web.consent.models import (
    ConsentKind,
    ConsentRecord,
    Decision,
    Scope,
    SupporterLink,
)
from concord.web.consent.policy import (
    DUE_SOON_DAYS,
    PORTAL_DECISIONS,
    Information,
    information_for,
)

Key = tuple[str, str, int | None]


@dataclass(frozen=True)
class HistoryEntry:
    record: ConsentRecord
    event: str  # granted, reconfirmed, declined or withdrawn


@dataclass(frozen=True)
class ConsentState:
    """One consent: its history (oldest first) and what that means today."""

    kind: str
    topic: str
    link: SupporterLink | None
    history: tuple[ConsentRecord, ...]
    today: date

    @property
    def key(self) -> str:
        return consent_key(self.kind, self.topic, self.link.pk if self.link else None)

    @property
    def current(self) -> ConsentRecord | None:
        return self.history[-1] if self.history else None

    @property
    def decision(self) -> str:
        return self.current.decision if self.current else ""

    @property
    def in_force(self) -> bool:
        return self.decision == Decision.GRANTED

    @property
    def reconfirm_by(self) -> date | None:
        return self.current.reconfirm_by if self.current and self.in_force else None

    @property
    def status(self) -> str:
        """not_recorded, declined, withdrawn, overdue, due or in_force."""
        if self.current is None:
            return "not_recorded"
        if not self.in_force:
            return self.decision
        due = self.reconfirm_by
        if due is not None and due < self.today:
            return "overdue"
        if due is not None and due <= self.today + timedelta(days=DUE_SOON_DAYS):
            return "due"
        return "in_force"

    @property
    def needs_reconfirmation(self) -> bool:
        return self.status in ("due", "overdue")

    @property
    def entries(self) -> list[HistoryEntry]:
        """The history, newest first, with re-confirmations named as such."""
        entries = []
        previous = ""
        for record in self.history:
            event = record.decision
            if record.decision == Decision.GRANTED and previous == Decision.GRANTED:
                event = "reconfirmed"
            entries.append(HistoryEntry(record, event))
            previous = record.decision
        return entries[::-1]

    @property
    def information(self) -> Information:
        return information_for(self.kind, self.topic)

    @property
    def label(self) -> str:
        return consent_label(self.kind, self.topic, self.link)

    @property
    def topic_label(self) -> str:
        if self.kind == ConsentKind.CHANNEL:
            return str(Channel(self.topic).label)
        if self.kind == ConsentKind.SUPPORTER:
            return str(Scope(self.topic).label)
        return str(ConsentKind(self.kind).label)

    @property
    def portal_decisions(self) -> frozenset[str]:
        return PORTAL_DECISIONS[self.kind][self.decision]


def consent_label(kind: str, topic: str, link: SupporterLink | None) -> str:
    if kind == ConsentKind.CHANNEL:
        return _("Contact by: %(channel)s") % {"channel": Channel(topic).label}
    if kind == ConsentKind.SUPPORTER and link is not None:
        return _("%(name)s sees: %(scope)s") % {"name": link.name, "scope": Scope(topic).label}
    return str(ConsentKind(kind).label)


def _grouped(patient: Patient) -> dict[Key, list[ConsentRecord]]:
    grouped: dict[Key, list[ConsentRecord]] = {}
    records = (
        ConsentRecord.objects.filter(patient=patient)
        .select_related("recorded_by", "supporter_link")
        .order_by("recorded_at", "pk")
    )
    for record in records:
        grouped.setdefault(record.key, []).append(record)
    return grouped


def states_of(
    patient: Patient,
    today: date,
    *,
    links: Iterable[SupporterLink],
    all_channels: bool,
) -> list[ConsentState]:
    """Treatment, research, channels, then each link's scopes, with their histories.

    Channels: every channel with ``all_channels`` (the portal offers them all), else the
    patient's preferred channels and any channel with a record. Open links: every scope;
    ended links: the scopes with records.
    """
    grouped = _grouped(patient)
    keys: list[tuple[str, str, SupporterLink | None]] = [
        (ConsentKind.TREATMENT, "", None),
        (ConsentKind.RESEARCH, "", None),
    ]
    recorded_channels = {k[1] for k in grouped if k[0] == ConsentKind.CHANNEL}
    for channel in Channel.values:
        if all_channels or channel in (patient.channels or []) or channel in recorded_channels:
            keys.append((ConsentKind.CHANNEL, channel, None))
    for link in links:
        keys.extend(
            (ConsentKind.SUPPORTER, scope, link)
            for scope in Scope.values
            # An ended link shows only the scopes it ever had; an open one every scope.
            if link.ended_at is None or (ConsentKind.SUPPORTER, scope, link.pk) in grouped
        )
    return [
        ConsentState(
            kind,
            topic,
            link,
            tuple(grouped.get((kind, topic, link.pk if link else None), [])),
            today,
        )
        for kind, topic, link in keys
    ]


@dataclass(frozen=True)
class PatientConsents:
    patient: Patient
    states: list[ConsentState]
    usable_channels: list[str]
    today: date

    @property
    def due(self) -> list[ConsentState]:
        """Consents due or overdue for re-confirmation, the most overdue first."""
        waiting = [s for s in self.states if s.needs_reconfirmation]
        return sorted(waiting, key=lambda s: (s.reconfirm_by or self.today, s.label))

    def of_kind(self, kind: str) -> list[ConsentState]:
        return [s for s in self.states if s.kind == kind]

    def of_link(self, link: SupporterLink) -> list[ConsentState]:
        return [s for s in self.states if s.link is not None and s.link.pk == link.pk]

    @property
    def treatment_and_research(self) -> list[ConsentState]:
        return [s for s in self.states if s.kind in (ConsentKind.TREATMENT, ConsentKind.RESEARCH)]

    @property
    def channels(self) -> list[ConsentState]:
        return self.of_kind(ConsentKind.CHANNEL)

    @property
    def by_link(self) -> list[LinkConsents]:
        """Each supporter link with its scope consents, in the order of the states."""
        grouped: dict[int, LinkConsents] = {}
        for state in self.states:
            if state.link is not None:
                grouped.setdefault(state.link.pk, LinkConsents(state.link, [])).states.append(state)
        return list(grouped.values())


@dataclass(frozen=True)
class LinkConsents:
    link: SupporterLink
    states: list[ConsentState]

    @property
    def granted(self) -> list[ConsentState]:
        return [s for s in self.states if s.in_force]
