"""The tick's escalation work, each job and each row on its own: notifications that were lost,
overdue re-notifications, referral clock reminders and deadlines, the scheduled rules (R13,
R19), and the email outbox."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Patient, SmsConsent
from checkins.models import Checkin
from escalations import rules
from escalations.models import Escalation, Notification, ReferralClock
from escalations.notifications import (
    EMAILS_PER_SWEEP,
    email_queue,
    email_send,
    notification_enqueue,
)
from escalations.rules import Hit, Severity
from escalations.services import NOTIFY_AT_ONCE, escalate, rule_input
from messaging.models import Message
from programs.models import Enrollment
from selfcare.clock import clinic_time_text
from selfcare.public_url import public_url

logger = logging.getLogger(__name__)

RENOTIFY_URGENT_EVERY = timedelta(hours=1)
NOTIFY_TASK_GRACE = timedelta(minutes=1)  # time for the notification task to run first
RENOTIFY_OTHER_EVERY = timedelta(hours=24)


@contextmanager
def _row(what: str, pk: int) -> Iterator[None]:
    """Log and skip one row whose sweep step failed (its transaction rolled back)."""
    try:
        yield
    except Exception:
        logger.exception("%s %s failed; the sweep goes on and the next tick retries it", what, pk)


def _notify_claimed(escalation_id: int, *, previous: datetime | None) -> bool:
    """Queue the notification for an escalation the sweep just claimed; if the broker refuses
    it, give the claim back so that the next sweep tries again."""
    try:
        notification_enqueue(escalation_id)
    except Exception:
        logger.warning("escalation %s: could not queue its notification", escalation_id)
        Escalation.objects.filter(pk=escalation_id).update(last_notified_at=previous)
        return False
    return True


def escalations_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The tick's escalation work, each job on its own: notify urgent escalations whose
    notification was lost, re-notify overdue ones, run referral clocks (half-time reminder,
    deadline), and raise the scheduled rules (R13, R19)."""
    now = now or timezone.now()
    return {
        "notified_late": escalations_notify_lost(now=now),
        "renotified": escalations_renotify_overdue(now=now),
        "clock_reminders": clocks_remind(now=now),
        "clocks_overdue": clocks_expire(now=now),
        "scheduled_rules": scheduled_rules_raise(now=now),
    }


def escalations_notify_lost(*, now: datetime) -> int:
    """An urgent escalation whose notification task was lost (the broker was down when it
    opened) is notified now, not only once it is overdue. Returns how many were."""
    never_notified = Escalation.objects.active().filter(
        severity__in=NOTIFY_AT_ONCE,
        last_notified_at__isnull=True,
        last_evidence_at__lt=now - NOTIFY_TASK_GRACE,  # an upgrade's own task goes first too
    )
    notified = 0
    for escalation_id in never_notified.values_list("pk", flat=True):
        claimed = Escalation.objects.filter(pk=escalation_id, last_notified_at__isnull=True).update(
            last_notified_at=now
        )
        if claimed and _notify_claimed(escalation_id, previous=None):
            notified += 1
    return notified


def escalations_renotify_overdue(*, now: datetime) -> int:
    """Notify overdue escalations again: urgent ones hourly, others daily. Returns how many
    were."""
    renotified = 0
    overdue = Escalation.objects.active().filter(due_at__lt=now).select_related("patient")
    for escalation in overdue:
        every = (
            RENOTIFY_URGENT_EVERY if escalation.severity in NOTIFY_AT_ONCE else RENOTIFY_OTHER_EVERY
        )
        not_lately = Q(last_notified_at__isnull=True) | Q(last_notified_at__lt=now - every)
        claimed = (
            Escalation.objects.filter(pk=escalation.pk)
            .filter(not_lately)
            .update(last_notified_at=now)
        )
        if claimed and _notify_claimed(escalation.pk, previous=escalation.last_notified_at):
            renotified += 1
    return renotified


# Each clock's step is recorded in the transaction that does it, so a failure leaves it to the
# next tick, and one failing clock never holds up the others.


