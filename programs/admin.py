"""The clinicians' admin for patients: enroll (with STarT Back), list and read their own."""

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import OwnPatientsMixin, RecordOnlyMixin
from accounts.models import AuditEvent, ConsentEvent, Patient, User
from accounts.services import audit
from programs import content
from programs.forms import EnrollPatientForm, clinician_choices
from programs.models import (
    ContentRecord,
    Enrollment,
    Program,
    ProgramStep,
    StartBackScreen,
    Step,
    StepText,
    current_enrollment,
    latest_screen,
    with_stratification,
)
from programs.services import content_change, patient_enroll


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StartBackScreenInline(ReadOnlyInline):
    model = StartBackScreen
    fields = ["screened_at", "answers", "total", "psychosocial", "risk_group", "screened_by"]


class EnrollmentInline(ReadOnlyInline):
    model = Enrollment
    fk_name = "patient"
    fields = ["program", "status", "started_on", "ended_at", "enrolled_by"]


class ConsentEventInline(ReadOnlyInline):
    model = ConsentEvent
    fields = ["occurred_at", "state", "source", "recorded_by"]
    verbose_name_plural = "SMS consent history"


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "phone_ending",
        "risk_group",
        "program",
        "status",
        "sms_consent",
        "clinician",
    ]
    list_filter = ["status", "sms_consent", "language"]
    search_fields = ["first_name", "last_name", "phone"]
    list_select_related = ["clinician__user"]
    inlines = [StartBackScreenInline, EnrollmentInline, ConsentEventInline]
    fieldsets = [
        (
            "Contact",
            {
                "fields": [
                    "first_name",
                    "last_name",
                    "phone",
                    "timezone",
                    "language",
                    "quiet_hours_start",
                    "quiet_hours_end",
                ]
            },
        ),
        ("Care", {"fields": ["clinician", "status", "sms_consent"]}),
        (
            "Risk flags",
            {
                "fields": [
                    "cancer_history",
                    "immunosuppressed",
                    "iv_drug_use",
                    "osteoporosis_or_steroids",
                    "recent_infection_or_spinal_procedure",
                ]
            },
        ),
        (
            "At enrollment",
            {
                "fields": [
                    "pain_sites",
                    "baseline_back_pain",
                    "baseline_leg_pain",
                    "onset_date",
                    "presentation_date",
                    "created_at",
                    "created_by",
                ]
            },
        ),
    ]
    # Clinical facts recorded at enrollment are evidence; consent changes only through events.
    readonly_fields = [
        "status",  # changed by the program actions, which keep the enrollment in step
        "sms_consent",
        "sms_undeliverable_code",
        "pain_sites",
        "baseline_back_pain",
        "baseline_leg_pain",
        "onset_date",
        "presentation_date",
        "created_at",
        "created_by",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Patient]:
        return with_stratification(Patient.objects.visible_to(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Patient | None = None) -> Any:
        fields = list(self.readonly_fields)
        if not request.user.is_superuser:
            fields.append("clinician")
        return fields

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        # Another clinician's patient is "not found", as in the API, not a redirect home.
        raise Http404

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        patient = self.get_object(request, unquote(object_id))
        if patient is not None and request.method == "GET":
            audit(actor=request.user, patient=patient, action="view", what="patient (admin)")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Patient, form: Any, change: bool) -> None:
        if change:
            fields = ", ".join(form.changed_data)
            audit(actor=request.user, patient=obj, action="change", what="patient", detail=fields)
        if change and "phone" in form.changed_data:
            # A new number gets a fresh chance; the old one's delivery failures don't apply.
            obj.sms_undeliverable_code = None
            obj.sms_undeliverable_at = None
        super().save_model(request, obj, form, change)

    def _require_visible(self, request: HttpRequest, object_id: str) -> None:
        # SimpleHistoryAdmin's history pages look the object up without get_queryset().
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: Patient | None = None) -> bool:
        return False  # clinical records are never deleted; discharge instead

    @admin.display(description="Phone")
    def phone_ending(self, patient: Patient) -> str:
        return f"…{patient.phone_last_digits}"

    @admin.display(description="Risk group")
    def risk_group(self, patient: Patient) -> str:
        screen = latest_screen(patient)
        return screen.get_risk_group_display() if screen else "—"

    @admin.display(description="Program")
    def program(self, patient: Patient) -> str:
        enrollment = current_enrollment(patient)
        return str(enrollment.program) if enrollment else "—"

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Enroll a patient: the STarT Back answers, body map, flags and consent in one form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        user = request.user
        own_clinician = getattr(user, "clinician", None)
        if own_clinician is None and not user.is_superuser:
            raise PermissionDenied
        clinicians = clinician_choices() if user.is_superuser else None
        form = EnrollPatientForm(request.POST or None, clinicians=clinicians)
        if request.method == "POST" and form.is_valid():
            clinician = form.cleaned_data.get("clinician") or own_clinician
            if clinician is None:  # unreachable: a superuser's form requires a clinician
                raise PermissionDenied
            try:
                result = patient_enroll(
                    clinician=clinician, actor=cast(User, user), **form.enrollment_input()
                )
            except ValidationError as invalid:
                form.add_service_errors(invalid.message_dict)
            else:
                screen = result.screen
                self.message_user(
                    request,
                    f"Enrolled {result.patient}: STarT Back total {screen.total}, psychosocial "
                    f"{screen.psychosocial}, {screen.risk_group} risk. Program: "
                    f"{result.enrollment.program}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:accounts_patient_change", args=[result.patient.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Enroll patient",
            "opts": self.opts,
            "form": form,
            # AdminForm only reads fields and errors, which a plain Form has too.
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]
                form.fieldsets(),
                {},
                model_admin=self,
            ),
            "has_view_permission": self.has_view_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/programs/enroll_patient.html", context)


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
