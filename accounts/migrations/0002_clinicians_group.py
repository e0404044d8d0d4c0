from django.db import migrations

from accounts.permissions import grant_to_clinicians


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(
            grant_to_clinicians(
                "accounts",
                [
                    "view_patient",
                    "add_patient",
                    "change_patient",
                    "view_historicalpatient",
                    "view_consentevent",
                ],
            ),
            migrations.RunPython.noop,
        ),
    ]
