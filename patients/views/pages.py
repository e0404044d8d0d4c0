"""The patient pages once signed in: today, the program timeline, step pages, progress, the
language switch; and help, open to everyone."""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Language, Patient
from care.week import PainChange, Trend, change_words, fall_mark, week_summary
from checkins.models import Checkin, CheckinSlot
from checkins.progress import chart, pain_points
from patients.decorators import no_store, patient_page
from patients.words import word
from programs.models import Enrollment, ExerciseLog, Step, StepProgress, StepText
from programs.services import (
    TimelineEntry,
    enrollment_timeline,
    exercise_log,
    step_mark_done,
)
from selfcare.clock import local_today


@dataclass(frozen=True)
class NextStep:
    """The first step not yet due, and where it falls in the program ("Day 12 of 42")."""

    entry: TimelineEntry
    text: StepText | None
    day_words: str


def _next_step(
    enrollment: Enrollment, entries: list[TimelineEntry], day: date, language: str
) -> NextStep | None:
    upcoming = [e for e in entries if e.due_on > day and not e.done]
    if not upcoming:
        return None
    entry = upcoming[0]
    day_words = word("day_of", language).format(
        day=entry.program_step.day + 1, days=enrollment.program.weeks * 7
    )
    return NextStep(entry, StepText.objects.for_step(entry.program_step.step, language), day_words)


def _next_checkin(patient: Patient) -> CheckinSlot | None:
    """The next scheduled check-in (shown in the patient's zone: see patient_page)."""
    return CheckinSlot.objects.filter(patient=patient, status=CheckinSlot.Status.DUE).first()


