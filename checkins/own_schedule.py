"""The patient's own check-in schedule: the days and time they choose, by SMS (TIME 7pm,
DAY MON) or on their web page, and what the schedule is in words for them and their clinician.

A choice is kept only if it fits: as many days as the tier's cadence has in a week, a time
outside quiet hours (checkins.schedule). Changing it re-plans only the slot not yet due: a slot
already due or claimed, and an open check-in, go on as they are.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import Patient
from accounts.services import audit
from checkins import schedule, schedule_words
from checkins.models import CheckinSlot
from checkins.services import slots_plan, usual_checkin_time
from messaging.keywords import Keyword, keyword_argument
from messaging.models import Message, Priority
from messaging.outbox import message_queue
from programs.models import current_enrollment
from programs.stratification import RiskGroup


class ScheduleRefused(Exception):
    """A choice that cannot be kept; `reason` is "days_count", "quiet_hours" or "no_program"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OwnSchedule:
    """What a patient's check-ins follow: their choice where they made one, else the tier's."""

    tier: str
    days: tuple[int, ...]  # week order when chosen; the tier's full day first otherwise
    at: time
    days_chosen: bool
    time_chosen: bool

    @property
    def per_week(self) -> int:
        return schedule.DAYS_PER_WEEK[RiskGroup(self.tier)]


def _enrolled_on(patient: Patient) -> date:
    return patient.created_at.astimezone(ZoneInfo(patient.timezone)).date()


def schedule_of(patient: Patient, *, tier: str) -> OwnSchedule:
    """`patient`'s schedule under `tier` (no query: the caller knows the tier)."""
    chosen = schedule.fitting_days(patient.checkin_days, tier)
    days = chosen or schedule.tier_days(enrolled_on=_enrolled_on(patient), tier=tier)
    return OwnSchedule(
        tier=tier,
        days=days,
        at=patient.checkin_time or usual_checkin_time(),
        days_chosen=bool(chosen),
        time_chosen=patient.checkin_time is not None,
    )


def current_tier(patient: Patient) -> str | None:
    enrollment = current_enrollment(patient)
    return enrollment.program.tier if enrollment else None


def patient_schedule_set(
    *,
    patient: Patient,
    days: tuple[int, ...],
    at: time | None,
    actor: object = None,
    now: datetime | None = None,
) -> OwnSchedule:
    """Keep the patient's chosen days (empty: the tier's) and time (None: the usual), audited
    (and in the patient's history), and re-plan their next slot if it is not yet due.

    Refused (ScheduleRefused) without a current program, with a day count that does not fit
    the tier's cadence, or a time inside quiet hours.
    """
    now = now or timezone.now()
    tier = current_tier(patient)
    if tier is None:
        raise ScheduleRefused("no_program")
    problem = schedule.choice_problem(
        tier=tier,
        days=days,
        at=at,
        quiet_start=patient.quiet_hours_start,
        quiet_end=patient.quiet_hours_end,
    )
    if problem is not None:
        raise ScheduleRefused(problem)
    with transaction.atomic():
        # One change at a time per patient (the web and a text at once), so one slot is due.
        Patient.objects.select_for_update().filter(pk=patient.pk).exists()
        patient.checkin_days = sorted(days)
        patient.checkin_time = at
        patient.save(update_fields=["checkin_days", "checkin_time"])
        audit(
            actor=actor,
            patient=patient,
            action="change",
            what="check-in times",
            detail=record_words(patient, tier=tier),
        )
        # Only the slot not yet due moves; a due or claimed one starts as planned.
        CheckinSlot.objects.filter(
            patient=patient, status=CheckinSlot.Status.DUE, due_at__gt=now
        ).delete()
        slots_plan(now=now, patient_ids=[patient.pk], not_before=now)
    return schedule_of(patient, tier=tier)


def record_words(patient: Patient, *, tier: str | None) -> str:
    """The schedule as the clinician's record shows it: "Mondays at 19:00 (patient's choice)",
    or "Tier default" when the patient has chosen nothing."""
    own = schedule_of(patient, tier=tier) if tier is not None else None
    if own is None or not (own.days_chosen or own.time_chosen):
        return "Tier default"  # days chosen under another tier count for nothing until re-chosen
    when = f"{schedule_words.days_words(own.days, 'en')} at {own.at:%H:%M}"
    if own.days_chosen and own.time_chosen:
        return f"{when} (patient's choice)"
    return f"{when} (patient's choice of {'days' if own.days_chosen else 'time'})"


# --- by SMS --------------------------------------------------------------------------------------

DAY_EXAMPLES = {
    "en": {1: "DAY MON", 2: "DAYS MON THU", 3: "DAYS MON WED FRI"},
    "es": {1: "DIA LUNES", 2: "DIAS LUNES JUEVES", 3: "DIAS LUNES MIERCOLES VIERNES"},
}
TIME_EXAMPLE = {"en": "TIME 8am", "es": "HORA 8:00"}


def schedule_sms_reply(*, message: Message, patient: Patient, word: Keyword) -> Message:
    """Answer "TIME 7pm" or "DAY MON": keep the choice and confirm it in the patient's words,
    or say why not with an example to copy."""
    tier = current_tier(patient)
    text, context = _sms_choice(patient, tier, word, keyword_argument(message.body))
    return message_queue(
        patient=patient,
        text=text,
        context=context | _sms_examples(patient, tier, word),
        priority=Priority.REPLY,
        in_reply_to=message,
    )


def _sms_choice(
    patient: Patient, tier: str | None, word: Keyword, argument: str
) -> tuple[str, dict[str, str]]:
    """The text that answers the choice in `argument` (and its words), having kept it if it
    can be. TIME keeps the chosen days and DAY the chosen time."""
    days = schedule.fitting_days(patient.checkin_days, tier) if tier else ()
    at = patient.checkin_time
    if word == Keyword.TIME:
        at = schedule_words.parse_time(argument)
        if at is None:
            return "schedule_time_unreadable", {}
    else:
        days = schedule_words.parse_days(argument) or ()
        if not days:
            return "schedule_days_unreadable", {}
    try:
        own = patient_schedule_set(patient=patient, days=days, at=at)
    except ScheduleRefused as refused:
        return f"schedule_{refused.reason}", {}
    return "schedule_done", {"when": schedule_words.when_words(own.days, own.at, patient.language)}


def _sms_examples(patient: Patient, tier: str | None, word: Keyword) -> dict[str, object]:
    """What every schedule text may show: the tier's day count, replies to copy, quiet hours."""
    language = patient.language
    per_week = schedule.DAYS_PER_WEEK[RiskGroup(tier)] if tier else 1
    day_example = DAY_EXAMPLES[language][per_week]
    return {
        "count": per_week,
        "day_example": day_example,
        "time_example": TIME_EXAMPLE[language],
        "change": TIME_EXAMPLE[language] if word == Keyword.TIME else day_example,
        "quiet_start": schedule_words.time_words(patient.quiet_hours_start, language),
        "quiet_end": schedule_words.time_words(patient.quiet_hours_end, language),
    }