def clocks_remind(*, now: datetime) -> int:
    """Email the clinician of each running clock at half time. Returns how many were."""
    reminded = 0
    due = ReferralClock.objects.filter(
        stopped_at__isnull=True, remind_at__lte=now, reminded_at__isnull=True
    ).select_related("patient")
    for clock in due:
        with _row("referral clock reminder", clock.pk), transaction.atomic():
            if ReferralClock.objects.filter(pk=clock.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                _email_clock_reminder(clock)
                reminded += 1
    return reminded


def clocks_expire(*, now: datetime) -> int:
    """A running clock past its deadline escalates, same day. Returns how many did."""
    overdue = 0
    due = ReferralClock.objects.filter(
        stopped_at__isnull=True, deadline__lte=now, overdue_at__isnull=True
    ).select_related("patient")
    for clock in due:
        with _row("referral clock deadline", clock.pk), transaction.atomic():
            if ReferralClock.objects.filter(pk=clock.pk, overdue_at__isnull=True).update(
                overdue_at=now
            ):
                hit = Hit(
                    clock.rule,
                    Severity.SAME_DAY,
                    f"Referral clock {clock.kind} reached its deadline without a referral.",
                )
                escalate(patient=clock.patient, hit=hit, now=now)
                overdue += 1
    return overdue


def scheduled_rules_raise(*, now: datetime) -> int:
    """R13 (re-screen at two weeks) and R19 (no replies) for the patients they may concern.
    Returns how many were raised."""
    raised = 0
    # A day's margin: R13 counts the patient's local days, which can start up to a day before
    # 14 x 24 hours have passed; the rule itself decides.
    rescreen_due = Patient.objects.filter(
        status=Patient.Status.ACTIVE, created_at__lte=now - timedelta(days=rules.R13_DAYS - 1)
    ).exclude(escalations__rule="R13")
    for patient in rescreen_due:
        with _row("R13 for patient", patient.pk), transaction.atomic():
            hit = rules.r13(rule_input(patient, now=now))
            if hit is not None:
                escalate(patient=patient, hit=hit, now=now)
                raised += 1
    silent_since = now - timedelta(days=rules.R19_SILENT_DAYS)
    heard = Message.objects.inbound().filter(patient=OuterRef("pk"), created_at__gte=silent_since)
    # One outreach task at a time: none while one is open, and a resolved one is raised again
    # only after another full period of silence.
    outreach_pending = Escalation.objects.filter(patient=OuterRef("pk"), rule="R19").filter(
        Q(status__in=Escalation.ACTIVE) | Q(created_at__gte=silent_since)
    )
    expired_recently = Checkin.objects.filter(
        patient=OuterRef("pk"), status=Checkin.Status.EXPIRED, ended_at__gte=now - timedelta(days=1)
    )
    candidates = (
        Patient.objects.filter(
            status=Patient.Status.ACTIVE,
            sms_consent=SmsConsent.ACTIVE,
            created_at__lte=silent_since,
        )
        .exclude(Exists(outreach_pending))
        # A paused program asks nothing, so its silence is expected.
        .filter(Exists(Enrollment.objects.active().filter(patient=OuterRef("pk"))))
        .filter(~Exists(heard) | Exists(expired_recently))
    )
    for patient in candidates:
        with _row("R19 for patient", patient.pk), transaction.atomic():
            raised += _r19_for(patient, now=now)
    return raised


def _r19_for(patient: Patient, *, now: datetime) -> int:
    """R19 (no replies) for one candidate patient; 1 if it was raised."""
    last_three = list(
        Checkin.objects.filter(patient=patient)
        .exclude(status=Checkin.Status.OPEN)
        .order_by("-started_at")
        .values_list("status", flat=True)[: rules.R19_EXPIRED_IN_A_ROW]
    )
    last_heard = (
        Message.objects.inbound()
        .filter(patient=patient)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    data = replace(
        rule_input(patient, now=now),
        expired_in_a_row=sum(1 for _ in _leading(last_three, Checkin.Status.EXPIRED)),
        last_heard_at=last_heard or patient.created_at,
    )
    if (hit := rules.r19(data)) is not None:
        escalate(patient=patient, hit=hit, now=now)
        return 1
    return 0


def _leading(values: list[str], wanted: str) -> Iterable[str]:
    for value in values:
        if value != wanted:
            return
        yield value


def _email_clock_reminder(clock: ReferralClock) -> None:
    email = clock.patient.clinician.email
    if not email:
        logger.warning("referral clock %s: its clinician has no email for the reminder", clock.pk)
        return
    email_queue(
        clock=clock,
        recipient=email,
        subject=f"SelfCare: referral clock {clock.kind} at half time",
        body=(
            f"A {clock.kind} referral clock for one of your patients reaches its deadline on "
            f"{clinic_time_text(clock.deadline)}. Record the referral or dismiss the clock in "
            f"SelfCare: {public_url('admin:escalations_referralclock_change', clock.pk)}\n"
        ),
    )


def emails_sweep(*, now: datetime | None = None) -> int:
    """Send email notices that are due again (their task was lost, or the server refused);
    stops at the first failure, since the server is then most likely down for the rest."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        channel="email", sent_at__isnull=True, next_attempt_at__lte=now
    ).order_by("next_attempt_at")
    sent = 0
    for notification_id in due.values_list("pk", flat=True)[:EMAILS_PER_SWEEP]:
        if not email_send(notification_id=notification_id, now=now):
            break
        sent += 1
    return sent
