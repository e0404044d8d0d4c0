"""How a text goes out: the outbox, the send, cancelling, the sweeper and status callbacks.

Every outbound SMS is a `Message` row queued in the transaction of the event that causes it
(`message_queue`); a worker hands it to the provider after commit (`message_send`), and the
sweeper catches up on rows whose enqueue was lost or whose retry is due (`outbox_sweep`). The
provider's status callbacks then move it forward (`status_callback_record`). See the state
machine on `Message`.

One module for the whole outbound path, past the ~400 lines a module usually stops at: the
queue, the send and the callbacks share the state machine's private steps (`_set_status`,
`_suppression`, `_provider_refused_number`), and splitting them would make those public.

Logs carry message ids and the last digits of numbers only, never bodies or names.
"""

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import ConsentEvent, Patient, SmsConsent
from accounts.phones import redact
from accounts.services import (
    patient_flag_undeliverable,
    patient_set_sms_consent,
    sign_in_links_filled,
)
from messaging import pacing, texts
from messaging.backends import get_backend
from messaging.backends.base import (
    BaseBackend,
    PermanentSendError,
    SendRequest,
    SendResult,
    TransientSendError,
)
from messaging.models import (
    STATUS_RANK,
    Direction,
    Message,
    MessageStatusEvent,
    Priority,
    ReviewItem,
    Status,
    SuppressedReason,
)
from messaging.segments import analyse
from messaging.timing import quiet_hours_end
from selfcare.public_url import public_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_BACKOFF = [timedelta(seconds=30), timedelta(minutes=2)]  # after attempts 1 and 2
AUTO_REPLY_CAP = 3
AUTO_REPLY_WINDOW = timedelta(minutes=5)
MAX_SLOT_SLEEP_SECONDS = 5.0  # longer waits go back to the outbox
# Provider error codes that mean the number itself cannot take SMS.
UNDELIVERABLE_NUMBER_CODES = frozenset({21211, 21614, 30005, 30006})
CARRIER_OPT_OUT_CODE = 21610
# Twilio states outside our ranking, read as the nearest one.
PROVIDER_STATUS_ALIASES = {"accepted": "queued", "scheduled": "queued", "read": "delivered"}


def _set_status(
    message: Message,
    status: str,
    *,
    source: str = "app",
    error_code: int | None = None,
    **fields: Any,
) -> None:
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(
        status=status, status_changed_at=now, error_code=error_code, **fields
    )
    message.status = status
    message.error_code = error_code
    for name, value in fields.items():
        setattr(message, name, value)
    MessageStatusEvent.objects.create(
        message=message, status=status, error_code=error_code, source=source, at=now
    )


# --- queue ---------------------------------------------------------------------------------------


def _auto_replies_capped(*, phone: str, body: str, now: datetime) -> bool:
    recent = (
        Message.objects.outbound()
        .filter(
            phone=phone,
            is_auto_reply=True,
            body=body,
            created_at__gte=now - AUTO_REPLY_WINDOW,
        )
        .exclude(status=Status.SUPPRESSED)
    )
    return recent.count() >= AUTO_REPLY_CAP


def _suppression(message: Message, patient: Patient | None) -> SuppressedReason | None:
    """Why `message` must not go out now, checked when queued and again when sent."""
    if patient is None:
        # Only a direct reply to someone who texted us, or an alert to a clinician; neither
        # carries patient data.
        allowed = message.in_reply_to_id or message.is_staff_alert
        return None if allowed else SuppressedReason.NO_CONSENT
    if patient.sms_consent in (SmsConsent.OPTED_OUT, SmsConsent.CARRIER_OPTED_OUT):
        return SuppressedReason.OPTED_OUT
    if patient.sms_consent != SmsConsent.ACTIVE:
        return SuppressedReason.NO_CONSENT
    if patient.status == Patient.Status.DISCHARGED:
        return SuppressedReason.DISCHARGED
    if str(patient.phone) != message.phone:
        return SuppressedReason.NUMBER_CHANGED
    if patient.sms_undeliverable_code is not None:
        return SuppressedReason.NUMBER_FLAGGED
    return None


def _enqueue(message_id: int) -> None:
    from messaging.tasks import message_send_task  # here: messaging.tasks imports this module

    message_send_task.delay(message_id)


