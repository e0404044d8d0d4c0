"""Writes for check-ins: scheduling slots, starting conversations, recording replies.

The flow above this app (care.replies, care.web_checkin) calls these functions for each reply,
runs the escalation rules and decides what the patient is told. One module (about 400 lines):
slots and conversations share their state machine (CLINICAL.md) and read best together.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Patient, SmsConsent, User
from accounts.services import audit
from checkins import impression, parsing, schedule
from checkins.catalogue import (
    BY_KEY,
    CATALOGUE,
    AnswerType,
    Kind,
    Question,
    Situation,
    listed,
    next_question,
    recorded_answers,
)
from checkins.models import Answer, Checkin, CheckinSlot, Medicine
from messaging.models import Message, Priority
from messaging.outbox import message_queue, messages_cancel_pending
from programs.models import Enrollment

logger = logging.getLogger(__name__)

REPLY_WINDOW = timedelta(hours=48)
REMIND_AFTER = timedelta(hours=24)
MAX_REPROMPTS = 2
STALE_CLAIM = timedelta(minutes=10)
CLAIM_BATCH = 1000


class CheckinRefused(Exception):
    """A check-in cannot start; `reason` says why (for a 409)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- conversations ---------------------------------------------------------------------------


def patient_situation(*, patient: Patient, kind: Kind, checkin: Checkin | None = None) -> Situation:
    """What the catalogue's "asked" conditions need to know about the patient, with no answers
    yet: used by SMS and web check-ins alike (two queries; four for the weekly check-in, which
    looks for a PGIC milestone)."""
    earlier = Answer.objects.filter(patient=patient, question="leg_pain", late=False)
    if checkin is not None:
        earlier = earlier.exclude(checkin=checkin)
    before = (
        earlier.exclude(value__isnull=True)
        .order_by("-answered_at")
        .values_list("value", flat=True)
        .first()
    )
    return Situation(
        kind=kind,
        answers={},
        flags=patient.flags,
        has_medicine=Medicine.objects.filter(patient=patient, stopped_at__isnull=True).exists(),
        leg_pain_before=before if isinstance(before, int) else patient.baseline_leg_pain,
        impression_due=_impression_due(patient, checkin) if kind == Kind.FULL else None,
    )


def _impression_due(patient: Patient, checkin: Checkin | None) -> int | None:
    """The PGIC milestone due now in the patient's current enrollment (checkins.impression),
    counting the answers given since it started, on the patient's own calendar; this check-in's
    own answer is not one of them (it is in its answers)."""
    started_on = (
        Enrollment.objects.current()
        .filter(patient=patient)
        .order_by("-created_at", "-id")
        .values_list("started_on", flat=True)
        .first()
    )
    if started_on is None:
        return None
    zone = ZoneInfo(patient.timezone)
    answered = Answer.objects.filter(
        patient=patient, question="pgic", late=False, value__isnull=False
    )
    if checkin is not None:
        answered = answered.exclude(checkin=checkin)
    days = [at.astimezone(zone).date() for at in answered.values_list("answered_at", flat=True)]
    return impression.impression_due(
        started_on=started_on,
        today=timezone.now().astimezone(zone).date(),
        answered_on=[day for day in days if day >= started_on],
    )


def _situation(checkin: Checkin, answers: Mapping[str, object]) -> Situation:
    base = patient_situation(patient=checkin.patient, kind=Kind(checkin.kind), checkin=checkin)
    return replace(base, answers=answers)


def checkin_answers(checkin: Checkin) -> dict[str, object]:
    return dict(
        checkin.answers.filter(late=False)
        .order_by("answered_at", "pk")
        .values_list("question", "value")
    )


def _ask(
    checkin: Checkin,
    question: Question,
    *,
    reply_to: Message | None,
    text: str = "",
    context: Mapping[str, object] | None = None,
) -> Message:
    checkin.pending_question = question.key
    checkin.save(update_fields=["pending_question", "pending_items", "reprompts"])
    return message_queue(
        patient=checkin.patient,
        text=text or f"q_{question.key}",
        context=context,
        priority=Priority.REPLY if reply_to else Priority.BULK,
        in_reply_to=reply_to,
        not_after=checkin.expires_at,
    )


