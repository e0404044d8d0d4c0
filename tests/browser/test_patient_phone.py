"""The patient pages on phones 320, 375 and 414 px wide, in English and Spanish: no sideways
scrolling, no serious axe-core violation, a screenshot of each page; the exercise timer counts
in mm:ss and pauses, the breathing guide counts in words (all a reader who asked for reduced
motion gets), and the timer's end cue shows "Done" and buzzes."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Patient
from tests.browser.axe import assert_accessible
from tests.browser.test_patient_journey import assert_no_csp_errors, sign_in
from tests.programs.content_fixture import make_content

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.wall_clock,
]

WIDTHS = (320, 375, 414)
PAGES = {
    "today": "/me/",
    "exercise": "/me/steps/knee-rocks/",
    "breathing": "/me/steps/slow-breathing/",
    "checkin": "/me/checkin/",
    "progress": "/me/progress/",
    "help": "/help/",
}
WORDS = {
    "en": {"start": "Start", "pause": "Pause", "resume": "Resume", "in": "Breathe in"},
    "es": {"start": "Empezar", "pause": "Pausa", "resume": "Seguir", "in": "Inhale"},
}
# Records the end cue's buzz (headless Chromium has no vibration motor to ask).
RECORD_VIBRATE = "window.buzzes = []; navigator.vibrate = (p) => { buzzes.push(p); return true; };"


@pytest.fixture
def ready(patient: Patient) -> Patient:
    """The patient with the page tests' program and one answered check-in (Progress draws)."""
    from checkins.models import Answer, Checkin
    from checkins.services import slots_plan

    make_content()
    checkin = Checkin.objects.create(
        patient=patient, kind="full", expires_at=timezone.now(), status="completed"
    )
    Answer.objects.create(checkin=checkin, patient=patient, question="back_pain", value=3)
    Answer.objects.create(checkin=checkin, patient=patient, question="leg_pain", value=1)
    slots_plan()
    return patient


def speak(patient: Patient, language: str) -> None:
    patient.language = language
    patient.save(update_fields=["language"])


def assert_fits(page: Page, where: str) -> None:
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"{where} scrolls sideways: {scroll} px wide in {client} px"


def check_timer(page: Page, words: dict[str, str]) -> None:
    clock = page.get_by_role("timer")
    expect(clock).to_have_text("05:00")
    page.get_by_role("button", name=words["start"]).click()
    expect(clock).to_have_text(re.compile(r"^04:5\d$"))
    expect(page.get_by_role("button", name=words["start"])).to_be_hidden()
    page.get_by_role("button", name=words["pause"]).click()
    paused = clock.inner_text()
    page.wait_for_timeout(1200)
    assert clock.inner_text() == paused
    expect(page.get_by_role("button", name=words["resume"])).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_patient_pages_on_a_phone(
    page: Page,
    live_server: Any,
    ready: Patient,
    console_errors: list[str],
    screenshots: Path,
    language: str,
    width: int,
) -> None:
    page.set_viewport_size({"width": width, "height": 740})
    sign_in(page, live_server, ready)
    speak(ready, language)
    for name, path in PAGES.items():
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status == 200, path
        expect(page.locator("html")).to_have_attribute("lang", language)
        if name == "exercise":
            check_timer(page, WORDS[language])
        if name == "help":
            expect(page.locator('a[href="tel:911"]').first).to_be_visible()
            expect(page.locator('a[href="tel:988"]').first).to_be_visible()
        assert_fits(page, f"{path} at {width} px ({language})")
        page.screenshot(path=screenshots / f"patient-{name}-{language}-{width}.png", full_page=True)
        assert_accessible(page, f"{path} at {width} px ({language})")
    assert_no_csp_errors(console_errors)
    assert not console_errors, "console errors:\n" + "\n".join(console_errors)


@pytest.mark.parametrize("language", ["en", "es"])
def test_reduced_motion_breathing_counts_in_words(
    page: Page, live_server: Any, ready: Patient, console_errors: list[str], language: str
) -> None:
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, live_server, ready)
    speak(ready, language)
    page.goto(live_server.url + PAGES["breathing"])

    page.get_by_role("button", name=WORDS[language]["start"]).click()

    count = page.locator(".breath-count")
    expect(count).to_have_text(f"{WORDS[language]['in']}… 1")
    expect(count).to_have_text(f"{WORDS[language]['in']}… 1 2")
    expect(page.locator(".breath-wrap")).to_be_hidden()
    assert_no_csp_errors(console_errors)


def test_the_breathing_guide_follows_the_timer_in_and_out(
    page: Page, live_server: Any, ready: Patient
) -> None:
    page.clock.install()
    sign_in(page, live_server, ready)
    page.goto(live_server.url + PAGES["breathing"])

    page.get_by_role("button", name="Start").click()
    page.clock.run_for(3_000)
    in_text = page.locator(".breath-count").inner_text()
    page.clock.run_for(2_000)  # 4 s in (the step's [timer]), then out
    out_text = page.locator(".breath-count").inner_text()

    assert in_text == "Breathe in… 1 2 3 4"
    assert out_text == "Breathe out… 1 2"
    expect(page.locator(".breath")).to_have_class(re.compile(r"\bbreath\b(?!.*full)"))


def test_the_timer_ends_with_done_and_a_buzz(
    page: Page, live_server: Any, ready: Patient, console_errors: list[str]
) -> None:
    page.clock.install()
    page.add_init_script(RECORD_VIBRATE)
    sign_in(page, live_server, ready)
    page.goto(live_server.url + PAGES["exercise"])

    page.get_by_role("button", name="Start").click()
    page.clock.run_for("05:01")

    expect(page.get_by_role("timer")).to_have_text("00:00")
    expect(page.get_by_text("Done. Time is up.")).to_be_visible()
    assert page.evaluate("buzzes") == [[200, 100, 200]]
    assert_no_csp_errors(console_errors)


IMPRESSION = {
    "en": ("Since you started the program", "2. Much better", "7. Very much worse"),
    "es": ("Desde el inicio del programa", "2. Mucho mejor", "7. Muchísimo peor"),
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_impression_of_change_is_a_radio_group_that_fits_a_small_phone(
    page: Page,
    live_server: Any,
    ready: Patient,
    console_errors: list[str],
    screenshots: Path,
    language: str,
) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from programs.models import Enrollment

    today = timezone.now().astimezone(ZoneInfo(ready.timezone)).date()
    Enrollment.objects.filter(patient=ready).update(started_on=today - timedelta(days=42))
    page.set_viewport_size({"width": 320, "height": 740})
    sign_in(page, live_server, ready)
    speak(ready, language)
    question, much_better, worst = IMPRESSION[language]

    page.goto(live_server.url + PAGES["checkin"])

    group = page.get_by_role("group", name=re.compile(question))
    expect(group.get_by_role("radio")).to_have_count(7)
    expect(group.get_by_role("radio", name=worst)).to_be_visible()
    group.get_by_role("radio", name=much_better).check()
    expect(group.get_by_role("radio", name=much_better)).to_be_checked()
    assert_fits(page, f"the impression of change at 320 px ({language})")
    assert_accessible(page, f"the impression of change at 320 px ({language})")
    page.screenshot(path=screenshots / f"patient-impression-{language}-320.png", full_page=True)
    assert_no_csp_errors(console_errors)
