"""An escalation's page in the admin reads, for a triage nurse, in words: who and how urgent,
what triggered it, what the patient was told, what the rule means, whom the chain told, and
each button's confirmation."""

import itertools
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Clinician, Patient
from accounts.services import patient_set_sms_consent
from checkins.models import Checkin
from checkins.services import checkin_record_answers, checkin_start
from escalations.models import Escalation, Evidence, Notification
from escalations.notifications import notify_step
from escalations.rules import RULE_MEANINGS, Clock, Hit, Severity
from escalations.services import clock_start, escalate
from messaging.models import Message
from tests.care.test_safety import answer_until, reply
from tests.escalations.test_admin_queue import form
from tests.factories import Team, make_patient
from tests.messaging.helpers import drain_inbound

CHICAGO_NOON = "Mon 15 Jun 12:00 CDT"  # the tests' clock, 17:00 UTC, in America/Chicago


def page_url(escalation: Escalation) -> str:
    return f"/admin/escalations/escalation/{escalation.pk}/change/"


def confirmations(response: Any) -> list[str]:
    """The messages shown at the top of the page after an action."""
    return [str(message) for message in response.context["messages"]]


def text(response: Any) -> str:
    """The page as read: tags kept (for links), entities decoded."""
    return unescape(response.content.decode())


