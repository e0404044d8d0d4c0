"""Finding 1: no one can shut patients out by opening bad sign-in links, and finding 2: every
per-address limit keys on the real client address, read from X-Forwarded-For only as far as
TRUSTED_PROXIES allows."""

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from accounts.models import Patient
from accounts.services import patient_login_url
from messaging.backends import locmem
from selfcare.net import client_address

PROXY = "10.0.0.2"  # the TLS proxy in front of gunicorn: every request comes from it


def open_link(client: Client, token: str, **headers: str) -> Any:
    """What a patient does: open the link from the SMS (GET), tap Continue (POST)."""
    page = client.get(f"/me/login/?t={token}", headers=headers, REMOTE_ADDR=PROXY)
    nonce = page.context["nonce"] if page.context and "nonce" in page.context else ""
    return client.post(
        "/me/login/", {"t": token, "nonce": nonce}, headers=headers, REMOTE_ADDR=PROXY
    )


def attacker_opens_garbage(times: int, address: str) -> None:
    attacker = Client()
    for n in range(times):
        open_link(attacker, f"garbage-{n}", x_forwarded_for=address)


def test_bad_links_do_not_lock_out_a_patients_valid_link(client: Client, patient: Patient) -> None:
    attacker_opens_garbage(8, address=PROXY)  # no proxy configured: all share REMOTE_ADDR

    response = open_link(client, patient_login_url(patient=patient).split("t=")[1])

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert not AccessAttempt.objects.exists()  # django-axes never saw a patient's link


def test_a_bad_link_gets_the_ask_for_a_new_one_page(client: Client, db: Any) -> None:
    response = open_link(client, "not-a-real-token")

    assert response.status_code == 200
    page = response.content.decode()
    assert "expired or was already used" in page
    assert "/me/link/" in page


def test_an_address_opening_many_bad_links_is_asked_to_wait_and_others_are_not(
    settings: Any, client: Client, patient: Patient
) -> None:
    settings.TRUSTED_PROXIES = 1
    attacker_opens_garbage(25, address="198.51.100.7")

    blocked = open_link(Client(), "garbage-again", x_forwarded_for="198.51.100.7")
    mine = open_link(
        client, patient_login_url(patient=patient).split("t=")[1], x_forwarded_for="203.0.113.5"
    )

    assert blocked.status_code == 429
    assert "wait 15 minutes" in blocked.content.decode()
    assert mine.status_code == 302


def test_with_the_cache_down_valid_links_still_sign_in(
    client: Client, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "get", down)

    response = open_link(client, patient_login_url(patient=patient).split("t=")[1])

    assert response.status_code == 302  # the links are signed: the limit steps aside


@pytest.mark.parametrize(
    ("proxies", "forwarded", "seen"),
    [
        (0, "203.0.113.5", PROXY),  # header not trusted without the setting
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.1.1.1, 203.0.113.5", "203.0.113.5"),  # the client wrote 1.1.1.1 itself
        (2, "203.0.113.5, 10.0.0.9", "203.0.113.5"),  # a CDN in front of our proxy
        (1, "not-an-address", PROXY),
        (1, "", PROXY),
    ],
)
def test_the_client_address_is_read_as_far_as_proxies_are_trusted(
    settings: Any, rf: Any, proxies: int, forwarded: str, seen: str
) -> None:
    settings.TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == seen


def ask_for_link(phone: str, address: str) -> None:
    Client().post(
        "/me/link/", {"phone": phone}, REMOTE_ADDR=PROXY, headers={"x_forwarded_for": address}
    )


def test_link_requests_are_limited_per_real_address_behind_the_proxy(
    settings: Any,
    patient: Patient,
    other_patient: Patient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TRUSTED_PROXIES = 1
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):  # five unknown numbers from one address use up its allowance
            ask_for_link(f"+1415555{n:04d}", address="198.51.100.7")  # no patient has these
        ask_for_link(str(patient.phone), address="198.51.100.7")
        ask_for_link(str(other_patient.phone), address="203.0.113.5")  # someone else

    assert [sms.to for sms in locmem.outbox] == [str(other_patient.phone)]


def test_staff_lockout_keys_on_the_real_address(settings: Any, clinician: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    attacker = Client()
    for _ in range(5):
        attacker.post(
            "/admin/login/?next=/admin/",
            {"username": "alice", "password": "wrong", "otp_token": "123456"},
            REMOTE_ADDR=PROXY,
            headers={"x_forwarded_for": "198.51.100.7"},
        )

    [attempt] = AccessAttempt.objects.all()
    assert attempt.ip_address == "198.51.100.7"
