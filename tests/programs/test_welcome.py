"""The welcome SMS at enrollment: what SelfCare is, LINK, HELP, STOP and a sign-in link, in the
patient's language, only with consent."""

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from messaging.models import Message, Priority
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import enrollment_body


def enroll(api: APIClient, **overrides: Any) -> Message | None:
    response = api.post("/api/v1/patients/", enrollment_body(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return Message.objects.filter(patient_id=response.json()["id"], template="welcome").first()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["SelfCare", "Sign in", "LINK", "HELP", "STOP", "911"]),
        ("es", ["SelfCare", "Entre", "ENLACE", "AYUDA", "STOP", "911"]),
    ],
)
def test_a_consenting_patient_is_welcomed_in_their_language_with_a_sign_in_link(
    api: APIClient, language: str, words: list[str]
) -> None:
    welcome = enroll(api, language=language)

    assert welcome is not None
    for word in words:
        assert word in welcome.body
    assert f"{PUBLIC_BASE_URL}/me/login/?t=" in welcome.body
    assert welcome.priority == Priority.REPLY  # now: the patient is usually still in the clinic


def test_no_welcome_without_sms_consent(api: APIClient) -> None:
    assert enroll(api, sms_consent=False) is None
    assert not Message.objects.exists()


def test_at_night_the_welcome_waits_for_the_morning_without_a_link_that_would_expire(
    api: APIClient,
) -> None:
    with time_machine.travel(datetime(2026, 12, 2, 5, 0, tzinfo=UTC), tick=True):  # 23:00 CST
        welcome = enroll(api, timezone="America/Chicago")

    assert welcome is not None
    assert welcome.priority == Priority.BULK  # held for the end of quiet hours
    assert "/me/login/" not in welcome.body
    assert "Text LINK to sign in" in welcome.body
