"""Front matters are read by libyaml's parser when PyYAML has it: the same values as
``yaml.safe_load``, and the same problems reported for those it refuses."""

from __future__ import annotations

import pytest
import yaml

from digest.sources.formats import BadArticle, split_front_matter

HEADERS = [
    "title: Été à Liège\npublished: 2024-03-05\ntags: [a, b]\n",
    "title: 'x'\npublished: 2024-03-05T10:00:00+01:00\nauthors:\n  - A\n  - B\n",
    "title: yes\nn: 0x1f\nf: 1e3\nempty:\nnull_: ~\nlong: |\n  two\n  lines\n",
    'title: "tab\\tand \\u00e9"\nurl: https://example.org/a?b=c#d\n',
]


@pytest.mark.parametrize("header", HEADERS)
def test_values_are_those_of_safe_load(header: str) -> None:
    meta, body = split_front_matter(f"---\n{header}---\nbody\n")
    assert meta == yaml.safe_load(header)
    assert body == "body\n"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("title: x\n  bad: [\n", "front matter is not valid YAML"),
        ("title: x\npublished: 2021-02-30\n", "front matter has an impossible date"),
        ("- a\n- b\n", "front matter is not a mapping of keys to values"),
    ],
)
def test_refused_headers_are_reported_as_the_pure_python_parser_says(
    header: str, message: str
) -> None:
    with pytest.raises(BadArticle) as caught:
        split_front_matter(f"---\n{header}---\nbody\n")
    assert str(caught.value).startswith(message)
    try:
        yaml.safe_load(header)
    except yaml.YAMLError as exc:  # the line named is the pure-Python parser's
        mark = getattr(exc, "problem_mark", None)
        assert mark is not None
        assert str(caught.value) == f"front matter is not valid YAML (line {mark.line + 2})"
    except ValueError:
        pass
