from django.db import migrations

from accounts.permissions import grant_to_clinicians

# A minimal program per tier so enrollment works from the first migration; `loadprograms`
# fills in the content and may update titles and summaries.
TIER_PROGRAMS = [
    ("low", "back-on-track", "Back on track",
     "Self-management: understanding back pain, staying active, and a flare-up plan."),
    ("medium", "moving-forward", "Moving forward",
     "Self-management alongside physiotherapy: graded activity and exercise."),
    ("high", "building-confidence", "Building confidence",
     "Psychologically informed self-management: movement, relaxation and CBT-style skills."),
]


def create_programs(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    for tier, slug, title, summary in TIER_PROGRAMS:
        Program.objects.get_or_create(
            slug=slug, defaults={"tier": tier, "title": title, "summary": summary}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0001_initial"),
        ("accounts", "0002_clinicians_group"),
    ]

    operations = [
        migrations.RunPython(create_programs, migrations.RunPython.noop),
        migrations.RunPython(
            grant_to_clinicians(
                "programs",
                [
                    "view_program",
                    "view_startbackscreen",
                    "view_enrollment",
                    "view_historicalenrollment",
                ],
            ),
            migrations.RunPython.noop,
        ),
    ]
