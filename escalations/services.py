"""Writes for escalations: evaluating answers and texts, raising escalations, referral
clocks, clinician notifications, and the clinician's actions.

Each of the clinician's actions owns its transaction and writes its own audit row. The flow
from a patient's reply to these services (and the one message they are told) is
care.replies.
"""

import logging
import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.models import Patient, SmsConsent, User
from accounts.services import audit
from checkins.models import Answer, Checkin
from checkins.services import recent_values
from escalations import rules
from escalations.models import Escalation, Evidence, Notification, ReferralClock
from escalations.rules import Hit, RuleInput, Severity
from messaging.models import Message, Priority
from messaging.outbox import message_queue
from programs.models import Enrollment
from selfcare.clock import clinic_time_text, clinic_zone, day_start, local_today
from selfcare.public_url import public_url

logger = logging.getLogger(__name__)

NOTIFY_AT_ONCE = (Severity.EMERGENCY, Severity.SAME_DAY)
RENOTIFY_URGENT_EVERY = timedelta(hours=1)
NOTIFY_TASK_GRACE = timedelta(minutes=1)  # time for the notification task to run first
RENOTIFY_OTHER_EVERY = timedelta(hours=24)


# --- rule input --------------------------------------------------------------------------------


def rule_input(
    patient: Patient,
    *,
    now: datetime,
    current: dict[str, object] | None = None,
    text: str = "",
    help_keyword: bool = False,
) -> RuleInput:
    history = recent_values(patient)
    # R20 counts the days a serious condition showed, not escalations: a persistent one keeps
    # one escalation open and adds evidence to it week after week.
    serious = (
        Evidence.objects.filter(
            escalation__patient=patient,
            escalation__severity__in=[
                Severity.EMERGENCY,
                Severity.SAME_DAY,
                Severity.H24,
                Severity.H72,
            ],
            at__gte=now - rules.R20_WINDOW,
        )
        .exclude(escalation__rule="R20")
        .dates("at", "day")
        .count()
    )
    sites = current.get("pain_sites") if current else None
    zone = ZoneInfo(patient.timezone)
    return RuleInput(
        now=now,
        zone=zone,
        flags=patient.flags,
        enrolled_on=local_today(patient.created_at, zone),
        onset_date=patient.onset_date,
        presentation_date=patient.presentation_date,
        baseline_back=patient.baseline_back_pain,
        baseline_leg=patient.baseline_leg_pain,
        baseline_site_count=len(patient.pain_sites),
        current=current or {},
        history=history,
        site_count=len(set(patient.pain_sites) | set(sites)) if isinstance(sites, list) else None,
        text=text,
        help_keyword=help_keyword,
        serious_escalations_12_weeks=serious,
    )


def escalate_holding(
    *, patient: Patient, hits: Iterable[Hit], now: datetime, answer: Answer
) -> list[Hit]:
    """Persistent conditions keep firing (CLINICAL.md "How rules fire over time"): every hit
    whose condition holds after `answer` adds evidence to the rule's open escalation, once per
    check-in (or at once when it is more severe); with none open, it opens one if the rule is
    re-armed. Returns the hits acted on."""
    acted: list[Hit] = []
    for hit in hits:
        active = Escalation.objects.active().filter(patient=patient, rule=hit.rule).first()
        if active is not None:
            more_severe = rules.SEVERITY_ORDER.index(hit.severity) < rules.SEVERITY_ORDER.index(
                Severity(active.severity)
            )
            seen = active.evidence.filter(answer__checkin_id=answer.checkin_id).exists()
            if seen and not more_severe:
                continue
        else:
            last_resolved = (
                Escalation.objects.filter(patient=patient, rule=hit.rule, resolved_at__isnull=False)
                .order_by("-resolved_at")
                .values_list("resolved_at", flat=True)
                .first()
            )
            if not rules.rearmed(hit, last_resolved_at=last_resolved, now=now):
                continue
        escalate(patient=patient, hit=hit, now=now, answer=answer)
        acted.append(hit)
    return acted


# --- escalations -------------------------------------------------------------------------------


