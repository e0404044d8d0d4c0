"""The detectors against the labelled corpora of patients' own words: each text fires exactly
the rules it is labelled with; negated and benign texts fire none. benchmarks/detectors.py
reports the same corpora as recall and false-positive rates.

detector_corpus.tsv (505 texts) and detector_holdout.tsv (150) were written by two separate
reviewers, neither looking at the phrase lists; the hold-out was measured before the phrase
lists were widened for it (figures in benchmarks/README.md)."""

import csv
from pathlib import Path

import pytest

from escalations import detectors

CORPORA = [Path(__file__).with_name(n) for n in ("detector_corpus.tsv", "detector_holdout.tsv")]
RULES = {"R21", "R22", "R16", "R5", "R6"}


def rows() -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for corpus in CORPORA:
        with corpus.open(encoding="utf-8", newline="") as handle:
            found += csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    return found


def test_the_corpus_is_big_and_balanced_enough() -> None:
    corpus = rows()
    assert len(corpus) >= 600
    kinds = {row["kind"] for row in corpus}
    assert {"positive", "typo", "negated", "benign", "answer", "spanish_order"} <= kinds
    for language in ("en", "es"):
        for rule in RULES:
            assert any(rule in r["expect"] and r["lang"] == language for r in corpus), (
                rule,
                language,
            )


@pytest.mark.parametrize("row", rows(), ids=lambda row: f"{row['kind']}:{row['text'][:40]}")
def test_each_text_fires_exactly_its_rules(row: dict[str, str]) -> None:
    expected = {rule for rule in row["expect"].split(",") if rule}
    assert detectors.fired(row["text"]) & RULES == expected
