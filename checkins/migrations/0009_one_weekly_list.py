"""The medicine list joined the weekly list: answers and open check-ins that name it name the
weekly list instead, whose texts read the medicine items (a reply to a list is read against the
items it showed, which are kept on the check-in)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Answer = apps.get_model("checkins", "Answer")
    Checkin = apps.get_model("checkins", "Checkin")
    Answer.objects.filter(question="medicine_flags").update(question="weekly_flags")
    Checkin.objects.filter(pending_question="medicine_flags").update(pending_question="weekly_flags")


class Migration(migrations.Migration):
    dependencies = [("checkins", "0008_checkin_pending_items")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
