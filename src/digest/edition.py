"""From the items of one period to an :class:`Edition`.

Items about the same event (translations, near-duplicates, the same news in
other languages: see :mod:`digest.cluster`) form one story, shown once with
every source. Each story goes to its best-scoring theme (stories matching no
theme go to a general section).

Within a theme, stories are ranked by relevance (the theme's score), the
number of independent sources reporting them and recency::

    score = relevance * (1 + SOURCE_BONUS * (sources - 1)) * (1 + RECENCY_BONUS * recency)

then picked greedily with maximal marginal relevance: each next story is the
one with the best ``MMR_LAMBDA * score / best score - (1 - MMR_LAMBDA) *
redundancy``, where redundancy is the lemma cosine between its key point and
the closest one already picked, so a theme does not say the same thing twice.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from digest.cluster import story_groups
from digest.model import (
    Edition,
    Item,
    KeyPoint,
    Period,
    ScopeNote,
    Section,
    Story,
    StoryScore,
    Taxonomy,
    Theme,
)
from digest.parts.compute import ItemParts, bag_of, point_of
from digest.periods import edition_id
from digest.themes import Classifier, Matched, Text, item_text

#: Section for stories that match no theme; its label comes from the message catalogs.
GENERAL = Theme(id="general", labels={}, descriptions={}, keywords={})
#: How much each independent source beyond the first adds to a story's score.
SOURCE_BONUS = 0.5
#: How much being the period's latest news adds (0 for its first moment).
RECENCY_BONUS = 0.2
#: Weight of the score against redundancy when a theme's stories are picked.
MMR_LAMBDA = 0.7


def build_edition(
    period: Period,
    items: Sequence[Item],
    themes: Classifier | Taxonomy | Sequence[Theme],
    *,
    languages: tuple[str, ...],
    stories_per_theme: int,
    sentences_per_point: int,
    start: datetime | None = None,
    compress_points: bool = True,
    parts: Mapping[str, ItemParts] | None = None,
) -> Edition | None:
    """The edition for ``period``, or None when it has no story of its own.

    Args:
        items: the period's items, and may include some from just before it (see
            ``start``) so that a story straddling two periods is recognised.
        start: the period's first moment (UTC). A story whose first item is older
            belongs to the previous edition and is left out; items older than it
            only serve to recognise such stories.
        themes: the taxonomy's classifier (one is made when given the taxonomy, or its
            themes alone: a digest about anything). A story out of its scope is left out
            and counted.
        compress_points: whether key points are compressed (see :mod:`digest.compress`).
        parts: the items' parts computed beforehand (:mod:`digest.parts`), by item id;
            those not given are computed here. They change nothing but the time taken.

    The result depends only on the arguments: the same items give the same edition.
    """
    parts = parts or {}
    known = {item.id: p for item in items if (p := parts.get(item.id)) is not None}
    traits = {i: p.traits for i, p in known.items() if p.traits is not None}
    bags: dict[str, Counter[str]] = {}
    own = [item for item in items if start is None or item.published >= start]
    if not own:
        return None
    classifier = themes if isinstance(themes, Classifier) else Classifier(themes)
    out_of_scope = 0
    notes = []
    first = min(item.published for item in own)
    span = (max(item.published for item in own) - first).total_seconds()
    by_theme: dict[str, list[Story]] = {}
    for group in story_groups(items, traits):
        if start is not None and group[0].published < start:
            continue  # shown in the previous edition
        # Groups and their items come by date: group[0] is the story's first item.
        texts = [item_text(item) for item in group]
        explanation = classifier.explain_matched(
            texts,
            [_matched(classifier, known.get(i.id), t) for i, t in zip(group, texts, strict=True)],
        )
        decision = explanation.scope
        if decision is not None and decision.borderline:
            notes.append(ScopeNote(group[0].id, group[0].title, group[0].language, decision))
        if not explanation.in_scope:
            out_of_scope += len(group)
            continue  # before its key points are made: nothing of it is shown
        versions = sorted(group, key=lambda i: (i.language, i.published, i.id))
        points = tuple(
            _key_point(item, sentences_per_point, compress_points, known.get(item.id), bags)
            for item in versions
        )
        scores, theme_ids = explanation.scores, explanation.assigned
        primary = theme_ids[0] if theme_ids else GENERAL.id
        latest = max(item.published for item in group)
        scored = StoryScore(
            relevance=round(scores.get(primary, 1.0), 6),
            sources=len({item.source_id for item in group}),
            recency=round((latest - first).total_seconds() / span, 6) if span else 1.0,
        )
        story = Story(group[0].id, points, _score(scored), theme_ids, scored, explanation)
        by_theme.setdefault(primary, []).append(story)
    sections = []
    for theme in (*classifier.themes, GENERAL):
        stories = by_theme.get(theme.id)
        if stories:
            chosen = pick(stories, stories_per_theme, bags)
            sections.append(Section(theme, chosen, considered=len(stories)))
    if not sections:
        return None
    return Edition(
        id=edition_id(period),
        period=period,
        languages=languages,
        sections=tuple(sections),
        published=max(item.published for item in own),
        item_ids=tuple(sorted(item.id for item in own)),
        out_of_scope=out_of_scope,
        scope_notes=tuple(notes),
    )


def _score(parts: StoryScore) -> float:
    sources = 1 + SOURCE_BONUS * (parts.sources - 1)
    return round(parts.relevance * sources * (1 + RECENCY_BONUS * parts.recency), 6)


def pick(
    stories: Sequence[Story], count: int, known: Mapping[str, Counter[str]] | None = None
) -> tuple[Story, ...]:
    """Up to ``count`` of one theme's ``stories``, by maximal marginal relevance.

    Each chosen story records its redundancy (see the module's docstring). ``known``: the
    lemma bags of some key points, by item id, computed beforehand.
    """
    ranked = sorted(stories, key=lambda s: (-s.score, -s.original.published.timestamp(), s.id))
    best = ranked[0].score or 1.0
    known = known or {}
    bags = {story.id: known.get(story.original.item_id) or _bag(story) for story in ranked}
    chosen: list[Story] = []
    while ranked and len(chosen) < count:
        redundancy = [
            max((_cosine(bags[s.id], bags[c.id]) for c in chosen), default=0.0) for s in ranked
        ]
        values = [
            MMR_LAMBDA * s.score / best - (1 - MMR_LAMBDA) * r
            for s, r in zip(ranked, redundancy, strict=True)
        ]
        # index() finds the first of equal values: the ranked order breaks ties.
        at = values.index(max(values))
        story = ranked.pop(at)
        if story.parts is not None:
            parts = replace(story.parts, redundancy=round(redundancy[at], 6))
            story = replace(story, parts=parts)
        chosen.append(story)
    return tuple(chosen)


def _bag(story: Story) -> Counter[str]:
    point = story.original
    return Counter(dict(bag_of(point.title, point.text, point.language)))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    shared = sum(a[word] * b[word] for word in a.keys() & b.keys())
    if not shared:
        return 0.0
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return shared / norm


def _matched(classifier: Classifier, known: ItemParts | None, text: Text) -> Matched:
    if known is not None and known.matched is not None:
        return known.matched
    return classifier.matched(text)


def _key_point(
    item: Item,
    sentences: int,
    compression: bool,
    known: ItemParts | None,
    bags: dict[str, Counter[str]],
) -> KeyPoint:
    point = known.point if known is not None else None
    if point is None:
        point = point_of(item, sentences, compression)
    bags[item.id] = point.counter()
    return KeyPoint(
        item_id=item.id,
        language=item.language,
        title=item.title,
        text=point.text,
        url=item.url,
        source_name=item.source_name,
        published=item.published,
        score=point.score,
        full_sentences=point.full,
    )
