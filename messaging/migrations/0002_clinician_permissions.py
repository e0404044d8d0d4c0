from django.db import migrations

from accounts.permissions import grant_to_clinicians


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("accounts", "0002_clinicians_group"),
    ]

    operations = [
        migrations.RunPython(
            grant_to_clinicians(
                "messaging",
                ["view_message", "view_messagestatusevent", "view_reviewitem", "change_reviewitem"],
            ),
            migrations.RunPython.noop,
        ),
    ]