def escalate(
    *,
    patient: Patient,
    hit: Hit,
    now: datetime | None = None,
    answer: Answer | None = None,
    message: Message | None = None,
) -> Escalation:
    """Open an escalation for `hit`, or add evidence to the patient's active one for the rule
    (raising its severity if this hit is more severe); start its referral clock; notify the
    clinician at once for emergency and same-day severities."""
    now = now or timezone.now()
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update()
            .active()
            .filter(patient=patient, rule=hit.rule)
            .first()
        )
        notify = hit.severity in NOTIFY_AT_ONCE
        if escalation is None:
            try:
                with transaction.atomic():
                    escalation = Escalation.objects.create(
                        patient=patient,
                        rule=hit.rule,
                        severity=hit.severity,
                        reason=hit.reason,
                        due_at=rules.due_at(hit.severity, now),
                        created_at=now,
                        last_evidence_at=now,
                    )
            except IntegrityError:  # a concurrent reply opened it first
                escalation = (
                    Escalation.objects.select_for_update()
                    .active()
                    .get(patient=patient, rule=hit.rule)
                )
                _add_evidence(escalation, hit, now)
        else:
            more_severe = rules.SEVERITY_ORDER.index(hit.severity) < rules.SEVERITY_ORDER.index(
                Severity(escalation.severity)
            )
            _add_evidence(escalation, hit, now, upgrade=more_severe)
            notify = notify and more_severe
        Evidence.objects.create(
            escalation=escalation, detail=hit.reason, answer=answer, message=message, at=now
        )
        if hit.clock is not None:
            clock_start(patient=patient, kind=hit.clock, rule=hit.rule, now=now)
        if notify:
            transaction.on_commit(partial(_enqueue_notification, escalation.pk), robust=True)
    logger.info(
        "escalation %s: %s %s for patient %s", escalation.pk, hit.rule, hit.severity, patient.pk
    )
    return escalation


def _add_evidence(
    escalation: Escalation, hit: Hit, now: datetime, *, upgrade: bool = False
) -> None:
    escalation.evidence_count += 1
    escalation.last_evidence_at = now
    fields = ["evidence_count", "last_evidence_at"]
    if upgrade:
        escalation.severity = hit.severity
        escalation.due_at = min(escalation.due_at, rules.due_at(hit.severity, now))
        escalation.reason = hit.reason
        fields += ["severity", "due_at", "reason"]
    escalation.save(update_fields=fields)


def _enqueue_notification(escalation_id: int) -> None:
    from escalations.tasks import notify_clinician_task

    notify_clinician_task.delay(escalation_id)


def escalation_acknowledge(*, escalation: Escalation, user: User) -> Escalation:
    """The clinician has seen an open escalation and is acting on it; audited, in one
    transaction. An acknowledged or resolved one is left as it is."""
    if escalation.status == Escalation.Status.OPEN:
        with transaction.atomic():
            audit(
                actor=user,
                patient=escalation.patient,
                action="change",
                what=f"escalation {escalation.pk}",
                detail="acknowledged",
            )
            escalation.status = Escalation.Status.ACKNOWLEDGED
            escalation.acknowledged_at = timezone.now()
            escalation.acknowledged_by = user
            escalation.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return escalation


class CareTeamReplyRefused(ValueError):
    """A care-team SMS that may not, or cannot, be sent; the message says why."""


CARE_TEAM_REPLY_MAX = 320  # characters the clinician may type: two to three segments


def care_team_reply(*, escalation: Escalation, user: User, text: str) -> Message:
    """Text the patient from the care team about this escalation (in the patient's language
    setting: the frame is translated, the clinician's words are theirs). Audited; recorded as
    evidence. Refused without active SMS consent."""
    words = " ".join(text.split())
    if not words:
        raise CareTeamReplyRefused("Write the message to send.")
    if len(words) > CARE_TEAM_REPLY_MAX:
        raise CareTeamReplyRefused(
            f"Keep it under {CARE_TEAM_REPLY_MAX} characters ({len(words)} now): SMS is short."
        )
    patient = Patient.objects.get(pk=escalation.patient_id)
    if patient.sms_consent != SmsConsent.ACTIVE:
        raise CareTeamReplyRefused("Not sent: the patient has no active SMS consent.")
    with transaction.atomic():
        reply = message_queue(
            patient=patient,
            text="care_team_reply",
            context={"words": words},
            priority=Priority.REPLY,
        )
        Evidence.objects.create(
            escalation=escalation, detail="The care team replied by SMS.", message=reply
        )
        audit(
            actor=user,
            patient=patient,
            action="change",
            what=f"escalation {escalation.pk}",
            detail="replied by SMS",
        )
    return reply


