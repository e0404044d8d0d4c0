"""Nothing a patient texts is dropped (CLINICAL.md): every inbound text from a known patient
ends as an answer recorded, a re-prompt, a keyword handled, or a rule fired (R24 for a message
for the care team, R25 for a red-flag question left unreadable)."""

import csv
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Patient
from accounts.services import patient_set_sms_consent
from checkins.models import Answer, Checkin
from checkins.services import checkin_start
from escalations.models import Escalation, Evidence
from messaging.keywords import keyword
from messaging.models import Message
from tests.care.test_safety import answer_until, reply
from tests.messaging.helpers import drain_inbound, text_in

CORPUS = Path(__file__).parent.parent / "escalations" / "detector_corpus.tsv"


def corpus_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        return [
            row["text"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


TEXTS = st.one_of(
    st.sampled_from(corpus_texts()),
    st.sampled_from(
        ["4", "yes", "no", "2", "1 3", "not sure", "HELP", "STOP", "LINK", "FLARE", "?", ""]
    ),
    st.sampled_from(["flare, cant feel my legs", "CRISIS DE DOLOR", "flare up 9 today"]),
    st.text(min_size=0, max_size=80),
)
STATES = st.sampled_from(["no check-in", "check-in", "red-flag question", "opted out"])


def accounted_for(message: Message) -> str | None:
    """How `message` ended, or None if it reached no one."""
    if keyword(message.body) is not None:
        return "keyword"
    if Answer.objects.filter(message=message).exists():
        return "answer"
    if Message.objects.filter(in_reply_to=message, template__startswith="reprompt_").exists():
        return "re-prompt"
    if Evidence.objects.filter(message=message).exists():
        return "rule"
    return None


def prepare(patient: Patient, client: Client, state: str) -> None:
    if state == "opted out":
        patient_set_sms_consent(patient=patient, state="opted_out", source="sms_keyword")
    elif state == "check-in":
        checkin_start(patient=patient)
    elif state == "red-flag question":
        checkin_start(patient=patient)
        answer_until(client, patient, "ces_symptoms", {"back_pain": "6", "leg_pain": "5"})


@pytest.mark.django_db
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=TEXTS, state=STATES)
def test_every_inbound_text_is_accounted_for(patient: Patient, text: str, state: str) -> None:
    client = Client()
    with transaction.atomic():
        prepare(patient, client, state)
        text_in(client, sender=str(patient.phone), body=text)
        drain_inbound()
        inbound = Message.objects.filter(direction="in", patient=patient).latest("pk")
        assert inbound.processed_at is not None
        outcome = accounted_for(inbound)
        assert outcome is not None, f"{text!r} in state {state!r} reached no one"
        transaction.set_rollback(True)


def test_a_remark_is_a_message_for_the_care_team_told_once_a_day(
    client: Client, patient: Patient
) -> None:
    text_in(client, sender=str(patient.phone), body="Is it ok to go swimming this week?")
    text_in(client, sender=str(patient.phone), body="also my physio appointment moved to friday")
    drain_inbound()

    escalation = Escalation.objects.get(rule="R24")
    assert escalation.severity == "24h"
    words = [e.message.body for e in escalation.evidence.select_related("message")]
    assert words == [
        "Is it ok to go swimming this week?",
        "also my physio appointment moved to friday",
    ]
    acks = Message.objects.filter(patient=patient, template="esc_r24")
    assert acks.count() == 1  # at most once a day
    assert "within a day" in acks.get().body


def test_not_sure_to_a_red_flag_question_raises_r25_with_the_emergency_advice(
    client: Client, patient: Patient
) -> None:
    checkin_start(patient=patient)
    answer_until(client, patient, "ces_symptoms", {"back_pain": "6", "leg_pain": "5"})

    sent = reply(client, patient, "not sure")

    escalation = Escalation.objects.get(rule="R25")
    assert escalation.severity == "same_day"
    assert any("emergency department now" in body for body in sent)
    assert Checkin.objects.get(patient=patient).status == "open"  # and the check-in goes on


def test_a_red_flag_question_unreadable_after_its_re_prompts_raises_r25(
    client: Client, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    checkin_start(patient=patient)
    answer_until(client, patient, "ces_symptoms", {"back_pain": "6", "leg_pain": "5"})

    for _ in range(3):
        text_in(client, sender=str(patient.phone), body="what does that mean")
        drain_inbound()

    assert Escalation.objects.get(rule="R25").severity == "same_day"
    assert Answer.objects.get(question="ces_symptoms").value is None