def _ask_next(
    checkin: Checkin, question: Question, situation: Situation, *, reply_to: Message | None
) -> Message:
    """Send `question` afresh; a numbered list of questions keeps the items it shows, as
    numbered, for reading the reply and for the reminder."""
    checkin.pending_items = list(listed(question, situation))
    return _ask(checkin, question, reply_to=reply_to, context=question_context(checkin))


def question_context(checkin: Checkin) -> dict[str, object]:
    """What the pending question's text needs besides the patient's language: the items of a
    numbered list, as sent."""
    return {"items": checkin.pending_items} if checkin.pending_items else {}


def checkin_start(
    *,
    patient: Patient,
    kind: Kind = Kind.FULL,
    slot: CheckinSlot | None = None,
    channel: str = Checkin.Channel.SMS,
    now: datetime | None = None,
    actor: User | None = None,
) -> Checkin:
    """Open a check-in and, by SMS, send its first question. `actor` is the clinician who asked
    for it now (audited); the schedule and the patient's own web check-in have none.

    Refused (CheckinRefused) when one is already open, or by SMS without active consent.
    """
    now = now or timezone.now()
    patient = Patient.objects.get(pk=patient.pk)
    if channel == Checkin.Channel.SMS and patient.sms_consent != SmsConsent.ACTIVE:
        reason = (
            "opted_out"
            if patient.sms_consent in (SmsConsent.OPTED_OUT, SmsConsent.CARRIER_OPTED_OUT)
            else "no_sms_consent"
        )
        raise CheckinRefused(reason)
    if patient.status != Patient.Status.ACTIVE:
        raise CheckinRefused(f"patient_{patient.status}")
    # A scheduled check-in waits for a paused program; one a clinician or the patient asks for
    # now goes ahead.
    if slot is not None and not Enrollment.objects.active().filter(patient=patient).exists():
        raise CheckinRefused("program_paused")
    try:
        with transaction.atomic():
            checkin = Checkin.objects.create(
                patient=patient,
                slot=slot,
                kind=kind,
                channel=channel,
                started_at=now,
                expires_at=now + REPLY_WINDOW,
                remind_at=now + REMIND_AFTER if channel == Checkin.Channel.SMS else None,
            )
            if actor is not None:
                audit(actor=actor, patient=patient, action="create", what=f"check-in {checkin.pk}")
    except IntegrityError as conflict:
        raise CheckinRefused("checkin_already_open") from conflict
    if channel == Checkin.Channel.SMS:
        situation = _situation(checkin, {})
        first = next_question(situation)
        if first is not None:
            _ask_next(checkin, first, situation, reply_to=None)
    return checkin


@dataclass
class ReplyResult:
    answer: Answer | None = None  # the answer recorded, if the reply was one (a list's own)
    messages: list[Message] = field(default_factory=list)  # re-prompts
    late: bool = False
    # The question was left unanswered: still unreadable after its re-prompts, or "not sure"
    # to a red-flag question (the caller raises R24 or R25).
    unreadable: bool = False
    unsure: bool = False
    # Scores the same reply named for later pain questions ("back 6 leg 8"), in catalogue order,
    # for the caller to record with checkin_record_ahead once the rules have read `answer`.
    ahead: dict[str, int] = field(default_factory=dict)


MOST_CHOICES = max(len(question.choices) for question in BY_KEY.values())


def reply_could_answer(text: str) -> bool:
    """Whether some question could take `text` as its answer: a score, a yes or no, picks
    from a list, or "not sure" (R25 for a red-flag question). Any other text can only earn a
    re-prompt."""
    return (
        parsing.parse_pain(text) is not None
        or parsing.parse_pain_labelled(text) is not None
        or parsing.parse_yes_no(text) is not None
        or parsing.parse_choices(text, MOST_CHOICES) is not None
        or parsing.parse_impression(text) is not None
        or parsing.is_unsure(text)  # "not sure" to a red-flag question is R25, at once
    )


