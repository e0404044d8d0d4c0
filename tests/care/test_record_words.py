"""The patient record reads like a clinical record: questions and answers in words, grouped
per check-in, times on the clinician's own clock, the chart with its dates and the 30% line,
STarT Back by construct, the pain sites on the body outline; no stored key, JSON list or
sign-in link anywhere."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Clinician, Patient
from checkins.models import Answer, Checkin
from escalations.models import Escalation
from escalations.rules import Clock, Hit, Severity
from escalations.services import escalate
from programs.models import ExerciseLog, Step, StepProgress, StepText, current_enrollment
from tests.messaging.helpers import text_in

# 15:05 UTC is 10:05 in Chicago (CDT in June); the test clock stands at 17:00 UTC.
CHECKIN_AT = datetime(2026, 6, 15, 15, 5, tzinfo=UTC)


def page_url(patient: Patient) -> str:
    return f"/admin/accounts/patient/{patient.pk}/change/"


def answered_checkin(
    patient: Patient, *, at: datetime, answers: dict[str, object], channel: str = "sms"
) -> Checkin:
    checkin = Checkin.objects.create(
        patient=patient,
        kind="full",
        channel=channel,
        status="completed",
        started_at=at,
        expires_at=at + timedelta(hours=48),
        ended_at=at + timedelta(minutes=5),
    )
    for minute, (key, value) in enumerate(answers.items(), start=1):
        Answer.objects.create(
            checkin=checkin,
            patient=patient,
            question=key,
            value=value,
            answered_at=at + timedelta(minutes=minute),
        )
    return checkin


def in_chicago(clinician: Clinician) -> None:
    clinician.time_zone = "America/Chicago"
    clinician.save(update_fields=["time_zone"])


def test_a_check_in_is_one_row_with_its_questions_and_answers_in_words(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    answered_checkin(
        patient,
        at=CHECKIN_AT,
        answers={"back_pain": 7, "leg_pain": None, "ces_symptoms": False, "pain_sites": ["neck"]},
    )

    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    rows = re.findall(r"<details><summary>(.*?)</summary>", html)
    assert rows == ["SMS, answered 3 of 4, completed"]
    assert "How bad was your back pain on average in the last 24 hours?" in html
    assert "<dd>7 out of 10</dd>" in html
    assert "<dd>Not answered</dd>" in html
    assert "<dd>No</dd>" in html
    assert "<dd>Neck</dd>" in html
    assert "Is any of this NEW: numbness between your legs" in html
    assert "Reply 1 for yes" not in html
    assert "ces_symptoms" not in html
    assert "back_pain=" not in html
    assert "[" not in visible_text(html)


def test_a_late_answer_says_it_was_not_applied(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    checkin = answered_checkin(patient, at=CHECKIN_AT, answers={"back_pain": 4})
    Answer.objects.create(checkin=checkin, patient=patient, question="leg_pain", value=6, late=True)

    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert "<dd>6 out of 10 (late, not applied)</dd>" in html
    assert "answered 1 of 1" in html  # the late one was never part of the check-in


def test_times_are_on_the_clinicians_own_clock(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    in_chicago(clinician)
    answered_checkin(patient, at=CHECKIN_AT, answers={"back_pain": 3})

    page = admin_client_for(clinician).get(page_url(patient))

    row = next(r for r in page.context["timeline"] if r.answers)
    assert (row.at.hour, row.at.minute) == (10, 5)
    html = page.content.decode()
    assert "15 Jun 2026, 10:05 CDT" in html
    assert "15:05" not in html
    assert "UTC" not in visible_text(html)


def test_the_escalation_a_check_in_raised_is_on_its_row_and_in_words(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    checkin = answered_checkin(patient, at=CHECKIN_AT, answers={"ces_symptoms": True})
    escalate(
        patient=patient,
        hit=Hit("R1", Severity.EMERGENCY, "possible cauda equina"),
        answer=checkin.answers.get(),
    )

    page = admin_client_for(clinician).get(page_url(patient))

    row = next(r for r in page.context["timeline"] if r.answers)
    assert row.detail == "Emergency: possible cauda equina"
    escalation_row = next(r for r in page.context["timeline"] if r.kind == "Escalation")
    assert (escalation_row.text, escalation_row.detail) == (
        "Emergency: possible cauda equina",
        "Open",
    )
    assert "R1 (emergency)" not in page.content.decode()


def test_program_steps_and_exercises_by_their_titles(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    enrollment = current_enrollment(patient)
    assert enrollment is not None
    step = Step.objects.create(slug="gentle-walk", kind="exercise")
    StepText.objects.create(
        step=step, language="en", title="A gentle walk", summary="s", body="b", sms="x"
    )
    StepProgress.objects.create(enrollment=enrollment, step=step)
    ExerciseLog.objects.create(patient=patient, step=step, felt="hard", pain_during=4)

    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert "Done: A gentle walk" in html
    assert "Logged: A gentle walk" in html
    assert "felt hard, pain 4 out of 10" in html
    assert "gentle-walk" not in html


def test_the_header_says_who_and_what_is_running(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    in_chicago(clinician)
    escalate(patient=patient, hit=Hit("R8", Severity.H72, "leg pain severe", clock=Clock.TWO_WEEKS))
    staff = admin_client_for(clinician)

    page = staff.get(page_url(patient))

    header = page.context["header"]
    html = page.content.decode()
    assert f'<a href="tel:{patient.phone}">{patient.phone}</a>' in html
    assert "(Low risk), day 1 of " in html
    assert "No risk flags" in html
    assert "2-week referral: deadline " in html
    assert header.clocks[0].deadline.endswith("CDT")
    assert header.open_escalations == 1
    queue = staff.get(header.queue_url)
    assert queue.status_code == 200
    assert [e.pk for e in queue.context["cl"].result_list] == [Escalation.objects.get().pk]


def test_risk_flags_answered_yes_are_named(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    Patient.objects.filter(pk=patient.pk).update(cancer_history=True)

    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert "<dt>Risk flags</dt><dd>History of cancer</dd>" in html
    assert "Intravenous drug use</label>" in html  # the checkbox, by its word


def test_a_reader_who_may_not_change_the_patient_sees_the_flags_in_words(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    Patient.objects.filter(pk=patient.pk).update(iv_drug_use=True)
    clinician.user.groups.clear()
    clinician.user.user_permissions.add(Permission.objects.get(codename="view_patient"))

    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert '<div class="readonly">Intravenous drug use</div>' in html
    assert "icon-yes" not in html
    assert "icon-no" not in html


def test_the_chart_has_dates_a_legend_the_baseline_and_the_30_percent_line(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    answered_checkin(patient, at=CHECKIN_AT, answers={"back_pain": 4, "leg_pain": 1})

    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert 'class="legend"' in html
    assert "Back pain" in html
    assert "Leg pain" in html
    assert 'class="target"' in html
    assert "30% better than baseline" in html
    assert 'class="baseline back"' in html
    assert re.search(r'text-anchor="middle" class="axis">15 Jun</text>', html)
    assert "<td>15 Jun (baseline)</td>" in html


def test_startback_by_construct_with_its_scores(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert "Not safe to be active (fear)" in html
    assert "<td>Disagree</td>" in html
    assert "<td>Not at all</td>" in html
    assert "0 / 9" in html
    assert "0 / 5" in html
    assert ": Low risk</caption>" in html
    assert "[0, 0" not in html


def test_a_rescreen_shows_agree_and_item_9_in_words(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    staff = admin_client_for(clinician)
    answers = {f"item_{i}": v for i, v in enumerate([1, 0, 0, 0, 1, 1, 1, 1, 3], start=1)}
    staff.post(f"/admin/accounts/patient/{patient.pk}/act/rescreen/", answers)

    page = staff.get(page_url(patient))

    newest = page.context["screens"][0]
    assert [i.answer for i in newest.items][:2] == ["Agree", "Disagree"]
    assert newest.items[8].answer == "Very much"
    assert (newest.total, newest.psychosocial, newest.risk_group) == (6, 5, "High risk")
    assert "<td>Agree</td>" in page.content.decode()


def test_pain_sites_on_the_body_outline_not_a_list(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert re.search(r"<h2[^>]*>Pain sites</h2>", html)
    assert 'class="region on" data-site="lower_back"' in html
    assert "<figcaption>Lower back</figcaption>" in html
    assert "[&#x27;lower_back&#x27;]" not in html
    assert "['lower_back']" not in html


def test_enrollment_facts_and_people_in_words(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    in_chicago(clinician)

    html = admin_client_for(clinician).get(page_url(patient)).content.decode()

    assert "5 out of 10" in html  # the baseline back pain
    assert "15 Jun 2026, 12:00 CDT" in html  # enrolled at the test clock's 17:00 UTC
    name = clinician.user.get_full_name()
    assert f'<div class="readonly">{name}</div>' in html
    assert "At enrollment" in html
    assert "Consented" in html
    assert '<option value="low" selected>Low risk</option>' in html


def test_no_sign_in_link_on_the_record_or_its_history(
    admin_client_for: Any, clinician: Clinician, patient: Patient, client: Any
) -> None:
    text_in(client, sender=str(patient.phone), body="LINK")
    staff = admin_client_for(clinician)

    record = staff.get(page_url(patient)).content.decode()
    history_url = f"/admin/accounts/patient/{patient.pk}/history/"
    history = staff.get(history_url).content.decode()
    version = patient.history.order_by("-history_id").first()
    assert version is not None
    version_page = staff.get(f"{history_url}{version.history_id}/")
    assert version_page.status_code == 200

    assert "your sign-in link" in record
    assert "(sign-in link, not shown)" in record
    for html in (record, history, version_page.content.decode()):
        assert "sesame" not in html.lower()
        assert "/me/login" not in html
        assert "?t=" not in html


def test_the_timeline_queries_do_not_grow_with_the_history(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    staff = admin_client_for(clinician)

    def add_checkins(count: int) -> None:
        for day in range(count):
            checkin = answered_checkin(
                patient,
                at=CHECKIN_AT - timedelta(days=day + 1, minutes=Checkin.objects.count()),
                answers={"back_pain": 5, "leg_pain": 2, "ces_symptoms": False},
            )
            if day == 0:
                escalate(
                    patient=patient,
                    hit=Hit(f"X{checkin.pk}", Severity.ROUTINE, "test"),
                    answer=checkin.answers.first(),
                )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(page_url(patient)).status_code == 200
        return len(captured.captured_queries)

    add_checkins(3)
    queries()  # warm: sessions, content types
    small = queries()
    add_checkins(27)

    assert queries() == small


def visible_text(html: str) -> str:
    """The page's words: no tags, scripts or styles (attributes hold links and ids)."""
    body = html.split("<body", 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)
