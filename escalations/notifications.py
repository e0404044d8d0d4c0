"""Telling the responsible clinician: an SMS alert at once, and an email through a small
outbox (rows in Notification, sent after commit, retried with backoff while the server
refuses). No patient details leave in either: a severity, a due time and a link."""

import logging
import smtplib
from datetime import datetime, timedelta
from functools import partial

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from escalations.models import Escalation, Notification, ReferralClock
from messaging.models import Priority
from messaging.outbox import message_queue
from selfcare.clock import clinic_time_text
from selfcare.public_url import public_url

logger = logging.getLogger(__name__)


# --- clinician notifications ------------------------------------------------------------------


def notification_enqueue(escalation_id: int) -> None:
    """Hand the escalation's notification to a worker (after commit, by the caller)."""
    from escalations.tasks import notify_clinician_task  # tasks import this module

    notify_clinician_task.delay(escalation_id)


def notify_clinician(*, escalation_id: int) -> None:
    """SMS and email the responsible clinician: severity, due time and a link; no PHI."""
    escalation = Escalation.objects.select_related("patient__clinician").get(pk=escalation_id)
    clinician = escalation.patient.clinician
    link = public_url("admin:escalations_escalation_change", escalation.pk)
    context = {
        "severity": escalation.get_severity_display(),
        "due": clinic_time_text(escalation.due_at, "%H:%M"),
        "link": link,
    }
    now = timezone.now()
    with transaction.atomic():
        if clinician.phone:
            message_queue(
                patient=None,
                phone=str(clinician.phone),
                text="staff_alert",
                context=context,
                priority=Priority.EMERGENCY,
                language="en",
                staff_alert=True,
            )
            Notification.objects.create(escalation=escalation, channel="sms", sent_at=now)
        if clinician.email:
            email_queue(
                escalation=escalation,
                recipient=clinician.email,
                subject=f"SelfCare: {escalation.get_severity_display()} escalation to review",
                body=(
                    f"A {escalation.get_severity_display()} escalation for one of your patients "
                    f"is due by {clinic_time_text(escalation.due_at)}.\n\n"
                    f"Open it in SelfCare: {link}\n"
                ),
            )
        Escalation.objects.filter(pk=escalation.pk).update(last_notified_at=now)


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
) -> Notification:
    """Record an email notice unsent, in the caller's transaction; a worker sends it after
    commit, and the sweep tries again until the mail server takes it."""
    notice = Notification.objects.create(
        escalation=escalation,
        clock=clock,
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
