"""Communication channels: consent and the patient's preferred channels kept consistent.

The rule (``docs/consent.md``):

* a channel is *usable* — for reminders or any message — only when it is one of the
  patient's preferred channels (``Patient.channels``) **and** its current consent is
  "granted"; :func:`usable_channels` is the one place senders ask;
* withdrawing or declining consent for a channel removes it from the preferred channels at
  once (same transaction); granting it adds it at the end of the list if it was missing;
* a preferred channel without a consent record is not usable until consent is recorded.
"""

from __future__ import annotations

from concord.web.clinic.models import Patient
from concord.web.consent.models import ConsentKind, ConsentRecord, Decision


def channel_decisions(patient: Patient) -> dict[str, str]:
    """The current decision per channel (latest record), read afresh."""
    latest: dict[str, str] = {}
    for topic, decision in (
        ConsentRecord.objects.filter(patient=patient, kind=ConsentKind.CHANNEL)
        .order_by("recorded_at", "pk")
        .values_list("topic", "decision")
    ):
        latest[topic] = decision
    return latest


def usable_channels(patient: Patient) -> list[str]:
    """Preferred channels with consent in force, in the patient's order of preference."""
    decisions = channel_decisions(patient)
    return [c for c in patient.channels or [] if decisions.get(c) == Decision.GRANTED]


def preferred_after(channels: list[str], channel: str, decision: str) -> list[str]:
    """The preferred channels after a decision about ``channel``.

    ["sms", "email"] + withdraw sms → ["email"]; ["email"] + grant sms → ["email", "sms"].
    """
    kept = [c for c in channels if c != channel]
    if decision == Decision.GRANTED:
        return channels if channel in channels else [*channels, channel]
    return kept
