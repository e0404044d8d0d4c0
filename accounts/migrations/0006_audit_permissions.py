from django.db import migrations

from accounts.permissions import grant_to_clinicians


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_events")]

    operations = [
        migrations.RunPython(
            grant_to_clinicians("accounts", ["view_auditevent"]), migrations.RunPython.noop
        ),
    ]
