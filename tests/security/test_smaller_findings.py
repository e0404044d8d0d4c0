"""Finding 7: the smaller findings, one test each."""

import hashlib
import importlib.util
import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Clinician, Patient
from messaging.backends import locmem
from messaging.models import Message
from selfcare.net import keyed_digest
from tests.conftest import staff_sign_in

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_config() -> Any:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_decoded_newline_cannot_forge_an_access_log_line() -> None:
    from gunicorn.config import Config

    conf = gunicorn_config()
    config = Config()
    config.set("access_log_format", conf.access_log_format)
    logger = conf.AccessLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/me/%0a127.0.0.1%20%22GET%20/admin/%22%20200?t=secret-token",
        "PATH_INFO": '/me/\n127.0.0.1 "GET /admin/" 200',  # what gunicorn decodes it to
        "QUERY_STRING": "t=secret-token",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.5",
    }
    response = SimpleNamespace(status="404 Not Found", sent=10, headers=[])
    request_time = timedelta(milliseconds=3)

    line = conf.access_log_format % logger.atoms(response, [], environ, request_time)

    assert "\n" not in line
    assert "/me/%0a127.0.0.1" in line
    assert "secret-token" not in line


def test_api_answers_with_patient_data_are_never_cached(api: APIClient, patient: Patient) -> None:
    response = api.get(f"/api/v1/patients/{patient.pk}/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_staff_sessions_end_at_their_absolute_age_however_active(
    settings: Any, client: Client, clinician: Clinician
) -> None:
    settings.STAFF_SESSION_MAX_AGE = 60 * 60
    staff_sign_in(client, clinician.user)
    start = timezone.now()

    for minutes in (10, 20, 30, 40, 50):  # busy: never idle for 15 minutes
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/admin/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=61)):
        response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def cache_keys() -> list[Any]:
    """Every key in the default cache, local memory or Redis (CI runs both)."""
    client = cache._cache  # type: ignore[attr-defined]
    if hasattr(client, "get_client"):  # Django's RedisCache
        return list(client.get_client(write=False).keys("*"))
    return list(client)


def test_phone_numbers_are_not_cache_keys(
    client: Client, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/link/", {"phone": str(patient.phone)})

    keys = " ".join(str(key) for key in cache_keys())
    digits = str(patient.phone).lstrip("+")
    assert keys  # the limits were counted
    assert digits not in keys
    unkeyed = hashlib.sha256(str(patient.phone).encode()).hexdigest()
    assert keyed_digest(str(patient.phone)) != unkeyed  # not found by hashing every number


def test_send_me_a_link_does_the_same_work_for_known_and_unknown_numbers(
    client: Client,
    patient: Patient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queued: list[int | None] = []
    monkeypatch.setattr("programs.tasks.login_link_send_task.delay", queued.append)

    def ask(phone: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post("/me/link/", {"phone": phone}).status_code == 200
        return len(queries)

    known, unknown = ask(str(patient.phone)), ask("+14155550999")

    assert known == unknown  # the same queries either way
    assert queued == [patient.pk, None]  # one task each: the worker does the rest
    assert locmem.outbox == []  # nothing is sent in the request
    assert not Message.objects.filter(template="login_link").exists()


def test_the_worker_sends_the_requested_link(patient: Patient) -> None:
    from programs.tasks import login_link_send_task

    assert login_link_send_task(patient.pk) is True
    assert login_link_send_task(None) is False
    assert Message.objects.filter(patient=patient, template="login_link").count() == 1


def test_healthz_tells_the_public_only_up_or_down(client: Client, db: Any) -> None:
    body = client.get("/healthz").json()

    assert body == {"status": "ok"}


def test_healthz_details_for_verified_staff_and_for_the_monitors_token(
    settings: Any, client: Client, clinician: Clinician
) -> None:
    settings.HEALTHZ_TOKEN = "monitor-" + "m" * 30

    wrong = Client().get("/healthz", headers={"Authorization": "Bearer monitor-guess"}).json()
    monitor = Client().get(
        "/healthz", headers={"Authorization": f"Bearer {settings.HEALTHZ_TOKEN}"}
    )
    staff = staff_sign_in(client, clinician.user).get("/healthz")

    assert "checks" not in wrong
    assert set(monitor.json()["checks"]) == {"database", "broker", "cache"}
    assert staff.json()["checks"]["database"]["status"] == "ok"


def test_no_sign_in_token_reaches_the_logs(
    client: Client, patient: Patient, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.messaging.helpers import text_in

    caplog.set_level(logging.DEBUG)
    text_in(client, sender=str(patient.phone), body="LINK")

    [sms] = locmem.outbox
    token = sms.body.split("t=")[1].split()[0]
    assert token not in caplog.text
