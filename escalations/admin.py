"""The clinicians' escalation queue: their care team's patients only (their own, in no team),
most urgent first, with who is responsible, who covers now and who the chain has told. Each
escalation's page reads in words (escalations.page), and its buttons confirm what they did."""

from datetime import datetime, timedelta
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin import OwnPatientsMixin, away_note, request_clinician
from accounts.models import Patient, User
from accounts.services import audit, patient_reassign
from escalations.models import Escalation, Evidence, Notification, ReferralClock
from escalations.notifications import step_recipients, step_words
from escalations.page import escalation_page, withheld_words
from escalations.rules import RULE_MEANINGS, SEVERITY_ORDER, SEVERITY_WORDS, Severity
from escalations.services import (
    CARE_TEAM_REPLY_MAX,
    CareTeamReplyRefused,
    care_team_reply,
    clock_dismiss,
    clock_record_referral,
    escalation_acknowledge,
    escalation_resolve,
)
from messaging.models import Message
from messaging.models import Status as MessageStatus
from selfcare.clock import latest_today, shown_time_text


class OwnPatientsAdmin(OwnPatientsMixin, admin.ModelAdmin[Any]):
    """Rows of the clinician's own patients only; nothing added or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        late = queryset.filter(status__in=Escalation.ACTIVE, due_at__lt=timezone.now())
        if self.value() == "yes":
            return late
        if self.value() == "no":
            return queryset.exclude(pk__in=late.values("pk"))
        return queryset


class SeverityFilter(admin.SimpleListFilter):
    """Severity in words, most severe first. Its parameter is the stock filter's, which the
    dashboard's links use; the stored values stay as they are (alert texts use them)."""

    title = "severity"
    parameter_name = "severity__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(s.value, SEVERITY_WORDS[s]) for s in SEVERITY_ORDER]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in Severity:
            return queryset.filter(severity=self.value())
        return queryset


def rule_words(rule: str, limit: int = 56) -> str:
    """A rule as the sidebar names it: its meaning up to the colon, cut at a word."""
    head = RULE_MEANINGS.get(rule, rule).split(":")[0]
    if len(head) <= limit:
        return head
    return head[: head.rfind(" ", 0, limit)].rstrip(",;") + "…"


class RuleFilter(admin.SimpleListFilter):
    """What happened, in words, for each rule (R1–R27). Its parameter is the stock filter's,
    which the dashboard's "went silent" link uses."""

    title = "what happened"
    parameter_name = "rule__exact"
    template = "admin/escalations/filter_closed.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(rule, rule_words(rule)) for rule in RULE_MEANINGS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in RULE_MEANINGS:
            return queryset.filter(rule=self.value())
        return queryset


class ClockFilter(admin.SimpleListFilter):
    title = "referral clock"
    parameter_name = "clock"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("2w", "2 weeks running"), ("3m", "3 months running")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("2w", "3m"):
            running = ReferralClock.objects.filter(kind=self.value(), stopped_at__isnull=True)
            return queryset.filter(patient__in=running.values("patient"))
        return queryset


