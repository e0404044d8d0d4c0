"""Program content in the admin: changed by content editors only, checked as `loadprograms`
checks the files, audited, and never without the day-0 safety net."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client

from accounts.models import AuditEvent, Clinician, User
from programs import content
from programs.models import SAFETY_NET_MESSAGE, Program, ProgramStep, SafetyNetError, Step
from tests.conftest import staff_sign_in


@pytest.fixture
def library(db: Any) -> None:
    call_command("loadprograms", stdout=StringIO())


@pytest.fixture
def root(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.org", "a-long-test-pass")


@pytest.fixture
def editor(db: Any) -> User:
    """A content editor who is not a clinician (no patients)."""
    user = User.objects.create_user("cora", "cora@example.org", "a-long-test-pass", is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return user


def signed_in(user: User) -> Client:
    return staff_sign_in(Client(), user)


def step_url(slug: str = "when-to-get-help") -> str:
    return f"/admin/programs/step/{Step.objects.get(slug=slug).pk}/change/"


def program_url(tier: str = "low") -> str:
    return f"/admin/programs/program/{Program.objects.get(tier=tier).pk}/change/"


def change_form(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """What the browser posts from the change page `url` (inline rows included), with `changes`
    (None leaves a field out, as an unticked box)."""
    page = client.get(url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    data: dict[str, Any] = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({f"{formset.prefix}-{k}": v for k, v in management.initial.items()})
        forms += formset.forms
    for form in forms:
        for field in form:
            value = field.value()
            if value is not None and value is not False:
                data[field.html_name] = "on" if value is True else value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def help_text_body(language: str = "en") -> str:
    return Step.objects.get(slug="when-to-get-help").texts.get(language=language).body


def safety_net(tier: str = "low") -> ProgramStep:
    return ProgramStep.objects.get(program__tier=tier, day=0)


# --- who may change content ---------------------------------------------------------------


def test_a_clinician_reads_the_help_step_but_changing_its_text_is_403(
    library: None, root: User, clinician: Clinician
) -> None:
    body = help_text_body()
    data = change_form(signed_in(root), step_url(), **{"texts-0-body": "Rest in bed."})
    client = signed_in(clinician.user)

    assert client.get(step_url()).status_code == 200
    assert client.post(step_url(), data).status_code == 403
    assert help_text_body() == body


def test_a_clinician_deleting_the_safety_net_program_step_is_403(
    library: None, root: User, clinician: Clinician
) -> None:
    data = change_form(signed_in(root), program_url(), **{"program_steps-0-DELETE": "on"})

    response = signed_in(clinician.user).post(program_url(), data)

    assert response.status_code == 403
    assert safety_net().step.slug == "when-to-get-help"


def test_clinicians_may_only_read_content(clinician: Clinician) -> None:
    user = clinician.user
    for model in ("program", "step", "steptext", "programstep"):
        assert user.has_perm(f"programs.view_{model}")
        for action in ("add", "change", "delete"):
            assert not user.has_perm(f"programs.{action}_{model}")


# --- content editors' edits ---------------------------------------------------------------


def test_a_content_editor_changes_a_step_text_and_the_change_is_audited(
    library: None, editor: User
) -> None:
    client = signed_in(editor)
    summary = "The warning signs that need help fast, and who to contact for each one."

    response = client.post(
        step_url(), change_form(client, step_url(), **{"texts-0-summary": summary})
    )

    assert response.status_code == 302
    help_step = Step.objects.get(slug="when-to-get-help")
    assert help_step.texts.get(language="en").summary == summary
    event = AuditEvent.objects.get()
    assert (event.actor, event.patient, event.action) == (editor, None, "change")
    assert (event.what, event.detail) == ("step when-to-get-help text (en)", "summary")


def test_program_and_timeline_changes_are_audited(library: None, editor: User) -> None:
    client = signed_in(editor)
    page = client.get(program_url()).context["inline_admin_formsets"][0].formset
    row = next(form.prefix for form in page.forms if form.instance.day == 9)

    response = client.post(
        program_url(),
        change_form(client, program_url(), title="Back on track!", **{f"{row}-day": "10"}),
    )

    assert response.status_code == 302
    assert ProgramStep.objects.get(program__tier="low", step__slug="knee-rolls").day == 10
    trail = {(e.action, e.what, e.detail) for e in AuditEvent.objects.all()}
    assert trail == {
        ("change", "program back-on-track", "title"),
        ("change", "program back-on-track day 10: knee-rolls", "day"),
    }


@pytest.mark.parametrize(
    ("url", "changes", "problem"),
    [
        (
            step_url,
            {"texts-0-body": "Take ibuprofen and rest."},
            "steps/when-to-get-help.toml: [en] body mentions 'ibuprofen'",
        ),
        (
            step_url,
            {"texts-0-sms": "It’s important: the warning signs. Please read now:"},
            "steps/when-to-get-help.toml: [en] sms is UCS-2",
        ),
        (
            lambda: step_url("sit-to-stand"),
            {"texts-1-stop_if": "Si le duele mucho."},
            "steps/sit-to-stand.toml: [es.exercise] stop_if must start",
        ),
        (
            program_url,
            {"title_es": ""},
            "programs.toml: back-on-track: [es] title is missing",
        ),
    ],
)
def test_an_edit_loadprograms_would_reject_is_a_form_error(
    library: None, editor: User, url: Any, changes: dict[str, str], problem: str
) -> None:
    client = signed_in(editor)
    before = content.from_database()

    response = client.post(url(), change_form(client, url(), **changes))

    assert response.status_code == 200
    errors = [
        e
        for inline in response.context["inline_admin_formsets"]
        for e in inline.formset.non_form_errors()
    ]
    assert any(problem in error for error in errors), errors
    assert "Please correct the error" in response.content.decode()
    assert content.from_database() == before
    assert not AuditEvent.objects.exists()


def test_a_write_the_form_did_not_check_is_refused_with_a_message(library: None, db: Any) -> None:
    """A user who may change steps but not read their texts gets no inline rows: the write's
    own check refuses an edit that breaks the texts, and says so on the page."""
    user = User.objects.create_user("stef", "stef@example.org", "a-long-test-pass", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_step", "change_step"]))
    client = signed_in(user)
    url = step_url("body-scan")

    response = client.post(url, change_form(client, url, kind="exercise"), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved: steps/body-scan.toml: [en.exercise]" in page
    assert "[es.exercise] dose is missing" in page
    assert Step.objects.get(slug="body-scan").kind == "relaxation"
    assert not AuditEvent.objects.exists()


# --- the day-0 safety net stays -----------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "root"])
@pytest.mark.parametrize(
    "change",
    [
        {"program_steps-0-DELETE": "on"},
        {"program_steps-0-day": "2"},
        {"program_steps-0-step": "sit-to-stand"},  # not in the program yet
    ],
    ids=["delete", "move", "replace"],
)
def test_no_one_removes_the_safety_net_from_a_program_in_the_admin(
    library: None, request: pytest.FixtureRequest, who: str, change: dict[str, str]
) -> None:
    client = signed_in(request.getfixturevalue(who))
    if slug := change.get("program_steps-0-step"):
        change = {"program_steps-0-step": str(Step.objects.get(slug=slug).pk)}
    before = safety_net().pk

    response = client.post(program_url(), change_form(client, program_url(), **change))

    assert response.status_code == 200
    assert SAFETY_NET_MESSAGE in response.content.decode()
    assert (safety_net().pk, safety_net().step.slug) == (before, "when-to-get-help")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["editor", "root"])
def test_no_one_clears_the_safety_net_flag_in_the_admin(
    library: None, request: pytest.FixtureRequest, who: str
) -> None:
    client = signed_in(request.getfixturevalue(who))

    response = client.post(step_url(), change_form(client, step_url(), safety_net=None))

    assert response.status_code == 200
    assert SAFETY_NET_MESSAGE in response.content.decode()
    assert Step.objects.get(slug="when-to-get-help").safety_net


def test_the_orm_refuses_to_remove_the_safety_net(library: None) -> None:
    row = safety_net()
    program = row.program

    with pytest.raises(SafetyNetError):
        row.delete()
    with pytest.raises(SafetyNetError):
        program.program_steps.all().delete()
    with pytest.raises(SafetyNetError):
        ProgramStep.objects.filter(day__lte=1).delete()
    row.day = 2
    with pytest.raises(SafetyNetError):
        row.save()
    help_step = Step.objects.get(slug="when-to-get-help")
    help_step.safety_net = False
    with pytest.raises(SafetyNetError):
        help_step.save()

    assert ProgramStep.objects.safety_nets().count() == Program.objects.count()
    assert Step.objects.get(slug="when-to-get-help").safety_net
    # Other steps still come and go (loadprograms moves them).
    assert program.program_steps.filter(day=1).delete()[0] == 1


# --- the audit trail with content events ---------------------------------------------------


def test_content_changes_are_in_the_audit_list_for_superusers_only(
    library: None, editor: User, root: User, clinician: Clinician, patient: Any
) -> None:
    client = signed_in(editor)
    client.post(step_url(), change_form(client, step_url(), **{"texts-1-summary": "Señales."}))
    event = AuditEvent.objects.get(patient=None)

    root_rows = signed_in(root).get("/admin/accounts/auditevent/").context["cl"].result_list
    own_rows = (
        signed_in(clinician.user).get("/admin/accounts/auditevent/").context["cl"].result_list
    )

    assert event in root_rows
    assert event not in own_rows
    assert all(e.patient == patient for e in own_rows)
    assert signed_in(root).get(f"/admin/accounts/auditevent/{event.pk}/change/").status_code == 200
