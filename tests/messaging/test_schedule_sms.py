"""TIME and DAY by SMS: the keywords, and the round trip through the signed webhook in English
and Spanish (the schedule itself: tests/checkins/test_own_schedule.py)."""

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts.models import Clinician, Patient
from checkins.models import CheckinSlot
from messaging.keywords import Keyword, keyword, keyword_argument
from messaging.models import Message
from tests.factories import MEDIUM_ANSWERS, make_patient
from tests.messaging.helpers import conversation, text_in


@pytest.mark.parametrize(
    ("body", "expected", "argument"),
    [
        ("TIME 7pm", Keyword.TIME, "7PM"),
        ("time 19:00", Keyword.TIME, "19:00"),
        ("TIME 7:30 pm", Keyword.TIME, "7:30 PM"),
        ("Time noon.", Keyword.TIME, "NOON"),
        ("HORA 19:00", Keyword.TIME, "19:00"),
        ("hora 7 de la tarde", Keyword.TIME, "7 DE LA TARDE"),
        ("TIME", Keyword.TIME, ""),
        ("TIME 25", Keyword.TIME, "25"),  # a keyword; the time is then asked again
        ("DAY MON", Keyword.DAY, "MON"),
        ("days mon thu", Keyword.DAY, "MON THU"),
        ("DIA LUNES", Keyword.DAY, "LUNES"),
        ("días lunes y jueves", Keyword.DAY, "LUNES Y JUEVES"),
        ("DAYS on Mondays", Keyword.DAY, "ON MONDAYS"),
    ],
)
def test_schedule_keywords(body: str, expected: Keyword, argument: str) -> None:
    assert keyword(body) is expected
    assert keyword_argument(body) == argument


@pytest.mark.parametrize(
    "body",
    [
        "time for my pills?",
        "what time is my appointment",
        "Time is hard 7 days a week and my back is awful",
        "days are long",
        "day 3 of the pain",
        "DAYTIME 7pm",
        "hora de la medicina",
    ],
)
def test_free_text_starting_with_time_or_day_is_not_a_keyword(body: str) -> None:
    assert keyword(body) is None


def replies(patient: Patient) -> list[str]:
    return list(
        conversation().filter(patient=patient, direction="out").values_list("body", flat=True)
    )


def spanish(patient: Patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language="es")
    return Patient.objects.get(pk=patient.pk)


def test_time_by_sms_is_kept_and_confirmed(client: Client, patient: Patient) -> None:
    response = text_in(client, sender=str(patient.phone), body="TIME 7pm")

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.checkin_time == time(19)
    assert replies(patient) == [
        "SelfCare: Done: check-ins will come on Mondays at 7:00 pm. Reply TIME 8am to change it."
    ]
    slot = CheckinSlot.objects.get(patient=patient, status="due")
    assert slot.due_at.astimezone(ZoneInfo(patient.timezone)).time() == time(19)


def test_hora_by_sms_in_spanish(client: Client, patient: Patient) -> None:
    patient = spanish(patient)

    text_in(client, sender=str(patient.phone), body="HORA 7 de la tarde")

    patient.refresh_from_db()
    assert patient.checkin_time == time(19)
    assert replies(patient) == [
        "SelfCare: Listo: los controles llegarán los lunes a las 19:00. "
        "Responda HORA 8:00 para cambiarlo."
    ]


def test_days_by_sms_for_a_medium_tier_patient(client: Client, clinician: Clinician) -> None:
    medium = make_patient(clinician=clinician, startback=MEDIUM_ANSWERS).patient

    text_in(client, sender=str(medium.phone), body="DAYS TUE FRI")

    medium.refresh_from_db()
    assert medium.checkin_days == [1, 4]
    assert replies(medium) == [
        "SelfCare: Done: check-ins will come on Tuesdays and Fridays at 10:00 am. "
        "Reply DAYS MON THU to change it."
    ]


def test_dia_by_sms_in_spanish(client: Client, patient: Patient) -> None:
    patient = spanish(patient)

    text_in(client, sender=str(patient.phone), body="DIA MIÉRCOLES")

    patient.refresh_from_db()
    assert patient.checkin_days == [2]
    assert replies(patient) == [
        "SelfCare: Listo: los controles llegarán los miércoles a las 10:00. "
        "Responda DIA LUNES para cambiarlo."
    ]


@pytest.mark.parametrize(
    ("language", "body", "expected"),
    [
        ("en", "TIME 7", "Sorry, we could not read that time. Reply with a time like TIME 7pm"),
        ("es", "HORA 7", "No entendimos esa hora. Responda con una hora, por ejemplo HORA 19:00"),
        ("en", "TIME 11pm", "We don't text between 9:00 pm and 8:00 am. Please pick a time"),
        ("es", "HORA 23:00", "No enviamos mensajes entre las 21:00 y las 08:00."),
        ("en", "DAYS MON THU", "Your plan has 1 check-in a week, so pick one day. Reply like DAY"),
        ("es", "DIAS LUNES JUEVES", "Su plan tiene 1 control por semana: elija un día."),
        ("en", "DAY MOON", "Sorry, we could not read that. Reply with a day like DAY MON."),
        ("es", "DIA MAÑANA", "No entendimos los días. Responda con un día, por ejemplo DIA LUNES."),
    ],
)
def test_an_unreadable_or_refused_choice_gets_a_polite_reprompt_and_changes_nothing(
    client: Client, patient: Patient, language: str, body: str, expected: str
) -> None:
    Patient.objects.filter(pk=patient.pk).update(language=language)

    text_in(client, sender=str(patient.phone), body=body)

    patient.refresh_from_db()
    assert (patient.checkin_days, patient.checkin_time) == ([], None)
    (reply,) = replies(patient)
    assert expected in reply


def test_a_schedule_keyword_is_not_a_message_for_the_care_team(
    client: Client, patient: Patient
) -> None:
    text_in(client, sender=str(patient.phone), body="TIME 7pm")

    assert not patient.escalations.exists()
    inbound = Message.objects.get(patient=patient, direction="in")
    assert inbound.processed_at is not None