def message_queue(
    *,
    patient: Patient | None,
    text: str,
    context: Mapping[str, Any] | None = None,
    priority: Priority = Priority.BULK,
    not_after: datetime | None = None,
    in_reply_to: Message | None = None,
    phone: str | None = None,
    language: str | None = None,
    staff_alert: bool = False,
) -> Message:
    """Put SMS text `text` in the outbox for `patient`, in the caller's transaction.

    A worker sends it after commit (and the sweeper if that enqueue is lost). A message that may
    not be sent (no consent, opted out, …) is stored as suppressed with its reason and never
    reaches the provider. Replies (`in_reply_to`) are auto-replies and capped per number.
    """
    now = timezone.now()
    if patient is not None:
        patient = Patient.objects.get(
            pk=patient.pk
        )  # consent as it is now, not as the caller saw it
    body = texts.render(text, language or (patient.language if patient else "en"), context)
    info = analyse(body)
    message = Message(
        direction=Direction.OUT,
        patient=patient,
        phone=phone or str(patient.phone if patient else ""),
        body=body,
        template=text,
        status=Status.PENDING,
        priority=priority,
        segments=info.segments,
        encoding=info.encoding,
        not_after=not_after,
        next_attempt_at=now,
        in_reply_to=in_reply_to,
        is_auto_reply=in_reply_to is not None,
        is_staff_alert=staff_alert,
        created_at=now,
    )
    reason = _suppression(message, patient)
    if (
        reason is None
        and message.is_auto_reply
        and priority != Priority.EMERGENCY  # emergency advice is never held back
        and _auto_replies_capped(phone=message.phone, body=body, now=now)
    ):
        reason = SuppressedReason.AUTO_REPLY_CAP
    if reason is not None:
        message.status = Status.SUPPRESSED
        message.suppressed_reason = reason
        message.next_attempt_at = None
    message.save()
    MessageStatusEvent.objects.create(message=message, status=message.status, source="app", at=now)
    if reason is not None:
        logger.info("sms %s suppressed: %s", message.pk, reason)
    else:
        # robust: a broker outage must not turn a committed request into a 500; the sweeper
        # sends rows whose enqueue failed.
        transaction.on_commit(partial(_enqueue, message.pk), robust=True)
    return message


# --- send --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    status: str
    retry_at: datetime | None = None


def _status_callback_url(message_id: int) -> str:
    return f"{public_url('twilio-status')}?m={message_id}"


def patient_quiet_until(patient: Patient, *, now: datetime) -> datetime | None:
    """When the patient's quiet hours end (UTC), if `now` is inside them: bulk texts wait."""
    return quiet_hours_end(
        now, ZoneInfo(patient.timezone), patient.quiet_hours_start, patient.quiet_hours_end
    )


def _back_to_outbox(message: Message, at: datetime, *, undo_attempt: bool) -> SendOutcome:
    fields: dict[str, Any] = {"next_attempt_at": at}
    if undo_attempt:
        fields["attempts"] = message.attempts - 1
    _set_status(message, Status.PENDING, **fields)
    return SendOutcome(Status.PENDING, retry_at=at)


def message_send(*, message_id: int, now: datetime | None = None) -> SendOutcome:
    """Hand one due outbox row to the provider, at most once.

    The row is claimed by a conditional update, so a redelivered task or a second worker finds
    nothing to do. Consent, number, expiry and (for bulk) quiet hours are checked again at send
    time; pacing may put the row back in the outbox with a later attempt time.
    """
    now = now or timezone.now()
    message = _claim(message_id=message_id, now=now)
    if message is None:
        return SendOutcome("not_due")
    held = _held_at_send_time(message, now=now)
    if held is not None:
        return held
    body = _body_as_sent(message)
    backend = get_backend()
    deferred = _wait_for_slot(message, sender=backend.sender_key, now=now)
    if deferred is not None:
        return deferred
    return _hand_to_provider(message, backend=backend, body=body)


