"""Sentence compression on French news: how often it fires, what it saves, what ROUGE says.

Reads a slice of the OrangeSum training set (every ``--step``-th article from ``--offset``,
at most ``--limit``; never valid-300, which stays for the final check), splits each
article with :func:`digest.summarise.split_sentences` and reports:

- how often :func:`digest.compress.compress` shortens a sentence (all sentences, and the
  key point's), with what it removed most often, and the ``\\w+`` words it saves;
- ROUGE-1/2/L F1 against the journalist's abstract of LEAD-2 and of the two-sentence key
  point (:func:`digest.summarise.key_sentences`), each as is and compressed, and of the key
  point chosen among compressed sentences (each sentence compressed before
  :func:`digest.summarise.select`, the sentence-by-sentence choice, so that the 60-word
  budget holds more content; the build's joint choice takes no ranking from outside);
- the share of key points over 60 ``\\w+`` words.

Not part of ``make bench``: about 30 s for the default 1,000 articles.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from digest import summarise
from digest.compress import compress, count_words
from digest.summarise import Sentence, key_sentences, select, split_sentences

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT.parent / "shared" / "corpora" / "orangesum-train" / "train.jsonl"
LANGUAGE = "fr"


def _rouge() -> Callable[[str, str], tuple[float, float, float]]:
    """bench/keypoints.py's ROUGE (the figures must be comparable with its table)."""
    spec = importlib.util.spec_from_file_location("bench_keypoints", ROOT / "bench/keypoints.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    rouge: Callable[[str, str], tuple[float, float, float]] = module.rouge
    return rouge


def load(path: Path, offset: int, step: int, limit: int) -> list[dict[str, str]]:
    """Every ``step``-th line from ``offset``, at most ``limit`` of them."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            if index >= offset and (index - offset) % step == 0:
                rows.append(json.loads(line))
                if len(rows) == limit:
                    break
    return rows


def compressed_then_selected(title: str, text: str, limit: int = 2) -> list[str]:
    """The key point when every sentence is compressed before the selection."""
    ranked = summarise.rank_sentences(title, text, LANGUAGE)
    shorter = [replace(s, text=compress(s.text, LANGUAGE).text) for s in ranked]
    return [s.text for s in select(shorter, limit)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=TRAIN)
    parser.add_argument("--offset", type=int, default=3)
    parser.add_argument("--step", type=int, default=20)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args(argv)
    rouge = _rouge()
    rows = load(args.corpus, args.offset, args.step, args.limit)
    outputs: dict[str, list[str]] = {}
    sentences = fired = saved = chosen = chosen_fired = chosen_saved = 0
    kinds: Counter[str] = Counter()
    for row in rows:
        title, text = row["title"], row["article"]
        split = split_sentences(text, LANGUAGE)
        for sentence in split:
            result = compress(sentence, LANGUAGE)
            sentences += 1
            if result.shortened:
                fired += 1
                saved += result.saved
                kinds.update(_kind(r) for r in result.removed)
        point: list[Sentence] = key_sentences(title, text, LANGUAGE, 2)
        short_point = [compress(s.text, LANGUAGE) for s in point]
        chosen += len(point)
        chosen_fired += sum(c.shortened for c in short_point)
        chosen_saved += sum(c.saved for c in short_point)
        variants = {
            "LEAD-2": " ".join(split[:2]),
            "LEAD-2 compressed": " ".join(compress(s, LANGUAGE).text for s in split[:2]),
            "key point": " ".join(s.text for s in point),
            "key point compressed": " ".join(c.text for c in short_point),
            "compressed, then select()": " ".join(compressed_then_selected(title, text)),
        }
        for name, value in variants.items():
            outputs.setdefault(name, []).append(value)
    print(f"{len(rows)} articles of {args.corpus.name} (offset {args.offset}, step {args.step})")
    print(
        f"all sentences: {sentences}, shortened {fired} ({100 * fired / sentences:.1f} %), "
        f"{saved / max(fired, 1):.1f} words saved per shortened sentence"
    )
    print(
        f"key point sentences: {chosen}, shortened {chosen_fired} "
        f"({100 * chosen_fired / max(chosen, 1):.1f} %), "
        f"{chosen_saved / len(rows):.2f} words saved per key point"
    )
    print("removed: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    print()
    print(f"{'method':<28} {'R1':>6} {'R2':>6} {'RL':>6} {'words':>6} {'>60':>6}")
    for name, values in outputs.items():
        scores = [rouge(v, row["abstract"]) for v, row in zip(values, rows, strict=True)]
        mean = [100 * sum(s[i] for s in scores) / len(scores) for i in range(3)]
        words = [count_words(v) for v in values]
        over = 100 * sum(w > 60 for w in words) / len(words)
        print(
            f"{name:<28} {mean[0]:6.2f} {mean[1]:6.2f} {mean[2]:6.2f} "
            f"{sum(words) / len(words):6.1f} {over:5.1f}%"
        )
    return 0


def _kind(removed: str) -> str:
    if removed.startswith(("(", "-", "–", "—")):
        return "aside"
    first = removed.split(" ", 1)[0].lower()
    if removed.endswith(",") or first in {"mais", "et", "or"}:
        return "connective"
    return "attribution"


if __name__ == "__main__":
    sys.exit(main())
