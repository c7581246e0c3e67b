"""The escaping of HTML written in Python is Jinja's autoescape (markupsafe), byte for byte."""

from __future__ import annotations

import random

import pytest
from markupsafe import Markup, escape

from digest.render.escaping import escaped


class _Html:
    def __html__(self) -> str:
        return "<b>as it is</b>"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        'Le Soir & co <l\'\u00e9dition "du soir">',
        "&amp; already escaped &#39;",
        "\u00a0\u202f\u2019 \U0001f600 \x00\t\n",
        Markup("<i>kept</i>"),
        _Html(),
        3,
        0.25,
        None,
    ],
)
def test_a_value_is_escaped_as_markupsafe_escapes_it(value: object) -> None:
    assert escaped(value) == str(escape(value))
    assert type(escaped(value)) is str


def test_random_strings_of_the_escaped_characters() -> None:
    choose = random.Random(15).choice
    for _ in range(2000):
        text = "".join(choose("&<>'\"a \u00e9;#") for _ in range(12))
        assert escaped(text) == str(escape(text))
