"""The one Patient admin: enroll (with STarT Back), the clinician's own patients, and the
record page (one timeline, the pain chart, and the clinician's actions on the patient). One
class, one module: Django's admin wants a patient page in one ModelAdmin. What the record says,
in words, is read in care/record.py."""

from typing import Any, cast
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import NotFoundMixin, request_clinician
from accounts.models import Clinician, ConsentEvent, Patient, PatientFlag, User
from accounts.phones import redact
from accounts.services import audit, patient_reassign
from care.record import (
    NO_RISK_FLAGS,
    day_words,
    local_time_words,
    patient_timeline,
    person_name,
    record_chart,
    record_header,
    risk_flag_labels,
    startback_tables,
)
from care.services import medicine_record, rescreen_record
from care.summary import visit_summary
from care.templatetags.body import body_outline
from checkins.models import Medicine
from checkins.progress import pain_points
from checkins.services import CheckinRefused, checkin_start
from checkins.words import pain_words
from messaging.outbox import patient_quiet_until
from programs.forms import EnrollPatientForm, clinician_choices
from programs.models import Enrollment, current_enrollment, latest_screen, with_stratification
from programs.services import (
    enrollment_change_tier,
    enrollment_pause,
    enrollment_resume,
    patient_enroll,
)
from programs.stratification import ITEM_LABELS, RISK_GROUP_WORDS, InvalidAnswers
from selfcare.clock import local_today, shown_time_text


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EnrollmentInline(ReadOnlyInline):
    model = Enrollment
    fk_name = "patient"
    fields = ["program", "status", "started_on", "ended", "enrolled_by_name"]
    readonly_fields = ["ended", "enrolled_by_name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        return super().get_queryset(request).select_related("program", "enrolled_by")

    @admin.display(description="Ended")
    def ended(self, enrollment: Enrollment) -> str:
        return local_time_words(enrollment.ended_at) if enrollment.ended_at else "—"

    @admin.display(description="Enrolled by")
    def enrolled_by_name(self, enrollment: Enrollment) -> str:
        return person_name(enrollment.enrolled_by)


class ConsentEventInline(ReadOnlyInline):
    model = ConsentEvent
    fields = ["occurred", "state", "source", "recorded_by_name"]
    readonly_fields = ["occurred", "recorded_by_name"]
    verbose_name_plural = "SMS consent history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentEvent]:
        return super().get_queryset(request).select_related("recorded_by")

    @admin.display(description="When")
    def occurred(self, event: ConsentEvent) -> str:
        return local_time_words(event.occurred_at)

    @admin.display(description="Recorded by")
    def recorded_by_name(self, event: ConsentEvent) -> str:
        return person_name(event.recorded_by) if event.recorded_by else "The patient, by SMS"


@admin.register(Patient)
class PatientAdmin(NotFoundMixin, SimpleHistoryAdmin):
    """Clinicians' patients: enroll (with STarT Back), list and read their care team's; the
    record page with its timeline, pain chart and actions. In a care team the responsible
    clinician can be any member (changed by the service, which audits it)."""

    change_form_template = "admin/care/patient_record.html"
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
    inlines = [EnrollmentInline, ConsentEventInline]
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
        ("Pain sites", {"fields": ["pain_sites_outline"]}),
        (
            "At enrollment",
            {
                "fields": [
                    "baseline_back",
                    "baseline_leg",
                    "onset",
                    "presentation",
                    "enrolled_at",
                    "enrolled_by",
                ]
            },
        ),
    ]
    # Clinical facts recorded at enrollment are evidence, shown in words; consent changes only
    # through events.
    readonly_fields = [
        "status",  # changed by the program actions, which keep the enrollment in step
        "sms_consent",
        "pain_sites_outline",
        "baseline_back",
        "baseline_leg",
        "onset",
        "presentation",
        "enrolled_at",
        "enrolled_by",
        "risk_flags",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Patient]:
        return with_stratification(Patient.objects.visible_to(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Patient | None = None) -> Any:
        fields = list(self.readonly_fields)
        me = request_clinician(request)
        if not request.user.is_superuser and (me is None or me.team_id is None):
            fields.append("clinician")  # in no team, there is no one else to hand over to
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Patient | None = None) -> Any:
        """A reader who may not change the patient sees the risk flags in words, not as
        read-only checkbox icons."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": ["risk_flags"]})
            if name == "Risk flags"
            else (name, options)
            for name, options in fieldsets
        ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in PatientFlag.values:
            kwargs["label"] = PatientFlag(db_field.name).label  # "Intravenous drug use"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "clinician" and not request.user.is_superuser:
            me = request_clinician(request)
            team_id = me.team_id if me else None
            kwargs["queryset"] = (
                Clinician.objects.filter(team_id=team_id)
                .select_related("user")
                .order_by("user__last_name", "user__username")
                if team_id is not None
                else Clinician.objects.none()
            )
            kwargs["help_text"] = "Anyone in your care team; the change is in the audit trail."
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Patient, form: Any, change: bool) -> None:
        # A new responsible clinician goes through the service (same team, audited by it).
        responsible = obj.clinician
        reassigned = change and "clinician" in form.changed_data
        if reassigned:
            obj.clinician_id = form.initial["clinician"]
        changed = [name for name in form.changed_data if name != "clinician"]
        if change and changed:
            fields = ", ".join(changed)
            audit(actor=request.user, patient=obj, action="change", what="patient", detail=fields)
        if change and "phone" in form.changed_data:
            # A new number gets a fresh chance; the old one's delivery failures don't apply.
            obj.sms_undeliverable_code = None
            obj.sms_undeliverable_at = None
        super().save_model(request, obj, form, change)
        if reassigned:
            try:
                patient_reassign(patient=obj, clinician=responsible, actor=cast(User, request.user))
            except ValidationError as refused:
                self.message_user(
                    request, f"Not reassigned: {' '.join(refused.messages)}", messages.ERROR
                )

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
        return redact(patient.phone)

    @admin.display(description="Risk group")
    def risk_group(self, patient: Patient) -> str:
        screen = latest_screen(patient)
        return screen.get_risk_group_display() if screen else "—"

    @admin.display(description="Program")
    def program(self, patient: Patient) -> str:
        enrollment = current_enrollment(patient)
        return str(enrollment.program) if enrollment else "—"

    @admin.display(description="Risk flags")
    def risk_flags(self, patient: Patient) -> str:
        return ", ".join(risk_flag_labels(patient)) or NO_RISK_FLAGS

    @admin.display(description="Where it hurts")
    def pain_sites_outline(self, patient: Patient) -> str:
        return render_to_string("admin/care/body_outline.html", body_outline(patient.pain_sites))

    @admin.display(description="Back pain")
    def baseline_back(self, patient: Patient) -> str:
        return pain_words(patient.baseline_back_pain)

    @admin.display(description="Leg pain")
    def baseline_leg(self, patient: Patient) -> str:
        return pain_words(patient.baseline_leg_pain)

    @admin.display(description="Onset")
    def onset(self, patient: Patient) -> str:
        return day_words(patient.onset_date)

    @admin.display(description="Presented")
    def presentation(self, patient: Patient) -> str:
        return day_words(patient.presentation_date)

    @admin.display(description="Enrolled")
    def enrolled_at(self, patient: Patient) -> str:
        return local_time_words(patient.created_at)

    @admin.display(description="Enrolled by")
    def enrolled_by(self, patient: Patient) -> str:
        return person_name(patient.created_by)

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
        actor = cast(User, user)
        if request.method == "POST" and form.is_complete(clinician=own_clinician, actor=actor):
            clinician = form.cleaned_data.get("clinician") or own_clinician
            if clinician is None:  # unreachable: a superuser's form requires a clinician
                raise PermissionDenied
            try:
                result = patient_enroll(clinician=clinician, actor=actor, **form.enrollment_input())
            except ValidationError as invalid:  # a race for the number, or no active program
                form.add_service_errors(invalid.message_dict)
            else:
                self.message_user(request, result.summary, messages.SUCCESS)
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
        return TemplateResponse(request, "admin/care/enroll_patient.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        patient = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if patient is not None:
            if request.method == "GET":
                audit(actor=request.user, patient=patient, action="view", what="patient (admin)")
            points = pain_points(patient)
            context.update(
                header=record_header(patient),
                no_risk_flags=NO_RISK_FLAGS,
                timeline=patient_timeline(patient),
                chart=record_chart(patient, points),
                points=points,
                screens=startback_tables(patient),
                medicines=Medicine.objects.filter(patient=patient, stopped_at__isnull=True),
                medicine_kinds=Medicine.Kind.choices,
                tiers=list(RISK_GROUP_WORDS.items()),
                current=current_enrollment(patient),
                startback_items=list(ITEM_LABELS.items()),
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/act/<slug:action>/",
                self.admin_site.admin_view(self.act),
                name="accounts_patient_act",
            ),
            path(
                "<path:object_id>/summary/",
                self.admin_site.admin_view(self.summary_view),
                name="accounts_patient_summary",
            ),
            *super().get_urls(),
        ]

    def summary_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The printable pre-visit summary; only for a patient the clinician may see (others
        are 404, as on the record), and every view of it is in the audit trail."""
        patient = self.get_object(request, unquote(object_id))
        if patient is None:
            raise Http404
        if not self.has_view_permission(request, patient):
            raise PermissionDenied
        audit(actor=request.user, patient=patient, action="view", what="pre-visit summary")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Pre-visit summary: {patient}",
            "opts": self.opts,
            "original": patient,
            "summary": visit_summary(patient, timezone.now()),
        }
        return TemplateResponse(request, "admin/care/patient_summary.html", context)

    def act(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """The patient page's buttons; each calls one service and is audited by it."""
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
                enrollment_pause(enrollment=enrollment, today=today, actor=user)
                self.message_user(request, "Program paused.")
            elif action == "resume" and enrollment:
                enrollment_resume(enrollment=enrollment, today=today, actor=user)
                self.message_user(request, "Program resumed; later steps moved back.")
            elif action == "tier":
                new = enrollment_change_tier(
                    patient=patient, tier=request.POST.get("tier", ""), actor=user
                )
                self.message_user(request, f"Now in {new.program}.")
            elif action == "checkin":
                checkin_start(patient=patient, actor=user)
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
        except CheckinRefused as refused:
            self.message_user(request, f"No check-in sent: {refused.reason}.", messages.ERROR)
        except (ValidationError, InvalidAnswers, ValueError) as invalid:
            self.message_user(request, f"Not done: {invalid}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:accounts_patient_change", args=[patient.pk]))


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
        f"({shown_time_text(held_until, '%a %H:%M')})."
    )
