"""The patient's own check-in schedule on the web: "When should we text you?" (the same choice
as TIME and DAY by SMS; checkins.own_schedule keeps it)."""

from datetime import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import Patient
from checkins import schedule, schedule_words
from checkins.own_schedule import ScheduleRefused, current_tier, patient_schedule_set, schedule_of
from patients.decorators import patient_page
from patients.words import word
from programs.stratification import RiskGroup


def _time_choices(patient: Patient) -> list[tuple[str, str]]:
    """Every half hour outside the patient's quiet hours, as value and words."""
    times = schedule.times_outside_quiet_hours(patient.quiet_hours_start, patient.quiet_hours_end)
    return [(f"{at:%H:%M}", schedule_words.time_words(at, patient.language)) for at in times]


def _read(data: Any, language: str) -> tuple[tuple[int, ...], time | None, dict[str, str]]:
    """The posted days and time, and an error for a field that cannot be read (a value not
    offered by the form). A time inside quiet hours is the service's to refuse."""
    errors: dict[str, str] = {}
    picked = data.getlist("days")
    days = tuple(sorted({int(d) for d in picked if d in {str(day) for day in range(7)}}))
    if len(days) != len(picked):
        errors["days"] = word("schedule_days_unknown", language)
    at = None
    if raw := data.get("time", ""):
        try:
            at = time.fromisoformat(raw)
        except ValueError:
            errors["time"] = word("schedule_time_unknown", language)
    return days, at, errors


def _days_hint(count: int, language: str) -> str:
    key = "schedule_days_hint_one" if count == 1 else "schedule_days_hint_n"
    return word(key, language).format(count=count)


def _refusal(refused: ScheduleRefused, tier: str, language: str) -> dict[str, str]:
    if refused.reason == "days_count":
        count = schedule.DAYS_PER_WEEK[RiskGroup(tier)]
        key = "schedule_one_day" if count == 1 else "schedule_n_days"
        return {"days": word(key, language).format(count=count)}
    return {"time": word("schedule_quiet_hours", language)}


@patient_page
@require_http_methods(["GET", "POST"])
def own_schedule(request: HttpRequest) -> HttpResponse:
    """Days to tick (as many as the tier's cadence has; none for the usual ones) and a time
    to pick (none for the usual one). Without a current program there is nothing to set."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    tier = current_tier(patient)
    days, at = tuple(patient.checkin_days), patient.checkin_time
    errors: dict[str, str] = {}
    saved = False
    if request.method == "POST" and tier is not None:
        days, at, errors = _read(request.POST, patient.language)
        if not errors:
            try:
                patient_schedule_set(patient=patient, days=days, at=at, actor=request.user)
            except ScheduleRefused as refused:
                errors = _refusal(refused, tier, patient.language)
            else:
                saved = True
    own = schedule_of(patient, tier=tier) if tier is not None else None
    return render(
        request,
        "patients/schedule.html",
        {
            "lang": patient.language,
            "when": schedule_words.when_words(own.days, own.at, patient.language) if own else "",
            "per_week": own.per_week if own else 0,
            "days_hint": _days_hint(own.per_week if own else 1, patient.language),
            "day_choices": list(enumerate(schedule_words.DAY_NAMES[patient.language])),
            "time_choices": _time_choices(patient),
            "chosen_days": days,
            "chosen_time": f"{at:%H:%M}" if at else "",
            "errors": errors,
            "saved": saved,
        },
        status=400 if errors else 200,
    )
