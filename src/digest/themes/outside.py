"""The taxonomy at work outside a build: ``digest themes classify``, ``labels`` and ``learn``.

None of them writes to the store. ``classify`` prints, ``labels`` writes the labels
file, ``learn`` writes the learned weights file that ``themes.toml`` names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import Settings
from digest.errors import ConfigError, DigestError
from digest.labels import Label, write_labels_file
from digest.sources import Report
from digest.taxonomy import SCOPE_ID, load_taxonomy
from digest.taxonomy_check import labelled_store, stored_items, stored_labels
from digest.texts import LabelledText, read_texts
from digest.themes.classifier import Classifier, item_text
from digest.themes.learned import LearnedModel, LinearWeights, features

#: Most points the learned weights add to or take from a score.
LEARNED_SCALE = 2.0
#: A theme needs this many positive examples before weights are learned for it.
MIN_POSITIVES = 3
#: Learned weights smaller than this are left out of the file (they change nothing).
MIN_WEIGHT = 0.02


def classify_paths(settings: Settings, paths: Sequence[Path], report: Report) -> Iterator[str]:
    """One JSON line per text of ``paths``: id, language, scope decision, themes.

    ``themes`` are those the text would be shown under: none when it is out of scope
    (``scores`` still has every theme's score).

    Raises:
        ConfigError: the themes file or its learned weights are unusable.
    """
    classifier = Classifier(load_taxonomy(settings.paths.themes))
    for labelled in read_texts(paths, report):
        explanation = classifier.explain([labelled.text])
        scope = explanation.scope
        shown = explanation.assigned if explanation.in_scope else ()
        record = {
            "id": labelled.id,
            "lang": labelled.text.language,
            "in_scope": explanation.in_scope,
            "scope_score": scope.score if scope else None,
            "scope_threshold": scope.threshold if scope else None,
            "scope_reason": scope.reason if scope else None,
            "themes": [{"id": t, "score": explanation.scores[t]} for t in shown],
            "threshold": explanation.threshold,
            "scores": dict(sorted(explanation.scores.items(), key=lambda s: (-s[1], s[0]))),
        }
        yield json.dumps(record, ensure_ascii=False)


def write_labels(settings: Settings, target: Path | None = None) -> tuple[Path, int]:
    """Write the labels file (or ``target``) for every stored item; the path and the count.

    Raises:
        ConfigError: the themes file is unusable.
        InputError: the existing labels file is unusable.
        StoreError: the store cannot be opened.
    """
    classifier = Classifier(load_taxonomy(settings.paths.themes))
    items = stored_items(settings)
    labels = stored_labels(settings, items)
    suggestions = {}
    for item in items:
        explanation = classifier.explain([item_text(item)])
        suggestions[item.id] = (explanation.in_scope, explanation.assigned)
    path = target or settings.paths.labels
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(write_labels_file(items, labels, suggestions), encoding="utf-8")
    except OSError as exc:
        raise DigestError(f"cannot write the labels file {path}: {exc.strerror}") from exc
    return path, len(items)


@dataclass(frozen=True)
class LearnResult:
    """What ``digest themes learn`` did."""

    path: Path
    #: Labelled texts learned from.
    examples: int
    #: Themes (and ``scope``) that got weights.
    models: tuple[str, ...]


def learn(settings: Settings, paths: Sequence[Path], report: Report) -> LearnResult:
    """Learn weights from the stored items' labels, or from the labelled texts of ``paths``,
    and write them to the file ``themes.toml`` names (``learned``).

    Raises:
        ConfigError: the taxonomy names no learned file, scikit-learn is missing, or
            there are too few labels.
        InputError: the labels file is unusable.
        StoreError: the store cannot be opened.
    """
    taxonomy = load_taxonomy(settings.paths.themes)
    if taxonomy.learned is None:
        raise ConfigError(
            f"{settings.paths.themes} names no learned weights file: "
            'add `learned = "themes.learned.json"` at its top'
        )
    texts = read_texts(paths, report) if paths else labelled_store(settings)
    examples = [text for text in texts if text.label is not None]
    ids = [theme.id for theme in taxonomy.themes]
    model = train(examples, ids, with_scope=taxonomy.scope is not None)
    try:
        taxonomy.learned.write_text(model.to_json(), encoding="utf-8")
    except OSError as exc:
        raise DigestError(f"cannot write {taxonomy.learned}: {exc.strerror}") from exc
    return LearnResult(taxonomy.learned, len(examples), tuple(sorted(model.models)))


def train(
    examples: Sequence[LabelledText], theme_ids: Sequence[str], *, with_scope: bool
) -> LearnedModel:
    """One L2 logistic regression per theme (and for the scope) over lemma features.

    Deterministic: L-BFGS (no randomness), features in sorted order, weights rounded.

    Raises:
        ConfigError: scikit-learn is not installed, or no theme has enough labels.
    """
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise ConfigError("learning needs scikit-learn: pip install 'digest[learn]'") from exc
    targets: dict[str, list[tuple[frozenset[str], bool]]] = {}
    for example in examples:
        label: Label = example.label or Label()
        present = features([example.text])
        if label.themes is not None:
            for theme_id in theme_ids:
                targets.setdefault(theme_id, []).append((present, theme_id in label.themes))
        if with_scope and label.scope is not None:
            targets.setdefault(SCOPE_ID, []).append((present, label.scope == "in"))
    models = {}
    for name, rows in sorted(targets.items()):
        positives = sum(y for _x, y in rows)
        if positives < MIN_POSITIVES or positives == len(rows):
            continue
        vectoriser = DictVectorizer(sort=True)
        matrix = vectoriser.fit_transform([dict.fromkeys(sorted(x), 1) for x, _y in rows])
        regression = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        regression.fit(matrix, [y for _x, y in rows])
        names = vectoriser.get_feature_names_out()
        weights = {
            str(f): round(float(w), 4)
            for f, w in zip(names, regression.coef_[0], strict=True)
            if abs(w) >= MIN_WEIGHT
        }
        models[name] = LinearWeights(round(float(regression.intercept_[0]), 4), weights)
    if not models:
        raise ConfigError(
            f"too few labels to learn from: each theme needs {MIN_POSITIVES} labelled texts"
        )
    return LearnedModel(models, LEARNED_SCALE)
