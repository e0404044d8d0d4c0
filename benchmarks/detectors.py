"""Detector benchmark: recall and false positives per rule on the labelled corpus, and the cost
per text.

    .venv/bin/python benchmarks/detectors.py [--corpus tests/escalations/detector_corpus.tsv]

The corpus (tests/escalations/detector_corpus.tsv) holds texts in patients' own words, in
English and Spanish, each with the rules it must fire (none for the negated and benign ones).
Targets (CLINICAL.md): recall 100% on the emergency positives; no emergency rule fired on a
negated or benign text; p99 cost per text under 1 ms. The baseline for the cost is the text's
fold alone (what every reading of a text already pays), measured side by side.
"""

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalations import detectors  # noqa: E402
from messaging.keywords import fold  # noqa: E402

RULES = ["R21", "R22", "R16", "R5", "R6"]
EMERGENCY = {"R21", "R22", "R16"}  # always emergency when fired from words (R6 only if major)
CORPUS = ROOT / "tests" / "escalations" / "detector_corpus.tsv"


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def expected(row: dict[str, str]) -> set[str]:
    return {rule for rule in row["expect"].split(",") if rule}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cost(texts: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """Microseconds per text: the detectors, and the fold baseline, alternating rounds."""
    ours: list[float] = []
    base: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            fold(text)
            base.append((time.perf_counter_ns() - start) / 1000)
            start = time.perf_counter_ns()
            detectors.scan(text)  # uncached: one reading, shared by the rules that need it
            ours.append((time.perf_counter_ns() - start) / 1000)
    return ours, base


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--show", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args()
    rows = load(args.corpus)
    detectors.lexicon()  # compile once, outside the timings

    fired = {row["text"]: detectors.fired(row["text"]) for row in rows}
    print(f"corpus: {len(rows)} texts ({Counter(r['lang'] for r in rows)})")
    print(f"{'rule':5} {'positives':>9} {'recall':>8} {'false pos':>9} {'FP rate':>8}")
    misses: list[str] = []
    for rule in RULES:
        positives = [r for r in rows if rule in expected(r)]
        negatives = [r for r in rows if rule not in expected(r)]
        hits = sum(rule in fired[r["text"]] for r in positives)
        false = [r for r in negatives if rule in fired[r["text"]]]
        recall = hits / len(positives) if positives else 1.0
        rate = len(false) / len(negatives) if negatives else 0.0
        print(f"{rule:5} {len(positives):9} {recall:8.1%} {len(false):9} {rate:8.1%}")
        misses += [f"miss  {rule}: {r['text']}" for r in positives if rule not in fired[r["text"]]]
        misses += [f"false {rule}: {r['text']}" for r in false]

    emergency_positives = [r for r in rows if expected(r) & EMERGENCY]
    caught = sum(bool(expected(r) & EMERGENCY & fired[r["text"]]) for r in emergency_positives)
    quiet = [r for r in rows if r["kind"] in ("negated", "benign")]
    alarms = [r for r in quiet if fired[r["text"]] & EMERGENCY]
    print(
        f"emergency positives caught: {caught}/{len(emergency_positives)} "
        f"({caught / len(emergency_positives):.1%}; target 100%)"
    )
    print(f"emergency fired on negated or benign texts: {len(alarms)}/{len(quiet)} (target 0)")

    ours, base = cost([r["text"] for r in rows], args.rounds)
    print(
        f"cost per text: detectors p50 {statistics.median(ours):.0f} us, "
        f"p99 {percentile(ours, 0.99):.0f} us (target < 1000 us); "
        f"fold baseline p50 {statistics.median(base):.1f} us, p99 {percentile(base, 0.99):.1f} us"
    )
    if args.show:
        print("\n".join(misses))
    met = caught == len(emergency_positives) and not alarms and percentile(ours, 0.99) < 1000
    print("targets:", "met" if met else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
