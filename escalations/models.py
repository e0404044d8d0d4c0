"""Escalations for clinician review, their evidence, referral clocks and notifications."""

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Clinician, Patient
from escalations.rules import CLOCK_WORDS, SEVERITY_WORDS, Clock, Severity

SEVERITY_CHOICES = [(s.value, s.value) for s in Severity]
CLOCK_CHOICES = [(c.value, CLOCK_WORDS[c]) for c in Clock]


class EscalationQuerySet(models.QuerySet["Escalation"]):
    def active(self) -> "EscalationQuerySet":
        return self.filter(status__in=Escalation.ACTIVE)

    def visible_to(self, user: object) -> "EscalationQuerySet":
        return self.filter(patient__in=Patient.objects.visible_to(user))  # type: ignore[arg-type]


def ack_code_new() -> str:
    """The short code a clinician texts back to acknowledge ("ACK 1234"). Not a secret (the
    reply must come from a clinician's registered phone and name a patient they may see), only
    short; `escalation_acknowledge_by_code` refuses a code two of their alerts share."""
    return f"{1000 + secrets.randbelow(9000)}"


class Escalation(models.Model):
    """A rule that fired for a patient, for a clinician to act on by `due_at`.

    `status`: open ──acknowledge──▶ acknowledged ──resolve──▶ resolved
                 └──────────────resolve──────────────────────┘

    One active (open or acknowledged) escalation per patient and rule: the rule firing again
    adds evidence to it instead of opening a duplicate.

    The escalation chain (escalations.notifications): while it is open, `next_step_at` is when
    its next notification step is due and `chain_step` the last step sent (None before the
    first). Acknowledging or resolving it stops the chain (`next_step_at` None).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    ACTIVE = (Status.OPEN, Status.ACKNOWLEDGED)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="escalations")
    rule = models.CharField(max_length=8)
    severity = models.CharField(max_length=10, choices=SEVERITY_CHOICES)
    status = models.CharField(max_length=12, choices=Status, default=Status.OPEN)
    reason = models.TextField()
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    last_evidence_at = models.DateTimeField(default=timezone.now)
    evidence_count = models.PositiveIntegerField(default=1)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    chain_step = models.PositiveSmallIntegerField(null=True, blank=True)
    next_step_at = models.DateTimeField(null=True, blank=True)
    ack_code = models.CharField(max_length=6, default=ack_code_new)

    objects: ClassVar[EscalationQuerySet] = EscalationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "rule"],
                condition=models.Q(status__in=["open", "acknowledged"]),
                name="one_active_escalation_per_rule",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="escalation_queue"),
            models.Index(fields=["patient", "-created_at"], name="escalation_patient_recent"),
            models.Index(
                fields=["next_step_at"],
                condition=models.Q(next_step_at__isnull=False),
                name="escalation_chain_due",
            ),
        ]

    def __str__(self) -> str:
        """In words, as the admin's breadcrumbs show it ("Emergency: Worsening leg weakness");
        no patient name, so logs and the admin's history name no one."""
        return f"{SEVERITY_WORDS[Severity(self.severity)]}: {self.reason.strip().rstrip('.')}"


class Evidence(models.Model):
    """What made a rule fire: an answer, a message, or the clock."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="evidence")
    detail = models.TextField()
    answer = models.ForeignKey(
        "checkins.Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.detail


class ReferralClock(models.Model):
    """A referral deadline on the patient's episode (2 weeks or 3 months).

    Running until a clinician records a referral or dismisses it with a reason; reminds at
    half its window and raises an overdue escalation at the deadline.
    """

    class Stop(models.TextChoices):
        REFERRED = "referred", "Referral recorded"
        DISMISSED = "dismissed", "Dismissed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referral_clocks")
    kind = models.CharField(max_length=2, choices=CLOCK_CHOICES)
    rule = models.CharField(max_length=8, help_text="The rule that started it.")
    started_at = models.DateTimeField(default=timezone.now)
    remind_at = models.DateTimeField()
    deadline = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=10, choices=Stop, blank=True)
    stop_note = models.TextField(blank=True)
    referral_type = models.CharField(max_length=100, blank=True)
    referral_date = models.DateField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=models.Q(stopped_at__isnull=True),
                name="one_running_clock_per_kind",
            )
        ]

    def __str__(self) -> str:
        """In words for the admin's title and breadcrumbs ("2-week referral clock"); no
        patient name, so logs and the admin's history name no one."""
        return f"{self.get_kind_display()} clock"


class Notification(models.Model):
    """A notice to the responsible clinician (no patient details: a link to the admin).

    An SMS notice goes through the SMS outbox and is recorded when queued. An email notice is
    a small outbox of its own: created unsent with its recipient, subject and body in the
    transaction that decided it, sent after commit, tried again with backoff while the mail
    server refuses or is down, and `sent_at` is set only once the server has accepted it.
    """

    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    clock = models.ForeignKey(
        ReferralClock, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    channel = models.CharField(max_length=5)  # sms or email
    # For an escalation: who was notified, at which step of the chain (0: the responsible
    # clinician or their cover; 1: the on-call member and the lead; 2 on: the whole team).
    clinician = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent",
            )
        ]

    def __str__(self) -> str:
        if self.sent_at is None:
            return f"{self.channel}, not sent yet"
        return f"{self.channel} at {self.sent_at:%Y-%m-%d %H:%M}"
