"""The Celery application. Tasks live in each app's tasks.py and are discovered from there."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")

app = Celery("selfcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="selfcare.ping")
def ping() -> str:
    """Answer "pong": proves a worker is consuming from the configured broker.

    Operators can run `celery -A selfcare call selfcare.ping` and read the result.
    """
    return "pong"
