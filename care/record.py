"""The patient record in words: what the clinicians' record page reads (the header, the
timeline grouped per check-in, the STarT Back screens).

A clinician reads a record, not a database: questions by their words, answers as "7 out of 10",
times in the clinician's own zone (`timezone.localtime`: the admin activates it), escalations by
severity and reason, program steps by their titles. No stored key, JSON list or sign-in link
reaches the page. Each reader costs a fixed number of queries however long the history.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Patient, PatientFlag, User
from accounts.services import SIGN_IN_STEP, sign_in_link
from care.impressions import ImpressionLine, impression_lines
from care.week import MEANINGFUL_FALL, fall_mark
from checkins.models import Answer, Checkin, Flare
from checkins.own_schedule import record_words as schedule_record_words
from checkins.progress import Point, chart
from checkins.texts import question_prompts
from checkins.words import answer_words, pain_words
from escalations.models import Escalation, Evidence, ReferralClock
from escalations.rules import (
    CLOCK_WORDS,
    R27_WINDOW,
    SEVERITY_WORDS,
    Clock,
    Severity,
)
from messaging.models import Direction, Message
from programs.models import (
    Enrollment,
    ExerciseLog,
    StartBackScreen,
    StepProgress,
    StepText,
    current_enrollment,
)
from programs.services import enrollment_timeline_shift
from programs.stratification import (
    BOTHERSOME_ITEM,
    BOTHERSOME_LABELS,
    ITEM_LABELS,
    PSYCHOSOCIAL_ITEMS,
    RISK_GROUP_WORDS,
    RiskGroup,
    item_score,
)
from selfcare.clock import local_today, shown_time_text

TIMELINE_LENGTH = 60  # rows, and the most of each kind read to fill them
RECORD_LANGUAGE = "en"  # the clinicians' language: question and step words come in English
# The messages of a check-in conversation are its questions, shown under its row instead.
CHECKIN_TEMPLATES = Q(template__startswith="q_") | Q(template__startswith="reprompt_")
# Its closing text (thanks; a weekly one's summary of the week; the advice) is on its row too.
CLOSING_TEMPLATES = ["checkin_thanks", "checkin_week", "checkin_end"]
CHECKIN_TEMPLATES |= Q(template__in=CLOSING_TEMPLATES)
CLOSING_WORDS = "Closing text sent"
SIGN_IN_LINK_SHOWN = "(sign-in link, not shown)"
IMPROVEMENT_WORDS = f"{float(MEANINGFUL_FALL):.0%} better than baseline"
NO_RISK_FLAGS = "No risk flags"
CHART_TICKS = 4


def person_name(user: User | None) -> str:
    """A staff user as a colleague names them (the username only when no name is recorded)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def day_words(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else "Unknown"


def local_time_words(instant: datetime | None) -> str:
    """An instant on the viewer's clock, with the zone's abbreviation: "15 Jun 2026, 12:00 CDT"."""
    return shown_time_text(instant, "%d %b %Y, %H:%M") if instant else "—"


# --- the header ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockLine:
    kind: str
    deadline: str


@dataclass(frozen=True)
class Header:
    name: str
    phone: str
    tel: str
    program: str
    tier: str
    day: str  # "day 5 of 42", or "" without a current program
    status: str
    flags: list[str]
    clocks: list[ClockLine]
    open_escalations: int
    queue_url: str
    checkin_times: str  # "Mondays at 19:00 (patient's choice)", or "Tier default"
    impressions: list[ImpressionLine] = field(default_factory=list)  # PGIC, oldest first


def program_day(enrollment: Enrollment, *, today: date) -> str:
    """Where the patient is in the program: days since it started, less the days paused."""
    length = enrollment.program.weeks * 7
    elapsed = (today - enrollment.started_on).days - enrollment_timeline_shift(enrollment, today)
    return f"day {min(max(elapsed + 1, 1), length)} of {length}"


def risk_flag_labels(patient: Patient) -> list[str]:
    """The risk flags answered yes, in words."""
    return [label for flag, label in PatientFlag.choices if getattr(patient, flag)]


def record_header(patient: Patient) -> Header:
    """Who the patient is and what is running for them, with their impressions of change
    (four queries besides the patient's)."""
    enrollment = current_enrollment(patient)
    today = local_today(timezone.now(), ZoneInfo(patient.timezone))
    status = patient.get_status_display()
    if enrollment and enrollment.status == Enrollment.Status.PAUSED:
        status = f"{status}, program paused"
    clocks = ReferralClock.objects.filter(patient=patient, stopped_at__isnull=True)
    return Header(
        name=str(patient),
        phone=str(patient.phone),
        tel=f"tel:{patient.phone}",
        program=str(enrollment.program) if enrollment else "No current program",
        tier=RISK_GROUP_WORDS[RiskGroup(enrollment.program.tier)] if enrollment else "",
        day=program_day(enrollment, today=today) if enrollment else "",
        status=status,
        flags=risk_flag_labels(patient),
        clocks=[
            ClockLine(CLOCK_WORDS[Clock(c.kind)], local_time_words(c.deadline))
            for c in clocks.order_by("deadline")
        ],
        open_escalations=Escalation.objects.active().filter(patient=patient).count(),
        queue_url=patient_queue_url(patient),
        checkin_times=schedule_record_words(
            patient, tier=enrollment.program.tier if enrollment else None
        ),
        impressions=impression_lines(patient),
    )


def patient_queue_url(patient: Patient) -> str:
    """The work queue filtered to this patient's open and acknowledged escalations."""
    query = urlencode({"patient__id__exact": patient.pk, "status__in": "open,acknowledged"})
    return f"{reverse('admin:escalations_escalation_changelist')}?{query}"


def record_chart(patient: Patient, points: list[Point]) -> dict[str, object]:
    """The pain chart with dates under it, the baseline marked, and the line back pain should
    fall under (the improvement R20 looks for)."""
    mark = fall_mark(patient.baseline_back_pain)
    return chart(
        points,
        target=float(mark) if mark is not None else None,
        target_label=IMPROVEMENT_WORDS,
        ticks=CHART_TICKS,
    )


# --- the timeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerLine:
    question: str
    answer: str


@dataclass(frozen=True)
class Row:
    """One line of the timeline; a check-in's row carries its questions and answers."""

    at: datetime  # on the viewer's clock
    kind: str
    text: str
    detail: str = ""
    answers: list[AnswerLine] = field(default_factory=list)


def answer_line(answer: Answer, prompts: dict[str, str]) -> AnswerLine:
    return AnswerLine(
        prompts.get(answer.question, "A question no longer asked"), answer_words(answer)
    )


def escalation_words(severity: str, reason: str) -> str:
    return f"{SEVERITY_WORDS[Severity(severity)]}: {reason}"


def checkin_row(
    checkin: Checkin,
    prompts: dict[str, str],
    raised: Iterable[tuple[str, str]],
    closing: str | None = None,
) -> Row:
    answers = list(checkin.answers.all())
    asked = [a for a in answers if not a.late]
    answered = sum(1 for a in asked if a.value is not None)
    told = [AnswerLine(CLOSING_WORDS, closing)] if closing else []
    return Row(
        at=timezone.localtime(checkin.started_at),
        kind=checkin.get_kind_display(),
        text=f"{checkin.get_channel_display()}, answered {answered} of {len(asked)}, "
        f"{checkin.get_status_display().lower()}",
        detail="; ".join(escalation_words(severity, reason) for severity, reason in raised),
        answers=[*(answer_line(a, prompts) for a in answers), *told],
    )


def closing_texts(checkins: list[Checkin]) -> dict[int, str]:
    """The text each SMS check-in ended with, by check-in: it answers the check-in's last reply
    (one query; the answers are prefetched)."""
    by_reply = {a.message_id: c.pk for c in checkins for a in c.answers.all() if a.message_id}
    sent = Message.objects.filter(
        template__in=CLOSING_TEMPLATES, in_reply_to_id__in=list(by_reply)
    ).values_list("in_reply_to_id", "body")
    return {by_reply[reply]: body for reply, body in sent if reply in by_reply}


def checkin_rows(patient: Patient) -> list[Row]:
    """The latest check-ins, each with its answers, the escalations it raised and, by SMS, the
    text it ended with (four queries)."""
    checkins = list(
        Checkin.objects.filter(patient=patient)
        .order_by("-started_at", "-id")
        .prefetch_related("answers")[:TIMELINE_LENGTH]
    )
    raised: dict[int, dict[int, tuple[str, str]]] = {}
    for checkin_id, escalation_id, severity, reason in (
        Evidence.objects.filter(answer__checkin__in=[c.pk for c in checkins])
        .values_list(
            "answer__checkin_id", "escalation_id", "escalation__severity", "escalation__reason"
        )
        .order_by("at", "id")
    ):
        raised.setdefault(checkin_id, {})[escalation_id] = (severity, reason)
    prompts = question_prompts(RECORD_LANGUAGE)
    closing = closing_texts(checkins)
    return [
        checkin_row(c, prompts, raised.get(c.pk, {}).values(), closing.get(c.pk)) for c in checkins
    ]


def message_rows(patient: Patient) -> list[Row]:
    """Texts outside the check-in conversations (a check-in's questions and replies are on its
    row), with any sign-in link replaced by words: the stored link carries no token, but a
    clinician has no use for it either."""
    replies = Answer.objects.filter(patient=patient, message__isnull=False).values("message_id")
    messages = (
        Message.objects.filter(patient=patient)
        .exclude(CHECKIN_TEMPLATES)
        .exclude(pk__in=replies)
        .order_by("-created_at", "-id")[:TIMELINE_LENGTH]
    )
    # The stored link, with the step it may land on ("…?t=[link]&step=calm-breathing").
    link = re.compile(re.escape(sign_in_link()) + rf"(&{SIGN_IN_STEP}=[-\w]+)?")
    return [
        Row(
            at=timezone.localtime(m.created_at),
            kind="SMS from the patient" if m.direction == Direction.IN else "SMS to the patient",
            text=link.sub(SIGN_IN_LINK_SHOWN, m.body),
            detail=m.get_status_display(),
        )
        for m in messages
    ]


def flare_rows(patient: Patient) -> list[Row]:
    """Flare-ups the patient texted, each counted with those of the 7 days up to it (what R27
    counts; one query)."""
    flares = list(
        Flare.objects.filter(patient=patient).values_list("at", flat=True)[:TIMELINE_LENGTH]
    )
    return [
        Row(
            at=timezone.localtime(at),
            kind="Flare-up",
            text="Flare-up reported by SMS",
            detail=f"{sum(at - R27_WINDOW <= other <= at for other in flares)} in 7 days",
        )
        for at in flares
    ]


def escalation_rows(patient: Patient) -> list[Row]:
    return [
        Row(
            at=timezone.localtime(e.created_at),
            kind="Escalation",
            text=escalation_words(e.severity, e.reason),
            detail=e.get_status_display(),
        )
        for e in Escalation.objects.filter(patient=patient).order_by("-created_at", "-id")[
            :TIMELINE_LENGTH
        ]
    ]


def program_rows(patient: Patient) -> list[Row]:
    """Steps done and exercises logged, by the step's title (three queries)."""
    done = list(
        StepProgress.objects.filter(enrollment__patient=patient)
        .select_related("step")
        .order_by("-done_at", "-id")[:TIMELINE_LENGTH]
    )
    logs = list(
        ExerciseLog.objects.filter(patient=patient)
        .select_related("step")
        .order_by("-logged_at", "-id")[:TIMELINE_LENGTH]
    )
    titles = StepText.objects.by_step([*(p.step for p in done), *(g.step for g in logs)], "en")

    def title(step_id: int) -> str:
        text = titles.get(step_id)
        return text.title if text else "a program step"

    return [
        *(Row(timezone.localtime(p.done_at), "Program", f"Done: {title(p.step_id)}") for p in done),
        *(
            Row(
                timezone.localtime(g.logged_at),
                "Exercise",
                f"Logged: {title(g.step_id)}",
                f"felt {g.get_felt_display().lower()}, pain {pain_words(g.pain_during)}",
            )
            for g in logs
        ),
    ]


def patient_timeline(patient: Patient) -> list[Row]:
    """Check-ins (with their answers), other texts, flare-ups, escalations and program
    progress, newest first: eleven queries, however long the history."""
    rows = [
        *checkin_rows(patient),
        *message_rows(patient),
        *flare_rows(patient),
        *escalation_rows(patient),
        *program_rows(patient),
    ]
    return sorted(rows, key=lambda row: row.at, reverse=True)[:TIMELINE_LENGTH]


# --- STarT Back ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenItem:
    number: int
    label: str
    answer: str
    score: int
    psychosocial: bool


@dataclass(frozen=True)
class ScreenTable:
    screened_at: datetime
    screened_by: str
    items: list[ScreenItem]
    total: int
    psychosocial: int
    risk_group: str


def item_answer_words(item: int, value: int) -> str:
    if item == BOTHERSOME_ITEM:
        return BOTHERSOME_LABELS.get(value, str(value))
    return "Agree" if value else "Disagree"


def screen_table(screen: StartBackScreen) -> ScreenTable:
    return ScreenTable(
        screened_at=timezone.localtime(screen.screened_at),
        screened_by=person_name(screen.screened_by),
        items=[
            ScreenItem(
                number=item,
                label=ITEM_LABELS[item],
                answer=item_answer_words(item, value),
                score=item_score(item, value),
                psychosocial=item in PSYCHOSOCIAL_ITEMS,
            )
            for item, value in enumerate(screen.answers, start=1)
        ],
        total=screen.total,
        psychosocial=screen.psychosocial,
        risk_group=RISK_GROUP_WORDS[RiskGroup(screen.risk_group)],
    )


def startback_tables(patient: Patient) -> list[ScreenTable]:
    """Every screen, newest first, each item by its construct label (one query)."""
    screens = StartBackScreen.objects.filter(patient=patient).select_related("screened_by")
    return [screen_table(s) for s in screens.order_by("-screened_at", "-id")]
