"""Telling the care team: the escalation chain, each step an SMS alert and an email (through a
small outbox: rows in Notification, sent after commit, retried with backoff while the server
refuses). No patient details leave in either: a severity, a due time, a link and the code to
text back ("ACK 1234").

The chain, while the escalation stays open (not acknowledged):

- step 0, the responsible clinician, or while they are away their team's on-call member (the
  lead if the on-call member is away too): at once for `emergency` and `same_day`, at the due
  time for the rest;
- step 1, one period later: the team's on-call member and the lead;
- step 2 on, a period apart: every member of the team who is not away.

Periods (settings): `emergency` ESCALATION_STEP_EMERGENCY_MINUTES (15), `same_day`
ESCALATION_STEP_SAME_DAY_MINUTES (120), the rest ESCALATION_STEP_OTHER_HOURS (24). A clinician
in no team is the only one to tell, at every step. Each step is sent at most once: the worker
records it (`chain_step`) in the transaction that queues its messages, and a redelivered or
repeated task finds it done.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Clinician
from escalations.models import Escalation, Notification, ReferralClock
from escalations.rules import Severity
from messaging.models import Priority
from messaging.outbox import message_queue
from selfcare.clock import clinic_time_text
from selfcare.public_url import public_url

logger = logging.getLogger(__name__)


# --- the escalation chain ---------------------------------------------------------------------

NOTIFY_TASK_GRACE = timedelta(minutes=1)  # an urgent escalation's own task goes first

CHAIN_STEPS = {0: "responsible or cover", 1: "on call and lead"}


def step_words(step: int) -> str:
    """Whom a step of the chain tells, as the queue and the escalation page say it."""
    return CHAIN_STEPS.get(step, "the whole team")


def step_period(severity: str) -> timedelta:
    """How long the chain waits for an acknowledgement before its next step."""
    if severity == Severity.EMERGENCY:
        return timedelta(minutes=settings.ESCALATION_STEP_EMERGENCY_MINUTES)
    if severity == Severity.SAME_DAY:
        return timedelta(minutes=settings.ESCALATION_STEP_SAME_DAY_MINUTES)
    return timedelta(hours=settings.ESCALATION_STEP_OTHER_HOURS)


def covering(responsible: Clinician, *, now: datetime) -> Clinician:
    """Who is told instead of `responsible` now: themself, or while they are away their team's
    on-call member (the lead if the on-call member is away too). With everyone away, still the
    responsible clinician: an alert is never dropped."""
    team = responsible.team
    if team is None or not responsible.is_away(now):
        return responsible
    present = (c for c in (team.on_call, team.lead) if c is not None and not c.is_away(now))
    return next(present, responsible)


def step_recipients(escalation: Escalation, step: int, *, now: datetime) -> list[Clinician]:
    """Who step `step` of the escalation's chain tells (see the module docstring)."""
    responsible = escalation.patient.clinician
    team = responsible.team
    if step == 0 or team is None:
        return [covering(responsible, now=now)]
    candidates = [team.on_call, team.lead]
    if step >= 2:
        candidates += list(team.members.select_related("user").order_by("pk"))
    chosen: dict[int, Clinician] = {}
    for clinician in candidates:
        if clinician is not None and not clinician.is_away(now):
            chosen.setdefault(clinician.pk, clinician)
    return list(chosen.values()) or [covering(responsible, now=now)]


def notification_enqueue(escalation_id: int, step: int) -> None:
    """Hand a step of the escalation's chain to a worker (after commit, by the caller)."""
    from escalations.tasks import notify_clinician_task  # tasks import this module

    notify_clinician_task.delay(escalation_id, step)


def notify_step(*, escalation_id: int, step: int, now: datetime | None = None) -> bool:
    """Send step `step` of the escalation's chain, if it is the next one and the escalation
    is still open; True if it was sent now. The step, its messages and its Notification rows
    are one transaction under the escalation's row lock, so it happens at most once."""
    now = now or timezone.now()
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .select_related("patient__clinician__team__on_call", "patient__clinician__team__lead")
            .get(pk=escalation_id)
        )
        expected = 0 if escalation.chain_step is None else escalation.chain_step + 1
        if escalation.status != Escalation.Status.OPEN or step != expected:
            return False
        for clinician in step_recipients(escalation, step, now=now):
            _notify(escalation, clinician, step=step, now=now)
        escalation.chain_step = step
        escalation.next_step_at = now + step_period(escalation.severity)
        escalation.last_notified_at = now
        escalation.save(update_fields=["chain_step", "next_step_at", "last_notified_at"])
    logger.info("escalation %s: chain step %s sent", escalation_id, step)
    return True


