"""The pre-visit summary: what a clinician reads in a minute before seeing a patient, printed
from the admin's patient record (care.admin). Everything is already in words: labels for
keys, times in the viewer's zone, "no check-ins yet" rather than a blank.

Read-only, and a fixed number of queries however long the patient's history (each list is
either bounded by a constraint, such as one active escalation per rule, or by a slice).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import PainSite, Patient, PatientFlag
from accounts.phones import redact
from care.impressions import ImpressionLine, impression_lines
from care.responder import RULE, PainChange, change_words, number, pain_change, verdict
from checkins.models import Checkin, Medicine
from checkins.progress import Point, chart, pain_points
from escalations.models import Escalation, ReferralClock
from escalations.rules import CLOCK_WORDS, SEVERITY_WORDS, Clock, Severity
from programs.models import Enrollment, current_enrollment, latest_screen
from programs.services import enrollment_timeline
from selfcare.clock import local_today, shown_time_text

ADHERENCE_WINDOW = timedelta(weeks=6)
LATEST_CHECKINS = 2  # "latest" is the mean of the last two answered check-ins, as R10 reads it


@dataclass(frozen=True)
class PainTrend:
    """One score (back or leg) from baseline to now, with which check-ins "now" means."""

    label: str
    change: PainChange
    latest_text: str  # the latest score as written, or "" without check-ins
    latest_basis: str  # "mean of the last 2 check-ins (10 Jun and 14 Jun)"
    change_text: str
    verdict: str


@dataclass(frozen=True)
class Sparkline:
    """checkins.progress.chart's polylines, with the first and last day to label the axis."""

    geometry: dict[str, object]
    first_day: date
    last_day: date


@dataclass(frozen=True)
class OpenEscalation:
    reason: str
    severity: str
    status: str
    due: str
    overdue: bool


@dataclass(frozen=True)
class RunningClock:
    kind: str
    deadline: str
    overdue: bool


@dataclass(frozen=True)
class MedicineLine:
    kind: str
    for_sciatica: bool
    recorded_on: date


@dataclass(frozen=True)
class Adherence:
    weeks: int  # the window the check-ins are counted in
    checkins_sent: int
    checkins_answered: int
    steps_done: int
    steps_due: int


@dataclass(frozen=True)
class VisitSummary:
    responder_rule: ClassVar[str] = RULE

    name: str
    phone_ending: str
    risk_group: str
    program: str
    program_day: str
    clinician: str
    printed_at: str  # the viewer's clock
    back: PainTrend
    leg: PainTrend
    sparkline: Sparkline | None  # None until there is a check-in to draw
    escalations: tuple[OpenEscalation, ...]
    clocks: tuple[RunningClock, ...]
    flags: tuple[str, ...]
    pain_sites: tuple[str, ...]
    medicines: tuple[MedicineLine, ...]
    adherence: Adherence
    impressions: tuple[ImpressionLine, ...] = ()  # PGIC answers, oldest first

    @property
    def trends(self) -> tuple[PainTrend, PainTrend]:
        return (self.back, self.leg)


def visit_summary(patient: Patient, now: datetime) -> VisitSummary:
    """Everything the printed page shows for `patient` at `now`. Times are in the active zone
    (the viewer's, set by accounts.middleware), the date printed too."""
    today = local_today(now, ZoneInfo(patient.timezone))
    enrollment = current_enrollment(patient)
    screen = latest_screen(patient)
    points = pain_points(patient)
    return VisitSummary(
        name=str(patient),
        phone_ending=redact(patient.phone),
        risk_group=f"{screen.get_risk_group_display()} risk" if screen else "not screened",
        program=str(enrollment.program) if enrollment else "no current program",
        program_day=_program_day(enrollment, today),
        clinician=str(patient.clinician),
        printed_at=shown_time_text(now, "%d %b %Y %H:%M"),
        back=_trend("Back pain", patient.baseline_back_pain, points, "back"),
        leg=_trend("Leg pain", patient.baseline_leg_pain, points, "leg"),
        sparkline=Sparkline(chart(points), points[0].day, points[-1].day)
        if len(points) > 1
        else None,
        escalations=_open_escalations(patient, now),
        clocks=_running_clocks(patient, now),
        flags=tuple(PatientFlag(flag).label for flag, on in patient.flags.items() if on),
        pain_sites=tuple(PainSite(site).label for site in patient.pain_sites),
        medicines=_current_medicines(patient),
        adherence=_adherence(patient, enrollment, now, today),
        impressions=tuple(impression_lines(patient)),
    )


