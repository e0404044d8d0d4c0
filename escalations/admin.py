"""The clinicians' escalation queue: their own patients only, most urgent first."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Patient, User
from escalations.models import Escalation, Evidence, ReferralClock
from escalations.services import escalation_acknowledge


class OwnPatientsAdmin(admin.ModelAdmin[Any]):
    """Rows of the clinician's own patients only; nothing added or deleted by hand."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset.filter(patient__in=Patient.objects.visible_to(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EvidenceInline(admin.TabularInline[Evidence, Escalation]):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ["at", "detail"]
    readonly_fields = ["at", "detail"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(OwnPatientsAdmin):
    list_display = ["patient", "rule", "severity", "status", "due_at", "overdue", "evidence_count"]
    list_filter = ["severity", "status", "rule"]
    list_select_related = ["patient"]
    search_fields = ["patient__first_name", "patient__last_name", "patient__phone"]
    readonly_fields = [
        "patient", "rule", "severity", "reason", "due_at", "created_at", "last_evidence_at",
        "evidence_count", "status", "acknowledged_at", "acknowledged_by", "resolved_at",
        "resolved_by", "last_notified_at",
    ]  # fmt: skip
    fields = [*readonly_fields, "resolution_note"]
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

    @admin.display(boolean=True, description="Overdue")
    def overdue(self, escalation: Escalation) -> bool:
        return (
            escalation.status != Escalation.Status.RESOLVED and escalation.due_at < timezone.now()
        )

    @admin.action(description="Acknowledge selected escalations")
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Escalation]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 (the admin requires a signed-in user)
        for escalation in queryset.filter(status=Escalation.Status.OPEN):
            escalation_acknowledge(escalation=escalation, user=user)
        self.message_user(request, "Acknowledged.", messages.SUCCESS)


@admin.register(ReferralClock)
class ReferralClockAdmin(OwnPatientsAdmin):
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
        "overdue_at", "stopped_at", "stop_reason", "stop_note", "referral_type", "referral_date",
        "stopped_by",
    ]  # fmt: skip
