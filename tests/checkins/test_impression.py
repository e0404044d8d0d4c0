"""The Patient Global Impression of Change (PGIC): due at the first weekly check-in on or after
day 42 and day 84 of the enrollment, each milestone once; read tolerantly; told in words."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Patient
from checkins.catalogue import Kind, next_question
from checkins.impression import impression_due, impression_words, is_worse
from checkins.models import Answer, Checkin
from checkins.parsing import parse_impression
from checkins.services import patient_situation, reply_could_answer
from checkins.texts import question_prompt, question_words
from checkins.words import answer_words
from messaging.segments import Encoding, analyse
from messaging.texts import budget_problems, render
from programs.models import Enrollment

START = date(2026, 1, 1)


def day(n: int) -> date:
    return START + timedelta(days=n)


@pytest.mark.parametrize(
    ("today", "answered", "due"),
    [
        (41, [], None),  # not yet 6 weeks
        (42, [], 6),
        (49, [], 6),  # the 6-week one not answered yet: still asked
        (49, [42], None),  # asked once: answered at day 42
        (83, [], 6),
        (84, [], 12),  # never answered by day 84: only the 12-week one
        (84, [45], 12),
        (90, [45, 85], None),
        (90, [84], None),
        (200, [], 12),  # after 12 weeks nothing more than the 12-week one
        (84, [30], 12),  # an answer before 6 weeks answers no milestone
    ],
)
def test_which_milestone_is_due(today: int, answered: list[int], due: int | None) -> None:
    assert impression_due(started_on=START, today=day(today), answered_on=map(day, answered)) == due


def _started_days_ago(patient: Patient, days: int) -> None:
    today = timezone.now().astimezone(ZoneInfo(patient.timezone)).date()
    Enrollment.objects.filter(patient=patient).update(started_on=today - timedelta(days=days))


def _answered(patient: Patient, value: int | None, *, days_ago: int) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    checkin = Checkin.objects.create(
        patient=patient, kind="full", started_at=at, expires_at=at, status="completed"
    )
    Answer.objects.create(
        checkin=checkin, patient=patient, question="pgic", value=value, answered_at=at
    )


def _asked(patient: Patient, kind: Kind = Kind.FULL) -> list[str]:
    """Every question a check-in asks a patient who answers "no" and 0 throughout."""
    from dataclasses import replace

    situation = patient_situation(patient=patient, kind=kind)
    asked = []
    while (question := next_question(situation, lists=False)) is not None:
        asked.append(question.key)
        value: object = 0 if question.type == "number_0_10" else False
        situation = replace(situation, answers={**situation.answers, question.key: value})
    return asked


@pytest.mark.parametrize(("days", "asked"), [(41, False), (42, True), (84, True)])
def test_the_weekly_check_in_asks_it_last_from_day_42(
    patient: Patient, days: int, asked: bool
) -> None:
    _started_days_ago(patient, days)

    questions = _asked(patient)

    assert ("pgic" in questions) is asked
    if asked:
        assert questions[-1] == "pgic"  # after needs_contact, at the very end


def test_the_short_check_in_never_asks_it(patient: Patient) -> None:
    _started_days_ago(patient, 42)

    assert "pgic" not in _asked(patient, Kind.SHORT)


def test_each_milestone_is_asked_until_answered_then_not_again(patient: Patient) -> None:
    _started_days_ago(patient, 56)
    _answered(patient, None, days_ago=14)  # day 42: left unanswered after its re-prompts

    assert patient_situation(patient=patient, kind=Kind.FULL).impression_due == 6

    _answered(patient, 2, days_ago=7)  # day 49: answered

    assert patient_situation(patient=patient, kind=Kind.FULL).impression_due is None


def test_the_12_week_one_is_asked_after_the_6_week_one_was_answered(patient: Patient) -> None:
    _started_days_ago(patient, 84)
    _answered(patient, 3, days_ago=40)  # day 44

    assert patient_situation(patient=patient, kind=Kind.FULL).impression_due == 12


def test_a_missed_6_week_one_leaves_only_the_12_week_one(patient: Patient) -> None:
    _started_days_ago(patient, 84)
    assert patient_situation(patient=patient, kind=Kind.FULL).impression_due == 12

    _started_days_ago(patient, 91)
    _answered(patient, 5, days_ago=7)  # day 84: the 12-week one

    assert patient_situation(patient=patient, kind=Kind.FULL).impression_due is None


def test_a_new_enrollment_counts_from_its_own_start(patient: Patient) -> None:
    _started_days_ago(patient, 10)  # a tier change ten days ago started the count again
    _answered(patient, 2, days_ago=20)  # in the enrollment before

    assert patient_situation(patient=patient, kind=Kind.FULL).impression_due is None
    _started_days_ago(patient, 42)
    assert patient_situation(patient=patient, kind=Kind.FULL).impression_due == 6


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", 2),
        (" 7 ", 7),
        ("two", 2),
        ("dos", 2),
        ("siete", 7),
        ("2 much better", 2),
        ("much better", 2),
        ("Much better!", 2),
        ("Mucho mejor", 2),
        ("mucho, mucho mejor", 1),
        ("very much better", 1),
        ("very much worse", 7),
        ("a little worse", 5),
        ("un poco peor", 5),
        ("no change", 4),
        ("igual", 4),
        ("sin cambios", 4),
        ("2/7", 2),
        ("6 of 7", 6),
        ("I feel much better, thanks", 2),
        ("Me siento mucho mejor, gracias", 2),
        # not one plain point: asked again
        ("better", None),
        ("2 or 3", None),
        ("2 3", None),
        ("3 much better", None),
        ("much better, a little worse", None),
        ("not much better", None),
        ("feeling a bit better today", None),
        ("0", None),
        ("8", None),
        ("2.5", None),
        ("2-3", None),
        ("", None),
        ("?", None),
    ],
)
def test_replies_are_read_as_one_point(text: str, value: int | None) -> None:
    assert parse_impression(text) == value
    if value is not None:
        assert reply_could_answer(text)  # the webhook answers it in the same request


@pytest.mark.parametrize(
    ("value", "words", "worse"),
    [
        (1, "Very much better (1 of 7)", False),
        (2, "Much better (2 of 7)", False),
        (4, "No change (4 of 7)", False),
        (5, "A little worse (5 of 7)", True),
        (7, "Very much worse (7 of 7)", True),
    ],
)
def test_an_answer_reads_in_words_for_the_clinician(
    patient: Patient, value: int, words: str, worse: bool
) -> None:
    checkin = Checkin.objects.create(patient=patient, kind="full", expires_at=timezone.now())
    answer = Answer.objects.create(checkin=checkin, patient=patient, question="pgic", value=value)

    assert answer_words(answer) == words
    assert is_worse(value) is worse
    assert impression_words(value) == words


def test_the_question_reads_without_its_instructions() -> None:
    assert question_words("pgic") == (
        "Since you started the program, how have your back and nerve pain, "
        "and your daily life, changed?"
    )
    assert question_prompt("pgic", "es").startswith("Desde el inicio del programa, ¿han cambiado")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("key", ["q_pgic", "reprompt_impression_1_7"])
def test_the_texts_are_plain_gsm7_within_budget(language: str, key: str) -> None:
    for context in ({}, {"reminder": True}):
        body = render(key, language, context)

        assert budget_problems(key, language, body) == []
        assert analyse(body).encoding == Encoding.GSM7  # Spanish too: no á, í, ó, ú
        assert analyse(body).segments <= 2


def test_the_texts_name_every_point() -> None:
    english = render("q_pgic", "en", {"reminder": True})
    spanish = render("q_pgic", "es")

    assert english.startswith("Reminder: Since you started the program")
    assert "Reply with one number: 1 very much better, 2 much better" in english
    assert "7 very much worse" in english
    assert "1 mucho, mucho mejor; 2 mucho mejor; 3 un poco mejor; 4 igual" in spanish
    assert "7 mucho, mucho peor" in spanish
