"""The web check-in page: the same catalogue as by SMS, as one form (care.web_checkin records
it on the SMS check-in's path)."""

from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import Patient
from care.web_checkin import web_checkin_record
from checkins import impression, parsing
from checkins.catalogue import CATALOGUE, AnswerType, Kind, Question, Situation, next_question
from checkins.services import CheckinRefused, patient_situation
from checkins.texts import question_prompt
from patients.decorators import patient_page
from patients.words import word


def _questions(base: Situation, answers: dict[str, object]) -> list[Question]:
    """The questions this check-in asks given the answers so far (branching included). The
    form asks each question on its own, not in the SMS's numbered lists: on one page a list
    would save the patient nothing."""
    asked: list[Question] = []
    known: dict[str, object] = {}
    while True:
        question = next_question(replace(base, answers=known), lists=False)
        if question is None:
            return asked
        asked.append(question)
        known[question.key] = answers.get(question.key)


def _read(question: Question, data: Any) -> tuple[bool, object]:
    if question.type == AnswerType.CHOICES:
        picked = data.getlist(question.key)
        valid = [c for c in picked if c in question.choices]
        return len(valid) == len(picked), valid
    raw = data.get(question.key, "")
    if question.type == AnswerType.NUMBER:
        value = parsing.parse_pain(raw)
    elif question.type == AnswerType.IMPRESSION:
        value = next((n for n in impression.SCALE if raw == str(n)), None)
    else:
        value = {"yes": True, "no": False}.get(raw)
    return value is not None, value


def _answers(base: Situation, data: Any) -> tuple[dict[str, object], set[str]]:
    """The posted answers read in catalogue order, following the branches they open, and the
    keys of the questions left unanswered or unreadable."""
    answers: dict[str, object] = {}
    errors: set[str] = set()
    while True:
        questions = _questions(base, answers)
        pending = [q for q in questions if q.key not in answers and q.key not in errors]
        if not pending:
            return answers, errors
        question = pending[0]
        ok, value = _read(question, data)
        if ok:
            answers[question.key] = value
        else:
            errors.add(question.key)


def _choices(question: Question, language: str) -> list[tuple[object, str]]:
    """The picks the form offers, each with its words in the patient's language."""
    if question.type == AnswerType.IMPRESSION:
        return [(n, f"{n}. {word(f'impression_{n}', language)}") for n in impression.SCALE]
    return [(c, word(f"choice_{c}", language)) for c in question.choices]


# Asked only after a particular answer; on the web they are shown, marked, and optional
# unless that answer was given.
FOLLOW_UPS = frozenset({"new_numbness_one_leg", "leg_pain_disabling", "trauma_major", "pain_sites"})


@patient_page
@require_http_methods(["GET", "POST"])
def web_checkin(request: HttpRequest) -> HttpResponse:
    """GET shows the questions; POST records them, runs the rules and shows what to do."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    language = patient.language
    base = patient_situation(patient=patient, kind=Kind.FULL)
    errors: set[str] = set()
    if request.method == "POST":
        answers, errors = _answers(base, request.POST)
        if not errors:
            try:
                result = web_checkin_record(patient=patient, answers=answers)
            except CheckinRefused:  # the program is paused or ended: nothing to record
                return render(
                    request,
                    "patients/checkin_done.html",
                    {"lang": language, "advice": None, "urgent": False},
                    status=409,
                )
            return render(
                request,
                "patients/checkin_done.html",
                {
                    "lang": language,
                    "advice": result.advice,
                    "urgent": result.urgent,
                    "summary": result.summary,
                },
            )
    items = [
        {
            "question": q,
            "text": question_prompt(q.key, language),
            "follow_up": q.key in FOLLOW_UPS,
            "scale": q.type == AnswerType.NUMBER,
            "choices": _choices(q, language),
            "error": q.key in errors,
        }
        for q in CATALOGUE
        if not q.folds and (q.key in FOLLOW_UPS or q.asked(base))
    ]
    return render(
        request,
        "patients/checkin.html",
        {
            "lang": language,
            "items": items,
            "errors": errors,
            "pain_scale": range(11),
            "yes": word("yes", language),
            "no": word("no", language),
        },
        status=400 if errors else 200,
    )
