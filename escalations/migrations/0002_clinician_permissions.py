from django.db import migrations

from accounts.permissions import grant_to_clinicians


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0001_initial"),
        ("accounts", "0002_clinicians_group"),
    ]

    operations = [
        migrations.RunPython(
            grant_to_clinicians(
                "escalations",
                [
                    "view_escalation",
                    "change_escalation",
                    "view_evidence",
                    "view_referralclock",
                    "change_referralclock",
                    "view_notification",
                ],
            ),
            migrations.RunPython.noop,
        ),
    ]
