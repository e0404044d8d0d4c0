"""The patient pages in Chromium at 375 px: the journey from the SMS link to Progress, the
language switch, axe-core on every patient page, and no Content-Security-Policy breakage."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Patient
from accounts.services import patient_login_url
from tests.browser.axe import assert_accessible
from tests.programs.content_fixture import make_content

# The live server runs in a thread of this process against the same (file) database, so the
# tests need real commits. The tier programs come from a data migration that a transactional
# test's flush removes: serialized_rollback puts them back before each test.
# A browser is another process: it shares the real clock only.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.wall_clock,
]


@pytest.fixture
def content(patient: Patient) -> Any:
    return make_content()


@pytest.fixture
def answered(patient: Patient) -> None:
    """One completed check-in with back and leg pain, so Progress draws its chart."""
    from checkins.models import Answer, Checkin

    checkin = Checkin.objects.create(
        patient=patient, kind="full", expires_at=timezone.now(), status="completed"
    )
    Answer.objects.create(checkin=checkin, patient=patient, question="back_pain", value=3)
    Answer.objects.create(checkin=checkin, patient=patient, question="leg_pain", value=1)


def login_link(live_server: Any, patient: Patient) -> str:
    """The SMS sign-in link, pointed at the live server instead of the public URL."""
    url = patient_login_url(patient=patient)
    assert url.startswith(settings.PUBLIC_BASE_URL)
    return live_server.url + url.removeprefix(settings.PUBLIC_BASE_URL)


def sign_in(page: Page, live_server: Any, patient: Patient) -> None:
    page.goto(login_link(live_server, patient))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/me/")


def assert_no_csp_errors(errors: list[str]) -> None:
    blocked = [e for e in errors if "Content Security Policy" in e]
    assert not blocked, "CSP blocked something:\n" + "\n".join(blocked)


def test_journey_from_the_sms_link_to_progress(
    page: Page,
    live_server: Any,
    patient: Patient,
    content: Any,
    console_errors: list[str],
    screenshots: Path,
) -> None:
    # The link from the SMS only shows a Continue button; the click signs in.
    page.goto(login_link(live_server, patient))
    continue_button = page.get_by_role("button", name="Continue")
    expect(continue_button).to_be_visible()
    continue_button.click()
    page.wait_for_url(f"{live_server.url}/me/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.get_by_text("when-to-get-help English")).to_be_visible()
    page.screenshot(path=screenshots / "patient-today-375.png", full_page=True)

    # The exercise (due tomorrow, so not on Today) from the Program page.
    page.get_by_role("link", name="My program").click()
    page.wait_for_url(f"{live_server.url}/me/program/")
    page.get_by_role("link", name=re.compile("knee-rocks English")).click()
    page.wait_for_url(f"{live_server.url}/me/steps/knee-rocks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("knee-rocks English")

    page.get_by_role("radio", name="About right").check()
    page.get_by_label("Pain while doing it (0 to 10)").select_option("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved. Well done.")

    page.get_by_role("link", name="Progress").click()
    page.wait_for_url(f"{live_server.url}/me/progress/")
    expect(page.locator(".stats")).to_contain_text("Exercises logged: 1")
    page.screenshot(path=screenshots / "patient-progress-375.png", full_page=True)

    # Nothing wider than the phone: no sideways scrolling at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_csp_errors(console_errors)
    assert not console_errors, "console errors:\n" + "\n".join(console_errors)


def test_the_footer_button_switches_to_spanish(
    page: Page, live_server: Any, patient: Patient, content: Any, console_errors: list[str]
) -> None:
    sign_in(page, live_server, patient)

    page.get_by_role("contentinfo").get_by_role("button", name="Español").click()

    page.wait_for_url(f"{live_server.url}/me/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoy")
    page.get_by_role("link", name="Mi programa").click()
    expect(page.get_by_role("heading", name="Semana 1")).to_be_visible()
    expect(page.get_by_role("contentinfo").get_by_role("button", name="English")).to_be_visible()
    patient.refresh_from_db()
    assert patient.language == "es"
    assert_no_csp_errors(console_errors)


def test_the_sign_in_page_offers_no_form_that_its_no_referrer_policy_would_break(
    page: Page, live_server: Any, patient: Patient, content: Any
) -> None:
    # The landing page is no-referrer (its address holds the token), so browsers post its forms
    # with "Origin: null"; only the sign-in form, which checks a session nonce, may be there.
    sign_in(page, live_server, patient)
    page.goto(login_link(live_server, patient))  # a second link from an SMS, still signed in

    assert page.locator("form").count() == 1
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")


# path, whether it needs a signed-in patient
PAGES = [
    pytest.param("/me/link/", False, id="link"),
    pytest.param("LOGIN", False, id="login-landing"),
    pytest.param("/me/", True, id="today"),
    pytest.param("/me/program/", True, id="program"),
    pytest.param("/me/steps/when-to-get-help/", True, id="step-reading"),
    pytest.param("/me/steps/knee-rocks/", True, id="step-exercise"),
    pytest.param("/me/steps/slow-breathing/", True, id="step-relaxation"),
    pytest.param("/me/progress/", True, id="progress"),
    pytest.param("/me/checkin/", True, id="checkin"),
    pytest.param("/help/", False, id="help"),
]


@pytest.mark.parametrize(("path", "signed_in"), PAGES)
def test_no_serious_accessibility_violations(
    page: Page,
    live_server: Any,
    patient: Patient,
    content: Any,
    answered: None,
    console_errors: list[str],
    screenshots: Path,
    path: str,
    signed_in: bool,
    request: pytest.FixtureRequest,
) -> None:
    if signed_in:
        sign_in(page, live_server, patient)
    url = login_link(live_server, patient) if path == "LOGIN" else live_server.url + path

    response = page.goto(url)

    assert response is not None
    assert response.status == 200
    if path == "LOGIN":
        expect(page.get_by_role("button", name="Continue")).to_be_visible()
    if path == "/me/progress/":
        expect(page.locator("svg.chart")).to_be_visible()
    page.screenshot(path=screenshots / f"a11y-{request.node.callspec.id}-375.png", full_page=True)
    assert_accessible(page, path)
    assert_no_csp_errors(console_errors)
