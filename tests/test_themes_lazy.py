"""Each language's rules are compiled when first needed, and exactly as all at once."""

from __future__ import annotations

from pathlib import Path

from digest.taxonomy import load_taxonomy
from digest.themes import Classifier, Text
from digest.themes.matching import Rule, compile_rules

ROOT = Path(__file__).resolve().parent.parent

FR = Text(
    "fr",
    "La commune de Liège teste un algorithme",
    "Les données personnelles des habitants sont traitées par l'intelligence artificielle "
    "de l'administration communale, sous le contrôle de la police et du RGPD.",
)
NL = Text(
    "nl",
    "Gemeente Gent test algoritme",
    "De politiezone gebruikt artificiële intelligentie voor verkeerslichten en "
    "persoonsgegevens van inwoners, onder toezicht van de AVG.",
)


def described(rule: Rule) -> tuple[object, ...]:
    """What a compiled rule is, its context terms named by their terms."""
    return (
        rule.theme_id,
        rule.term,
        rule.words,
        rule.weight,
        rule.support,
        rule.exclusion,
        rule.penalty,
        rule.context,
        tuple(t.term for t in rule.near),
        tuple(t.term for t in rule.unless),
        rule.within,
        rule.counted.term,
    )


def test_a_language_is_compiled_only_when_a_text_of_it_is_classified() -> None:
    classifier = Classifier(load_taxonomy(ROOT / "themes.toml"))
    assert {"fr", "nl", "de"} <= classifier.languages
    assert classifier.compiled == frozenset()
    classifier.explain([FR])
    assert classifier.compiled == {"fr"}
    classifier.explain([Text("xx", "a title", "a body")])  # no rules: nothing to compile
    assert classifier.compiled == {"fr"}


def test_lazy_rules_are_those_compiled_all_at_once_in_the_same_order() -> None:
    taxonomy = load_taxonomy(ROOT / "themes.toml")
    classifier = Classifier(taxonomy)
    every = (*taxonomy.themes, *((taxonomy.scope.rules,) if taxonomy.scope else ()))
    eager = compile_rules(every)
    assert set(eager) == classifier.languages
    for language, rules in eager.items():
        lazy, places = classifier.rule_index(language)
        assert [described(r) for r in lazy] == [described(r) for r in rules]
        assert all(lazy[places[rule]] is rule for rule in lazy)


def test_warming_compiles_ahead_and_changes_no_result() -> None:
    taxonomy = load_taxonomy(ROOT / "themes.toml")
    warmed, lazy = Classifier(taxonomy), Classifier(taxonomy)
    warmed.warm(["nl", "xx"])
    assert warmed.compiled == {"nl"}
    warmed.warm()
    assert warmed.compiled == warmed.languages
    for texts in ([FR], [NL], [FR, NL]):
        assert warmed.explain(texts) == lazy.explain(texts)
