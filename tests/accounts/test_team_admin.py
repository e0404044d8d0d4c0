"""Care teams in the admin: the lead sets who is on call, a clinician marks themself away, the
responsible clinician moves within the team; another team is never in sight."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent, CareTeam, Clinician, Patient, User
from tests.admin_forms import change_form_data
from tests.conftest import staff_sign_in
from tests.factories import Team, make_clinician, make_patient

TEAMS = "/admin/accounts/careteam/"
CLINICIANS = "/admin/accounts/clinician/"


def team_url(team: CareTeam) -> str:
    return f"{TEAMS}{team.pk}/change/"


def clinician_url(clinician: Clinician) -> str:
    return f"{CLINICIANS}{clinician.pk}/change/"


def patient_url(patient: Patient) -> str:
    return f"/admin/accounts/patient/{patient.pk}/change/"


@pytest.fixture
def operator(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.org", "a-long-test-pass")


# --- the team ------------------------------------------------------------------------------------


def test_a_clinician_sees_their_own_team_only(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    client = admin_client_for(north.member)

    page = client.get(TEAMS)

    assert [team.pk for team in page.context["cl"].result_list] == [north.team.pk]
    html = page.content.decode()
    assert "south" not in html
    assert '<td class="field-member_count">4</td>' in html
    assert client.get(team_url(south.team)).status_code == 404
    assert client.post(team_url(south.team), {"on_call": south.member.pk}).status_code == 404
    south.team.refresh_from_db()
    assert south.team.on_call == south.on_call


def test_the_lead_changes_who_is_on_call_and_it_is_audited(
    admin_client_for: Any, north: Team
) -> None:
    client = admin_client_for(north.lead)

    response = client.post(team_url(north.team), {"on_call": north.member.pk})

    assert response.status_code == 302
    north.team.refresh_from_db()
    assert north.team.on_call == north.member
    event = AuditEvent.objects.get(what=f"care team {north.team.pk}")
    assert (event.actor, event.action, event.detail) == (
        north.lead.user,
        "change",
        "on call: north-member",
    )


def test_only_the_teams_members_are_offered_as_on_call(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    client = admin_client_for(north.lead)

    offered = client.get(team_url(north.team)).context["adminform"].form.fields["on_call"]
    refused = client.post(team_url(north.team), {"on_call": south.member.pk})

    assert set(offered.queryset) == {north.responsible, north.on_call, north.lead, north.member}
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    north.team.refresh_from_db()
    assert north.team.on_call == north.on_call
    assert not AuditEvent.objects.filter(what=f"care team {north.team.pk}").exists()


def test_a_member_who_is_not_the_lead_sees_the_team_read_only(
    admin_client_for: Any, north: Team
) -> None:
    client = admin_client_for(north.member)

    page = client.get(team_url(north.team))
    refused = client.post(team_url(north.team), {"on_call": north.member.pk})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="on_call"' not in page.content.decode()
    assert refused.status_code == 403
    north.team.refresh_from_db()
    assert north.team.on_call == north.on_call
    assert not AuditEvent.objects.filter(what=f"care team {north.team.pk}").exists()


def test_clinicians_neither_add_nor_delete_teams(admin_client_for: Any, north: Team) -> None:
    client = admin_client_for(north.lead)

    assert client.get(f"{TEAMS}add/").status_code == 403
    assert client.post(f"{TEAMS}{north.team.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CareTeam.objects.filter(pk=north.team.pk).exists()


def test_an_operator_makes_a_team_and_chooses_its_lead(
    client: Client, operator: User, north: Team
) -> None:
    staff_sign_in(client, operator)
    newcomer = make_clinician(username="east-lead")

    assert client.get(f"{TEAMS}add/").status_code == 200
    client.post(f"{TEAMS}add/", {"name": "east"})
    east = CareTeam.objects.get(name="east")
    Clinician.objects.filter(pk=newcomer.pk).update(team=east)
    client.post(team_url(east), {"name": "east", "lead": newcomer.pk, "on_call": newcomer.pk})

    east.refresh_from_db()
    assert (east.lead, east.on_call) == (newcomer, newcomer)
    assert AuditEvent.objects.get(what=f"care team {east.pk}").detail == "on call: east-lead"
    assert {team.name for team in client.get(TEAMS).context["cl"].result_list} == {
        "east",
        "north",
    }


# --- away and cover ------------------------------------------------------------------------------


def test_my_away_status_page_is_my_own_clinician_page(admin_client_for: Any, north: Team) -> None:
    response = admin_client_for(north.responsible).get(f"{CLINICIANS}me/")

    assert response.status_code == 302
    assert response["Location"] == clinician_url(north.responsible)


def test_a_clinician_marks_themself_away_and_it_is_audited(
    admin_client_for: Any, north: Team
) -> None:
    client = admin_client_for(north.responsible)

    page = client.get(clinician_url(north.responsible))
    response = client.post(
        clinician_url(north.responsible),
        {"away_until_0": "2026-06-20", "away_until_1": "09:00", "email": "changed@example.org"},
    )

    assert list(page.context["adminform"].form.fields) == ["away_until"]
    assert response.status_code == 302
    north.responsible.refresh_from_db()
    assert north.responsible.away_until == datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
    assert north.responsible.email != "changed@example.org"  # read-only for clinicians
    event = AuditEvent.objects.get(what=f"clinician {north.responsible.pk}")
    assert (event.actor, event.detail) == (
        north.responsible.user,
        "away until 2026-06-20T09:00+00:00",
    )

    client.post(clinician_url(north.responsible), {"away_until_0": "", "away_until_1": ""})
    north.responsible.refresh_from_db()
    assert north.responsible.away_until is None
    assert AuditEvent.objects.filter(
        what=f"clinician {north.responsible.pk}", detail="back"
    ).exists()


def test_an_away_time_in_the_past_is_refused(admin_client_for: Any, north: Team) -> None:
    client = admin_client_for(north.responsible)

    response = client.post(
        clinician_url(north.responsible), {"away_until_0": "2026-06-14", "away_until_1": "09:00"}
    )

    assert response.status_code == 200
    assert "Choose a time in the future" in response.content.decode()
    north.responsible.refresh_from_db()
    assert north.responsible.away_until is None
    assert not AuditEvent.objects.filter(what=f"clinician {north.responsible.pk}").exists()


def test_a_clinician_sees_their_team_read_only_and_no_one_else(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    client = admin_client_for(north.responsible)

    listed = {c.pk for c in client.get(CLINICIANS).context["cl"].result_list}
    colleague = client.get(clinician_url(north.member))
    changing_colleague = client.post(
        clinician_url(north.member), {"away_until_0": "2026-06-20", "away_until_1": "09:00"}
    )

    assert listed == {c.pk for c in (north.responsible, north.on_call, north.lead, north.member)}
    assert colleague.status_code == 200
    assert colleague.context["has_change_permission"] is False
    assert changing_colleague.status_code == 403
    assert client.get(clinician_url(south.member)).status_code == 404
    north.member.refresh_from_db()
    assert north.member.away_until is None


def test_a_clinician_in_no_team_sees_only_themself(
    admin_client_for: Any, clinician: Clinician, other_clinician: Clinician
) -> None:
    client = admin_client_for(clinician)

    assert [c.pk for c in client.get(CLINICIANS).context["cl"].result_list] == [clinician.pk]
    assert client.get(clinician_url(other_clinician)).status_code == 404
    assert list(client.get(TEAMS).context["cl"].result_list) == []


# --- the responsible clinician on the patient's record ------------------------------------------


def test_the_record_page_hands_the_patient_to_a_team_member_through_the_service(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    client = admin_client_for(north.member)
    url = patient_url(north.patient)

    offered = client.get(url).context["adminform"].form.fields["clinician"]
    response = client.post(url, change_form_data(client, url, clinician=north.member.pk))

    assert set(offered.queryset) == {north.responsible, north.on_call, north.lead, north.member}
    assert response.status_code == 302
    north.patient.refresh_from_db()
    assert north.patient.clinician == north.member
    changes = AuditEvent.objects.filter(patient=north.patient, action="change")
    assert [(e.actor, e.what, e.detail) for e in changes] == [
        (north.member.user, "responsible clinician", "north-resp → north-member")
    ]


def test_the_record_page_refuses_a_clinician_of_another_team(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    client = admin_client_for(north.member)
    url = patient_url(north.patient)

    response = client.post(url, change_form_data(client, url, clinician=south.member.pk))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    north.patient.refresh_from_db()
    assert north.patient.clinician == north.responsible
    assert not AuditEvent.objects.filter(patient=north.patient, action="change").exists()
    assert admin_client_for(north.member).get(patient_url(south.patient)).status_code == 404


def test_a_clinician_in_no_team_cannot_hand_patients_over(
    admin_client_for: Any, clinician: Clinician, other_clinician: Clinician
) -> None:
    patient = make_patient(clinician=clinician).patient
    client = admin_client_for(clinician)

    form = client.get(patient_url(patient)).context["adminform"].form

    assert "clinician" not in form.fields


def test_away_times_are_shown_on_the_viewers_own_clock(admin_client_for: Any, north: Team) -> None:
    Clinician.objects.filter(pk=north.member.pk).update(
        away_until=datetime(2026, 6, 20, 14, 0, tzinfo=UTC)
    )
    Clinician.objects.filter(pk=north.lead.pk).update(time_zone="America/Chicago")

    page = admin_client_for(north.lead).get("/admin/accounts/clinician/").content.decode()

    assert "away until Sat 20 Jun 09:00 CDT" in page  # 14:00 UTC in Chicago
