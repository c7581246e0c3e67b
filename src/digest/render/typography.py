"""Typography per language: French spacing around punctuation.

French puts a no-break space before ``:`` and inside ``« »`` and a narrow no-break space
(U+202F) before ``; ! ?`` (Imprimerie nationale; the narrow space is what a typesetter
calls an *espace fine*). :func:`french_spacing` only changes the kind of an existing space:
it never adds a space where there is none (``https://``, ``10:30``, ``?!``) and never
touches a letter, so quoted source text keeps its words exactly. The email applies it
to every French string it writes: catalog strings (:class:`~digest.render.i18n.Catalogs`),
its own labels, and the titles and key points of French articles and translations.
"""

from __future__ import annotations

import re

#: No-break space, and narrow no-break space.
NBSP = "\u00a0"
NNBSP = "\u202f"

# Ordinary spaces (one or more) between a character and the sign; a no-break space
# already there is kept, whichever kind.
_TIGHT = re.compile(r"(?<=\S)[ \t]+([;!?])")
_COLON = re.compile(r"(?<=\S)[ \t]+:")
_OPEN = re.compile(r"«[ \t]+")
_CLOSE = re.compile(r"[ \t]+»")


def french_spacing(text: str) -> str:
    """``text`` with the spaces before ``: ; ! ?`` and inside ``« »`` made no-break."""
    if not any(sign in text for sign in ":;!?«»"):
        return text
    text = _TIGHT.sub(lambda match: NNBSP + match.group(1), text)
    text = _COLON.sub(NBSP + ":", text)
    text = _OPEN.sub("«" + NBSP, text)
    return _CLOSE.sub(NBSP + "»", text)


def spaced(lang: str, text: str) -> str:
    """``text`` with ``lang``'s spacing rules (only French has any here)."""
    return french_spacing(text) if lang == "fr" else text


def colon(text: str, lang: str) -> str:
    """``text`` followed by a colon as ``lang`` writes it (``Sources :`` in French)."""
    return f"{text}{NBSP}:" if lang == "fr" else f"{text}:"


def bad_french_spacing(text: str) -> list[str]:
    """The places in ``text`` that break the French rules (ordinary or missing space)."""
    found = [m.group(0) for m in re.finditer(r"\S?[ \t]+[:;!?»]|«[ \t]+", text)]
    # A sign right after a letter (``navigateur:``), but not inside an address or a time.
    found += [
        m.group(0)
        for m in re.finditer(r"[^\W\d_][:;!?](?=\s|$)", text)
        if "://" not in text[m.start() : m.end() + 2]
    ]
    return found
