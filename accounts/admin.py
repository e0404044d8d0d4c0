"""People in the admin: staff users, clinicians (each changes only their own away time) and care
teams (the lead sets who is on call; operators make and edit teams)."""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse

from accounts.models import CareTeam, Clinician, Patient, User, validate_away_until
from accounts.services import clinician_set_away, team_may_manage, team_set_on_call
from selfcare.clock import shown_time_text


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    pass


def request_clinician(request: HttpRequest) -> Clinician | None:
    """The signed-in user's clinician profile, if they have one (operators may not)."""
    return getattr(request.user, "clinician", None)


def away_note(clinician: Clinician) -> str:
    """While the clinician is away, "away until Mon 15 Jun 18:00 UTC" in the viewer's zone;
    else nothing."""
    if clinician.away_until is None or not clinician.is_away():
        return ""
    return f"away until {shown_time_text(clinician.away_until)}"


class NotFoundMixin:
    """Someone else's record (another team's, another clinician's) is "not found", as in the
    API, rather than a redirect to the admin's home page saying it may have been deleted."""

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        raise Http404


class OperatorsAddAndDeleteMixin:
    """Only operators (superusers) add or delete these rows."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


# --- clinicians ----------------------------------------------------------------------------------


class ClinicianForm(forms.ModelForm[Clinician]):
    class Meta:
        model = Clinician
        fields = ["user", "email", "phone", "team", "away_until"]

    def clean_away_until(self) -> Any:
        until = self.cleaned_data.get("away_until")
        if "away_until" in self.changed_data:  # an away time long past may stay as it is
            validate_away_until(until)
        return until


@admin.register(Clinician)
class ClinicianAdmin(NotFoundMixin, OperatorsAddAndDeleteMixin, admin.ModelAdmin[Clinician]):
    """Operators manage clinicians. A clinician sees themself and, read-only, their team; on
    their own page the away time is all they change ("My away status": `me/`)."""

    form = ClinicianForm
    list_display = ["__str__", "team", "away", "email", "phone"]
    list_select_related = ["user", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "email"]
    raw_id_fields = ["user"]
    fields = ["user", "email", "phone", "team", "away_until"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clinician]:
        clinicians = super().get_queryset(request).select_related("user", "team")
        if request.user.is_active and request.user.is_superuser:
            return clinicians
        me = request_clinician(request)
        if me is None:
            return clinicians.none()
        if me.team_id is None:
            return clinicians.filter(pk=me.pk)
        return clinicians.filter(team_id=me.team_id)

    def get_readonly_fields(self, request: HttpRequest, obj: Clinician | None = None) -> Any:
        if request.user.is_superuser:
            return []
        return ["user", "email", "phone", "team"]

    def has_change_permission(self, request: HttpRequest, obj: Clinician | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return obj.user_id == request.user.pk  # team members' pages are read-only

    def save_model(self, request: HttpRequest, obj: Clinician, form: Any, change: bool) -> None:
        # The away time changes only through the service, which audits it.
        away_until = obj.away_until
        obj.away_until = form.initial.get("away_until")
        if not change or set(form.changed_data) - {"away_until"}:
            super().save_model(request, obj, form, change)
        if "away_until" in form.changed_data:
            clinician_set_away(clinician=obj, until=away_until, actor=cast(User, request.user))

    @admin.display(description="Away")
    def away(self, clinician: Clinician) -> str:
        return away_note(clinician)

    def get_urls(self) -> list[Any]:
        return [
            path("me/", self.admin_site.admin_view(self.me), name="accounts_clinician_me"),
            *super().get_urls(),
        ]

    def me(self, request: HttpRequest) -> HttpResponse:
        """My away status: the signed-in clinician's own page."""
        me = request_clinician(request)
        if me is None:
            raise Http404
        return HttpResponseRedirect(reverse("admin:accounts_clinician_change", args=[me.pk]))


# --- care teams ----------------------------------------------------------------------------------


class CareTeamForm(forms.ModelForm[CareTeam]):
    """The lead and the on-call member are chosen among the team's members (a new team has
    none yet: add members on their clinician pages, then choose)."""

    class Meta:
        model = CareTeam
        fields = ["name", "lead", "on_call"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Clinician.objects.filter(team_id=self.instance.pk) if self.instance.pk else None
        for name in ("lead", "on_call"):
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = (
                    members.select_related("user").order_by("user__last_name", "user__username")
                    if members is not None
                    else Clinician.objects.none()
                )


@admin.register(CareTeam)
class CareTeamAdmin(NotFoundMixin, OperatorsAddAndDeleteMixin, admin.ModelAdmin[CareTeam]):
    """A clinician sees their own team; its lead sets who is on call (audited, by the
    service), other members read it. Operators make teams and choose their leads."""

    form = CareTeamForm
    list_display = ["name", "lead", "on_call", "member_count"]
    list_select_related = ["lead__user", "on_call__user"]
    fields = ["name", "lead", "on_call", "members_list"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CareTeam]:
        teams = (
            super()
            .get_queryset(request)
            .select_related("lead__user", "on_call__user")
            .annotate(member_total=Count("members"))
        )
        if request.user.is_active and request.user.is_superuser:
            return teams
        me = request_clinician(request)
        if me is None or me.team_id is None:
            return teams.none()
        return teams.filter(pk=me.team_id)

    def get_readonly_fields(self, request: HttpRequest, obj: CareTeam | None = None) -> Any:
        if request.user.is_superuser:
            return ["members_list"]
        return ["name", "lead", "members_list"]

    def has_change_permission(self, request: HttpRequest, obj: CareTeam | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        return team_may_manage(team=obj, user=cast(User, request.user))

    def save_model(self, request: HttpRequest, obj: CareTeam, form: Any, change: bool) -> None:
        # Who is on call changes only through the service (lead only, audited).
        on_call = obj.on_call
        obj.on_call_id = form.initial.get("on_call")
        if not change or set(form.changed_data) - {"on_call"}:
            super().save_model(request, obj, form, change)
        if "on_call" in form.changed_data:
            team_set_on_call(team=obj, member=on_call, actor=cast(User, request.user))

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, team: CareTeam) -> int:
        return cast(int, getattr(team, "member_total", 0))

    @admin.display(description="Members")
    def members_list(self, team: CareTeam) -> str:
        if team.pk is None:
            return "Save the team, then choose it on each member's clinician page."
        members = team.members.select_related("user").order_by("user__last_name", "user__username")
        names = [
            f"{member} ({away_note(member)})" if member.is_away() else str(member)
            for member in members
        ]
        return ", ".join(names) or "None yet: choose the team on each clinician's page."


# --- rows about patients -------------------------------------------------------------------------


class OwnPatientsMixin:
    """Admin rows about patients: each clinician sees their care team's patients' only (their
    own, in no team)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_active and request.user.is_superuser:
            return queryset  # every row, those about no patient too (content changes)
        return queryset.filter(patient__in=Patient.objects.visible_to(request.user))


class RecordOnlyMixin:
    """Clinical records: nothing added, changed or deleted by hand in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
