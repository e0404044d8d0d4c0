"""The Patient Global Impression of Change (PGIC): one question on a 1–7 scale, asked in the
weekly check-in at 6 and 12 weeks of the current enrollment (pure: no ORM).

The question is public domain; its wording here is our own (templates/sms/*/q_pgic.txt). The
answer is stored as the number the patient picked, 1 (very much better) to 7 (very much worse).
It fires no escalation rule: a "worse" answer (5–7) is shown prominently to the clinician.

A milestone is due at the first weekly check-in on or after its day (42, 84), counted in
calendar days from the enrollment's start: the question asks how things changed since the
program started, whatever pauses came between. Each milestone is asked until it is answered;
once the 12-week one is due, a 6-week one never answered is not asked any more.
"""

from collections.abc import Iterable
from datetime import date

SCALE = range(1, 8)
WORSE = 5  # 5 a little worse, 6 much worse, 7 very much worse
MILESTONE_WEEKS = (6, 12)
# The points in words for the clinicians' pages (the patients' pages have their own, per
# language, in patients/words.py).
LABELS = {
    1: "Very much better",
    2: "Much better",
    3: "A little better",
    4: "No change",
    5: "A little worse",
    6: "Much worse",
    7: "Very much worse",
}


def milestone_on(*, started_on: date, day: date) -> int | None:
    """The latest milestone (in weeks) reached on `day`, or None before the first."""
    elapsed = (day - started_on).days
    reached = [weeks for weeks in MILESTONE_WEEKS if elapsed >= weeks * 7]
    return reached[-1] if reached else None


def impression_due(*, started_on: date, today: date, answered_on: Iterable[date]) -> int | None:
    """The milestone (6 or 12) whose question is due today, or None: the latest milestone
    reached, unless an answer was given on or after its day. `answered_on` are the local days
    of the answers given in this enrollment."""
    due = milestone_on(started_on=started_on, day=today)
    if due is None:
        return None
    if any(milestone_on(started_on=started_on, day=day) == due for day in answered_on):
        return None
    return due


def impression_words(value: int) -> str:
    """An answer as the clinician reads it: "Much better (2 of 7)"."""
    return f"{LABELS.get(value, str(value))} ({value} of {len(SCALE)})"


def is_worse(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= WORSE