def _parse(question: Question, text: str, items: Sequence[str]) -> tuple[bool, object]:
    """Read `text` as the answer to `question`; `items` are a numbered list's items as sent."""
    if question.type == AnswerType.NUMBER:
        value: object = parsing.parse_pain_answer(text, question.key)
    elif question.type == AnswerType.YES_NO:
        value = parsing.parse_yes_no(text)
    elif question.type == AnswerType.IMPRESSION:
        value = parsing.parse_impression(text)
    else:
        choices = items if question.folds else question.choices
        picked = parsing.parse_choices(text, len(choices))
        value = None if picked is None else [choices[i - 1] for i in picked]
    return value is not None, value


def checkin_record_reply(*, patient: Patient, message: Message) -> ReplyResult:
    """Apply an SMS reply to the patient's open check-in's pending question.

    A reply that cannot be read is re-asked with an example (at most twice; "6 and 7" is asked
    which), then the question is left unanswered. A pain reply naming both scores ("back 6 leg
    8") answers the pending one and hands back the other (`ahead`). A reply to a numbered list
    of questions also records each listed question's yes or no (catalogue.recorded_answers).
    A reply with no open check-in is kept as a late answer to the last one started before it
    arrived, shown to the clinician and never applied to a newer question.
    """
    # Only a check-in that had begun when the text arrived can be what it answers (a text
    # handled a moment later by a worker may find a newer one open).
    latest = (
        Checkin.objects.filter(patient=patient, started_at__lte=message.created_at)
        .order_by("-started_at", "-pk")
        .first()
    )
    is_open = latest is not None and latest.status == Checkin.Status.OPEN
    checkin = latest if latest is not None and is_open and latest.channel == "sms" else None
    if checkin is None or not checkin.pending_question:
        last = latest if latest is not None and not is_open else None
        if last is not None and last.pending_question:
            Answer.objects.create(
                checkin=last,
                patient=patient,
                question=last.pending_question,
                raw=message.body,
                message=message,
                late=True,
            )
            return ReplyResult(late=True)
        return ReplyResult()
    question = BY_KEY[checkin.pending_question]
    understood, value = _parse(question, message.body, checkin.pending_items)
    unsure = not understood and question.red_flag and parsing.is_unsure(message.body)
    if not understood and not unsure:
        if checkin.reprompts < MAX_REPROMPTS:
            checkin.reprompts += 1
            return ReplyResult(messages=[_reprompt(checkin, question, message)])
        value = None  # asked three times: leave it unanswered and move on
    recorded = [
        Answer.objects.create(
            checkin=checkin,
            patient=patient,
            question=key,
            value=said,
            raw=message.body,
            message=message,
        )
        for key, said in recorded_answers(question, value, checkin.pending_items).items()
    ]
    answer = recorded[0]  # the pending question's own; a list's questions' answers follow it
    checkin.reprompts = 0
    checkin.pending_question = ""
    checkin.pending_items = []
    checkin.save(update_fields=["reprompts", "pending_question", "pending_items"])
    return ReplyResult(
        answer=answer,
        unreadable=not understood,
        unsure=unsure,
        ahead=_scores_ahead(question, message.body) if understood else {},
    )


def _reprompt(checkin: Checkin, question: Question, message: Message) -> Message:
    """Ask again with an example of a reply we can read; a pain reply offering two scores
    ("6 and 7") is asked which one it is, never guessed."""
    both = parsing.pain_alternatives(message.body) if question.type == AnswerType.NUMBER else None
    if both is not None:
        which = {"first": both[0], "second": both[1]}
        return _ask(checkin, question, reply_to=message, text="reprompt_pain_which", context=which)
    return _ask(checkin, question, reply_to=message, text=f"reprompt_{question.type}")


def _scores_ahead(question: Question, text: str) -> dict[str, int]:
    """The scores `text` names for pain questions other than `question`, in catalogue order."""
    named = parsing.parse_pain_labelled(text) if question.type == AnswerType.NUMBER else None
    return {
        later.key: named[later.key]
        for later in CATALOGUE
        if named and later.key in named and later.key != question.key
    }


