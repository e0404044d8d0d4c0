"""The admin index's dashboard: counts for me and my care team, each a link to those rows."""

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from escalations.dashboard import Dashboard, dashboard_for
from escalations.models import Escalation, ReferralClock
from escalations.rules import Clock, Hit, Severity
from escalations.services import clock_start, escalate
from tests.factories import Team, make_patient, make_team

INDEX = "/admin/"


def hit(rule: str, severity: Severity) -> Hit:
    return Hit(rule, severity, f"{rule} fired")


@pytest.fixture
def ours(db: Any) -> Team:
    return make_team(name="north")


@pytest.fixture
def theirs(db: Any) -> Team:
    return make_team(name="south")


@pytest.fixture
def rows(ours: Team, theirs: Team) -> dict[str, Escalation]:
    """Mine (the responsible clinician's), a teammate's, and another team's."""
    teammates = make_patient(clinician=ours.member, first_name="Tom").patient
    late = escalate(patient=ours.patient, hit=hit("R2", Severity.EMERGENCY))
    Escalation.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    return {
        "mine": escalate(patient=ours.patient, hit=hit("R1", Severity.EMERGENCY)),
        "mine_late": late,
        "mine_silent": escalate(patient=ours.patient, hit=hit("R19", Severity.H72)),
        "team": escalate(patient=teammates, hit=hit("R1", Severity.EMERGENCY)),
        "team_routine": escalate(patient=teammates, hit=hit("R15", Severity.ROUTINE)),
        "theirs": escalate(patient=theirs.patient, hit=hit("R1", Severity.EMERGENCY)),
        "theirs_silent": escalate(patient=theirs.patient, hit=hit("R19", Severity.H72)),
    }


def cells(dashboard: Dashboard, section: str, label: str) -> dict[str, Any]:
    found = [row for row in getattr(dashboard, section) if row.label == label]
    assert len(found) == 1
    return dict(zip(dashboard.scopes, found[0].cells, strict=True))


def counts(dashboard: Dashboard, section: str, label: str) -> dict[str, int]:
    return {scope: cell.count for scope, cell in cells(dashboard, section, label).items()}


def test_counts_for_me_and_my_team_never_another_teams(ours: Team, rows: Any) -> None:
    board = dashboard_for(user=ours.responsible.user, now=timezone.now())

    assert board.scopes == ["Mine", "My team"]
    # Mine: R1 and R2 (late); the team adds the teammate's R1; south's R1 is never counted.
    assert counts(board, "open", "Emergency") == {"Mine": 2, "My team": 3}
    assert counts(board, "overdue", "Emergency") == {"Mine": 1, "My team": 1}
    assert counts(board, "open", "Routine") == {"Mine": 0, "My team": 1}
    assert counts(board, "open", "Same day") == {"Mine": 0, "My team": 0}
    assert [c.count for c in board.silent.cells] == [1, 1]


def test_a_teammate_sees_the_team_but_not_as_mine(ours: Team, rows: Any) -> None:
    board = dashboard_for(user=ours.lead.user, now=timezone.now())

    assert counts(board, "open", "Emergency") == {"Mine": 0, "My team": 3}


def test_resolved_and_acknowledged_are_not_open_but_acknowledged_can_be_overdue(
    ours: Team, rows: Any
) -> None:
    Escalation.objects.filter(pk=rows["mine_late"].pk).update(status="acknowledged")
    Escalation.objects.filter(pk=rows["mine"].pk).update(status="resolved")

    board = dashboard_for(user=ours.responsible.user, now=timezone.now())

    assert counts(board, "open", "Emergency") == {"Mine": 0, "My team": 1}
    assert counts(board, "overdue", "Emergency") == {"Mine": 1, "My team": 1}


