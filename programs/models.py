"""Programs per STarT Back tier, the screens that place patients in them, and enrollments."""

from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Patient
from programs.stratification import RiskGroup

RISK_GROUP_CHOICES = [(group.value, group.value.title()) for group in RiskGroup]

SAFETY_NET_MESSAGE = (
    "The day-0 safety net (when to get help) stays in every program: it cannot be removed, "
    "moved or replaced, and its step stays marked as the safety net."
)


class SafetyNetError(ValidationError):
    """A write that would take the red-flag safety net out of a program."""

    def __init__(self) -> None:
        super().__init__(SAFETY_NET_MESSAGE, code="safety_net")


class Program(models.Model):
    """A self-management program matched to one STarT Back risk tier.

    Only one active program per tier: it is the one new patients of that tier are enrolled in.
    """

    slug = models.SlugField(unique=True)
    tier = models.CharField(max_length=10, choices=RISK_GROUP_CHOICES)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    title_es = models.CharField(max_length=200, blank=True)
    summary_es = models.TextField(blank=True)
    weeks = models.PositiveSmallIntegerField(default=6)
    content_version = models.PositiveIntegerField(default=0, help_text="Set by loadprograms.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["tier", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier"],
                condition=models.Q(is_active=True),
                name="one_active_program_per_tier",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Step(models.Model):
    """One piece of program content: education, an exercise, or relaxation / CBT-style work.

    Loaded from programs/content/steps/<slug>.toml by `loadprograms`; texts per language are
    StepTexts. A step may be used by several programs.
    """

    class Kind(models.TextChoices):
        EDUCATION = "education", "Education"
        EXERCISE = "exercise", "Exercise"
        RELAXATION = "relaxation", "Relaxation"

    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind)
    minutes = models.PositiveSmallIntegerField(default=5)
    safety_net = models.BooleanField(default=False, help_text="Carries the red-flag safety net.")
    timer = models.JSONField(default=dict, blank=True, help_text="Relaxation: breathing pace.")

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._keep_safety_net()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self._keep_safety_net()

    def _keep_safety_net(self) -> None:
        """A step that is some program's day-0 safety net keeps its flag (the help page and
        the day-0 rule depend on it)."""
        if (
            self.pk is not None
            and not self.safety_net
            and ProgramStep.objects.safety_nets().filter(step_id=self.pk).exists()
        ):
            raise SafetyNetError


class StepTextQuerySet(models.QuerySet["StepText"]):
    def by_step(self, steps: Iterable["Step"], language: str) -> dict[int, "StepText"]:
        """Each step's text in `language`, keyed by step id (one query; a step without a text
        in that language is missing from it)."""
        return {text.step_id: text for text in self.filter(step__in=steps, language=language)}

    def for_step(self, step: "Step", language: str) -> "StepText | None":
        return self.filter(step=step, language=language).first()


class StepText(models.Model):
    """A step's words in one language. Exercise fields are empty for other kinds."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=2, choices=[("en", "English"), ("es", "Español")])
    title = models.CharField(max_length=80)
    summary = models.CharField(max_length=200)
    body = models.TextField()
    sms = models.CharField(max_length=160, help_text="The SMS nudge; the app appends a link.")
    instructions = models.JSONField(default=list, blank=True)
    dose = models.CharField(max_length=200, blank=True)
    easier = models.TextField(blank=True)
    harder = models.TextField(blank=True)
    stop_if = models.TextField(blank=True)

    objects = StepTextQuerySet.as_manager()

    class Meta:
        ordering = ["step", "language"]
        constraints = [
            models.UniqueConstraint(fields=["step", "language"], name="one_text_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.step.slug} ({self.language})"


class ProgramStepQuerySet(models.QuerySet["ProgramStep"]):
    def safety_nets(self) -> "ProgramStepQuerySet":
        """Each program's day 0 when its step carries the red-flag safety net (as stored)."""
        return self.filter(day=0, step__safety_net=True)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.safety_nets().exists():
            raise SafetyNetError
        return super().delete()


class ProgramStep(models.Model):
    """A step on a program's timeline: due `day` days after the enrollment starts.

    Day 0 is the safety net (the `when-to-get-help` step): it is never deleted, moved or
    replaced, here or in a bulk delete (`SafetyNetError`); a whole program may still go.
    """

    program = models.ForeignKey("Program", on_delete=models.CASCADE, related_name="program_steps")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    day = models.PositiveSmallIntegerField()

    objects: ClassVar[ProgramStepQuerySet] = ProgramStepQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["program", "day"]
        constraints = [
            models.UniqueConstraint(fields=["program", "day"], name="one_step_per_program_day"),
            models.UniqueConstraint(fields=["program", "step"], name="step_once_per_program"),
        ]

    def __str__(self) -> str:
        return f"day {self.day}: {self.step}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._keep_safety_net()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self.check_removable()
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        self._keep_safety_net()

    def check_removable(self) -> None:
        """Raise SafetyNetError if this row, as stored, is its program's safety net."""
        if self.pk is not None and ProgramStep.objects.safety_nets().filter(pk=self.pk).exists():
            raise SafetyNetError

    def _keep_safety_net(self) -> None:
        if self.pk is None:
            return
        stored = ProgramStep.objects.safety_nets().filter(pk=self.pk).values().first()
        if stored and (stored["program_id"], stored["step_id"], stored["day"]) != (
            self.program_id,
            self.step_id,
            self.day,
        ):
            raise SafetyNetError