class WhoseFilter(admin.SimpleListFilter):
    """Mine (I am the responsible clinician) or my care team's (everyone's I may see)."""

    title = "whose patients"
    parameter_name = "whose"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        me = request_clinician(request)
        if me is None:
            return []
        mine = [("mine", "Mine")]
        return mine if me.team_id is None else [*mine, ("team", "My team")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        me = request_clinician(request)
        if me is None:
            return queryset
        if self.value() == "mine":
            return queryset.filter(patient__clinician=me)
        if self.value() == "team":
            if me.team_id is None:
                return queryset.filter(patient__clinician=me)
            if not request.user.is_superuser:
                return queryset  # the queue already holds only the team's (visible_to)
            return queryset.filter(patient__clinician__team_id=me.team_id)
        return queryset


def _span(delta: timedelta) -> str:
    """A duration as a clinician says it: "40 min", "2 h 5 min", "3 days"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else "someone"


def _status_words(escalation: Escalation) -> str:
    """Where it stands, who moved it there and when (in the viewer's zone)."""
    if escalation.status == Escalation.Status.RESOLVED and escalation.resolved_at:
        when = shown_time_text(escalation.resolved_at)
        return f"Resolved by {_person(escalation.resolved_by)} at {when}"
    if escalation.status == Escalation.Status.ACKNOWLEDGED and escalation.acknowledged_at:
        when = shown_time_text(escalation.acknowledged_at)
        return f"Acknowledged by {_person(escalation.acknowledged_by)} at {when}"
    return "Open: nobody has acknowledged it yet"


def _texted(escalation: Escalation, text: str, since: datetime, what: str) -> str:
    """How a confirmation ends: whether the patient was texted `what` just now (the services
    queue the text only when there is something to tell, and the outbox may withhold it)."""
    sent = (
        Message.objects.filter(
            patient_id=escalation.patient_id, template=text, created_at__gte=since
        )
        .order_by("-created_at")
        .first()
    )
    name = escalation.patient.first_name
    if sent is None:
        return ""
    if sent.status == MessageStatus.SUPPRESSED:
        return f"; {name} was not texted ({withheld_words(sent)})"
    return f" and {name} was texted that {what}"


class EscalationForm(forms.ModelForm[Escalation]):
    """The resolution note and a reply to the patient are typed; the buttons call the
    services."""

    reply = forms.CharField(
        label="Reply to the patient by SMS",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=CARE_TEAM_REPLY_MAX,
        help_text="Sent from the care team in the patient's language setting; your words as typed.",
    )
    tell_patient = forms.BooleanField(
        label='When resolving, text the patient "your care team has seen your message"',
        required=False,
    )

    class Meta:
        model = Escalation
        fields = ["resolution_note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "_resolve" in self.data and not str(data.get("resolution_note", "")).strip():
            self.add_error("resolution_note", "Say what was done before resolving.")
        if "_reply" in self.data and not str(data.get("reply", "")).strip():
            self.add_error("reply", "Write the message to send.")
        return data


@admin.register(Escalation)
class EscalationAdmin(OwnPatientsAdmin):
    list_display = [
        "patient_contact", "what", "severity_label", "due", "status", "evidence",
        "team_side", "chain_side",
    ]  # fmt: skip
    list_display_links = ["what"]

    class Media:
        css = {"all": ("escalations/queue.css",)}

    list_filter = [WhoseFilter, SeverityFilter, "status", RuleFilter, OverdueFilter, ClockFilter]
    form = EscalationForm
    change_form_template = "admin/escalations/escalation_change_form.html"
    # Everything the columns read, so the page costs the same queries for 1 row or 100.
    list_select_related = [
        "patient__clinician__user",
        "patient__clinician__team__on_call__user",
        "patient__clinician__team__lead__user",
    ]
    search_fields = ["patient__first_name", "patient__last_name", "patient__phone"]
    # The facts are the page's header and sections (escalations.page); the form is what the
    # clinician types.
    fields = ["resolution_note", "tell_patient", "reply"]
    actions = ["acknowledge", "assign_to_me"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Open first, then acknowledged, then resolved; within each, soonest due first.
        order = Case(
            When(status="open", then=Value(0)),
            When(status="acknowledged", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        # Who the chain's last step told: one query for the whole page.
        last_step = (
            Notification.objects.filter(step=F("escalation__chain_step"), clinician__isnull=False)
            .select_related("clinician__user")
            .order_by("id")
        )
        # The patient's own words, for a message for the care team (R24): one query too.
        words = (
            Evidence.objects.filter(message__isnull=False)
            .select_related("message")
            .order_by("at", "pk")
        )
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .prefetch_related(
                Prefetch("notifications", last_step, to_attr="last_step_notices"),
                Prefetch("evidence", words, to_attr="worded_evidence"),
            )
            .annotate(queue_order=order)
            .order_by("queue_order", "due_at")
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        escalation = self.get_object(request, unquote(object_id))
        if escalation is None:
            raise Http404
        if request.method == "GET":
            audit(
                actor=request.user,
                patient=escalation.patient,
                action="view",
                what=f"escalation {escalation.pk}",
            )
        page = {
            "title": f"{escalation} — {escalation.patient}",
            "subtitle": None,  # the title says it all
            "header": self._header(escalation),
            "page": escalation_page(escalation),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **page})

    def _header(self, escalation: Escalation) -> dict[str, str]:
        """Who, how to call them, how urgent, where it stands and who is on it."""
        patient = escalation.patient
        return {
            "patient": str(patient),
            "record": reverse("admin:accounts_patient_change", args=[patient.pk]),
            "phone": str(patient.phone),
            "severity": self.severity_label(escalation),
            "status": _status_words(escalation),
            "due": self.due(escalation),
            "responsible": self.responsible(escalation),
            "covering": self.covering(escalation),
        }

    def save_model(self, request: HttpRequest, obj: Escalation, form: Any, change: bool) -> None:
        # Never saved directly: each button is a service call (and an audit row), then a
        # confirmation that says what happened, to the patient too.
        user = cast(User, request.user)
        if "_resolve" in request.POST:
            self._resolve(request, obj, user, form.cleaned_data)
        elif "_acknowledge" in request.POST:
            self._acknowledge(request, obj, user)
        elif "_reply" in request.POST:
            self._reply(request, obj, user, form.cleaned_data["reply"])

    def _acknowledge(self, request: HttpRequest, escalation: Escalation, user: User) -> None:
        since = timezone.now()
        escalation_acknowledge(escalation=escalation, user=user)
        acknowledged_at = escalation.acknowledged_at
        if (
            escalation.acknowledged_by_id != user.pk
            or not acknowledged_at
            or acknowledged_at < since
        ):
            self.message_user(
                request, f"Nothing changed: {_status_words(escalation)}.", messages.WARNING
            )
            return
        told = _texted(escalation, "care_team_acknowledged", since, "the care team has seen it")
        self.message_user(request, f"Acknowledged: the chain has stopped{told}.", messages.SUCCESS)

    def _resolve(
        self, request: HttpRequest, escalation: Escalation, user: User, data: dict[str, Any]
    ) -> None:
        if escalation.status == Escalation.Status.RESOLVED:
            self.message_user(
                request, f"Nothing changed: {_status_words(escalation)}.", messages.WARNING
            )
            return
        since = timezone.now()
        escalation_resolve(
            escalation=escalation,
            user=user,
            note=data["resolution_note"],
            tell_patient=data["tell_patient"],
        )
        told = (
            _texted(escalation, "care_team_seen", since, "the care team has seen the message")
            if data["tell_patient"]
            else ""
        )
        self.message_user(request, f"Resolved with your note{told}.", messages.SUCCESS)

    def _reply(self, request: HttpRequest, escalation: Escalation, user: User, text: str) -> None:
        name = escalation.patient.first_name
        try:
            reply = care_team_reply(escalation=escalation, user=user, text=text)
        except CareTeamReplyRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return
        words = " ".join(text.split())
        if reply.status == MessageStatus.SUPPRESSED:
            self.message_user(
                request, f"Not sent to {name}: {withheld_words(reply)}.", messages.ERROR
            )
            return
        self.message_user(request, f"Sent to {name}: “{words}”", messages.SUCCESS)

    def response_change(self, request: HttpRequest, obj: Escalation) -> HttpResponse:
        """The button's own confirmation (save_model) instead of Django's "was changed
        successfully": back to the queue once resolved, else stay on the escalation."""
        if "_resolve" in request.POST and obj.status == Escalation.Status.RESOLVED:
            return self.response_post_save_change(request, obj)
        return HttpResponseRedirect(request.path)

    @admin.display(description="Evidence", ordering="evidence_count")
    def evidence(self, escalation: Escalation) -> int:
        return escalation.evidence_count

    @admin.display(description="Responsible", ordering="patient__clinician__user__last_name")
    def team_side(self, escalation: Escalation) -> str:
        """The responsible clinician and, while they are away, who covers."""
        cover = self.covering(escalation)
        if not cover:
            return self.responsible(escalation)
        return format_html("{}<br>covered by {}", self.responsible(escalation), cover)

    @admin.display(description="Chain", ordering="chain_step")
    def chain_side(self, escalation: Escalation) -> str:
        """The chain's step and whom it told, when."""
        if escalation.chain_step is None:
            return ""
        return format_html("Step {}<br>{}", self.chain(escalation), self.notified(escalation))

    @admin.display(description="Patient", ordering="patient__last_name")
    def patient_contact(self, escalation: Escalation) -> str:
        """The patient's name (their record), the last digits of their number, and a link
        that calls it."""
        patient = escalation.patient
        phone = str(patient.phone)
        record = reverse("admin:accounts_patient_change", args=[patient.pk])
        return format_html(
            '<a href="{}">{}</a><br><a class="tel" href="tel:{}">call ··{}</a>',
            record,
            patient,
            phone,
            phone[-4:],
        )

    @admin.display(description="What happened", ordering="rule")
    def what(self, escalation: Escalation) -> str:
        """The rule's reason in words; for a message for the care team (R24), the first line
        of what the patient wrote."""
        said = cast(list[Evidence], getattr(escalation, "worded_evidence", []))
        if escalation.rule == "R24" and said and said[0].message:
            lines = said[0].message.body.strip().splitlines()
            first = lines[0] if lines else ""
            quote = first if len(first) <= 80 else first[:79] + "…"
            return format_html("{}<br><q>{}</q>", escalation.reason, quote)
        return escalation.reason

    @admin.display(description="Severity", ordering="severity")
    def severity_label(self, escalation: Escalation) -> str:
        return format_html(
            '<span class="severity severity-{}">{}</span>',
            escalation.severity,
            SEVERITY_WORDS[Severity(escalation.severity)],
        )

    @admin.display(description="Due", ordering="due_at")
    def due(self, escalation: Escalation) -> str:
        """When, in the clinician's own time zone (accounts.middleware), and how long from
        now: "in 40 min" or "overdue by 2 h 5 min" while it is not resolved."""
        shown = shown_time_text(escalation.due_at)
        if escalation.status == Escalation.Status.RESOLVED:
            return shown
        left = escalation.due_at - timezone.now()
        if left.total_seconds() < 0:
            return format_html(
                '{}<br><strong class="overdue">overdue by {}</strong>', shown, _span(-left)
            )
        return format_html("{}<br>in {}", shown, _span(left))

    @admin.display(description="Responsible", ordering="patient__clinician__user__last_name")
    def responsible(self, escalation: Escalation) -> str:
        clinician = escalation.patient.clinician
        away = away_note(clinician)
        return f"{clinician} ({away})" if away else str(clinician)

    @admin.display(description="Covering now")
    def covering(self, escalation: Escalation) -> str:
        """Who is told first now: the on-call member (or the lead) while the responsible
        clinician is away."""
        now = timezone.now()
        responsible = escalation.patient.clinician
        if not responsible.is_away(now):
            return ""
        cover = step_recipients(escalation, 0, now=now)[0]
        return "nobody: the team is away" if cover.pk == responsible.pk else str(cover)

    @admin.display(description="Last notified")
    def notified(self, escalation: Escalation) -> str:
        if escalation.chain_step is None or escalation.last_notified_at is None:
            return ""
        notices = cast(list[Notification], getattr(escalation, "last_step_notices", []))
        names = list(dict.fromkeys(str(n.clinician) for n in notices if n.clinician))
        when = shown_time_text(escalation.last_notified_at)
        return f"{', '.join(names)} at {when}" if names else when

    @admin.display(description="Chain step", ordering="chain_step")
    def chain(self, escalation: Escalation) -> str:
        step = escalation.chain_step
        if step is None:
            return ""
        return f"{step}: {step_words(step)}"

    def has_assign_permission(self, request: HttpRequest) -> bool:
        """Taking a patient on changes the patient: a clinician who may change patients."""
        return request_clinician(request) is not None and request.user.has_perm(
            "accounts.change_patient"
        )

    @admin.action(
        description="Assign to me (become the responsible clinician)", permissions=["assign"]
    )
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Escalation]) -> None:
        me = request_clinician(request)
        if me is None:  # unreachable: the action needs a clinician
            return
        escalations = list(queryset.select_related("patient__clinician__user"))
        patients: dict[int, Patient] = {e.patient_id: e.patient for e in escalations}
        taken, refused = [], []
        for patient in patients.values():
            if patient.clinician_id == me.pk:
                continue
            try:
                patient_reassign(patient=patient, clinician=me, actor=cast(User, request.user))
            except ValidationError:
                refused.append(str(patient))
            else:
                taken.append(str(patient))
        # Rows the clinician may not see never reach the action; say so without naming them.
        selected = set(request.POST.getlist(ACTION_CHECKBOX_NAME))
        unseen = (
            0
            if request.POST.get("select_across") == "1"
            else len(selected - {str(e.pk) for e in escalations})
        )
        if taken:
            self.message_user(
                request, f"You are now responsible for {', '.join(taken)}.", messages.SUCCESS
            )
        elif not (refused or unseen):
            self.message_user(request, "You are already responsible for these patients.")
        if refused:
            self.message_user(
                request,
                f"Not assigned to you: {', '.join(refused)} (not in your care team).",
                messages.ERROR,
            )
        if unseen:
            self.message_user(
                request,
                f"Not assigned to you: {unseen} selected escalation(s) of patients outside "
                "your care team.",
                messages.ERROR,
            )

    @admin.action(description="Acknowledge selected escalations")
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Escalation]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 (the admin requires a signed-in user)
        for escalation in queryset.filter(status=Escalation.Status.OPEN):
            escalation_acknowledge(escalation=escalation, user=user)
        self.message_user(request, "Acknowledged.", messages.SUCCESS)


class ReferralClockForm(forms.ModelForm[ReferralClock]):
    class Meta:
        model = ReferralClock
        fields = ["referral_type", "referral_date", "stop_note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "_refer" in self.data:
            if not data.get("referral_type"):
                self.add_error("referral_type", "Which service was the patient referred to?")
            if not data.get("referral_date"):
                self.add_error("referral_date", "When was the referral made?")
            elif data["referral_date"] > latest_today(timezone.now()):
                self.add_error("referral_date", "The referral date cannot be in the future.")
        if "_dismiss" in self.data and not str(data.get("stop_note", "")).strip():
            self.add_error("stop_note", "A reason is required to dismiss a referral clock.")
        return data


@admin.register(ReferralClock)
class ReferralClockAdmin(OwnPatientsAdmin):
    form = ReferralClockForm
    change_form_template = "admin/escalations/referralclock_change_form.html"

    def save_model(self, request: HttpRequest, obj: ReferralClock, form: Any, change: bool) -> None:
        user = cast(User, request.user)
        if obj.stopped_at is not None:
            return
        if "_refer" in request.POST:
            clock_record_referral(
                clock=obj,
                user=user,
                referral_type=form.cleaned_data["referral_type"],
                referral_date=form.cleaned_data["referral_date"],
            )
        elif "_dismiss" in request.POST:
            clock_dismiss(clock=obj, user=user, reason=form.cleaned_data["stop_note"])

    @admin.display(description="Started because", ordering="rule")
    def started_by(self, clock: ReferralClock) -> str:
        """What the rule that started the clock saw, in words (its meaning up to the colon)."""
        return rule_words(clock.rule, limit=200)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.stopped_at is not None:
            return [*self.readonly_fields, "referral_type", "referral_date", "stop_note"]
        return self.readonly_fields

    list_display = [
        "patient",
        "kind",
        "started_by",
        "deadline",
        "reminded_at",
        "overdue_at",
        "stopped_at",
    ]
    list_filter = ["kind", ("stopped_at", admin.EmptyFieldListFilter)]
    list_select_related = ["patient"]
    readonly_fields = [
        "patient", "kind", "started_by", "started_at", "remind_at", "deadline", "reminded_at",
        "overdue_at", "stopped_at", "stop_reason", "stopped_by",
    ]  # fmt: skip
