"""The web check-in: the same catalogue and rules as by SMS, as one form."""

from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import Patient
from checkins import parsing
from checkins.catalogue import CATALOGUE, AnswerType, Kind, Question, Situation, next_question
from checkins.models import Checkin
from checkins.services import (
    CheckinRefused,
    checkin_close,
    checkin_record_answers,
    checkin_start,
    patient_situation,
)
from escalations import rules
from escalations.services import escalate_holding, rule_input
from messaging.texts import render as render_text
from programs.ui import patient_page, word


def _questions(base: Situation, answers: dict[str, object]) -> list[Question]:
    """The questions this check-in asks given the answers so far (branching included)."""
    asked: list[Question] = []
    known: dict[str, object] = {}
    while True:
        question = next_question(replace(base, answers=known))
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
    else:
        value = {"yes": True, "no": False}.get(raw)
    return value is not None, value


# Asked only after a particular answer; on the web they are shown, marked, and optional
# unless that answer was given.
FOLLOW_UPS = frozenset({"new_numbness_one_leg", "leg_pain_disabling", "trauma_major", "pain_sites"})


def _web_text(question: Question, language: str) -> str:
    """The SMS question without its "reply with…" instruction (the form has buttons)."""
    text = render_text(f"q_{question.key}", language)
    for marker in (" Reply", " Responda"):
        text = text.split(marker)[0]
    return text.removeprefix("SelfCare check-in: ").removeprefix("SelfCare: ").strip()


@patient_page
@require_http_methods(["GET", "POST"])
def web_checkin(request: HttpRequest) -> HttpResponse:
    """GET shows the questions; POST records them, runs the rules and shows what to do."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    language = patient.language
    base = patient_situation(patient=patient, kind=Kind.FULL)
    answers: dict[str, object] = {}
    errors: set[str] = set()
    if request.method == "POST":
        # Read answers in catalogue order, following the branches they open.
        while True:
            questions = _questions(base, answers)
            pending = [q for q in questions if q.key not in answers and q.key not in errors]
            if not pending:
                break
            question = pending[0]
            ok, value = _read(question, request.POST)
            if ok:
                answers[question.key] = value
            else:
                errors.add(question.key)
        if not errors:
            now = timezone.now()
            # Answered on the web: an SMS check-in still open is superseded, not mixed in.
            for open_checkin in Checkin.objects.open().filter(patient=patient):
                checkin_close(checkin=open_checkin, status=Checkin.Status.CANCELLED)
            try:
                checkin = checkin_start(patient=patient, channel=Checkin.Channel.WEB, now=now)
            except CheckinRefused:  # the program is paused or ended: nothing to record
                return render(
                    request,
                    "patient/checkin_done.html",
                    {"lang": language, "advice": None, "urgent": False},
                    status=409,
                )
            stored = checkin_record_answers(checkin=checkin, answers=answers)
            checkin_close(checkin=checkin, status=Checkin.Status.COMPLETED)
            data = rule_input(patient, now=now, current=answers)
            hits = escalate_holding(
                patient=patient,
                hits=rules.evaluate(data, rules.ANSWER_RULES),
                now=now,
                answer=stored[0],
            )
            told = rules.patient_message(hits)
            advice = render_text(told.message, language) if told and told.message else None
            return render(
                request,
                "patient/checkin_done.html",
                {
                    "lang": language,
                    "advice": advice,
                    "urgent": bool(told and told.severity == rules.Severity.EMERGENCY),
                },
            )
    items = [
        {
            "question": q,
            "text": _web_text(q, language),
            "follow_up": q.key in FOLLOW_UPS,
            "choices": [(c, word(f"choice_{c}", language)) for c in q.choices],
            "error": q.key in errors,
        }
        for q in CATALOGUE
        if q.key in FOLLOW_UPS or q.asked(base)
    ]
    return render(
        request,
        "patient/checkin.html",
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