def queue_pks(client: Any, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {e.pk for e in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("section", "label"),
    [
        ("open", "Emergency"),
        ("open", "Routine"),
        ("overdue", "Emergency"),
        ("silent", "Went silent (no replies)"),
    ],
)
def test_each_count_links_to_exactly_its_rows(
    admin_client_for: Any, ours: Team, rows: Any, section: str, label: str
) -> None:
    client = admin_client_for(ours.responsible)
    board = dashboard_for(user=ours.responsible.user, now=timezone.now())
    row = board.silent if section == "silent" else None
    for scope, cell in (
        zip(board.scopes, row.cells, strict=True) if row else cells(board, section, label).items()
    ):
        assert len(queue_pks(client, cell.url)) == cell.count, (scope, cell.url)

    # The same links, read off the page itself.
    page = client.get(INDEX).content.decode()
    assert board.open[0].cells[1].url in unescape(page)


def test_the_links_on_the_page_open_the_rows_they_count(
    admin_client_for: Any, ours: Team, rows: Any
) -> None:
    client = admin_client_for(ours.responsible)
    page = unescape(client.get(INDEX).content.decode())

    links = re.findall(r'<a href="(/admin/escalations/escalation/\?[^"]+)"[^>]*>(\d+)</a>', page)
    assert len(links) >= 10
    for url, count in links:
        if "clock=" in url:
            continue  # the clock filter is by patient, not deadline: see test below
        assert len(queue_pks(client, url)) == int(count), url
    mine_emergency = [
        url
        for url, _ in links
        if "whose=mine" in url and "severity__exact=emergency" in url and "status__exact" in url
    ]
    assert queue_pks(client, mine_emergency[0]) == {rows["mine"].pk, rows["mine_late"].pk}
    team_emergency = [
        url
        for url, _ in links
        if "whose=team" in url and "severity__exact=emergency" in url and "status__exact" in url
    ]
    assert queue_pks(client, team_emergency[0]) == {
        rows["mine"].pk,
        rows["mine_late"].pk,
        rows["team"].pk,
    }  # never south's


def test_referral_clocks_due_within_a_week(
    admin_client_for: Any, ours: Team, theirs: Team, rows: Any
) -> None:
    now = timezone.now()
    soon = clock_start(patient=ours.patient, kind=Clock.TWO_WEEKS, rule="R5", now=now)
    later = clock_start(patient=ours.patient, kind=Clock.THREE_MONTHS, rule="R5", now=now)
    other = clock_start(patient=theirs.patient, kind=Clock.TWO_WEEKS, rule="R5", now=now)
    ReferralClock.objects.filter(pk__in=[soon.pk, other.pk]).update(
        deadline=now + timedelta(days=3)
    )
    ReferralClock.objects.filter(pk=later.pk).update(deadline=now + timedelta(days=30))

    board = dashboard_for(user=ours.responsible.user, now=now)

    assert counts(board, "clocks", "2-week referral") == {"Mine": 1, "My team": 1}
    assert counts(board, "clocks", "3-month referral") == {"Mine": 0, "My team": 0}
    link = cells(board, "clocks", "2-week referral")["Mine"].url
    assert "clock=2w" in link
    assert "whose=mine" in link
    # The queue's clock filter lists the escalations of patients with a running clock.
    client = admin_client_for(ours.responsible)
    assert queue_pks(client, link) == {
        rows["mine"].pk,
        rows["mine_late"].pk,
        rows["mine_silent"].pk,
    }


def test_a_constant_number_of_queries(
    ours: Team, django_assert_max_num_queries: Any, admin_client_for: Any
) -> None:
    for i in range(30):
        patient = make_patient(clinician=ours.member, first_name=f"P{i}").patient
        escalate(patient=patient, hit=hit("R1", Severity.EMERGENCY))
        escalate(patient=patient, hit=hit("R19", Severity.H72))
        clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R5", now=timezone.now())
    # The profile loaded with the user (a request loads it once, for the whole page).
    user = User.objects.select_related("clinician").get(pk=ours.responsible.user.pk)

    with django_assert_max_num_queries(2):  # one for the escalations, one for the clocks
        board = dashboard_for(user=user, now=timezone.now())

    assert counts(board, "open", "Emergency") == {"Mine": 0, "My team": 30}


def test_the_index_page_costs_the_same_for_many_rows(
    ours: Team, admin_client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = admin_client_for(ours.responsible)
    client.get(INDEX)
    with django_assert_max_num_queries(20) as few:
        client.get(INDEX)
    for i in range(20):
        patient = make_patient(clinician=ours.member, first_name=f"P{i}").patient
        escalate(patient=patient, hit=hit("R1", Severity.EMERGENCY))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(INDEX)
    assert response.status_code == 200


def test_a_superuser_without_a_clinician_profile_sees_all(
    client: Any, rows: Any, django_assert_max_num_queries: Any
) -> None:
    from tests.conftest import staff_sign_in

    root = User.objects.create_superuser("root", "root@example.org", "a-long-test-pass")
    staff_sign_in(client, root)

    response = client.get(INDEX)

    assert response.status_code == 200
    board = response.context["dashboard"]
    assert board.scopes == ["All"]
    assert counts(board, "open", "Emergency") == {"All": 4}
    assert [c.count for c in board.silent.cells] == [2]
    page = response.content.decode()
    for cell in cells(board, "open", "Emergency").values():
        assert len(queue_pks(client, cell.url)) == cell.count
    assert 'id="content-main"' in page  # the app list is still below


def test_the_page_shows_words_and_the_clinicians_clock(
    admin_client_for: Any, ours: Team, rows: Any, settings: Any
) -> None:
    settings.CLINIC_TIME_ZONE = "America/Chicago"
    page = admin_client_for(ours.responsible).get(INDEX).content.decode()

    for words in ("Emergency", "Same day", "Within 24 hours", "Within 72 hours", "Routine"):
        assert words in page
    assert "Counts at Mon 15 Jun 12:00 CDT." in page  # the clinic's clock, for no own zone
    ours.responsible.time_zone = "Europe/London"
    ours.responsible.save(update_fields=["time_zone"])
    page = admin_client_for(ours.responsible).get(INDEX).content.decode()
    assert "Counts at Mon 15 Jun 18:00 BST." in page
    assert "escalations/dashboard.css" in page
    assert "style=" not in page.split('id="dashboard-title"')[1].split("</section>")[0]


def test_no_dashboard_without_the_permission_to_open_the_queue(
    admin_client_for: Any, ours: Team, rows: Any
) -> None:
    from django.contrib.auth.models import Group

    ours.responsible.user.groups.remove(Group.objects.get(name="Clinicians"))

    response = admin_client_for(ours.responsible).get(INDEX)

    assert response.status_code == 200
    assert "dashboard" not in response.context
    assert "went silent" not in response.content.decode()
