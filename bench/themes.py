"""Scope and themes of the sample taxonomy, measured: quality and speed.

- Quality on the labelled development set (``tests/data/themes/devset``): macro-F1 over
  the themes and the share of out-of-scope texts let in, on the part the rules were tuned
  on and on the held-out part, each against the targets (macro-F1 >= 0.85, at most 10 %
  of negatives in scope).
- General news as negatives: the share of OrangeSum articles (valid-300 and the 21,387
  of the training split) that would enter an edition (target: at most 3 %), and the
  titles of those that do, to read.
- Speed: items classified per second by the full classifier (scope, rules and learned
  weights) against the same rules without scope and learned weights (the baseline, the
  classifier before either existed), interleaved in the same run, median of repeats.

Run by ``make bench``; ``--quick`` reads 3,000 OrangeSum articles and skips the repeats;
``--batch`` measures one round of the devset (its batch letters) on its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from digest.taxonomy import load_taxonomy  # noqa: E402
from digest.taxonomy_check import CheckReport, check_taxonomy  # noqa: E402
from digest.texts import LabelledText, read_texts  # noqa: E402
from digest.themes import Classifier, Text  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "themes" / "devset"
CORPORA = ROOT.parent / "shared" / "corpora"
ORANGESUM = (
    CORPORA / "orangesum-valid" / "valid-300.jsonl",
    CORPORA / "orangesum-train" / "train.jsonl",
)
TARGET_F1, TARGET_NEGATIVES, TARGET_NEWS = 0.85, 0.10, 0.03


def report_line(name: str, report: CheckReport) -> str:
    f1 = report.macro_f1 or 0.0
    scope = report.scope
    negatives = scope.negatives_in_scope if scope else 0.0
    recall = scope.quality.recall if scope else 0.0
    return (
        f"{name:<9} {report.items:>4} texts  macro-F1 {f1:.3f} (target >= {TARGET_F1})  "
        f"negatives in scope {negatives:.1%} (target <= {TARGET_NEGATIVES:.0%})  "
        f"scope recall {recall:.1%}"
    )


def per_theme(report: CheckReport) -> str:
    return "  ".join(f"{q.theme_id} {q.f1:.2f}" for q in report.quality)


def orangesum(limit: int | None) -> list[tuple[str, Text]]:
    texts = []
    for path in ORANGESUM:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                data = json.loads(line)
                texts.append((data["id"], Text("fr", data["title"], data["article"])))
                if limit is not None and len(texts) >= limit:
                    return texts
    return texts


def speed(classifiers: Sequence[Classifier], texts: Sequence[Text], repeats: int) -> list[float]:
    """Items per second of each classifier, median of ``repeats`` interleaved runs."""
    runs: list[list[float]] = [[] for _ in classifiers]
    for _ in range(repeats):
        for n, classifier in enumerate(classifiers):
            started = time.perf_counter()
            for text in texts:
                classifier.explain([text])
            runs[n].append(len(texts) / (time.perf_counter() - started))
    return [statistics.median(r) for r in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3,000 news articles, no repeats")
    parser.add_argument("--show", type=int, default=40, help="news articles in scope to list")
    parser.add_argument("--disagreements", action="store_true", help="list the devset's misses")
    parser.add_argument("--tune-only", action="store_true", help="leave the held-out part alone")
    parser.add_argument(
        "--batch",
        action="append",
        default=[],
        help="only the devset texts of this batch letter (the 'i' of 'fr-i-001'); repeatable",
    )
    args = parser.parse_args()
    taxonomy = load_taxonomy(ROOT / "themes.toml")
    classifier = Classifier(taxonomy)
    problems: list[object] = []
    for part in ("tune",) if args.tune_only else ("tune", "holdout"):
        texts: list[LabelledText] = list(read_texts([DEVSET / f"{part}.jsonl"], problems.append))
        if args.batch:
            texts = [t for t in texts if t.id.split("-")[1] in args.batch]
        report = check_taxonomy(taxonomy, texts, classifier=classifier)
        print(report_line(part, report))
        print(f"          {per_theme(report)}")
        if args.disagreements:
            for item_id, want, got in report.disagreements:
                print(f"          {item_id}: labelled {want or 'out'}, got {got or 'out'}")
    if problems:
        print(f"devset problems: {problems}")
    news = orangesum(3000 if args.quick else None)
    inside = []
    for key, text in news:
        explanation = classifier.explain([text])
        if explanation.in_scope:
            inside.append((key, explanation.assigned, text.title))
    share = len(inside) / len(news)
    print(
        f"general news (OrangeSum): {len(inside)} of {len(news)} in scope, {share:.2%} "
        f"(target <= {TARGET_NEWS:.0%})"
    )
    for key, themes, title in inside[: args.show]:
        print(f"  {key}: [{', '.join(themes)}] {title}")
    baseline = Classifier(replace(taxonomy, scope=None, learned=None))
    sample = [text for _key, text in news[:2000]]
    # Rules are compiled on first use of a language: not inside the timed runs.
    baseline.warm({text.language for text in sample})
    full, plain = speed([classifier, baseline], sample, 1 if args.quick else 5)
    print(
        f"speed: {full:,.0f} items/s with scope and learned weights, {plain:,.0f} items/s "
        f"rules only (baseline); ratio {full / plain:.2f}"
    )


if __name__ == "__main__":
    main()
