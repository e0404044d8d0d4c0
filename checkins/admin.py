"""Check-ins in the admin: read-only, each clinician's own patients."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import OwnPatientsMixin, RecordOnlyMixin
from checkins.models import Answer, Checkin


class AnswerInline(admin.TabularInline[Answer, Checkin]):
    model = Answer
    extra = 0
    can_delete = False
    fields = ["answered_at", "question", "value", "raw", "late"]
    readonly_fields = ["answered_at", "question", "value", "raw", "late"]
    verbose_name_plural = "Answers (late replies are kept, never applied)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Checkin)
class CheckinAdmin(OwnPatientsMixin, RecordOnlyMixin, admin.ModelAdmin[Checkin]):
    list_display = ["patient", "kind", "channel", "status", "started_at", "pending_question"]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["patient"]
    readonly_fields = [
        "patient", "slot", "kind", "channel", "status", "pending_question", "reprompts",
        "started_at", "remind_at", "reminded_at", "expires_at", "ended_at",
    ]  # fmt: skip
    inlines = [AnswerInline]
