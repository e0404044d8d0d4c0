"""The escalation's page in the admin, in words a triage nurse reads: what triggered it (each
evidence row as the question and the answer, or the patient's own text), what the patient was
told, what the rule means, whom the chain told, and the referral clocks to act on.

Read-only. Every time is in the viewer's zone (accounts.middleware activates it), and the page
costs the same few queries however many evidence rows, messages and notifications there are.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from checkins.catalogue import CATALOGUE
from checkins.models import Answer
from checkins.texts import question_words
from checkins.words import answer_words
from escalations.models import Escalation, Evidence, Notification, ReferralClock
from escalations.notifications import step_words
from escalations.rules import CLOCK_WORDS, RULE_MEANINGS, RULE_QUESTIONS, Clock
from messaging.models import Direction, Message, Status
from messaging.texts import render as render_text
from selfcare.clock import shown_time_text

EVIDENCE_SHOWN = 50  # a persistent condition adds a row a week: the latest are what matter
TOLD_SHOWN = 20
NOTICES_SHOWN = 50

# The texts an escalation sends the patient: a rule's advice (esc_*), the end of a check-in with
# that advice, HELP's safety reply, and the care team's own.
TOLD_TEMPLATES = Q(template__startswith="esc_") | Q(
    template__in=[
        "checkin_end",
        "help",
        "care_team_reply",
        "care_team_seen",
        "care_team_acknowledged",
    ]
)

DELIVERY_WORDS = {
    Status.PENDING: "waiting to be sent",
    Status.SUBMITTING: "being sent",
    Status.QUEUED: "with the SMS provider",
    Status.SENDING: "with the SMS provider",
    Status.SENT: "sent, delivery not yet confirmed",
    Status.DELIVERED: "delivered",
    Status.UNDELIVERED: "not delivered",
    Status.FAILED: "failed: not delivered",
    Status.EXPIRED: "not sent: it was too late to be useful",
    Status.CANCELLED: "cancelled, not sent",
}
CATALOGUE_ORDER = {question.key: i for i, question in enumerate(CATALOGUE)}


@dataclass(frozen=True)
class Said:
    """A question of a check-in and the patient's answer, in words."""

    question: str
    answer: str


@dataclass(frozen=True)
class EvidenceRow:
    at: str
    answers: list[Said] = field(default_factory=list)
    words: str = ""  # the text itself, the patient's or the care team's
    who: str = ""  # "The patient wrote" / "The care team replied"
    detail: str = ""  # for evidence with neither an answer nor a text (a sweep, a clock)


@dataclass(frozen=True)
class ToldRow:
    at: str
    text: str
    delivery: str


@dataclass(frozen=True)
class NoticeRow:
    at: str
    step: str
    who: str
    channel: str
    state: str


@dataclass(frozen=True)
class ClockRow:
    label: str
    url: str


@dataclass(frozen=True)
class EscalationPage:
    evidence: list[EvidenceRow]
    evidence_left_off: int
    told: list[ToldRow]
    meaning: str
    notices: list[NoticeRow]
    clocks: list[ClockRow]


def escalation_page(escalation: Escalation) -> EscalationPage:
    evidence = _latest_evidence(escalation)
    return EscalationPage(
        evidence=[_evidence_row(e, escalation.rule) for e in evidence],
        evidence_left_off=max(escalation.evidence_count - len(evidence), 0),
        told=[
            *_shown_on_the_web(evidence, escalation.patient.language),
            *(_told_row(m) for m in _told(escalation)),
        ],
        meaning=RULE_MEANINGS.get(escalation.rule, escalation.reason),
        notices=[_notice_row(n) for n in _notices(escalation)],
        clocks=[_clock_row(c) for c in _running_clocks(escalation)],
    )


# --- what triggered it ------------------------------------------------------------------------


def _latest_evidence(escalation: Escalation) -> list[Evidence]:
    """The latest EVIDENCE_SHOWN rows, oldest first, with their answers' whole check-ins (two
    queries)."""
    latest = (
        Evidence.objects.filter(escalation=escalation)
        .select_related("answer__checkin", "message")
        .prefetch_related("answer__checkin__answers")
        .order_by("-at", "-pk")[:EVIDENCE_SHOWN]
    )
    return list(reversed(latest))


def _evidence_row(evidence: Evidence, rule: str) -> EvidenceRow:
    said = [
        Said(question_words(a.question), answer_words(a)) for a in _answers_shown(evidence, rule)
    ]
    text = evidence.message
    words = text.body.strip() if text else ""
    if text is not None and text.direction == Direction.OUT:
        who = "The care team replied"
    else:
        who = "The patient wrote"
    return EvidenceRow(
        at=shown_time_text(evidence.at),
        answers=said,
        words=words,
        who=who if words else "",
        detail="" if said or words else evidence.detail,
    )


