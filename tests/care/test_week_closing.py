"""The weekly check-in ends, by SMS, with one text that carries the thanks, the week's pain
beside the baseline and the red-flag line: no more texts than thanks alone. Short check-ins
keep the plain thanks; a check-in with advice ends with the advice."""

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from accounts.models import Patient
from checkins.catalogue import Kind
from checkins.models import Answer, Checkin
from checkins.services import checkin_start
from messaging.backends import locmem
from messaging.models import Message
from tests.care.test_lighter_checkin import _run_checkin
from tests.care.test_record_words import page_url
from tests.care.test_safety import reply

RED_FLAG_LINE = (
    "If new numbness between your legs, bladder or bowel changes, or weaker legs start, go to "
    "the emergency department."
)


def _baseline(patient: Patient, *, back: int, leg: int) -> None:
    Patient.objects.filter(pk=patient.pk).update(baseline_back_pain=back, baseline_leg_pain=leg)


def _short_check_in_days_ago(patient: Patient, days: int, *, back: int, leg: int) -> None:
    at = timezone.now() - timedelta(days=days)
    checkin = Checkin.objects.create(
        patient=patient, kind="short", expires_at=at, started_at=at, status="completed"
    )
    for question, value in (("back_pain", back), ("leg_pain", leg)):
        Answer.objects.create(
            checkin=checkin, patient=patient, question=question, value=value, answered_at=at
        )


def test_a_weekly_check_in_ends_with_the_weeks_summary_in_its_one_closing_text(
    client: Client, patient: Patient
) -> None:
    _baseline(patient, back=7, leg=5)
    _short_check_in_days_ago(patient, 3, back=5, leg=3)
    _short_check_in_days_ago(patient, 10, back=9, leg=9)  # last week's: not this week's

    _run_checkin(client, patient, {"back_pain": "3", "leg_pain": "1"})

    closing = Message.objects.filter(patient=patient, direction="out").latest("created_at", "id")
    assert closing.template == "checkin_week"
    assert locmem.outbox[-1].body == (
        "Thank you, that is your check-in done. Your back pain averaged 4 this week, down from 7 "
        "when you started. Leg pain averaged 2, down from 5. " + RED_FLAG_LINE
    )
    assert not Message.objects.filter(patient=patient, template="checkin_thanks").exists()


def test_the_closing_text_adds_no_text_to_the_check_in(client: Client, patient: Patient) -> None:
    """As many texts as questions, plus one closing text, as with thanks alone."""
    asked = _run_checkin(client, patient, {})

    sent = Message.objects.filter(patient=patient, direction="out").exclude(template="welcome")
    assert sent.count() == len(asked) + 1
    assert sent.filter(template__in=["checkin_week", "checkin_thanks"]).count() == 1


def test_no_leg_pain_then_or_now_leaves_the_leg_line_out(client: Client, patient: Patient) -> None:
    _baseline(patient, back=4, leg=0)

    _run_checkin(client, patient, {"back_pain": "6", "leg_pain": "0"})

    assert locmem.outbox[-1].body == (
        "Thank you, that is your check-in done. Your back pain averaged 6 this week, up from 4 "
        "when you started. " + RED_FLAG_LINE
    )


def test_the_closing_text_comes_in_spanish(client: Client, patient: Patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(language="es")
    _baseline(patient, back=3, leg=2)

    _run_checkin(client, patient, {"back_pain": "3", "leg_pain": "2"})

    assert locmem.outbox[-1].body == (
        "Gracias, ha completado su control. Su dolor de espalda esta semana fue de 3 en "
        "promedio, igual que al inicio. Dolor de pierna: 2 en promedio, igual que al inicio. Si "
        "aparece adormecimiento nuevo entre las piernas, cambios al orinar o defecar, o si sus "
        "piernas se debilitan, vaya a urgencias."
    )


def test_a_short_check_in_keeps_the_plain_thanks(client: Client, patient: Patient) -> None:
    checkin = checkin_start(patient=patient, kind=Kind.SHORT)
    for body in ("3", "1"):
        reply(client, patient, body)
    while (checkin := Checkin.objects.get(pk=checkin.pk)).status == "open":
        reply(client, patient, "2")

    assert checkin.status == "completed"
    closing = Message.objects.filter(patient=patient, direction="out").latest("created_at", "id")
    assert closing.template == "checkin_thanks"
    assert locmem.outbox[-1].body.startswith("Thank you, that is your check-in done. If new")
    assert "averaged" not in locmem.outbox[-1].body


def test_a_check_in_with_advice_ends_with_the_advice_not_the_summary(
    client: Client, patient: Patient
) -> None:
    _run_checkin(client, patient, {"needs_contact": "pick"})  # R23: the care team will call

    assert locmem.outbox[-1].body == (
        "SelfCare: thanks. Your care team will contact you. New numbness between your legs, "
        "bladder or bowel changes, or weaker legs? Go to the emergency department."
    )
    assert not Message.objects.filter(patient=patient, template="checkin_week").exists()


def test_the_clinicians_record_shows_the_closing_text_on_the_check_ins_row(
    client: Client, patient: Patient, clinician: Any, admin_client_for: Any
) -> None:
    _baseline(patient, back=7, leg=5)
    _run_checkin(client, patient, {"back_pain": "4", "leg_pain": "2"})

    html = admin_client_for(clinician).get(page_url(patient))

    page = html.content.decode()
    assert (
        "<dt>Closing text sent</dt><dd>Thank you, that is your check-in done. Your back pain "
        "averaged 4 this week, down from 7 when you started. Leg pain averaged 2, down from 5. "
        + RED_FLAG_LINE
        + "</dd>"
    ) in page
    assert page.count("Your back pain averaged 4") == 1  # on the row, not again as an SMS row