def _claim(*, message_id: int, now: datetime) -> Message | None:
    """The row, now `submitting` and counting this attempt, or None if it is not ours to send."""
    claimed = (
        Message.objects.outbound()
        .filter(pk=message_id, status=Status.PENDING, next_attempt_at__lte=now)
        .update(status=Status.SUBMITTING, status_changed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    message = Message.objects.select_related("patient").get(pk=message_id)
    MessageStatusEvent.objects.create(
        message=message, status=Status.SUBMITTING, source="app", at=now
    )
    return message


def _held_at_send_time(message: Message, *, now: datetime) -> SendOutcome | None:
    """Expired, no longer allowed, or (bulk) in quiet hours: the outcome; None to send now."""
    patient = message.patient
    if message.not_after and now > message.not_after:
        _set_status(message, Status.EXPIRED, next_attempt_at=None)
        return SendOutcome(Status.EXPIRED)
    reason = _suppression(message, patient)
    if reason is not None:
        stale = reason in (SuppressedReason.NUMBER_CHANGED, SuppressedReason.DISCHARGED)
        _set_status(
            message,
            Status.CANCELLED if stale else Status.SUPPRESSED,
            suppressed_reason=reason,
            next_attempt_at=None,
        )
        logger.info("sms %s not sent at send time: %s", message.pk, reason)
        return SendOutcome(message.status)
    if patient is not None and message.priority == Priority.BULK:
        quiet_end = patient_quiet_until(patient, now=now)
        if quiet_end is not None:
            return _back_to_outbox(message, quiet_end, undo_attempt=True)
    return None


def _body_as_sent(message: Message) -> str:
    # The stored body shows `…/me/login/?t=[link]`; what leaves carries a live link, made now.
    patient = message.patient
    body = sign_in_links_filled(message.body, patient=patient) if patient else message.body
    if body != message.body:
        message.segments = analyse(body).segments
        Message.objects.filter(pk=message.pk).update(segments=message.segments)
    return body


def _wait_for_slot(message: Message, *, sender: str, now: datetime) -> SendOutcome | None:
    """Take the sender's next send slot, sleeping for a short wait; a long one (or bulk that
    must give way) puts the row back in the outbox and returns that outcome."""
    slot = pacing.reserve(
        sender=sender, segments=message.segments, priority=message.priority, now=now
    )
    if not slot.reserved or slot.wait_seconds > MAX_SLOT_SLEEP_SECONDS:
        return _back_to_outbox(
            message, now + timedelta(seconds=slot.wait_seconds), undo_attempt=True
        )
    if slot.wait_seconds > 0:
        time.sleep(slot.wait_seconds)
    return None


def _hand_to_provider(message: Message, *, backend: BaseBackend, body: str) -> SendOutcome:
    request = SendRequest(
        message_id=message.pk,
        to=message.phone,
        body=body,
        status_callback=_status_callback_url(message.pk),
    )
    try:
        result = backend.send(request)
    except PermanentSendError as error:
        return _send_failed_permanently(message, error)
    except TransientSendError as error:
        return _send_failed_transiently(message, error)
    return _send_accepted(message, result)


def _send_failed_permanently(message: Message, error: PermanentSendError) -> SendOutcome:
    _set_status(message, Status.FAILED, error_code=error.code, next_attempt_at=None)
    logger.warning(
        "sms %s to %s failed permanently: code %s",
        message.pk,
        redact(message.phone),
        error.code,
    )
    if message.patient is not None:
        _provider_refused_number(message.patient, message, error.code)
    return SendOutcome(Status.FAILED)


def _send_failed_transiently(message: Message, error: TransientSendError) -> SendOutcome:
    if message.attempts >= MAX_ATTEMPTS:
        _set_status(message, Status.FAILED, error_code=error.code, next_attempt_at=None)
        logger.warning(
            "sms %s failed after %s attempts: code %s", message.pk, message.attempts, error.code
        )
        return SendOutcome(Status.FAILED)
    retry_at = timezone.now() + RETRY_BACKOFF[message.attempts - 1]
    _set_status(message, Status.PENDING, error_code=error.code, next_attempt_at=retry_at)
    logger.info(
        "sms %s attempt %s failed (code %s); retry at %s",
        message.pk,
        message.attempts,
        error.code,
        retry_at,
    )
    return SendOutcome(Status.PENDING, retry_at=retry_at)


def _send_accepted(message: Message, result: SendResult) -> SendOutcome:
    status = PROVIDER_STATUS_ALIASES.get(result.status, result.status)
    if status not in STATUS_RANK or STATUS_RANK[status] < STATUS_RANK[Status.QUEUED]:
        status = Status.QUEUED
    fields: dict[str, Any] = {
        "provider_sid": result.provider_sid,
        "submitted_at": timezone.now(),
        "next_attempt_at": None,
    }
    if result.segments:
        fields["segments"] = result.segments
    _set_status(message, status, **fields)
    return SendOutcome(status)


def _provider_refused_number(patient: Patient, message: Message, code: int | None) -> None:
    if code == CARRIER_OPT_OUT_CODE:
        if patient.sms_consent != SmsConsent.CARRIER_OPTED_OUT:
            patient_set_sms_consent(
                patient=patient,
                state=SmsConsent.CARRIER_OPTED_OUT,
                source=ConsentEvent.Source.CARRIER,
            )
        messages_cancel_pending(patient=patient)
    elif code in UNDELIVERABLE_NUMBER_CODES:
        patient_flag_undeliverable(patient=patient, code=code)
        ReviewItem.objects.get_or_create(
            message=message,
            reason=ReviewItem.Reason.NUMBER_UNDELIVERABLE,
            defaults={"patient": patient},
        )


# --- cancel and sweep ---------------------------------------------------------------------------


def messages_cancel_pending(
    *, patient: Patient, since: datetime | None = None, templates: tuple[str, ...] = ()
) -> int:
    """Cancel the patient's unsent outbound texts (those created `since`, of templates starting
    with one of `templates`, when given); returns how many."""
    pending = Message.objects.outbound().filter(patient=patient, status=Status.PENDING)
    if since is not None:
        pending = pending.filter(created_at__gte=since)
    if templates:
        match = Q()
        for prefix in templates:
            match |= Q(template__startswith=prefix)
        pending = pending.filter(match)
    for message in list(pending):
        _set_status(message, Status.CANCELLED, next_attempt_at=None)
    return len(pending)


def outbox_sweep(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Periodic catch-up for the outbox: expire stale rows, send due ones, recover stuck ones.

    Sends rows whose enqueue was lost (broker down) or whose retry or quiet-hours deferral is
    due, highest priority first; returns counts for the log.
    """
    now = now or timezone.now()
    expired = 0
    for message in Message.objects.filter(status=Status.PENDING, not_after__lt=now):
        _set_status(message, Status.EXPIRED, next_attempt_at=None)
        expired += 1
    # A worker that died between claiming and recording the provider's answer leaves a row in
    # "submitting"; a status callback carrying our id reconciles it if the send went through.
    stuck = Message.objects.filter(
        status=Status.SUBMITTING,
        status_changed_at__lt=now - timedelta(seconds=settings.SMS_STUCK_AFTER_SECONDS),
    )
    recovered = 0
    for message in stuck:
        if message.attempts >= MAX_ATTEMPTS:
            _set_status(message, Status.FAILED, next_attempt_at=None)
        else:
            _set_status(message, Status.PENDING, next_attempt_at=now)
            recovered += 1
    due = list(
        Message.objects.due(now)
        .order_by("priority", "next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        _enqueue(message_id)
    return {"expired": expired, "recovered": recovered, "enqueued": len(due)}


def replies_send_now(message_ids: Iterable[int]) -> None:
    """Send replies in the request that caused them, emergency advice first; the outbox and
    sweeper still cover any that fail here."""
    ordered = Message.objects.filter(pk__in=list(message_ids)).order_by("priority", "pk")
    for message_id in ordered.values_list("pk", flat=True):
        try:
            message_send(message_id=message_id)
        except Exception:  # the row stays in the outbox for the worker and the sweeper
            logger.exception("sms %s: immediate send failed; left to the outbox", message_id)


# --- status callbacks ---------------------------------------------------------------------------


def status_callback_record(
    *, message_id: str | None, provider_sid: str, status: str, error_code: int | None
) -> bool:
    """Apply a provider status callback; monotonic and idempotent. False if no message matched."""
    message = None
    if message_id and message_id.isdigit():
        message = Message.objects.outbound().filter(pk=int(message_id)).first()
    if message is None and provider_sid:
        message = Message.objects.outbound().filter(provider_sid=provider_sid).first()
    if message is None:
        logger.info("status callback for unknown message (sid %s…)", provider_sid[:10])
        return False
    status = PROVIDER_STATUS_ALIASES.get(status, status)
    if status not in STATUS_RANK or status in (Status.PENDING, Status.SUBMITTING):
        logger.info("sms %s: status %r ignored", message.pk, status[:20])
        return True
    earlier = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    with transaction.atomic():
        fields: dict[str, Any] = {"status": status, "status_changed_at": timezone.now()}
        if error_code is not None:
            fields["error_code"] = error_code
        if not message.provider_sid and provider_sid:
            fields["provider_sid"] = provider_sid  # a send that timed out on our side went through
        moved = Message.objects.filter(pk=message.pk, status__in=earlier).update(**fields)
        if moved:
            MessageStatusEvent.objects.create(
                message=message, status=status, error_code=error_code, source="provider"
            )
            if message.patient is not None and error_code is not None:
                _provider_refused_number(message.patient, message, error_code)
    return True
