"""What happens when a patient texts: the free-text rules, then their open check-in (record,
re-prompt, next question), the rules over the answers, escalations, and the one message the
patient is told. Registered with messaging (messaging.replies) by CareConfig.ready()."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Clinician, Patient
from care.week import week_context, week_summary
from checkins.catalogue import BY_KEY, Kind
from checkins.flares import flare_plan_message, flare_record, flares_since
from checkins.models import Answer, Checkin
from checkins.own_schedule import schedule_sms_reply
from checkins.services import (
    checkin_advance,
    checkin_answers,
    checkin_close,
    checkin_record_ahead,
    checkin_record_reply,
    reply_could_answer,
)
from escalations import rules
from escalations.rules import Hit, RuleInput, Severity
from escalations.services import (
    AcknowledgeRefused,
    escalate,
    escalate_holding,
    escalate_if_armed,
    escalation_acknowledge_by_code,
    rule_input,
)
from messaging.keywords import Keyword, ack_code, flare_rest
from messaging.models import Message, Priority, ReviewItem
from messaging.outbox import message_queue
from messaging.texts import render as render_text
from selfcare.clock import clinic_time_text

# The patient's own check-in days and time (checkins.own_schedule).
SCHEDULE_KEYWORDS = frozenset({Keyword.TIME, Keyword.DAY})


def handle_staff_reply(message: Message, clinician: Clinician) -> Iterable[Message]:
    """A text from a clinician's registered phone: "ACK 1234" acknowledges that alert (and
    stops its chain); anything else, or a code that is not theirs, gets a short refusal."""
    code = ack_code(message.body)
    context: dict[str, str] = {"code": code or ""}
    if code is None:
        text = "staff_ack_help"
    else:
        try:
            escalation, now = escalation_acknowledge_by_code(clinician=clinician, code=code)
        except AcknowledgeRefused as refused:
            text = f"staff_ack_{refused.reason}"
        else:
            text = "staff_ack_done" if now else "staff_ack_already"
            by, at = escalation.acknowledged_by, escalation.acknowledged_at
            context["by"] = (by.get_full_name() or by.username) if by else "someone"
            context["at"] = clinic_time_text(at, "%H:%M") if at else ""
    return [
        message_queue(
            patient=None,
            phone=message.phone,
            text=text,
            context=context,
            language="en",
            priority=Priority.REPLY,
            in_reply_to=message,
        )
    ]


def _tell(patient: Patient, hit: Hit, reply_to: Message) -> Message:
    priority = Priority.EMERGENCY if hit.severity == Severity.EMERGENCY else Priority.REPLY
    return message_queue(
        patient=patient,
        text=hit.message or "checkin_thanks",
        priority=priority,
        in_reply_to=reply_to,
    )


def _text_hits(
    message: Message,
    keyword: Keyword | None,
    *,
    now: datetime,
    flags: dict[str, bool] | None = None,
) -> list[Hit]:
    # The text rules read only the words (and, for R5/R6's severity, the patient's flags): no
    # history to load for them.
    words = RuleInput(
        now=now,
        flags=flags or {},
        enrolled_on=now.date(),
        onset_date=None,
        presentation_date=now.date(),
        baseline_back=0,
        baseline_leg=0,
        baseline_site_count=0,
        text=message.body,
        help_keyword=keyword == Keyword.HELP,
    )
    return rules.evaluate(words, rules.TEXT_RULES)


def sms_reply_is_urgent(message: Message) -> bool:
    """Whether a patient's text must be answered in the request that brought it: its words
    call for a safety rule, or it answers an open SMS check-in (the next question, or emergency
    advice, goes back at once). Anything else is handled by the drain within seconds: a remark
    with no check-in open, and a text that no question could take as its answer, which at most
    earns a re-prompt.
    """
    if message.patient_id is None or _text_hits(message, None, now=timezone.now()):
        return True
    if not reply_could_answer(message.body):
        return False
    return Checkin.objects.filter(
        patient_id=message.patient_id, status=Checkin.Status.OPEN, channel=Checkin.Channel.SMS
    ).exists()


def handle_sms_reply(message: Message, keyword: Keyword | None) -> Iterable[Message]:
    """Answer a patient's text: the free-text rules first, then their open check-in.

    Every text ends as an answer recorded, a re-prompt, a keyword handled, or a rule fired
    (CLINICAL.md "Nothing is dropped"): emergency advice is queued first and ends any open
    check-in (a text that can bring it is handled in the webhook's own request, see
    sms_reply_is_urgent); a red-flag question left unreadable or "not sure" is R25; a text that
    is nothing else is R24, a message for the care team. Otherwise the next question, or at
    the end one message: the most severe of the check-in with the red-flag line, or thanks.
    """
    patient = message.patient
    if patient is None:
        return []
    now = timezone.now()
    replies: list[Message] = []
    text_hits = _text_hits(message, keyword, now=now, flags=patient.flags)
    for hit in text_hits:
        escalate(patient=patient, hit=hit, now=now, message=message)
    told = rules.patient_message(text_hits)
    if told is not None and keyword != Keyword.HELP:  # HELP already got the safety reply
        replies.append(_tell(patient, told, message))
    if keyword == Keyword.FLARE:
        return replies + _flare(patient, message, told=told, fired=bool(text_hits), now=now)
    if keyword is not None:
        advised = told is not None and told.severity == Severity.EMERGENCY
        if keyword in SCHEDULE_KEYWORDS and not advised:  # emergency advice is the last word
            replies.append(schedule_sms_reply(message=message, patient=patient, word=keyword))
        return replies
    if told is not None and told.severity == Severity.EMERGENCY:
        # Emergency ends the conversation: the advice is the last word (no re-prompt, no next
        # question), and the words are not read as the answer they may have begun with.
        _interrupt_checkins(patient)
        return replies

    result = checkin_record_reply(patient=patient, message=message)
    replies.extend(result.messages)
    if result.answer is None:
        if not (text_hits or result.messages or (result.late and reply_could_answer(message.body))):
            replies.extend(_for_the_care_team(patient, message, now=now))
        return replies
    checkin = result.answer.checkin
    if result.unreadable:
        key = result.answer.question
        if BY_KEY[key].red_flag:
            hit = rules.r25(question=key, unsure=result.unsure)
            escalate(patient=patient, hit=hit, now=now, answer=result.answer, message=message)
            replies.append(_tell(patient, hit, message))
        else:
            hit = rules.r24(during_checkin=True)
            escalate(patient=patient, hit=hit, now=now, answer=result.answer, message=message)
    emergency = _answer_rules(patient, result.answer, now=now)
    for key, score in result.ahead.items():
        if emergency:
            break  # the check-in ends here: what the reply said next is not applied
        ahead = checkin_record_ahead(checkin=checkin, question=key, value=score, message=message)
        if ahead is not None:
            emergency = _answer_rules(patient, ahead, now=now)
    if emergency:
        worst = rules.patient_message(emergency)
        if worst is not None:
            replies.insert(0, _tell(patient, worst, message))
        checkin_close(checkin=checkin, status=Checkin.Status.INTERRUPTED)
        return replies
    question = checkin_advance(checkin=checkin, reply_to=message)
    if question is not None:
        replies.append(question)
        return replies
    replies.append(checkin_summary_message(checkin=checkin, reply_to=message, now=now))
    return replies


def _interrupt_checkins(patient: Patient) -> None:
    for checkin in Checkin.objects.open().filter(patient=patient):
        checkin_close(checkin=checkin, status=Checkin.Status.INTERRUPTED)


def _flare(
    patient: Patient, message: Message, *, told: Hit | None, fired: bool, now: datetime
) -> list[Message]:
    """FLARE: the flare-up is recorded and counted (R27, clinician-facing), then the patient
    gets the flare-up plan, after any rule's message. Emergency advice from the same text is
    the last word instead (CLINICAL.md "Emergency ends the conversation"): no plan follows it,
    and an open check-in stops. Words after the keyword that fire no rule are a message for
    the care team (R24), as any other text would be."""
    flare_record(patient=patient, message=message, now=now)
    hit = rules.r27(flares_in_window=flares_since(patient, now - rules.R27_WINDOW))
    if hit is not None:
        escalate_if_armed(patient=patient, hit=hit, now=now, message=message)
    if told is not None and told.severity == Severity.EMERGENCY:
        _interrupt_checkins(patient)
        return []
    replies = [flare_plan_message(patient=patient, reply_to=message)]
    if flare_rest(message.body) and not fired:
        replies.extend(_for_the_care_team(patient, message, now=now))
    return replies


def _answer_rules(patient: Patient, answer: Answer, *, now: datetime) -> list[Hit]:
    """The rules over the check-in as it stands after `answer`; returns the emergency hits.
    Run once per answer recorded, so a reply that answers two questions ("back 6 leg 8") is
    read exactly as two replies would have been."""
    data = rule_input(patient, now=now, current=checkin_answers(answer.checkin))
    hits = escalate_holding(
        patient=patient, hits=rules.evaluate(data, rules.ANSWER_RULES), now=now, answer=answer
    )
    return [h for h in hits if h.severity == Severity.EMERGENCY]


R24_ACK_EVERY = timedelta(days=1)


def _for_the_care_team(patient: Patient, message: Message, *, now: datetime) -> list[Message]:
    """R24: a text that is nothing else (not an answer, a keyword or another rule's trigger)
    is a message for the care team. The patient is told when it will be read, at most once a
    day; later texts add evidence to the open escalation."""
    if ReviewItem.objects.filter(message=message, reason=ReviewItem.Reason.OPT_OUT_INTENT).exists():
        return []  # messaging explained STOP and a person reviews it: it is not left alone
    hit = rules.r24()
    escalate(patient=patient, hit=hit, now=now, message=message)
    told_lately = Message.objects.filter(
        patient=patient, template="esc_r24", created_at__gte=now - R24_ACK_EVERY
    ).exists()
    return [] if told_lately else [_tell(patient, hit, message)]


def checkin_summary_message(
    *, checkin: Checkin, reply_to: Message | None, now: datetime
) -> Message:
    """The one message at the end of a check-in: its most severe rule's with the red-flag
    line, or thanks (which carries it too); a weekly check-in's thanks carries the week's pain
    beside the baseline as well, in the same one text."""
    patient = checkin.patient
    data = rule_input(patient, now=now, current=checkin_answers(checkin))
    worst = rules.patient_message(rules.evaluate(data, rules.ANSWER_RULES))
    priority = Priority.REPLY if reply_to else Priority.BULK
    if worst is None or not worst.message:
        summary = week_summary(patient, now) if checkin.kind == Kind.FULL else None
        if summary is None:
            return message_queue(
                patient=patient, text="checkin_thanks", priority=priority, in_reply_to=reply_to
            )
        return message_queue(
            patient=patient,
            text="checkin_week",
            context=week_context(summary, patient.language),
            priority=priority,
            in_reply_to=reply_to,
        )
    advice = render_text(worst.message, patient.language)
    return message_queue(
        patient=patient,
        text="checkin_end",
        context={"advice": advice},
        priority=priority,
        in_reply_to=reply_to,
    )
