from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Clinician, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    pass


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin[Clinician]):
    list_display = ["__str__", "email", "phone"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "email"]
    raw_id_fields = ["user"]
