"""The lists of sources written in Python (:mod:`digest.render.views`, :mod:`digest.render.how`)
are byte for byte what the templates' loops over the same fields wrote, hostile values
included."""

from __future__ import annotations

import jinja2
import pytest

from digest.compress.marks import Mark
from digest.render.how import SourceLine
from digest.render.how_html import full_runs, source_rows
from digest.render.views import SourceView, sources_markup

#: The loops the templates had (email/digest.mjml.j2, web/edition.html.j2, web/how.html.j2).
EMAIL_LOOP = (
    '{%- for source in sources %} {% if source.url %}<a href="{{ source.url }}">'
    "{{ source.name }}</a>{% else %}{{ source.name }}{% endif %} ({{ source.lang }})"
    "{% if not loop.last %} &#183;{% endif %}{% endfor %}"
)
WEB_LOOP = EMAIL_LOOP.replace(" &#183;", " ·")
HOW_LOOP = """<ul class="plain">
          {%- for source in sources %}
          <li>{% if source.url %}<a href="{{ source.url }}" lang="{{ source.lang }}">{{ source.title }}</a>{% else %}<span lang="{{ source.lang }}">{{ source.title }}</span>{% endif %} · {{ source.name }} ({{ source.language }}){% if source.translation %} · {{ source.translation }}{% endif %}</li>
          {%- endfor %}
        </ul>"""

FULL_LOOP = """<p>
            {%- for run in runs -%}
            {%- if run.kind == "removed" -%}
            <del><span class="visually-hidden" lang="{{ lang }}">[{{ left_out_label }} </span>{{ run.text }}<span class="visually-hidden">]</span></del>
            {%- elif run.kind == "added" -%}
            <ins><span class="visually-hidden" lang="{{ lang }}">[{{ added_label }} </span>{{ run.text | trim }}<span class="visually-hidden">]</span></ins>{{ " " if run.text.endswith(" ") else "" }}
            {%- else -%}
            {{ run.text }}
            {%- endif -%}
            {%- endfor -%}
          </p>"""

HOSTILE = [
    "",
    "Le Soir",
    'a "quoted" <b>name</b> & co',
    "L'Écho · ‘curly’ \u00a0nbsp",
    "{{ not a template }} {% raw %}",
    "https://example.org/a?b=1&c=<2>#'x'",
    "javascript:alert('x')",
    "\t tabs\nand lines\r\n",
    "&amp; already &lt;escaped&gt;",
    "😀 emoji \u202f",
]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, keep_trailing_newline=True)


def _source_views() -> list[tuple[SourceView, ...]]:
    values = HOSTILE
    views = [
        SourceView(name, url, lang)
        for name in values
        for url, lang in zip(values[::-1], ["FR", "NL", '<"&>', ""] * 3, strict=False)
    ]
    return [(), views[:1], views[:2], tuple(views[5:9]), tuple(views)]


@pytest.mark.parametrize("separator,loop", [(" &#183;", EMAIL_LOOP), (" ·", WEB_LOOP)])
def test_sources_as_the_loops_wrote_them(separator: str, loop: str) -> None:
    template = _environment().from_string(loop)
    for sources in _source_views():
        assert str(sources_markup(tuple(sources), separator)) == template.render(sources=sources)


def test_how_sources_as_the_loop_wrote_them() -> None:
    template = _environment().from_string(HOW_LOOP)
    lines = [
        SourceLine(name, url, lang, language, title, translation)
        for name, url, lang, language, title, translation in zip(
            HOSTILE,
            HOSTILE[3:] + HOSTILE[:3],
            ["fr", "", '<"&>', "nl"] * 3,
            HOSTILE[5:] + HOSTILE[:5],
            HOSTILE[::-1],
            ["", "Machine translation from Dutch", "<&>"] * 4,
            strict=False,
        )
    ]
    for some in ([], lines[:1], lines[:3], lines):
        expected = template.render(sources=some)
        rows = source_rows(tuple(some))
        assert f'<ul class="plain">{rows}\n        </ul>' == expected


def test_point_view_lists_its_sources_once() -> None:
    from digest.render.views import PointView

    point = PointView("fr", "t", "u", "x", "m", sources=(SourceView("a", "", "FR"),))
    assert point.sources_email is point.sources_email
    assert point.sources_web == " a (FR)"


def test_web_sources_as_the_loop_wrote_them() -> None:
    from digest.render.views import PointView

    template = _environment().from_string(WEB_LOOP)
    for sources in _source_views():
        point = PointView("fr", "t", "u", "x", "m", sources=tuple(sources))
        assert str(point.sources_web) == template.render(sources=sources)


def test_full_runs_as_the_loop_wrote_them() -> None:
    template = _environment().from_string(FULL_LOOP)
    kinds = ["kept", "removed", "added", "added", "kept", "removed"]
    texts = [*HOSTILE, " lead", "tail ", " both ", "  ", " … "]
    runs = tuple(Mark(text, kind) for text, kind in zip(texts, kinds * 3, strict=False))  # type: ignore[arg-type]
    for some in ((), runs[:1], runs[:4], runs, runs[::-1]):
        for lang, left_out, added in (("fr", "omis :", "ajouté :"), ('<"&>', "<b>", "&amp;")):
            expected = template.render(
                runs=some, lang=lang, left_out_label=left_out, added_label=added
            )
            assert f"<p>{full_runs(some, lang, left_out, added)}</p>" == expected
