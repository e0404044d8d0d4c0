"""The patient pages: sign-in by link, today, steps, progress, help, language, sign-out."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import Patient
from accounts.services import patient_login_url
from messaging.backends import locmem
from programs.models import ExerciseLog, StepProgress
from tests.factories import WELL_WEB_FORM
from tests.programs.content_fixture import make_content

# Dates and times: run at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour


@pytest.fixture
def content(db: Any) -> Any:
    return make_content()


def sign_in(client: Client, patient: Patient) -> None:
    url = patient_login_url(patient=patient)
    token = url.split("t=")[1]
    response = open_link(client, token)
    assert response.status_code == 302


def open_link(client: Client, token: str) -> Any:
    """Open the SMS link (GET), then tap Continue (POST with the page's nonce)."""
    page = client.get(f"/me/login/?t={token}")
    nonce = page.context["nonce"] if page.context else ""
    return client.post("/me/login/", {"t": token, "nonce": nonce})


def test_a_link_opened_shows_continue_and_only_the_post_signs_in(
    client: Client, patient: Patient
) -> None:
    url = patient_login_url(patient=patient)
    path = url.removeprefix("https://selfcare.example.org")

    preview = client.get(path)  # what a phone's link preview does
    again = client.get(path)

    assert preview.status_code == again.status_code == 200
    assert "Continue" in again.content.decode()
    assert again["Referrer-Policy"] == "no-referrer"
    assert again["Cache-Control"] == "no-store"
    response = client.post("/me/login/", {"t": url.split("t=")[1], "nonce": again.context["nonce"]})
    assert response.status_code == 302
    assert response["Location"] == "/me/"


def test_a_sign_in_posted_from_another_site_fails(client: Client, patient: Patient) -> None:
    token = patient_login_url(patient=patient).split("t=")[1]

    forged = Client().post("/me/login/", {"t": token, "nonce": "guess"})  # no session, no nonce

    assert "expired or was already used" in forged.content.decode()
    assert open_link(client, token).status_code == 302  # and the link is still good


def test_a_link_works_once(client: Client, patient: Patient) -> None:
    token = patient_login_url(patient=patient).split("t=")[1]
    open_link(client, token)
    client.post("/me/sign-out/")

    response = open_link(client, token)

    assert response.status_code == 200
    assert "expired or was already used" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_a_link_expires_after_ten_minutes(client: Client, patient: Patient) -> None:
    token = patient_login_url(patient=patient).split("t=")[1]

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = open_link(client, token)

    assert "expired" in response.content.decode()


def test_send_me_a_link_answers_the_same_for_known_and_unknown_numbers(
    client: Client, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the worker sends after commit
        known = client.post("/me/link/", {"phone": str(patient.phone)})
        unknown = client.post("/me/link/", {"phone": "+14155550999"})

    assert known.status_code == unknown.status_code == 200
    assert _text(known) == _text(unknown)
    [sms] = locmem.outbox
    assert sms.to == str(patient.phone)
    assert "/me/login/?t=" in sms.body


def _text(response: Any) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_send_me_a_link_is_rate_limited(
    client: Client, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            client.post("/me/link/", {"phone": str(patient.phone)})

    assert len(locmem.outbox) == 3


def test_send_me_a_link_with_the_cache_down_sends_nothing_and_is_no_error(
    client: Client, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", down)

    response = client.post("/me/link/", {"phone": str(patient.phone)})

    assert response.status_code == 200
    assert response.templates[0].name == "patients/link_sent.html"
    assert locmem.outbox == []  # no count, no link: the limit fails closed


def test_texting_link_sends_one(client: Client, patient: Patient) -> None:
    from tests.messaging.helpers import text_in

    text_in(client, sender=str(patient.phone), body="LINK")

    [sms] = locmem.outbox
    assert "/me/login/?t=" in sms.body


def test_pages_need_a_signed_in_patient(client: Client, patient: Patient) -> None:
    for path in ("/me/", "/me/program/", "/me/progress/", "/me/checkin/", "/me/steps/knee-rocks/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/me/link/"


def test_a_clinician_session_is_not_a_patient_session(
    admin_client_for: Any, clinician: Any
) -> None:
    client = admin_client_for(clinician)

    assert client.get("/me/").status_code == 302


def test_today_shows_due_steps_and_the_open_check_in(
    client: Client, patient: Patient, content: Any
) -> None:
    from checkins.services import checkin_start

    checkin_start(patient=patient)
    sign_in(client, patient)

    page = client.get("/me/").content.decode()
    due, coming = page.split('class="card next"')

    assert "when-to-get-help English" in due
    assert "knee-rocks" not in due  # due tomorrow: shown as what comes next
    assert "knee-rocks English" in coming
    assert "Answer your check-in" in page


def test_an_exercise_is_logged_and_counts_in_progress(
    client: Client, patient: Patient, content: Any
) -> None:
    sign_in(client, patient)

    page = client.get("/me/steps/knee-rocks/").content.decode()
    assert "Stop and contact your care team if" in page
    assert "10 times" in page
    bad = client.post("/me/steps/knee-rocks/", {"felt": "", "pain_during": "11"})
    assert bad.status_code == 400
    assert not ExerciseLog.objects.exists()
    good = client.post("/me/steps/knee-rocks/", {"felt": "ok", "pain_during": "3"})

    assert good.status_code == 200
    log = ExerciseLog.objects.get()
    assert (log.felt, log.pain_during) == ("ok", 3)
    assert StepProgress.objects.filter(step__slug="knee-rocks").exists()
    progress = client.get("/me/progress/").content.decode()
    assert "Exercises logged: <strong>1</strong>" in progress


def test_reading_marked_done_leaves_today(client: Client, patient: Patient, content: Any) -> None:
    sign_in(client, patient)

    client.post("/me/steps/when-to-get-help/")

    assert "when-to-get-help English" not in client.get("/me/").content.decode()


def test_progress_has_a_chart_and_a_table(client: Client, patient: Patient, content: Any) -> None:
    from checkins.models import Answer, Checkin

    checkin = Checkin.objects.create(
        patient=patient, kind="full", expires_at=timezone.now(), status="completed"
    )
    Answer.objects.create(checkin=checkin, patient=patient, question="back_pain", value=3)
    Answer.objects.create(checkin=checkin, patient=patient, question="leg_pain", value=1)
    sign_in(client, patient)

    page = client.get("/me/progress/").content.decode()

    assert "<svg" in page
    assert 'role="img"' in page
    assert "<table>" in page
    assert "<td>3</td><td>1</td>" in page.replace("\n", "")


def test_pages_answer_in_spanish_and_the_switch_changes_language(
    client: Client, patient: Patient, content: Any
) -> None:
    sign_in(client, patient)

    client.post("/me/language/", {"language": "es", "next": "/me/program/"})

    patient.refresh_from_db()
    assert patient.language == "es"
    page = client.get("/me/program/").content.decode()
    assert "Semana 1" in page
    assert "knee-rocks Español" in page


def test_help_is_open_to_everyone_with_the_emergency_number(
    client: Client, content: Any, settings: Any
) -> None:
    settings.EMERGENCY_NUMBER = "999"

    page = client.get("/help/").content.decode()

    assert 'call <a class="tel" href="tel:999">999</a>' in page


@pytest.mark.parametrize(("lang", "flare"), [("en", "FLARE"), ("es", "CRISIS DE DOLOR")])
def test_help_lists_the_words_a_patient_can_text_each_one_a_keyword(
    client: Client, content: Any, lang: str, flare: str
) -> None:
    import re

    from messaging.keywords import Keyword, keyword

    page = client.get(f"/help/?lang={lang}").content.decode()

    words = re.findall(r"<dt>([^<]+)</dt>", page)
    assert words[0] == flare
    assert [keyword(w) for w in words] == [
        Keyword.FLARE,
        Keyword.TIME,
        Keyword.DAY,
        Keyword.LINK,
        Keyword.HELP,
        Keyword.STOP,
    ]


def test_the_web_check_in_runs_the_rules(client: Client, patient: Patient, content: Any) -> None:
    from escalations.models import Escalation

    sign_in(client, patient)
    form = {**WELL_WEB_FORM, "back_pain": "4", "leg_pain": "2", "ces_symptoms": "yes"}

    response = client.post("/me/checkin/", form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "emergency department now" in page
    assert Escalation.objects.get().rule == "R1"


def test_the_web_check_in_reports_missing_answers_and_stores_nothing(
    client: Client, patient: Patient, content: Any
) -> None:
    from checkins.models import Answer

    sign_in(client, patient)

    response = client.post("/me/checkin/", {"back_pain": "4"})

    assert response.status_code == 400
    assert "Please answer the questions marked below." in response.content.decode()
    assert not Answer.objects.exists()


def test_sessions_end_after_the_absolute_maximum(
    client: Client, patient: Patient, content: Any, settings: Any
) -> None:
    sign_in(client, patient)
    settings.PATIENT_SESSION_MAX_AGE = 60

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert client.get("/me/").status_code == 302


@pytest.mark.parametrize("path", ["/me/", "/me/program/", "/me/progress/"])
def test_page_queries_do_not_grow_with_history(
    client: Client, patient: Patient, content: Any, path: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from checkins.models import Answer, Checkin

    sign_in(client, patient)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    before = count()
    for day in range(40):
        checkin = Checkin.objects.create(
            patient=patient, kind="full", expires_at=timezone.now(), status="completed"
        )
        Answer.objects.create(
            checkin=checkin, patient=patient, question="back_pain", value=day % 10
        )
    assert count() == before


def test_a_web_check_in_supersedes_an_open_sms_check_in(
    client: Client, patient: Patient, content: Any
) -> None:
    from checkins.models import Answer, Checkin
    from checkins.services import checkin_start
    from tests.messaging.helpers import text_in

    sms = checkin_start(patient=patient)
    text_in(client, sender=str(patient.phone), body="6")  # back pain answered by SMS
    sign_in(client, patient)
    form = {**WELL_WEB_FORM, "back_pain": "4", "leg_pain": "2"}

    response = client.post("/me/checkin/", form)

    assert response.status_code == 200
    sms.refresh_from_db()
    assert sms.status == "cancelled"
    web = Checkin.objects.get(channel="web")
    assert web.status == "completed"
    assert Answer.objects.get(checkin=web, question="back_pain").value == 4


def test_the_web_check_in_asks_what_the_sms_one_would(
    client: Client, patient: Patient, clinician: Any, content: Any
) -> None:
    from checkins.models import Medicine

    sign_in(client, patient)
    assert "med_side_effect" not in client.get("/me/checkin/").content.decode()

    Medicine.objects.create(patient=patient, kind="snri", recorded_by=clinician.user)

    assert 'name="med_side_effect"' in client.get("/me/checkin/").content.decode()
