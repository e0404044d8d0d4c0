"""Writes for escalations: the rule input, raising escalations (and keeping persistent ones
open), the clinician's actions on them, and referral clocks. Notifications are in
escalations.notifications, the tick's sweeps in escalations.sweeps.

Each of the clinician's actions owns its transaction and writes its own audit row. The flow
from a patient's reply to these services (and the one message they are told) is
care.replies.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Clinician, Patient, SmsConsent, User
from accounts.services import audit
from checkins.models import Answer
from checkins.services import recent_values
from escalations import rules
from escalations.models import Escalation, Evidence, ReferralClock
from escalations.notifications import NOTIFY_TASK_GRACE, notification_enqueue
from escalations.rules import Hit, RuleInput, Severity
from messaging.models import Message, Priority
from messaging.outbox import message_queue
from selfcare.clock import clinic_zone, day_start, local_today

logger = logging.getLogger(__name__)

NOTIFY_AT_ONCE = (Severity.EMERGENCY, Severity.SAME_DAY)


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
        elif not _rearmed(patient, hit, now=now):
            continue
        escalate(patient=patient, hit=hit, now=now, answer=answer)
        acted.append(hit)
    return acted


def escalate_if_armed(
    *, patient: Patient, hit: Hit, now: datetime, message: Message
) -> Escalation | None:
    """A condition that holds at a text (R27's flare-ups): evidence for the rule's active
    escalation, or a new one if the rule is re-armed (CLINICAL.md "How rules fire over
    time"); None when it is not."""
    active = Escalation.objects.active().filter(patient=patient, rule=hit.rule).exists()
    if not active and not _rearmed(patient, hit, now=now):
        return None
    return escalate(patient=patient, hit=hit, now=now, message=message)


def _rearmed(patient: Patient, hit: Hit, *, now: datetime) -> bool:
    """Whether `hit` may open a new escalation, given the rule's last resolved one."""
    last_resolved = (
        Escalation.objects.filter(patient=patient, rule=hit.rule, resolved_at__isnull=False)
        .order_by("-resolved_at")
        .values_list("resolved_at", flat=True)
        .first()
    )
    return rules.rearmed(hit, last_resolved_at=last_resolved, now=now)


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
                    due_at = rules.due_at(hit.severity, now)
                    escalation = Escalation.objects.create(
                        patient=patient,
                        rule=hit.rule,
                        severity=hit.severity,
                        reason=hit.reason,
                        due_at=due_at,
                        created_at=now,
                        last_evidence_at=now,
                        # The chain's first step: at once (its task, or the tick if that is
                        # lost) for the urgent severities, at the due time for the rest.
                        next_step_at=now + NOTIFY_TASK_GRACE if notify else due_at,
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
            step = 0 if escalation.chain_step is None else escalation.chain_step + 1
            transaction.on_commit(partial(notification_enqueue, escalation.pk, step), robust=True)
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
        if escalation.status == Escalation.Status.OPEN:
            # Now urgent: the chain's next step goes at once; otherwise the first is due sooner.
            if hit.severity in NOTIFY_AT_ONCE:
                escalation.next_step_at = now + NOTIFY_TASK_GRACE
            elif escalation.chain_step is None:
                escalation.next_step_at = escalation.due_at
            fields.append("next_step_at")
    escalation.save(update_fields=fields)


def escalation_acknowledge(*, escalation: Escalation, user: User, via: str = "") -> Escalation:
    """The clinician has seen an open escalation and is acting on it: the chain stops, and a
    patient who told us something hears that their care team has seen it (once: an escalation
    is acknowledged once). Audited, in one transaction; an acknowledged or resolved one is left
    as it is. `via` says how, for the audit trail ("by SMS")."""
    with transaction.atomic():
        claimed = Escalation.objects.filter(pk=escalation.pk, status=Escalation.Status.OPEN).update(
            status=Escalation.Status.ACKNOWLEDGED,
            acknowledged_at=timezone.now(),
            acknowledged_by=user,
            next_step_at=None,
        )
        escalation.refresh_from_db()
        if not claimed:
            return escalation
        audit(
            actor=user,
            patient=escalation.patient,
            action="change",
            what=f"escalation {escalation.pk}",
            detail=f"acknowledged {via}".strip(),
        )
        if escalation.evidence.filter(Q(answer__isnull=False) | Q(message__isnull=False)).exists():
            # Outside quiet hours unless it is an emergency; only with consent (the outbox).
            urgent = escalation.severity == Severity.EMERGENCY
            message_queue(
                patient=escalation.patient,
                text="care_team_acknowledged",
                priority=Priority.EMERGENCY if urgent else Priority.BULK,
            )
    return escalation


class AcknowledgeRefused(ValueError):
    """An "ACK <code>" that acknowledges nothing: `reason` is "unknown" (no active alert of
    theirs has it) or "shared" (two do)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def escalation_acknowledge_by_code(*, clinician: Clinician, code: str) -> tuple[Escalation, bool]:
    """ "ACK 1234" from a clinician's phone: acknowledge the active escalation with that code
    among the patients they may see; (the escalation, whether this acknowledged it). Refused
    (AcknowledgeRefused) for a code that is not one of theirs, or that two of their alerts
    share (they acknowledge in SelfCare then)."""
    matches = list(
        Escalation.objects.visible_to(clinician.user)
        .active()
        .filter(ack_code=code)
        .select_related("patient")[:2]
    )
    if not matches:
        raise AcknowledgeRefused("unknown")
    if len(matches) > 1:
        raise AcknowledgeRefused("shared")
    was_open = matches[0].status == Escalation.Status.OPEN
    escalation = escalation_acknowledge(escalation=matches[0], user=clinician.user, via="by SMS")
    return escalation, was_open and escalation.acknowledged_by_id == clinician.user_id


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
        escalation.next_step_at = None
        if escalation.acknowledged_at is None:
            escalation.acknowledged_at, escalation.acknowledged_by = now, user
        escalation.save()
    return escalation


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
