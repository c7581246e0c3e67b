"""From the items of one period to an :class:`Edition`.

Items about the same event (translations, near-duplicates, the same news in
other languages: see :mod:`digest.cluster`) form one story, shown once with
every language version. Each story goes to its best-scoring theme (stories
matching no theme go to a general section); within a theme the strongest
stories come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from digest.cluster import story_groups
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
    start: datetime | None = None,
) -> Edition | None:
    """The edition for ``period``, or None when it has no story of its own.

    Args:
        items: the period's items, and may include some from just before it (see
            ``start``) so that a story straddling two periods is recognised.
        start: the period's first moment (UTC). A story whose first item is older
            belongs to the previous edition and is left out; items older than it
            only serve to recognise such stories.

    The result depends only on the arguments: the same items give the same edition.
    """
    own = [item for item in items if start is None or item.published >= start]
    if not own:
        return None
    classifier = Classifier(themes)
    by_theme: dict[str, list[Story]] = {}
    for group in story_groups(items):
        if start is not None and group[0].published < start:
            continue  # shown in the previous edition
        versions = sorted(group, key=lambda i: (i.language, i.published, i.id))
        points = tuple(_key_point(item, sentences_per_point) for item in versions)
        texts = [Text(item.language, item.title, item.text) for item in group]
        scores = classifier.scores(texts)
        theme_ids = classifier.assign(texts)
        primary = theme_ids[0] if theme_ids else GENERAL.id
        relevance = scores.get(primary, 1.0)
        score = round(relevance * (1 + VERSION_BONUS * (len(group) - 1)), 6)
        story = Story(id=group[0].id, points=points, score=score, theme_ids=theme_ids)
        by_theme.setdefault(primary, []).append(story)
    sections = []
    for theme in (*themes, GENERAL):
        stories = by_theme.get(theme.id)
        if stories:
            stories.sort(key=lambda s: (-s.score, -s.original.published.timestamp(), s.id))
            sections.append(Section(theme, tuple(stories[:stories_per_theme])))
    if not sections:
        return None
    return Edition(
        id=edition_id(period),
        period=period,
        languages=languages,
        sections=tuple(sections),
        published=max(item.published for item in own),
        item_ids=tuple(sorted(item.id for item in own)),
    )


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
