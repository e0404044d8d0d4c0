"""Writes for SMS: the outbox, sends, inbound messages, keywords and status callbacks.

Logs carry message ids and the last digits of numbers only, never bodies or names.
"""

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.phonenumber import to_python as to_phone_number

from accounts.models import ConsentEvent, Patient, SmsConsent
from accounts.services import (
    patient_flag_undeliverable,
    patient_set_sms_consent,
    sign_in_link,
    sign_in_links_filled,
)
from messaging import pacing, replies, texts
from messaging.backends import get_backend
from messaging.backends.base import PermanentSendError, SendRequest, TransientSendError
from messaging.keywords import Keyword, keyword, sounds_like_opt_out
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


def redact(phone: str) -> str:
    return f"…{phone[-4:]}" if phone else "?"


def normalise_phone(raw: str) -> str:
    """E.164 for any parseable number, else the raw text (so it is still stored)."""
    number = to_phone_number(raw)
    return number.as_e164 if number and number.is_valid() else raw.strip()


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


# --- outbound ------------------------------------------------------------------------------------


def _auto_replies_capped(*, phone: str, body: str, now: datetime) -> bool:
    recent = Message.objects.filter(
        direction=Direction.OUT,
        phone=phone,
        is_auto_reply=True,
        body=body,
        created_at__gte=now - AUTO_REPLY_WINDOW,
    ).exclude(status=Status.SUPPRESSED)
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
    from messaging.tasks import message_send_task

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


@dataclass(frozen=True)
class SendOutcome:
    status: str
    retry_at: datetime | None = None


