"""The clinicians' work queue in the admin: own patients, urgent first, actions, audit trail."""

import re
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Clinician, Patient
from accounts.services import clinician_set_away
from escalations.models import Escalation, Notification, ReferralClock
from escalations.notifications import notify_step
from escalations.rules import Clock, Hit, Severity
from escalations.services import clock_start, escalate
from tests.factories import Team, make_patient

QUEUE = "/admin/escalations/escalation/"


def hit(rule: str, severity: Severity) -> Hit:
    return Hit(rule, severity, f"{rule} fired")


@pytest.fixture
def queue(patient: Patient, other_patient: Patient) -> dict[str, Escalation]:
    return {
        "routine": escalate(patient=patient, hit=hit("R15", Severity.ROUTINE)),
        "emergency": escalate(patient=patient, hit=hit("R1", Severity.EMERGENCY)),
        "theirs": escalate(patient=other_patient, hit=hit("R2", Severity.EMERGENCY)),
    }


def test_the_queue_shows_own_patients_most_urgent_first(
    admin_client_for: Any, clinician: Clinician, queue: Any
) -> None:
    response = admin_client_for(clinician).get(QUEUE)

    rows = list(response.context["cl"].result_list)
    assert [e.pk for e in rows] == [queue["emergency"].pk, queue["routine"].pk]
    assert "Otto" not in response.content.decode()


def test_overdue_filter(admin_client_for: Any, clinician: Clinician, queue: Any) -> None:
    Escalation.objects.filter(pk=queue["emergency"].pk).update(
        due_at=timezone.now() - timedelta(hours=1)
    )

    rows = admin_client_for(clinician).get(QUEUE, {"overdue": "yes"}).context["cl"].result_list

    assert [e.pk for e in rows] == [queue["emergency"].pk]


def test_search_by_the_last_digits_of_the_phone(
    admin_client_for: Any, clinician: Clinician, patient: Patient, queue: Any
) -> None:
    rows = (
        admin_client_for(clinician)
        .get(QUEUE, {"q": str(patient.phone)[-4:]})
        .context["cl"]
        .result_list
    )

    assert {e.patient_id for e in rows} == {patient.pk}


def test_another_clinicians_escalation_is_404(
    admin_client_for: Any, clinician: Clinician, queue: Any
) -> None:
    client = admin_client_for(clinician)
    url = f"{QUEUE}{queue['theirs'].pk}/change/"

    assert client.get(url).status_code == 404
    assert client.post(url, {"_acknowledge": "1", "resolution_note": ""}).status_code == 404
    queue["theirs"].refresh_from_db()
    assert queue["theirs"].status == "open"


def form(client: Any, url: str, **data: str) -> dict[str, Any]:
    """The change form's own data (inline management fields included) plus `data`."""
    page = client.get(url)
    fields: dict[str, Any] = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        fields.update({f"{formset.formset.prefix}-{k}": v for k, v in management.initial.items()})
        for inline_form in formset.formset.forms:
            fields[f"{inline_form.prefix}-id"] = inline_form.instance.pk
            fields[f"{inline_form.prefix}-escalation"] = inline_form.instance.escalation_id
    return {**fields, **data}


def test_acknowledge_and_resolve_with_a_note_are_audited(
    admin_client_for: Any, clinician: Clinician, queue: Any
) -> None:
    client = admin_client_for(clinician)
    url = f"{QUEUE}{queue['emergency'].pk}/change/"

    client.post(url, form(client, url, _acknowledge="1", resolution_note=""))
    refused = client.post(url, form(client, url, _resolve="1", resolution_note="  "))
    client.post(url, form(client, url, _resolve="1", resolution_note="Called; sent to ED"))

    assert "Say what was done" in refused.content.decode()
    escalation = Escalation.objects.get(pk=queue["emergency"].pk)
    assert (escalation.status, escalation.resolution_note) == ("resolved", "Called; sent to ED")
    assert escalation.acknowledged_by == clinician.user
    trail = list(AuditEvent.objects.filter(what=f"escalation {escalation.pk}").order_by("at", "pk"))
    assert [(e.action, e.detail) for e in trail if e.action == "change"] == [
        ("change", "acknowledged"),
        ("change", "resolved"),
    ]
    assert ("view", "") in [(e.action, e.detail) for e in trail]
    assert all(e.actor == clinician.user for e in trail)


def test_bulk_acknowledge(admin_client_for: Any, clinician: Clinician, queue: Any) -> None:
    ids = [queue["emergency"].pk, queue["routine"].pk, queue["theirs"].pk]

    admin_client_for(clinician).post(QUEUE, {"action": "acknowledge", "_selected_action": ids})

    statuses = dict(Escalation.objects.values_list("pk", "status"))
    assert statuses[queue["emergency"].pk] == statuses[queue["routine"].pk] == "acknowledged"
    assert statuses[queue["theirs"].pk] == "open"  # not theirs to touch


