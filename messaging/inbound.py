"""What happens when a text comes in: store it, handle it in order per patient, answer it.

The webhook stores each text at once (`inbound_store`, unique on its MessageSid), then handles
it in its own request if it must be answered now (`inbound_is_urgent`: keywords, unknown
senders, safety words, an open check-in); every other text waits for `inbound_drain`, which a
worker runs every 2 s. Handling (`inbound_process`) locks the patient so their texts are
handled one at a time in arrival order: keywords first (STOP, START, HELP, LINK, TIME, DAY,
FLARE; see `KEYWORD_HANDLERS`), then the registered reply handler (messaging.replies). Replies
go out through the outbox (messaging.outbox).

Logs carry message ids and the last digits of numbers only, never bodies or names.
"""

import hashlib
import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone

from accounts.models import Clinician, ConsentEvent, Patient, SmsConsent
from accounts.phones import e164, redact
from accounts.services import patient_set_sms_consent, sign_in_link
from messaging import replies
from messaging.keywords import Keyword, ack_code, flare_rest, keyword, sounds_like_opt_out
from messaging.models import Direction, Message, Priority, ReviewItem, Status
from messaging.outbox import (
    MAX_ATTEMPTS,
    message_queue,
    messages_cancel_pending,
    replies_send_now,
)

logger = logging.getLogger(__name__)

INBOUND_GRACE = timedelta(seconds=1)  # leave a webhook's own processing to finish first
SID_MAX = 64  # Message.provider_sid; Twilio's are 34
PHONE_MAX = 32  # Message.phone


# --- store ---------------------------------------------------------------------------------------


def _storable(text: str) -> str:
    # PostgreSQL text cannot hold NUL; keep its place visible instead of failing the insert.
    return text.replace("\x00", "\ufffd")


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
    raw = params.get("From", "")
    phone = _storable(e164(raw) or raw.strip())[:PHONE_MAX]  # kept even when unreadable
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


def inbound_malformed(params: Any) -> bool:
    """Whether a signed webhook's sender or id cannot be what Twilio sends (too long, a NUL):
    such a text is stored for a person to read, not handled, and answered 400."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender = params.get("From", "")
    return len(sid) > SID_MAX or len(sender) > PHONE_MAX or "\x00" in sid + sender


def inbound_set_aside(*, message: Message) -> None:
    """A malformed text: kept, marked handled, and opened for a person to read."""
    Message.objects.filter(pk=message.pk).update(processed_at=timezone.now())
    ReviewItem.objects.get_or_create(
        message=message, reason=ReviewItem.Reason.NOT_HANDLED, defaults={"patient": None}
    )
    logger.warning("sms %s: malformed sender or id; set aside for review", message.pk)


# --- handle now or later -------------------------------------------------------------------------


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


def inbound_process(*, message_id: int, wait: bool = True) -> list[int]:
    """Handle an inbound message and any earlier unprocessed ones from the same patient.

    The patient's row is locked, so replies are handled one at a time in arrival order even
    when webhooks overlap. With `wait=False` a patient locked by someone else is skipped (the
    drain comes back for it). Returns the ids of the replies queued, for the caller to send at
    once after commit.
    """
    queued: list[Message] = []
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
            batch = (
                Message.objects.inbound()
                .filter(
                    patient_id=message.patient_id, processed_at__isnull=True, pk__lte=message.pk
                )
                .order_by("pk")
            )
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
            queued.extend(handled)
            Message.objects.filter(pk=inbound.pk).update(processed_at=timezone.now())
    return [reply.pk for reply in queued if reply.status == Status.PENDING]


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


def inbound_drain(*, now: datetime | None = None, limit: int = 500) -> int:
    """Handle stored inbound messages not handled yet, oldest first, and send their replies at
    once, as the webhook does; returns how many were looked at.

    These are texts that needed no answer in their webhook's request, and any whose processing
    there failed. Runs every 2 s on beat. A message handled meanwhile is skipped, and so is a
    patient another drain (or webhook) holds, so overlapping runs share a backlog.
    """
    now = now or timezone.now()
    unprocessed = list(
        Message.objects.inbound()
        .filter(processed_at__isnull=True, created_at__lt=now - INBOUND_GRACE)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in unprocessed:
        try:
            replies_send_now(inbound_process(message_id=message_id, wait=False))
        except Exception:  # one bad message must not hold up the others; it is tried again
            logger.exception("sms %s: processing failed; tried again on the next run", message_id)
    return len(unprocessed)


# --- one text: keywords, then the reply handler --------------------------------------------------


def _handle_inbound(message: Message) -> list[Message]:
    """Handle one stored text; returns the replies queued for it."""
    patient = message.patient
    staff = _staff_sender(message)
    if staff is not None:
        return list(replies.registered().staff(message, staff))
    if patient is None:
        return _unknown_sender(message)
    word = keyword(message.body)
    if word is not None and word in CONSENT_KEYWORD_HANDLERS:
        return CONSENT_KEYWORD_HANDLERS[word](message, patient)
    if patient.sms_consent != SmsConsent.ACTIVE:
        return _after_opt_out(message, patient, word)
    if word is None:
        return _free_text(message, patient)
    return KEYWORD_HANDLERS[word](message, patient)


def _staff_sender(message: Message) -> Clinician | None:
    """The clinician who sent this, from their registered phone, if it is staff business: any
    text from a number no patient has, and "ACK …" from one that a patient has too. Staff
    texts never reach a patient's path."""
    if message.patient_id is not None and ack_code(message.body) is None:
        return None
    return Clinician.objects.filter(phone=message.phone).select_related("user").first()


