"""Sentences that lean on the one before them, and cannot open a key point.

"Dat is het laagste niveau sinds 2003.", "C'est en ces termes que...", "This marks the
first time...", "Il a mis en avant...": a sentence whose subject is a demonstrative or
personal pronoun (or that opens with an adverb such as "Daarmee", "Damit") points back to
what the sentences before it said. Alone, or first in a key point, it leaves the reader
guessing who or what that is. :func:`dangling` names the sentences of a document that
start so (:func:`points_back`, one sentence); :func:`digest.rank.choose.choose` keeps
them from opening a key point unless nothing else fits. Dutch, English and German
demonstratives count only when a verb follows: "Dit jaar", "This year", "Das Gesetz" start
with a determiner and stand on their own.

Written by hand: the parsers that resolve coreference (spaCy's, Stanza's) are models far
larger and slower than this whole ranker, for a question that a sentence's first two
words answer in news writing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_VERBS = {
    "nl": "is was zijn waren blijkt bleek meldt meldde betekent betekende komt kwam gebeurt "
    "gebeurde heeft had moet moest wordt werd zou zal kan kon staat stond zegt zei",
    "en": "is was are were means meant comes came follows followed marks marked has had "
    "would will could may might brings brought makes made says said",
    "de": "ist war sind waren sei bedeutet bedeutete geht ging hat hatte wird wurde würde "
    "soll kann könnte kommt kam teilte sagte",
}
_PRONOUNS = {"nl": "Dat Dit", "en": "This That", "de": "Das Dies Dieses"}
#: Personal pronouns as subjects ("Il a mis en avant...": who?). French "Il" also opens
#: impersonal sentences that stand alone ("Il y a", "Il faut", "Il est possible que").
_PERSONAL = {
    "fr": r"(?:Elle|Ils|Elles|Il(?!\s+(?:y\s+a|y\s+avait|y\s+aura|n['’]y\s+a|s['’]agit|"
    r"faut|fallait|faudra|reste|restait|semble|existe|est\s+(?:temps|possible|probable|"
    r"prévu|question|difficile|nécessaire|important|vrai|clair|impossible)|était\s+une)"
    r"(?!\w)))",
    "nl": "Hij|Zij",
    "en": "He|She|They",
    "de": "Er|Sie",
}
_ALONE = {
    "fr": "C'est C’est Cela Ceci Ça Celui-ci Celle-ci Ceux-ci Celles-ci Ce_dernier "
    "Cette_dernière Ces_derniers Ces_dernières",
    "nl": "Daarmee Daardoor Daarom Daarbij",
    "en": "",
    "de": "Damit Dadurch Deshalb Dabei",
}


def _pattern(language: str) -> re.Pattern[str] | None:
    """The start of a sentence that leans on the one before, in ``language``."""
    options = [re.escape(word).replace("_", r"\s+") for word in _ALONE.get(language, "").split()]
    if language in _PRONOUNS:
        pronouns = "|".join(_PRONOUNS[language].split())
        verbs = "|".join(_VERBS[language].split())
        options.append(rf"(?:{pronouns})\s+(?:{verbs})")
    if language in _PERSONAL:
        options.append(f"(?:{_PERSONAL[language]})")
    if not options:
        return None
    return re.compile(rf"(?:{'|'.join(options)})(?!\w)")


_PATTERNS = {language: _pattern(language) for language in ("fr", "nl", "en", "de")}


def points_back(text: str, language: str) -> bool:
    """Whether the sentence ``text`` (in ``language``) starts by pointing back."""
    pattern = _PATTERNS.get(language)
    return pattern is not None and pattern.match(text.lstrip()) is not None


def dangling(sentences: Sequence[str], language: str) -> frozenset[int]:
    """The indices of ``sentences`` (but the first) that start by pointing back."""
    return frozenset(
        index for index, text in enumerate(sentences) if index and points_back(text, language)
    )