def test_record_a_referral_stops_the_clock(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    clock = clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R8", now=timezone.now())
    url = f"/admin/escalations/referralclock/{clock.pk}/change/"
    client = admin_client_for(clinician)

    missing = client.post(
        url, {"_refer": "1", "referral_type": "", "referral_date": "", "stop_note": ""}
    )
    client.post(
        url,
        {
            "_refer": "1",
            "referral_type": "Spinal surgery",
            "referral_date": "2026-06-16",
            "stop_note": "",
        },
    )

    assert "Which service" in missing.content.decode()
    clock.refresh_from_db()
    assert (clock.stop_reason, clock.referral_type, clock.referral_date) == (
        "referred",
        "Spinal surgery",
        date(2026, 6, 16),
    )
    assert AuditEvent.objects.filter(
        what=f"referral clock {clock.pk}", detail="referral recorded"
    ).exists()


def test_dismissing_a_clock_needs_a_reason(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    clock = clock_start(patient=patient, kind=Clock.THREE_MONTHS, rule="R10", now=timezone.now())
    url = f"/admin/escalations/referralclock/{clock.pk}/change/"
    client = admin_client_for(clinician)

    client.post(url, {"_dismiss": "1", "referral_type": "", "referral_date": "", "stop_note": ""})
    assert ReferralClock.objects.get(pk=clock.pk).stopped_at is None
    client.post(
        url,
        {
            "_dismiss": "1",
            "referral_type": "",
            "referral_date": "",
            "stop_note": "Settled on review",
        },
    )
    assert ReferralClock.objects.get(pk=clock.pk).stop_reason == "dismissed"


def test_the_audit_trail_is_readable_and_not_editable(
    admin_client_for: Any, clinician: Clinician, patient: Patient, other_patient: Patient
) -> None:
    client = admin_client_for(clinician)
    client.get(f"/admin/accounts/patient/{patient.pk}/change/")
    event = AuditEvent.objects.get(patient=patient, action="view")

    page = client.get("/admin/accounts/auditevent/")
    assert page.status_code == 200
    assert {e.patient_id for e in page.context["cl"].result_list} == {patient.pk}
    assert (
        client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"what": "x"}).status_code
        == 403
    )
    assert (
        client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.what == "patient (admin)"


def test_api_views_of_a_patient_are_audited(
    api: Any, patient: Patient, clinician: Clinician
) -> None:
    api.get(f"/api/v1/patients/{patient.pk}/")
    api.get(f"/api/v1/patients/{patient.pk}/messages/")

    assert list(
        AuditEvent.objects.filter(action="view").values_list("what", flat=True).order_by("at", "pk")
    ) == [
        "patient (API)",
        "messages (API)",
    ]


def test_queue_queries_are_bounded_with_many_escalations(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = admin_client_for(clinician)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured.captured_queries)

    escalate(patient=patient, hit=hit("R1", Severity.EMERGENCY))
    count()
    few = count()
    Escalation.objects.bulk_create(
        [
            Escalation(
                patient=patient,
                rule=f"X{i}",
                severity="routine",
                status="resolved",
                reason="r",
                due_at=timezone.now(),
            )
            for i in range(2000)
        ]
    )
    assert count() == few


# --- the queue by care team ----------------------------------------------------------------------


def columns(page: Any, escalation: Escalation) -> dict[str, str]:
    """The escalation's row in the queue as the clinician reads it: column name → text."""
    rows = page.content.decode().split("<tr")
    row = next(r for r in rows if f'name="_selected_action" value="{escalation.pk}"' in r)
    cells = re.findall(r'<t[dh] class="field-(\w+)[^"]*">(.*?)</t[dh]>', row, re.S)
    return {name: unescape(re.sub(r"<[^>]+>", "", text)).strip() for name, text in cells}


def test_away_status_set_in_the_admin_shows_cover_in_the_queue(
    admin_client_for: Any, client: Any, north: Team
) -> None:
    escalation = escalate(patient=north.patient, hit=hit("R1", Severity.EMERGENCY))
    admin_client_for(north.responsible).post(
        f"/admin/accounts/clinician/{north.responsible.pk}/change/",
        {"away_until_0": "2026-06-20", "away_until_1": "09:00"},
    )
    client.logout()

    row = columns(admin_client_for(north.lead).get(QUEUE), escalation)
    clinician_set_away(
        clinician=north.on_call, until=timezone.now() + timedelta(days=1), actor=north.on_call.user
    )
    row_on_call_away = columns(admin_client_for(north.lead).get(QUEUE), escalation)

    away = f"{north.responsible} (away until Sat 20 Jun 09:00 UTC)"
    assert row["team_side"] == f"{away}covered by {north.on_call}"
    assert row_on_call_away["team_side"] == f"{away}covered by {north.lead}"


def test_no_cover_is_shown_while_the_responsible_clinician_is_in(
    admin_client_for: Any, north: Team
) -> None:
    escalation = escalate(patient=north.patient, hit=hit("R1", Severity.EMERGENCY))

    row = columns(admin_client_for(north.lead).get(QUEUE), escalation)

    assert row["team_side"] == str(north.responsible)


def test_mine_and_my_team(admin_client_for: Any, north: Team, south: Team) -> None:
    members_patient = make_patient(clinician=north.member, first_name="Mia").patient
    mine = escalate(patient=north.patient, hit=hit("R15", Severity.ROUTINE))
    colleagues = escalate(patient=members_patient, hit=hit("R15", Severity.ROUTINE))
    escalate(patient=south.patient, hit=hit("R15", Severity.ROUTINE))
    client = admin_client_for(north.responsible)

    def shown(**query: str) -> set[int]:
        return {e.pk for e in client.get(QUEUE, query).context["cl"].result_list}

    assert shown(whose="mine") == {mine.pk}
    assert shown(whose="team") == shown() == {mine.pk, colleagues.pk}


def test_the_queue_shows_who_the_chain_told_when_and_its_step(
    admin_client_for: Any, north: Team
) -> None:
    escalation = escalate(patient=north.patient, hit=hit("R1", Severity.EMERGENCY))
    client = admin_client_for(north.member)
    before = columns(client.get(QUEUE), escalation)

    notify_step(escalation_id=escalation.pk, step=0, now=timezone.now())
    first = columns(client.get(QUEUE), escalation)
    notify_step(escalation_id=escalation.pk, step=1, now=timezone.now())
    second = columns(client.get(QUEUE), escalation)

    assert before["chain_side"] == "-"  # the admin's "empty"
    assert first["chain_side"].startswith(
        f"Step 0: responsible or cover{north.responsible} at Mon 15 Jun 17:"
    )
    assert second["chain_side"].startswith(
        f"Step 1: on call and lead{north.on_call}, {north.lead} at Mon 15 Jun 17:"
    )


def test_assign_to_me_makes_me_responsible_and_is_audited(
    admin_client_for: Any, north: Team
) -> None:
    escalation = escalate(patient=north.patient, hit=hit("R15", Severity.ROUTINE))
    client = admin_client_for(north.member)

    response = client.post(
        QUEUE, {"action": "assign_to_me", "_selected_action": [escalation.pk]}, follow=True
    )

    north.patient.refresh_from_db()
    assert north.patient.clinician == north.member
    assert f"You are now responsible for {north.patient}." in response.content.decode()
    event = AuditEvent.objects.get(patient=north.patient, what="responsible clinician")
    assert (event.actor, event.detail) == (north.member.user, "north-resp → north-member")
    assert columns(client.get(QUEUE, {"whose": "mine"}), escalation)["team_side"] == str(
        north.member
    )


def test_assign_to_me_is_refused_for_another_teams_patient(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    theirs = escalate(patient=south.patient, hit=hit("R15", Severity.ROUTINE))

    response = admin_client_for(north.member).post(
        QUEUE, {"action": "assign_to_me", "_selected_action": [theirs.pk]}, follow=True
    )

    html = response.content.decode()
    assert "Not assigned to you: 1 selected escalation(s) of patients outside" in html
    assert str(south.patient) not in html
    south.patient.refresh_from_db()
    assert south.patient.clinician == south.responsible
    assert not AuditEvent.objects.filter(what="responsible clinician").exists()


def test_another_teams_escalation_is_404(admin_client_for: Any, north: Team, south: Team) -> None:
    theirs = escalate(patient=south.patient, hit=hit("R1", Severity.EMERGENCY))
    ours = escalate(patient=north.patient, hit=hit("R1", Severity.EMERGENCY))
    client = admin_client_for(north.member)

    assert client.get(f"{QUEUE}{ours.pk}/change/").status_code == 200  # a colleague's patient
    assert client.get(f"{QUEUE}{theirs.pk}/change/").status_code == 404
    assert theirs.pk not in {e.pk for e in client.get(QUEUE).context["cl"].result_list}


def test_team_queue_queries_are_constant_however_many_rows(
    admin_client_for: Any, north: Team
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clinician_set_away(
        clinician=north.responsible,
        until=timezone.now() + timedelta(days=1),
        actor=north.responsible.user,
    )
    client = admin_client_for(north.lead)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured.captured_queries)

    def escalations_with_notices(patient: Patient, n: int) -> None:
        created = Escalation.objects.bulk_create(
            Escalation(
                patient=patient,
                rule=f"Y{patient.pk}-{i}",
                severity="emergency",
                status="open",
                reason="r",
                due_at=timezone.now(),
                chain_step=1,
                last_notified_at=timezone.now(),
            )
            for i in range(n)
        )
        Notification.objects.bulk_create(
            Notification(
                escalation=escalation,
                clinician=clinician,
                step=step,
                channel="sms",
                sent_at=timezone.now(),
            )
            for escalation in created
            for step, clinician in ((0, north.on_call), (1, north.on_call), (1, north.lead))
        )

    escalations_with_notices(north.patient, 1)
    count()
    few = count()
    for owner in (north.member, north.on_call, north.lead):
        escalations_with_notices(make_patient(clinician=owner).patient, 40)

    assert count() == few


def test_each_row_reads_in_words_in_the_clinicians_own_time_zone(
    admin_client_for: Any, clinician: Clinician, patient: Patient, client: Any
) -> None:
    from messaging.models import Message

    emergency = escalate(
        patient=patient, hit=Hit("R1", Severity.EMERGENCY, "Possible cauda equina symptoms.")
    )
    words = Message.objects.create(
        direction="in",
        patient=patient,
        phone=str(patient.phone),
        body="Can someone call me?\nThanks",
        provider_sid="SMwords",
    )
    remark = escalate(
        patient=patient, hit=Hit("R24", Severity.H24, "A message for the care team."), message=words
    )
    Escalation.objects.filter(pk=emergency.pk).update(due_at=timezone.now() - timedelta(minutes=40))
    Clinician.objects.filter(pk=clinician.pk).update(time_zone="America/Chicago")

    page = admin_client_for(clinician).get(QUEUE)
    row, said = columns(page, emergency), columns(page, remark)

    assert row["what"] == "Possible cauda equina symptoms."
    assert row["severity_label"] == "Emergency"
    assert "overdue by 40 min" in row["due"]
    assert row["due"].startswith("Mon 15 Jun 11:20 CDT")  # 16:20 UTC, in Chicago
    assert row["patient_contact"] == f"{patient}call ··{str(patient.phone)[-4:]}"
    assert f'href="tel:{patient.phone}"' in page.content.decode()
    assert said["what"] == "A message for the care team.Can someone call me?"
    assert said["severity_label"] == "Within 24 hours"
    assert said["due"].endswith("in 23 h 59 min") or said["due"].endswith("in 24 h")


def test_a_clinician_without_a_time_zone_sees_the_clinics(
    admin_client_for: Any, clinician: Clinician, patient: Patient, settings: Any
) -> None:
    settings.CLINIC_TIME_ZONE = "Europe/London"
    escalation = escalate(patient=patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))

    row = columns(admin_client_for(clinician).get(QUEUE), escalation)

    assert "GMT" in row["due"] or "BST" in row["due"]


def test_a_blank_text_for_the_care_team_still_shows_its_row(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    from messaging.models import Message

    blank = Message.objects.create(
        direction="in", patient=patient, phone=str(patient.phone), body="  \n ", provider_sid="SMb"
    )
    escalation = escalate(
        patient=patient, hit=Hit("R24", Severity.H24, "A message for the care team."), message=blank
    )

    page = admin_client_for(clinician).get(QUEUE)

    assert page.status_code == 200
    assert columns(page, escalation)["what"] == "A message for the care team."


def test_the_severity_filter_reads_in_words_and_keeps_the_dashboards_links(
    admin_client_for: Any, clinician: Clinician, queue: Any
) -> None:
    client = admin_client_for(clinician)

    page = client.get(QUEUE)
    emergencies = client.get(QUEUE, {"severity__exact": "emergency"}).context["cl"].result_list

    choices = [c["display"] for c in page.context["cl"].filter_specs[1].choices(page.context["cl"])]
    assert choices == [
        "All",
        "Emergency",
        "Same day",
        "Within 24 hours",
        "Within 72 hours",
        "Routine",
    ]
    assert [e.pk for e in emergencies] == [queue["emergency"].pk]


def test_the_rule_filter_says_what_happened_not_the_rule_code(
    admin_client_for: Any, clinician: Clinician, queue: Any
) -> None:
    client = admin_client_for(clinician)

    page = client.get(QUEUE)
    emergencies = client.get(QUEUE, {"rule__exact": queue["emergency"].rule}).context["cl"]

    spec = next(s for s in page.context["cl"].filter_specs if s.title == "what happened")
    labels = [str(c["display"]) for c in spec.choices(page.context["cl"])]
    assert labels[0] == "All"
    assert len(labels) == 28  # R1–R27
    assert "The patient texted HELP" in labels
    assert not [label for label in labels if re.fullmatch(r"R\d+", label)]
    assert all(len(label) <= 57 for label in labels)
    assert queue["emergency"].pk in [e.pk for e in emergencies.result_list]
