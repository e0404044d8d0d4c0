"""Patient pages that read check-ins: today, and progress with the pain chart."""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Patient
from checkins.models import Answer, Checkin
from programs.models import Enrollment, ExerciseLog, StepProgress, StepText
from programs.services import enrollment_timeline
from programs.ui import patient_page
from selfcare.clock import local_today

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 160, 24
MAX_POINTS = 60  # the last two months or so of check-ins


@patient_page
def today(request: HttpRequest) -> HttpResponse:
    """Due steps (not yet done) and any open check-in."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    day = local_today(timezone.now(), ZoneInfo(patient.timezone))
    enrollment = (
        Enrollment.objects.current().filter(patient=patient).select_related("program").first()
    )
    due = []
    if enrollment is not None and enrollment.status == Enrollment.Status.ACTIVE:
        entries = [
            e
            for e in enrollment_timeline(enrollment=enrollment, today=day)
            if e.due_on <= day and not e.done
        ]
        texts = {
            t.step_id: t
            for t in StepText.objects.filter(
                step__in=[e.program_step.step for e in entries], language=patient.language
            )
        }
        due = [
            {"step": e.program_step.step, "text": texts.get(e.program_step.step_id)}
            for e in entries
        ]
    checkin = Checkin.objects.open().filter(patient=patient).first()
    return render(
        request,
        "patient/today.html",
        {"lang": patient.language, "due": due, "checkin": checkin, "enrollment": enrollment},
    )


@dataclass(frozen=True)
class Point:
    day: date
    back: int | None
    leg: int | None


def pain_points(patient: Patient) -> list[Point]:
    """Baseline, then each check-in's back and leg pain (one query, bounded)."""
    rows = (
        Answer.objects.filter(
            patient=patient, question__in=("back_pain", "leg_pain"), late=False, value__isnull=False
        )
        .order_by("-answered_at")
        .values_list("checkin_id", "question", "value", "answered_at")[: MAX_POINTS * 2]
    )
    days: dict[int, date] = {}
    scores: dict[int, dict[str, int]] = {}
    for checkin_id, question, value, answered_at in rows:
        days.setdefault(checkin_id, answered_at.date())
        if isinstance(value, int):
            scores.setdefault(checkin_id, {})[question] = value
    zone = ZoneInfo(patient.timezone)
    baseline = Point(
        patient.created_at.astimezone(zone).date(),
        patient.baseline_back_pain,
        patient.baseline_leg_pain,
    )
    later = [
        Point(days[c], scores.get(c, {}).get("back_pain"), scores.get(c, {}).get("leg_pain"))
        for c in sorted(days, key=lambda c: days[c])
    ]
    return [baseline, *later]


def chart(points: list[Point]) -> dict[str, object]:
    """Polyline coordinates for a 0–10 chart, evenly spaced by check-in."""
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / max(len(points) - 1, 1)

    def line(values: list[int | None]) -> str:
        return " ".join(
            f"{CHART_PAD + i * step:.1f},{CHART_PAD + inner_h * (1 - v / 10):.1f}"
            for i, v in enumerate(values)
            if v is not None
        )

    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "back": line([p.back for p in points]),
        "leg": line([p.leg for p in points]),
        "grid": [
            {"y": CHART_PAD + inner_h * (1 - level / 10), "label": level} for level in (0, 5, 10)
        ],
        "right": CHART_WIDTH - CHART_PAD,
    }


@patient_page
def progress(request: HttpRequest) -> HttpResponse:
    patient: Patient = request.patient  # type: ignore[attr-defined]
    points = pain_points(patient)
    return render(
        request,
        "patient/progress.html",
        {
            "lang": patient.language,
            "points": points,
            "chart": chart(points),
            "has_answers": len(points) > 1,
            "steps_done": StepProgress.objects.filter(enrollment__patient=patient).count(),
            "exercises_logged": ExerciseLog.objects.filter(patient=patient).count(),
        },
    )
