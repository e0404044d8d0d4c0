"""No message bodies, names or full phone numbers in the logs of an end-to-end run."""

import logging
from typing import Any

import pytest
from django.test import Client

from accounts.models import Patient
from checkins.services import checkin_start
from tests.messaging.helpers import text_in


def test_an_end_to_end_run_logs_no_phi(
    client: Client,
    patient: Patient,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [patient.first_name, patient.last_name, str(patient.phone), str(patient.phone)[2:]]
    bodies = ["my back is at 9 today", "yes", "I want to die", "stop texting me please"]

    with django_capture_on_commit_callbacks(execute=True):
        checkin_start(patient=patient)
        for body in ["9", "8", "1"]:  # back pain, leg pain, a red flag: emergency path
            text_in(client, sender=str(patient.phone), body=body)
        for body in bodies:
            text_in(client, sender=str(patient.phone), body=body)
        text_in(client, sender="+12025550999", body="who is this? I am Jane Doe")
        client.post("/me/link/", {"phone": str(patient.phone)})

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # the run did log: ids and redacted numbers
    for secret in [*secrets, *bodies, "Jane Doe", "+12025550999", "who is this"]:
        assert secret not in logged, secret
