"""Program content in the admin (content editors only), and the audit trail."""

from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from accounts.admin import OwnPatientsMixin, RecordOnlyMixin
from accounts.models import AuditEvent, User
from programs import content
from programs.models import (
    ContentRecord,
    Program,
    ProgramStep,
    Step,
    StepText,
)
from programs.services import content_change


class ContentFormSet(BaseInlineFormSet):
    """The rows of a content inline, judged with the parent form's values as one edit: what
    `loadprograms` would reject is a form error, and so is deleting the day-0 safety net."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        for form in self.deleted_forms:
            if isinstance(form.instance, ProgramStep):
                form.instance.check_removable()
        save, delete = self.edit()
        problems = content.edit_problems(save=[self.instance, *save], delete=delete)
        if problems:
            raise ValidationError(problems)

    def edit(self) -> tuple[list[ContentRecord], list[ContentRecord]]:
        """The rows this formset would save (new or changed) and delete."""
        deleted = self.deleted_forms
        saved = [form.instance for form in self.forms if form.has_changed() and form not in deleted]
        return saved, [form.instance for form in deleted if form.instance.pk is not None]


class ContentAdmin[M: (Program, Step)](admin.ModelAdmin[M]):
    """Program content: changed by the Content editors group (clinicians read it). An edit and
    its inline rows are one `content_change`: checked as `loadprograms` checks the files,
    audited, and never taking away the safety net. New programs and steps come from the files;
    nothing is deleted here (patients' progress refers to steps)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            # The forms' checks passed but the write's own did not (an edit made meanwhile,
            # or a form without the inline rows): nothing was written.
            self.message_user(request, "Not saved: " + "; ".join(refused.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        pass  # written with its inline rows, as one edit, by save_related()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        save: list[ContentRecord] = [form.instance]
        delete: list[ContentRecord] = []
        for formset in formsets:
            save += formset.save(commit=False)  # nothing written: it lists the rows
            delete += formset.deleted_objects
        content_change(actor=cast(User, request.user), save=save, delete=delete)


class ProgramStepInline(admin.TabularInline[ProgramStep, Program]):
    model = ProgramStep
    formset = ContentFormSet
    extra = 0
    fields = ["day", "step"]
    autocomplete_fields = ["step"]


@admin.register(Program)
class ProgramAdmin(ContentAdmin[Program]):
    """Programs and their timelines. Content comes from programs/content/ (`loadprograms`);
    edits here last until the next load of a changed file."""

    list_display = ["title", "tier", "slug", "weeks", "content_version", "is_active"]
    list_filter = ["tier", "is_active"]
    readonly_fields = ["slug", "tier", "content_version"]
    inlines = [ProgramStepInline]


class StepTextInline(admin.StackedInline[StepText, Step]):
    model = StepText
    formset = ContentFormSet
    extra = 0
    max_num = 2
    can_delete = False


@admin.register(Step)
class StepAdmin(ContentAdmin[Step]):
    list_display = ["slug", "kind", "minutes", "safety_net"]
    list_filter = ["kind", "safety_net"]
    search_fields = ["slug", "texts__title"]
    readonly_fields = ["slug"]
    inlines = [StepTextInline]


@admin.register(AuditEvent)
class AuditEventAdmin(OwnPatientsMixin, RecordOnlyMixin, admin.ModelAdmin[AuditEvent]):
    """The audit trail: readable by clinicians for their own patients, editable by no one."""

    list_display = ["at", "actor", "patient", "action", "what", "detail"]
    list_filter = ["action"]
    list_select_related = ["actor", "patient"]
    search_fields = ["patient__first_name", "patient__last_name", "what"]
    date_hierarchy = "at"
