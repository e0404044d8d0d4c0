"""A clinician sees and changes only their own patients, in the API and the admin."""

from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import Clinician, Patient, User
from tests.admin_forms import change_form_data
from tests.factories import enrollment_body


def test_api_lists_only_own_patients(
    api: APIClient, patient: Patient, other_patient: Patient
) -> None:
    ids = [row["id"] for row in api.get("/api/v1/patients/").json()["results"]]

    assert ids == [patient.pk]


def test_api_detail_of_another_clinicians_patient_is_404(
    api: APIClient, patient: Patient, other_patient: Patient
) -> None:
    assert api.get(f"/api/v1/patients/{patient.pk}/").status_code == 200
    response = api.get(f"/api/v1/patients/{other_patient.pk}/")

    assert response.status_code == 404
    assert other_patient.last_name not in response.content.decode()


def test_api_enrollment_makes_the_caller_the_responsible_clinician(
    api: APIClient, clinician: Clinician, other_clinician: Clinician
) -> None:
    response = api.post("/api/v1/patients/", enrollment_body(), format="json")

    assert Patient.objects.get(pk=response.json()["id"]).clinician == clinician


def test_superuser_sees_every_patient(patient: Patient, other_patient: Patient) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "a-long-test-pass")
    client = APIClient()
    client.force_authenticate(root)

    ids = {row["id"] for row in client.get("/api/v1/patients/").json()["results"]}

    assert ids == {patient.pk, other_patient.pk}
    assert client.get(f"/api/v1/patients/{other_patient.pk}/").status_code == 200


def test_anonymous_requests_are_refused(patient: Patient) -> None:
    client = APIClient()

    assert client.get("/api/v1/patients/").status_code in (401, 403)
    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code in (401, 403)
    assert client.post("/api/v1/patients/", enrollment_body(), format="json").status_code in (
        401,
        403,
    )
    assert Patient.objects.count() == 1


def test_token_authentication_works_for_integrations(
    clinician: Clinician, patient: Patient
) -> None:
    from tests.security.test_api_tokens import token_for

    client = APIClient()
    token = token_for(clinician)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get("/api/v1/patients/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [patient.pk]


def test_a_clinician_without_the_groups_permissions_sees_nothing(
    clinician: Clinician, patient: Patient
) -> None:
    clinician.user.groups.remove(Group.objects.get(name="Clinicians"))
    user = User.objects.get(pk=clinician.user.pk)
    client = APIClient()
    client.force_authenticate(user)

    assert client.get("/api/v1/patients/").status_code == 403
    assert client.post("/api/v1/patients/", enrollment_body(), format="json").status_code == 403


def test_a_staff_user_who_is_not_a_clinician_cannot_enroll(db: Any) -> None:
    staff = User.objects.create_user("ops", "ops@example.org", "a-long-test-pass", is_staff=True)
    staff.groups.add(Group.objects.get(name="Clinicians"))
    client = APIClient()
    client.force_authenticate(staff)

    assert client.post("/api/v1/patients/", enrollment_body(), format="json").status_code == 403
    assert not Patient.objects.exists()


# --- admin ---------------------------------------------------------------------------------------


def test_admin_changelist_shows_only_own_patients(
    admin_client_for: Any, clinician: Clinician, patient: Patient, other_patient: Patient
) -> None:
    client = admin_client_for(clinician)

    page = client.get("/admin/accounts/patient/").content.decode()

    assert "Alma Own" in page
    assert "Otto Other" not in page


@pytest.mark.parametrize("suffix", ["change/", "history/", "delete/"])
def test_admin_urls_for_another_clinicians_patient_reveal_nothing(
    admin_client_for: Any, clinician: Clinician, other_patient: Patient, suffix: str
) -> None:
    client = admin_client_for(clinician)

    response = client.get(f"/admin/accounts/patient/{other_patient.pk}/{suffix}")

    assert "Otto" not in response.content.decode()
    assert response.status_code in (403, 404)


def test_admin_change_post_to_another_clinicians_patient_changes_nothing(
    admin_client_for: Any, clinician: Clinician, patient: Patient, other_patient: Patient
) -> None:
    client = admin_client_for(clinician)
    # A complete, valid form (taken from the clinician's own patient), posted to the other's URL.
    data = _complete_change_form(client, patient)
    data["first_name"] = "Hacked"

    response = client.post(f"/admin/accounts/patient/{other_patient.pk}/change/", data)

    assert response.status_code == 404
    other_patient.refresh_from_db()
    assert other_patient.first_name == "Otto"
    # The same post to their own patient's URL does change it, so the form itself is valid.
    assert client.post(f"/admin/accounts/patient/{patient.pk}/change/", data).status_code == 302
    patient.refresh_from_db()
    assert patient.first_name == "Hacked"


def _complete_change_form(client: Any, patient: Patient) -> dict[str, Any]:
    return change_form_data(client, f"/admin/accounts/patient/{patient.pk}/change/")


def test_admin_can_change_own_patients_contact_details_but_not_clinical_facts(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    client = admin_client_for(clinician)
    url = f"/admin/accounts/patient/{patient.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(
        {
            "first_name": "Almita",
            "baseline_back_pain": 0,  # read-only: ignored
            "clinician": "",  # read-only for clinicians: ignored
            **{f"{prefix}-TOTAL_FORMS": 0 for prefix in _inline_prefixes(page)},
            **{f"{prefix}-INITIAL_FORMS": 0 for prefix in _inline_prefixes(page)},
        }
    )
    data = {key: ("" if value is None else value) for key, value in data.items()}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.first_name == "Almita"
    assert patient.baseline_back_pain == 5
    assert patient.clinician == clinician


def _inline_prefixes(response: Any) -> list[str]:
    return [formset.formset.prefix for formset in response.context["inline_admin_formsets"]]


def test_admin_offers_no_delete_of_patients(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    client = admin_client_for(clinician)

    response = client.post(f"/admin/accounts/patient/{patient.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_admin_history_version_of_another_clinicians_patient_is_404(
    admin_client_for: Any, clinician: Clinician, other_patient: Patient
) -> None:
    version = other_patient.history.first()
    client = admin_client_for(clinician)

    response = client.get(f"/admin/accounts/patient/{other_patient.pk}/history/{version.pk}/")

    assert response.status_code == 404
    assert "Otto" not in response.content.decode()
