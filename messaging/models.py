"""The SMS log: every message in and out, its delivery state and history, and review items."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Patient


class Direction(models.TextChoices):
    IN = "in", "Inbound"
    OUT = "out", "Outbound"


class Status(models.TextChoices):
    # Outbound, ours: in the outbox, or claimed by a worker and being handed to the provider.
    PENDING = "pending", "Pending"
    SUBMITTING = "submitting", "Submitting"
    # Outbound, the provider's (Twilio's names).
    QUEUED = "queued", "Queued at provider"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Undelivered"
    FAILED = "failed", "Failed"
    # Outbound, never handed to the provider.
    SUPPRESSED = "suppressed", "Suppressed"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    # Inbound.
    RECEIVED = "received", "Received"


# Progress order of provider states: a status callback may only move a message forward, so a
# late "sent" never overwrites "delivered". Terminal states share the top rank.
STATUS_RANK: dict[str, int] = {
    Status.PENDING: 0,
    Status.SUBMITTING: 1,
    Status.QUEUED: 2,
    Status.SENDING: 3,
    Status.SENT: 4,
    Status.DELIVERED: 5,
    Status.UNDELIVERED: 5,
    Status.FAILED: 5,
    Status.SUPPRESSED: 5,
    Status.EXPIRED: 5,
    Status.CANCELLED: 5,
}


class Priority(models.IntegerChoices):
    """Paced sends go highest priority first; bulk waits while replies are due."""

    EMERGENCY = 0, "Emergency"
    REPLY = 1, "Reply"
    BULK = 2, "Bulk"


class SuppressedReason(models.TextChoices):
    NO_CONSENT = "no_consent", "No active SMS consent"
    OPTED_OUT = "opted_out", "Patient opted out"
    NUMBER_FLAGGED = "number_flagged", "Number flagged as undeliverable"
    AUTO_REPLY_CAP = "auto_reply_cap", "Too many identical auto-replies"
    NUMBER_CHANGED = "number_changed", "Patient's number changed"
    DISCHARGED = "discharged", "Patient discharged"


class MessageQuerySet(models.QuerySet["Message"]):
    def outbound(self) -> "MessageQuerySet":
        return self.filter(direction=Direction.OUT)

    def inbound(self) -> "MessageQuerySet":
        return self.filter(direction=Direction.IN)

    def due(self, now: object = None) -> "MessageQuerySet":
        """Outbound rows waiting in the outbox whose next attempt is due."""
        return self.filter(status=Status.PENDING, next_attempt_at__lte=now or timezone.now())

    def visible_to(self, user: object) -> "MessageQuerySet":
        return self.filter(patient__in=Patient.objects.visible_to(user))  # type: ignore[arg-type]


class Message(models.Model):
    """One SMS, in or out.

    Outbound (the database is the outbox; rows are created in the transaction of the event that
    causes them and handed to a worker after commit):

        pending ──claim──▶ submitting ──provider accepted──▶ queued ─▶ sending ─▶ sent ─▶ delivered
           │  ▲                │                                                   └──▶ undelivered
           │  └─transient error (attempt < 3, backoff)                           any ─▶ failed
           │                   └──permanent error, or 3rd transient error──▶ failed
           ├──no consent / opted out / number flagged / auto-reply cap──▶ suppressed
           ├──past not_after──▶ expired
           └──STOP, discharge or number change──▶ cancelled

    Provider states only move forward (STATUS_RANK); every change is a MessageStatusEvent. Bulk
    messages found in the patient's quiet hours at send time stay pending until the hours end.

    Inbound rows are `received`, unique on the provider's MessageSid, and stored before any
    processing; `processed_at` is set once keywords and replies have been handled.
    """

    direction = models.CharField(max_length=3, choices=Direction)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,  # message_patient_recent (patient, -created_at) serves these lookups
    )
    phone = models.CharField(max_length=32, help_text="The patient's number, E.164.")
    body = models.TextField(blank=True)
    template = models.CharField(max_length=64, blank=True, help_text="Template key, outbound.")
    status = models.CharField(max_length=16, choices=Status)
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.BULK)
    # NULL until sent, so that unsent rows do not collide. Unique by a constraint, not
    # unique=True: on PostgreSQL that would add a LIKE index nothing uses and inserts pay for.
    provider_sid = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    segments = models.PositiveSmallIntegerField(default=1)
    encoding = models.CharField(max_length=4, default="gsm7")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Send attempts (outbound); failed handling attempts (inbound)."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True, help_text="Expire unsent after this.")
    error_code = models.PositiveIntegerField(null=True, blank=True)
    suppressed_reason = models.CharField(max_length=20, choices=SuppressedReason, blank=True)
    in_reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,  # never looked up from the other side; messages are never deleted
    )
    is_auto_reply = models.BooleanField(default=False)
    is_staff_alert = models.BooleanField(
        default=False, help_text="To a clinician's phone: no patient consent applies, no PHI."
    )
    raw = models.JSONField(default=dict, blank=True, help_text="Inbound: the provider's fields.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[MessageQuerySet] = MessageQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="message_patient_recent"),
            models.Index(
                fields=["priority", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="message_outbox_due",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(direction="in", processed_at__isnull=True),
                name="message_inbound_unprocessed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["provider_sid"], name="message_provider_sid_unique"),
            models.CheckConstraint(
                condition=~models.Q(direction="in") | models.Q(provider_sid__isnull=False),
                name="inbound_has_provider_sid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk} ({self.status})"


class MessageStatusEvent(models.Model):
    """One status a message went through, with the provider's error code if any."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(max_length=16, choices=Status)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=16, help_text="app or provider")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M:%S}"


class ReviewItem(models.Model):
    """Something in the SMS traffic a person should look at; open until someone resolves it."""

    class Reason(models.TextChoices):
        UNKNOWN_SENDER = "unknown_sender", "Message from an unknown number"
        OPT_OUT_INTENT = "opt_out_intent", "Free text that may ask to stop messages"
        AFTER_OPT_OUT = "after_opt_out", "Message from an opted-out patient"
        NUMBER_UNDELIVERABLE = "number_undeliverable", "Number cannot receive SMS"
        NOT_HANDLED = "not_handled", "Message the app failed to handle: read it yourself"

    reason = models.CharField(max_length=32, choices=Reason)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="sms_reviews"
    )
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="review_items")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["resolved_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reason"], name="one_review_per_reason")
        ]

    def __str__(self) -> str:
        return self.get_reason_display()


class SenderPace(models.Model):
    """The next free send slot of one sender, shared by every worker (see pacing.py)."""

    sender = models.CharField(max_length=64, unique=True)
    next_free_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.sender
