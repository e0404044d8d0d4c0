"""The Celery app: tasks run eagerly when asked, and a real worker consumes from the configured
broker: the filesystem broker of the embedded run, or Redis when CELERY_BROKER_URL says so."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from selfcare.celery import app, ping

ROOT = Path(__file__).resolve().parents[2]


def test_eager_mode_runs_the_task_inline() -> None:
    app.conf.task_always_eager = True
    try:
        assert ping.delay().get(timeout=1) == "pong"
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def worker_env(tmp_path: Path) -> dict[str, str]:
    broker = settings.CELERY_BROKER_URL
    backend = broker if broker.startswith("redis") else f"file://{tmp_path / 'results'}"
    (tmp_path / "results").mkdir()
    return {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "DJANGO_SETTINGS_MODULE": "selfcare.settings",
    }


@pytest.fixture
def worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """A real worker with embedded beat, consuming a queue of its own; yields the queue name."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "selfcare",
            "worker",
            "--beat",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=worker_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        assert "beat: Starting" in output, output


@pytest.mark.slow
def test_a_real_worker_answers_the_ping_task_through_the_configured_broker(
    worker: str, worker_env: dict[str, str]
) -> None:
    producer = (
        "from selfcare.celery import ping; "
        f"print(ping.apply_async(queue={worker!r}).get(timeout=60))"
    )
    result = subprocess.run(
        [sys.executable, "-c", producer],
        env=worker_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pong"


def test_celery_task_always_eager_from_the_environment_runs_tasks_without_a_broker() -> None:
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "True",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",  # nothing listens there
        "DJANGO_SETTINGS_MODULE": "selfcare.settings",
    }
    script = "from selfcare.celery import ping; print(ping.delay().get(timeout=5))"

    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pong"
