"""The patient pages on a phone: lists as lists, tap-to-call numbers, the words of what comes
next, dates in the patient's language, the timers' data, and the step drawings."""

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Patient
from checkins.services import slots_plan
from patients import illustrations
from patients.templatetags.patient import paragraphs, safety_text
from programs import content
from tests.patients.test_pages import sign_in
from tests.programs.content_fixture import make_content

POSES = Path(__file__).resolve().parents[2] / "patients" / "static" / "patients" / "poses"
# A Tuesday, 11:00 in America/Chicago (the test patient's zone): December's names differ in
# English and Spanish, June's abbreviations do not.
DECEMBER = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


@pytest.fixture
def steps(db: Any) -> Any:
    return make_content()


def spanish(patient: Patient) -> Patient:
    patient.language = "es"
    patient.save(update_fields=["language"])
    return patient


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("- one\n- two", "<ul><li>one</li><li>two</li></ul>"),
        ("• one\n• two", "<ul><li>one</li><li>two</li></ul>"),
        ("Do this:\n- one\n- two", "<p>Do this:</p>\n<ul><li>one</li><li>two</li></ul>"),
        ("A line\nand more.\n\nNext.", "<p>A line and more.</p>\n<p>Next.</p>"),
        ("-not a bullet", "<p>-not a bullet</p>"),
        ("- <b>bold</b> & co", "<ul><li>&lt;b&gt;bold&lt;/b&gt; &amp; co</li></ul>"),
    ],
)
def test_paragraphs_make_lists_and_keep_escaping(text: str, html: str) -> None:
    assert paragraphs(text) == html


def test_the_emergency_numbers_become_tel_links(settings: Any) -> None:
    settings.EMERGENCY_NUMBER, settings.CRISIS_LINE = "999", "111"

    html = paragraphs("- call {{ emergency_number }} or {{ crisis_line }}")

    assert html == (
        '<ul><li>call <a class="tel" href="tel:999">999</a> or '
        '<a class="tel" href="tel:111">111</a></li></ul>'
    )


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Call 911 now.", 'Call <a class="tel" href="tel:911">911</a> now.'),
        ("Or 988.", 'Or <a class="tel" href="tel:988">988</a>.'),
        (
            "Ring +44 20 7946 0000 today",
            'Ring <a class="tel" href="tel:+442079460000">+44 20 7946 0000</a> today',
        ),
        ("Room 9110, 1911 or x911y", "Room 9110, 1911 or x911y"),  # not standing alone
        ("<a href=x>911</a>", '&lt;a href=x&gt;<a class="tel" href="tel:911">911</a>&lt;/a&gt;'),
    ],
)
def test_safety_text_links_numbers_standing_alone_after_escaping(text: str, html: str) -> None:
    assert safety_text(text) == html


def test_every_exercise_has_a_drawing_and_every_drawing_exists() -> None:
    library = content.read()
    exercises = [slug for slug, s in library.steps.items() if s["kind"] == "exercise"]

    assert set(illustrations.BY_STEP) <= set(exercises)
    assert set(illustrations.BY_STEP.values()) == illustrations.POSES
    for name in {*illustrations.POSES, illustrations.DEFAULT}:
        svg = (POSES / f"{name}.svg").read_text()
        assert 'aria-hidden="true"' in svg
    assert illustrations.illustration("something-new") == illustrations.DEFAULT


def test_today_says_what_comes_next_in_the_patients_zone(
    client: Client, patient: Patient, steps: Any
) -> None:
    slots_plan()  # the first check-in: a week after enrollment, 10:00 local
    sign_in(client, patient)

    page = client.get("/me/").content.decode()

    assert "Next step" in page
    assert "knee-rocks English" in page
    assert "Tuesday 16 June · Day 2 of 42" in page  # the program's day 1 is its second day
    assert 'Next check-in:</strong> <span class="checkin-time">Monday 22 June, 10:00' in page
    assert 'href="/me/program/"' in page
    assert 'href="/me/progress/"' in page


@pytest.mark.parametrize("_clock", [DECEMBER], indirect=True)
def test_spanish_pages_use_spanish_dates(client: Client, patient: Patient, steps: Any) -> None:
    spanish(patient)
    slots_plan()
    sign_in(client, patient)

    today = client.get("/me/").content.decode()
    program = client.get("/me/program/").content.decode()

    assert "miércoles 2 de diciembre · Día 2 de 42" in today
    assert "Próximo control" in today
    assert "martes 8 de diciembre, 10:00" in today
    assert "Para el 2 Dic" in program  # shown upper-case: "PARA EL 2 DIC"
    assert "Dec" not in program


def test_nothing_due_still_links_onwards(client: Client, patient: Patient, steps: Any) -> None:
    sign_in(client, patient)
    client.post("/me/steps/when-to-get-help/")

    page = client.get("/me/").content.decode()

    assert "Nothing due today" in page
    assert "knee-rocks English" in page
    assert 'href="/me/program/"' in page


@pytest.mark.parametrize(
    ("language", "low", "high"),
    [
        ("en", "0 = no pain", "10 = worst pain imaginable"),
        ("es", "0 = sin dolor", "10 = el peor dolor imaginable"),
    ],
)
def test_check_in_scales_are_labelled_at_both_ends(
    client: Client, patient: Patient, steps: Any, language: str, low: str, high: str
) -> None:
    patient.language = language
    patient.save(update_fields=["language"])
    sign_in(client, patient)

    response = client.get("/me/checkin/")
    page = response.content.decode()

    assert page.count(low) == page.count(high) == 2  # back pain and leg pain
    assert 'aria-describedby="back_pain-ends"' in page
    first_letters = [
        next(c for c in item["text"] if c.isalpha()) for item in response.context["items"]
    ]
    assert all(letter.isupper() for letter in first_letters)


def test_the_exercise_timer_and_drawing(client: Client, patient: Patient, steps: Any) -> None:
    sign_in(client, patient)

    page = client.get("/me/steps/knee-rocks/").content.decode()

    assert 'data-seconds="300"' in page
    assert '<p class="clock" role="timer" aria-live="off">05:00</p>' in page
    assert "/static/patients/timers.js" in page
    assert 'src="/static/patients/poses/stretch.svg" alt="" aria-hidden="true"' in page
    assert "<script>" not in page  # the CSP allows no inline script


def test_the_breathing_guide_follows_the_steps_timer(
    client: Client, patient: Patient, steps: Any
) -> None:
    spanish(patient)
    sign_in(client, patient)

    page = client.get("/me/steps/slow-breathing/").content.decode()

    assert 'data-inhale="4" data-hold="0" data-exhale="6" data-seconds="300"' in page
    assert "inhale durante 4 segundos y exhale durante 6 segundos" in page
    assert 'data-in-word="Inhale"' in page


def test_the_spanish_chart_keeps_decimal_points(
    client: Client, patient: Patient, steps: Any
) -> None:
    from checkins.models import Answer, Checkin

    for back in (3, 5):
        checkin = Checkin.objects.create(
            patient=patient, kind="full", expires_at=timezone.now(), status="completed"
        )
        Answer.objects.create(checkin=checkin, patient=patient, question="back_pain", value=back)
    spanish(patient)
    sign_in(client, patient)

    page = client.get("/me/progress/").content.decode()

    lengths = re.findall(r' y1="([^"]*)"', page)
    assert lengths
    assert all("," not in length for length in lengths)  # "136,0" is no SVG length
