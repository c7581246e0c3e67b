"""One subscriber's copy of an edition's ``.eml``: the variant, its ``To`` and ``Date`` headers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import format_datetime

_VARIANT = re.compile(r"^message\.([a-z]{2}(?:-[a-z]{2})*)\.eml$")


def variants_of(file_names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The message variants among an edition's files, with their languages.

    ``message.fr-nl.eml`` is the variant ``fr-nl`` in ``("fr", "nl")``.
    """
    found: dict[str, tuple[str, ...]] = {}
    for name in file_names:
        match = _VARIANT.match(name)
        if match:
            found[match.group(1)] = tuple(match.group(1).split("-"))
    return found


def choose_variant(languages: Sequence[str], variants: Mapping[str, tuple[str, ...]]) -> str | None:
    """The variant a reader of ``languages`` gets: the exact one when the edition has it.

    Otherwise, in this order: the smallest variant holding all their languages (``fr``
    readers get ``fr-nl``), the one holding most of them, and for a reader of none of the
    edition's languages the fullest variant. None only when there is no variant at all.
    """
    wanted = set(languages)
    for name, langs in variants.items():
        if set(langs) == wanted:
            return name
    ranked = sorted(
        variants.items(),
        key=lambda v: (-len(wanted & set(v[1])), not wanted <= set(v[1]), len(v[1]), v[0]),
    )
    if not ranked:
        return None
    best, langs = ranked[0]
    if not wanted & set(langs):
        return max(variants.items(), key=lambda v: (len(v[1]), v[0]))[0]
    return best


def personalise(message: bytes, recipient: str, date: datetime | None = None) -> bytes:
    """``message`` with its ``To`` field naming ``recipient`` and, given ``date``, its
    ``Date`` field saying when it is sent; every other byte unchanged.

    The built ``.eml`` has ``To: undisclosed-recipients:;`` and the edition's publication
    moment as ``Date`` (RFC 5322 bytes, CRLF): a digest sent on 1 December must not sort
    below mail of 25 November. Each field and its folded continuation lines are replaced;
    a message without one gets it first. ``recipient`` is an ASCII address (the store
    refuses others).
    """
    fields = {b"to": b"To: " + recipient.encode("ascii") + b"\r\n"}
    if date is not None:
        fields[b"date"] = b"Date: " + format_datetime(date).encode("ascii") + b"\r\n"
    end = message.find(b"\r\n\r\n")
    head_end = end + 2 if end >= 0 else len(message)
    head, rest = message[:head_end], message[head_end:]
    out: list[bytes] = []
    skipping = False
    for line in head.splitlines(keepends=True):
        if skipping and line[:1] in (b" ", b"\t"):
            continue
        skipping = False
        name = line.split(b":", 1)[0].lower() if b":" in line else b""
        if name in fields:
            out.append(fields.pop(name))
            skipping = True
            continue
        out.append(line)
    return b"".join([*fields.values(), *out]) + rest
