"""The cleaning rules' version: bumped whenever what they make of some text changes.

A stored item carries the version of the rules that cleaned it, and is read without
being cleaned again when that is the current one (:mod:`digest.recleaning`). So a change
of the rules that does not bump :data:`digest.clean.CLEANING_VERSION` would leave items
stored before it as they were: this test fails on such a change. It cleans a fixed set of
hostile strings with every rule and compares a digest of the results with the one
recorded for the current version. When it fails after a deliberate change of the rules:
bump the version and record the new digest beside it (keep the old ones).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from digest.clean import (
    BODY_SCHEMES,
    CLEANING_VERSION,
    clean_line,
    clean_text,
    has_markup,
    has_uncarried,
    plain_line,
    safe_link,
    uncarried_escaped,
)
from digest.model import Item
from digest.normalise import canonical_url, recleaned

#: The digest of the results, by the version of the rules that gives it.
DIGESTS = {
    1: "6da9d92543e504134bec469f24162d6efac6928b7c3170107eb0dcfb1ad3433c",
}

HOSTILE = (
    "",
    "   ",
    "plain title",
    "line\r\nbreak\rand\nmore\ttab",
    "nul\x00 bel\x07 esc\x1b[31m red del\x7f c1\x85\x9b",
    "nonchar\ufdd0\ufffe\uffff astral\U0001fffe\U0010ffff emoji\U0001f600",
    "lone \ud800 surrogate \udfff",
    "bom\ufeff ls\u2028 ps\u2029 nbsp\xa0 zwsp\u200b",
    "<b>bold</b> &amp; <i>it</i>",
    "x < y and y > z",
    "<script>alert(1)</script>after",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "&amp;amp;amp;lt;b&amp;amp;amp;gt;deep&amp;amp;amp;lt;/b&amp;amp;amp;gt;",
    "<!-- comment --> <!DOCTYPE x> <?php ?>",
    "<style>p{}</style><p>para</p>",
    "Caf&eacute; &#233; &#x1F600; &#0; &#x85;",
    "https://example.com/path?utm_source=x&a=1#frag",
    " HTTP://Example.COM/A B?fbclid=1&b=2 ",
    "http://exa\tmple.com/\nx",
    "javascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "JaVaScRiPt\x00:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "mailto:someone@example.com",
    "//example.com/no-scheme",
    "/relative/link",
    "http://",
    "http://[::1",
    "https://xn--caf-dma.example/\u00e9t\u00e9",
    "\x01https://example.com/\x1f",
)


def _results(text: str) -> list[object]:
    item = Item(
        id="src/1",
        source_id="src",
        source_name=text,
        url=text,
        title=text,
        published=datetime(2024, 1, 1, tzinfo=UTC),
        language="en",
        text=text,
        html=text,
        authors=(text, "ok"),
        tags=(text,),
    )
    again = recleaned(item)
    return [
        clean_text(text),
        clean_line(text),
        plain_line(text),
        has_markup(text),
        has_uncarried(text),
        uncarried_escaped(text),
        safe_link(text),
        safe_link(text, BODY_SCHEMES),
        canonical_url(text),
        [again.source_name, again.url, again.title, again.text, again.html],
        [again.authors, again.tags],
    ]


def cleaning_digest() -> str:
    """A digest of what every cleaning rule makes of :data:`HOSTILE`."""
    found = repr([_results(text) for text in HOSTILE])
    return hashlib.sha256(found.encode("ascii", "backslashreplace")).hexdigest()


def test_the_cleaning_rules_give_what_their_version_gave() -> None:
    assert DIGESTS.get(CLEANING_VERSION) == cleaning_digest(), (
        "the cleaning rules' output changed: bump digest.clean.CLEANING_VERSION and record "
        f"{cleaning_digest()!r} for it in DIGESTS"
    )


def test_what_the_rules_make_is_left_as_it_is_when_cleaned_again() -> None:
    for text in HOSTILE:
        item = Item(
            id="src/1",
            source_id="src",
            source_name=plain_line(text),
            url=canonical_url(link) if (link := safe_link(text)) else "",
            title=plain_line(text) or "untitled",
            published=datetime(2024, 1, 1, tzinfo=UTC),
            language="en",
            text=clean_text(text),
            html=clean_text(text),
        )
        assert recleaned(item) is item
