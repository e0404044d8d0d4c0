"""Messages stored before sign-in links were redacted held live tokens: redact them."""

import re

from django.db import migrations

LIVE = re.compile(r"(/me/login/\?t=)[A-Za-z0-9_\-.:]+")


def redact(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    rows = Message.objects.filter(direction="out", body__contains="/me/login/?t=")
    for message in rows.exclude(body__contains="/me/login/?t=[link]").iterator():
        message.body = LIVE.sub(r"\1[link]", message.body)
        message.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_inbound_path")]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
