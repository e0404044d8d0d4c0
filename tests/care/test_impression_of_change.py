"""The impression of change (PGIC) at 6 and 12 weeks, as the patient meets it by SMS and on the
web, and as the clinician reads it on the record and the pre-visit summary. It fires no rule."""

from datetime import timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import Clinician, Patient
from checkins.models import Answer, Checkin
from checkins.services import checkin_start
from escalations.models import Escalation
from messaging.backends import locmem
from messaging.models import Message
from programs.models import Enrollment
from tests.care.test_safety import answer_until, reply
from tests.factories import WELL_WEB_FORM
from tests.messaging.helpers import drain_inbound
from tests.patients.test_pages import sign_in

WELL_SMS = {"back_pain": "3", "leg_pain": "1", "nerve_symptoms": "0"}


def started_days_ago(patient: Patient, days: int) -> None:
    today = timezone.now().astimezone(ZoneInfo(patient.timezone)).date()
    Enrollment.objects.filter(patient=patient).update(started_on=today - timedelta(days=days))


def speak(patient: Patient, language: str) -> None:
    patient.language = language
    patient.save(update_fields=["language"])


def rules_fired(patient: Patient) -> set[str]:
    return set(Escalation.objects.filter(patient=patient).values_list("rule", flat=True))


def reply_and_drain(client: Client, patient: Patient, body: str) -> list[str]:
    """Text as the patient; what is sent back then, or by the worker seconds later (a reply
    no question could read waits for it)."""
    before = len(locmem.outbox)
    reply(client, patient, body)
    drain_inbound()
    return [m.body for m in locmem.outbox[before:]]


def sms_until_pgic(client: Client, patient: Patient) -> None:
    checkin_start(patient=patient)
    answer_until(client, patient, "pgic", WELL_SMS)


# --- by SMS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "body", "value"),
    [("en", "2", 2), ("en", "much better", 2), ("en", "6", 6), ("es", "mucho mejor", 2)],
)
def test_the_6_week_check_in_ends_with_the_question_and_records_the_reply(
    client: Client, patient: Patient, language: str, body: str, value: int
) -> None:
    speak(patient, language)
    started_days_ago(patient, 42)
    sms_until_pgic(client, patient)
    before = rules_fired(patient)

    sent = Message.objects.filter(patient=patient, template="q_pgic").get().body
    answered = reply(client, patient, body)

    opening = "Since you started" if language == "en" else "Desde el inicio del programa"
    assert sent.startswith(opening)
    assert Answer.objects.get(patient=patient, question="pgic").value == value
    assert Checkin.objects.get(patient=patient).status == "completed"
    thanks = "Thank you" if language == "en" else "Gracias"
    assert any(thanks in text for text in answered)
    assert rules_fired(patient) == before  # no rule reads it, a worse answer included


def test_an_unreadable_reply_is_asked_again_with_an_example(
    client: Client, patient: Patient
) -> None:
    started_days_ago(patient, 42)
    sms_until_pgic(client, patient)

    first = reply_and_drain(client, patient, "2 or 3")
    second = reply_and_drain(client, patient, "7 very much worse")

    assert first == [
        "Sorry, I didn't catch that. Reply with one number from 1 (very much better) "
        'to 7 (very much worse), for example "3".'
    ]
    assert Answer.objects.get(patient=patient, question="pgic").value == 7
    assert any("Thank you" in text for text in second)
    assert "R24" not in rules_fired(patient)


def test_a_reply_still_unreadable_is_left_unanswered_and_asked_next_week(
    client: Client, patient: Patient
) -> None:
    started_days_ago(patient, 42)
    sms_until_pgic(client, patient)
    for _ in range(3):
        reply_and_drain(client, patient, "better")  # how much better, it does not say

    assert Answer.objects.get(patient=patient, question="pgic").value is None
    assert "R24" in rules_fired(patient)  # a message for the care team, as for any question
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        checkin_start(patient=patient)
        answer_until(client, patient, "pgic", WELL_SMS)  # asked again at day 49


def answer_all(client: Client, patient: Patient) -> None:
    """Answer the open SMS check-in as a well patient until it ends."""
    while (checkin := Checkin.objects.filter(patient=patient, status="open").first()) is not None:
        question = checkin.pending_question
        reply(client, patient, WELL_SMS.get(question, "0" if question.endswith("flags") else "2"))


def test_each_milestone_is_asked_once_and_the_12_week_one_at_day_84(
    client: Client, patient: Patient
) -> None:
    started_days_ago(patient, 42)
    sms_until_pgic(client, patient)
    reply(client, patient, "3")

    checkin_start(patient=patient)  # another weekly check-in, still past day 42
    answer_all(client, patient)
    asked_by_day_83 = Message.objects.filter(patient=patient, template="q_pgic").count()

    with time_machine.travel(timezone.now() + timedelta(days=42)):  # day 84
        sms_until_pgic(client, patient)
        reply(client, patient, "5")

    assert asked_by_day_83 == 1
    values = list(
        Answer.objects.filter(patient=patient, question="pgic")
        .order_by("answered_at")
        .values_list("value", flat=True)
    )
    assert values == [3, 5]


# --- on the web ---------------------------------------------------------------------------------


