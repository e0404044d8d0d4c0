"""A clinician signs in with password and TOTP, works an emergency escalation, reads the trail."""

from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from accounts.models import Clinician, Patient
from accounts.services import totp_device
from escalations.rules import Hit, Severity
from escalations.services import escalate

# A browser is another process: it shares the real clock only.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.wall_clock,
]


def code(clinician: Clinician) -> str:
    device = totp_device(user=clinician.user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_the_queue_in_chromium(
    page: Page,
    live_server: Any,
    clinician: Clinician,
    patient: Patient,
    screenshots: Path,
    console_errors: list[str],
) -> None:
    emergency = escalate(
        patient=patient, hit=Hit("R1", Severity.EMERGENCY, "Possible cauda equina symptoms.")
    )
    escalate(patient=patient, hit=Hit("R23", Severity.H72, "Asked to hear from the care team."))
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "a-long-test-pass")
    page.fill("#id_otp_token", code(clinician))
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/escalations/escalation/")
    expect(page.get_by_role("link", name="Possible cauda equina symptoms.")).to_be_visible()
    expect(page.locator("#result_list .severity", has_text="Emergency")).to_be_visible()
    expect(page.get_by_role("link", name=f"call ··{str(patient.phone)[-4:]}").first).to_be_visible()
    # The whole row fits the window: nothing scrolled off to the right.
    fits = "document.querySelector('#result_list').scrollWidth <= "
    fits += "document.querySelector('#changelist .results').clientWidth"
    assert page.evaluate(fits), "the queue's columns scroll off to the right"
    page.screenshot(path=str(screenshots / "clinician-queue-1366.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/escalations/escalation/{emergency.pk}/change/")
    page.fill("#id_resolution_note", "Phoned; patient on the way to the emergency department.")
    page.get_by_role("button", name="Resolve with the note").click()
    emergency.refresh_from_db()
    assert emergency.status == "resolved"

    page.goto(f"{live_server.url}/admin/accounts/auditevent/")
    expect(page.get_by_text(f"escalation {emergency.pk}").first).to_be_visible()
    page.screenshot(path=str(screenshots / "clinician-audit-1366.png"), full_page=True)
    assert not [e for e in console_errors if "Content Security Policy" in e]
