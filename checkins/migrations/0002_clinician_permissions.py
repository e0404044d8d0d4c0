from django.db import migrations

from accounts.permissions import grant_to_clinicians


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0001_initial"),
        ("accounts", "0002_clinicians_group"),
    ]

    operations = [
        migrations.RunPython(
            grant_to_clinicians("checkins", ["view_checkin", "view_answer", "view_checkinslot"]),
            migrations.RunPython.noop,
        ),
    ]
