"""The learned sentence scorer: a linear model over :data:`~digest.rank.features.FEATURES`.

``make train`` (:mod:`digest.rank.train`) fits it with scikit-learn on the OrangeSum
training set and writes :data:`SHIPPED`, a small JSON file the package carries; inference
is a dot product in pure Python. A missing or unreadable file is a
:class:`~digest.model.Problem`, and the caller falls back to the hand-set weights.
"""

from __future__ import annotations

import json
import math
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.model import Problem
from digest.rank.features import FEATURES, Document

#: The model file the package ships, written by ``make train``.
SHIPPED = Path(__file__).resolve().parent / "model.json"
#: Bumped when the file's layout changes; an older file is refused.
FORMAT = 1


@dataclass(frozen=True)
class Selection:
    """How the one or two sentences are chosen together (tuned on a training slice)."""

    #: Subtracted times the lemma Jaccard similarity of a pair: two sentences saying the
    #: same thing are worth less than their scores.
    redundancy: float = 0.0
    #: Added times the share of the title's lemmas the chosen sentences cover together.
    title: float = 0.0
    #: What a second sentence must add to its pair's value to be taken.
    pair_margin: float = 0.0


@dataclass(frozen=True)
class LinearModel:
    """A sentence's score is ``intercept + sum(weight * feature)``."""

    #: One weight per feature, in the order of :data:`FEATURES`.
    weights: tuple[float, ...]
    intercept: float
    selection: Selection

    def scores(self, document: Document) -> list[float]:
        """The score of each sentence of ``document``, in document order."""
        weights, intercept = self.weights, self.intercept
        # Rounded so that float noise cannot reorder ties between runs or platforms.
        return [round(intercept + sum(map(operator.mul, weights, row)), 9) for row in document.rows]

    def to_json(self, about: dict[str, Any]) -> str:
        """The model as the JSON text :func:`load_model` reads (``about``: provenance)."""
        data = {
            "format": FORMAT,
            "about": about,
            "features": dict(zip(FEATURES, self.weights, strict=True)),
            "intercept": self.intercept,
            "selection": {
                "redundancy": self.selection.redundancy,
                "title": self.selection.title,
                "pair_margin": self.selection.pair_margin,
            },
        }
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def load_model(path: Path = SHIPPED) -> tuple[LinearModel | None, Problem | None]:
    """The model stored at ``path``, or None and the problem that prevents its use."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        features = data["features"]
        if sorted(features) != sorted(FEATURES):
            raise ValueError("its features are not this version's")
        weights = tuple(_number(features[name]) for name in FEATURES)
        selection = data["selection"]
        model = LinearModel(
            weights,
            _number(data["intercept"]),
            Selection(
                _number(selection["redundancy"]),
                _number(selection["title"]),
                _number(selection["pair_margin"]),
            ),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        what = f"key point model unusable ({type(error).__name__}: {error})"
        return None, Problem(str(path), what, "ranked with the hand-set weights")
    return model, None


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)
