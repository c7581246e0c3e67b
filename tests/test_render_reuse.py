"""What an edition's rendering keeps between its outputs changes none of them: the views
of one edition reused across its emails and web pages, the how page's numbers."""

from __future__ import annotations

import random
from pathlib import Path

import jinja2
import pytest
from babel.numbers import format_decimal
from markupsafe import Markup

from digest.render.blocks import without
from digest.render.email import EmailRenderer
from digest.render.how import number
from tests.test_render import many_stories, sample_edition, settings_for


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "de"])
def test_how_numbers_are_babels(lang: str) -> None:
    rng = random.Random(3)
    values: list[float] = [0.0, -0.0, -0.004, 0.005, 2.675, 1e-7, 1e16, 1e22, 1234.5678, 7]
    values += [rng.uniform(-5000, 5000) for _ in range(3000)]
    values += [round(rng.uniform(0, 50), 3) for _ in range(3000)]
    values += [rng.randint(-(10**7), 10**7) for _ in range(300)]
    # Each value twice, the second time as it was kept: both as Babel writes it.
    for value in values + values[::-1]:
        expected = format_decimal(round(value, 2), format="#,##0.##", locale=lang)
        assert number(lang, value) == expected, value


def test_views_are_those_of_a_fresh_renderer(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    kept = EmailRenderer(settings)
    for edition in (sample_edition(), many_stories(30), sample_edition()):
        asked = [("fr", "nl"), ("fr",), ("nl",), ("fr", "nl"), ("nl",)]
        for languages in asked:
            view = kept.view(edition, languages)
            assert view is kept.view(edition, languages)  # kept, not made again
            assert view == EmailRenderer(settings).view(edition, languages)
        # A cut of it (fit) shares its stories' key points: the same as made afresh.
        dropped = {edition.sections[0].stories[0].id}
        cut = kept.view(without(edition, dropped), ("fr", "nl"), left_out=1)
        fresh = EmailRenderer(settings).view(without(edition, dropped), ("fr", "nl"), left_out=1)
        assert cut == fresh


def test_an_edition_rendered_again_as_another_object_is_the_same(tmp_path: Path) -> None:
    renderer = EmailRenderer(settings_for(tmp_path))
    first, second = many_stories(12), many_stories(12)
    assert first is not second
    assert renderer.view(first, ("fr",)) == renderer.view(second, ("fr",))
    assert renderer.fit(first, ("fr", "nl")) == renderer.fit(second, ("fr", "nl"))


def test_wordwrap_is_jinjas(tmp_path: Path) -> None:
    renderer = EmailRenderer(settings_for(tmp_path))
    plain = jinja2.Environment(keep_trailing_newline=True)
    rng = random.Random(5)
    words = ["un", "hôpital", "a-b-c-d-e", "x" * 90, "l’outil", "\u00a0:", "", "\n"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 60))) for _ in range(200)]
    calls = [
        "{{ s | wordwrap(70) }}",
        '{{ s | wordwrap(70, wrapstring="\\n  ") }}',
        "{{ s | wordwrap(72, break_long_words=False, break_on_hyphens=False) }}",
        "{{ s | wordwrap }}",
        "{{ m | wordwrap(20) }}",
    ]
    for call in calls:
        ours, jinjas = renderer.env.from_string(call), plain.from_string(call)
        for text in texts + texts:  # the second time as kept
            values = {"s": text, "m": Markup(text)}
            assert ours.render(**values) == jinjas.render(**values)
