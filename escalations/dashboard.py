"""The admin index's dashboard: what waits for me and my care team, each count a link into the
queue filtered to exactly the rows it counts (the queue's own filters: `whose`, `severity`,
`status`, `overdue`, `clock`, `rule`).

Read-only and a pure function of (user, now): one query for the escalations and one for the
referral clocks, however many rows there are (`Count(..., filter=Q(...))`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from accounts.models import Clinician, Patient, User
from escalations.models import Escalation, ReferralClock
from escalations.rules import CLOCK_WORDS, SEVERITY_ORDER, SEVERITY_WORDS, Clock
from selfcare.clock import shown_time_text

CLOCK_WINDOW = timedelta(days=7)
SILENT_RULE = "R19"  # no replies: the patient went silent


@dataclass(frozen=True)
class Cell:
    count: int
    url: str


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]  # one per scope, in `Dashboard.scopes` order


@dataclass(frozen=True)
class Dashboard:
    scopes: list[str]  # the column headings: "Mine", "My team", or "All" without a profile
    open: list[Row]  # by severity, most severe first
    overdue: list[Row]
    clocks: list[Row]  # running clocks due within CLOCK_WINDOW, by kind
    silent: Row
    as_of: str  # `now` on the viewer's clock

    @property
    def silent_rows(self) -> list[Row]:
        return [self.silent]


@dataclass(frozen=True)
class _Scope:
    heading: str
    where: Q  # on Escalation and ReferralClock alike (both reach `patient`)
    params: dict[str, str]  # the queue's `whose` filter


def _scopes(user: User) -> list[_Scope]:
    me: Clinician | None = getattr(user, "clinician", None)
    if me is None:  # an operator or superuser without a profile: everything they may see
        return [_Scope("All", Q(), {})]
    scopes = [_Scope("Mine", Q(patient__clinician=me), {"whose": "mine"})]
    if me.team_id is not None:
        team = Q(patient__clinician__team_id=me.team_id)
        scopes.append(_Scope("My team", team, {"whose": "team"}))
    return scopes


def _url(params: dict[str, str]) -> str:
    return f"{reverse('admin:escalations_escalation_changelist')}?{urlencode(params)}"


def dashboard_for(*, user: User, now: datetime) -> Dashboard:
    """The counts `user` may see at `now`: never another care team's patients
    (`visible_to`), whatever the scope."""
    scopes = _scopes(user)
    active = Q(status__in=Escalation.ACTIVE)
    late = active & Q(due_at__lt=now)
    aggregates: dict[str, Count] = {}
    for i, scope in enumerate(scopes):
        for severity in SEVERITY_ORDER:
            of_severity = scope.where & Q(severity=severity)
            aggregates[f"open_{i}_{severity}"] = Count(
                "pk", filter=of_severity & Q(status=Escalation.Status.OPEN)
            )
            aggregates[f"late_{i}_{severity}"] = Count("pk", filter=of_severity & late)
        aggregates[f"silent_{i}"] = Count("pk", filter=scope.where & active & Q(rule=SILENT_RULE))
    counts = Escalation.objects.visible_to(user).aggregate(**aggregates)

    due = Q(stopped_at__isnull=True, deadline__lt=now + CLOCK_WINDOW)
    clock_aggregates = {
        f"clock_{i}_{kind}": Count("pk", filter=scope.where & due & Q(kind=kind))
        for i, scope in enumerate(scopes)
        for kind in Clock
    }
    clock_counts = ReferralClock.objects.filter(
        patient__in=Patient.objects.visible_to(user)
    ).aggregate(**clock_aggregates)

    def row(label: str, key: str, extra: dict[str, str], source: dict[str, int]) -> Row:
        return Row(
            label,
            [
                Cell(source[key.format(i=i)], _url({**scope.params, **extra}))
                for i, scope in enumerate(scopes)
            ],
        )

    return Dashboard(
        scopes=[scope.heading for scope in scopes],
        open=[
            row(
                SEVERITY_WORDS[s],
                f"open_{{i}}_{s}",
                {"severity__exact": s, "status__exact": "open"},
                counts,
            )
            for s in SEVERITY_ORDER
        ],
        overdue=[
            row(
                SEVERITY_WORDS[s],
                f"late_{{i}}_{s}",
                {"severity__exact": s, "overdue": "yes"},
                counts,
            )
            for s in SEVERITY_ORDER
        ],
        clocks=[row(CLOCK_WORDS[k], f"clock_{{i}}_{k}", {"clock": k}, clock_counts) for k in Clock],
        silent=row(
            "Went silent (no replies)",
            "silent_{i}",
            {"rule__exact": SILENT_RULE, "status__in": "open,acknowledged"},
            counts,
        ),
        as_of=shown_time_text(now),
    )
