"""Answers in patients' own phrasing through the signed webhook (issue 17): both pain scores in
one text, "6 and 7" asked which, unreadable replies asked again with an example, in English and
Spanish; and the words always read by the safety detectors first."""

from typing import Any

import pytest
from django.test import Client

from accounts.models import Patient
from checkins.catalogue import BY_KEY, AnswerType
from checkins.models import Answer, Checkin
from checkins.services import checkin_start
from escalations.models import Escalation, ReferralClock
from messaging.backends import locmem
from messaging.models import Message
from tests.care.test_safety import answer_until, reply
from tests.messaging.helpers import drain_inbound, text_in


def speaking(patient: Patient, language: str) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language=language)
    patient.refresh_from_db()
    return patient


def open_checkin(patient: Patient) -> Checkin:
    checkin = checkin_start(patient=patient)
    locmem.outbox.clear()
    return checkin


def answers(patient: Patient) -> dict[str, object]:
    return dict(Answer.objects.filter(patient=patient).values_list("question", "value"))


def reply_then_drain(client: Client, patient: Patient, body: str) -> list[str]:
    """Text as the patient, let the worker handle what the webhook left, and return every body
    sent back to the patient meanwhile."""
    before = len(locmem.outbox)
    text_in(client, sender=str(patient.phone), body=body)
    drain_inbound()
    return [m.body for m in locmem.outbox[before:] if m.to == str(patient.phone)]


# --- both pain scores in one text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "next_question"),
    [
        ("en", "back 6 leg 8", "NEW: numbness between your legs"),
        ("en", "6 back 8 leg", "NEW: numbness between your legs"),
        ("en", "back 6, leg 8", "NEW: numbness between your legs"),
        ("es", "espalda 6 pierna 8", "NUEVO de esto: adormecimiento"),
        ("es", "Espalda 6, pierna 8", "NUEVO de esto: adormecimiento"),
    ],
)
def test_both_pain_scores_in_one_text_answer_both_questions(
    client: Client, patient: Patient, language: str, text: str, next_question: str
) -> None:
    checkin = open_checkin(speaking(patient, language))

    sent = reply(client, patient, text)  # answered in the same request

    [asked] = sent
    assert next_question in asked  # the leg question is not asked: it is answered
    assert answers(patient) == {"back_pain": 6, "leg_pain": 8}
    inbound = Message.objects.get(direction="in", patient=patient)
    for answer in Answer.objects.filter(patient=patient):
        assert (answer.raw, answer.message_id, answer.late) == (text, inbound.pk, False)
    checkin.refresh_from_db()
    assert (checkin.status, checkin.pending_question) == ("open", "ces_symptoms")
    assert not Message.objects.filter(patient=patient, template="q_leg_pain").exists()


def test_the_leg_score_given_early_still_opens_its_follow_up_questions(
    client: Client, patient: Patient
) -> None:
    open_checkin(patient)
    reply(client, patient, "back 6 leg 8")

    asked = [checkin_question(patient)]
    while asked[-1]:
        reply(client, patient, "2" if BY_KEY[asked[-1]].type == AnswerType.YES_NO else "0")
        asked.append(checkin_question(patient))

    # Leg pain 8 >= 4, as if answered on its own: its disabling question is in the weekly list.
    assert "leg pain that stops" in Message.objects.get(template="q_weekly_flags").body
    assert "leg_pain" not in asked
    assert Checkin.objects.get(patient=patient).status == "completed"


def checkin_question(patient: Patient) -> str:
    checkin = Checkin.objects.get(patient=patient)
    return checkin.pending_question if checkin.status == "open" else ""


def run_two_checkins(client: Client, patient: Patient, pain: list[str]) -> None:
    """Two full check-ins, each opened by the `pain` replies, every other question answered
    'no' (or none)."""
    for _ in range(2):
        checkin = open_checkin(patient)
        for text in pain:
            reply(client, patient, text)
        checkin.refresh_from_db()
        while checkin.status == "open":
            question = BY_KEY[checkin.pending_question]
            reply(client, patient, "2" if question.type == AnswerType.YES_NO else "0")
            checkin.refresh_from_db()


