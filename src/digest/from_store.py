"""Editions from what the store holds now: the step of a build that makes an edition
of a period from its items (:func:`edition_for`), and ``digest explain``, which makes
one again without writing (:func:`explain`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from digest.config import Settings
from digest.errors import InputError
from digest.model import Edition, Item, Period
from digest.parts import span
from digest.periods import utc_bounds
from digest.store import Store
from digest.taxonomy import load_taxonomy

# The edition's own code is imported when an edition is made (see digest.build).
if TYPE_CHECKING:
    from digest.parts.compute import ItemParts
    from digest.themes import Classifier


def only_themes(edition: Edition, themes: Collection[str]) -> Edition | None:
    """The edition with only these themes' sections (None: none of them has a story).

    Its items are those of the stories kept, so news in other themes never changes it.
    """
    sections = tuple(s for s in edition.sections if s.theme.id in themes)
    if not sections:
        return None
    items = {p.item_id for s in sections for story in s.stories for p in story.points}
    return replace(edition, sections=sections, item_ids=tuple(sorted(items)))


def edition_for(
    settings: Settings,
    store: Store,
    classifier: Classifier,
    period: Period,
    items: Sequence[Item] | None = None,
    parts: Mapping[str, ItemParts] | None = None,
) -> Edition | None:
    """The edition of ``period`` from what the store holds now (None: nothing to say).

    ``items``: the store's items of the period and of the clustering window before it,
    when already read; ``parts``: their parts (:mod:`digest.parts`), when known.
    """
    if items is None:
        items = store.items_between(*span(period, settings.zone))
    return edition_of(settings, classifier, period, items, parts)


def edition_of(
    settings: Settings,
    classifier: Classifier,
    period: Period,
    items: Sequence[Item],
    parts: Mapping[str, ItemParts] | None = None,
) -> Edition | None:
    """The edition of ``period`` from ``items`` (the period's and those of the clustering
    window before it) and their ``parts``, when known (None: nothing to say)."""
    from digest.edition import build_edition

    return build_edition(
        period,
        list(items),
        classifier,
        languages=settings.languages,
        stories_per_theme=settings.stories_per_theme,
        sentences_per_point=settings.sentences_per_point,
        start=utc_bounds(period, settings.zone)[0],
        compress_points=settings.compress_points,
        parts=parts,
    )


def explain(settings: Settings, edition: str) -> Edition:
    """Rebuild one edition from the store, as ``digest build`` or its schedule would,
    without writing.

    Takes every id ``digest build`` or ``digest schedule`` printed, older versions'
    ``<schedule>-<period id>`` included (see :func:`digest.schedule.ids.resolve`).

    Raises:
        InputError: ``edition`` is not an edition id, or its period has no story.
        DigestError: the store or the themes are unusable.
    """
    from digest.schedule.ids import resolve
    from digest.themes import Classifier

    ref = resolve(settings, edition)
    schedule = ref.schedule
    if schedule is not None and schedule.languages:
        settings = settings.model_copy(update={"languages": schedule.languages})
    classifier = Classifier(load_taxonomy(settings.paths.themes))
    store = Store(settings.store_url)
    try:
        built = edition_for(settings, store, classifier, ref.period)
    finally:
        store.close()
    if built is not None and schedule is not None and schedule.themes is not None:
        built = only_themes(built, schedule.themes)
    if built is not None:
        built = replace(built, id=ref.id)
    if built is None:
        raise InputError(f"{edition}: no story in that period (run digest build first?)")
    return built
