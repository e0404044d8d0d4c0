"""Check-in burden: how many texts a patient with nothing to report is sent per check-in.

    .venv/bin/python benchmarks/checkin_burden.py

Walks the catalogue with next_question, as an SMS check-in does, for a "well" patient: back
pain 2, leg pain 1, every yes/no answered no, nothing picked from a list. Every branch the
catalogue has for such a patient is walked: each combination of the patient flags, with and
without a recorded medicine, with leg pain at baseline and without (leg pain appearing opens a
question in the short check-in), for the weekly (full) and the short check-in. Each question is
one text; the closing text (the thanks, with the week's summary after a weekly check-in) is one
more for every check-in and is counted apart.
"""

import itertools
import os
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")

import django

django.setup()

from accounts.models import PatientFlag  # noqa: E402
from checkins.catalogue import (  # noqa: E402
    AnswerType,
    Kind,
    Question,
    Situation,
    listed,
    next_question,
    recorded_answers,
)

WELL_PAIN = {"back_pain": 2, "leg_pain": 1}
BASELINE_LEG_PAIN = (0, 3)  # none at enrollment (so leg pain 1 "appears"), and some
CLOSING_TEXTS = 1  # the thanks (or the week's summary), sent once at the end of every check-in


def well_answer(question: Question) -> object:
    """What a patient with nothing to report replies."""
    if question.type == AnswerType.NUMBER:
        return WELL_PAIN.get(question.key, 0)
    if question.type == AnswerType.YES_NO:
        return False
    return []


def questions_sent(situation: Situation) -> list[str]:
    """The keys of the questions texted, in order, until the check-in has none left."""
    sent: list[str] = []
    while (question := next_question(situation)) is not None:
        sent.append(question.key)
        recorded = recorded_answers(question, well_answer(question), listed(question, situation))
        situation = replace(situation, answers={**situation.answers, **recorded})
    return sent


@dataclass(frozen=True)
class Branch:
    kind: Kind
    flags: tuple[str, ...]
    has_medicine: bool
    baseline_leg_pain: int

    def situation(self) -> Situation:
        return Situation(
            kind=self.kind,
            answers={},
            flags={flag: flag in self.flags for flag in PatientFlag.values},
            has_medicine=self.has_medicine,
            leg_pain_before=self.baseline_leg_pain,
        )


def branches(kind: Kind) -> Iterator[Branch]:
    flags = PatientFlag.values
    for size in range(len(flags) + 1):
        for chosen in itertools.combinations(flags, size):
            for medicine in (False, True):
                for baseline in BASELINE_LEG_PAIN:
                    yield Branch(kind, chosen, medicine, baseline)


def burden(kind: Kind) -> list[int]:
    """Question texts per check-in, one figure per branch."""
    return [len(questions_sent(branch.situation())) for branch in branches(kind)]


def main() -> None:
    print("Questions per check-in for a well patient (the closing text is +1 each)")
    for kind in Kind:
        counts = burden(kind)
        worst = max(branches(kind), key=lambda b: len(questions_sent(b.situation())))
        print(
            f"{kind.value:>5}: {len(counts)} branches, median {statistics.median(counts):g}, "
            f"max {max(counts)} (+{CLOSING_TEXTS} closing); "
            f"longest: {', '.join(questions_sent(worst.situation()))}"
        )
        for medicine in (False, True):
            group = [
                len(questions_sent(b.situation()))
                for b in branches(kind)
                if b.has_medicine == medicine
            ]
            print(
                f"{'':>7}{'with' if medicine else 'without'} a medicine: "
                f"median {statistics.median(group):g}, max {max(group)}"
            )
    # Two weekly check-ins of a program, at 6 and 12 weeks, end with the impression of change.
    milestone = [
        len(questions_sent(replace(b.situation(), impression_due=6))) for b in branches(Kind.FULL)
    ]
    print(f"   at 6 and 12 weeks (the PGIC asked too): max {max(milestone)}")


if __name__ == "__main__":
    main()
