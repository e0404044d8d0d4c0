"""FLARE through the signed webhook: the flare-up plan with a link to a relaxation step, the
dated record on the timeline, the detectors still reading every word, and R27 for repeated
flare-ups (issue 17 item 5)."""

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Patient, SmsConsent
from care.record import SIGN_IN_LINK_SHOWN, patient_timeline
from checkins.flares import flare_record, flare_relaxation_step
from checkins.models import Checkin, Flare
from checkins.services import checkin_start
from escalations.models import Escalation
from escalations.services import escalation_resolve
from messaging.backends import locmem
from messaging.models import Message, ReviewItem
from tests.messaging.helpers import drain_inbound, text_in

LIVE_LINK = re.compile(r"https://\S+/me/login/\?t=([A-Za-z0-9_\-.:]{20,})&step=([-\w]+)")


@pytest.fixture(autouse=True)
def library(patient: Patient) -> None:
    """The real program content, so the plan links to a step of the patient's program."""
    call_command("loadprograms", verbosity=0)


def reply(client: Client, patient: Patient, body: str) -> list[str]:
    """Text SelfCare as the patient; the bodies sent back in that same request, in order."""
    before = len(locmem.outbox)
    response = text_in(client, sender=str(patient.phone), body=body)
    assert response.status_code == 200
    return [m.body for m in locmem.outbox[before:] if m.to == str(patient.phone)]


def flares_ago(patient: Patient, *days: float) -> None:
    """Flare-ups texted that many days before now."""
    for ago in days:
        flare_record(patient=patient, message=None, now=timezone.now() - timedelta(days=ago))


def r27(patient: Patient) -> list[Escalation]:
    return list(Escalation.objects.filter(patient=patient, rule="R27"))


@pytest.mark.parametrize("body", ["FLARE", "flare", "Flare up", "flare-up!", "FLAREUP"])
def test_flare_gets_the_plan_with_the_red_flag_line_and_a_relaxation_link(
    client: Client, patient: Patient, body: str
) -> None:
    [sent] = reply(client, patient, body)

    assert sent.startswith("SelfCare flare-up plan:")
    assert "New numbness between your legs, trouble passing urine or weakness getting" in sent
    assert "Call 911" in sent
    assert "Call 988" in sent  # a bare "CRISIS" may not be about pain
    assert LIVE_LINK.search(sent).group(2) == "calm-breathing"  # type: ignore[union-attr]
    assert "medicine" not in sent.lower()
    flare = Flare.objects.get()
    assert (flare.patient, flare.message.body) == (patient, body)  # type: ignore[union-attr]
    assert not Escalation.objects.exists()  # one flare-up is normal: nothing to review


@pytest.mark.parametrize("body", ["CRISIS DE DOLOR", "crisis de dolor", "Crisis", "¡CRISIS!"])
def test_the_spanish_keyword_gets_the_spanish_plan(
    client: Client, patient: Patient, body: str
) -> None:
    patient.language = "es"
    patient.save(update_fields=["language"])

    [sent] = reply(client, patient, body)

    assert sent.startswith("SelfCare, plan para la crisis de dolor:")
    assert "problemas para orinar" in sent
    assert "Llame al 911" in sent
    assert "Llame al 988" in sent
    assert LIVE_LINK.search(sent)
    assert Flare.objects.filter(patient=patient).count() == 1


def test_the_link_signs_in_and_lands_on_the_relaxation_step(
    client: Client, patient: Patient
) -> None:
    [sent] = reply(client, patient, "FLARE")
    token, step = LIVE_LINK.search(sent).groups()  # type: ignore[union-attr]
    link = f"/me/login/?t={token}&step={step}"

    page = client.get(link)
    signed_in = client.post(link, {"t": token, "nonce": page.context["nonce"]})

    assert signed_in.status_code == 302
    assert signed_in["Location"] == f"/me/steps/{step}/"
    assert client.get(signed_in["Location"]).status_code == 200


def test_a_landing_step_that_is_not_a_slug_goes_to_today(client: Client, patient: Patient) -> None:
    [sent] = reply(client, patient, "FLARE")
    token = LIVE_LINK.search(sent).group(1)  # type: ignore[union-attr]
    link = f"/me/login/?t={token}&step=//evil.example.org/"

    page = client.get(link)
    signed_in = client.post(link, {"t": token, "nonce": page.context["nonce"]})

    assert signed_in["Location"] == "/me/"


def test_the_plan_links_to_the_flare_break_where_the_program_has_it(patient: Patient) -> None:
    assert flare_relaxation_step(patient) == "calm-breathing"  # the low tier's program
    patient.enrollments.update(status="ended")

    assert flare_relaxation_step(patient) == ""  # no program: the link lands on today's page


def test_the_stored_plan_holds_no_token_and_the_record_hides_the_link(
    client: Client, patient: Patient
) -> None:
    reply(client, patient, "FLARE")
    stored = Message.objects.get(template="flare_plan")

    assert "/me/login/?t=[link]&step=calm-breathing" in stored.body
    rows = patient_timeline(patient)
    flare_row = next(row for row in rows if row.kind == "Flare-up")
    assert (flare_row.text, flare_row.detail) == ("Flare-up reported by SMS", "1 in 7 days")
    plan_row = next(row for row in rows if row.text.startswith("SelfCare flare-up plan"))
    assert plan_row.text.endswith(SIGN_IN_LINK_SHOWN)
    assert "step=" not in plan_row.text


def test_the_timeline_counts_each_flare_up_with_the_week_before_it(patient: Patient) -> None:
    flares_ago(patient, 10, 3, 1, 0)

    counts = [row.detail for row in patient_timeline(patient) if row.kind == "Flare-up"]

    assert counts == ["3 in 7 days", "2 in 7 days", "1 in 7 days", "1 in 7 days"]


