"""The content library: the shipped files validate and load idempotently, keeping progress."""

import copy
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from programs import content
from programs.models import Program, ProgramStep, Step, StepNudge, StepProgress, StepText
from tests.factories import make_patient


@pytest.fixture(scope="module")
def library() -> content.Library:
    return content.read()


def test_the_shipped_library_is_valid(library: content.Library) -> None:
    assert content.validate(library) == []


def test_the_library_has_enough_of_each_kind(library: content.Library) -> None:
    kinds = [step["kind"] for step in library.steps.values()]
    assert kinds.count("education") >= 12
    assert kinds.count("exercise") >= 12
    assert kinds.count("relaxation") >= 10
    assert {p["tier"] for p in library.programs} == {"low", "medium", "high"}


def broken(library: content.Library, change: Any) -> list[str]:
    copied = copy.deepcopy(library)
    change(copied)
    return content.validate(copied)


def first(library: content.Library, kind: str) -> str:
    return next(slug for slug, s in library.steps.items() if s["kind"] == kind)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda lib: lib.steps[first(lib, "education")].pop("es"), "missing [es]"),
        (
            lambda lib: lib.steps[first(lib, "education")]["en"].update(title=""),
            "[en] title is missing",
        ),
        (
            lambda lib: lib.steps[first(lib, "education")]["en"].update(sms="It’s time " * 3),
            "[en] sms is UCS-2",
        ),
        (lambda lib: lib.steps[first(lib, "education")]["es"].update(sms="x" * 400), "segments"),
        (
            lambda lib: lib.steps[first(lib, "exercise")]["en"]["exercise"].pop("easier"),
            "easier is missing",
        ),
        (
            lambda lib: lib.steps[first(lib, "exercise")]["es"]["exercise"].update(
                stop_if="Si duele"
            ),
            "stop_if must start",
        ),
        (
            lambda lib: lib.steps[first(lib, "education")]["en"].update(body="Try a TENS machine."),
            "mentions 'TENS'",
        ),
        (
            lambda lib: lib.steps[first(lib, "education")]["en"].update(body="Take ibuprofen."),
            "mentions 'ibuprofen'",
        ),
        (
            lambda lib: lib.steps[first(lib, "education")]["es"].update(
                body="Tome un medicamento."
            ),
            "mentions 'medicamento'",
        ),
        (
            lambda lib: (
                lib.programs[0]["step"].sort(key=lambda s: -s["day"])
                or lib.programs[0]["step"][-1].update(step="knee-rocks-nope")
            ),
            "unknown step",
        ),
        (
            lambda lib: lib.programs[1]["step"][0].update(step=first(lib, "exercise")),
            "day 0 must be 'when-to-get-help'",
        ),
        (
            lambda lib: lib.steps["when-to-get-help"].pop("safety_net"),
            "when-to-get-help.toml: safety_net must be true",
        ),
    ],
)
def test_the_validator_finds_each_problem(
    library: content.Library, change: Any, problem: str
) -> None:
    problems = broken(library, change)

    assert any(problem in p for p in problems), problems


def test_loadprograms_is_idempotent_and_keeps_progress(db: Any, clinician: Any) -> None:
    call_command("loadprograms")
    counts = (Step.objects.count(), StepText.objects.count(), ProgramStep.objects.count())
    enrollment = make_patient(clinician=clinician).enrollment
    step = ProgramStep.objects.filter(program=enrollment.program, day__gt=0).first().step
    StepProgress.objects.create(enrollment=enrollment, step=step)
    nudges = StepNudge.objects.filter(enrollment=enrollment).count()
    assert nudges == ProgramStep.objects.filter(program=enrollment.program, day__gt=0).count()

    call_command("loadprograms")

    assert (Step.objects.count(), StepText.objects.count(), ProgramStep.objects.count()) == counts
    assert StepProgress.objects.filter(enrollment=enrollment, step=step).exists()
    assert StepNudge.objects.filter(enrollment=enrollment).count() == nudges
    assert Program.objects.get(tier="low").content_version >= 1


