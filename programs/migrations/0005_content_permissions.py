from django.db import migrations

from accounts.permissions import grant_to_clinicians


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0004_stepnudge"),
        ("accounts", "0002_clinicians_group"),
    ]

    operations = [
        migrations.RunPython(
            grant_to_clinicians(
                "programs",
                [
                    "change_program",
                    "view_step",
                    "change_step",
                    "view_steptext",
                    "change_steptext",
                    "view_programstep",
                    "add_programstep",
                    "change_programstep",
                    "delete_programstep",
                    "view_stepprogress",
                    "view_exerciselog",
                ],
            ),
            migrations.RunPython.noop,
        ),
    ]
