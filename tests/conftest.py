import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Clinician, Patient
from tests.factories import Team, make_clinician, make_patient, make_team

# Hypothesis's properties here are about what the code does, not how fast: a loaded machine
# misses its 200 ms per-example deadline (speed is the benchmarks' job, as ratios).
hypothesis.settings.register_profile("selfcare", deadline=None)
hypothesis.settings.load_profile("selfcare")

TWILIO_TEST_TOKEN = "test-auth-token"
PUBLIC_BASE_URL = "https://selfcare.example.org"


# --- the clock ----------------------------------------------------------------------------------
# No test reads the wall clock without saying so. Every test runs at a stated instant (the clock
# ticks from there):
# - by default MIDDAY, daytime in every test time zone (America/*), outside quiet hours;
# - marked `any_hour`: once at each of ANY_HOUR, the hours when "today" differs between UTC and
#   the patients' zones, and the US and EU daylight-saving change days;
# - marked `wall_clock`: the real clock, for tests whose other processes (a browser, a worker, a
#   whole deployment) cannot share a travelled clock. `.ci/run` also runs the suite under
#   faketime at 07:30 UTC, the browser tests included (not the fault tests).
MIDDAY = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)  # a Monday, midday in America/Chicago
ANY_HOUR = {
    "00:30Z": datetime(2026, 12, 1, 0, 30, tzinfo=UTC),  # still yesterday in the Americas
    "07:30Z": datetime(2026, 12, 1, 7, 30, tzinfo=UTC),  # 23:30 the day before in Los Angeles
    "12:00Z": datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    "23:30Z": datetime(2026, 12, 1, 23, 30, tzinfo=UTC),  # already tomorrow in Europe and Asia
    "us-spring-forward": datetime(2026, 3, 8, 9, 30, tzinfo=UTC),  # 01:30 PST, 04:30 EDT
    "us-fall-back": datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 CDT, the repeated hour
    "eu-spring-forward": datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 CET, then 03:00 CEST
    "eu-fall-back": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST, then CET
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("any_hour"):
        metafunc.parametrize("_clock", list(ANY_HOUR.values()), ids=list(ANY_HOUR), indirect=True)


@pytest.fixture(autouse=True)
def _clock(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("wall_clock"):
        yield
        return
    with time_machine.travel(getattr(request, "param", MIDDAY), tick=True):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """A test database of this process's own, so two test runs at once (or xdist workers)
    never share one. On SQLite it is a file, not the in-memory default, so tests with
    concurrent connections lock like production instead of failing with "table is locked"."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    run = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    if database["ENGINE"].endswith("sqlite3"):
        name = str(Path(tempfile.gettempdir()) / f"selfcare_test_{run}.sqlite3")
    else:
        name = f"test_selfcare_{run}"
    database.setdefault("TEST", {})["NAME"] = name


@pytest.fixture
def clinician(db: Any) -> Clinician:
    return make_clinician(username="alice")


@pytest.fixture
def other_clinician(db: Any) -> Clinician:
    return make_clinician(username="bob")


@pytest.fixture
def patient(clinician: Clinician) -> Patient:
    return make_patient(clinician=clinician, first_name="Alma", last_name="Own").patient


@pytest.fixture
def north(db: Any) -> Team:
    """Care team "north" (tests.factories.make_team): four clinicians and one patient."""
    return make_team(name="north")


@pytest.fixture
def south(db: Any) -> Team:
    """A second care team, for what must not cross between teams."""
    return make_team(name="south")


@pytest.fixture
def other_patient(other_clinician: Clinician) -> Patient:
    return make_patient(clinician=other_clinician, first_name="Otto", last_name="Other").patient


@pytest.fixture
def api(clinician: Clinician) -> APIClient:
    """An API client signed in as `clinician`."""
    client = APIClient()
    client.force_authenticate(clinician.user)
    return client


def staff_sign_in(client: Any, user: Any) -> Any:
    """Sign `client` in as a staff user who has passed the second factor (TOTP)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client_for(client: Any) -> Any:
    """Sign the Django test client in to the admin as a given clinician (password and TOTP)."""

    def sign_in(who: Clinician) -> Any:
        return staff_sign_in(client, who.user)

    return sign_in


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> Iterator[None]:
    """Fast hashing, the locmem SMS backend with an empty outbox, a known Twilio token and
    public URL, no pacing, and Celery tasks run inline."""
    from django.core.cache import cache

    from messaging.backends import locmem
    from selfcare.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "locmem"
    settings.TWILIO_AUTH_TOKEN = TWILIO_TEST_TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.SMS_RATE_PER_SECOND = 0
    locmem.reset()
    cache.clear()  # rate-limit counters must not leak between tests
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
    locmem.reset()


def pytest_report_header() -> list[str]:
    from django.conf import settings

    return [
        f"selfcare: database {settings.DATABASES['default']['ENGINE']}, "
        f"broker {settings.CELERY_BROKER_URL.split(':', 1)[0]}, "
        f"cache {settings.CACHES['default']['BACKEND']}"
    ]
