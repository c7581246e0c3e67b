"""One subscriber's copy of an edition's ``.eml``: the variant, and its ``To`` header."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

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


def personalise(message: bytes, recipient: str) -> bytes:
    """``message`` with its ``To`` field naming ``recipient``; every other byte unchanged.

    The built ``.eml`` has ``To: undisclosed-recipients:;`` (RFC 5322 bytes, CRLF). The
    field and its folded continuation lines are replaced; a message without one gets it
    first. ``recipient`` is an ASCII address (the subscribers file refuses others).
    """
    field = b"To: " + recipient.encode("ascii") + b"\r\n"
    end = message.find(b"\r\n\r\n")
    head_end = end + 2 if end >= 0 else len(message)
    head, rest = message[:head_end], message[head_end:]
    lines = head.splitlines(keepends=True)
    out: list[bytes] = []
    replaced = False
    skipping = False
    for line in lines:
        if skipping and line[:1] in (b" ", b"\t"):
            continue
        skipping = False
        if not replaced and line[:3].lower() == b"to:":
            out.append(field)
            replaced = skipping = True
            continue
        out.append(line)
    if not replaced:
        out.insert(0, field)
    return b"".join(out) + rest
