"""The content library: versioned TOML files in programs/content/, validated and loaded.

`validate()` reads the files and reports every problem (both languages present, fields filled,
SMS nudges within budget, exercises complete, every program starting with the safety net, no
medicine advice, no TENS, plain English, breathing words that match the breathing timer);
`load()` writes them to the database idempotently, matching steps and programs by slug so
patients' progress survives content changes. Edits in the admin are
judged by the same `validate()`: `from_database()` reads the library back from the database as
it would be after the edit, and `edit_problems()` reports what the edit breaks.
"""

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import textstat
from django.db import models, transaction

from messaging.keywords import fold
from messaging.segments import Encoding, analyse
from programs.models import ContentRecord, Enrollment, Program, ProgramStep, Step, StepText
from programs.nudges import nudges_plan

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LANGUAGES = ("en", "es")
KINDS = ("education", "exercise", "relaxation")
MINIMUM_PER_KIND = {"education": 12, "exercise": 12, "relaxation": 10}
TEXT_FIELDS = ("title", "summary", "body", "sms")
EXERCISE_FIELDS = ("instructions", "dose", "easier", "harder", "stop_if")
STOP_IF_START = {
    "en": "Stop and contact your care team if",
    "es": "Pare y comuníquese con su equipo",
}
SAFETY_NET_STEP = "when-to-get-help"
# CLINICAL.md content rules. A "stop if" that names an R1/R2 symptom (a leg giving way, a
# dragging foot, numbness between the legs, a bladder or bowel change) or chest pain /
# breathlessness must give the emergency advice, not only "contact your care team".
EMERGENCY_SYMPTOMS = {
    "en": re.compile(
        r"\b(gives? way|giving way|drags?|dragging|between (your|the) legs|bladder|bowel|"
        r"chest pain|short of breath|breathless)\b"
    ),
    "es": re.compile(
        r"\b(le falla|fallar|arrastr\w*|entre las piernas|orina\w*|vejiga|defecar|intestin\w*|"
        r"dolor en el pecho|falta (mucho )?el aire)\b"
    ),
}
EMERGENCY_ADVICE = {
    "en": "go to the emergency department now or call {{ emergency_number }}",
    "es": "vaya a urgencias ahora o llame al {{ emergency_number }}",
}
# Heat and cold advice must warn about numb skin (a burn risk in neuropathy).
HEAT_OR_COLD = {
    "en": re.compile(r"\b(use|using|try|apply)\b.*\b(heat|cold|hot water bottle|ice|warm pack)"),
    "es": re.compile(r"\b(use|usar|aplique|aplicar|pruebe)\b.*\b(calor|frio|hielo|bolsa de agua)"),
}
NUMB_SKIN_WARNING = {"en": "numb", "es": "adormecida"}
# A nudge is "SelfCare: <sms> <link to the step>"; it must fit two segments (English GSM-7).
NUDGE_SEGMENTS = 2
EXAMPLE_BASE_URL = "https://selfcare.example.org"
# No medicine advice and no TENS in program content (CLINICAL.md content rules).
BANNED = re.compile(
    r"\b(tens|ibuprofen|paracetamol|acetaminophen|naproxen|aspirin|opioids?|codeine|tramadol|"
    r"morphine|gabapentin|pregabalin|amitriptyline|duloxetine|diazepam|painkillers?|analgesics?|"
    r"pills?|tablets?|medications?|medicines?|analgésicos?|pastillas?|medicamentos?|opioides?)\b",
    re.IGNORECASE,
)

# Plain language: every English step reads at Flesch–Kincaid grade 7 or below (a US school
# grade; CLINICAL.md's "reading age 11–12"). Spanish has no Flesch–Kincaid formula: it is kept
# in step with the English when the English is rewritten.
MAX_READING_GRADE = 7.0
READ_FIELDS = ("summary", "body")
PLACEHOLDER = re.compile(r"\{\{ *\w+ *\}\}")
BULLET = re.compile(r"^\s*[-•]\s+")
# The words a breathing step must use for its timer's seconds ("for 4 seconds").
SECONDS_WORD = {"en": "seconds", "es": "segundos"}


@dataclass(frozen=True)
class Library:
    version: int
    steps: dict[str, dict[str, Any]]
    programs: list[dict[str, Any]]


