"""Check-ins in the admin: read-only, each clinician's own patients."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import OwnPatientsMixin, RecordOnlyMixin
from checkins.models import Answer, Checkin
from checkins.texts import question_words
from checkins.words import answer_words


class AnswerInline(admin.TabularInline[Answer, Checkin]):
    """Each answer by its question's words and in words ("7 out of 10"), never the stored key
    or value."""

    model = Answer
    extra = 0
    can_delete = False
    fields = ["answered_at", "asked", "answer", "raw"]
    readonly_fields = ["answered_at", "asked", "answer", "raw"]
    verbose_name_plural = "Answers (late replies are kept, never applied)"

    @admin.display(description="Question")
    def asked(self, answer: Answer) -> str:
        return one_line(question_words(answer.question))

    @admin.display(description="Answer")
    def answer(self, answer: Answer) -> str:
        return answer_words(answer)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Checkin)
class CheckinAdmin(OwnPatientsMixin, RecordOnlyMixin, admin.ModelAdmin[Checkin]):
    list_display = ["patient", "kind", "channel", "status", "started_at", "waiting_for"]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["patient"]
    readonly_fields = [
        "patient", "slot", "kind", "channel", "status", "waiting_for", "reprompts",
        "started_at", "remind_at", "reminded_at", "expires_at", "ended_at",
    ]  # fmt: skip
    inlines = [AnswerInline]

    @admin.display(description="Waiting for an answer to", ordering="pending_question")
    def waiting_for(self, checkin: Checkin) -> str:
        return (
            one_line(question_words(checkin.pending_question)) if checkin.pending_question else ""
        )


def one_line(words: str) -> str:
    """A question cut to a line of the admin's table."""
    return words if len(words) <= 90 else words[:89] + "…"