def section(html: str, heading: str) -> str:
    """The words of one section of the page, from its heading to the next."""
    after = html.split(f"<h2>{heading}</h2>", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", after.split("<h2>", 1)[0])).strip()


@pytest.fixture
def ana(clinician: Clinician) -> Patient:
    Clinician.objects.filter(pk=clinician.pk).update(time_zone="America/Chicago")
    return make_patient(clinician=clinician, first_name="Ana", last_name="García").patient


@pytest.fixture
def emergency(client: Client, ana: Patient) -> Escalation:
    """Ana answers yes to the bladder or saddle question of her SMS check-in (R1)."""
    checkin_start(patient=ana)
    answer_until(client, ana, "ces_symptoms", {"back_pain": "4", "leg_pain": "7"})
    reply(client, ana, "1")
    client.logout()
    return Escalation.objects.get(patient=ana, rule="R1")


def test_the_title_says_how_urgent_what_and_who(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    html = text(admin_client_for(clinician).get(page_url(emergency)))

    assert "<h1>Emergency: Possible cauda equina symptoms — Ana García</h1>" in html
    assert "for patient" not in html
    assert "R1 (emergency)" not in html


def test_the_header_names_the_patient_with_a_call_link_and_who_is_on_it(
    admin_client_for: Any, clinician: Clinician, ana: Patient, emergency: Escalation
) -> None:
    html = text(admin_client_for(clinician).get(page_url(emergency)))
    header = html.split('<dl class="escalation-header">', 1)[1].split("</dl>", 1)[0]

    assert f'<a href="/admin/accounts/patient/{ana.pk}/change/">Ana García</a>' in header
    assert f'href="tel:{ana.phone}"' in header
    assert '<span class="severity severity-emergency">Emergency</span>' in header
    assert "Open: nobody has acknowledged it yet" in header
    assert "Mon 15 Jun 13:00 CDT" in header  # due in an hour, on the clinician's clock
    assert re.search(r"in (59 min|1 h)", header)
    assert str(clinician) in header


def test_what_triggered_it_is_the_question_and_the_answer_in_the_clinicians_time(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    triggered = section(
        text(admin_client_for(clinician).get(page_url(emergency))), "What triggered it"
    )

    assert triggered.startswith(CHICAGO_NOON)
    assert "Is any of this NEW: numbness between your legs, buttocks or genitals" in triggered
    assert triggered.endswith("symptoms in both legs? Yes")
    assert "ces_symptoms" not in triggered
    assert "True" not in triggered
    assert "UTC" not in triggered


def test_a_web_check_ins_evidence_shows_the_answer_the_rule_read(
    admin_client_for: Any, clinician: Clinician, ana: Patient
) -> None:
    # A web check-in's evidence names its first answer (back pain); the page shows the answers
    # its rule reads.
    checkin = checkin_start(patient=ana, channel=Checkin.Channel.WEB)
    stored = checkin_record_answers(
        checkin=checkin, answers={"back_pain": 3, "leg_pain": 8, "weakness_worsening": True}
    )
    escalation = escalate(
        patient=ana, hit=Hit("R2", Severity.EMERGENCY, "Worsening leg weakness."), answer=stored[0]
    )

    triggered = section(
        text(admin_client_for(clinician).get(page_url(escalation))), "What triggered it"
    )

    assert "Is weakness in your leg getting worse" in triggered
    assert triggered.endswith("giving way? Yes")
    assert "back pain" not in triggered


def test_a_web_check_ins_advice_is_shown_as_what_the_patient_saw_on_screen(
    admin_client_for: Any, clinician: Clinician, ana: Patient
) -> None:
    from care.web_checkin import web_checkin_record
    from messaging.texts import render

    result = web_checkin_record(patient=ana, answers={"back_pain": 3, "ces_symptoms": True})
    escalation = Escalation.objects.get(patient=ana, rule="R1")

    told = section(
        text(admin_client_for(clinician).get(page_url(escalation))), "What the patient was told"
    )

    assert result.advice
    assert render("esc_r1", ana.language) == result.advice
    assert result.advice.strip().splitlines()[0] in told
    assert "shown on screen at the end of the web check-in" in told
    assert "No text has been sent" not in told


def test_pain_answers_read_as_out_of_ten(
    admin_client_for: Any, clinician: Clinician, ana: Patient
) -> None:
    checkin = checkin_start(patient=ana)
    stored = checkin_record_answers(checkin=checkin, answers={"back_pain": 8, "leg_pain": 9})
    escalation = escalate(
        patient=ana,
        hit=Hit("R12", Severity.H72, "Pain 8 or more on two check-ins."),
        answer=stored[1],
    )

    triggered = section(
        text(admin_client_for(clinician).get(page_url(escalation))), "What triggered it"
    )

    assert "back pain on average in the last 24 hours? 8 out of 10" in triggered
    assert "leg or nerve pain" in triggered
    assert triggered.endswith("9 out of 10")


def test_a_message_for_the_care_team_shows_the_patients_words(
    admin_client_for: Any, clinician: Clinician, ana: Patient, client: Client
) -> None:
    reply(client, ana, "Can I swim this week?")
    drain_inbound()
    escalation = Escalation.objects.get(patient=ana, rule="R24")

    html = text(admin_client_for(clinician).get(page_url(escalation)))

    assert "The patient wrote: Can I swim this week?" in section(html, "What triggered it")
    told = section(html, "What the patient was told")
    assert "your care team will read this within a day" in told.lower()
    assert told.endswith("(with the SMS provider)")


def test_what_the_patient_was_told_is_the_emergency_advice_with_its_delivery(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    Message.objects.filter(template="esc_r1").update(status="delivered")

    told = section(
        text(admin_client_for(clinician).get(page_url(emergency))), "What the patient was told"
    )

    assert told.startswith(CHICAGO_NOON)
    assert "Go to the emergency department now or call 911" in told
    assert told.endswith("(delivered)")
    assert "Is weakness" not in told  # the check-in's questions are not what they were told


def test_what_this_rule_means_is_in_plain_words(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    meaning = section(
        text(admin_client_for(clinician).get(page_url(emergency))), "What this rule means"
    )

    assert meaning == RULE_MEANINGS["R1"]
    assert "emergency department" in meaning


def test_notifications_say_the_step_whom_how_when_and_whether_sent(
    admin_client_for: Any, north: Team
) -> None:
    Clinician.objects.filter(pk=north.member.pk).update(time_zone="America/Chicago")
    escalation = escalate(patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    client = admin_client_for(north.member)
    before = section(text(client.get(page_url(escalation))), "Notifications")

    notify_step(escalation_id=escalation.pk, step=0, now=timezone.now())
    notify_step(escalation_id=escalation.pk, step=1, now=timezone.now())
    after = section(text(client.get(page_url(escalation))), "Notifications")

    assert before == "The chain has told nobody yet."
    assert f"{north.responsible} by SMS (responsible or cover): sent to their phone" in after
    assert f"{north.responsible} by email (responsible or cover): not sent yet" in after
    assert f"{north.on_call} by SMS (on call and lead)" in after
    assert f"{north.lead} by email (on call and lead)" in after
    assert "Mon 15 Jun 12:" in after
    assert "UTC" not in after


def test_a_running_referral_clock_is_linked_for_recording_the_referral(
    admin_client_for: Any, clinician: Clinician, ana: Patient
) -> None:
    escalation = escalate(
        patient=ana, hit=Hit("R8", Severity.H72, "Severe leg pain.", Clock.TWO_WEEKS)
    )
    clock = ana.referral_clocks.get()

    html = text(admin_client_for(clinician).get(page_url(escalation)))

    link = f'<a href="/admin/escalations/referralclock/{clock.pk}/change/">Record a referral: '
    assert link + "2-week referral clock, deadline" in html


def test_the_raw_fields_are_gone_and_the_form_is_what_the_clinician_types(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    page = admin_client_for(clinician).get(page_url(emergency))

    assert list(page.context["adminform"].form.fields) == [
        "resolution_note",
        "tell_patient",
        "reply",
    ]
    assert "ces_symptoms" not in text(page)
    assert "evidence_count" not in text(page)


def test_acknowledging_says_the_chain_stopped_and_the_patient_was_texted(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    client = admin_client_for(clinician)
    url = page_url(emergency)

    response = client.post(
        url, form(client, url, _acknowledge="1", resolution_note=""), follow=True
    )

    html = text(response)
    assert response.redirect_chain[-1][0] == url  # stays on the escalation
    assert (
        "Acknowledged: the chain has stopped and Ana was texted that the care team has seen it."
        in html
    )
    assert "was changed successfully" not in html
    assert Message.objects.filter(template="care_team_acknowledged").exists()
    assert re.search(
        rf"Acknowledged by {clinician.user.get_full_name()} at Mon 15 Jun 12:\d\d CDT", html
    )


def test_acknowledging_twice_says_nothing_changed(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    client = admin_client_for(clinician)
    url = page_url(emergency)
    data = form(client, url, _acknowledge="1", resolution_note="")
    client.post(url, data)

    again = text(client.post(url, data, follow=True))

    assert "Nothing changed: Acknowledged by" in again
    assert Message.objects.filter(template="care_team_acknowledged").count() == 1


def test_resolving_confirms_the_note_and_goes_back_to_the_queue(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    client = admin_client_for(clinician)
    url = page_url(emergency)

    response = client.post(
        url,
        form(client, url, _resolve="1", resolution_note="Called; sent to ED", tell_patient="on"),
        follow=True,
    )

    html = text(response)
    assert response.redirect_chain[-1][0].startswith("/admin/escalations/escalation/")
    assert (
        "Resolved with your note and Ana was texted that the care team has seen the message."
        in html
    )
    assert "was changed successfully" not in html
    emergency.refresh_from_db()
    assert (emergency.status, emergency.resolution_note) == ("resolved", "Called; sent to ED")


def test_resolving_without_telling_the_patient_says_only_that(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    client = admin_client_for(clinician)
    url = page_url(emergency)

    response = client.post(
        url, form(client, url, _resolve="1", resolution_note="Seen"), follow=True
    )

    assert confirmations(response) == ["Resolved with your note."]


def test_replying_says_what_was_sent_to_whom(
    admin_client_for: Any, clinician: Clinician, emergency: Escalation
) -> None:
    client = admin_client_for(clinician)
    url = page_url(emergency)

    response = client.post(
        url,
        form(client, url, _reply="1", resolution_note="", reply="We are calling you now."),
        follow=True,
    )

    html = text(response)
    assert response.redirect_chain[-1][0] == url
    assert "Sent to Ana: “We are calling you now.”" in html
    assert "was changed successfully" not in html
    assert "We are calling you now." in section(html, "What the patient was told")


def test_a_clinician_of_another_team_gets_404(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    theirs = escalate(patient=south.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    client = admin_client_for(north.member)

    assert client.get(page_url(theirs)).status_code == 404
    assert client.post(page_url(theirs), {"_acknowledge": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_the_page_costs_the_same_queries_however_much_evidence_and_chain(
    admin_client_for: Any, north: Team
) -> None:
    checkin = checkin_start(patient=north.patient)
    answers = checkin_record_answers(
        checkin=checkin, answers={"back_pain": 3, "ces_symptoms": True}
    )

    sids = itertools.count()

    def said() -> Message:
        sid = f"SMq{next(sids)}"
        return Message.objects.create(
            direction="in", patient=north.patient, phone="+1", body=sid, provider_sid=sid
        )

    def more(n: int) -> None:
        Evidence.objects.bulk_create(
            Evidence(escalation=escalation, detail="again", answer=answers[0], message=said())
            for _ in range(n)
        )
        Notification.objects.bulk_create(
            Notification(
                escalation=escalation,
                clinician=who,
                step=step,
                channel="sms",
                sent_at=timezone.now(),
            )
            for step in range(n)
            for who in (north.on_call, north.lead, north.member)
        )

    escalation = escalate(
        patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"), answer=answers[0]
    )
    more(1)
    client = admin_client_for(north.member)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(escalation)).status_code == 200
        return len(captured.captured_queries)

    count()
    few = count()
    more(30)

    assert count() == few


def test_an_unreadable_red_flag_answer_shows_what_they_wrote(
    admin_client_for: Any, clinician: Clinician, ana: Patient
) -> None:
    checkin = checkin_start(patient=ana)
    stored = checkin_record_answers(checkin=checkin, answers={"ces_symptoms": None})
    stored[0].raw = "not sure"
    stored[0].save()
    escalation = escalate(
        patient=ana,
        hit=Hit("R25", Severity.SAME_DAY, 'A red-flag question answered "not sure".'),
        answer=stored[0],
    )

    triggered = section(
        text(admin_client_for(clinician).get(page_url(escalation))), "What triggered it"
    )

    assert triggered.endswith('No readable answer (they replied "not sure")')
    assert "Is any of this NEW" in triggered


def test_an_old_escalation_says_how_many_earlier_rows_are_not_shown(
    admin_client_for: Any, clinician: Clinician, ana: Patient
) -> None:
    escalation = escalate(patient=ana, hit=Hit("R10", Severity.ROUTINE, "Leg pain not settling."))
    Evidence.objects.bulk_create(
        Evidence(
            escalation=escalation,
            detail="Leg pain not settling.",
            at=timezone.now() + timedelta(days=i),
        )
        for i in range(60)
    )
    Escalation.objects.filter(pk=escalation.pk).update(evidence_count=61)

    html = text(admin_client_for(clinician).get(page_url(escalation)))

    assert "The latest 50 are shown; 11 earlier ones are not." in html


def test_acknowledging_a_clinicians_task_texts_no_one(
    admin_client_for: Any, clinician: Clinician, ana: Patient
) -> None:
    task = escalate(patient=ana, hit=Hit("R13", Severity.ROUTINE, "Re-screen with STarT Back."))
    client = admin_client_for(clinician)
    url = page_url(task)

    response = client.post(
        url, form(client, url, _acknowledge="1", resolution_note=""), follow=True
    )

    assert confirmations(response) == ["Acknowledged: the chain has stopped."]


def test_acknowledging_says_when_the_patient_could_not_be_texted(
    admin_client_for: Any, clinician: Clinician, ana: Patient, emergency: Escalation
) -> None:
    patient_set_sms_consent(patient=ana, state="opted_out", source="sms_keyword")
    client = admin_client_for(clinician)
    url = page_url(emergency)

    html = text(
        client.post(url, form(client, url, _acknowledge="1", resolution_note=""), follow=True)
    )

    assert "Acknowledged: the chain has stopped; Ana was not texted (patient opted out)." in html


def test_referral_clocks_read_in_words(admin_client_for: Any, patient: Patient) -> None:
    clock = clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R8", now=timezone.now())
    client = admin_client_for(patient.clinician)

    listing = unescape(client.get("/admin/escalations/referralclock/").content.decode())
    page = unescape(
        client.get(f"/admin/escalations/referralclock/{clock.pk}/change/").content.decode()
    )

    for html in (listing, page):
        assert "2-week referral" in html
        assert RULE_MEANINGS["R8"].split(":")[0] in html
        assert ">R8<" not in html
        assert ">2w<" not in html
    assert "2-week referral clock" in page  # the title and breadcrumbs, not "patient 3"
