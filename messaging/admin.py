"""SMS in the admin: each clinician reads their own patients' messages and review items."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Patient
from messaging.models import Message, MessageStatusEvent, ReviewItem


class StatusEventInline(admin.TabularInline[MessageStatusEvent, Message]):
    model = MessageStatusEvent
    extra = 0
    can_delete = False
    fields = ["at", "status", "error_code", "source"]
    readonly_fields = ["at", "status", "error_code", "source"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    """Read-only: the SMS log is a clinical record."""

    list_display = ["created_at", "direction", "patient", "status", "template", "suppressed_reason"]
    list_filter = ["direction", "status", "priority", "suppressed_reason"]
    list_select_related = ["patient"]
    search_fields = ["patient__first_name", "patient__last_name"]
    date_hierarchy = "created_at"
    inlines = [StatusEventInline]
    exclude = ["raw"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(patient__in=Patient.objects.visible_to(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Message | None = None) -> Any:
        return [field.name for field in Message._meta.fields if field.name != "raw"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin[ReviewItem]):
    list_display = ["created_at", "reason", "patient", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["patient", "message"]
    readonly_fields = ["reason", "patient", "message", "created_at", "resolved_at", "resolved_by"]
    actions = ["resolve"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewItem]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset  # includes unknown senders, which belong to no clinician
        return queryset.filter(patient__in=Patient.objects.visible_to(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReviewItem | None = None) -> bool:
        return False

    @admin.action(description="Mark selected as resolved")
    def resolve(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> None:
        count = queryset.filter(resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=request.user
        )
        self.message_user(request, f"{count} review item(s) resolved.", messages.SUCCESS)
