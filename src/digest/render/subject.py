"""The subject and the preview text (preheader) of an email: headline-led.

Both come from templates, ``email/subject.txt.j2`` and ``email/preheader.txt.j2`` (the
configured template folder first, the packaged ones after), so an operator rewrites
them without code. Their context:

``lang``, ``name``
    The first block's language and the digest's short name in it (``[brand] short_name``,
    default its ``title``).
``headline``
    The first block's top story, shortened (at a word, with ``…``) so that the whole
    rendered subject stays within :data:`SUBJECT_CHARS`; empty for an edition without
    stories.
``blocks``
    Per language block: ``lang``, ``name``, ``period`` and ``headlines`` (titles, best first).

In a two-language email the subject names the first language's top story only (a
subject is read in one glance and clients cut it at 40 to 70 characters); the preview
text gives the first language's next stories, then the other language's top story.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from digest.errors import RenderError
from digest.render.views import BlockView

#: Characters a subject should keep within: what a phone's inbox shows on two lines.
SUBJECT_CHARS = 70
#: Characters of preview text kept: clients show 40 to 140.
PREHEADER_CHARS = 150

SUBJECT_TEMPLATE = "email/subject.txt.j2"
PREHEADER_TEMPLATE = "email/preheader.txt.j2"

# ASCII white space only: the no-break spaces of French typography stay.
_SPACES = re.compile(r"[ \t\r\n]+")


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Lines:
    """The subject and the preview text of one email."""

    subject: str
    preheader: str


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word with ``…``."""
    text = _collapse(text)
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–—-\u00a0\u202f") + "…"


def inbox_lines(
    env: jinja2.Environment, blocks: Sequence[BlockView], names: dict[str, str]
) -> Lines:
    """The subject and preview text of an email of ``blocks``.

    Args:
        names: the digest's short name per language.

    Raises:
        RenderError: a template is missing or broken.
    """
    if not blocks:
        return Lines("", "")
    context = {
        "lang": blocks[0].lang,
        "name": names.get(blocks[0].lang, ""),
        "blocks": [
            {
                "lang": block.lang,
                "name": names.get(block.lang, ""),
                "period": block.period_label,
                "headlines": [headline.title for headline in block.headlines],
            }
            for block in blocks
        ],
    }
    top = blocks[0].headlines[0].title if blocks[0].headlines else ""
    subject = _render(env, SUBJECT_TEMPLATE, {**context, "headline": top})
    if len(subject) > SUBJECT_CHARS and top:
        room = max(len(top) - (len(subject) - SUBJECT_CHARS), 12)
        subject = _render(env, SUBJECT_TEMPLATE, {**context, "headline": shorten(top, room)})
    preheader = _render(env, PREHEADER_TEMPLATE, {**context, "headline": top})
    return Lines(subject, shorten(preheader, PREHEADER_CHARS))


def _render(env: jinja2.Environment, name: str, context: dict[str, object]) -> str:
    try:
        text = env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {name} not found") from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc
    return _collapse(text)
