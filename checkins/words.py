"""A stored answer in words, as a clinician reads it ("Yes", "7 out of 10", "Burning, Numbness",
"Much better (2 of 7)"), for every page that shows answers: the patient record, the escalation
page, the check-in admin. The patients' own pages have their words per language
(patients/words.py)."""

from accounts.models import PainSite
from checkins.catalogue import BY_KEY, NERVE_SYMPTOM_LABELS, AnswerType
from checkins.impression import impression_words
from checkins.models import Answer
from checkins.texts import question_prompt

CHOICE_LABELS = {**dict(PainSite.choices), **NERVE_SYMPTOM_LABELS}


def pain_words(value: int | None) -> str:
    return "Not recorded" if value is None else f"{value} out of 10"


def _pick_words(key: str) -> str:
    """A numbered list's pick: its question as asked on its own, or, for a choices question
    (asked which next), its choices."""
    if _type(key) == AnswerType.CHOICES:
        labels = [str(CHOICE_LABELS.get(c, c)).lower() for c in BY_KEY[key].choices]
        return "Some of: " + ", ".join(labels)
    return question_prompt(key, "en")


def _type(key: str) -> AnswerType | None:
    question = BY_KEY.get(key)
    return question.type if question else None


def answer_words(answer: Answer) -> str:
    """The answer as the patient meant it; one the app could not read quotes the reply."""
    value = answer.value
    if value is None:
        raw = answer.raw.strip()
        words = f'No readable answer (they replied "{raw}")' if raw else "Not answered"
    elif isinstance(value, bool):
        words = "Yes" if value else "No"
    elif isinstance(value, int) and _type(answer.question) == AnswerType.IMPRESSION:
        words = impression_words(value)
    elif isinstance(value, int):
        words = pain_words(value)
    elif isinstance(value, list) and answer.question in BY_KEY and BY_KEY[answer.question].folds:
        # A numbered list's picks are questions: each named as it is asked on its own.
        words = "; ".join(_pick_words(str(key)) for key in value) or "None of these"
    elif isinstance(value, list):
        labels = [str(CHOICE_LABELS.get(str(v), str(v).replace("_", " "))) for v in value]
        words = ", ".join(labels) or "None of these"
    else:
        words = str(value)
    return f"{words} (late, not applied)" if answer.late else words
