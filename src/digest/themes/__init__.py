"""Classification against the taxonomy (``themes.toml``): the digest's scope and its themes.

:func:`digest.taxonomy.load_taxonomy` reads the file. Each theme has rules per language
(``[themes.keywords]``) and optional exclusions (``[themes.exclude]``); the ``[scope]``
table has rules of the same form, which an item must meet to enter an edition::

    [themes.keywords]
    fr = ["algorithme", "données personnelles", { term = "rgpd", weight = 3 },
          { term = "données", support = true }, "transfrontalier*",
          { term = "commune", near = "@ai", within = 8 },
          { term = "port", unless = ["voile", "masque"], within = 2 }]
    [themes.exclude]
    fr = ["police d'écriture", { term = "ministère des finances", penalty = 2 }]

- A plain string is a rule of weight 1; a table sets ``weight`` (any positive number)
  and ``support = true`` (the rule counts only when a non-support rule of the same theme
  matched the story: "data" alone does not make a story about data governance).
- ``near``: the match counts only when one of these terms stands within ``within``
  words of it (default 10), in the title or in the body alike: "commune" says the
  public sector only beside an AI term. ``unless``: the match does not count when one of
  these terms stands that near ("port" beside "voile" is not a harbour). A list may
  name a group of ``[terms]`` as ``"@ai"``.
- Words match on lemmas (:mod:`simplemma`), case and accents ignored: "algorithmes"
  matches "algorithme", "gemeenten" matches "gemeente", "données personnelles" matches
  "donnée personnel". A rule word shorter than four letters (an acronym such as "ia" or
  "avg") matches only that word as written, never through a lemma.
- A word ending in ``*`` matches itself, its inflections (a short ending such as "-s",
  "-en", "-e") and the compounds it starts (at least three more letters):
  ``politie*`` matches "politiezone" and "politiediensten", never "politiek".
  ``except`` lists compounds it must not match (``stroom*`` except "stroomlijn*").
- A phrase matches consecutive words; apostrophes and hyphens separate words, so
  "l'ia", "AI-verordening" and "ai verordening" are word sequences like any other.
- Within a theme, overlapping matches keep the longest ("compétences numériques" over
  "compétences"); of two as long, the rule that counts on its own before a ``support``
  one ("verkeerslichten" is ``verkeerslicht*``, not the support rule ``verkeer*``).
  A match of an exclusion cancels the theme's rule matches it overlaps;
  with a ``penalty`` it also takes that many points off the theme per occurrence.
- A match in a title counts :data:`TITLE_WEIGHT` times. A theme's score is the sum of
  its matches' weights over every version of a story, the repeats of one rule damped
  (``n`` matches count ``sqrt(n)`` times). A theme is assigned when it reaches
  :data:`MIN_SCORE` and either :data:`RELATIVE_SCORE` times the best theme's score or
  :data:`STRONG_SCORE`: a story is about a few themes, not every one it mentions.
- The scope's score is made the same way; a story is in scope when it reaches the
  scope's ``threshold`` (and, with ``require_theme``, gets a theme).
- Learned weights (:mod:`digest.themes.learned`), when the taxonomy names a file of
  them, add to or take from the score of a theme (or the scope) the rules matched.
"""

from digest.taxonomy import SCOPE_ID
from digest.themes.classifier import (
    MIN_SCORE,
    RELATIVE_SCORE,
    STRONG_SCORE,
    TITLE_WEIGHT,
    Classifier,
    ExclusionHit,
    Explanation,
    Matched,
    RuleHit,
    ScopeDecision,
    Text,
    item_text,
)
from digest.themes.learned import LearnedModel, LearnedPart, load_learned

__all__ = [
    "MIN_SCORE",
    "RELATIVE_SCORE",
    "SCOPE_ID",
    "STRONG_SCORE",
    "TITLE_WEIGHT",
    "Classifier",
    "ExclusionHit",
    "Explanation",
    "LearnedModel",
    "LearnedPart",
    "Matched",
    "RuleHit",
    "ScopeDecision",
    "Text",
    "item_text",
    "load_learned",
]
