"""The check-in question catalogue of CLINICAL.md: keys, answer types, and when each is asked.

A check-in asks its questions one at a time; which comes next depends on the answers so far
(branching), the patient's flags, and whether this is the full weekly check-in or a short one.
Texts are SMS templates templates/sms/<language>/q_<key>.txt.

By SMS the weekly check-in asks its non-emergency questions as one numbered list ("Since last
week, have you had any of these? Reply with the numbers, or 0 for none"), one text for them all;
each question of the list is recorded as its own yes/no answer, so the rules read exactly what
they read when each was asked alone. The nerve symptoms are one item of the list: picked, they are
asked which next; not picked, they are recorded as none. The red-flag questions are always asked
on their own, before the list.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from accounts.models import PainSite


class AnswerType(StrEnum):
    NUMBER = "number_0_10"
    YES_NO = "yes_no"
    CHOICES = "choices"
    IMPRESSION = "impression_1_7"  # one pick of the 7-point PGIC scale (checkins.impression)


class Kind(StrEnum):
    FULL = "full"  # the weekly check-in
    SHORT = "short"  # mid-week: pain and the two emergency questions


NERVE_SYMPTOMS = ("burning", "tingling", "electric_shocks", "numbness", "light_touch_hurts")
# The choices in words for the clinicians' record (the patient pages have their own, per language).
NERVE_SYMPTOM_LABELS = {
    "burning": "Burning",
    "tingling": "Tingling or pins and needles",
    "electric_shocks": "Electric shocks",
    "numbness": "Numbness",
    "light_touch_hurts": "Light touch hurts",
}
BODY_MAP = tuple(PainSite.values)
# The non-emergency weekly questions asked as one numbered list (by SMS): the ones every weekly
# check-in asks first, so their numbers are the same every week, then those that depend on the
# patient (a nerve symptom's numbness question, a cancer history, severe leg pain, a medicine).
WEEKLY_FLAGS = (
    "fever_unwell",
    "new_trauma",
    "weight_loss_night_pain",
    "new_pain_site",
    "needs_contact",
    "nerve_symptoms",
    "new_numbness_one_leg",
    "cancer_spine_pain",
    "leg_pain_disabling",
    "med_side_effect",
    "med_missed_doses",
)
# A list is asked when it has two items or more; a lone item is asked as its own question.
LIST_MIN_ITEMS = 2


@dataclass(frozen=True)
class Situation:
    """What the "asked" conditions look at."""

    kind: Kind
    answers: Mapping[str, object]  # this check-in's answers so far (None = left unanswered)
    flags: Mapping[str, bool]
    has_medicine: bool
    leg_pain_before: int | None  # the last leg pain before this check-in (baseline if none)
    # The PGIC milestone due in this check-in, 6 or 12 (weeks), or None (checkins.impression).
    impression_due: int | None = None


def _answer(s: Situation, key: str) -> object:
    return s.answers.get(key)


def _full(s: Situation) -> bool:
    return s.kind == Kind.FULL


def _leg_pain_appeared(s: Situation) -> bool:
    now = _answer(s, "leg_pain")
    return isinstance(now, int) and now > 0 and (s.leg_pain_before or 0) == 0


def _shows_items(key: str) -> Callable[[Situation], bool]:
    """A numbered list of questions is asked when it has items enough to save a text."""
    return lambda s: len(listed(BY_KEY[key], s)) >= LIST_MIN_ITEMS


@dataclass(frozen=True)
class Question:
    key: str
    type: AnswerType
    asked: Callable[[Situation], bool]
    choices: Sequence[str] = ()
    # A "yes" is an emergency: an answer that cannot be read, or "not sure", is not a "no"
    # (CLINICAL.md R25).
    red_flag: bool = False
    # A numbered list of other questions: `choices` are their keys, and the list shows those
    # whose own condition holds (see `listed` and `recorded_answers`).
    folds: bool = False


CATALOGUE: list[Question] = [
    Question("back_pain", AnswerType.NUMBER, lambda s: True),
    Question("leg_pain", AnswerType.NUMBER, lambda s: True),
    Question("ces_symptoms", AnswerType.YES_NO, lambda s: True, red_flag=True),
    Question("weakness_worsening", AnswerType.YES_NO, lambda s: True, red_flag=True),
    Question(
        "med_serious_side_effect",
        AnswerType.YES_NO,
        lambda s: _full(s) and s.has_medicine,
        red_flag=True,
    ),
    Question(
        "weekly_flags",
        AnswerType.CHOICES,
        _shows_items("weekly_flags"),
        choices=WEEKLY_FLAGS,
        folds=True,
    ),
    Question(
        "new_numbness_one_leg",
        AnswerType.YES_NO,
        lambda s: _full(s) and _answer(s, "weakness_worsening") is False,
    ),
    Question(
        "leg_pain_disabling",
        AnswerType.YES_NO,
        lambda s: _full(s) and isinstance(lp := _answer(s, "leg_pain"), int) and lp >= 4,
    ),
    Question("fever_unwell", AnswerType.YES_NO, _full),
    Question("new_trauma", AnswerType.YES_NO, _full),
    Question("trauma_major", AnswerType.YES_NO, lambda s: _answer(s, "new_trauma") is True),
    Question("weight_loss_night_pain", AnswerType.YES_NO, _full),
    Question(
        "cancer_spine_pain",
        AnswerType.YES_NO,
        lambda s: _full(s) and bool(s.flags.get("cancer_history")),
    ),
    Question("new_pain_site", AnswerType.YES_NO, _full),
    Question(
        "pain_sites",
        AnswerType.CHOICES,
        lambda s: _answer(s, "new_pain_site") is True,
        choices=BODY_MAP,
    ),
    Question(
        "nerve_symptoms",
        AnswerType.CHOICES,
        lambda s: _full(s) or _leg_pain_appeared(s) or _answer(s, "new_pain_site") is True,
        choices=NERVE_SYMPTOMS,
    ),
    Question("med_side_effect", AnswerType.YES_NO, lambda s: _full(s) and s.has_medicine),
    Question("med_missed_doses", AnswerType.YES_NO, lambda s: _full(s) and s.has_medicine),
    Question("needs_contact", AnswerType.YES_NO, _full),
    Question("pgic", AnswerType.IMPRESSION, lambda s: _full(s) and s.impression_due is not None),
]
BY_KEY = {question.key: question for question in CATALOGUE}


def listed(question: Question, situation: Situation) -> tuple[str, ...]:
    """The items a numbered list of questions shows now: its questions not yet answered whose
    own condition holds, in the list's order (none for any other question)."""
    if not question.folds:
        return ()
    return tuple(
        key
        for key in question.choices
        if key not in situation.answers and BY_KEY[key].asked(situation)
    )


def recorded_answers(
    question: Question, value: object, items: Sequence[str] = ()
) -> dict[str, object]:
    """The answers one reply to `question` records. For a numbered list of questions, `value`
    is the picked items (None: not read) and `items` the items the patient was shown: each
    picked item is that question's yes, each one shown and not picked its no, and a reply not
    read leaves every one unanswered, as a reply not read to each question alone would. A
    choices question in the list (the nerve symptoms) not picked is "none of these"; picked, it
    is left to be asked next, for which."""
    answers: dict[str, object] = {question.key: value}
    if question.folds:
        picked = value if isinstance(value, list) else None
        for key in items:
            if BY_KEY[key].type == AnswerType.CHOICES:
                if picked is None or key not in picked:
                    answers[key] = None if picked is None else []
            else:
                answers[key] = None if picked is None else key in picked
    return answers


def next_question(situation: Situation, *, lists: bool = True) -> Question | None:
    """The first question not yet asked in this check-in whose condition holds. With `lists`
    False the numbered lists are left out and their questions asked one by one (the web form
    shows every question at once, so a list would save the patient nothing there)."""
    for question in CATALOGUE:
        if question.folds and not lists:
            continue
        if question.key not in situation.answers and question.asked(situation):
            return question
    return None
