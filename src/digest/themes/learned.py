"""The learned part of the classifier: linear weights over lemmas, from the editor's labels.

``digest themes learn`` fits one logistic regression per theme (and one for the scope) on
labelled texts and writes its weights to a small JSON file that ``themes.toml`` names
(``learned = "themes.learned.json"``). Applying it is a sum over the lemmas of a text, in
pure Python: no model server, nothing to install beyond the package.

The learned part never assigns a theme on its own. It adds :attr:`LearnedModel.scale` x
``tanh(z / 2)`` points (``z`` the regression's log-odds) to a theme that the rules matched,
so it can lift a theme the rules found too weakly or sink one they found on words the
editor does not label that way; the rules that fired stay the explanation a reader sees,
and ``digest themes explain`` shows what the learned part added and the lemmas that
weighed most.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.errors import ConfigError
from digest.themes.matching import word_keys, words_of

if TYPE_CHECKING:
    from digest.themes.classifier import Text

#: Format of the weights file.
FORMAT = 1
#: Words shorter than this are not features (articles, particles).
_FEATURE_MIN = 3
#: Lemmas shown per theme in an explanation.
SHOWN = 5


def features(texts: Iterable[Text]) -> frozenset[str]:
    """The features of a story's texts: ``<language>:<lemma>`` of each word, once."""
    found = set()
    for text in texts:
        for word in words_of(f"{text.title} {text.body}"):
            if len(word) >= _FEATURE_MIN and not word.isdigit():
                found.add(f"{text.language}:{word_keys(text.language, word)[-1]}")
    return frozenset(found)


@dataclass(frozen=True)
class LearnedPart:
    """What the learned weights added to one theme (or to the scope)."""

    theme_id: str
    #: Points added (negative: taken off).
    points: float
    #: The regression's log-odds for the text.
    log_odds: float
    #: The features that weighed most, with their weights, strongest first.
    features: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class LinearWeights:
    """One logistic regression: a bias and a weight per feature."""

    bias: float
    weights: Mapping[str, float]


@dataclass(frozen=True)
class LearnedModel:
    """Learned weights per theme (and ``"scope"``), and how much they may add."""

    models: Mapping[str, LinearWeights]
    #: Most points the learned part adds to (or takes off) a score.
    scale: float

    def parts(self, texts: Sequence[Text], matched: Iterable[str]) -> tuple[LearnedPart, ...]:
        """What the weights add to each of the ``matched`` themes, in their order."""
        present = features(texts)
        found = []
        for theme_id in matched:
            model = self.models.get(theme_id)
            if model is None:
                continue
            weighed = [(f, model.weights[f]) for f in present if f in model.weights]
            z = model.bias + sum(w for _f, w in weighed)
            points = round(self.scale * math.tanh(z / 2), 6)
            top = sorted(weighed, key=lambda fw: (-abs(fw[1]), fw[0]))[:SHOWN]
            found.append(LearnedPart(theme_id, points, round(z, 6), tuple(top)))
        return tuple(found)

    def to_json(self) -> str:
        """The weights file's text: sorted keys, so the same model gives the same bytes."""
        data = {
            "format": FORMAT,
            "scale": self.scale,
            "models": {
                theme: {"bias": m.bias, "weights": dict(sorted(m.weights.items()))}
                for theme, m in sorted(self.models.items())
            },
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def load_learned(path: Path) -> LearnedModel:
    """Read a weights file written by ``digest themes learn``.

    Raises:
        ConfigError: the file is missing, not JSON, or not in this format.
    """
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"learned weights {path} do not exist (run `digest themes learn`, "
            "or remove `learned` from the themes file)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read learned weights: {exc}") from exc
    try:
        if data["format"] != FORMAT:
            raise ConfigError(f"{path}: learned weights of format {data['format']!r}, not {FORMAT}")
        models = {
            str(theme): LinearWeights(
                float(m["bias"]), {str(f): float(w) for f, w in m["weights"].items()}
            )
            for theme, m in data["models"].items()
        }
        return LearnedModel(models, float(data["scale"]))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ConfigError(f"{path}: malformed learned weights ({exc!r})") from exc
