from django.db import migrations

from accounts.permissions import grant_to_clinicians

# Care teams in the admin: a clinician reads their team and their colleagues' pages, and changes
# their own away time; the lead changes who is on call. The admin and the services narrow
# "change" further (own page only; the lead only), these let the pages open at all.


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_care_teams")]

    operations = [
        migrations.RunPython(
            grant_to_clinicians(
                "accounts",
                ["view_careteam", "change_careteam", "view_clinician", "change_clinician"],
            ),
            migrations.RunPython.noop,
        ),
    ]
