"""The tick's escalation work, each job and each row on its own: the escalation chain's due
steps, referral clock reminders and deadlines, the scheduled rules (R13, R19), and the email
outbox."""

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
    covering,
    email_queue,
    email_send,
    notification_enqueue,
)
from escalations.rules import Hit, Severity
from escalations.services import escalate, rule_input
from messaging.models import Message
from programs.models import Enrollment
from selfcare.clock import clinic_time_text
from selfcare.public_url import public_url

logger = logging.getLogger(__name__)

CHAIN_CLAIM = timedelta(minutes=2)  # a step handed to a worker that never ran it is handed again
CHAIN_BATCH = 500  # steps handed out per tick, oldest due first


@contextmanager
def _row(what: str, pk: int) -> Iterator[None]:
    """Log and skip one row whose sweep step failed (its transaction rolled back)."""
    try:
        yield
    except Exception:
        logger.exception("%s %s failed; the sweep goes on and the next tick retries it", what, pk)


def escalations_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The tick's escalation work, each job on its own: hand out the escalation chain's due
    steps, run referral clocks (half-time reminder, deadline), and raise the scheduled rules
    (R13, R19)."""
    now = now or timezone.now()
    return {
        "chain_steps": escalations_chain(now=now),
        "clock_reminders": clocks_remind(now=now),
        "clocks_overdue": clocks_expire(now=now),
        "scheduled_rules": scheduled_rules_raise(now=now),
    }


def escalations_chain(*, now: datetime) -> int:
    """Hand each open escalation whose next chain step is due to a worker (notify_step): the
    first notification whose task was lost, and the next step of one nobody acknowledged.

    Each is claimed by a conditional update on `next_step_at` (two schedulers never hand out
    the same step; a step handed out and lost is handed out again after CHAIN_CLAIM), and the
    worker sends a step at most once. Returns how many were handed out."""
    due = (
        Escalation.objects.filter(status=Escalation.Status.OPEN, next_step_at__lte=now)
        .order_by("next_step_at")
        .values_list("pk", "chain_step", "next_step_at")[:CHAIN_BATCH]
    )
    handed = 0
    for escalation_id, chain_step, due_at in due:
        claimed = Escalation.objects.filter(
            pk=escalation_id, status=Escalation.Status.OPEN, next_step_at=due_at
        ).update(next_step_at=now + CHAIN_CLAIM)
        if not claimed:
            continue
        step = 0 if chain_step is None else chain_step + 1
        try:
            notification_enqueue(escalation_id, step)
        except Exception:  # the broker refused: give the claim back for the next tick
            logger.warning("escalation %s: could not hand out chain step %s", escalation_id, step)
            Escalation.objects.filter(pk=escalation_id).update(next_step_at=due_at)
            continue
        handed += 1
    return handed


# Each clock's step is recorded in the transaction that does it, so a failure leaves it to the
# next tick, and one failing clock never holds up the others.


def clocks_remind(*, now: datetime) -> int:
    """Email the clinician of each running clock at half time. Returns how many were."""
    reminded = 0
    due = ReferralClock.objects.filter(
        stopped_at__isnull=True, remind_at__lte=now, reminded_at__isnull=True
    ).select_related("patient__clinician__team__on_call", "patient__clinician__team__lead")
    for clock in due:
        with _row("referral clock reminder", clock.pk), transaction.atomic():
            if ReferralClock.objects.filter(pk=clock.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                _email_clock_reminder(clock, now=now)
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


def _email_clock_reminder(clock: ReferralClock, *, now: datetime) -> None:
    recipient = covering(clock.patient.clinician, now=now)
    email = recipient.email
    link = public_url("admin:escalations_referralclock_change", clock.pk)
    if not email:
        logger.warning("referral clock %s: its clinician has no email for the reminder", clock.pk)
        return
    email_queue(
        clock=clock,
        recipient=email,
        subject=f"SelfCare: {clock.get_kind_display()} clock at half time",
        body=(
            f"A {clock.get_kind_display()} clock for one of your patients reaches its deadline on "
            f"{clinic_time_text(clock.deadline, zone=recipient.zone)}. Record the referral or "
            f"dismiss the clock in SelfCare: {link}\n"
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