def _answers_shown(evidence: Evidence, rule: str) -> list[Answer]:
    """The answers of the evidence's check-in that its rule reads (the evidence names one
    answer of the check-in, not always the one that fired it); the evidence's own answer for
    a rule that reads no particular question (R24, R25)."""
    answer = evidence.answer
    if answer is None:
        return []
    keys = RULE_QUESTIONS.get(rule, ())
    read = [a for a in answer.checkin.answers.all() if a.question in keys]
    read.sort(key=lambda a: (CATALOGUE_ORDER.get(a.question, len(CATALOGUE)), a.answered_at))
    return read or [answer]


# --- what the patient was told ------------------------------------------------------------------


def _told(escalation: Escalation) -> list[Message]:
    """The patient's texts of the kinds an escalation sends, from its opening to its resolution.
    No field links a text to the escalation it followed (the advice replies to the patient's
    text, the acknowledgement to nothing), so this is the patient's texts of those kinds in
    that time, at most TOLD_SHOWN."""
    during = Q(created_at__gte=escalation.created_at)
    if escalation.resolved_at is not None:
        during &= Q(created_at__lte=escalation.resolved_at)
    return list(
        Message.objects.outbound()
        .filter(during, TOLD_TEMPLATES, patient_id=escalation.patient_id)
        .order_by("created_at", "pk")[:TOLD_SHOWN]
    )


def _shown_on_the_web(evidence: list[Evidence], language: str) -> list[ToldRow]:
    """The advice a web check-in put on the patient's screen (it is never texted), once per
    check-in of the evidence shown."""
    checkins = {
        e.answer.checkin_id: e.answer.checkin
        for e in evidence
        if e.answer is not None and e.answer.checkin.advice
    }
    return [
        ToldRow(
            at=shown_time_text(checkin.ended_at or checkin.started_at),
            text=render_text(checkin.advice, language),
            delivery="shown on screen at the end of the web check-in",
        )
        for checkin in checkins.values()
    ]


def _told_row(message: Message) -> ToldRow:
    return ToldRow(
        at=shown_time_text(message.created_at),
        text=message.body,
        delivery=delivery_words(message),
    )


def delivery_words(message: Message) -> str:
    """Where an outbound text is, in words: "delivered", "not sent: no active SMS consent"."""
    if message.status == Status.SUPPRESSED:
        return f"not sent: {withheld_words(message)}"
    return DELIVERY_WORDS.get(Status(message.status), message.get_status_display().lower())


def withheld_words(message: Message) -> str:
    """Why the outbox withheld a text: "no active SMS consent"."""
    reason = message.get_suppressed_reason_display() or "withheld"
    return f"{reason[:1].lower()}{reason[1:]}"


# --- the chain and the clocks -------------------------------------------------------------------


def _notices(escalation: Escalation) -> list[Notification]:
    latest = (
        Notification.objects.filter(escalation=escalation)
        .select_related("clinician__user")
        .order_by("-created_at", "-pk")[:NOTICES_SHOWN]
    )
    return list(reversed(latest))


def _notice_row(notice: Notification) -> NoticeRow:
    return NoticeRow(
        at=shown_time_text(notice.created_at),
        step=step_words(notice.step) if notice.step is not None else "",
        who=str(notice.clinician) if notice.clinician else notice.recipient,
        channel="SMS" if notice.channel == "sms" else "email",
        state=_notice_state(notice),
    )


def _notice_state(notice: Notification) -> str:
    """An SMS notice is recorded as it goes to the outbox; an email only once the mail server
    took it (escalations.notifications)."""
    if notice.channel == "sms":
        return "sent to their phone"
    if notice.sent_at is not None:
        return f"accepted by the mail server at {shown_time_text(notice.sent_at, '%H:%M')}"
    tries = f" ({notice.attempts} tries so far)" if notice.attempts else ""
    return f"not sent yet{tries}"


def _running_clocks(escalation: Escalation) -> list[ReferralClock]:
    return list(
        ReferralClock.objects.filter(patient_id=escalation.patient_id, stopped_at__isnull=True)
    )


def _clock_row(clock: ReferralClock) -> ClockRow:
    kind = CLOCK_WORDS.get(Clock(clock.kind), "Referral")
    return ClockRow(
        label=f"{kind} clock, deadline {shown_time_text(clock.deadline, '%a %d %b %Y')}",
        url=reverse("admin:escalations_referralclock_change", args=[clock.pk]),
    )
