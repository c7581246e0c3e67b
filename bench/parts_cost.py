"""CPU cost of each item's parts (issue 15): theme matches, key point, clustering traits,
and the content key and written form of its row of ``item_parts``.

Reads the items of a digest tree's store (a tree built by ``digest build``, e.g. one of
``bench/scale_corpus.py`` ingested with ``digest build --since 2030-01-07 --until
2030-01-13``), builds one :class:`digest.parts.compute.Analyser` as ``digest build`` does,
warms it (the languages' rules, then one pass over other items of the store, so that the
per-word caches hold a corpus's vocabulary as they do in a long backfill), and times each
part per item in CPU seconds (``time.process_time``):

- ``first pass``: each part over the measured items once, right after the warm-up
  (``--warm-up 0``: over no other item, so the per-word caches are empty as in each
  process that computes an incremental run's parts: theme matching then costs about
  twice its warm cost);
- ``repeat``: the median of ``--repeats`` rounds, each round every part in turn
  (interleaved, so a change of the machine's load touches every part alike).

``traits read back`` is what an edition pays per item to read its stored traits (not
part of ``all``, the cost of computing a row).

``--dump FILE`` writes what the rules found in every item of the store, one JSON line per
item (the rules by their place, theme and term; the scores, themes and scope of the item
alone), to compare two versions of the code: run it with ``PYTHONPATH`` pointing at the
other version's ``src/`` and ``cmp`` the files. ``--profile`` prints the 25 functions
with the most own time of the theme matches (cProfile). Nothing here is run by ``make
bench``.

    .venv/bin/python bench/parts_cost.py /tmp/scale2k --items 500
    .venv/bin/python bench/parts_cost.py /tmp/scale2k --items 500 --warm-up 0
    .venv/bin/python bench/parts_cost.py /tmp/scale2k --dump /tmp/matched.jsonl --no-time
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# The code under test is the installed one, or PYTHONPATH's (another version's src/).
sys.path.append(str(Path(__file__).resolve().parent.parent / "src"))

from digest.cluster import traits
from digest.config import load_settings
from digest.model import Item
from digest.parts.compute import Analyser, content_key
from digest.store import Store
from digest.taxonomy import load_taxonomy
from digest.themes import Classifier, item_text


def load(tree: Path) -> tuple[Analyser, list[Item]]:
    """The analyser ``digest build`` makes for ``tree`` and the items of its store, by id."""
    settings = load_settings(tree / "digest.toml")
    classifier = Classifier(load_taxonomy(settings.paths.themes))
    analyser = Analyser(classifier, settings.sentences_per_point, settings.compress_points)
    store = Store(settings.store_url)
    try:
        items = sorted(store.all_items(), key=lambda item: item.id)
    finally:
        store.close()
    return analyser, items


def parts(analyser: Analyser) -> dict[str, Callable[[Item], object]]:
    """Each part's computation, in order; then what the pool adds to the three for a row
    of ``item_parts``: its content key and the parts' written form (of the parts the
    three just computed for the item); last, the traits read back from their written form
    (not computing: not in the total)."""
    found: dict[str, dict[str, Any]] = {}

    def kept(name: str, compute: Callable[[Item], Any]) -> Callable[[Item], object]:
        def part(item: Item) -> object:
            value = found.setdefault(item.id, {})[name] = compute(item)
            return value

        return part

    texts: dict[str, str] = {}

    def written(item: Item) -> object:
        each = found.pop(item.id)
        texts[item.id] = analyser.write_traits(each["traits"][0])
        return (
            content_key(item),
            analyser.write_point(each["key point"]),
            analyser.write_matched(item.language, each["themes"]),
            texts[item.id],
        )

    return {
        "themes": kept("themes", analyser.matched),
        "key point": kept("key point", analyser.point),
        "traits": kept("traits", lambda item: traits([item])),
        "content key, written form": written,
        # What an edition reads of each of its items' stored traits.
        "traits read back": lambda item: analyser.read_traits(texts.pop(item.id)),
    }


def cpu_per_item(part: Callable[[Item], object], items: Sequence[Item]) -> float:
    started = time.process_time()
    for item in items:
        part(item)
    return (time.process_time() - started) / len(items)


def measure(
    analyser: Analyser, items: list[Item], count: int, repeats: int, warm_up: int | None = None
) -> None:
    """Each part's CPU per item over ``count`` items, after a warm-up over ``warm_up``
    other items (None: all the others)."""
    rng = random.Random(15)
    rng.shuffle(items)
    measured, others = items[:count], items[count:]
    if warm_up is not None:
        others = others[:warm_up]
    started = time.process_time()
    analyser.classifier.warm({item.language for item in items})
    print(f"warm(): {time.process_time() - started:.2f} s CPU")
    started = time.process_time()
    every = parts(analyser)
    for part in every.values():
        for item in others:
            part(item)
    print(f"warm-up over {len(others)} other items: {time.process_time() - started:.2f} s CPU")
    first = {name: cpu_per_item(part, measured) for name, part in every.items()}
    rounds: dict[str, list[float]] = {name: [] for name in every}
    for _ in range(repeats):
        for name, part in every.items():
            rounds[name].append(cpu_per_item(part, measured))
    print(f"\n{len(measured)} items, ms CPU per item   first pass   repeat (median of {repeats})")
    for name in every:
        repeat = statistics.median(rounds[name])
        print(f"  {name:<27} {first[name] * 1e3:>10.3f}   {repeat * 1e3:>10.3f}")
    computing = [name for name in every if name != "traits read back"]
    total_first = sum(first[name] for name in computing)
    total = sum(statistics.median(rounds[name]) for name in computing)
    print(f"  {'all':<27} {total_first * 1e3:>10.3f}   {total * 1e3:>10.3f}")


def profile(analyser: Analyser, items: Sequence[Item]) -> None:
    analyser.classifier.warm({item.language for item in items})
    for item in items:
        analyser.matched(item)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        for item in items:
            analyser.matched(item)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def dump(analyser: Analyser, items: Sequence[Item], target: Path) -> None:
    classifier = analyser.classifier
    with target.open("w", encoding="utf-8") as out:
        for item in items:
            text = item_text(item)
            found = classifier.matched(text)
            _rules, places = classifier.rule_index(item.language)
            explanation = classifier.explain_matched([text], [found])
            record: dict[str, Any] = {
                "id": item.id,
                "words": found.words,
                "slots": [
                    [places[rule], rule.theme_id, rule.term, lang, where, count, cancelled]
                    for rule, lang, where, count, cancelled in found.slots
                ],
                "written": analyser.write_matched(item.language, found),
                "scores": explanation.scores,
                "assigned": explanation.assigned,
                "scope": repr(explanation.scope),
                "hits": repr(explanation.hits),
                "exclusions": repr(explanation.exclusions),
            }
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(items)} items' matches written to {target}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("tree", type=Path, help="a digest tree whose store holds items")
    parser.add_argument("--items", type=int, default=500, help="items measured (default 500)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dump", type=Path, help="write every item's matches to this file")
    parser.add_argument("--no-time", action="store_true", help="do not measure")
    parser.add_argument("--profile", action="store_true", help="cProfile the theme matches")
    parser.add_argument(
        "--warm-up",
        type=int,
        metavar="N",
        help="warm up over N other items only (default: all); 0: the first pass is a "
        "fresh process's, as each process computing an incremental run's parts starts",
    )
    args = parser.parse_args()
    analyser, items = load(args.tree.resolve())
    print(f"{len(items)} items in the store of {args.tree}")
    if args.dump:
        dump(analyser, items, args.dump)
    if args.profile:
        profile(analyser, items[: args.items])
    elif not args.no_time:
        count = min(args.items, len(items) // 2)
        measure(analyser, items, count, args.repeats, args.warm_up)


if __name__ == "__main__":
    main()
