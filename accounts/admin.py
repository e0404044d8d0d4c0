from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import Clinician, Patient, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    pass


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin[Clinician]):
    list_display = ["__str__", "email", "phone"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "email"]
    raw_id_fields = ["user"]


class OwnPatientsMixin:
    """Admin rows about patients: each clinician sees their own patients' only."""

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
