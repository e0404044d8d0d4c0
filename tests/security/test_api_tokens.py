"""Finding 3: API tokens need the second factor, go only to clinicians, are stored hashed,
expire, and can be revoked."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Clinician, Patient, User
from tests.accounts.test_staff_security import current_code

PASSWORD = "a-long-test-pass"


def ask(body: dict[str, Any]) -> Any:
    return APIClient().post("/api/v1/auth/token/", body, format="json")


def token_for(clinician: Clinician) -> str:
    response = ask({"username": "alice", "password": PASSWORD, "otp": current_code(clinician)})
    assert response.status_code == 200, response.json()
    return str(response.json()["token"])


def reads_patients(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return int(client.get("/api/v1/patients/").status_code)


def test_a_password_alone_gets_no_token(clinician: Clinician) -> None:
    response = ask({"username": "alice", "password": PASSWORD})

    assert response.status_code == 400
    assert response.json()["otp"] == ["This field is required."]
    assert not AuthToken.objects.exists()


def test_a_wrong_code_gets_no_token(clinician: Clinician) -> None:
    wrong = "000000" if current_code(clinician) != "000000" else "111111"

    response = ask({"username": "alice", "password": PASSWORD, "otp": wrong})

    assert response.status_code == 400
    assert "not right" in response.json()["non_field_errors"][0]
    assert not AuthToken.objects.exists()


def test_password_and_code_get_a_token_that_reads_the_api(
    clinician: Clinician, patient: Patient
) -> None:
    response = ask({"username": "alice", "password": PASSWORD, "otp": current_code(clinician)})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert reads_patients(body["token"]) == 200


def test_tokens_are_stored_only_as_a_digest(clinician: Clinician) -> None:
    token = token_for(clinician)

    [row] = AuthToken.objects.all()
    assert token not in row.digest
    assert row.token_key == token[: len(row.token_key)]  # a prefix to find it, not the token


def test_a_token_expires(clinician: Clinician, patient: Patient) -> None:
    token = token_for(clinician)

    with time_machine.travel(timezone.now() + timedelta(hours=10, minutes=1)):
        assert reads_patients(token) == 401


def test_a_token_can_be_revoked(clinician: Clinician, patient: Patient) -> None:
    token = token_for(clinician)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert reads_patients(token) == 401


def test_staff_who_are_not_clinicians_get_no_token(db: Any) -> None:
    staff = User.objects.create_user(username="ops", password=PASSWORD, is_staff=True)
    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

    response = ask({"username": "ops", "password": PASSWORD, "otp": code})

    assert response.status_code == 400
    assert not AuthToken.objects.exists()


def test_a_clinician_holds_a_few_live_tokens_at_most(clinician: Clinician) -> None:
    for _ in range(5):
        AuthToken.objects.create(user=clinician.user)

    response = ask({"username": "alice", "password": PASSWORD, "otp": current_code(clinician)})

    assert response.status_code == 400
    assert "revoke one" in response.json()["non_field_errors"][0]


@pytest.mark.parametrize("header", ["Token not-a-real-token", "Token ", "Bearer abc"])
def test_a_bad_token_is_a_401_with_its_challenge(
    clinician: Clinician, patient: Patient, header: str
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/patients/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
