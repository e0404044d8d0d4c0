"""The check-in question catalogue of CLINICAL.md: keys, answer types, and when each is asked.

A check-in asks its questions one at a time; which comes next depends on the answers so far
(branching), the patient's flags, and whether this is the full weekly check-in or a short one.
Texts are SMS templates templates/sms/<language>/q_<key>.txt.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from accounts.models import PainSite


class AnswerType(StrEnum):
    NUMBER = "number_0_10"
    YES_NO = "yes_no"
    CHOICES = "choices"


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


@dataclass(frozen=True)
class Situation:
    """What the "asked" conditions look at."""

    kind: Kind
    answers: Mapping[str, object]  # this check-in's answers so far (None = left unanswered)
    flags: Mapping[str, bool]
    has_medicine: bool
    leg_pain_before: int | None  # the last leg pain before this check-in (baseline if none)


def _answer(s: Situation, key: str) -> object:
    return s.answers.get(key)


def _full(s: Situation) -> bool:
    return s.kind == Kind.FULL


def _leg_pain_appeared(s: Situation) -> bool:
    now = _answer(s, "leg_pain")
    return isinstance(now, int) and now > 0 and (s.leg_pain_before or 0) == 0


@dataclass(frozen=True)
class Question:
    key: str
    type: AnswerType
    asked: Callable[[Situation], bool]
    choices: Sequence[str] = ()
    # A "yes" is an emergency: an answer that cannot be read, or "not sure", is not a "no"
    # (CLINICAL.md R25).
    red_flag: bool = False


CATALOGUE: list[Question] = [
    Question("back_pain", AnswerType.NUMBER, lambda s: True),
    Question("leg_pain", AnswerType.NUMBER, lambda s: True),
    Question("ces_symptoms", AnswerType.YES_NO, lambda s: True, red_flag=True),
    Question("weakness_worsening", AnswerType.YES_NO, lambda s: True, red_flag=True),
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
    Question(
        "med_serious_side_effect",
        AnswerType.YES_NO,
        lambda s: _full(s) and s.has_medicine,
        red_flag=True,
    ),
    Question("med_side_effect", AnswerType.YES_NO, lambda s: _full(s) and s.has_medicine),
    Question("med_missed_doses", AnswerType.YES_NO, lambda s: _full(s) and s.has_medicine),
    Question("needs_contact", AnswerType.YES_NO, _full),
]
BY_KEY = {question.key: question for question in CATALOGUE}


def next_question(situation: Situation) -> Question | None:
    """The first question not yet asked in this check-in whose condition holds."""
    for question in CATALOGUE:
        if question.key not in situation.answers and question.asked(situation):
            return question
    return None
