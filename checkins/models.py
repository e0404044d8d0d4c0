"""Check-ins: the table of due slots, the conversations, and the answers."""

from datetime import datetime
from typing import ClassVar

from django.db import models
from django.utils import timezone

from accounts.models import Patient
from checkins.catalogue import Kind
from messaging.models import Message

KIND_WORDS = {Kind.FULL: "Weekly check-in", Kind.SHORT: "Short check-in"}
KIND_CHOICES = [(kind.value, KIND_WORDS[kind]) for kind in Kind]


class Medicine(models.Model):
    """A medicine class a clinician recorded for the patient (never a drug name or dose: the
    app does not advise on medicines). An active one adds the medicine questions to the weekly
    check-in."""

    class Kind(models.TextChoices):
        NSAID = "nsaid", "NSAID"
        GABAPENTINOID = "gabapentinoid", "Gabapentinoid"
        TRICYCLIC = "tricyclic", "Tricyclic"
        SNRI = "snri", "SNRI"
        OPIOID = "opioid", "Opioid"
        BENZODIAZEPINE = "benzodiazepine", "Benzodiazepine"
        TOPICAL = "topical", "Topical"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medicines")
    kind = models.CharField(max_length=16, choices=Kind)
    for_sciatica = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class SlotQuerySet(models.QuerySet["CheckinSlot"]):
    def due(self, now: object = None) -> "SlotQuerySet":
        return self.filter(status=CheckinSlot.Status.DUE, due_at__lte=now or timezone.now())


class CheckinSlot(models.Model):
    """One scheduled check-in of one patient: the row the scheduler tick polls.

    `status`: due ──claim──▶ claimed ──start──▶ started
                    └──(patient paused, discharged or without consent)──▶ skipped

    A due slot whose time has not come yet is deleted and planned again when the patient
    changes their own days or time (checkins.own_schedule); one already due is kept.

    A slot is claimed by a conditional update, so it starts once however many schedulers run;
    a claim left behind by a dead worker is returned to `due` after a while. Unique per patient
    and local date and kind, so planning twice plans nothing new.
    """

    class Status(models.TextChoices):
        DUE = "due", "Due"
        CLAIMED = "claimed", "Claimed"
        STARTED = "started", "Started"
        SKIPPED = "skipped", "Skipped"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkin_slots")
    kind = models.CharField(max_length=8, choices=KIND_CHOICES)
    local_date = models.DateField(help_text="The patient's local date of this check-in.")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status, default=Status.DUE)
    claimed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[SlotQuerySet] = SlotQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "local_date", "kind"], name="one_slot_per_patient_day_kind"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(status="due"), name="checkin_slot_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.local_date:%d %b %Y}"


class CheckinQuerySet(models.QuerySet["Checkin"]):
    def open(self) -> "CheckinQuerySet":
        return self.filter(status=Checkin.Status.OPEN)


class Checkin(models.Model):
    """One check-in conversation, by SMS (question by question) or on the web.

    `status`: open ──all questions asked──▶ completed
                 ├──no reply for 48 h──▶ expired (one reminder at 24 h)
                 ├──emergency answer or text──▶ interrupted (the emergency advice is the last
                 │                                 word: no re-prompt, no next question)
                 └──STOP, discharge──▶ cancelled

    At most one open check-in per patient. `pending_question` is the question last sent;
    a reply that cannot be read is re-asked at most twice, then left unanswered. For a
    numbered list of questions, `pending_items` are the keys of the items as numbered in the
    text sent, so the reply is read against the list the patient saw (a flag or a medicine a
    clinician records meanwhile cannot renumber it).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"
        INTERRUPTED = "interrupted", "Interrupted by an emergency"

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        WEB = "web", "Web"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="checkins")
    slot = models.OneToOneField(
        CheckinSlot, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkin"
    )
    kind = models.CharField(max_length=8, choices=KIND_CHOICES)
    channel = models.CharField(max_length=4, choices=Channel, default=Channel.SMS)
    status = models.CharField(max_length=12, choices=Status, default=Status.OPEN)
    pending_question = models.CharField(max_length=40, blank=True)
    pending_items = models.JSONField(default=list, blank=True)
    reprompts = models.PositiveSmallIntegerField(default=0)
    # A web check-in's advice is shown on the page, never texted: its text key is kept so the
    # care team can see what the patient was told (an SMS check-in's is a Message).
    advice = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[CheckinQuerySet] = CheckinQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(status="open"), name="one_open_checkin"
            )
        ]
        indexes = [models.Index(fields=["patient", "-started_at"], name="checkin_patient_recent")]

    def __str__(self) -> str:
        """The admin's title and breadcrumbs: "Weekly check-in, completed"."""
        return f"{self.get_kind_display()}, {self.get_status_display().lower()}"


class Answer(models.Model):
    """One answer to one question. `value` is None when the question was left unanswered
    (after two re-prompts); `late` answers arrived after their check-in closed and were never
    applied, but are kept for the clinician."""

    checkin = models.ForeignKey(Checkin, on_delete=models.PROTECT, related_name="answers")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="answers")
    question = models.CharField(max_length=40)
    value = models.JSONField(null=True, blank=True)
    raw = models.TextField(blank=True, help_text="The reply as typed.")
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    late = models.BooleanField(default=False)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answered_at", "id"]
        indexes = [
            models.Index(fields=["patient", "question", "-answered_at"], name="answer_history"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["checkin", "question"],
                condition=models.Q(late=False),
                name="one_answer_per_question",
            )
        ]

    def __str__(self) -> str:
        """No key and no value: the admin shows the answer's words beside it (checkins.words),
        and a log line never carries what the patient answered."""
        return f"Answer {self.pk}"


class FlareQuerySet(models.QuerySet["Flare"]):
    def since(self, start: datetime) -> "FlareQuerySet":
        return self.filter(at__gte=start)


class Flare(models.Model):
    """A flare-up the patient reported (texting FLARE): a dated fact for the clinicians'
    record, and what R27 counts. Never changed or deleted once recorded."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="flares")
    at = models.DateTimeField(default=timezone.now)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects: ClassVar[FlareQuerySet] = FlareQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"], name="flare_history")]

    def __str__(self) -> str:
        return f"flare {self.pk} of patient {self.patient_id}"
