"""The full sentences behind a shortened key point: shown on the how page, linked from
the email.

A key point may show less than the source's sentences: compression (:mod:`digest.compress`)
drops attribution tails, asides, leading connectives and datelines, and an overlong
sentence is trimmed at a clause. The "how this edition was made" page shows, for each
such story, the whole sentences with what was left out marked (``<del>``, with words for
screen readers), under an anchor (:func:`anchor`) that the email's "full sentence" link
and its plain-text part point to: an email cannot run script to unfold it in place.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from digest.compress.marks import Mark, marks
from digest.model import Story

__all__ = ["FullView", "anchor", "full_view"]


@dataclass(frozen=True)
class FullView:
    """The whole sentences of a shortened key point, as the how page shows them."""

    #: Language of the sentences (the original's, for a translated key point).
    lang: str
    #: The sentences as runs kept, removed or added by the shortened text.
    runs: tuple[Mark, ...]
    #: Number of whole sentences (for "full sentence" or "full sentences").
    count: int


def anchor(story: Story) -> str:
    """The how page's anchor of ``story``'s full sentences: stable whatever the story's
    rank or the email's cut, and short (it is in every email link)."""
    return "full-" + hashlib.sha1(story.id.encode("utf-8")).hexdigest()[:10]


def full_view(story: Story, lang: str) -> FullView | None:
    """The full sentences of the key point ``story`` shows in ``lang``, or None when it
    shows them whole.

    A translation was made from the original's shortened text: its full sentences are
    the original's, in the original's language.
    """
    shown = story.point_in(lang) or story.original
    source = story.original if shown.translation else shown
    if not source.full_sentences:
        return None
    full = " ".join(source.full_sentences)
    return FullView(source.language, _runs(full, source.text), len(source.full_sentences))


@lru_cache(maxsize=1024)
def _runs(full: str, text: str) -> tuple[Mark, ...]:
    """The runs of ``full`` that ``text`` keeps, removes or adds: the same in every
    language's how page and email that shows the same original (most stories have no
    translation), so made once."""
    # A trim's " …" adds no words: the removed run after it says enough.
    return tuple(m for m in marks(full, text) if m.kind != "added" or re.search(r"\w", m.text))