def checkin_record_ahead(
    *, checkin: Checkin, question: str, value: int, message: Message
) -> Answer | None:
    """Record a score a reply gave ahead of its question ("back 6 leg 8" to the back pain
    question), exactly as the patient's next reply would have been: only while the check-in is
    open and `question` is the one it would ask next, so that question is then not asked.
    None when it is not (the score is left in the first answer's raw text)."""
    if checkin.status != Checkin.Status.OPEN or BY_KEY[question].type != AnswerType.NUMBER:
        return None
    coming = next_question(_situation(checkin, checkin_answers(checkin)))
    if coming is None or coming.key != question:
        return None
    return Answer.objects.create(
        checkin=checkin,
        patient=checkin.patient,
        question=question,
        value=value,
        raw=message.body,
        message=message,
    )


def checkin_record_answers(*, checkin: Checkin, answers: Mapping[str, object]) -> list[Answer]:
    """Store web answers (already validated against the catalogue) in catalogue order."""
    return [
        Answer.objects.create(checkin=checkin, patient=checkin.patient, question=key, value=value)
        for key, value in answers.items()
    ]


def checkin_advance(*, checkin: Checkin, reply_to: Message | None) -> Message | None:
    """Ask the next question, or complete the check-in when none is left (returns None)."""
    situation = _situation(checkin, checkin_answers(checkin))
    question = next_question(situation)
    if question is None:
        checkin_close(checkin=checkin, status=Checkin.Status.COMPLETED)
        return None
    return _ask_next(checkin, question, situation, reply_to=reply_to)


def checkin_close(*, checkin: Checkin, status: str) -> None:
    checkin.status = status
    checkin.ended_at = timezone.now()
    checkin.save(update_fields=["status", "ended_at"])
    # A question still held (quiet hours, pacing) must not arrive after its check-in ended.
    messages_cancel_pending(
        patient=checkin.patient, since=checkin.started_at, templates=("q_", "reprompt_")
    )