# What the content admin edits (and `content_change` writes and audits).
type ContentRecord = Program | Step | StepText | ProgramStep


class StartBackScreen(models.Model):
    """One administration of the STarT Back tool: the nine answers as entered and their score.

    Immutable once stored; a re-screen is a new row.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="startback_screens")
    answers = models.JSONField(
        help_text="Nine answers as entered: items 1–8 are 0/1, item 9 is 0–4."
    )
    total = models.PositiveSmallIntegerField()
    psychosocial = models.PositiveSmallIntegerField()
    risk_group = models.CharField(max_length=10, choices=RISK_GROUP_CHOICES)
    screened_at = models.DateTimeField(default=timezone.now)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-screened_at", "-id"]
        get_latest_by = "screened_at"
        constraints = [
            models.CheckConstraint(condition=models.Q(total__lte=9), name="startback_total_0_9"),
            models.CheckConstraint(
                condition=models.Q(psychosocial__lte=5), name="startback_psychosocial_0_5"
            ),
        ]

    def __str__(self) -> str:
        return f"STarT Back {self.total}/{self.psychosocial}: {self.risk_group}"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def current(self) -> "EnrollmentQuerySet":
        return self.filter(status__in=Enrollment.CURRENT)

    def active(self) -> "EnrollmentQuerySet":
        """Current and not paused: the program is running."""
        return self.filter(status=Enrollment.Status.ACTIVE)


class Enrollment(models.Model):
    """A patient's place in a program.

    `status`: active ⇄ paused → ended. Ended is final (a tier change ends the enrollment and
    starts a new one, keeping this one as history). At most one current (active or paused)
    enrollment per patient.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    CURRENT = (Status.ACTIVE, Status.PAUSED)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    screen = models.ForeignKey(
        StartBackScreen,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The screen whose risk group chose this program.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    started_on = models.DateField()
    paused_on = models.DateField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(
        default=0, help_text="Days spent paused; due dates move back by as much."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()
    objects: ClassVar[EnrollmentQuerySet] = EnrollmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=["active", "paused"]),
                name="one_current_enrollment_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} in {self.program}"


class StepProgress(models.Model):
    """A step the patient has done in an enrollment (done once; exercises may be logged often)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="progress")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="step_done_once")
        ]

    def __str__(self) -> str:
        return f"{self.step} done"


class ExerciseLog(models.Model):
    """One time the patient did an exercise: how it felt and their pain while doing it."""

    class Felt(models.TextChoices):
        EASY = "easy", "Easy"
        OK = "ok", "About right"
        HARD = "hard", "Hard"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="exercise_logs")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    felt = models.CharField(max_length=4, choices=Felt)
    pain_during = models.PositiveSmallIntegerField()
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-logged_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pain_during__lte=10), name="exercise_pain_0_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} ({self.felt})"


class StepNudge(models.Model):
    """The SMS nudge for one program step of one enrollment, due on the step's day.

    `status`: due ──claim──▶ sent | skipped (done already, paused, no consent, ended)
    Planned when the enrollment starts (and for steps added by new content); moved back when the
    program resumes after a pause. Claimed by a conditional update, so sent once.
    """

    class Status(models.TextChoices):
        DUE = "due", "Due"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="nudges")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status, default=Status.DUE)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="one_nudge_per_step")
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(status="due"), name="nudge_due")
        ]

    def __str__(self) -> str:
        return f"nudge {self.step} ({self.status})"


def with_stratification(patients: models.QuerySet[Patient]) -> models.QuerySet[Patient]:
    """Prefetch each patient's screens and current enrollment: two queries for any page size.

    Read them with `latest_screen()` and `current_enrollment()`.
    """
    return patients.select_related("clinician__user").prefetch_related(
        models.Prefetch("startback_screens", to_attr="prefetched_screens"),
        models.Prefetch(
            "enrollments",
            queryset=Enrollment.objects.current().select_related("program"),
            to_attr="prefetched_current_enrollments",
        ),
    )


def latest_screen(patient: Patient) -> StartBackScreen | None:
    screens = getattr(patient, "prefetched_screens", None)
    if screens is None:
        return patient.startback_screens.order_by("-screened_at", "-id").first()
    return screens[0] if screens else None


def current_enrollment(patient: Patient) -> Enrollment | None:
    enrollments = getattr(patient, "prefetched_current_enrollments", None)
    if enrollments is None:
        return patient.enrollments.current().select_related("program").first()
    return enrollments[0] if enrollments else None