def test_the_database_reads_back_as_the_library_it_loaded(
    db: Any, library: content.Library
) -> None:
    """Admin edits are judged on the library read back from the database: it must be the one
    loaded, and as valid."""
    call_command("loadprograms")

    stored = content.from_database()

    assert content.validate(stored) == []
    assert stored.steps.keys() == library.steps.keys()

    def timelines(lib: content.Library) -> dict[str, list[tuple[int, str]]]:
        return {p["slug"]: sorted((s["day"], s["step"]) for s in p["step"]) for p in lib.programs}

    assert timelines(stored) == timelines(library)


def test_loadprograms_refuses_an_invalid_library(
    db: Any, monkeypatch: pytest.MonkeyPatch, library: content.Library
) -> None:
    bad = copy.deepcopy(library)
    bad.steps[first(bad, "exercise")]["en"].pop("exercise")
    monkeypatch.setattr(content, "read", lambda: bad)

    with pytest.raises(CommandError, match="exercise"):
        call_command("loadprograms")
    assert not Step.objects.exists()


def test_a_stop_if_naming_an_emergency_symptom_must_give_the_emergency_advice() -> None:
    from programs.content import read, validate

    library = read()
    step = library.steps["sit-to-stand"]
    step["en"]["exercise"]["stop_if"] = (
        "Stop and contact your care team if a leg gives way or you feel dizzy."
    )

    problems = validate(library)

    assert any(
        "sit-to-stand.toml: [en.exercise] stop_if names an emergency symptom" in p for p in problems
    )


def test_heat_or_cold_advice_must_warn_about_numb_skin() -> None:
    from programs.content import read, validate

    library = read()
    step = library.steps["flare-up-plan"]
    step["es"]["body"] = step["es"]["body"].replace(
        ", y nunca sobre piel adormecida o con menos sensibilidad: puede quemarse sin notarlo", ""
    )

    problems = validate(library)

    assert any("flare-up-plan.toml: [es] heat or cold advice must warn" in p for p in problems)


def test_the_shipped_content_passes_the_safety_rules() -> None:
    from programs.content import read, validate

    assert validate(read()) == []


HARD_BODY = (
    "Notwithstanding considerable interindividual variability, physiological desensitisation "
    "of nociceptive pathways necessitates consistent, progressively individualised activity."
)


def test_every_english_step_reads_at_grade_seven_or_below(library: content.Library) -> None:
    grades = [content.reading_grade(step["en"]) for step in library.steps.values()]

    assert max(grades) <= content.MAX_READING_GRADE


def test_a_hard_english_text_is_refused(library: content.Library) -> None:
    slug = first(library, "education")

    summary = library.steps[slug]["en"]["summary"]
    grade = content.reading_grade({"summary": summary, "body": HARD_BODY})

    problems = broken(library, lambda lib: lib.steps[slug]["en"].update(body=HARD_BODY))

    assert grade > content.MAX_READING_GRADE
    assert [p for p in problems if "reads at grade" in p] == [
        f"steps/{slug}.toml: [en] reads at grade {grade:.1f}; plain English is grade 7 or "
        "below (shorter sentences, shorter words)"
    ]


def test_each_list_item_is_read_as_a_sentence() -> None:
    text = {"summary": "A summary", "body": "Do this:\n- one thing\n• {{ emergency_number }}"}

    assert content.reading_text(text) == "A summary. Do this: one thing. 911."


def test_breathing_words_must_match_the_breathing_timer(library: content.Library) -> None:
    problems = broken(library, lambda lib: lib.steps["calm-breathing"]["timer"].update(exhale=8))

    assert problems == [
        "steps/calm-breathing.toml: [en] body must say the timer's exhale (8 seconds)",
        "steps/calm-breathing.toml: [es] body must say the timer's exhale (8 segundos)",
    ]
