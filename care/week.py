"""The week's pain beside the baseline, in words: the weekly check-in's closing text, the web
check-in's end, the patient's progress page, and the 30% mark the patient's chart and the
clinicians' record draw. The 30% is the responder threshold of escalations.rules (Ostelo
2008), which R20 asks for too."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from math import ceil, floor

from accounts.models import Patient
from checkins.models import Answer
from escalations.rules import RESPONDER_MIN_PERCENT

MEANINGFUL_FALL = Fraction(RESPONDER_MIN_PERCENT, 100)
WEEK = timedelta(days=7)
PAIN_QUESTIONS = ("back_pain", "leg_pain")


class Trend(StrEnum):
    DOWN = "down"
    UP = "up"
    SAME = "same"


@dataclass(frozen=True)
class PainChange:
    """One pain's average over the last week (rounded to a whole number, as a patient reads
    it) beside its baseline at enrollment."""

    now: int
    baseline: int

    @property
    def trend(self) -> Trend:
        if self.now < self.baseline:
            return Trend.DOWN
        return Trend.UP if self.now > self.baseline else Trend.SAME

    @property
    def percent(self) -> int | None:
        """How far from the baseline, in whole percent of it; None from a baseline of 0 (no
        pain at the start: no percentage of nothing)."""
        if self.baseline == 0:
            return None
        return half_up(Fraction(abs(self.baseline - self.now) * 100, self.baseline))

    @property
    def mark(self) -> Fraction | None:
        """The level 30% under the baseline; None from a baseline of 0."""
        return fall_mark(self.baseline)

    @property
    def reached(self) -> bool:
        """Whether the pain has fallen 30% or more from the baseline."""
        return self.mark is not None and self.now <= self.mark

    @property
    def points_away(self) -> int:
        """The whole points the pain has still to fall to reach the mark (0 once reached)."""
        return 0 if self.mark is None else max(ceil(self.now - self.mark), 0)


@dataclass(frozen=True)
class WeekSummary:
    """Back and leg pain over the last 7 days beside the baseline. `leg` is None when the
    patient had no leg pain at baseline nor this week (nothing to say), either is None when
    the week holds no answer to it."""

    back: PainChange | None
    leg: PainChange | None


def fall_mark(baseline: int) -> Fraction | None:
    """The pain level 30% under `baseline` (the dashed line on the patient's chart); None from
    a baseline of 0, which nothing can fall from."""
    return baseline * (1 - MEANINGFUL_FALL) if baseline else None


def half_up(value: Fraction) -> int:
    """A non-negative number rounded to a whole one as people do (4.5 is 5), not to even."""
    return floor(value + Fraction(1, 2))


def pain_change(values: Iterable[int], baseline: int) -> PainChange | None:
    """The average of `values` beside `baseline`; None without values."""
    scores = list(values)
    if not scores:
        return None
    return PainChange(half_up(Fraction(sum(scores), len(scores))), baseline)


def summarise(
    back: Iterable[int], leg: Iterable[int], *, baseline_back: int, baseline_leg: int
) -> WeekSummary | None:
    """The week's summary from its back and leg pain answers (pure); None when there is
    nothing to say."""
    legs = list(leg)
    back_change = pain_change(back, baseline_back)
    leg_change = None if baseline_leg == 0 and not any(legs) else pain_change(legs, baseline_leg)
    if back_change is None and leg_change is None:
        return None
    return WeekSummary(back_change, leg_change)


def week_summary(patient: Patient, now: datetime) -> WeekSummary | None:
    """The patient's back and leg pain of the 7 days up to `now` (every check-in counts, short
    or full, by SMS or on the web; answers not applied do not) beside their baseline. One
    query. Answers just recorded are in, even a moment after `now`."""
    rows = Answer.objects.filter(
        patient=patient,
        question__in=PAIN_QUESTIONS,
        late=False,
        value__isnull=False,
        answered_at__gt=now - WEEK,
    ).values_list("question", "value")
    scores: dict[str, list[int]] = {key: [] for key in PAIN_QUESTIONS}
    for question, value in rows:
        if isinstance(value, int) and not isinstance(value, bool):
            scores[question].append(value)
    return summarise(
        scores["back_pain"],
        scores["leg_pain"],
        baseline_back=patient.baseline_back_pain,
        baseline_leg=patient.baseline_leg_pain,
    )


# The change in words, as the closing text and the patient's pages say it. The Spanish keeps
# to GSM-7 (no á, í, ó, ú), so a closing text that carries it costs no more than English.
CHANGE_WORDS = {
    "en": {
        Trend.DOWN: "down from {baseline}",
        Trend.UP: "up from {baseline}",
        Trend.SAME: "the same as when you started",
        "since": " when you started",
    },
    "es": {
        Trend.DOWN: "por debajo del {baseline}",
        Trend.UP: "por encima del {baseline}",
        Trend.SAME: "igual que al inicio",
        "since": " del inicio",
    },
}


def change_words(change: PainChange, language: str, *, since: bool = True) -> str:
    """ "down from 7 when you started", "up from 3", "the same as when you started". `since`
    says when the baseline was, which a second line beside a first need not repeat."""
    words = CHANGE_WORDS["es" if language == "es" else "en"]
    text = words[change.trend].format(baseline=change.baseline)
    return text + words["since"] if since and change.trend != Trend.SAME else text


def week_context(summary: WeekSummary, language: str) -> dict[str, object]:
    """The closing text's context (`checkin_week`): each pain's average and its change in
    words, or "" for a line left out."""
    back, leg = summary.back, summary.leg
    return {
        "back": back.now if back else "",
        "back_change": change_words(back, language) if back else "",
        "leg": leg.now if leg else "",
        "leg_change": change_words(leg, language, since=back is None) if leg else "",
    }
