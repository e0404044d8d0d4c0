"""A tiny content library for page tests: a program per tier with three steps."""

from programs.models import Program, ProgramStep, Step, StepText


def make_content() -> dict[str, Step]:
    steps = {
        "when-to-get-help": Step.objects.create(
            slug="when-to-get-help", kind="education", safety_net=True
        ),
        "knee-rocks": Step.objects.create(slug="knee-rocks", kind="exercise", minutes=5),
        "slow-breathing": Step.objects.create(
            slug="slow-breathing",
            kind="relaxation",
            timer={"inhale": 4, "hold": 0, "exhale": 6, "total_minutes": 5},
        ),
    }
    for slug, step in steps.items():
        for language, word in (("en", "English"), ("es", "Español")):
            StepText.objects.create(
                step=step,
                language=language,
                title=f"{slug} {word}",
                summary=f"Summary {word}",
                body=f"First paragraph {word}.\n\n- a bullet\n- call {{{{ emergency_number }}}}",
                sms=f"Nudge {word}",
                **(
                    {
                        "instructions": ["Lie down", "Rock"],
                        "dose": "10 times",
                        "easier": "Smaller",
                        "harder": "Bigger",
                        "stop_if": "Stop and contact your care team if it hurts a lot",
                    }
                    if step.kind == "exercise"
                    else {}
                ),
            )
    for program in Program.objects.all():
        for day, slug in ((0, "when-to-get-help"), (1, "knee-rocks"), (3, "slow-breathing")):
            ProgramStep.objects.create(program=program, step=steps[slug], day=day)
    return steps
