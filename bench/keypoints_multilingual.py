"""Key points in Dutch, English and German against summaries written by hand.

``tests/data/keypoints/{nl,en,de}.jsonl`` hold news texts written for this check (25 Dutch,
25 English, 10 German), each with a one-to-two sentence reference ``summary`` written
before any key point was computed. There is no Dutch or English training set: this only
shows whether a ranker does worse outside French than another.

Each document is read by :func:`digest.keypoints.read_items` (the normalisation a build
applies), then scored with ROUGE-1/2/L F1 (bench/keypoints.py's definition) for:

- ``LEAD-1``, ``LEAD-2``: the first sentences;
- each ranker, one and two sentences: by default ``key point`` =
  :func:`digest.summarise.key_sentences` as it is now (the learned model) and ``hand-set``
  = the same with ``weights=DEFAULT_WEIGHTS`` (the ranking used before);
  ``--ranker NAME=module:function`` (repeatable, or ``KEYPOINT_RANKERS="a=m:f,b=m:g"``)
  adds any function with ``key_sentences``' signature;
- each ranker's two-sentence key point with :func:`digest.compress.compress` applied to
  its sentences.

``--splits`` lists the sentences the splitter produced that look wrong (very short, ending
in an abbreviation, starting in lower case, unbalanced quotation marks).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from digest.compress import compress, count_words
from digest.keypoints import read_items
from digest.model import Item, Problem
from digest.summarise import (
    DEFAULT_WEIGHTS,
    Sentence,
    key_sentences,
    learned_model,
    split_sentences,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "keypoints"
LANGUAGES = ("nl", "en", "de")
Ranker = Callable[[str, str, str, int], list[Sentence]]
Rouge = Callable[[str, str], tuple[float, float, float]]


def _rouge() -> Rouge:
    """bench/keypoints.py's ROUGE, so that the figures compare with its table."""
    spec = importlib.util.spec_from_file_location("bench_keypoints", ROOT / "bench/keypoints.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    rouge: Rouge = module.rouge
    return rouge


def _hand_set(title: str, text: str, language: str, limit: int) -> list[Sentence]:
    return key_sentences(title, text, language, limit, weights=DEFAULT_WEIGHTS)


def _learned(title: str, text: str, language: str, limit: int) -> list[Sentence]:
    return key_sentences(title, text, language, limit, model=learned_model())


def rankers(specs: Sequence[str]) -> dict[str, Ranker]:
    """``key point`` (the current default), ``hand-set`` (the hand-set weights, when
    ``key_sentences`` takes them) and each ``NAME=module:function`` of ``specs``."""
    found: dict[str, Ranker] = {"key point": key_sentences}
    if "weights" in inspect.signature(key_sentences).parameters:
        found["hand-set"] = _hand_set
    if learned_model() is not None:
        found["learned"] = _learned
    for spec in specs:
        name, _, target = spec.partition("=")
        module, _, function = target.partition(":")
        if not (name and module and function):
            raise SystemExit(f"--ranker {spec!r}: expected NAME=module:function")
        found[name] = getattr(importlib.import_module(module), function)
    return found


def load(language: str) -> tuple[list[Item], dict[str, str]]:
    """The documents of one language, normalised, and their reference summaries by id."""
    path = DATA / f"{language}.jsonl"
    summaries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        summaries[row["id"]] = row["summary"]

    def report(problem: Problem) -> None:
        print(f"warning: {problem}", file=sys.stderr)

    return list(read_items([path], report)), summaries


# Abbreviations that rarely end a sentence, in any of the languages here.
_ABBREVIATIONS = frozenset(
    """mio mrd bzw ca dr prof nr vgl bijv dhr mevr mr mrs ms st vs e.g i.e u.a z.b o.a
    corp inc jr sen gov""".split()
)


def odd_sentences(sentences: Sequence[str]) -> list[str]:
    """Sentences the splitter probably cut in the wrong place, each with why."""
    odd = []
    for sentence in sentences:
        last = sentence.rsplit(" ", 1)[-1].lower().rstrip(".")
        quotes = sum(sentence.count(q) for q in '"“”„«»') % 2
        why = (
            "short"
            if count_words(sentence) < 4
            else "lower case start"
            if sentence[:1].islower()
            else "ends in an abbreviation"
            if last in _ABBREVIATIONS
            else "unbalanced quotes"
            if quotes
            else None
        )
        if why:
            odd.append(f"[{why}] {sentence}")
    return odd


def main(argv: Sequence[str] | None = None) -> int:
    """Print one table per language (and the odd splits with --splits)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranker", action="append", default=[], metavar="NAME=module:function")
    parser.add_argument("--splits", action="store_true", help="list suspicious sentence splits")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    args = parser.parse_args(argv)
    env = [s for s in os.environ.get("KEYPOINT_RANKERS", "").split(",") if s]
    chosen = rankers([*env, *args.ranker])
    rouge = _rouge()
    for language in args.languages.split(","):
        items, summaries = load(language)
        outputs: dict[str, list[str]] = {}
        odd: list[str] = []
        count = 0
        for item in items:
            split = split_sentences(item.text, language)
            count += len(split)
            odd += odd_sentences(split)
            outputs.setdefault("LEAD-1", []).append(split[0] if split else "")
            outputs.setdefault("LEAD-2", []).append(" ".join(split[:2]))
            for name, ranker in chosen.items():
                for limit in (1, 2):
                    picked = ranker(item.title, item.text, language, limit)
                    text = " ".join(s.text for s in picked)
                    outputs.setdefault(f"{name}, {limit} sentence(s)", []).append(text)
                    if limit == 2:
                        short = " ".join(compress(s.text, language).text for s in picked)
                        outputs.setdefault(f"{name}, 2 + compression", []).append(short)
        print(f"\n{language}: {len(items)} texts, {count} sentences, {len(odd)} odd splits")
        print(f"{'method':<36} {'R1':>6} {'R2':>6} {'RL':>6} {'words':>6}")
        for name, values in outputs.items():
            scores = [
                rouge(value, summaries[item.id]) for value, item in zip(values, items, strict=True)
            ]
            mean = [100 * sum(s[i] for s in scores) / len(scores) for i in range(3)]
            words = sum(count_words(v) for v in values) / len(values)
            print(f"{name:<36} {mean[0]:6.2f} {mean[1]:6.2f} {mean[2]:6.2f} {words:6.1f}")
        if args.splits:
            for sentence in odd:
                print(f"  odd split: {sentence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