def _unknown_sender(message: Message) -> list[Message]:
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


def _stop(message: Message, patient: Patient) -> list[Message]:
    if patient.sms_consent != SmsConsent.OPTED_OUT:
        patient_set_sms_consent(
            patient=patient, state=SmsConsent.OPTED_OUT, source=ConsentEvent.Source.SMS_KEYWORD
        )
    cancelled = messages_cancel_pending(patient=patient)
    logger.info(
        "sms %s: patient %s opted out; %s pending cancelled", message.pk, patient.pk, cancelled
    )
    return []  # the carrier confirms STOP itself; after it we may not text


def _start(message: Message, patient: Patient) -> list[Message]:
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


def _after_opt_out(message: Message, patient: Patient, word: Keyword | None) -> list[Message]:
    # Stored and shown to the clinician; only START restores consent. Every rule still reads
    # it and the clinician is told (a red flag after STOP must reach someone); what the
    # handler would say back is stored suppressed, never sent.
    ReviewItem.objects.get_or_create(
        message=message, reason=ReviewItem.Reason.AFTER_OPT_OUT, defaults={"patient": patient}
    )
    return list(replies.registered().answer(message, word))


def _link(message: Message, patient: Patient) -> list[Message]:
    return [
        message_queue(
            patient=patient,
            text="login_link",
            context={"link": sign_in_link()},
            priority=Priority.REPLY,
            in_reply_to=message,
        )
    ]


def _help(message: Message, patient: Patient) -> list[Message]:
    answers = [
        message_queue(
            patient=patient, text="help", priority=Priority.EMERGENCY, in_reply_to=message
        )
    ]
    answers.extend(replies.registered().answer(message, Keyword.HELP))
    return answers


def _own_schedule(message: Message, patient: Patient) -> list[Message]:
    # The schedule lives above messaging: the reply handler keeps the choice and answers it
    # (and, as for HELP, reads the words for the safety rules first).
    return list(replies.registered().answer(message, keyword(message.body)))


def _flare(message: Message, patient: Patient) -> list[Message]:
    # The flare plan, the record and the rules over the words are the reply handler's; what
    # follows the keyword may still ask to stop the texts.
    answers = _opt_out_intent(message, patient, flare_rest(message.body) or "")
    answers.extend(replies.registered().answer(message, Keyword.FLARE))
    return answers


def _free_text(message: Message, patient: Patient) -> list[Message]:
    answers = _opt_out_intent(message, patient, message.body)
    answers.extend(replies.registered().answer(message, None))
    return answers


def _opt_out_intent(message: Message, patient: Patient, words: str) -> list[Message]:
    """Words that may mean "stop texting me": a person confirms, and the patient is told how
    to stop."""
    if not sounds_like_opt_out(words):
        return []
    ReviewItem.objects.get_or_create(
        message=message, reason=ReviewItem.Reason.OPT_OUT_INTENT, defaults={"patient": patient}
    )
    return [
        message_queue(
            patient=patient, text="opt_out_intent", priority=Priority.REPLY, in_reply_to=message
        )
    ]


KeywordHandler = Callable[[Message, Patient], list[Message]]
# STOP and START act whatever the patient's consent is.
CONSENT_KEYWORD_HANDLERS: dict[Keyword, KeywordHandler] = {
    Keyword.STOP: _stop,
    Keyword.START: _start,
}
# The others answer only a patient whose consent is active; HELP is then read by the reply
# handler as well, LINK is not, FLARE only by it.
KEYWORD_HANDLERS: dict[Keyword, KeywordHandler] = {
    Keyword.LINK: _link,
    Keyword.HELP: _help,
    Keyword.TIME: _own_schedule,
    Keyword.DAY: _own_schedule,
    Keyword.FLARE: _flare,
}
