from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Clinician, Patient, User


def test_createclinician_makes_a_staff_user_in_the_clinicians_group(db: Any) -> None:
    out = StringIO()
    call_command(
        "createclinician",
        "carol",
        "--email",
        "carol@example.org",
        "--phone",
        "(201) 555-0188",
        "--password",
        "a-long-test-pass",
        stdout=out,
    )

    user = User.objects.get(username="carol")
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Clinicians"]
    assert user.check_password("a-long-test-pass")
    assert user.has_perm("accounts.add_patient")
    assert user.has_perm("programs.view_program")
    assert not user.has_perm("programs.change_step")
    assert not user.has_perm("accounts.delete_patient")
    assert str(user.clinician.phone) == "+12015550188"
    assert user.clinician.email == "carol@example.org"
    assert "Created clinician carol" in out.getvalue()


def test_createclinician_content_editor_may_also_change_program_content(db: Any) -> None:
    out = StringIO()
    call_command(
        "createclinician", "cleo", "--email", "cleo@example.org", "--content-editor", stdout=out
    )

    user = User.objects.get(username="cleo")
    assert sorted(user.groups.values_list("name", flat=True)) == ["Clinicians", "Content editors"]
    assert user.has_perm("programs.change_steptext")
    assert user.has_perm("accounts.add_patient")
    assert "Created clinician cleo, a content editor." in out.getvalue()


def test_createclinician_without_a_password_prints_a_generated_one(db: Any) -> None:
    out = StringIO()
    call_command("createclinician", "dan", "--email", "dan@example.org", stdout=out)

    password = out.getvalue().split("Password: ")[1].splitlines()[0].strip()
    assert User.objects.get(username="dan").check_password(password)
    assert "otpauth://totp/SelfCare%3Adan?secret=" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email"], "email"),
        (["--email", "e@example.org", "--phone", "123"], "phone"),
    ],
)
def test_createclinician_refuses_bad_input_and_stores_nothing(
    db: Any, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("createclinician", "erin", *args, stdout=StringIO())
    assert not User.objects.filter(username="erin").exists()


def test_createclinician_refuses_a_taken_username(db: Any) -> None:
    call_command("createclinician", "fay", "--email", "f@example.org", stdout=StringIO())
    with pytest.raises(CommandError, match="username"):
        call_command("createclinician", "fay", "--email", "g@example.org", stdout=StringIO())
    assert Clinician.objects.count() == 1


@pytest.mark.any_hour
def test_seed_demo_creates_a_clinician_and_one_patient_per_tier_and_can_be_rerun(db: Any) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)

    clinician = Clinician.objects.get(user__username="demo")
    assert clinician.user.check_password("selfcare-demo")
    patients = Patient.objects.filter(clinician=clinician)
    assert patients.count() == 3
    tiers = sorted(p.enrollments.get().program.tier for p in patients)
    assert tiers == ["high", "low", "medium"]
    assert {p.language for p in patients} == {"en", "es"}
    assert "username 'demo', password 'selfcare-demo'" in out.getvalue()
