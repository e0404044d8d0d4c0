"""The patient's impressions of change (PGIC, checkins.impression) as the clinicians' pages
show them: "Impression of change at 6 weeks: Much better (2 of 7), 14 Jul", a "worse" answer
marked so it catches the eye (it fires no rule, but is worth a look)."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Patient
from checkins.impression import impression_words, is_worse, milestone_on
from checkins.models import Answer
from checkins.progress import day_words
from programs.models import Enrollment


@dataclass(frozen=True)
class ImpressionLine:
    weeks: int | None  # the milestone it answered; None for an answer given before 6 weeks
    answer: str  # "Much better (2 of 7)"
    day: str  # "14 Jul", on the viewer's clock
    worse: bool

    @property
    def text(self) -> str:
        when = f"at {self.weeks} weeks" if self.weeks else "before 6 weeks"
        return f"Impression of change {when}: {self.answer}, {self.day}"


def impression_lines(patient: Patient) -> list[ImpressionLine]:
    """Every PGIC answer, oldest first, each with the milestone it answered in the enrollment
    running on its day (a tier change starts the count again; two queries)."""
    starts = sorted(Enrollment.objects.filter(patient=patient).values_list("started_on", flat=True))
    zone = ZoneInfo(patient.timezone)
    answers = Answer.objects.filter(
        patient=patient, question="pgic", late=False, value__isnull=False
    ).order_by("answered_at", "id")
    lines = []
    for answer in answers:
        if not isinstance(answer.value, int):
            continue
        day = answer.answered_at.astimezone(zone).date()
        started_on = max((start for start in starts if start <= day), default=None)
        lines.append(
            ImpressionLine(
                weeks=milestone_on(started_on=started_on, day=day) if started_on else None,
                answer=impression_words(answer.value),
                day=day_words(timezone.localtime(answer.answered_at).date()),
                worse=is_worse(answer.value),
            )
        )
    return lines