def test_the_web_form_asks_it_only_when_due(client: Client, patient: Patient) -> None:
    sign_in(client, patient)
    started_days_ago(patient, 41)
    assert 'name="pgic"' not in client.get("/me/checkin/").content.decode()

    started_days_ago(patient, 42)
    page = unescape(client.get("/me/checkin/").content.decode())

    assert "Since you started the program, how have your back and nerve pain" in page
    assert page.count('type="radio" name="pgic"') == 7
    for label in ("1. Very much better", "2. Much better", "4. No change", "7. Very much worse"):
        assert label in page


def test_the_web_form_in_spanish(client: Client, patient: Patient) -> None:
    speak(patient, "es")
    started_days_ago(patient, 84)
    sign_in(client, patient)

    page = unescape(client.get("/me/checkin/").content.decode())

    assert "Desde el inicio del programa, ¿han cambiado" in page
    for label in (
        "1. Muchísimo mejor",
        "2. Mucho mejor",
        "4. Igual, sin cambios",
        "7. Muchísimo peor",
    ):
        assert label in page


@pytest.mark.parametrize("posted", [{}, {"pgic": "9"}, {"pgic": "much better"}])
def test_the_web_form_needs_one_point(client: Client, patient: Patient, posted: dict) -> None:
    started_days_ago(patient, 42)
    sign_in(client, patient)

    response = client.post("/me/checkin/", {**WELL_WEB_FORM, **posted})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="pgic-error"' in page
    assert "Please answer this question." in page
    assert not Answer.objects.filter(patient=patient).exists()


def test_the_web_form_records_the_point_and_fires_nothing(client: Client, patient: Patient) -> None:
    started_days_ago(patient, 42)
    sign_in(client, patient)

    response = client.post("/me/checkin/", {**WELL_WEB_FORM, "pgic": "6"})

    assert response.status_code == 200
    assert Answer.objects.get(patient=patient, question="pgic").value == 6
    assert rules_fired(patient) == set()
    assert 'name="pgic"' not in client.get("/me/checkin/").content.decode()  # asked once


# --- the clinician ------------------------------------------------------------------------------


def answered_on_web(patient: Patient, value: int, *, days_ago: int) -> None:
    from care.web_checkin import web_checkin_record

    with time_machine.travel(timezone.now() - timedelta(days=days_ago)):
        answers: dict[str, object] = {
            key: said == "yes" if said in ("yes", "no") else int(said)
            for key, said in WELL_WEB_FORM.items()
        }
        answers |= {"nerve_symptoms": [], "pgic": value}
        web_checkin_record(patient=patient, answers=answers)


def test_the_record_and_the_summary_show_each_impression(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    started_days_ago(patient, 86)
    answered_on_web(patient, 2, days_ago=44)  # day 42: 2 May
    answered_on_web(patient, 6, days_ago=2)  # day 84: 13 Jun
    staff = admin_client_for(clinician)

    record = unescape(staff.get(f"/admin/accounts/patient/{patient.pk}/change/").content.decode())
    summary = unescape(staff.get(f"/admin/accounts/patient/{patient.pk}/summary/").content.decode())

    for page in (record, summary):
        assert "Impression of change at 6 weeks: Much better (2 of 7), 2 May" in page
        # worse: shown in bold, and said
        assert (
            "<strong>Impression of change at 12 weeks: Much worse (6 of 7), 13 Jun</strong>"
            " (worse since starting)"
        ) in page
    assert "Since you started the program" in record  # the timeline names the question
    assert "Much better (2 of 7)" in record


def test_the_record_says_when_it_was_not_asked_yet(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    staff = admin_client_for(clinician)

    record = staff.get(f"/admin/accounts/patient/{patient.pk}/change/").content.decode()
    summary = staff.get(f"/admin/accounts/patient/{patient.pk}/summary/").content.decode()

    assert "Not asked yet (at 6 and 12 weeks)" in record
    assert "Not asked yet (at 6 and 12 weeks)." in summary


def test_the_check_in_admin_reads_the_answer_in_words(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    started_days_ago(patient, 42)
    answered_on_web(patient, 2, days_ago=0)
    checkin = Checkin.objects.get(patient=patient)

    page = unescape(
        admin_client_for(clinician)
        .get(f"/admin/checkins/checkin/{checkin.pk}/change/")
        .content.decode()
    )

    assert "Since you started the program, how have your back and nerve pain" in page
    assert "Much better (2 of 7)" in page
    assert "2 out of 10" not in page


# --- the API ------------------------------------------------------------------------------------


def test_the_api_shows_the_pending_question_then_the_point_by_its_key(
    client: Client, api: Any, patient: Patient
) -> None:
    started_days_ago(patient, 42)
    sms_until_pgic(client, patient)
    url = f"/api/v1/patients/{patient.pk}/checkins/"

    [pending] = api.get(url).json()["results"]
    reply(client, patient, "much better")
    [answered] = api.get(url).json()["results"]

    assert pending["pending_question"]["key"] == "pgic"
    assert pending["pending_question"]["text"].startswith("Since you started the program")
    assert answered["answers"]["pgic"] == 2
    assert answered["pending_question"] is None
