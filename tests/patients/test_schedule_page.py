"""/me/schedule/: "When should we text you?" in the patient's language, with CSRF and errors."""

from datetime import time
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.models import Clinician, Patient
from checkins.models import CheckinSlot
from tests.factories import MEDIUM_ANSWERS, make_patient
from tests.patients.test_pages import sign_in

URL = "/me/schedule/"


@pytest.fixture
def signed_in(client: Client, patient: Patient) -> Client:
    sign_in(client, patient)
    return client


def test_the_today_page_links_to_it(signed_in: Client) -> None:
    assert f'href="{URL}"' in signed_in.get("/me/").content.decode()


def test_the_form_offers_the_days_and_every_half_hour_outside_quiet_hours(
    signed_in: Client,
) -> None:
    page = signed_in.get(URL)

    html = page.content.decode()
    assert page.status_code == 200
    assert "When should we text you?" in html
    assert "Mondays at 10:00 am" in html  # the tier's day and the usual time
    assert "csrfmiddlewaretoken" in html
    values = [value for value, _ in page.context["time_choices"]]
    assert (values[0], values[-1], len(values)) == ("08:00", "20:30", 26)
    assert "21:00" not in values
    assert [name for _, name in page.context["day_choices"]][:2] == ["Mondays", "Tuesdays"]


def test_a_valid_choice_is_saved_and_the_next_slot_moves(
    signed_in: Client, patient: Patient
) -> None:
    response = signed_in.post(URL, {"days": ["3"], "time": "18:30"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved. We will text you then." in html
    assert "Thursdays at 6:30 pm" in html
    patient.refresh_from_db()
    assert (patient.checkin_days, patient.checkin_time) == ([3], time(18, 30))
    assert CheckinSlot.objects.get(patient=patient, status="due").local_date.weekday() == 3


def test_nothing_ticked_goes_back_to_the_tiers_own(signed_in: Client, patient: Patient) -> None:
    signed_in.post(URL, {"days": ["3"], "time": "18:30"})

    signed_in.post(URL, {"time": ""})

    patient.refresh_from_db()
    assert (patient.checkin_days, patient.checkin_time) == ([], None)


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"days": ["0", "3"]}, "days", "Your plan has 1 check-in a week: tick one day."),
        ({"days": ["9"]}, "days", "Please tick days from the list."),
        ({"time": "7pm"}, "time", "Please pick a time from the list."),
        ({"time": "22:00"}, "time", "We don't text at that time of night."),
        ({"time": "06:30"}, "time", "We don't text at that time of night."),
    ],
)
def test_an_invalid_choice_is_shown_with_its_error_and_not_saved(
    signed_in: Client, patient: Patient, data: dict[str, Any], field: str, error: str
) -> None:
    response = signed_in.post(URL, data)

    assert response.status_code == 400
    assert field in response.context["errors"]
    assert escape(error) in response.content.decode()
    patient.refresh_from_db()
    assert (patient.checkin_days, patient.checkin_time) == ([], None)


def test_a_medium_tier_patient_ticks_two_days(client: Client, clinician: Clinician) -> None:
    medium = make_patient(clinician=clinician, startback=MEDIUM_ANSWERS).patient
    sign_in(client, medium)

    one = client.post(URL, {"days": ["0"]})
    two = client.post(URL, {"days": ["0", "3"]})

    assert "Your plan has 2 check-ins a week: tick 2 days." in one.content.decode()
    assert two.status_code == 200
    medium.refresh_from_db()
    assert medium.checkin_days == [0, 3]


def test_the_page_in_spanish(signed_in: Client, patient: Patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(language="es")

    page = signed_in.get(URL)
    refused = signed_in.post(URL, {"time": "23:00"})
    saved = signed_in.post(URL, {"days": ["4"], "time": "19:00"})

    assert "¿Cuándo le enviamos mensajes?" in page.content.decode()
    assert "los lunes a las 10:00" in page.content.decode()
    assert "No enviamos mensajes a esa hora de la noche." in refused.content.decode()
    assert "los viernes a las 19:00" in saved.content.decode()


def test_a_post_without_the_csrf_token_is_refused(patient: Patient) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, patient)

    response = client.post(URL, {"days": ["3"]})

    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.checkin_days == []


def test_signed_out_visitors_are_sent_to_the_link_page(client: Client, patient: Patient) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/me/link/"