def read(directory: Path = CONTENT_DIR) -> Library:
    programs = tomllib.loads((directory / "programs.toml").read_text(encoding="utf-8"))
    steps = {
        path.stem: tomllib.loads(path.read_text(encoding="utf-8"))
        for path in sorted((directory / "steps").glob("*.toml"))
    }
    return Library(
        version=int(programs.get("version", 0)), steps=steps, programs=programs["program"]
    )


def _texts(value: Any) -> list[str]:
    """Every string inside `value` (nested tables and lists included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    return []


def validate(library: Library) -> list[str]:
    """Every problem in the library, as messages (empty when it can be loaded)."""
    problems: list[str] = []
    for slug, step in library.steps.items():
        where = f"steps/{slug}.toml"
        if step.get("slug") != slug:
            problems.append(f"{where}: slug must equal the file name")
        if step.get("kind") not in KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
        for language in LANGUAGES:
            text = step.get(language)
            if not isinstance(text, dict):
                problems.append(f"{where}: missing [{language}]")
                continue
            for field in TEXT_FIELDS:
                if not str(text.get(field, "")).strip():
                    problems.append(f"{where}: [{language}] {field} is missing")
            problems += _sms_problems(where, language, str(text.get("sms", "")), slug)
            problems += _heat_or_cold_problems(where, language, str(text.get("body", "")))
            if step.get("kind") == "exercise":
                problems += _exercise_problems(where, language, text.get("exercise"))
            if language == "en":
                problems += _reading_problems(where, text)
            problems += _breathing_problems(where, language, step.get("timer"), text)
            for field, value in text.items():
                for words in _texts(value):
                    if match := BANNED.search(words):
                        problems.append(
                            f"{where}: [{language}] {field} mentions {match.group(0)!r}"
                        )
        if step.get("kind") == "relaxation" and not isinstance(step.get("timer"), dict):
            problems.append(f"{where}: relaxation steps need a [timer]")
        if slug == SAFETY_NET_STEP and step.get("safety_net") is not True:
            problems.append(f"{where}: safety_net must be true (the red-flag safety net)")
    counts = {
        kind: sum(1 for s in library.steps.values() if s.get("kind") == kind) for kind in KINDS
    }
    for kind, minimum in MINIMUM_PER_KIND.items():
        if counts[kind] < minimum:
            problems.append(
                f"the library has {counts[kind]} {kind} steps; at least {minimum} needed"
            )
    used: set[str] = set()
    for program in library.programs:
        where = f"programs.toml: {program.get('slug')}"
        for language in LANGUAGES:
            if not str(program.get(language, {}).get("title", "")).strip():
                problems.append(f"{where}: [{language}] title is missing")
        timeline = sorted(program.get("step", []), key=lambda s: s.get("day", 0))
        if (
            not timeline
            or timeline[0].get("step") != SAFETY_NET_STEP
            or timeline[0].get("day") != 0
        ):
            problems.append(f"{where}: day 0 must be {SAFETY_NET_STEP!r} (the red-flag safety net)")
        days = [entry.get("day") for entry in timeline]
        if len(days) != len(set(days)):
            problems.append(f"{where}: two steps on one day")
        for entry in timeline:
            if entry.get("step") not in library.steps:
                problems.append(f"{where}: unknown step {entry.get('step')!r}")
            used.add(entry.get("step"))
    for slug in sorted(set(library.steps) - used):
        problems.append(f"steps/{slug}.toml: used by no program")
    return problems


def _sms_problems(where: str, language: str, sms: str, slug: str) -> list[str]:
    info = analyse(f"SelfCare: {sms} {EXAMPLE_BASE_URL}/me/steps/{slug}/")
    if language == "en" and info.encoding == Encoding.UCS2:
        return [f"{where}: [en] sms is UCS-2 because of {info.non_gsm_characters!r}"]
    if info.segments > NUDGE_SEGMENTS:
        return [f"{where}: [{language}] sms with its link takes {info.segments} segments"]
    return []


def _exercise_problems(where: str, language: str, exercise: Any) -> list[str]:
    if not isinstance(exercise, dict):
        return [f"{where}: [{language}.exercise] is missing"]
    problems = [
        f"{where}: [{language}.exercise] {field} is missing"
        for field in EXERCISE_FIELDS
        if not exercise.get(field)
    ]
    stop_if = str(exercise.get("stop_if", ""))
    if not stop_if.startswith(STOP_IF_START[language]):
        problems.append(
            f"{where}: [{language}.exercise] stop_if must start {STOP_IF_START[language]!r}"
        )
    if EMERGENCY_SYMPTOMS[language].search(fold(stop_if)) and (
        EMERGENCY_ADVICE[language] not in stop_if
    ):
        problems.append(
            f"{where}: [{language}.exercise] stop_if names an emergency symptom: it must say "
            f"{EMERGENCY_ADVICE[language]!r}"
        )
    return problems


def reading_text(text: dict[str, Any]) -> str:
    """A step's words as a reader meets them: summary, body and exercise fields, each line
    and list item its own sentence (a bullet has no full stop, but it is read as one), the
    emergency numbers' placeholders read as a number."""
    exercise = text.get("exercise") or {}
    parts = [str(text.get(field, "")) for field in READ_FIELDS]
    parts += [str(line) for line in exercise.get("instructions", [])]
    parts += [str(exercise.get(field, "")) for field in EXERCISE_FIELDS[1:]]
    sentences = []
    for line in "\n".join(parts).splitlines():
        line = BULLET.sub("", PLACEHOLDER.sub("911", line)).strip()
        if line:
            sentences.append(line if line[-1] in ".!?:" else f"{line}.")
    return " ".join(sentences)


