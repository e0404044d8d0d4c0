"""Finding 8: schemathesis against /api/v1/schema/, every operation, with inputs that fit the
schema and inputs that do not. The schema states what the server enforces (request bodies take
no other keys, `startback` has exactly nine answers of 0-4, the `patient` filter is 1 or more),
so every input outside it must be refused with a 4xx; no answer is a 5xx, and every answer
matches the schema. Runs in CI with the rest of the suite."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """As Django's test client does: requests must not close the test transaction's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(clinician: Any, patient: Any, keep_connection: None) -> str:
    from knox.models import AuthToken

    return str(AuthToken.objects.create(user=clinician.user)[1])


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db(transaction=False)
def test_api_conforms_to_its_schema(case: Any, token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        # Excluded: schema-valid inputs may still be refused on meaning (an unknown time zone,
        # a phone number that does not exist), and we always send a real token ourselves.
        excluded_checks=[checks.positive_data_acceptance, checks.ignored_auth],
    )


# --- what the schema states, the server enforces ------------------------------------------------
# Schemathesis does not count a body whose only fault is an extra key as one the server must
# refuse, so these are checked directly, each from the schema the server publishes.


@pytest.fixture
def published(client: Any) -> dict[str, Any]:
    return dict(client.get("/api/v1/schema/", {"format": "json"}).json())


def request_schema(published: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    body = published["paths"][path][method]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    return dict(published["components"]["schemas"][name])


def test_every_request_body_takes_no_other_keys(published: dict[str, Any]) -> None:
    bodies = [
        (path, method)
        for path, operations in published["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]

    assert len(bodies) == 5
    for path, method in bodies:
        assert request_schema(published, method, path)["additionalProperties"] is False, path


def test_an_extra_key_is_refused_by_each_body(
    published: dict[str, Any], api: Any, clinician: Any, patient: Any
) -> None:
    from accounts.models import CareTeam
    from escalations.rules import Hit, Severity
    from escalations.services import escalate
    from tests.factories import enrollment_body

    escalation = escalate(patient=patient, hit=Hit("R23", Severity.H72, "wants contact"))
    team = CareTeam.objects.create(name="Spine", lead=clinician)
    clinician.team = team
    clinician.save()
    bodies = {
        ("post", "/api/v1/patients/"): enrollment_body(),
        ("post", "/api/v1/escalations/{escalation_id}/resolve/"): {"note": "Called back."},
        ("post", "/api/v1/auth/token/"): {"username": "alice", "password": "x", "otp": "123456"},
        ("patch", "/api/v1/teams/{team_id}/"): {"on_call": "alice"},
        ("patch", "/api/v1/clinicians/me/"): {"away_until": None},
    }
    for (method, path), body in bodies.items():
        assert method in published["paths"][path]
        url = path.replace("{escalation_id}", str(escalation.pk)).replace("{team_id}", str(team.pk))

        response = getattr(api, method)(url, {**body, "risk_group": "low"}, format="json")

        assert response.status_code == 400, path
        assert response.json()["risk_group"] == ["Unknown field."], path


def test_startback_is_nine_answers_of_0_to_4_in_the_schema_and_on_the_server(
    published: dict[str, Any], api: Any
) -> None:
    from tests.factories import enrollment_body

    stated = request_schema(published, "post", "/api/v1/patients/")["properties"]["startback"]

    assert (stated["minItems"], stated["maxItems"]) == (9, 9)
    assert (stated["items"]["minimum"], stated["items"]["maximum"]) == (0, 4)
    for answers in ([0] * 8, [0] * 10, [0] * 8 + [5], [-1] + [0] * 8):
        response = api.post("/api/v1/patients/", enrollment_body(startback=answers), format="json")
        assert response.status_code == 400, answers
        assert "startback" in response.json()


def test_the_patient_filter_is_1_or_more_in_the_schema_and_on_the_server(
    published: dict[str, Any], api: Any
) -> None:
    [stated] = [
        parameter["schema"]
        for parameter in published["paths"]["/api/v1/escalations/"]["get"]["parameters"]
        if parameter["name"] == "patient"
    ]

    assert stated["minimum"] == 1
    for value in ("0", "-1", str(stated["maximum"] + 1)):
        response = api.get("/api/v1/escalations/", {"patient": value})
        assert response.status_code == 400, value
        assert "patient" in response.json()
