"""Red flags in patients' own words, through the signed webhook: emergency advice at once, the
check-in stopped, the clinician told; answers that carry more than an answer; opted-out
patients still reach a clinician."""

from typing import Any

from django.test import Client

from accounts.models import Patient
from accounts.services import patient_set_sms_consent
from checkins.models import Answer, Checkin
from checkins.services import checkin_start
from escalations.models import Escalation
from messaging.backends import locmem
from messaging.models import Message
from tests.care.test_safety import answer_until, reply
from tests.messaging.helpers import drain_inbound


def test_an_emergency_text_mid_check_in_is_the_last_word(client: Client, patient: Patient) -> None:
    checkin = checkin_start(patient=patient)
    locmem.outbox.clear()

    sent = reply(client, patient, "my bum has gone numb and I cant feel the toilet paper")

    assert len(sent) == 1  # no re-prompt, no next question, no thanks
    assert "emergency department" in sent[0]
    checkin.refresh_from_db()
    assert checkin.status == "interrupted"
    escalation = Escalation.objects.get(rule="R21")
    assert escalation.severity == "emergency"
    assert "saddle numbness" in escalation.reason


def test_no_but_is_not_a_plain_no_to_the_cauda_equina_question(
    client: Client, patient: Patient
) -> None:
    checkin_start(patient=patient)
    answer_until(client, patient, "ces_symptoms", {"back_pain": "6", "leg_pain": "5"})

    sent = reply(client, patient, "No, but I can't feel my bum when I wipe")

    assert len(sent) == 1
    assert "emergency department" in sent[0]
    assert not Answer.objects.filter(question="ces_symptoms").exists()  # not stored as "no"
    assert Escalation.objects.get(rule="R21").severity == "emergency"


def test_no_but_with_nothing_alarming_is_asked_again(client: Client, patient: Patient) -> None:
    checkin_start(patient=patient)
    answer_until(client, patient, "ces_symptoms", {"back_pain": "6", "leg_pain": "5"})

    reply(client, patient, "no but my back is stiffer than usual")
    drain_inbound()  # no question can take it as a plain answer: the drain re-prompts

    [reprompt] = [m.body for m in locmem.outbox if m.to == str(patient.phone)][-1:]
    assert "1 for yes" in reprompt
    assert not Answer.objects.filter(question="ces_symptoms").exists()


def test_si_with_more_words_is_a_yes_and_ya_is_not(client: Client, patient: Patient) -> None:
    checkin_start(patient=patient)
    answer_until(client, patient, "ces_symptoms", {"back_pain": "6", "leg_pain": "5"})

    reply(client, patient, "ya")
    assert not Answer.objects.filter(question="ces_symptoms").exists()
    sent = reply(client, patient, "sí, se me duerme la entrepierna")

    assert "emergency department" in sent[0]
    assert Escalation.objects.filter(severity="emergency").exists()


def test_emergency_advice_is_never_held_back_by_the_auto_reply_cap(
    client: Client, patient: Patient
) -> None:
    answered = [reply(client, patient, "I can't pee") for _ in range(5)]

    assert all(len(sent) == 1 and "emergency department" in sent[0] for sent in answered)


def test_an_opted_out_patient_still_reaches_a_clinician_and_is_texted_nothing(
    client: Client, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    patient_set_sms_consent(patient=patient, state="opted_out", source="sms_keyword")

    with django_capture_on_commit_callbacks(execute=True):
        sent = reply(client, patient, "I can't pee and I can't feel my legs")

    assert sent == []  # nothing texted back after STOP
    escalation = Escalation.objects.get(rule="R21")
    assert escalation.severity == "emergency"
    alert = Message.objects.get(is_staff_alert=True)
    assert alert.phone == str(patient.clinician.phone)
    assert [m.to for m in locmem.outbox] == [alert.phone]
    advice = Message.objects.get(patient=patient, direction="out", template="esc_r21")
    assert advice.status == "suppressed"


def test_figures_of_speech_and_denials_raise_no_emergency(client: Client, patient: Patient) -> None:
    for text in [
        "this pain is killing me",
        "fell asleep on the sofa after my stretches",
        "no numbness down below and my bladder is fine",
        "no siento dolor hoy",
    ]:
        reply(client, patient, text)

    assert not Escalation.objects.filter(severity="emergency").exists()
    assert not Checkin.objects.filter(status="interrupted").exists()


def test_the_end_of_a_check_in_carries_the_red_flag_line_after_a_rule_message(
    client: Client, patient: Patient
) -> None:
    from checkins.catalogue import BY_KEY, AnswerType

    checkin = checkin_start(patient=patient)
    last: list[str] = []
    while checkin.status == Checkin.Status.OPEN and checkin.pending_question:
        question = BY_KEY[checkin.pending_question]
        if question.type == AnswerType.NUMBER:
            answer = "3"
        elif question.key == "weekly_flags":
            # "wants to hear from the care team": R23, "your care team will contact you"
            answer = str(checkin.pending_items.index("needs_contact") + 1)
        else:
            answer = "2" if question.type == AnswerType.YES_NO else "0"
        last = reply(client, patient, answer)
        checkin.refresh_from_db()

    [end] = last
    assert "care team will contact you" in end
    assert "emergency department" in end  # the red-flag line
