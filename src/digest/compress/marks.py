"""What a shortened text left out of the full one, as runs to mark up ("show what was removed").

:func:`marks` lines a shortened key point up against the source's full sentences, word
by word (case aside: compression capitalises the new first word), and returns the full
text cut into runs: kept, removed, or added. Compression only removes, except where a
Dutch or German connective's removal moves the verb after the subject ("Daarnaast wil
het kabinet ..." -> "Het kabinet wil ..."): the moved verb is removed where it stood and
added where it goes. A clause trim's " …" is an addition too.

The runs joined without the added ones give the full text exactly; without the removed
ones, the shortened text up to white space and capitals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

__all__ = ["Mark", "marks"]

# A word, or one punctuation mark (so that "Liège," lines up with "Liège."), with the
# white space after it.
_TOKEN = re.compile(r"(?:\w+|[^\w\s])\s*")


@dataclass(frozen=True)
class Mark:
    """A run of a full text as a shortened version treats it."""

    #: The run's characters: of the full text, or of the shortened one for ``added``.
    text: str
    #: ``kept`` in the shortened text, ``removed`` from it, or ``added`` by it.
    kind: Literal["kept", "removed", "added"] = "kept"


def marks(full: str, short: str) -> tuple[Mark, ...]:
    """``full`` cut into runs kept in, removed from or added by ``short``, in order.

    A removed run holds no white space at either end (it goes to a kept run beside it),
    so that it can be wrapped in ``<del>`` as it is; an added run starts with no white
    space and ends with the space that follows it in ``short``, if any. Deterministic;
    an identical ``short`` gives one kept run.
    """
    if full == short:
        return (Mark(full),) if full else ()
    lead = full[: len(full) - len(full.lstrip())]
    ours, theirs = _TOKEN.findall(full.lstrip()), _TOKEN.findall(short.strip())
    matcher = SequenceMatcher(
        None, [_key(t) for t in ours], [_key(t) for t in theirs], autojunk=False
    )
    runs: list[Mark] = [Mark(lead)] if lead else []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(Mark("".join(ours[i1:i2])))
            continue
        if i2 > i1:
            runs += _changed("".join(ours[i1:i2]), "removed")
        if j2 > j1:
            runs += _changed("".join(theirs[j1:j2]), "added")
    return _merged(runs)


def _key(token: str) -> str:
    return token.strip().casefold()


def _changed(text: str, kind: Literal["removed", "added"]) -> list[Mark]:
    """The run of ``kind``; a removed run's white space is kept outside it."""
    core = text.strip()
    if kind == "added":
        # The kept run before it already ends with its space.
        return [Mark(core + (" " if text[-1:].isspace() else ""), kind)] if core else []
    if not core:
        return [Mark(text)]
    before = text[: len(text) - len(text.lstrip())]
    after = text[len(text.rstrip()) :]
    return [m for m in (Mark(before), Mark(core, kind), Mark(after)) if m.text]


def _merged(runs: list[Mark]) -> tuple[Mark, ...]:
    merged: list[Mark] = []
    for run in runs:
        if merged and merged[-1].kind == run.kind:
            merged[-1] = Mark(merged[-1].text + run.text, run.kind)
        else:
            merged.append(run)
    return tuple(merged)
