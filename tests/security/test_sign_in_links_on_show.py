"""Finding 4: no live sign-in link is stored or shown; the patient's phone gets one that
works, made as the SMS leaves."""

import re
from importlib import import_module
from typing import Any

from django.apps import apps as installed_apps
from django.test import Client

from accounts.models import Clinician, Patient
from care.record import SIGN_IN_LINK_SHOWN
from messaging.backends import locmem
from messaging.models import Message
from tests.messaging.helpers import text_in

REDACTED = "/me/login/?t=[link]"
LIVE = re.compile(r"https?://\S+/me/login/\?t=([A-Za-z0-9_\-.:]{20,})")


def texted_link(client: Client, patient: Patient) -> Message:
    text_in(client, sender=str(patient.phone), body="LINK")
    return Message.objects.get(patient=patient, template="login_link")


def test_the_stored_body_holds_no_token_and_the_sent_one_signs_in(
    client: Client, patient: Patient
) -> None:
    stored = texted_link(client, patient)

    assert REDACTED in stored.body
    assert not LIVE.search(stored.body)
    [sms] = locmem.outbox
    token = LIVE.search(sms.body).group(1)  # type: ignore[union-attr]
    page = client.get(f"/me/login/?t={token}")
    signed_in = client.post("/me/login/", {"t": token, "nonce": page.context["nonce"]})
    assert signed_in.status_code == 302


def test_the_api_shows_the_link_redacted(client: Client, api: Any, patient: Patient) -> None:
    texted_link(client, patient)

    rows = api.get(f"/api/v1/patients/{patient.pk}/messages/").json()["results"]

    bodies = " ".join(row["body"] for row in rows)
    assert REDACTED in bodies
    assert not LIVE.search(bodies)


def test_the_admin_timeline_shows_no_sign_in_link_at_all(
    client: Client, admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    texted_link(client, patient)
    staff = admin_client_for(clinician)

    html = staff.get(f"/admin/accounts/patient/{patient.pk}/change/").content.decode()

    assert SIGN_IN_LINK_SHOWN in html  # the clinician sees that a link went, not the link
    assert REDACTED not in html
    assert not LIVE.search(html)


def test_the_welcome_is_stored_redacted(api: Any, django_capture_on_commit_callbacks: Any) -> None:
    from tests.programs.test_welcome import enroll

    with django_capture_on_commit_callbacks(execute=True):
        welcome = enroll(api)

    assert welcome is not None
    assert REDACTED in welcome.body
    [sms] = locmem.outbox
    assert LIVE.search(sms.body)


def test_messages_stored_before_the_fix_are_redacted_by_the_migration(patient: Patient) -> None:
    old = Message.objects.create(
        direction="out",
        patient=patient,
        phone=str(patient.phone),
        body="Sign in: https://selfcare.example.org/me/login/?t=AbC123_-xyzAbC123_-xyz9 (10 min)",
        template="login_link",
    )
    migration = import_module("messaging.migrations.0005_redact_sign_in_links")

    migration.redact(installed_apps, None)

    old.refresh_from_db()
    assert old.body == f"Sign in: https://selfcare.example.org{REDACTED} (10 min)"
