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
def worked(patient: Patient, clinician: Clinician, settings: Any) -> Escalation:
    """A patient two check-ins in, the second reporting bladder changes: an emergency. The
    clinic is in New York, the clinician in Chicago."""
    settings.CLINIC_TIME_ZONE = "America/New_York"
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
        if name == "queue":  # every column in view, none scrolled off inside the table
            fits = "document.querySelector('#result_list').scrollWidth <= "
            fits += "document.querySelector('#changelist .results').clientWidth"
            assert page.evaluate(fits), f"the queue's columns scroll off at {size} px"
        assert_accessible(page, f"{name} at {size} px")
    # Printed, the summary is the summary alone: no admin header, breadcrumbs or buttons.
    page.goto(pages(live_server, patient, worked)["summary"])
    page.emulate_media(media="print")
    expect(page.locator("#header")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_text("Responder (Ostelo 2008)")).to_be_visible()
    page.screenshot(path=str(screenshots / f"clinician-summary-print-{size}.png"), full_page=True)
    assert not [e for e in console_errors if "Content Security Policy" in e]


def test_enrolling_in_one_pass_with_the_body_outline(
    page: Page,
    live_server: Any,
    clinician: Clinician,
    screenshots: Path,
    console_errors: list[str],
    settings: Any,
) -> None:
    settings.CLINIC_TIME_ZONE = "America/New_York"
    page.set_viewport_size(VIEWPORTS["1366"])
    sign_in(page, live_server, clinician)
    page.goto(f"{live_server.url}/admin/accounts/patient/add/")

    # A click on the drawing ticks the checkbox; the checkbox colours the drawing.
    page.locator('.body-outline.picker rect[data-site="lower_back"]').click()
    expect(page.get_by_label("Lower back")).to_be_checked()
    page.get_by_label("Left buttock or leg").check()
    expect(page.locator('.body-outline rect[data-site="left_buttock_leg"]').first).to_have_class(
        re.compile(r"\bon\b")
    )
    # "Other…" reveals the whole list of zones.
    expect(page.locator('select[name="timezone_other"]')).to_be_hidden()
    page.select_option('select[name="timezone"]', "other")
    expect(page.locator('select[name="timezone_other"]')).to_be_visible()
    page.select_option('select[name="timezone_other"]', "Europe/London")

    page.fill("#id_phone", "(201) 555-0123")  # a US number, for a patient in London
    page.get_by_role("button", name="Enroll and stratify").click()

    # Every error at once: the names, the phone for London, the unanswered items.
    expect(page.locator(".errornote")).to_be_visible()  # the answer page, not the form sent
    errors = page.locator(".errorlist").all_inner_texts()
    assert len(errors) >= 4, errors
    expect(page.get_by_text(re.compile("not valid for a patient in UK"))).to_be_visible()
    expect(page.get_by_label("Lower back")).to_be_checked()  # nothing typed is lost
    page.screenshot(path=str(screenshots / "clinician-enroll-errors-1366.png"), full_page=True)

    page.fill("#id_first_name", "Ana")
    page.fill("#id_last_name", "García")
    page.fill("#id_phone", "07400 123456")
    page.locator("label", has_text="English").first.check()
    page.get_by_label("Yes: the patient agreed to receive SMS from SelfCare").check()
    for item in range(1, 9):
        page.locator(f'input[name="item_{item}"][value="1"]').check()
    page.locator('input[name="item_9"][value="3"]').check()
    page.fill("#id_back_pain", "6")
    page.fill("#id_leg_pain", "7")
    for flag in page.locator('input[type="radio"][value="False"]').all():
        if flag.get_attribute("name") != "sms_consent":
            flag.check()
    page.get_by_role("button", name="Enroll and stratify").click()

    expect(
        page.get_by_text(re.compile(r"Enrolled Ana García: STarT Back total \d of 9"))
    ).to_be_visible()
    patient = Patient.objects.get(first_name="Ana")
    assert str(patient.phone) == "+447400123456"
    assert sorted(patient.pain_sites) == ["left_buttock_leg", "lower_back"]
    assert patient.timezone == "Europe/London"
    assert not [e for e in console_errors if "Content Security Policy" in e]
