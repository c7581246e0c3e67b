"""An edition that will not render loses the stories that break it, not its run.

Normalisation already removes what MJML, XML and mail headers cannot carry, so this
is the last line: when an edition's email does not compile, each of its stories is
rendered alone, in every language variant, and those that fail are left out with
one line each naming them. The rest of the edition is built as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from digest.errors import RenderError
from digest.model import Edition, Problem, Story
from digest.publish import variants
from digest.render.email import EmailRenderer


def without_unrenderable(
    edition: Edition, renderer: EmailRenderer, report: Callable[[Problem], None]
) -> Edition:
    """``edition`` without the stories that cannot be rendered, each reported.

    Raises:
        RenderError: no single story fails alone: the fault is not in the content.
    """
    failing: dict[str, str] = {}
    for section in edition.sections:
        for story in section.stories:
            alone = replace(edition, sections=(replace(section, stories=(story,)),))
            why = _render_error(alone, renderer)
            if why is not None:
                failing[story.id] = why
                report(_problem(edition, story, why))
    if not failing:
        raise RenderError(
            "the edition does not render, though each story does", edition_id=edition.id
        )
    sections = tuple(
        replace(section, stories=kept)
        for section in edition.sections
        if (kept := tuple(s for s in section.stories if s.id not in failing))
    )
    return replace(edition, sections=sections)


def _render_error(edition: Edition, renderer: EmailRenderer) -> str | None:
    for languages in variants(edition.languages):
        try:
            renderer.html(renderer.view(edition, languages))
        except RenderError as exc:
            return str(exc)
    return None


def _problem(edition: Edition, story: Story, why: str) -> Problem:
    original = story.original
    return Problem(
        original.url or original.item_id,
        f"story {original.title[:80]!r} cannot be rendered ({why[:200]})",
        f"left out of {edition.id}",
    )
