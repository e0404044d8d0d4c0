"""The clinician's workspace in Chromium at a laptop's 1366 × 900 and a tablet's 768 × 1024:
the dashboard, the queue, an escalation, the patient record, enrollment and the pre-visit
summary each load, pass axe-core (no serious or critical violations), never scroll sideways,
show no raw keys or rule codes alone, and are kept as screenshots."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from accounts.models import Clinician, Patient
from accounts.services import totp_device
from care.web_checkin import web_checkin_record
from escalations.models import Escalation
from tests.browser.axe import assert_accessible

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.wall_clock,
]

VIEWPORTS = {"1366": {"width": 1366, "height": 900}, "768": {"width": 768, "height": 1024}}
# What must never reach a clinician's eyes: stored keys, Python lists, UTC clock times.
RAW = re.compile(r"\b(ces_symptoms|nerve_symptoms|lower_back|back_pain|leg_pain)\b|\['|\bUTC\b")


def sign_in(page: Page, live_server: Any, clinician: Clinician) -> None:
    device = totp_device(user=clinician.user)
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", clinician.user.username)
    page.fill("#id_password", "a-long-test-pass")
    page.fill("#id_otp_token", f"{token:06d}")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.fixture
def worked(patient: Patient, clinician: Clinician) -> Escalation:
    """A patient two check-ins in, the second reporting bladder changes: an emergency."""
    clinician.time_zone = "America/Chicago"
    clinician.save(update_fields=["time_zone"])
    now = timezone.now()
    web_checkin_record(
        patient=patient, answers={"back_pain": 6, "leg_pain": 4}, now=now - timedelta(days=7)
    )
    web_checkin_record(patient=patient, answers={"back_pain": 5, "ces_symptoms": True}, now=now)
    return Escalation.objects.get(patient=patient, rule="R1")


def pages(live_server: Any, patient: Patient, escalation: Escalation) -> dict[str, str]:
    admin = f"{live_server.url}/admin"
    return {
        "dashboard": f"{admin}/",
        "queue": f"{admin}/escalations/escalation/",
        "escalation": f"{admin}/escalations/escalation/{escalation.pk}/change/",
        "record": f"{admin}/accounts/patient/{patient.pk}/change/",
        "enroll": f"{admin}/accounts/patient/add/",
        "summary": f"{admin}/accounts/patient/{patient.pk}/summary/",
    }


@pytest.mark.parametrize("size", VIEWPORTS)
def test_every_workspace_page_reads_cleanly(
    page: Page,
    live_server: Any,
    clinician: Clinician,
    patient: Patient,
    worked: Escalation,
    screenshots: Path,
    console_errors: list[str],
    size: str,
) -> None:
    page.set_viewport_size(VIEWPORTS[size])
    sign_in(page, live_server, clinician)
    for name, url in pages(live_server, patient, worked).items():
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, name
        page.screenshot(path=str(screenshots / f"clinician-{name}-{size}.png"), full_page=True)
        shown = page.locator("#content").inner_text()
        assert not RAW.search(shown), f"{name} shows {RAW.search(shown)!r}"
        sideways = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        assert not page.evaluate(sideways), f"{name} scrolls sideways at {size} px"
        assert_accessible(page, f"{name} at {size} px")
    expect(page.get_by_role("button", name=re.compile("Enroll"))).to_be_visible()
    assert not [e for e in console_errors if "Content Security Policy" in e]
