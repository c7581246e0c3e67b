"""The learned key point scorer: a word model and two linear models, evaluated in pure Python.

The word model (:class:`~digest.rank.words.WordModel`) values each lemma of a document
(how likely a summary is to hold it); the sentence model scores each sentence from its
:data:`~digest.rank.features.FEATURES`, those values summed among them; the candidate
model (:class:`Selection`) then scores each single sentence and each pair among the
best-scored ones from :data:`CANDIDATE_FEATURES` (their scores, what they repeat of each
other, the share of the title and the summed lemma values they cover, their length, where
they stand; one set of weights for a key point of up to two sentences, another for one
sentence), and the best candidate is the key point (:func:`digest.rank.choose.choose`).
All three are fitted on the OrangeSum training set by ``make train``
(:mod:`digest.rank.train`), each on what it predicts, and written to :data:`SHIPPED`, a
JSON file the package carries (the weights, and the word model's lexicon of French
lemmas). A missing or unreadable file is a :class:`~digest.model.Problem`, and the caller
falls back to the hand-set weights.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.model import Problem
from digest.rank.features import FEATURES, MONOTONE, Document
from digest.rank.words import WORD_FEATURES, WordModel

# Found through the package, not this module's __file__: compiled with mypyc, that names
# the folder of mypyc's shared library, which an editable install puts in site-packages.
#: The model file the package ships, written by ``make train``.
SHIPPED = Path(str(importlib.resources.files("digest.rank").joinpath("model.json"))).resolve()
#: Bumped when the file's layout changes; an older file is refused.
FORMAT = 3

#: What the candidate model knows of a single sentence or a pair (see
#: :func:`digest.rank.choose.candidate_rows`), in the order of :attr:`Selection.weights`.
CANDIDATE_FEATURES: tuple[str, ...] = (
    "best_score",  # the higher sentence score of the candidate
    "other_score",  # the other sentence's score (0 for a single sentence)
    "pair",  # two sentences
    "overlap",  # lemma Jaccard similarity of the two sentences
    "title_coverage",  # share of the title's lemmas the candidate covers
    "words",  # \w+ words / 60
    "words_squared",  # its square: ROUGE F1 peaks near the abstract's length
    "words_short",  # min(words, 30) / 30
    "lead_prior",  # 1 / (1 + position of the earlier sentence)
    "adjacent",  # two consecutive sentences
    "trimmed",  # a sentence was cut at a clause boundary
    "has_top",  # the best-scored sentence is in it
    "has_runner_up",  # the second best-scored sentence is the other one
    # The sum of the candidate's sentence features (one sentence's own for a single).
    *(f"sum_{name}" for name in FEATURES),
    "later_prior",  # 1 / (1 + position of the later sentence)
    "rank_best",  # 1 / (1 + the better sentence's place among the best-scored)
    "rank_worst",  # 1 / (1 + the worse sentence's place among the best-scored)
    "worst_score",  # the lower sentence score of the candidate
    # What the candidate's lemmas, each counted once, are expected to share with a summary
    # (digest.rank.words.union_worth; 0 without a word model).
    "union_worth",
    "union_worth_density",
    "union_worth_f1",
)

#: The candidate features the one-sentence weights leave at 0: a single sentence's own
#: features are the sentence model's business, and refitting them on French news alone
#: chooses worse first sentences in the other languages.
PAIR_ONLY: frozenset[str] = frozenset(
    CANDIDATE_FEATURES[
        CANDIDATE_FEATURES.index("has_runner_up") + 1 : CANDIDATE_FEATURES.index("union_worth")
    ]
)

#: Candidate features kept non-negative by training, as the sentence model's position
#: features (:data:`~digest.rank.features.MONOTONE`): an earlier start never costs.
CANDIDATE_MONOTONE: frozenset[str] = frozenset(
    {"lead_prior", "later_prior"} | {f"sum_{name}" for name in MONOTONE}
)


_SUM_OF_SCORES = tuple(
    1.0 if name in ("best_score", "other_score") else 0.0 for name in CANDIDATE_FEATURES
)


@dataclass(frozen=True)
class Selection:
    """The candidate model: a candidate's value is the dot product of its
    :data:`CANDIDATE_FEATURES` with the weights (an intercept would not change the
    choice). The default values a candidate at the sum of its sentence scores.
    """

    #: One weight per candidate feature, in the order of :data:`CANDIDATE_FEATURES`: the
    #: weights that choose among single sentences and pairs (a key point of up to two).
    weights: tuple[float, ...] = _SUM_OF_SCORES
    #: The weights that choose a one-sentence key point, fitted on single sentences only:
    #: what makes the best sentence differs from what makes the best of up to two.
    single: tuple[float, ...] = _SUM_OF_SCORES

    @classmethod
    def of(cls, **weights: float) -> Selection:
        """A selection from named weights (the others 0), the same for one sentence and for
        up to two, e.g. ``of(best_score=1)``.
        """
        unknown = sorted(set(weights) - set(CANDIDATE_FEATURES))
        if unknown:
            raise ValueError(f"unknown candidate features: {', '.join(unknown)}")
        values = tuple(float(weights.get(name, 0.0)) for name in CANDIDATE_FEATURES)
        return cls(values, values)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled through the constructor: compiled with mypyc, a frozen dataclass
        # cannot be unpickled field by field (FrozenInstanceError).
        return (Selection, (self.weights, self.single))

    def weights_for(self, limit: int) -> tuple[float, ...]:
        """The weights that choose a key point of at most ``limit`` sentences."""
        return self.weights if limit >= 2 else self.single


@dataclass(frozen=True)
class LinearModel:
    """A sentence's score is ``intercept + sum(weight * feature)``; :attr:`selection`
    chooses among the candidates the scores make.
    """

    #: One weight per feature, in the order of :data:`FEATURES`.
    weights: tuple[float, ...]
    intercept: float
    selection: Selection
    #: What the documents' lemmas are worth (:mod:`digest.rank.words`), given to
    #: :func:`~digest.rank.features.document_features`; None: nothing.
    words: WordModel | None = None
    #: The model for the languages other than :attr:`words`'s: fitted the same way with
    #: a word model without lexicon, as those languages see it (None: this one).
    general: LinearModel | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled through the constructor: compiled with mypyc, a frozen dataclass
        # cannot be unpickled field by field (FrozenInstanceError).
        return (
            LinearModel,
            (self.weights, self.intercept, self.selection, self.words, self.general),
        )

    def for_language(self, language: str) -> LinearModel:
        """The model that ranks text in ``language``: :attr:`general` for a language
        other than that of :attr:`words`'s lexicon, when there is one.
        """
        if self.general is None or self.words is None or self.words.language == language:
            return self
        return self.general

    def scores(self, document: Document) -> list[float]:
        """The score of each sentence of ``document``, in document order."""
        weights, intercept = self.weights, self.intercept
        # Rounded so that float noise cannot reorder ties between runs or platforms.
        return [round(intercept + sum(map(operator.mul, weights, row)), 9) for row in document.rows]

    def to_json(self, about: Mapping[str, Any]) -> str:
        """The model as the JSON text :func:`load_model` reads (``about``: provenance)."""
        data = {"format": FORMAT, "about": about, **self._data()}
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    def _data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "features": dict(zip(FEATURES, self.weights, strict=True)),
            "intercept": self.intercept,
            "selection": dict(zip(CANDIDATE_FEATURES, self.selection.weights, strict=True)),
            "selection_single": dict(zip(CANDIDATE_FEATURES, self.selection.single, strict=True)),
        }
        if self.words is not None:
            data["words"] = {
                "features": dict(zip(WORD_FEATURES, self.words.weights, strict=True)),
                "intercept": self.words.intercept,
                "language": self.words.language,
                "lexicon": dict(self.words.lexicon),
            }
        if self.general is not None:
            data["general"] = self.general._data()
        return data


def load_model(path: Path = SHIPPED) -> tuple[LinearModel | None, Problem | None]:
    """The model stored at ``path``, or None and the problem that prevents its use."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        model = _model(data, _model(data["general"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        what = f"key point model unusable ({type(error).__name__}: {error})"
        return None, Problem(str(path), what, "ranked with the hand-set weights")
    return model, None


def _model(data: Mapping[str, Any], general: LinearModel | None = None) -> LinearModel:
    """One model of the file's ``data`` (the file's own, or its ``general`` one)."""
    weights = _weights(data["features"], FEATURES)
    selection = Selection(
        _weights(data["selection"], CANDIDATE_FEATURES),
        _weights(data["selection_single"], CANDIDATE_FEATURES),
    )
    words = data["words"]
    word_model = WordModel(
        _weights(words["features"], WORD_FEATURES),
        _number(words["intercept"]),
        str(words["language"]),
        {str(lemma): _rate(rate) for lemma, rate in words["lexicon"].items()},
    ).prepared()
    return LinearModel(weights, _number(data["intercept"]), selection, word_model, general)


def _weights(named: Mapping[str, object], names: tuple[str, ...]) -> tuple[float, ...]:
    if sorted(named) != sorted(names):
        raise ValueError("its features are not this version's")
    return tuple(_number(named[name]) for name in names)


def _rate(value: object) -> float:
    rate = _number(value)
    if not 0.0 < rate < 1.0:
        raise ValueError(f"not a rate: {value!r}")
    return rate


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)
