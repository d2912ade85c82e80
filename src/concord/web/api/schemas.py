from __future__ import annotations

from datetime import date, datetime, time

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


class PatientOut(Schema):
    id: int
    given_name: str
    family_name: str
    date_of_birth: date
    preferred_language: str
    channels: list[str]
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    cultural_preferences: str
    interpreter_needed: bool


class EpisodeOut(Schema):
    id: int
    patient_id: int
    team: str
    reason: str
    status: str
    started_on: date
    ended_on: date | None


class SessionOut(Schema):
    id: int
    episode_id: int
    scheduled_at: datetime
    duration_minutes: int
    modality: str
    status: str
    note: str


class SessionIn(Schema):
    scheduled_at: str
    duration_minutes: int = 50
    modality: str = "in_person"
    status: str = "scheduled"
    note: str = ""


class SessionPatch(Schema):
    scheduled_at: str | None = None
    duration_minutes: int | None = None
    modality: str | None = None
    status: str | None = None
    note: str | None = None


class MeOut(Schema):
    username: str
    role: str
