"""From the items of one period to an :class:`Edition`.

Items linked as translations form one story, shown once with every language
version. Each story goes to its best-scoring theme (stories matching no theme
go to a general section); within a theme the strongest stories come first.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.model import Edition, Item, KeyPoint, Period, Section, Story, Theme
from digest.periods import edition_id
from digest.summarise import key_point_text
from digest.themes import Classifier, Text

#: Section for stories that match no theme; its label comes from the message catalogs.
GENERAL = Theme(id="general", labels={}, descriptions={}, keywords={})
#: How much each extra language version adds to a story's score.
VERSION_BONUS = 0.25


def build_edition(
    period: Period,
    items: Sequence[Item],
    themes: Sequence[Theme],
    *,
    languages: tuple[str, ...],
    stories_per_theme: int,
    sentences_per_point: int,
) -> Edition | None:
    """The edition for ``period``, or None when it has no items.

    The result depends only on the arguments: the same items give the same edition.
    """
    if not items:
        return None
    classifier = Classifier(themes)
    by_theme: dict[str, list[Story]] = {}
    for group in translation_groups(items):
        points = tuple(_key_point(item, sentences_per_point) for item in group)
        texts = [Text(item.language, item.title, item.text) for item in group]
        scores = classifier.scores(texts)
        theme_ids = classifier.assign(texts)
        primary = theme_ids[0] if theme_ids else GENERAL.id
        relevance = scores.get(primary, 1.0)
        score = round(relevance * (1 + VERSION_BONUS * (len(group) - 1)), 6)
        original = min(group, key=lambda i: (i.published, i.id))
        story = Story(id=original.id, points=points, score=score, theme_ids=theme_ids)
        by_theme.setdefault(primary, []).append(story)
    sections = []
    for theme in (*themes, GENERAL):
        stories = by_theme.get(theme.id)
        if stories:
            stories.sort(key=lambda s: (-s.score, -s.original.published.timestamp(), s.id))
            sections.append(Section(theme, tuple(stories[:stories_per_theme])))
    return Edition(
        id=edition_id(period),
        period=period,
        languages=languages,
        sections=tuple(sections),
        published=max(item.published for item in items),
        item_ids=tuple(sorted(item.id for item in items)),
    )


def translation_groups(items: Sequence[Item]) -> list[list[Item]]:
    """Items joined through ``translation_of`` links, each group ordered by language then id.

    Groups come in the order of their earliest item (date, then id).
    """
    parent = {item.id: item.id for item in items}

    def root(item_id: str) -> str:
        while parent[item_id] != item_id:
            parent[item_id] = parent[parent[item_id]]
            item_id = parent[item_id]
        return item_id

    for item in items:
        if item.translation_of in parent:
            a, b = root(item.id), root(item.translation_of)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: (i.published, i.id)):
        groups.setdefault(root(item.id), []).append(item)
    ordered = sorted(groups.values(), key=lambda g: (g[0].published, g[0].id))
    return [sorted(group, key=lambda i: (i.language, i.id)) for group in ordered]


def _key_point(item: Item, sentences: int) -> KeyPoint:
    text, score = key_point_text(item.title, item.text, item.language, sentences)
    return KeyPoint(
        item_id=item.id,
        language=item.language,
        title=item.title,
        text=text,
        url=item.url,
        source_name=item.source_name,
        published=item.published,
        score=score,
    )