def _notify(escalation: Escalation, clinician: Clinician, *, step: int, now: datetime) -> None:
    """One clinician's SMS and email for one step: severity, due time, link, code; no PHI."""
    link = public_url("admin:escalations_escalation_change", escalation.pk)
    severity = escalation.get_severity_display()
    whose = "your " if clinician.pk == escalation.patient.clinician_id else "your team's "
    if clinician.phone:
        message_queue(
            patient=None,
            phone=str(clinician.phone),
            text="staff_alert",
            context={
                "severity": severity,
                "due": clinic_time_text(escalation.due_at, "%H:%M", clinician.zone),
                "link": link,
                "code": escalation.ack_code,
                "whose": whose,
            },
            priority=Priority.EMERGENCY,
            language="en",
            staff_alert=True,
        )
        Notification.objects.create(
            escalation=escalation, clinician=clinician, step=step, channel="sms", sent_at=now
        )
    if clinician.email:
        email_queue(
            escalation=escalation,
            clinician=clinician,
            step=step,
            recipient=clinician.email,
            subject=f"SelfCare: {severity} escalation to review",
            body=(
                f"A {severity} escalation for one of {whose}patients "
                f"is due by {clinic_time_text(escalation.due_at, zone=clinician.zone)}.\n\n"
                f"Open it in SelfCare: {link}\n"
                f"Or reply to the SMS alert: ACK {escalation.ack_code}\n"
            ),
        )


# --- clinician email: a small outbox (see Notification) --------------------------------------

EMAIL_CLAIM = timedelta(minutes=10)  # a send whose worker died is tried again after this
EMAIL_BACKOFF_MAX = timedelta(hours=1)
EMAILS_PER_SWEEP = 50


def email_backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), EMAIL_BACKOFF_MAX)


def email_queue(
    *,
    recipient: str,
    subject: str,
    body: str,
    escalation: Escalation | None = None,
    clock: ReferralClock | None = None,
    clinician: Clinician | None = None,
    step: int | None = None,
) -> Notification:
    """Record an email notice unsent, in the caller's transaction; a worker sends it after
    commit, and the sweep tries again until the mail server takes it."""
    notice = Notification.objects.create(
        escalation=escalation,
        clock=clock,
        clinician=clinician,
        step=step,
        channel="email",
        recipient=recipient,
        subject=subject,
        body=body,
        sent_at=None,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(partial(_enqueue_email, notice.pk), robust=True)
    return notice


def _enqueue_email(notification_id: int) -> None:
    from escalations.tasks import email_send_task

    email_send_task.delay(notification_id)


def email_send(*, notification_id: int, now: datetime | None = None) -> bool:
    """Send one unsent email notice now, if it is due; True once the server accepted it.

    The claim (a conditional update) keeps two workers from sending it at once. A refusal or an
    unreachable server leaves it unsent, due again after the backoff.
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, sent_at__isnull=True, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + EMAIL_CLAIM)
    if not claimed:
        return False
    notice = Notification.objects.get(pk=notification_id)
    try:
        EmailMessage(subject=notice.subject, body=notice.body, to=[notice.recipient]).send()
    except (OSError, smtplib.SMTPException) as error:
        retry_at = now + email_backoff(notice.attempts)
        Notification.objects.filter(pk=notice.pk).update(next_attempt_at=retry_at)
        logger.warning(
            "email notice %s not sent (attempt %s: %s); next try at %s",
            notice.pk,
            notice.attempts,
            type(error).__name__,
            f"{retry_at:%H:%M:%S}",
        )
        return False
    Notification.objects.filter(pk=notice.pk).update(sent_at=timezone.now(), next_attempt_at=None)
    return True
