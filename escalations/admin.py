"""The clinicians' escalation queue: their own patients only, most urgent first."""

from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from accounts.admin import OwnPatientsMixin
from accounts.models import Patient, User
from accounts.services import audit
from checkins.models import Medicine
from escalations.models import Escalation, Evidence, ReferralClock
from escalations.services import (
    CARE_TEAM_REPLY_MAX,
    CareTeamReplyRefused,
    care_team_reply,
    clock_dismiss,
    clock_record_referral,
    escalation_acknowledge,
    escalation_resolve,
    medicine_record,
    rescreen_record,
)
from messaging.services import patient_quiet_until
from programs.admin import PatientAdmin
from programs.models import current_enrollment
from programs.stratification import ITEM_LABELS, InvalidAnswers
from selfcare.clock import clinic_time_text, latest_today, local_today


class OwnPatientsAdmin(OwnPatientsMixin, admin.ModelAdmin[Any]):
    """Rows of the clinician's own patients only; nothing added or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EvidenceInline(admin.TabularInline[Evidence, Escalation]):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ["at", "detail", "words"]
    readonly_fields = ["at", "detail", "words"]

    @admin.display(description="The patient's words")
    def words(self, evidence: Evidence) -> str:
        """What the patient texted (or the care team sent), for a message for the care team."""
        return evidence.message.body if evidence.message_id and evidence.message else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        return super().get_queryset(request).select_related("message")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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
    list_display = ["patient", "rule", "severity", "status", "due_at", "overdue", "evidence_count"]
    list_filter = ["severity", "status", "rule", OverdueFilter, ClockFilter]
    form = EscalationForm
    change_form_template = "admin/escalations/escalation_change_form.html"
    list_select_related = ["patient"]
    search_fields = ["patient__first_name", "patient__last_name", "patient__phone"]
    readonly_fields = [
        "patient", "rule", "severity", "reason", "due_at", "created_at", "last_evidence_at",
        "evidence_count", "status", "acknowledged_at", "acknowledged_by", "resolved_at",
        "resolved_by", "last_notified_at",
    ]  # fmt: skip
    fields = [*readonly_fields, "resolution_note", "tell_patient", "reply"]
    inlines = [EvidenceInline]
    actions = ["acknowledge"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Open first, then acknowledged, then resolved; within each, soonest due first.
        order = Case(
            When(status="open", then=Value(0)),
            When(status="acknowledged", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return (
            super()
            .get_queryset(request)
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
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Escalation, form: Any, change: bool) -> None:
        # Never saved directly: each button is a service call (and an audit row).
        user = cast(User, request.user)
        if "_resolve" in request.POST:
            escalation_resolve(
                escalation=obj,
                user=user,
                note=form.cleaned_data["resolution_note"],
                tell_patient=form.cleaned_data["tell_patient"],
            )
        elif "_acknowledge" in request.POST:
            escalation_acknowledge(escalation=obj, user=user)
        elif "_reply" in request.POST:
            try:
                care_team_reply(escalation=obj, user=user, text=form.cleaned_data["reply"])
            except CareTeamReplyRefused as refused:
                self.message_user(request, str(refused), messages.ERROR)
            else:
                self.message_user(request, "Sent to the patient.", messages.SUCCESS)

    def response_change(self, request: HttpRequest, obj: Escalation) -> HttpResponse:
        if "_reply" in request.POST:  # stay on the escalation after a reply
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.display(description="Overdue")
    def overdue(self, escalation: Escalation) -> str:
        late = (
            escalation.status != Escalation.Status.RESOLVED and escalation.due_at < timezone.now()
        )
        return "OVERDUE" if late else ""

    @admin.action(description="Acknowledge selected escalations")
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Escalation]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 (the admin requires a signed-in user)
        for escalation in queryset.filter(status=Escalation.Status.OPEN):
            escalation_acknowledge(escalation=escalation, user=user)
        self.message_user(request, "Acknowledged.", messages.SUCCESS)


def _checkin_sent_note(patient: Patient) -> str:
    """What the clinician is told after "Send a check-in now": the patient's quiet hours hold
    the first question, so say when it will go."""
    held_until = patient_quiet_until(patient, now=timezone.now())
    if held_until is None:
        return "Check-in sent."
    zone = ZoneInfo(patient.timezone)
    return (
        f"Check-in started. It is quiet hours for the patient "
        f"({patient.quiet_hours_start:%H:%M}–{patient.quiet_hours_end:%H:%M} their time): "
        f"the first question goes at {held_until.astimezone(zone):%H:%M} their time "
        f"({clinic_time_text(held_until, '%a %H:%M')})."
    )


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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.stopped_at is not None:
            return [*self.readonly_fields, "referral_type", "referral_date", "stop_note"]
        return self.readonly_fields

    list_display = [
        "patient",
        "kind",
        "rule",
        "deadline",
        "reminded_at",
        "overdue_at",
        "stopped_at",
    ]
    list_filter = ["kind", ("stopped_at", admin.EmptyFieldListFilter)]
    list_select_related = ["patient"]
    readonly_fields = [
        "patient", "kind", "rule", "started_at", "remind_at", "deadline", "reminded_at",
        "overdue_at", "stopped_at", "stop_reason", "stopped_by",
    ]  # fmt: skip


# --- the patient record: one timeline, the pain chart, and the clinician's actions ----------

admin.site.unregister(Patient)

TIMELINE_LENGTH = 60


def patient_timeline(patient: Patient) -> list[dict[str, Any]]:
    """Messages, check-in answers, escalations and program progress, newest first (four
    bounded queries, however long the history)."""
    from checkins.models import Answer
    from messaging.models import Message
    from programs.models import StepProgress

    events: list[dict[str, Any]] = []
    for m in Message.objects.filter(patient=patient).order_by("-created_at")[:TIMELINE_LENGTH]:
        kind = "SMS in" if m.direction == "in" else "SMS out"
        events.append(
            {"at": m.created_at, "kind": kind, "text": m.body, "detail": m.get_status_display()}
        )
    for a in Answer.objects.filter(patient=patient).order_by("-answered_at")[:TIMELINE_LENGTH]:
        detail = "late, not applied" if a.late else ("unanswered" if a.value is None else "")
        events.append(
            {
                "at": a.answered_at,
                "kind": "Answer",
                "text": f"{a.question}: {a.value!r}",
                "detail": detail,
            }
        )
    for e in Escalation.objects.filter(patient=patient).order_by("-created_at")[:TIMELINE_LENGTH]:
        events.append(
            {
                "at": e.created_at,
                "kind": "Escalation",
                "text": f"{e.rule} ({e.severity}): {e.reason}",
                "detail": e.get_status_display(),
            }
        )
    for p in (
        StepProgress.objects.filter(enrollment__patient=patient)
        .select_related("step")
        .order_by("-done_at")[:TIMELINE_LENGTH]
    ):
        events.append(
            {"at": p.done_at, "kind": "Program", "text": f"Done: {p.step.slug}", "detail": ""}
        )
    return sorted(events, key=lambda event: event["at"], reverse=True)[:TIMELINE_LENGTH]


@admin.register(Patient)
class PatientRecordAdmin(PatientAdmin):
    """The patient page of the work queue: the record, its timeline and chart, and actions."""

    change_form_template = "admin/escalations/patient_record.html"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/act/<slug:action>/",
                self.admin_site.admin_view(self.act),
                name="accounts_patient_act",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        from checkins.models import Medicine
        from checkins.progress import chart, pain_points

        patient = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if patient is not None:
            points = pain_points(patient)
            context.update(
                timeline=patient_timeline(patient),
                chart=chart(points),
                points=points,
                medicines=Medicine.objects.filter(patient=patient, stopped_at__isnull=True),
                medicine_kinds=Medicine.Kind.choices,
                tiers=["low", "medium", "high"],
                current=current_enrollment(patient),
                startback_items=list(ITEM_LABELS.items()),
            )
        return super().change_view(request, object_id, form_url, context)

    def act(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """The patient page's buttons; each calls one service and is audited by it."""
        from checkins.services import CheckinRefused, checkin_start
        from programs.services import enrollment_change_tier, enrollment_pause, enrollment_resume

        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        patient = self.get_object(request, unquote(object_id))
        if patient is None:
            raise Http404
        user = cast(User, request.user)
        enrollment = current_enrollment(patient)
        today = local_today(timezone.now(), ZoneInfo(patient.timezone))
        try:
            if action == "pause" and enrollment:
                enrollment_pause(enrollment=enrollment, today=today)
                self.message_user(request, "Program paused.")
            elif action == "resume" and enrollment:
                enrollment_resume(enrollment=enrollment, today=today)
                self.message_user(request, "Program resumed; later steps moved back.")
            elif action == "tier":
                new = enrollment_change_tier(
                    patient=patient, tier=request.POST.get("tier", ""), actor=user
                )
                self.message_user(request, f"Now in {new.program}.")
            elif action == "checkin":
                checkin_start(patient=patient)
                self.message_user(request, _checkin_sent_note(patient))
            elif action == "medicine":
                kind = request.POST.get("kind", "")
                if kind not in Medicine.Kind.values:
                    raise ValidationError("Choose a medicine class.")
                medicine_record(
                    patient=patient,
                    kind=kind,
                    for_sciatica=bool(request.POST.get("for_sciatica")),
                    actor=user,
                )
                self.message_user(request, "Medicine recorded.")
            elif action == "rescreen":
                answers = [int(request.POST.get(f"item_{i}", "-1")) for i in range(1, 10)]
                screen, rose = rescreen_record(patient=patient, answers=answers, actor=user)
                note = " The risk group rose: consider changing the tier." if rose else ""
                self.message_user(request, f"Re-screened: {screen.risk_group} risk.{note}")
            else:
                raise Http404
            if action in ("pause", "resume", "tier", "checkin"):
                audit(actor=user, patient=patient, action="change", what="program", detail=action)
        except CheckinRefused as refused:
            self.message_user(request, f"No check-in sent: {refused.reason}.", messages.ERROR)
        except (ValidationError, InvalidAnswers, ValueError) as invalid:
            self.message_user(request, f"Not done: {invalid}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:accounts_patient_change", args=[patient.pk]))
