"""The web check-in: a whole form of answers, on the same path as an SMS check-in (answers →
rules → escalations → the one message to the patient), the message shown on the page."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Patient
from care.week import week_context, week_summary
from checkins.catalogue import Kind
from checkins.models import Checkin
from checkins.services import checkin_close, checkin_record_answers, checkin_start
from escalations import rules
from escalations.services import escalate_holding, rule_input
from messaging.texts import render as render_text


@dataclass(frozen=True)
class WebCheckinResult:
    """What the patient is told on the page: the advice of the check-in's most severe rule
    (None: thanks only), whether it is an emergency, and, short of one, the closing text an SMS
    weekly check-in would have ended with (thanks, the week's pain beside the baseline, the
    red-flag line), or None when the week holds nothing to summarise."""

    checkin: Checkin
    advice: str | None
    urgent: bool
    summary: str | None = None


def web_checkin_record(
    *, patient: Patient, answers: dict[str, object], now: datetime | None = None
) -> WebCheckinResult:
    """Record a web check-in's answers (already read against the catalogue, in its order), run
    the answer rules and escalate, and say what the patient is told.

    An SMS check-in still open is superseded (cancelled), not mixed in. Raises CheckinRefused,
    with nothing changed, when no check-in may start (the program is paused or ended).
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        for open_checkin in Checkin.objects.open().filter(patient=patient):
            checkin_close(checkin=open_checkin, status=Checkin.Status.CANCELLED)
        checkin = checkin_start(patient=patient, channel=Checkin.Channel.WEB, now=now)
        stored = checkin_record_answers(checkin=checkin, answers=answers)
        checkin_close(checkin=checkin, status=Checkin.Status.COMPLETED)
        data = rule_input(patient, now=now, current=answers)
        hits = escalate_holding(
            patient=patient,
            hits=rules.evaluate(data, rules.ANSWER_RULES),
            now=now,
            answer=stored[0],
        )
        told = rules.patient_message(hits)
        if told and told.message:
            Checkin.objects.filter(pk=checkin.pk).update(advice=told.message)
    urgent = bool(told and told.severity == rules.Severity.EMERGENCY)
    summary = None
    if not urgent and checkin.kind == Kind.FULL:  # emergency advice is the last word
        week = week_summary(patient, now)
        if week is not None:
            context = week_context(week, patient.language)
            summary = render_text("checkin_week", patient.language, context)
    return WebCheckinResult(
        checkin=checkin,
        advice=render_text(told.message, patient.language) if told and told.message else None,
        urgent=urgent,
        summary=summary,
    )