def reading_grade(text: dict[str, Any]) -> float:
    """The Flesch–Kincaid grade of a step's English words (see reading_text)."""
    return float(textstat.flesch_kincaid_grade(reading_text(text)))


def _reading_problems(where: str, text: dict[str, Any]) -> list[str]:
    grade = reading_grade(text)
    if grade > MAX_READING_GRADE:
        return [
            f"{where}: [en] reads at grade {grade:.1f}; plain English is grade "
            f"{MAX_READING_GRADE:.0f} or below (shorter sentences, shorter words)"
        ]
    return []


def _breathing_problems(where: str, language: str, timer: Any, text: dict[str, Any]) -> list[str]:
    """A breathing step's words give the same seconds as its timer, which the page's guide
    follows (so the guide never counts 4 in / 6 out under words saying 5 / 5)."""
    if not isinstance(timer, dict) or not timer.get("inhale"):
        return []
    body = str(text.get("body", ""))
    problems = []
    for phase in ("inhale", "exhale"):
        said = f"{timer.get(phase)} {SECONDS_WORD[language]}"
        if said not in body:
            problems.append(f"{where}: [{language}] body must say the timer's {phase} ({said})")
    return problems


def _heat_or_cold_problems(where: str, language: str, body: str) -> list[str]:
    for line in body.splitlines():
        folded = fold(line)
        if HEAT_OR_COLD[language].search(folded) and NUMB_SKIN_WARNING[language] not in folded:
            return [
                f"{where}: [{language}] heat or cold advice must warn not to use it on numb "
                f"skin (say {NUMB_SKIN_WARNING[language]!r} in the same line)"
            ]
    return []