def checkins_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Remind once after 24 h without a reply; expire after 48 h."""
    now = now or timezone.now()
    # A patient who texted STOP (or was discharged) mid-check-in is asked nothing more.
    cancelled = 0
    stopped = (
        Checkin.objects.open()
        .filter(channel=Checkin.Channel.SMS)
        .exclude(patient__sms_consent=SmsConsent.ACTIVE, patient__status=Patient.Status.ACTIVE)
    )
    for checkin in stopped:
        checkin_close(checkin=checkin, status=Checkin.Status.CANCELLED)
        cancelled += 1
    expired = 0
    for checkin in Checkin.objects.open().filter(expires_at__lte=now):
        checkin_close(checkin=checkin, status=Checkin.Status.EXPIRED)
        expired += 1
    reminded = 0
    due = (
        Checkin.objects.open()
        .filter(channel=Checkin.Channel.SMS, remind_at__lte=now, reminded_at__isnull=True)
        .exclude(pending_question="")
    )
    for checkin in due.select_related("patient"):
        # Claimed by a conditional update: two sweepers remind once.
        if Checkin.objects.filter(pk=checkin.pk, reminded_at__isnull=True).update(reminded_at=now):
            message_queue(
                patient=checkin.patient,
                text=f"q_{checkin.pending_question}",
                context={"reminder": True, **question_context(checkin)},
                priority=Priority.BULK,
                not_after=checkin.expires_at,
            )
            reminded += 1
    return {"cancelled": cancelled, "expired": expired, "reminded": reminded}


def recent_values(
    patient: Patient, keys: tuple[str, ...] = ("back_pain", "leg_pain")
) -> dict[str, list[object]]:
    """The last answered values of these questions, newest first (one bounded query)."""
    rows = (
        Answer.objects.filter(patient=patient, question__in=keys, late=False, value__isnull=False)
        .order_by("-answered_at", "-pk")
        .values_list("question", "value")[: 4 * len(keys)]
    )
    values: dict[str, list[object]] = {key: [] for key in keys}
    for key, value in rows:
        values[key].append(value)
    return values


# --- scheduling ------------------------------------------------------------------------------


def usual_checkin_time() -> time:
    return time.fromisoformat(settings.CHECKIN_LOCAL_TIME)


def _current_tier() -> Any:

    # A paused program has no tier to schedule: no slots until it resumes.
    return Subquery(
        Enrollment.objects.active()
        .filter(patient=OuterRef("pk"))
        .order_by("-created_at")
        .values("program__tier")[:1]
    )


def _schedulable() -> QuerySet[Patient]:
    return (
        Patient.objects.filter(status=Patient.Status.ACTIVE, sms_consent=SmsConsent.ACTIVE)
        .annotate(tier=_current_tier())
        .exclude(tier=None)
    )


def slots_plan(
    *,
    now: datetime | None = None,
    batch: int = 5000,
    patient_ids: list[int] | None = None,
    not_before: datetime | None = None,
) -> int:
    """Give every schedulable patient without a due slot their next one; returns how many.

    On the patient's own days and at their own time when they chose them (checkins.schedule).
    `patient_ids` plans those patients only; `not_before` skips slots due by then (a re-plan
    after the patient changed their schedule must not start a check-in at once).
    """
    now = now or timezone.now()
    waiting = CheckinSlot.objects.filter(
        patient=OuterRef("pk"), status__in=[CheckinSlot.Status.DUE, CheckinSlot.Status.CLAIMED]
    )
    created = 0
    patients = _schedulable().filter(~Exists(waiting)).select_related(None)
    if patient_ids is not None:
        patients = patients.filter(pk__in=patient_ids)
    fields = [
        "id",
        "tier",
        "timezone",
        "quiet_hours_start",
        "quiet_hours_end",
        "created_at",
        "checkin_days",
        "checkin_time",
    ]
    for row in patients.values(*fields).iterator(chunk_size=batch):
        zone = ZoneInfo(row["timezone"])
        last = (
            CheckinSlot.objects.filter(patient_id=row["id"])
            .order_by("-local_date")
            .values_list("local_date", flat=True)
            .first()
        )
        enrolled_on = row["created_at"].astimezone(zone).date()
        after = max(last or enrolled_on, now.astimezone(zone).date() - timedelta(days=1))
        while True:
            day, kind = schedule.next_slot(
                enrolled_on=enrolled_on, tier=row["tier"], after=after, days=row["checkin_days"]
            )
            due = schedule.due_instant(
                day=day,
                at=row["checkin_time"] or usual_checkin_time(),
                zone=zone,
                quiet_start=row["quiet_hours_start"],
                quiet_end=row["quiet_hours_end"],
            )
            if not_before is None or due > not_before:
                break
            after = day
        _, made = CheckinSlot.objects.get_or_create(
            patient_id=row["id"], local_date=day, kind=kind, defaults={"due_at": due}
        )
        created += made
    return created


def slots_claim(*, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[int]:
    """Claim up to `limit` due slots for this scheduler; each slot is claimed once only."""
    now = now or timezone.now()
    # Claims left by a scheduler or worker that died go back to due.
    CheckinSlot.objects.filter(
        status=CheckinSlot.Status.CLAIMED, claimed_at__lt=now - STALE_CLAIM
    ).update(status=CheckinSlot.Status.DUE, claimed_at=None)
    with transaction.atomic():
        candidates = list(
            CheckinSlot.objects.due(now)
            .order_by("due_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        claimed = CheckinSlot.objects.filter(pk__in=candidates, status=CheckinSlot.Status.DUE)
        ids = list(claimed.values_list("pk", flat=True))
        claimed.update(status=CheckinSlot.Status.CLAIMED, claimed_at=now)
    return ids


@transaction.atomic
def slot_start(*, slot_id: int, now: datetime | None = None) -> Checkin | None:
    """Start the check-in of a claimed slot (idempotent: a slot starts one check-in; a worker
    that dies half-way rolls back and the claim is retried)."""
    now = now or timezone.now()
    started = CheckinSlot.objects.filter(pk=slot_id, status=CheckinSlot.Status.CLAIMED).update(
        status=CheckinSlot.Status.STARTED
    )
    if not started:
        return None
    slot = CheckinSlot.objects.select_related("patient").get(pk=slot_id)
    try:
        return checkin_start(patient=slot.patient, kind=Kind(slot.kind), slot=slot, now=now)
    except CheckinRefused as refused:
        CheckinSlot.objects.filter(pk=slot_id).update(status=CheckinSlot.Status.SKIPPED)
        logger.info("check-in slot %s skipped: %s", slot_id, refused.reason)
        return None