def _trend(label: str, baseline: int, points: list[Point], score: str) -> PainTrend:
    """`points[0]` is the baseline (checkins.progress); the rest are check-ins, oldest first."""
    answered = [
        (point.day, value) for point in points[1:] if (value := getattr(point, score)) is not None
    ][-LATEST_CHECKINS:]
    latest = sum(value for _, value in answered) / len(answered) if answered else None
    change = pain_change(baseline, latest)
    days = " and ".join(f"{day:%d %b}" for day, _ in answered)
    if len(answered) > 1:
        basis = f"mean of the last {len(answered)} check-ins ({days})"
    else:
        basis = f"the last check-in ({days})" if answered else ""
    return PainTrend(
        label=label,
        change=change,
        latest_text=number(latest) if latest is not None else "",
        latest_basis=basis,
        change_text=change_words(change),
        verdict=verdict(change),
    )


def _program_day(enrollment: Enrollment | None, today: date) -> str:
    """Day 1 is the enrollment day; days spent paused do not count (the program stood still)."""
    if enrollment is None:
        return "—"
    paused_now = (today - enrollment.paused_on).days if enrollment.paused_on else 0
    day = (today - enrollment.started_on).days - enrollment.paused_days - paused_now + 1
    text = f"day {day} of {enrollment.program.weeks * 7}"
    return f"{text}, paused" if enrollment.status == Enrollment.Status.PAUSED else text


def _viewer_time(instant: datetime) -> str:
    """An instant on the viewer's clock, with the zone's abbreviation ("Mon 15 Jun 11:20 CDT")."""
    when = timezone.localtime(instant)
    return f"{when:%a %d %b %H:%M} {when.tzname()}"


def _open_escalations(patient: Patient, now: datetime) -> tuple[OpenEscalation, ...]:
    rows = Escalation.objects.active().filter(patient=patient).order_by("due_at", "id")
    return tuple(
        OpenEscalation(
            reason=e.reason,
            severity=SEVERITY_WORDS[Severity(e.severity)],
            status=e.get_status_display().lower(),
            due=_viewer_time(e.due_at),
            overdue=e.due_at < now,
        )
        for e in rows
    )


def _running_clocks(patient: Patient, now: datetime) -> tuple[RunningClock, ...]:
    rows = ReferralClock.objects.filter(patient=patient, stopped_at__isnull=True)
    return tuple(
        RunningClock(
            kind=CLOCK_WORDS[Clock(c.kind)],
            deadline=_viewer_time(c.deadline),
            overdue=c.deadline < now,
        )
        for c in rows.order_by("deadline", "id")
    )


def _current_medicines(patient: Patient) -> tuple[MedicineLine, ...]:
    rows = Medicine.objects.filter(patient=patient, stopped_at__isnull=True)
    return tuple(
        MedicineLine(
            kind=m.get_kind_display(),
            for_sciatica=m.for_sciatica,
            recorded_on=timezone.localtime(m.recorded_at).date(),
        )
        for m in rows
    )


def _adherence(
    patient: Patient, enrollment: Enrollment | None, now: datetime, today: date
) -> Adherence:
    """A check-in counts as answered when at least one of its questions has an answer applied
    (a late answer was never applied). Steps count only those due by today."""
    counts = Checkin.objects.filter(
        patient=patient, started_at__gte=now - ADHERENCE_WINDOW
    ).aggregate(
        sent=Count("id", distinct=True),
        answered=Count(
            "id", distinct=True, filter=Q(answers__late=False, answers__value__isnull=False)
        ),
    )
    timeline = enrollment_timeline(enrollment=enrollment, today=today) if enrollment else []
    due = [entry for entry in timeline if entry.due_on <= today]
    return Adherence(
        weeks=ADHERENCE_WINDOW.days // 7,
        checkins_sent=counts["sent"],
        checkins_answered=counts["answered"],
        steps_done=sum(entry.done for entry in due),
        steps_due=len(due),
    )
