"""The care-team API: teams, who is on call, away status, and what each team may see."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Clinician
from escalations.notifications import notify_step
from escalations.rules import Hit, Severity
from escalations.services import escalate
from tests.factories import Team, make_patient


def as_user(clinician: Clinician) -> APIClient:
    client = APIClient()
    client.force_authenticate(clinician.user)
    return client


def test_a_member_lists_their_team_with_lead_on_call_and_members(north: Team, south: Team) -> None:
    response = as_user(north.member).get("/api/v1/teams/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": north.team.pk,
            "name": "north",
            "lead": "north-lead",
            "on_call": "north-oncall",
            "members": ["north-lead", "north-member", "north-oncall", "north-resp"],
        }
    ]


def test_a_clinician_in_no_team_has_none(clinician: Clinician, north: Team) -> None:
    assert as_user(clinician).get("/api/v1/teams/").json() == []


def test_the_lead_sets_who_is_on_call(north: Team) -> None:
    response = as_user(north.lead).patch(
        f"/api/v1/teams/{north.team.pk}/", {"on_call": "north-member"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["on_call"] == "north-member"
    assert AuditEvent.objects.filter(actor=north.lead.user, detail="on call: north-member").exists()


def test_a_member_who_is_not_the_lead_may_not(north: Team) -> None:
    response = as_user(north.member).patch(
        f"/api/v1/teams/{north.team.pk}/", {"on_call": "north-member"}, format="json"
    )

    assert response.status_code == 403
    north.team.refresh_from_db()
    assert north.team.on_call == north.on_call


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"on_call": "south-lead"}, "on_call", "Not a member of this team."),
        ({"on_call": 7}, "on_call", "Must be a string."),
        ({}, "on_call", "This field is required."),
        ({"on_call": "north-member", "lead": "x"}, "lead", "Unknown field."),
    ],
)
def test_bad_on_call_changes_are_400_with_a_message(
    north: Team, south: Team, body: dict[str, Any], field: str, message: str
) -> None:
    response = as_user(north.lead).patch(f"/api/v1/teams/{north.team.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_another_teams_team_is_404(north: Team, south: Team) -> None:
    client = as_user(north.lead)

    assert client.get(f"/api/v1/teams/{south.team.pk}/").status_code == 404
    patch = client.patch(f"/api/v1/teams/{south.team.pk}/", {"on_call": None}, format="json")
    assert patch.status_code == 404


def test_away_until_sends_my_patients_alerts_to_the_on_call_member(north: Team) -> None:
    until = timezone.now() + timedelta(days=2)
    response = as_user(north.responsible).patch(
        "/api/v1/clinicians/me/", {"away_until": until.isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["away_until"] is not None
    assert response.json()["team"] == "north"

    escalation = escalate(patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    notify_step(escalation_id=escalation.pk, step=0)
    detail = as_user(north.member).get(f"/api/v1/escalations/{escalation.pk}/").json()
    assert [(n["clinician"], n["step"]) for n in detail["notifications"]] == [
        ("north-oncall", 0),
        ("north-oncall", 0),  # the SMS and the email
    ]
    assert {n["channel"] for n in detail["notifications"]} == {"sms", "email"}
    assert detail["chain_step"] == 0

    back = as_user(north.responsible).patch(
        "/api/v1/clinicians/me/", {"away_until": None}, format="json"
    )
    assert back.json()["away_until"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"away_until": "next tuesday"}, "Datetime has wrong format."),
        ({"away_until": "2020-01-01T00:00:00Z"}, "Choose a time in the future, or clear it."),
        ({}, "This field is required."),
    ],
)
def test_bad_away_times_are_400(north: Team, body: dict[str, Any], message: str) -> None:
    response = as_user(north.responsible).patch("/api/v1/clinicians/me/", body, format="json")

    assert response.status_code == 400
    assert response.json()["away_until"][0].startswith(message)


def test_team_members_work_the_teams_patients_and_another_teams_are_404(
    north: Team, south: Team
) -> None:
    second = make_patient(clinician=north.member).patient
    escalation = escalate(patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    client = as_user(north.member)

    ids = {row["id"] for row in client.get("/api/v1/patients/").json()["results"]}
    assert ids == {north.patient.pk, second.pk}
    assert client.get(f"/api/v1/patients/{north.patient.pk}/").status_code == 200
    assert client.get(f"/api/v1/patients/{south.patient.pk}/").status_code == 404
    assert client.post(f"/api/v1/escalations/{escalation.pk}/acknowledge/").status_code == 200
    outsider = as_user(south.lead)
    assert outsider.get(f"/api/v1/escalations/{escalation.pk}/").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/escalations/{escalation.pk}/resolve/", {"note": "x"}, format="json"
        ).status_code
        == 404
    )
