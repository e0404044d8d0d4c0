"""Fixtures for the fault tests: a private PostgreSQL cluster for the session, and per test a
fresh database, a private Redis, a Twilio mock and the deployment's processes."""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import (
    Deployment,
    PrivatePostgres,
    PrivateRedis,
    TwilioMock,
    missing_tools,
)

TEMPLATE = "selfcare_faults_template"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.wall_clock)  # a whole deployment of other processes


@pytest.fixture(scope="session")
def postgres() -> Iterator[PrivatePostgres]:
    if missing := missing_tools():
        message = f"fault tests need {', '.join(missing)} (scripts/bootstrap lists them)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI they must run, never quietly skip
        pytest.skip(message)
    cluster = PrivatePostgres()
    cluster.init()
    try:
        cluster.execute(f"CREATE DATABASE {TEMPLATE}")
        setup = Deployment(
            database_url=cluster.url(TEMPLATE),
            broker_url="redis://127.0.0.1:9",  # never reached: migrate sends no tasks
            twilio=TwilioMock(),
            log_dir=cluster.dir,
        )
        setup.manage("migrate", "--noinput", "-v", "0")
        setup.manage("loadprograms")
        yield cluster
    finally:
        cluster.destroy()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def stack(postgres: PrivatePostgres, request: pytest.FixtureRequest) -> Iterator[Deployment]:
    database = f"faults_{uuid.uuid4().hex[:10]}"
    postgres.execute(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}")
    redis = PrivateRedis()
    redis.start()
    twilio = TwilioMock()
    twilio.start()
    log_dir = Path(tempfile.mkdtemp(prefix="selfcare-faults-logs-"))
    deployed = Deployment(
        database_url=postgres.url(database),
        broker_url=redis.url,
        twilio=twilio,
        log_dir=log_dir,
        # A fast sweeper, and a stuck send retried after 20 s: well above the mock's callback
        # delay even with its retries, as production's 10 minutes are above Twilio's.
        extra_env={"OUTBOX_SWEEP_SECONDS": "2", "SMS_STUCK_AFTER_SECONDS": "20"},
        redis=redis,
        postgres=postgres,
    )
    try:
        yield deployed
    finally:
        deployed.stop_all()
        if request.node.stash.get(FAILED, False):
            print(f"\n--- deployment logs ({log_dir}) ---\n{deployed.logs()[-20000:]}")
        twilio.stop()
        redis.stop()
        postgres.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(log_dir, ignore_errors=True)
