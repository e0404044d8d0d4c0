"""The admin's "enroll patient" form uses the same service and shows the same errors as the API."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Clinician, Patient, User
from programs.models import StartBackScreen
from tests.conftest import staff_sign_in

# Dates and times: run at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour

URL = "/admin/accounts/patient/add/"


def form_data(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "first_name": "Rosa",
        "last_name": "Admin",
        "phone": "(201) 555-0177",
        "timezone": "America/Denver",
        "language": "es",
        "sms_consent": "True",
        "pain_sites": ["lower_back", "right_buttock_leg"],
        "back_pain": "6",
        "leg_pain": "4",
        "onset_date": (today - timedelta(days=50)).isoformat(),
        "presentation_date": today.isoformat(),
        "cancer_history": "True",
        "immunosuppressed": "False",
        "iv_drug_use": "False",
        "osteoporosis_or_steroids": "False",
        "recent_infection_or_spinal_procedure": "False",
    }
    answers = [0, 0, 0, 0, 1, 1, 1, 1, 3]  # psychosocial 5: high risk
    data.update({f"item_{i}": str(a) for i, a in enumerate(answers, start=1)})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_form_shows_construct_labels_body_map_flags_and_consent(
    admin_client_for: Any, clinician: Clinician
) -> None:
    page = admin_client_for(clinician).get(URL).content.decode()

    for text in [
        "Leg pain spread",
        "Not safe to be active (fear)",
        "Bothersomeness",
        "Extremely",
        "Left buttock or leg",
        "Trunk or chest",
        "History of cancer",
        "Intravenous drug use",
        "SMS consent",
        "Enroll and stratify",
    ]:
        assert text in page
    assert 'name="clinician"' not in page  # a clinician enrolls their own patients


def test_enrolling_from_the_admin_scores_and_enrolls(
    admin_client_for: Any, clinician: Clinician
) -> None:
    client = admin_client_for(clinician)

    response = client.post(URL, form_data(), follow=True)

    patient = Patient.objects.get()
    assert response.redirect_chain[-1][0] == f"/admin/accounts/patient/{patient.pk}/change/"
    assert "high risk" in response.content.decode()
    assert (str(patient.phone), patient.language, patient.clinician) == (
        "+12015550177",
        "es",
        clinician,
    )
    assert patient.cancer_history is True
    assert patient.iv_drug_use is False
    assert patient.pain_sites == ["lower_back", "right_buttock_leg"]
    assert patient.sms_consent == "active"
    screen = patient.startback_screens.get()
    assert (screen.risk_group, screen.total, screen.psychosocial) == ("high", 5, 5)
    assert screen.answers == [0, 0, 0, 0, 1, 1, 1, 1, 3]
    assert patient.enrollments.get().program.tier == "high"


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "not valid"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone 'Mars/Olympus'"),
        ({"item_9": None}, "item_9", "This field is required."),
        ({"item_3": "2"}, "item_3", "Item 3 (Walked only short distances) must be 0"),
        ({"item_9": "5"}, "item_9", "Item 9 (Bothersomeness) must be 0 to 4"),
        ({"back_pain": "11"}, "back_pain", "less than or equal to 10"),
        ({"pain_sites": ["tail"]}, "pain_sites", "Unknown pain site 'tail'"),
        ({"sms_consent": None}, "sms_consent", "This field is required."),
        ({"iv_drug_use": None}, "iv_drug_use", "This field is required."),
        ({"first_name": "Ro\nSTOP"}, "first_name", "line breaks"),
        ({"onset_date": "2999-01-01"}, "onset_date", "future"),
    ],
)
def test_bad_input_shows_field_errors_and_stores_nothing(
    admin_client_for: Any, clinician: Clinician, override: dict[str, Any], field: str, message: str
) -> None:
    response = admin_client_for(clinician).post(URL, form_data(**override))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    assert "Nothing has been saved" in response.content.decode()
    assert not Patient.objects.exists()
    assert not StartBackScreen.objects.exists()


def test_duplicate_phone_shows_the_same_message_as_the_api(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    response = admin_client_for(clinician).post(URL, form_data(phone=str(patient.phone)))

    assert response.context["form"].errors == {
        "phone": ["A patient with this phone number is already enrolled."]
    }
    assert Patient.objects.count() == 1


def test_a_superuser_chooses_the_responsible_clinician(
    client: Any, clinician: Clinician, other_clinician: Clinician
) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "a-long-test-pass")
    staff_sign_in(client, root)

    response = client.post(URL, form_data(clinician=str(other_clinician.pk)))

    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.clinician == other_clinician
    assert patient.created_by == root


@pytest.mark.parametrize(
    ("api_override", "form_override", "api_field", "form_field"),
    [
        (
            {"phone": "12345"},
            {"phone": "12345", "timezone": "America/Chicago"},
            "phone",
            "phone",
        ),
        ({"timezone": "Mars/Olympus"}, {"timezone": "Mars/Olympus"}, "timezone", "timezone"),
        ({"pain_sites": ["tail"]}, {"pain_sites": ["tail"]}, "pain_sites", "pain_sites"),
        ({"startback": [0, 0, 2, 0, 1, 1, 1, 1, 3]}, {"item_3": "2"}, "startback", "item_3"),
        (
            {"presentation_date": "1800-01-01", "onset_date": None},
            {"presentation_date": "1800-01-01", "onset_date": ""},
            "presentation_date",
            "presentation_date",
        ),
    ],
)
def test_the_admin_shows_the_apis_messages(
    admin_client_for: Any,
    clinician: Clinician,
    api_override: dict[str, Any],
    form_override: dict[str, Any],
    api_field: str,
    form_field: str,
) -> None:
    from rest_framework.test import APIClient

    from tests.factories import enrollment_body

    api = APIClient()
    api.force_authenticate(clinician.user)
    api_errors = api.post(
        "/api/v1/patients/", enrollment_body(**api_override), format="json"
    ).json()
    form_errors = (
        admin_client_for(clinician).post(URL, form_data(**form_override)).context["form"].errors
    )

    assert api_errors[api_field] == form_errors[form_field]
