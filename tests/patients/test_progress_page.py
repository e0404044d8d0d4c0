"""The progress page says how the last week compares with the start, in words, with the 30%
mark on the chart; the web check-in's end says the week's summary as the SMS one does."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Patient
from checkins.models import Answer, Checkin
from tests.factories import WELL_WEB_FORM
from tests.patients.test_pages import sign_in
from tests.programs.content_fixture import make_content


@pytest.fixture
def content(db: Any) -> Any:
    return make_content()


def _baseline(patient: Patient, *, back: int, leg: int, language: str = "en") -> None:
    Patient.objects.filter(pk=patient.pk).update(
        baseline_back_pain=back, baseline_leg_pain=leg, language=language
    )


def _answered(patient: Patient, *, days_ago: float = 1, back: int, leg: int) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    checkin = Checkin.objects.create(
        patient=patient, kind="full", expires_at=at, started_at=at, status="completed"
    )
    for question, value in (("back_pain", back), ("leg_pain", leg)):
        Answer.objects.create(
            checkin=checkin, patient=patient, question=question, value=value, answered_at=at
        )


def _page(client: Client, patient: Patient) -> str:
    sign_in(client, patient)
    response = client.get("/me/progress/")
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_page_says_the_change_from_the_start_and_the_30_percent_mark(
    client: Client, patient: Patient, content: Any
) -> None:
    _baseline(patient, back=7, leg=5)
    _answered(patient, days_ago=4, back=5, leg=3)
    _answered(patient, days_ago=1, back=3, leg=3)

    page = _page(client, patient)

    assert (
        "<p>Your back pain is 4 now (the average of your last week), down from 7 when you "
        "started: 43% lower.</p>"
        "<p>A fall of 30% or more is a change that matters: you have reached it.</p>"
    ) in page
    assert (
        "<p>Your leg pain is 3 now (the average of your last week), down from 5 when you "
        "started: 40% lower.</p>"
        "<p>A fall of 30% or more is a change that matters: you have reached it.</p>"
    ) in page
    assert page.index("Your back pain is 4 now") < page.index("<svg")  # above the chart


def test_short_of_the_mark_the_page_says_how_many_points_away(
    client: Client, patient: Patient, content: Any
) -> None:
    _baseline(patient, back=7, leg=3)
    _answered(patient, back=5, leg=4)

    page = _page(client, patient)

    assert "down from 7 when you started: 29% lower.</p>" in page
    assert "A fall of 30% or more is a change that matters: you are 1 point away." in page
    assert "Your leg pain is 4 now (the average of your last week), up from 3 when you " in page
    assert "started: 33% higher.</p>" in page
    assert "you are 2 points away." in page  # the leg's mark is 2.1


def test_the_page_speaks_spanish(client: Client, patient: Patient, content: Any) -> None:
    _baseline(patient, back=7, leg=5, language="es")
    _answered(patient, back=5, leg=5)

    page = _page(client, patient)

    assert (
        "<p>Su dolor de espalda es 5 ahora (el promedio de su última semana), por debajo del 7 "
        "del inicio: un 29% menos.</p>"
        "<p>Una bajada del 30% o más es un cambio que importa: le falta 1 punto.</p>"
    ) in page
    assert (
        "<p>Su dolor de pierna es 5 ahora (el promedio de su última semana), igual que al "
        "inicio.</p><p>Una bajada del 30% o más es un cambio que importa: le faltan 2 puntos.</p>"
    ) in page
    assert ">30% menos que al inicio</text>" in page


def test_the_chart_draws_the_30_percent_mark_as_a_labelled_dashed_line(
    client: Client, patient: Patient, content: Any
) -> None:
    _baseline(patient, back=7, leg=5)
    _answered(patient, back=5, leg=3)

    page = _page(client, patient)

    # 4.9 of 10 (30% under 7) on the 0–10 chart, as the clinicians' record draws it
    assert '<line x1="24" x2="296" y1="81.1" y2="81.1" class="target"/>' in page
    label = re.search(r'<text [^>]*class="target-label"[^>]*>([^<]*)</text>', page)
    assert label is not None
    assert label.group(1) == "30% lower than at the start"
    assert '<span class="swatch target"></span> 30% lower than at the start' in page


def test_no_pain_at_the_start_gives_no_percentage_and_says_so(
    client: Client, patient: Patient, content: Any
) -> None:
    _baseline(patient, back=0, leg=0)
    _answered(patient, back=2, leg=0)

    page = _page(client, patient)

    assert (
        "<p>Your back pain is 2 now (the average of your last week), up from 0 when you "
        "started.</p><p>You had no back pain when you started, so there is no percentage to "
        "work out.</p>"
    ) in page
    assert "Your leg pain" not in page  # none then, none now
    assert 'class="target"' not in page  # nothing to fall 30% from
    assert "% lower" not in page
    assert "% higher" not in page
    assert "A fall of 30%" not in page


def test_a_patient_with_no_answers_yet_is_shown_the_way_to_a_check_in(
    client: Client, patient: Patient, content: Any
) -> None:
    page = _page(client, patient)

    assert "Your pain scores will show here after your first check-in." in page
    assert '<a class="button" href="/me/checkin/">Answer a check-in now</a>' in page
    assert "<svg" not in page


def test_a_quiet_week_says_the_next_check_in_will_show_it(
    client: Client, patient: Patient, content: Any
) -> None:
    _answered(patient, days_ago=10, back=3, leg=1)

    page = _page(client, patient)

    assert "No check-in in the last week. Your next one will show how your pain is now." in page
    assert '<a class="button" href="/me/checkin/">Answer a check-in now</a>' in page
    assert "<svg" in page  # the older scores are still drawn


def test_the_web_check_in_ends_with_the_weeks_summary(
    client: Client, patient: Patient, content: Any
) -> None:
    _baseline(patient, back=7, leg=5)
    _answered(patient, days_ago=3, back=5, leg=3)
    sign_in(client, patient)

    response = client.post("/me/checkin/", WELL_WEB_FORM)

    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert (
        '<p class="card ok" role="status">Thank you, that is your check-in done. Your back pain '
        "averaged 4 this week, down from 7 when you started. Leg pain averaged 2, down from 5. "
        "If new numbness between your legs, bladder or bowel changes, or weaker legs start, go "
        "to the emergency department.</p>"
    ) in page
    assert '<a href="/me/progress/">See your progress</a>' in page


def test_the_web_check_in_in_spanish_ends_with_the_summary_in_spanish(
    client: Client, patient: Patient, content: Any
) -> None:
    _baseline(patient, back=3, leg=1, language="es")
    sign_in(client, patient)

    page = client.post("/me/checkin/", WELL_WEB_FORM).content.decode()

    assert "Su dolor de espalda esta semana fue de 3 en promedio, igual que al inicio." in page


def test_an_emergency_on_the_web_ends_with_the_advice_alone(
    client: Client, patient: Patient, content: Any
) -> None:
    sign_in(client, patient)

    page = client.post("/me/checkin/", {**WELL_WEB_FORM, "ces_symptoms": "yes"}).content.decode()

    assert "emergency department now" in page
    assert "averaged" not in page