@patient_page
def today(request: HttpRequest) -> HttpResponse:
    """Due steps (not yet done), any open check-in, and always what comes next: the next step
    with its day of the program, and the next check-in, so "nothing due" is never a dead end."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    language = patient.language
    day = local_today(timezone.now(), ZoneInfo(patient.timezone))
    enrollment = (
        Enrollment.objects.current().filter(patient=patient).select_related("program").first()
    )
    due = []
    upcoming = None
    if enrollment is not None and enrollment.status == Enrollment.Status.ACTIVE:
        entries = enrollment_timeline(enrollment=enrollment, today=day)
        due_now = [e for e in entries if e.due_on <= day and not e.done]
        texts = StepText.objects.by_step([e.program_step.step for e in due_now], language)
        due = [
            {"step": e.program_step.step, "text": texts.get(e.program_step.step_id)}
            for e in due_now
        ]
        upcoming = _next_step(enrollment, entries, day, language)
    checkin = Checkin.objects.open().filter(patient=patient).first()
    return render(
        request,
        "patients/today.html",
        {
            "lang": language,
            "due": due,
            "checkin": checkin,
            "enrollment": enrollment,
            "upcoming": upcoming,
            "next_checkin": None if checkin else _next_checkin(patient),
        },
    )


def change_lines(pain: str, change: PainChange, language: str) -> list[str]:
    """One pain's week beside its baseline, in sentences: "Your back pain is 4 now (the average
    of your last week), down from 7 when you started: 43% lower.", then how near the 30% mark
    it is, or, from a baseline of 0, that there is no percentage to give."""
    named = word(f"{pain}_words", language)
    line = word("pain_now", language).format(
        pain=named, now=change.now, change=change_words(change, language)
    )
    if change.percent is None:
        return [f"{line}.", word("no_percent", language).format(pain=named)]
    if change.trend != Trend.SAME:
        lower = change.trend == Trend.DOWN
        percent = word("percent_lower" if lower else "percent_higher", language)
        line += ": " + percent.format(percent=change.percent)
    if change.reached:
        mark = word("mark_reached", language)
    elif change.points_away == 1:
        mark = word("mark_one_point", language)
    else:
        mark = word("mark_points", language).format(points=change.points_away)
    return [f"{line}.", mark]


@patient_page
def progress(request: HttpRequest) -> HttpResponse:
    """Pain over time, and the last week beside the baseline in words, with the 30% mark on
    the chart (the same chart the clinicians' record draws)."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    language = patient.language
    points = pain_points(patient)
    summary = week_summary(patient, timezone.now())
    week = (("back_pain", summary.back), ("leg_pain", summary.leg)) if summary else ()
    changes = [change_lines(pain, change, language) for pain, change in week if change]
    mark = fall_mark(patient.baseline_back_pain)
    return render(
        request,
        "patients/progress.html",
        {
            "lang": language,
            "points": points,
            "chart": chart(
                points,
                target=float(mark) if mark is not None else None,
                target_label=word("mark_label", language),
            ),
            "changes": changes,
            "has_answers": len(points) > 1,
            "steps_done": StepProgress.objects.filter(enrollment__patient=patient).count(),
            "exercises_logged": ExerciseLog.objects.filter(patient=patient).count(),
        },
    )


def _enrollment(patient: Patient) -> Enrollment:
    enrollment = (
        Enrollment.objects.current().filter(patient=patient).select_related("program").first()
    )
    if enrollment is None:
        raise Http404
    return enrollment


@patient_page
def timeline(request: HttpRequest) -> HttpResponse:
    patient: Patient = request.patient  # type: ignore[attr-defined]
    enrollment = _enrollment(patient)
    today = local_today(timezone.now(), ZoneInfo(patient.timezone))
    entries = enrollment_timeline(enrollment=enrollment, today=today)
    texts = StepText.objects.by_step([e.program_step.step for e in entries], patient.language)
    rows = [
        {"entry": e, "text": texts.get(e.program_step.step_id), "week": e.program_step.day // 7 + 1}
        for e in entries
    ]
    return render(
        request,
        "patients/timeline.html",
        {"lang": patient.language, "program": enrollment.program, "rows": rows, "today": today},
    )


def _breathing(step: Step, language: str) -> dict[str, object] | None:
    """The breathing guide's timing, from the step's [timer] in the content (the one place the
    seconds are written: the page's words, the guide's data attributes and its script all
    read it), or None for a step without a breathing timer."""
    timer = step.timer or {}
    if not timer.get("inhale"):
        return None
    inhale, hold, exhale = int(timer["inhale"]), int(timer.get("hold", 0)), int(timer["exhale"])
    return {
        "inhale": inhale,
        "hold": hold,
        "exhale": exhale,
        "seconds": int(timer.get("total_minutes") or step.minutes) * 60,
        "guide": word("breathing_guide", language).format(inhale=inhale, exhale=exhale),
    }


@patient_page
@require_http_methods(["GET", "POST"])
def step_page(request: HttpRequest, slug: str) -> HttpResponse:
    patient: Patient = request.patient  # type: ignore[attr-defined]
    enrollment = _enrollment(patient)
    step = Step.objects.filter(slug=slug).first()
    if step is None or not enrollment.program.program_steps.filter(step=step).exists():
        raise Http404
    text = StepText.objects.for_step(step, patient.language)
    errors: dict[str, str] = {}
    logged = False
    if request.method == "POST":
        if step.kind == Step.Kind.EXERCISE:
            try:
                pain = int(request.POST.get("pain_during", ""))
            except ValueError:
                pain = -1
            try:
                exercise_log(
                    patient=patient,
                    enrollment=enrollment,
                    step=step,
                    felt=request.POST.get("felt", ""),
                    pain_during=pain,
                )
            except ValidationError as invalid:
                errors = {
                    field: " ".join(messages) for field, messages in invalid.message_dict.items()
                }
            else:
                logged = True
        else:
            step_mark_done(enrollment=enrollment, step=step)
            return HttpResponseRedirect(reverse("patients:today"))
    return render(
        request,
        "patients/step.html",
        {
            "lang": patient.language,
            "step": step,
            "text": text,
            "errors": errors,
            "logged": logged,
            "values": request.POST if errors else {},
            "pain_scale": range(11),
            "timer_seconds": step.minutes * 60,
            "timer_text": f"{step.minutes:02d}:00",
            "breathing": _breathing(step, patient.language),
        },
        status=400 if errors else 200,
    )


def help_page(request: HttpRequest) -> HttpResponse:
    """When to get help: open to everyone, signed in or not, one tap from every page."""
    patient = getattr(request.user, "patient", None) if request.user.is_authenticated else None
    language = patient.language if patient else request.GET.get("lang", "en")
    language = language if language in Language.values else "en"
    text = StepText.objects.filter(step__safety_net=True, language=language).first()
    with translation.override(language):
        return no_store(render(request, "patients/help.html", {"lang": language, "text": text}))


@patient_page
@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the patient's language (pages and SMS alike)."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    language = request.POST.get("language", "")
    if language in Language.values:
        patient.language = language
        patient.save(update_fields=["language"])
    back = request.POST.get("next", "")
    return HttpResponseRedirect(back if back.startswith("/me/") else reverse("patients:today"))