def outcome(patient: Patient) -> dict[str, list[tuple[Any, ...]]]:
    """What the rules made of the answers: the rows, each escalation with the answers that are
    its evidence, the referral clocks, and what the patient was told besides the questions."""
    return {
        "answers": [(a.question, a.value) for a in Answer.objects.filter(patient=patient)],
        "escalations": [
            (
                e.rule,
                e.severity,
                e.status,
                e.evidence_count,
                [(ev.answer.question, ev.answer.value) for ev in e.evidence.all() if ev.answer],
            )
            for e in Escalation.objects.filter(patient=patient).order_by("rule")
        ],
        "clocks": list(
            ReferralClock.objects.filter(patient=patient)
            .order_by("rule")
            .values_list("kind", "rule")
        ),
        "told": list(
            Message.objects.filter(patient=patient, direction="out")
            .exclude(template__startswith="q_")
            .order_by("pk")
            .values_list("template", flat=True)
        ),
    }


def test_both_scores_in_one_text_escalate_exactly_as_two_replies_would(
    client: Client, patient: Patient, other_patient: Patient
) -> None:
    run_two_checkins(client, patient, ["back 9 leg 9"])
    run_two_checkins(client, other_patient, ["9", "9"])

    together, one_by_one = outcome(patient), outcome(other_patient)

    assert together == one_by_one
    fired = {rule for rule, *_ in together["escalations"]}
    assert {"R8", "R11", "R12"} <= fired  # high leg and back pain on two consecutive answers


def test_a_score_named_for_the_other_pain_question_is_not_taken_for_this_one(
    client: Client, patient: Patient
) -> None:
    checkin = open_checkin(patient)

    sent = reply(client, patient, "leg 8")

    assert 'for example "4"' in sent[0]
    assert not Answer.objects.exists()
    checkin.refresh_from_db()
    assert (checkin.pending_question, checkin.reprompts) == ("back_pain", 1)


def test_while_leg_pain_is_asked_both_scores_answer_it_and_the_back_answer_stands(
    client: Client, patient: Patient
) -> None:
    open_checkin(patient)
    reply(client, patient, "5")

    reply(client, patient, "back 6 leg 8")

    assert answers(patient) == {"back_pain": 5, "leg_pain": 8}


@pytest.mark.parametrize(
    "text",
    [
        "back 6 leg 8 and I can't feel my bum",
        "espalda 6 pierna 8, no puedo orinar",
        "back 6 leg 8 my leg keeps giving way",
    ],
)
def test_an_urgent_phrase_beside_both_scores_is_never_lost(
    client: Client, patient: Patient, text: str
) -> None:
    checkin = open_checkin(patient)

    sent = reply(client, patient, text)

    [advice] = sent  # the last word: no next question
    assert "emergency department" in advice
    assert Escalation.objects.get(rule="R21").severity == "emergency"
    checkin.refresh_from_db()
    assert checkin.status == "interrupted"
    assert not Answer.objects.exists()  # the words were not read as the answers they began


# --- "6 and 7": asked which --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "asked"),
    [
        ("en", "6 and 7", "Was that 6 or 7? Reply with one number from 0 to 10."),
        ("en", "7 or 8", "Was that 7 or 8? Reply with one number from 0 to 10."),
        ("es", "6 y 7", "¿Era 6 o 7? Responda con un solo número del 0 al 10."),
    ],
)
def test_two_scores_for_one_question_are_asked_which_and_the_question_stays_open(
    client: Client, patient: Patient, language: str, text: str, asked: str
) -> None:
    checkin = open_checkin(speaking(patient, language))

    sent = reply_then_drain(client, patient, text)

    assert sent == [asked]
    assert not Answer.objects.exists()
    checkin.refresh_from_db()
    assert (checkin.status, checkin.pending_question) == ("open", "back_pain")

    reply(client, patient, "7")

    assert answers(patient) == {"back_pain": 7}
    checkin.refresh_from_db()
    assert checkin.pending_question == "leg_pain"


