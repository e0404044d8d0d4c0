import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh interpreter with this environment (and no DJANGO_SECRET_KEY
    unless given)."""
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-process setting, not a deployment's.
    dropped = {"DJANGO_SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**base, "DJANGO_SETTINGS_MODULE": "selfcare.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_the_development_secret_key() -> None:
    result = run_manage("check", DJANGO_DEBUG="False")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is the development key" in result.stderr


PRODUCTION = {
    "DJANGO_DEBUG": "False",
    "DJANGO_SECRET_KEY": "x9" * 32 + "-a-real-random-production-key",
    "DJANGO_ALLOWED_HOSTS": "selfcare.example.org",
    "PUBLIC_BASE_URL": "https://selfcare.example.org",
}


def test_production_starts_with_a_real_secret_key_and_passes_deploy_checks() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        EMAIL_URL="smtp+tls://alerts:secret@smtp.example.org:587",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_deploy_checks_fail_in_production_without_a_mail_server() -> None:
    result = run_manage("check", "--deploy", **PRODUCTION)

    assert result.returncode != 0
    assert "selfcare.E001" in result.stderr + result.stdout
    assert "EMAIL_URL is not set" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        (
            "smtp+tls://alerts:secret@smtp.example.org:587",
            "django.core.mail.backends.smtp.EmailBackend",
            {"host": "smtp.example.org", "port": 587, "use_tls": True, "username": "alerts"},
        ),
        ("consolemail://", "django.core.mail.backends.console.EmailBackend", {}),
    ],
)
def test_email_url_configures_the_default_mailer(url: str, backend: str, options: dict) -> None:
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.MAILERS['default']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "selfcare.settings", "EMAIL_URL": url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    mailer = json.loads(result.stdout)
    assert mailer["BACKEND"] == backend
    assert options.items() <= mailer["OPTIONS"].items()
    if options:
        assert mailer["OPTIONS"]["timeout"] == 10


def test_healthz_names_each_dependency_to_a_monitor(settings: Any, client: Client, db: Any) -> None:
    settings.HEALTHZ_TOKEN = "monitor-" + "m" * 30
    response = client.get("/healthz", headers={"Authorization": f"Bearer {settings.HEALTHZ_TOKEN}"})

    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "broker", "cache"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_database_does_not_answer(
    settings: Any, client: Client, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.HEALTHZ_TOKEN = "monitor-" + "m" * 30

    class DownDatabase:
        vendor = "postgresql"

        def cursor(self) -> Any:
            raise ConnectionError("database down")

    monkeypatch.setattr("selfcare.views.connection", DownDatabase())
    public = client.get("/healthz")
    response = client.get("/healthz", headers={"Authorization": f"Bearer {settings.HEALTHZ_TOKEN}"})

    assert public.status_code == 503
    assert public.json() == {"status": "error"}
    assert response.json()["checks"]["database"] == {"status": "error", "error": "ConnectionError"}


def test_openapi_schema_describes_the_enrollment_contract(client: Client) -> None:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    enroll = schema["paths"]["/api/v1/patients/"]["post"]
    ref = enroll["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    body = schema["components"]["schemas"][ref]
    assert set(body["required"]) == {
        "first_name",
        "last_name",
        "phone",
        "timezone",
        "language",
        "sms_consent",
        "startback",
        "pain_sites",
        "back_pain",
        "leg_pain",
        "onset_date",
        "presentation_date",
        "flags",
    }
    assert "/api/v1/patients/{patient_id}/" in schema["paths"]


def test_api_docs_are_served_from_local_assets(client: Client) -> None:
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


def test_api_root_links_to_the_resources(client: Client) -> None:
    body = client.get("/api/v1/").json()

    assert body["patient-list"].endswith("/api/v1/patients/")
    assert body["api-schema"].endswith("/api/v1/schema/")


def test_pages_carry_a_content_security_policy(client: Client, db: Any) -> None:
    response = client.get("/admin/login/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_api_404s_are_json_and_huge_ids_are_404s_not_overflows(client: Client, db: Any) -> None:
    from accounts.models import User

    user = User.objects.create_superuser("root", "root@example.org", "a-long-test-pass")
    client.force_login(user)

    for path in ("/api/v1/patients/99999999999999999999999/", "/api/v1/nothing-here/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert client.get("/api/v1/escalations/?patient=99999999999999999999999").status_code == 400


def test_json_logs_are_one_object_a_line() -> None:
    import json
    import logging

    from selfcare.logs import JsonFormatter

    record = logging.LogRecord(
        "messaging.outbox", logging.INFO, __file__, 1, "sms %s sent", (42,), None
    )

    entry = json.loads(JsonFormatter().format(record))

    assert entry["message"] == "sms 42 sent"
    assert (entry["level"], entry["logger"]) == ("INFO", "messaging.outbox")


def test_gunicorn_logs_paths_without_query_strings() -> None:
    config = (ROOT / "gunicorn.conf.py").read_text()

    assert "%(U)s" in config
    assert "%(r)s" not in config
    assert "%(q)s" not in config
    assert "%(f)s" not in config
