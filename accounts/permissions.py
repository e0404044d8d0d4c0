"""Who may do what: the Clinicians and Content editors groups, and the API permission that
follows the Clinicians group."""

from collections.abc import Callable
from typing import Any

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

CLINICIANS_GROUP = "Clinicians"
# Program content (programs, steps, their texts and timelines) is changed by this group only;
# clinicians read it.
CONTENT_EDITORS_GROUP = "Content editors"

MigrationBody = Callable[[Apps, BaseDatabaseSchemaEditor], None]


def _group_permissions(
    apps: Apps, group_name: str, app_label: str, codenames: list[str]
) -> tuple[Any, Any]:
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # type: ignore[assignment]
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=group_name)
    permissions = permission_model.objects.filter(
        content_type__app_label=app_label, codename__in=codenames
    )
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"unknown permissions for {app_label}: {sorted(missing)}")
    return group, permissions


def grant(group_name: str, app_label: str, codenames: list[str]) -> MigrationBody:
    """A migration operation body that gives a group (created if need be) these permissions of
    one app.

    Each app grants its own models' permissions in its own migration, so the dependency
    direction of the apps holds for migrations too.
    """

    def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        group, permissions = _group_permissions(apps, group_name, app_label, codenames)
        group.permissions.add(*permissions)

    return forwards


def revoke(group_name: str, app_label: str, codenames: list[str]) -> MigrationBody:
    """The opposite of `grant`: a migration operation body that takes these permissions away."""

    def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        group, permissions = _group_permissions(apps, group_name, app_label, codenames)
        group.permissions.remove(*permissions)

    return forwards


def grant_to_clinicians(app_label: str, codenames: list[str]) -> MigrationBody:
    """`grant` to the Clinicians group."""
    return grant(CLINICIANS_GROUP, app_label, codenames)


class IsClinicianOrSuperuser(BasePermission):
    """API access for superusers and for clinicians holding the Clinicians group's permissions.

    A clinician without `accounts.view_patient` (removed from the group, say) gets nothing; rows
    are further limited to the clinician's own patients by each view's queryset.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.is_superuser:
            return True
        return hasattr(user, "clinician") and bool(user.has_perm("accounts.view_patient"))


class CanEnroll(IsClinicianOrSuperuser):
    """Enrolling needs a clinician (the patient's responsible clinician) with `add_patient`."""

    message = "Only a clinician can enroll patients."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return super().has_permission(request, view)
        user = request.user
        return (
            super().has_permission(request, view)
            and hasattr(user, "clinician")
            and bool(user.has_perm("accounts.add_patient"))
        )