def from_database(
    *, save: Iterable["ContentRecord"] = (), delete: Iterable["ContentRecord"] = ()
) -> Library:
    """The library as the database holds it, or would hold it with the records in `save`
    written and those in `delete` gone: the inverse of `load()`, in the shape `read()` gives."""
    save, delete = list(save), list(delete)

    def pending[M: models.Model](model: type[M], stored: Iterable[M]) -> list[M]:
        gone = {r.pk for r in delete if isinstance(r, model)}
        edited = [r for r in save if isinstance(r, model)]
        rows = {r.pk: r for r in stored} | {r.pk: r for r in edited if r.pk is not None}
        new = [r for r in edited if r.pk is None]
        return [r for pk, r in rows.items() if pk not in gone] + new

    steps: dict[int, dict[str, Any]] = {}
    for step in pending(Step, Step.objects.all()):
        steps[step.pk] = {
            "slug": step.slug,
            "kind": step.kind,
            "minutes": step.minutes,
            "safety_net": step.safety_net,
            **({"timer": step.timer} if step.timer else {}),  # load() reads no [timer] as {}
        }
    for text in pending(StepText, StepText.objects.all()):
        if text.step_id not in steps:
            continue
        exercise = {
            "instructions": text.instructions,
            **{field: getattr(text, field) for field in ("dose", "easier", "harder", "stop_if")},
        }
        steps[text.step_id][text.language] = {
            **{field: getattr(text, field) for field in TEXT_FIELDS},
            # Exercise words on other kinds are checked too (no medicine advice anywhere).
            **(
                {"exercise": exercise}
                if steps[text.step_id]["kind"] == "exercise" or any(exercise.values())
                else {}
            ),
        }
    timelines: dict[int, list[dict[str, Any]]] = {}
    for entry in pending(ProgramStep, ProgramStep.objects.all()):
        slug = steps[entry.step_id]["slug"] if entry.step_id in steps else None
        timelines.setdefault(entry.program_id, []).append({"day": entry.day, "step": slug})
    programs = pending(Program, Program.objects.all())
    return Library(
        version=max((program.content_version for program in programs), default=0),
        steps={data["slug"]: data for data in steps.values()},
        programs=[
            {
                "slug": program.slug,
                "tier": program.tier,
                "weeks": program.weeks,
                "en": {"title": program.title, "summary": program.summary},
                "es": {"title": program.title_es, "summary": program.summary_es},
                "step": timelines.get(program.pk, []),
            }
            for program in programs
        ],
    )


def edit_problems(
    *, save: Iterable["ContentRecord"] = (), delete: Iterable["ContentRecord"] = ()
) -> list[str]:
    """What `loadprograms` would reject in the library after this edit and not before it (an
    edit is judged by what it breaks, so a step the files no longer use stays editable)."""
    before = set(validate(from_database()))
    return [p for p in validate(from_database(save=save, delete=delete)) if p not in before]


@transaction.atomic
def load(library: Library) -> dict[str, int]:
    """Write the library to the database; idempotent, and progress is kept (steps are matched
    by slug and never deleted; a step removed from a program leaves its timeline only)."""
    counts = {"steps": 0, "programs": 0}
    steps: dict[str, Step] = {}
    for slug, data in library.steps.items():
        step, _ = Step.objects.update_or_create(
            slug=slug,
            defaults={
                "kind": data["kind"],
                "minutes": int(data.get("minutes", 5)),
                "safety_net": bool(data.get("safety_net", False)),
                "timer": data.get("timer", {}),
            },
        )
        for language in LANGUAGES:
            text = data[language]
            exercise = text.get("exercise", {})
            StepText.objects.update_or_create(
                step=step,
                language=language,
                defaults={
                    **{field: text[field].strip() for field in TEXT_FIELDS},
                    "instructions": exercise.get("instructions", []),
                    **{f: exercise.get(f, "") for f in ("dose", "easier", "harder", "stop_if")},
                },
            )
        steps[slug] = step
        counts["steps"] += 1
    for data in library.programs:
        program, _ = Program.objects.update_or_create(
            slug=data["slug"],
            defaults={
                "tier": data["tier"],
                "weeks": int(data.get("weeks", 6)),
                "title": data["en"]["title"],
                "summary": data["en"].get("summary", ""),
                "title_es": data["es"]["title"],
                "summary_es": data["es"].get("summary", ""),
                "content_version": library.version,
            },
        )
        wanted = {(entry["step"], int(entry["day"])) for entry in data.get("step", [])}
        current = {
            (ps.step.slug, ps.day): ps for ps in program.program_steps.select_related("step")
        }
        for key in set(current) - wanted:
            current[key].delete()
        for slug, day in sorted(wanted - set(current), key=lambda item: item[1]):
            ProgramStep.objects.filter(program=program, step=steps[slug]).delete()
            ProgramStep.objects.filter(program=program, day=day).delete()
            ProgramStep.objects.create(program=program, step=steps[slug], day=day)
        counts["programs"] += 1
    # Steps added to a program reach the patients already in it.
    for enrollment in (
        Enrollment.objects.current().select_related("patient").iterator(chunk_size=1000)
    ):
        nudges_plan(enrollment=enrollment)
    return counts
