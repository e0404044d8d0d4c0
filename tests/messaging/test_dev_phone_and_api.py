"""The development phone and GET /api/v1/patients/{id}/messages/."""

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Clinician, Patient
from messaging.backends import locmem
from messaging.models import Message, Status
from tests.messaging.helpers import text_in

URL = "/dev/phone/"


@pytest.fixture
def debug(settings: Any) -> None:
    settings.DEBUG = True


def test_a_reply_typed_on_the_dev_phone_goes_through_the_webhook_path(
    debug: None, admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    client = admin_client_for(clinician)

    response = client.post(URL, {"patient": patient.pk, "body": "HELP"}, follow=True)

    assert response.status_code == 200
    inbound = Message.objects.get(direction="in")
    assert inbound.provider_sid.startswith("SMdev")
    assert inbound.patient == patient
    assert inbound.processed_at is not None
    [reply] = locmem.outbox  # the same safety reply a real HELP gets
    assert "emergency department" in reply.body
    page = response.content.decode()
    assert "HELP" in page
    assert "emergency department" in page


def test_the_dev_phone_stop_opts_out_like_a_real_text(
    debug: None, admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    admin_client_for(clinician).post(URL, {"patient": patient.pk, "body": "STOP"})

    patient.refresh_from_db()
    assert patient.sms_consent == "opted_out"


def test_the_dev_phone_lists_only_your_patients(
    debug: None,
    admin_client_for: Any,
    clinician: Clinician,
    patient: Patient,
    other_patient: Patient,
) -> None:
    client = admin_client_for(clinician)

    page = client.get(URL).content.decode()

    assert "Alma Own" in page
    assert "Otto" not in page
    assert client.post(URL, {"patient": other_patient.pk, "body": "STOP"}).status_code == 404
    other_patient.refresh_from_db()
    assert other_patient.sms_consent == "active"


def test_the_dev_phone_does_not_exist_outside_debug(
    settings: Any, admin_client_for: Any, clinician: Clinician
) -> None:
    settings.DEBUG = False

    assert admin_client_for(clinician).get(URL).status_code == 404


def test_the_dev_phone_needs_a_staff_sign_in(debug: None, client: Client, db: Any) -> None:
    assert client.get(URL).status_code == 302


def test_messages_api_lists_the_conversation_newest_first(
    api: APIClient, client: Client, patient: Patient
) -> None:
    text_in(client, sender=str(patient.phone), body="HELP")

    response = api.get(f"/api/v1/patients/{patient.pk}/messages/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["direction"], r["status"]) for r in rows] == [
        ("out", "queued"),
        ("in", "received"),
        ("out", "cancelled"),  # the welcome at enrollment (the factory takes it out of the way)
    ]
    assert rows[2]["body"].startswith("SelfCare, from your care team")
    assert rows[1]["body"] == "HELP"
    assert set(rows[0]) >= {"direction", "body", "status", "created_at"}


def test_messages_api_of_another_clinicians_patient_is_404(
    api: APIClient, other_patient: Patient
) -> None:
    assert api.get(f"/api/v1/patients/{other_patient.pk}/messages/").status_code == 404


def test_messages_api_queries_do_not_grow_with_the_conversation(
    api: APIClient, patient: Patient, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        Message.objects.create(
            direction="in",
            patient=patient,
            phone=str(patient.phone),
            provider_sid=f"SM{n}",
            status=Status.RECEIVED,
            body=str(n),
        )
    api.get(f"/api/v1/patients/{patient.pk}/messages/")  # loads the clinician's permissions
    with django_assert_max_num_queries(4):  # patient, audit row, count, page
        api.get(f"/api/v1/patients/{patient.pk}/messages/")
