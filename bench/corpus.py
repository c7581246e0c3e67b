"""A synthetic, reproducible corpus of RSS 2.0 and Atom 1.0 feeds for the benchmarks.

Everything comes from one :class:`random.Random`, so the same seed writes the same bytes.
The text is made up from small French, Dutch and English word lists: it only has to look
like real feed content to the parsers, the sanitiser and the language detector.

Two shapes. ``full`` (the default) writes items the way most real feeds do: RSS items as
WordPress writes them (an excerpt in ``<description>``, the whole article in
``content:encoded``, comment links and counts, a thumbnail) and Atom entries with a
``<summary>`` and an HTML ``<content>``. ``lean`` writes only a short ``<description>`` or
``<content>`` per item, which flatters parsers less than any real feed does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

#: Items per feed file (the last file takes the remainder).
ITEMS_PER_FEED = 100
#: Share of the feed files written as Atom 1.0; the others are RSS 2.0.
ATOM_SHARE = 0.3
#: One item in this many carries a ``<script>`` for the sanitiser to remove.
SCRIPT_EVERY = 50
#: Share of the feeds that declare no language, so that the detector runs on their items.
UNDECLARED_SHARE = 0.1

WORDS: dict[str, tuple[str, ...]] = {
    "fr": tuple(
        """intelligence artificielle données modèle algorithme transparence éthique réseau
        frontière coopération entreprise recherche université citoyen administration santé
        mobilité énergie sécurité confiance innovation projet régional européen numérique
        apprentissage automatique décision juridique règlement évaluation rapport atelier
        partenaires développement stratégie formation public privé outil plateforme Bénélux
        collaboration à travers pour avec dans les des une nouvelle premier grand ouvert""".split()
    ),
    "nl": tuple(
        """kunstmatige intelligentie gegevens model algoritme transparantie ethiek netwerk
        grens samenwerking bedrijf onderzoek universiteit burger overheid gezondheid
        mobiliteit energie veiligheid vertrouwen innovatie project regionaal europees digitaal
        lerende beslissing wetgeving evaluatie verslag werkplaats partners ontwikkeling
        strategie opleiding publiek privé hulpmiddel platform Benelux bijeenkomst tussen voor
        met in de het een nieuwe eerste groot open gemeente ziekenhuis""".split()
    ),
    "en": tuple(
        """artificial intelligence data model algorithm transparency ethics network border
        cooperation company research university citizen administration health mobility
        energy security trust innovation project regional european digital learning decision
        legal regulation evaluation report workshop partners development strategy training
        public private tool platform Benelux meeting across for with in the a new first large
        open municipality hospital""".split()
    ),
}
AUTHORS = (
    "Anne Dubois",
    "Jan Peeters",
    "Sofie De Smet",
    "Luc Janssens",
    "Marie Lambert",
    "Pieter van den Berg",
    "Emma Willems",
    "Noah Maes",
)
CATEGORIES = ("ai", "ethics", "health", "mobility", "public-sector", "research", "cross-border")
#: UTC offsets the dates are written in, in minutes.
OFFSETS = (60, 120, 0, -300, 330)
START = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)
#: Span of the publication dates, in minutes (about four years).
SPAN_MINUTES = 4 * 365 * 24 * 60


@dataclass(frozen=True)
class Corpus:
    """The feed files written, and what they hold."""

    #: Feed files, in the order their ids were given (``bench-000``, ``bench-001``, ...).
    files: tuple[Path, ...]
    #: Items in all files together.
    items: int
    #: How many of the files are Atom (the rest are RSS).
    atom_files: int
    #: Size of all files together, in bytes.
    size: int


def feed_id(index: int) -> str:
    """The id of the ``index``-th feed file, also its file stem."""
    return f"bench-{index:03d}"


def write_corpus(folder: Path, items: int, rng: random.Random, *, lean: bool = False) -> Corpus:
    """Write ``items`` feed items, ``ITEMS_PER_FEED`` per file, into ``folder``.

    Args:
        folder: created if missing.
        items: how many items in all (at least 1).
        rng: the only source of randomness; seed it for reproducible files.
        lean: write the ``lean`` shape (see the module's docstring).

    Returns:
        The files written and their totals.
    """
    folder.mkdir(parents=True, exist_ok=True)
    feeds = max(1, math.ceil(items / ITEMS_PER_FEED))
    atom = round(feeds * ATOM_SHARE)
    kinds = ["atom"] * atom + ["rss"] * (feeds - atom)
    rng.shuffle(kinds)
    files: list[Path] = []
    size = 0
    serial = 0
    for index, kind in enumerate(kinds):
        count = min(ITEMS_PER_FEED, items - index * ITEMS_PER_FEED)
        language = rng.choice(("fr", "nl", "en"))
        declared = rng.random() >= UNDECLARED_SHARE
        entries = [_entry(rng, language, index, serial + n, lean) for n in range(count)]
        serial += count
        writer = _atom if kind == "atom" else _rss
        data = writer(index, language if declared else None, entries).encode("utf-8")
        path = folder / f"{feed_id(index)}.{'atom' if kind == 'atom' else 'rss'}"
        path.write_bytes(data)
        files.append(path)
        size += len(data)
    return Corpus(tuple(files), items, atom, size)


@dataclass(frozen=True)
class _Entry:
    serial: int
    title: str
    link: str
    guid: str
    published: datetime
    html: str
    #: The excerpt feeds put beside the whole article; empty in the lean shape.
    summary: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]


def _entry(rng: random.Random, language: str, feed: int, serial: int, lean: bool) -> _Entry:
    words = WORDS[language]
    title = _sentence(rng, words, 4, 9).rstrip(".")
    slug = "-".join(title.lower().split()[:5])
    link = f"https://bench.example/{language}/{feed:03d}/{serial:06d}-{slug}"
    if rng.random() < 0.2:
        # Tracking parameters, for the link canonicaliser to strip.
        link += "?utm_source=rss&utm_medium=feed&ref=bench"
    offset = timezone(timedelta(minutes=rng.choice(OFFSETS)))
    published = (START + timedelta(minutes=rng.randrange(SPAN_MINUTES))).astimezone(offset)
    # A short item, or (full shape) a whole article of 3 to 12 paragraphs.
    count = rng.randint(2, 6) if lean else rng.randint(8, 30)
    sentences = [_sentence(rng, words, 6, 16) for _ in range(count)]
    html = _html(rng, words, sentences, serial)
    summary = "" if lean else " ".join(" ".join(sentences[:2]).split()[:40]) + " [&#8230;]"
    authors = tuple(rng.sample(AUTHORS, rng.randint(1, 2))) if rng.random() < 0.6 else ()
    categories = tuple(rng.sample(CATEGORIES, rng.randint(1, 3))) if rng.random() < 0.5 else ()
    guid = f"bench-{serial:06d}"
    return _Entry(serial, title, link, guid, published, html, summary, authors, categories)


def _sentence(rng: random.Random, words: Sequence[str], shortest: int, longest: int) -> str:
    chosen = [rng.choice(words) for _ in range(rng.randint(shortest, longest))]
    return " ".join(chosen).capitalize() + "."


def _html(rng: random.Random, words: Sequence[str], sentences: list[str], serial: int) -> str:
    parts: list[str] = []
    for sentence in sentences:
        tokens = sentence.split()
        spot = rng.randrange(len(tokens))
        roll = rng.random()
        if roll < 0.3:
            tokens[spot] = f"<b>{tokens[spot]}</b>"
        elif roll < 0.5:
            ref = rng.randrange(100_000)
            tokens[spot] = f'<a href="https://bench.example/ref/{ref}">{tokens[spot]}</a>'
        elif roll < 0.55:
            tokens[spot] = "R&amp;D"
        parts.append(" ".join(tokens))
    # Two or three sentences per paragraph, as feeds usually have.
    paragraphs: list[str] = []
    while parts:
        size = rng.choice((2, 3))
        paragraphs.append(" ".join(parts[:size]))
        parts = parts[size:]
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    if serial % SCRIPT_EVERY == 0:
        html += '<script>document.write("bench")</script>'
    return html


def _rss(index: int, language: str | None, entries: list[_Entry]) -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
        ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:media="http://search.yahoo.com/mrss/">',
        "<channel>",
        f"<title>Bench feed {index:03d}</title>",
        f"<link>https://bench.example/feeds/{index:03d}</link>",
        "<description>A synthetic feed for the ingest benchmark</description>",
        f'<atom:link href="https://bench.example/feeds/{index:03d}/feed" rel="self"'
        ' type="application/rss+xml"/>',
        "<generator>https://wordpress.org/?v=6.4</generator>",
    ]
    if language:
        lines.append(f"<language>{language}</language>")
    for e in entries:
        lines.append("<item>")
        lines.append(f"<title>{escape(e.title)}</title>")
        lines.append(f"<link>{escape(e.link)}</link>")
        lines.append(f'<guid isPermaLink="false">{e.guid}</guid>')
        lines.append(f"<pubDate>{format_datetime(e.published)}</pubDate>")
        lines.extend(f"<dc:creator><![CDATA[{a}]]></dc:creator>" for a in e.authors)
        lines.extend(f"<category><![CDATA[{c}]]></category>" for c in e.categories)
        if e.summary:  # WordPress: excerpt, whole article, comments, a thumbnail
            page = e.link.split("?")[0]
            lines.append(f"<comments>{escape(page)}#respond</comments>")
            lines.append(f"<description><![CDATA[{e.summary}]]></description>")
            lines.append(f"<content:encoded><![CDATA[{e.html}]]></content:encoded>")
            lines.append(f"<wfw:commentRss>{escape(page)}/feed/</wfw:commentRss>")
            lines.append(f"<slash:comments>{e.serial % 7}</slash:comments>")
            lines.append(
                f'<media:thumbnail url="https://bench.example/img/{e.serial:06d}.jpg"'
                ' width="150" height="150"/>'
            )
        else:
            lines.append(f"<description>{escape(e.html)}</description>")
        lines.append("</item>")
    lines += ["</channel>", "</rss>", ""]
    return "\n".join(lines)


def _atom(index: int, language: str | None, entries: list[_Entry]) -> str:
    lang = f" xml:lang={quoteattr(language)}" if language else ""
    updated = max(e.published for e in entries).isoformat()
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom"{lang}>',
        f"<title>Bench feed {index:03d}</title>",
        f"<id>https://bench.example/feeds/{index:03d}</id>",
        f'<link href="https://bench.example/feeds/{index:03d}"/>',
        f"<updated>{updated}</updated>",
    ]
    for e in entries:
        lines.append("<entry>")
        lines.append(f"<title>{escape(e.title)}</title>")
        lines.append(f'<link rel="alternate" type="text/html" href={quoteattr(e.link)}/>')
        lines.append(f"<id>tag:bench.example,2021:{e.guid}</id>")
        if e.summary:
            lines.append(f"<published>{e.published.isoformat()}</published>")
        lines.append(f"<updated>{e.published.isoformat()}</updated>")
        lines.extend(
            f"<author><name>{escape(a)}</name><uri>https://bench.example/people/"
            f"{a.lower().replace(' ', '-')}</uri></author>"
            for a in e.authors
        )
        lines.extend(f"<category term={quoteattr(c)}/>" for c in e.categories)
        if e.summary:
            lines.append(f'<summary type="html">{escape(e.summary)}</summary>')
            page = e.link.split("?")[0]
            lines.append(
                f'<link rel="replies" type="text/html" href={quoteattr(page + "#comments")}/>'
            )
        lines.append(f'<content type="html">{escape(e.html)}</content>')
        lines.append("</entry>")
    lines += ["</feed>", ""]
    return "\n".join(lines)
