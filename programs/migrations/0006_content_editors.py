from django.db import migrations

from accounts.permissions import CLINICIANS_GROUP, CONTENT_EDITORS_GROUP, grant, revoke

# Program content is changed by the Content editors group only (the penetration test found any
# clinician could edit the safety net). Clinicians keep reading it: their view_* permissions
# from 0002 and 0005 stay. Programs and steps are neither added nor deleted in the admin.
CONTENT_EDITORS = [
    "view_program",
    "change_program",
    "view_step",
    "change_step",
    "view_steptext",
    "add_steptext",
    "change_steptext",
    "view_programstep",
    "add_programstep",
    "change_programstep",
    "delete_programstep",
]
# What 0005 gave clinicians beyond reading.
CLINICIANS_NO_LONGER = [
    "change_program",
    "change_step",
    "change_steptext",
    "add_programstep",
    "change_programstep",
    "delete_programstep",
]


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0005_content_permissions"),
        ("accounts", "0002_clinicians_group"),
    ]

    operations = [
        migrations.RunPython(
            grant(CONTENT_EDITORS_GROUP, "programs", CONTENT_EDITORS), migrations.RunPython.noop
        ),
        migrations.RunPython(
            revoke(CLINICIANS_GROUP, "programs", CLINICIANS_NO_LONGER),
            grant(CLINICIANS_GROUP, "programs", CLINICIANS_NO_LONGER),
        ),
    ]