def escalation_resolve(
    *, escalation: Escalation, user: User, note: str, tell_patient: bool = False
) -> Escalation:
    """Resolve with the clinician's note; with `tell_patient`, the patient is texted that
    their care team has seen their message (R24), when they may be texted. Audited; the
    text, the audit row and the resolution are one transaction."""
    if escalation.status == Escalation.Status.RESOLVED:
        return escalation
    with transaction.atomic():
        if tell_patient:
            message_queue(
                patient=escalation.patient, text="care_team_seen", priority=Priority.REPLY
            )
        what = f"escalation {escalation.pk}"
        audit(actor=user, patient=escalation.patient, action="change", what=what, detail="resolved")
        now = timezone.now()
        escalation.status = Escalation.Status.RESOLVED
        escalation.resolved_at = now
        escalation.resolved_by = user
        escalation.resolution_note = note
        if escalation.acknowledged_at is None:
            escalation.acknowledged_at, escalation.acknowledged_by = now, user
        escalation.save()
    return escalation


# --- clinician notifications ------------------------------------------------------------------


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
        _enqueue_notification(escalation_id)
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
    heard = Message.objects.filter(
        patient=OuterRef("pk"), direction="in", created_at__gte=silent_since
    )
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
            status=Patient.Status.ACTIVE, sms_consent="active", created_at__lte=silent_since
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
        Message.objects.filter(patient=patient, direction="in")
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


# --- referral clocks ------------------------------------------------------------------------


def clock_start(*, patient: Patient, kind: rules.Clock, rule: str, now: datetime) -> ReferralClock:
    """Start the patient's `kind` clock unless one is running (idempotent)."""
    running = ReferralClock.objects.filter(
        patient=patient, kind=kind, stopped_at__isnull=True
    ).first()
    if running is not None:
        return running
    deadline_day = rules.clock_deadline(
        kind, onset_date=patient.onset_date, presentation_date=patient.presentation_date
    )
    start_day = (
        patient.presentation_date
        if kind == rules.Clock.TWO_WEEKS
        else (patient.onset_date or patient.presentation_date)
    )
    zone = clinic_zone()
    start, deadline = day_start(start_day, zone), day_start(deadline_day, zone)
    return ReferralClock.objects.create(
        patient=patient,
        kind=kind,
        rule=rule,
        started_at=now,
        deadline=deadline,
        remind_at=start + (deadline - start) / 2,
    )


def clock_record_referral(
    *, clock: ReferralClock, user: User, referral_type: str, referral_date: object
) -> ReferralClock:
    """Stop the clock: the patient was referred. Audited, in one transaction."""
    with transaction.atomic():
        what = f"referral clock {clock.pk}"
        audit(
            actor=user,
            patient=clock.patient,
            action="change",
            what=what,
            detail="referral recorded",
        )
        clock.stopped_at = timezone.now()
        clock.stop_reason = ReferralClock.Stop.REFERRED
        clock.referral_type = referral_type
        clock.referral_date = referral_date  # type: ignore[assignment]
        clock.stopped_by = user
        clock.save()
    return clock


def clock_dismiss(*, clock: ReferralClock, user: User, reason: str) -> ReferralClock:
    """Stop the clock without a referral, for the reason given. Audited, in one
    transaction."""
    if not reason.strip():
        raise ValueError("A reason is required to dismiss a referral clock.")
    with transaction.atomic():
        what = f"referral clock {clock.pk}"
        audit(actor=user, patient=clock.patient, action="change", what=what, detail="dismissed")
        clock.stopped_at = timezone.now()
        clock.stop_reason = ReferralClock.Stop.DISMISSED
        clock.stop_note = reason
        clock.stopped_by = user
        clock.save()
    return clock
