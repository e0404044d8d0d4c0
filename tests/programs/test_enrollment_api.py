from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Clinician, ConsentEvent, Patient
from programs.models import Enrollment, StartBackScreen
from tests.factories import HIGH_ANSWERS, LOW_ANSWERS, MEDIUM_ANSWERS, enrollment_body

# Dates and times: run at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour

URL = "/api/v1/patients/"


def nothing_stored() -> bool:
    return not (
        Patient.objects.exists()
        or StartBackScreen.objects.exists()
        or Enrollment.objects.exists()
        or ConsentEvent.objects.exists()
    )


@pytest.mark.parametrize(
    ("answers", "group", "total", "psychosocial", "slug"),
    [
        (LOW_ANSWERS, "low", 0, 0, "back-on-track"),
        (MEDIUM_ANSWERS, "medium", 4, 0, "moving-forward"),
        (HIGH_ANSWERS, "high", 4, 4, "building-confidence"),
    ],
)
def test_enroll_scores_and_places_the_patient_in_the_program_of_their_tier(
    api: APIClient,
    clinician: Clinician,
    answers: list[int],
    group: str,
    total: int,
    psychosocial: int,
    slug: str,
) -> None:
    response = api.post(URL, enrollment_body(startback=answers), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["risk_group"] == group
    assert body["startback_total"] == total
    assert body["startback_psychosocial"] == psychosocial
    assert body["program"]["slug"] == slug
    assert body["program"]["tier"] == group
    patient = Patient.objects.get(pk=body["id"])
    assert patient.clinician == clinician
    assert patient.created_by == clinician.user
    screen = patient.startback_screens.get()
    assert screen.answers == answers
    assert screen.screened_by == clinician.user
    enrollment = patient.enrollments.get()
    assert enrollment.program.slug == slug
    assert enrollment.enrolled_by == clinician.user
    assert enrollment.screen == screen


def test_enroll_normalises_the_phone_and_stores_every_field(api: APIClient) -> None:
    body = enrollment_body(
        phone="(201) 555-0147",
        timezone="America/Los_Angeles",
        language="es",
        pain_sites=["neck", "left_buttock_leg"],
        back_pain=7,
        leg_pain=6,
        onset_date=None,
        flags={**enrollment_body()["flags"], "cancer_history": True},
    )
    response = api.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["phone"] == "+12015550147"
    patient = Patient.objects.get(pk=data["id"])
    assert str(patient.phone) == "+12015550147"
    assert patient.timezone == "America/Los_Angeles"
    assert patient.language == "es"
    assert patient.pain_sites == ["neck", "left_buttock_leg"]
    assert (patient.baseline_back_pain, patient.baseline_leg_pain) == (7, 6)
    assert patient.onset_date is None
    assert patient.cancer_history is True
    assert patient.immunosuppressed is False
    assert data["flags"]["cancer_history"] is True
    assert (patient.quiet_hours_start.hour, patient.quiet_hours_end.hour) == (21, 8)


@pytest.mark.parametrize(("consent", "state"), [(True, "active"), (False, "none")])
def test_sms_consent_is_recorded_as_a_dated_event(
    api: APIClient, clinician: Clinician, consent: bool, state: str
) -> None:
    response = api.post(URL, enrollment_body(sms_consent=consent), format="json")

    assert response.status_code == 201
    assert response.json()["sms_consent"] is consent
    patient = Patient.objects.get(pk=response.json()["id"])
    assert patient.sms_consent == state
    event = patient.consent_events.get()
    assert (event.state, event.source, event.recorded_by) == (state, "enrollment", clinician.user)
    assert timezone.now() - event.occurred_at < timedelta(minutes=1)


BAD_INPUT: list[tuple[str, dict[str, Any], str, str]] = [
    ("invalid phone", {"phone": "12345"}, "phone", "not valid"),
    ("phone of letters", {"phone": "call me"}, "phone", "not valid"),
    ("unknown time zone", {"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
    ("eight answers", {"startback": [0] * 8}, "startback", "Expected 9 answers, got 8."),
    ("ten answers", {"startback": [0] * 10}, "startback", "Expected 9 answers, got 10."),
    ("item out of range", {"startback": [0, 0, 2, 0, 0, 0, 0, 0, 0]}, "startback", "Item 3"),
    ("item 9 out of range", {"startback": [0] * 8 + [5]}, "startback", "Item 9"),
    ("answer as string", {"startback": ["1"] + [0] * 8}, "startback", "Must be a whole number."),
    ("back pain 11", {"back_pain": 11}, "back_pain", "less than or equal to 10"),
    ("leg pain -1", {"leg_pain": -1}, "leg_pain", "greater than or equal to 0"),
    ("pain as string", {"back_pain": "7"}, "back_pain", "Must be a whole number."),
    (
        "unknown pain site",
        {"pain_sites": ["lower_back", "tail"]},
        "pain_sites",
        "Unknown pain site 'tail'",
    ),
    ("no pain site", {"pain_sites": []}, "pain_sites", "Choose at least one pain site."),
    ("duplicate pain site", {"pain_sites": ["neck", "neck"]}, "pain_sites", "listed once"),
    (
        "unknown flag",
        {"flags": {**enrollment_body()["flags"], "smoker": True}},
        "flags",
        "Unknown field",
    ),
    (
        "flag as string",
        {"flags": {**enrollment_body()["flags"], "iv_drug_use": "no"}},
        "flags",
        "true or false",
    ),
    ("consent as string", {"sms_consent": "yes"}, "sms_consent", "Must be true or false."),
    ("unknown language", {"language": "fr"}, "language", "not a valid choice"),
    (
        "onset after presentation",
        {"onset_date": "2026-01-10", "presentation_date": "2026-01-01"},
        "onset_date",
        "after the presentation date",
    ),
    (
        "presentation in the future",
        {"presentation_date": "2999-01-01"},
        "presentation_date",
        "future",
    ),
]


@pytest.mark.parametrize(
    ("case", "override", "field", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_a_400_with_a_message_on_the_field_and_nothing_stored(
    api: APIClient, case: str, override: dict[str, Any], field: str, message: str
) -> None:
    response = api.post(URL, enrollment_body(**override), format="json")

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field], errors
    assert message in str(errors[field]), errors
    assert nothing_stored()


@pytest.mark.parametrize(
    "missing",
    [
        "sms_consent",
        "startback",
        "phone",
        "timezone",
        "flags",
        "pain_sites",
        "presentation_date",
        "onset_date",
        "back_pain",
    ],
)
def test_a_missing_field_is_a_400_never_a_default(api: APIClient, missing: str) -> None:
    body = enrollment_body()
    del body[missing]

    response = api.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}
    assert nothing_stored()


def test_a_missing_flag_is_a_400_never_a_silent_no(api: APIClient) -> None:
    flags = enrollment_body()["flags"]
    del flags["cancer_history"]

    response = api.post(URL, enrollment_body(flags=flags), format="json")

    assert response.status_code == 400
    assert response.json() == {"flags": {"cancer_history": ["This field is required."]}}
    assert nothing_stored()


def test_duplicate_phone_in_another_format_is_a_400(api: APIClient) -> None:
    assert api.post(URL, enrollment_body(phone="+12015550160"), format="json").status_code == 201

    response = api.post(URL, enrollment_body(phone="201-555-0160"), format="json")

    assert response.status_code == 400
    assert response.json() == {"phone": ["A patient with this phone number is already enrolled."]}
    assert Patient.objects.count() == 1
    assert StartBackScreen.objects.count() == 1


def test_every_problem_is_reported_at_once(api: APIClient) -> None:
    body = enrollment_body(phone="12", timezone="Nowhere", startback=[0] * 3, pain_sites=["x"])

    response = api.post(URL, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"phone", "timezone", "startback", "pain_sites"}


def test_form_encoded_bodies_are_refused(api: APIClient) -> None:
    response = api.post(URL, {"first_name": "Pat"}, format="multipart")

    assert response.status_code == 415
    assert nothing_stored()


def test_invalid_json_is_a_400(api: APIClient) -> None:
    response = api.generic("POST", URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert nothing_stored()


def test_list_and_detail_show_the_risk_group_and_program(api: APIClient, patient: Patient) -> None:
    listing = api.get(URL)
    detail = api.get(f"{URL}{patient.pk}/")

    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    [row] = listing.json()["results"]
    assert row == detail.json()
    assert row["id"] == patient.pk
    assert row["risk_group"] == "low"
    assert row["program"] == {"slug": "back-on-track", "tier": "low", "title": "Back on track"}
    assert row["startback"] == LOW_ANSWERS


def test_list_queries_do_not_grow_with_the_number_of_patients(
    api: APIClient, clinician: Clinician
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_patient

    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL).status_code == 200
        return len(captured.captured_queries)

    make_patient(clinician=clinician)
    queries_for_listing()  # the first request also loads the clinician's permissions
    with_one = queries_for_listing()
    for _ in range(20):
        make_patient(clinician=clinician)
    assert queries_for_listing() == with_one
    # count, the page of patients, their screens, their current enrollments
    assert with_one == 4


def test_a_national_number_is_read_where_the_patient_lives(api: APIClient) -> None:
    response = api.post(
        URL, enrollment_body(timezone="Europe/London", phone="07400 123456"), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+447400123456"


def test_a_us_number_written_nationally_for_a_london_patient_is_a_400(api: APIClient) -> None:
    response = api.post(
        URL, enrollment_body(timezone="Europe/London", phone="(201) 555-0177"), format="json"
    )

    assert response.status_code == 400
    assert "like 07400 123456, or start with + and the country code" in response.json()["phone"][0]
    assert not Patient.objects.exists()