def _status_callback_url(message_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('twilio-status')}?m={message_id}"


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
    claimed = Message.objects.filter(
        pk=message_id, direction=Direction.OUT, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SUBMITTING, status_changed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return SendOutcome("not_due")
    message = Message.objects.select_related("patient").get(pk=message_id)
    patient = message.patient
    MessageStatusEvent.objects.create(
        message=message, status=Status.SUBMITTING, source="app", at=now
    )

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

    # The stored body shows `…/me/login/?t=[link]`; what leaves carries a live link, made now.
    body = sign_in_links_filled(message.body, patient=patient) if patient else message.body
    if body != message.body:
        message.segments = analyse(body).segments
        Message.objects.filter(pk=message.pk).update(segments=message.segments)
    backend = get_backend()
    slot = pacing.reserve(
        sender=backend.sender_key, segments=message.segments, priority=message.priority, now=now
    )
    if not slot.reserved or slot.wait_seconds > MAX_SLOT_SLEEP_SECONDS:
        return _back_to_outbox(
            message, now + timedelta(seconds=slot.wait_seconds), undo_attempt=True
        )
    if slot.wait_seconds > 0:
        time.sleep(slot.wait_seconds)

    request = SendRequest(
        message_id=message.pk,
        to=message.phone,
        body=body,
        status_callback=_status_callback_url(message.pk),
    )
    try:
        result = backend.send(request)
    except PermanentSendError as error:
        _set_status(message, Status.FAILED, error_code=error.code, next_attempt_at=None)
        logger.warning(
            "sms %s to %s failed permanently: code %s",
            message.pk,
            redact(message.phone),
            error.code,
        )
        if patient is not None:
            _provider_refused_number(patient, message, error.code)
        return SendOutcome(Status.FAILED)
    except TransientSendError as error:
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


def messages_cancel_pending(
    *, patient: Patient, since: datetime | None = None, templates: tuple[str, ...] = ()
) -> int:
    """Cancel the patient's unsent outbound texts (those created `since`, of templates starting
    with one of `templates`, when given); returns how many."""
    pending = Message.objects.filter(
        patient=patient, direction=Direction.OUT, status=Status.PENDING
    )
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


# --- inbound -------------------------------------------------------------------------------------


def inbound_is_urgent(message: Message) -> bool:
    """Whether a stored inbound SMS is handled in the webhook's request rather than by a worker.

    Unknown senders, keywords (STOP must stop everything at once) and opt-out-like words are;
    for a patient's other texts the registered reply handling decides (messaging.replies).
    """
    if message.patient_id is None or keyword(message.body) is not None:
        return True
    if sounds_like_opt_out(message.body):
        return True
    return replies.registered().is_urgent(message)


INBOUND_GRACE = timedelta(seconds=1)  # leave a webhook's own processing to finish first


def inbound_drain(*, now: datetime | None = None, limit: int = 500) -> int:
    """Handle stored inbound messages not handled yet, oldest first, and send their replies at
    once, as the webhook does; returns how many were looked at.

    These are texts that needed no answer in their webhook's request, and any whose processing
    there failed. Runs every 2 s on beat. A message handled meanwhile is skipped, and so is a
    patient another drain (or webhook) holds, so overlapping runs share a backlog.
    """
    now = now or timezone.now()
    unprocessed = list(
        Message.objects.filter(
            direction=Direction.IN, processed_at__isnull=True, created_at__lt=now - INBOUND_GRACE
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in unprocessed:
        try:
            replies_send_now(inbound_process(message_id=message_id, wait=False))
        except Exception:  # one bad message must not hold up the others; it is tried again
            logger.exception("sms %s: processing failed; tried again on the next run", message_id)
    return len(unprocessed)


def _storable(text: str) -> str:
    # PostgreSQL text cannot hold NUL; keep its place visible instead of failing the insert.
    return text.replace("\x00", "\ufffd")


SID_MAX = 64  # Message.provider_sid; Twilio's are 34
PHONE_MAX = 32  # Message.phone


def inbound_malformed(params: Any) -> bool:
    """Whether a signed webhook's sender or id cannot be what Twilio sends (too long, a NUL):
    such a text is stored for a person to read, not handled, and answered 400."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender = params.get("From", "")
    return len(sid) > SID_MAX or len(sender) > PHONE_MAX or "\x00" in sid + sender


def _storable_sid(sid: str) -> str:
    """The id as stored: itself, or for an id too long to store, a digest of it (so a
    redelivery is still recognised as a duplicate)."""
    sid = _storable(sid)
    if len(sid) <= SID_MAX:
        return sid
    return "h:" + hashlib.sha256(sid.encode()).hexdigest()[: SID_MAX - 2]


def inbound_store(*, params: Any) -> tuple[Message, bool]:
    """Store an inbound SMS, unique on its MessageSid; (message, created).

    One INSERT, committed before any processing, so that nothing that fails later can lose the
    message. A duplicate delivery returns the stored row and created=False.
    """
    sid = params.get("MessageSid") or params.get("SmsSid")
    if not sid:
        raise ValueError("MessageSid missing")
    sid = _storable_sid(sid)
    phone = _storable(normalise_phone(params.get("From", "")))[:PHONE_MAX]
    # The sender is matched in the INSERT itself (one round trip); the row comes back with it.
    patient_id = (
        Subquery(Patient.objects.filter(phone=phone).order_by().values("pk")[:1])
        if phone.startswith("+")
        else None
    )
    raw = {
        _storable(key): [_storable(v) for v in values] if len(values) > 1 else _storable(values[0])
        for key, values in params.lists()
    }
    # One INSERT needs no transaction of its own; inside a caller's, a savepoint keeps a
    # duplicate from spoiling it.
    guard = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        with guard:
            message = Message.objects.create(
                direction=Direction.IN,
                provider_sid=sid,
                patient_id=patient_id,
                phone=phone,
                body=_storable(params.get("Body", "")),
                status=Status.RECEIVED,
                raw=raw,
            )
    except IntegrityError:
        return Message.objects.get(provider_sid=sid), False
    logger.info("sms %s received from %s", message.pk, redact(phone))
    return message, True


def inbound_set_aside(*, message: Message) -> None:
    """A malformed text: kept, marked handled, and opened for a person to read."""
    Message.objects.filter(pk=message.pk).update(processed_at=timezone.now())
    ReviewItem.objects.get_or_create(
        message=message, reason=ReviewItem.Reason.NOT_HANDLED, defaults={"patient": None}
    )
    logger.warning("sms %s: malformed sender or id; set aside for review", message.pk)


def inbound_process(*, message_id: int, wait: bool = True) -> list[int]:
    """Handle an inbound message and any earlier unprocessed ones from the same patient.

    The patient's row is locked, so replies are handled one at a time in arrival order even
    when webhooks overlap. With `wait=False` a patient locked by someone else is skipped (the
    drain comes back for it). Returns the ids of the replies queued, for the caller to send at
    once after commit.
    """
    replies: list[Message] = []
    with transaction.atomic():
        message = Message.objects.get(pk=message_id)
        if message.processed_at is not None:
            return []
        if message.patient_id is not None:
            locked = (
                Patient.objects.select_for_update(skip_locked=not wait)
                .filter(pk=message.patient_id)
                .exists()
            )
            if not locked:
                return []
            batch = Message.objects.filter(
                direction=Direction.IN,
                patient_id=message.patient_id,
                processed_at__isnull=True,
                pk__lte=message.pk,
            ).order_by("pk")
        else:  # no patient row to lock: lock the message, so it is handled once
            batch = Message.objects.select_for_update(of=("self",), skip_locked=not wait).filter(
                pk=message.pk, processed_at__isnull=True
            )
        pending = list(batch.select_related("patient"))
        for position, inbound in enumerate(pending):
            if position and inbound.patient_id is not None:
                # Handling one message (STOP, say) changes the patient the next one sees.
                inbound.patient = Patient.objects.get(pk=inbound.patient_id)
            try:
                with transaction.atomic():  # a failure undoes this message's effects only
                    handled = _handle_inbound(inbound)
            except Exception:
                _inbound_failed(inbound)  # the patient's later texts are still handled
                continue
            replies.extend(handled)
            Message.objects.filter(pk=inbound.pk).update(processed_at=timezone.now())
    return [reply.pk for reply in replies if reply.status == Status.PENDING]


def _inbound_failed(message: Message) -> None:
    """Count a failed attempt at handling `message`; after the last, hand it to a person.

    The drain tries again; a message that keeps failing is marked handled and opened for review
    instead, so it neither retries forever nor holds up the patient's later texts.
    """
    attempts = message.attempts + 1
    logger.exception(
        "sms %s: handling failed (attempt %s of %s)", message.pk, attempts, MAX_ATTEMPTS
    )
    fields: dict[str, Any] = {"attempts": attempts}
    if attempts >= MAX_ATTEMPTS:
        fields["processed_at"] = timezone.now()
        ReviewItem.objects.get_or_create(
            message=message,
            reason=ReviewItem.Reason.NOT_HANDLED,
            defaults={"patient_id": message.patient_id},
        )
    Message.objects.filter(pk=message.pk).update(**fields)


def _handle_inbound(message: Message) -> list[Message]:
    patient = message.patient
    if patient is None:
        ReviewItem.objects.get_or_create(message=message, reason=ReviewItem.Reason.UNKNOWN_SENDER)
        return [
            message_queue(
                patient=None,
                text="unknown_sender",
                phone=message.phone,
                language="en",
                priority=Priority.REPLY,
                in_reply_to=message,
            )
        ]
    word = keyword(message.body)
    if word == Keyword.STOP:
        if patient.sms_consent != SmsConsent.OPTED_OUT:
            patient_set_sms_consent(
                patient=patient, state=SmsConsent.OPTED_OUT, source=ConsentEvent.Source.SMS_KEYWORD
            )
        cancelled = messages_cancel_pending(patient=patient)
        logger.info(
            "sms %s: patient %s opted out; %s pending cancelled", message.pk, patient.pk, cancelled
        )
        return []  # the carrier confirms STOP itself; after it we may not text
    if word == Keyword.START:
        if patient.sms_consent == SmsConsent.ACTIVE:
            return []
        patient_set_sms_consent(
            patient=patient, state=SmsConsent.ACTIVE, source=ConsentEvent.Source.SMS_KEYWORD
        )
        return [
            message_queue(
                patient=patient,
                text="start_confirmation",
                priority=Priority.REPLY,
                in_reply_to=message,
            )
        ]
    if patient.sms_consent != SmsConsent.ACTIVE:
        # Stored and shown to the clinician; only START restores consent. Every rule still reads
        # it and the clinician is told (a red flag after STOP must reach someone); what the
        # handler would say back is stored suppressed, never sent.
        ReviewItem.objects.get_or_create(
            message=message, reason=ReviewItem.Reason.AFTER_OPT_OUT, defaults={"patient": patient}
        )
        return list(replies.registered().answer(message, word))
    answers: list[Message] = []
    if word == Keyword.LINK:
        return [
            message_queue(
                patient=patient,
                text="login_link",
                context={"link": sign_in_link()},
                priority=Priority.REPLY,
                in_reply_to=message,
            )
        ]
    if word == Keyword.HELP:
        answers.append(
            message_queue(
                patient=patient, text="help", priority=Priority.EMERGENCY, in_reply_to=message
            )
        )
    elif sounds_like_opt_out(message.body):
        ReviewItem.objects.get_or_create(
            message=message, reason=ReviewItem.Reason.OPT_OUT_INTENT, defaults={"patient": patient}
        )
        answers.append(
            message_queue(
                patient=patient, text="opt_out_intent", priority=Priority.REPLY, in_reply_to=message
            )
        )
    answers.extend(replies.registered().answer(message, word))
    return answers


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
        message = Message.objects.filter(pk=int(message_id), direction=Direction.OUT).first()
    if message is None and provider_sid:
        message = Message.objects.filter(provider_sid=provider_sid, direction=Direction.OUT).first()
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
