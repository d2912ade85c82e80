"""The shared plan: goals in the patient's words (agreement on goals) and agreed tasks
(agreement on tasks), with every version kept.

Read and written only through the services in :mod:`concord.web.plans` (``goals``,
``tasks``, ``completions``), which apply the access rules of :mod:`concord.web.clinic.access`
and write the audit trail. Nothing here is ever overwritten: a change of a goal or a task is a
new version; a patient's new answer is a new row. Who did what is explicit on every row: the
*side* (patient or clinician) whose act it is, the *person* who recorded it, and whether a
clinician recorded the patient's act *in session*.

Foreign keys to the episode cascade: the clinic protects episodes from deletion, so a cascade
runs only when a whole (demo or test) record goes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode, CareSession
from concord.web.medications.models import MedicationRegimen

SCORE_MIN, SCORE_MAX = 0, 10
TEXT_MAX = 2000


def zero_to_ten() -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


class Side(models.TextChoices):
    """Whose act it is (not who typed it: see ``in_session``)."""

    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Care team")


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")  # not agreed yet
    AGREED = "agreed", _("Agreed")  # the latest version is agreed by both sides
    REVISED = "revised", _("Revision proposed")  # an agreed goal with a change waiting
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


OPEN_GOAL_STATUSES = (GoalStatus.PROPOSED, GoalStatus.AGREED, GoalStatus.REVISED)
RATEABLE_GOAL_STATUSES = (GoalStatus.AGREED, GoalStatus.REVISED)


class Goal(models.Model):
    """One goal of a care episode through all its versions."""

    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="goals")
    status = models.CharField(max_length=20, choices=GoalStatus.choices)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_note = models.TextField(blank=True, max_length=TEXT_MAX)

    class Meta:
        ordering = ["episode", "created_at", "pk"]

    def __str__(self) -> str:
        return f"goal {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_GOAL_STATUSES


class VersionState(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for agreement")
    AGREED = "agreed", _("Agreed")
    NOT_AGREED = "not_agreed", _("Not agreed")
    SUPERSEDED = "superseded", _("Replaced by a later version")


class GoalAnswer(models.TextChoices):
    AGREED = "agreed", _("Agreed")
    NOT_AGREED = "not_agreed", _("Not agreed")


class GoalVersion(models.Model):
    """One version of a goal: proposed by one side, agreed (or not) by the other."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    patient_words = models.TextField(_("the goal in the patient's own words"), max_length=TEXT_MAX)
    clinician_restatement = models.TextField(
        _("the clinician's restatement"), blank=True, max_length=TEXT_MAX
    )
    why_it_matters = models.TextField(
        _("why it matters to the patient"), blank=True, max_length=TEXT_MAX
    )
    target = models.TextField(_("measurable target"), blank=True, max_length=TEXT_MAX)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    state = models.CharField(max_length=20, choices=VersionState.choices)
    # The proposal.
    proposed_side = models.CharField(max_length=10, choices=Side.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_in_session = models.BooleanField(default=False)
    proposed_at = models.DateTimeField()
    # The other side's answer, kept when a later version supersedes this one.
    response = models.CharField(max_length=20, choices=GoalAnswer.choices, blank=True)
    response_side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    response_in_session = models.BooleanField(default=False)
    response_at = models.DateTimeField(null=True, blank=True)
    response_words = models.TextField(blank=True, max_length=TEXT_MAX)
    session = models.ForeignKey(
        CareSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The session in which the patient's part was said, when recorded in session."),
    )

    class Meta:
        ordering = ["goal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "number"], name="goal_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"goal {self.goal_id} v{self.number} ({self.state})"


class RatingSource(models.TextChoices):
    PORTAL = "portal", _("Rated by the patient in the portal")
    IN_SESSION = "in_session", _("Said by the patient in session, recorded by a clinician")


class GoalRating(models.Model):
    """A goal-based outcome rating: the patient's 0-10 view of progress towards the goal."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    version = models.ForeignKey(GoalVersion, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("progress (0-10)"), validators=zero_to_ten())
    rated_at = models.DateTimeField()
    session = models.ForeignKey(
        CareSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=RatingSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.TextField(blank=True, max_length=TEXT_MAX)

    class Meta:
        ordering = ["goal", "rated_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="goal_rating_0_to_10",
            )
        ]

    def __str__(self) -> str:
        return f"goal {self.goal_id}: {self.score}/10 ({self.rated_at:%Y-%m-%d})"


class TaskKind(models.TextChoices):
    MEDICATION = "medication", _("Medicine")
    EXERCISE = "exercise", _("Home exercise programme")
    HOMEWORK = "homework", _("Homework")


LOGGED_KINDS = (TaskKind.EXERCISE, TaskKind.HOMEWORK)


class Task(models.Model):
    """One agreed activity of a care episode through all its versions."""

    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="plan_tasks")
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField(blank=True, max_length=TEXT_MAX)

    class Meta:
        ordering = ["episode", "created_at", "pk"]

    def __str__(self) -> str:
        return f"task {self.pk} ({self.kind})"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class TaskVersion(models.Model):
    """One version of a task. A change of programme or frequency is a new version, in force
    from ``effective_from`` (the day it was made) until the next version's day."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(_("name of the task"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, max_length=TEXT_MAX)
    goals = models.ManyToManyField(Goal, blank=True, related_name="task_versions")
    regimen = models.ForeignKey(
        MedicationRegimen,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_task_versions",
    )
    # Homework frequency (exercise programmes give one per exercise).
    times_per_day = models.PositiveSmallIntegerField(
        _("times a day"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    days_per_week = models.PositiveSmallIntegerField(
        _("days a week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    effective_from = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    change_note = models.TextField(_("what changed and why"), blank=True, max_length=TEXT_MAX)

    class Meta:
        ordering = ["task", "number"]
        constraints = [
            models.UniqueConstraint(fields=["task", "number"], name="task_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class Exercise(models.Model):
    """One exercise of a home-exercise programme version."""

    version = models.ForeignKey(TaskVersion, on_delete=models.CASCADE, related_name="exercises")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("exercise"), max_length=200)
    sets = models.PositiveSmallIntegerField(
        _("sets"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    repetitions = models.PositiveSmallIntegerField(
        _("repetitions"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    hold_seconds = models.PositiveSmallIntegerField(
        _("hold (seconds)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    times_per_day = models.PositiveSmallIntegerField(
        _("times a day"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    days_per_week = models.PositiveSmallIntegerField(
        _("days a week"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    instructions = models.TextField(_("instructions"), blank=True, max_length=TEXT_MAX)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sets__gte=1), name="exercise_sets_positive"),
            models.CheckConstraint(
                condition=models.Q(repetitions__isnull=False)
                | models.Q(hold_seconds__isnull=False),
                name="exercise_reps_or_hold",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgreementResponse(models.TextChoices):
    AGREE = "agree", _("I agree")
    NOT_SURE = "not_sure", _("I'm not sure")
    DISAGREE = "disagree", _("I don't agree")


class TaskAgreement(models.Model):
    """The patient's own answer to one task version: agreement and confidence (0-10).
    A later answer to the same version is a new row; the latest one counts.

    Given by the patient in the portal (``answered_by`` is the patient), or said by the
    patient in a session and recorded by a clinician (``in_session``; ``answered_by`` is the
    clinician who wrote it down)."""

    version = models.ForeignKey(TaskVersion, on_delete=models.CASCADE, related_name="agreements")
    response = models.CharField(max_length=10, choices=AgreementResponse.choices)
    words = models.TextField(_("in your own words"), blank=True, max_length=TEXT_MAX)
    confidence = models.PositiveSmallIntegerField(
        _("how sure are you that you can do this? (0-10)"), validators=zero_to_ten()
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField()
    in_session = models.BooleanField(default=False)
    session = models.ForeignKey(
        CareSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["version", "answered_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__gte=SCORE_MIN, confidence__lte=SCORE_MAX),
                name="task_confidence_0_to_10",
            )
        ]

    def __str__(self) -> str:
        return f"{self.response} ({self.confidence}/10)"


class CompletionSource(models.TextChoices):
    PORTAL = "portal", _("Logged by the patient in the portal")
    CLINICIAN = "clinician", _("Recorded by a clinician")


class TaskCompletion(models.Model):
    """One occurrence of an exercise or a homework done on a day."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="completions")
    version = models.ForeignKey(TaskVersion, on_delete=models.CASCADE, related_name="completions")
    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, null=True, blank=True, related_name="completions"
    )
    day = models.DateField()
    sets_done = models.PositiveSmallIntegerField(
        _("sets done"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    effort = models.PositiveSmallIntegerField(
        _("effort (0-10)"), null=True, blank=True, validators=zero_to_ten()
    )
    pain = models.PositiveSmallIntegerField(
        _("pain (0-10)"), null=True, blank=True, validators=zero_to_ten()
    )
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX)
    source = models.CharField(max_length=20, choices=CompletionSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["task", "day", "logged_at", "pk"]
        indexes = [models.Index(fields=["task", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sets_done__isnull=True) | models.Q(sets_done__gte=1),
                name="completion_sets_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(effort__isnull=True)
                | models.Q(effort__gte=SCORE_MIN, effort__lte=SCORE_MAX),
                name="completion_effort_0_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(pain__isnull=True)
                | models.Q(pain__gte=SCORE_MIN, pain__lte=SCORE_MAX),
                name="completion_pain_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"task {self.task_id} done {self.day:%Y-%m-%d}"
