"""The clinicians' work queue in the admin: own patients, urgent first, actions, audit trail."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Clinician, Patient
from escalations.models import Escalation, ReferralClock
from escalations.rules import Clock, Hit, Severity
from escalations.services import clock_start, escalate

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