def test_asking_which_counts_as_a_re_prompt_so_the_question_is_not_asked_forever(
    client: Client, patient: Patient
) -> None:
    checkin = open_checkin(patient)

    for _ in range(3):
        reply_then_drain(client, patient, "6 and 7")

    assert Answer.objects.get(question="back_pain").value is None
    checkin.refresh_from_db()
    assert checkin.pending_question == "leg_pain"
    assert Escalation.objects.get(rule="R24").severity == "24h"  # the care team reads it


# --- unreadable: asked again with an example -------------------------------------------------

PAIN_AGAIN = {
    "en": "Sorry, I didn't catch that. Reply with one number from 0 (no pain) to 10 (worst), "
    'for example "4".',
    "es": "Perdone, no le entendimos. Responda con un solo número del 0 (nada de dolor) al 10 "
    '(el peor), por ejemplo "4".',
}
YES_NO_AGAIN = {
    "en": "Sorry, I didn't catch that. Reply with just the number: 1 for yes or 2 for no.",
    "es": "Perdone, no le entendimos. Responda solo con el número: 1 para sí o 2 para no.",
}


@pytest.mark.parametrize(("language", "text"), [("en", "pretty bad"), ("es", "me duele mucho")])
def test_an_unreadable_pain_reply_is_asked_again_with_an_example_then_left_unanswered(
    client: Client, patient: Patient, language: str, text: str
) -> None:
    checkin = open_checkin(speaking(patient, language))

    first = reply_then_drain(client, patient, text)
    checkin.refresh_from_db()
    assert first == [PAIN_AGAIN[language]]
    assert (checkin.pending_question, checkin.reprompts) == ("back_pain", 1)

    # After the re-prompt, what was there before: asked once more, then left unanswered (R24)
    # and the check-in moves on; never asked without end.
    second = reply_then_drain(client, patient, text)
    third = reply_then_drain(client, patient, text)

    assert second == [PAIN_AGAIN[language]]
    [moved_on] = third
    assert moved_on != PAIN_AGAIN[language]  # the leg pain question
    assert Answer.objects.get(question="back_pain").value is None
    checkin.refresh_from_db()
    assert (checkin.pending_question, checkin.reprompts) == ("leg_pain", 0)
    assert Escalation.objects.filter(rule="R24").exists()


@pytest.mark.parametrize(("language", "text"), [("en", "hmm"), ("es", "pues")])
def test_an_unreadable_yes_no_reply_is_asked_again_with_the_numbers_to_send(
    client: Client, patient: Patient, language: str, text: str
) -> None:
    open_checkin(speaking(patient, language))
    answer_until(client, patient, "ces_symptoms", {"back_pain": "3", "leg_pain": "2"})

    assert reply_then_drain(client, patient, text) == [YES_NO_AGAIN[language]]
    assert not Answer.objects.filter(question="ces_symptoms").exists()


@pytest.mark.parametrize(
    ("text", "score"),
    [("about a 6", 6), ("6ish", 6), ("its a 7", 7), ("6!!", 6), ("más o menos 6", 6),
     ("como seis", 6), ("6 today, worse at night", 6)],
)  # fmt: skip
def test_a_pain_score_in_own_words_is_recorded_and_the_next_question_sent_at_once(
    client: Client, patient: Patient, text: str, score: int
) -> None:
    open_checkin(patient)

    sent = reply(client, patient, text)

    assert answers(patient) == {"back_pain": score}
    [asked] = sent
    assert "leg or nerve pain" in asked
