"""Clinician alert email through a real SMTP server (aiosmtpd), and while it is down."""

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.utils import timezone

from accounts.models import Patient
from escalations.models import Notification
from escalations.notifications import email_backoff
from escalations.rules import Hit, Severity
from escalations.services import escalate
from escalations.sweeps import emails_sweep
from messaging.backends import locmem


class Inbox:
    """An aiosmtpd handler that keeps what it is sent."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server(settings: Any) -> Iterator[MailServer]:
    """A real SMTP server on a free port, not yet started; SelfCare's mailer points at it."""
    server = MailServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()


def test_the_clinician_alert_reaches_a_real_smtp_server_without_patient_details(
    mail_server: MailServer, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    mail_server.start()

    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(patient=patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))

    [envelope] = mail_server.inbox.envelopes
    assert envelope.rcpt_tos == [patient.clinician.email]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "SelfCare: emergency escalation to review"
    text = message.get_content()
    assert f"/admin/escalations/escalation/{escalation.pk}/change/" in text
    assert patient.first_name not in text
    assert patient.last_name not in text
    assert str(patient.phone) not in text
    email = Notification.objects.get(escalation=escalation, channel="email")
    assert email.sent_at is not None
    assert email.attempts == 1


def test_the_alert_says_the_due_time_on_the_clinicians_own_clock(
    mail_server: MailServer, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    mail_server.start()
    patient.clinician.time_zone = "Asia/Tokyo"  # the clinic's is another (UTC in the tests)
    patient.clinician.save(update_fields=["time_zone"])

    with django_capture_on_commit_callbacks(execute=True):
        escalate(patient=patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))

    [envelope] = mail_server.inbox.envelopes
    text = message_from_bytes(envelope.content, policy=policy.default).get_content()
    due = (timezone.now() + timedelta(hours=1)).astimezone(patient.clinician.zone)
    assert f"is due by {due:%Y-%m-%d %H:%M} JST." in text
    [alert] = [m for m in locmem.outbox if m.to == str(patient.clinician.phone)]
    assert f"{due:%H:%M} JST" in alert.body


def test_with_the_mail_server_down_the_sms_goes_once_and_the_email_waits_for_it(
    mail_server: MailServer,
    patient: Patient,
    django_capture_on_commit_callbacks: Any,
    caplog: Any,
) -> None:
    # The server is down (nothing listens on its port) when the emergency is raised.
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(patient=patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))

    clinician_phone = str(patient.clinician.phone)
    assert [m.to for m in locmem.outbox].count(clinician_phone) == 1  # the SMS alert went
    email = Notification.objects.get(escalation=escalation, channel="email")
    assert email.sent_at is None  # nothing recorded as sent that was not
    assert email.attempts == 1
    assert "not sent (attempt 1: ConnectionRefusedError)" in caplog.text
    assert patient.clinician.email not in caplog.text

    # Retried with backoff: not before the first minute; a second failure waits two.
    raised = timezone.now()
    with time_machine.travel(raised + timedelta(seconds=30), tick=False):
        assert emails_sweep() == 0
    email.refresh_from_db()
    assert email.attempts == 1
    with time_machine.travel(raised + timedelta(minutes=1, seconds=1), tick=False):
        assert emails_sweep() == 0
    email.refresh_from_db()
    assert email.attempts == 2
    assert email.next_attempt_at >= raised + timedelta(minutes=1) + email_backoff(2)

    # The server comes back: the next due sweep sends it, once.
    mail_server.start()
    with time_machine.travel(raised + timedelta(minutes=4), tick=False):
        assert emails_sweep() == 1
        assert emails_sweep() == 0
    email.refresh_from_db()
    assert email.sent_at is not None
    assert len(mail_server.inbox.envelopes) == 1
    assert [m.to for m in locmem.outbox].count(clinician_phone) == 1  # and no second SMS


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [email_backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]