# --- the detectors still read every word -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "FLARE and I can't pee",
        "flare, can't feel my legs",
        "Flare up, numb between my legs since this morning",
    ],
)
def test_emergency_words_after_flare_get_the_emergency_advice_instead_of_the_plan(
    client: Client, patient: Patient, body: str
) -> None:
    checkin_start(patient=patient)
    locmem.outbox.clear()

    sent = reply(client, patient, body)

    assert len(sent) == 1  # emergency advice is the last word: no plan after it
    assert "emergency department" in sent[0]
    assert Escalation.objects.get(patient=patient).rule == "R21"
    assert Flare.objects.filter(patient=patient).count() == 1  # the flare-up is still recorded
    assert Checkin.objects.get(patient=patient).status == Checkin.Status.INTERRUPTED


def test_self_harm_words_after_flare_get_the_crisis_line(client: Client, patient: Patient) -> None:
    sent = reply(client, patient, "flare, some days I want to die")

    assert len(sent) == 1
    assert "crisis line 988" in sent[0]
    assert Escalation.objects.get().rule == "R22"


@pytest.mark.parametrize("body", ["crisis, I want to end it all", "crisis, quiero morirme"])
def test_a_crisis_text_that_is_not_the_bare_keyword_reaches_the_self_harm_rule(
    client: Client, patient: Patient, body: str
) -> None:
    sent = reply(client, patient, body)

    assert len(sent) == 1
    assert "988" in sent[0]
    assert Escalation.objects.get().rule == "R22"
    assert not Flare.objects.exists()


def test_a_non_emergency_rule_message_comes_first_then_the_plan(
    client: Client, patient: Patient
) -> None:
    sent = reply(client, patient, "FLARE and I have a fever")

    assert len(sent) == 2
    assert "fever" in sent[0]
    assert sent[1].startswith("SelfCare flare-up plan:")
    assert Escalation.objects.get().rule == "R5"


def test_words_after_flare_that_fire_no_rule_reach_the_care_team(
    client: Client, patient: Patient
) -> None:
    sent = reply(client, patient, "flare up, 8/10 today, worst in weeks")

    assert sent[0].startswith("SelfCare flare-up plan:")
    assert "care team will read this" in sent[1]
    assert Escalation.objects.get().rule == "R24"


def test_a_sentence_mentioning_a_flare_is_an_ordinary_text(
    client: Client, patient: Patient
) -> None:
    reply(client, patient, "having a flare today")
    drain_inbound()  # not urgent: the worker handles it

    assert not Flare.objects.exists()
    assert not Message.objects.filter(template="flare_plan").exists()
    assert Escalation.objects.get().rule == "R24"  # a message for the care team


def test_flare_then_stop_texting_me_is_flagged_as_opt_out_intent(
    client: Client, patient: Patient
) -> None:
    reply(client, patient, "FLARE. please stop texting me")

    assert ReviewItem.objects.filter(patient=patient, reason="opt_out_intent").exists()
    assert Flare.objects.filter(patient=patient).exists()


def test_after_opt_out_a_flare_is_recorded_and_nothing_is_sent(
    client: Client, patient: Patient
) -> None:
    reply(client, patient, "STOP")
    patient.refresh_from_db()
    assert patient.sms_consent == SmsConsent.OPTED_OUT

    assert reply(client, patient, "FLARE") == []
    assert Flare.objects.filter(patient=patient).count() == 1


# --- R27: three flare-ups in a rolling week ------------------------------------------------------


def test_three_flare_ups_in_a_week_raise_one_routine_review(
    client: Client, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        reply(client, patient, "FLARE")
        reply(client, patient, "FLARE")
        assert r27(patient) == []
        sent = reply(client, patient, "FLARE")

    [escalation] = r27(patient)
    assert (escalation.severity, escalation.status) == ("routine", "open")
    assert escalation.reason == "3 flare-ups reported by SMS in 7 days."
    assert len(sent) == 1  # the plan only: R27 is for the clinician
    assert sent[0].startswith("SelfCare flare-up plan:")


def test_a_fourth_flare_up_adds_evidence_to_the_open_review(
    client: Client, patient: Patient
) -> None:
    flares_ago(patient, 6, 2)
    reply(client, patient, "FLARE")
    reply(client, patient, "flare")

    [escalation] = r27(patient)
    assert escalation.evidence_count == 2
    assert [e.detail for e in escalation.evidence.order_by("at", "id")] == [
        "3 flare-ups reported by SMS in 7 days.",
        "4 flare-ups reported by SMS in 7 days.",
    ]


def test_flare_ups_spread_over_more_than_a_week_raise_nothing(
    client: Client, patient: Patient
) -> None:
    flares_ago(patient, 7.01, 3)

    reply(client, patient, "FLARE")

    assert r27(patient) == []


def test_a_flare_up_just_inside_the_week_still_counts(client: Client, patient: Patient) -> None:
    flares_ago(patient, 6.99, 3)

    reply(client, patient, "FLARE")

    assert len(r27(patient)) == 1


def test_after_resolution_r27_re_arms_only_after_14_days(
    client: Client, patient: Patient, clinician: Any
) -> None:
    flares_ago(patient, 2, 1)
    reply(client, patient, "FLARE")
    [first] = r27(patient)
    escalation_resolve(escalation=first, user=clinician.user, note="Plan reviewed by phone.")

    reply(client, patient, "FLARE")  # 4 in the week, but resolved a moment ago
    assert [e.pk for e in r27(patient)] == [first.pk]

    with time_machine.travel(timezone.now() + timedelta(days=15), tick=True):
        flares_ago(patient, 2, 1)
        reply(client, patient, "FLARE")
    assert len(r27(patient)) == 2
