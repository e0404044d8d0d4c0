"""Staff sign-in: password and TOTP, lockout after repeated failures, idle timeout."""

from datetime import timedelta
from typing import Any

import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from accounts.models import Clinician
from accounts.services import totp_device
from tests.conftest import staff_sign_in

LOGIN = "/admin/login/?next=/admin/"


def current_code(clinician: Clinician) -> str:
    device = totp_device(user=clinician.user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_a_password_alone_does_not_open_the_admin(client: Client, clinician: Clinician) -> None:
    client.force_login(clinician.user)  # password checked, no second factor

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_password_and_totp_sign_in(client: Client, clinician: Clinician) -> None:
    response = client.post(
        LOGIN,
        {"username": "alice", "password": "a-long-test-pass", "otp_token": current_code(clinician)},
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_wrong_totp_code_is_refused(client: Client, clinician: Clinician) -> None:
    wrong = "000000" if current_code(clinician) != "000000" else "111111"

    response = client.post(
        LOGIN, {"username": "alice", "password": "a-long-test-pass", "otp_token": wrong}
    )

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_repeated_failures_lock_the_account_out(client: Client, clinician: Clinician) -> None:
    for _ in range(5):
        client.post(
            LOGIN, {"username": "alice", "password": "wrong-password", "otp_token": "123456"}
        )

    response = client.post(
        LOGIN,
        {"username": "alice", "password": "a-long-test-pass", "otp_token": current_code(clinician)},
    )

    assert response.status_code in (403, 429)
    assert client.get("/admin/").status_code == 302


def test_staff_sessions_end_after_15_minutes_idle(client: Client, clinician: Clinician) -> None:
    staff_sign_in(client, clinician.user)
    assert client.get("/admin/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.get("/admin/").status_code == 302


def test_a_clinician_without_the_groups_permissions_sees_nothing(
    client: Client, clinician: Clinician, patient: Any
) -> None:
    clinician.user.groups.remove(Group.objects.get(name="Clinicians"))
    staff_sign_in(client, clinician.user)

    index = client.get("/admin/")

    assert "Patients" not in index.content.decode()
    assert client.get("/admin/accounts/patient/").status_code == 403
    assert client.get(f"/admin/accounts/patient/{patient.pk}/change/").status_code in (403, 404)
    assert client.get("/admin/escalations/escalation/").status_code == 403
