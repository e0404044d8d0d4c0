"""Programs per STarT Back tier, the screens that place patients in them, and enrollments."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Patient
from programs.stratification import RiskGroup

RISK_GROUP_CHOICES = [(group.value, group.value.title()) for group in RiskGroup]


class Program(models.Model):
    """A self-management program matched to one STarT Back risk tier.

    Only one active program per tier: it is the one new patients of that tier are enrolled in.
    """

    slug = models.SlugField(unique=True)
    tier = models.CharField(max_length=10, choices=RISK_GROUP_CHOICES)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
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
