"""A seeded digest tree of realistic news for the scale benchmark (``bench/scale.py``).

The text is the sample's own: each story starts from one of the sample's article files
(``sources/articles``, written from the seed pages in ``shared/seeds``), keeps most of its
sentences, takes a few from other articles of the same language and names a place, so
that stories differ from each other while reading like the sample and matching its themes
about as often. A story is told by one to four sources (feed items in feeds of its
language), each version slightly reworded (a sentence dropped, two swapped, connectives
changed): the near-duplicates. Some stories are translated: a French and a Dutch article
file, the Dutch one naming the French one in ``translation_of``, as the sample links its
translations. A few items are general news (the sample's articles labelled with no theme).

Everything comes from one :class:`random.Random`, so a seed writes the same bytes.
Feed files are written by :mod:`corpus` (the ingest benchmark's RSS and Atom writers).
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from corpus import _atom, _Entry, _rss

ROOT = Path(__file__).resolve().parent.parent
FEEDS = 200
#: Languages of the feeds, in shares (the sample's articles are about 40 % fr, 48 % nl).
FEED_LANGUAGES = (("fr", 0.4), ("nl", 0.45), ("en", 0.15))
ATOM_SHARE = 0.3
#: Sources of a story: 1 to 4, in these shares.
VERSIONS = ((1, 0.55), (2, 0.25), (3, 0.12), (4, 0.08))
#: Share of stories told as a French and a Dutch article file (translations).
TRANSLATED_SHARE = 0.05
#: Share of the other items written as article files rather than feed items.
ARTICLE_SHARE = 0.03
FIRST = datetime(2021, 1, 1, 6, 0, tzinfo=UTC)
LAST = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
OFFSETS = (60, 120, 0)
#: Places named in titles and bodies, so that stories from one article differ.
PLACES = {
    "fr": ("Liège", "Namur", "Charleroi", "Mons", "Arlon", "Bruxelles", "Luxembourg", "Tournai",
           "Esch-sur-Alzette", "Wavre", "Louvain-la-Neuve", "Verviers", "Nivelles", "Dinant"),
    "nl": ("Gent", "Antwerpen", "Leuven", "Hasselt", "Brugge", "Mechelen", "Utrecht", "Eindhoven",
           "Rotterdam", "Maastricht", "Groningen", "Tilburg", "Kortrijk", "Genk", "Zwolle"),
    "en": ("Brussels", "Amsterdam", "Luxembourg", "Ghent", "Antwerp", "The Hague", "Rotterdam",
           "Leuven", "Delft", "Liège", "Utrecht", "Eindhoven", "Namur", "Maastricht", "Mons"),
}  # fmt: skip
LEADS = {
    "fr": ("{place} : ", "À {place}, ", "{place} — "),
    "nl": ("{place}: ", "In {place}: ", "{place} — "),
    "en": ("{place}: ", "In {place}, ", "{place} — "),
}
#: Rewordings of near-duplicates: (word, replacement), whole words only.
SYNONYMS = {
    "fr": (("aussi", "également"), ("selon", "d'après"), ("mais", "toutefois"),
           ("présenté", "dévoilé"), ("projet", "programme"), ("annoncé", "fait savoir"),
           ("environ", "quelque"), ("plusieurs", "différents"), ("rapport", "document")),
    "nl": (("ook", "eveneens"), ("volgens", "naar"), ("maar", "echter"), ("project", "programma"),
           ("voorgesteld", "gepresenteerd"), ("ongeveer", "zowat"), ("verschillende", "diverse"),
           ("rapport", "verslag"), ("gemeenten", "steden en gemeenten")),
    "en": (("also", "as well"), ("according to", "as reported by"), ("but", "however"),
           ("project", "programme"), ("presented", "unveiled"), ("about", "around"),
           ("several", "various"), ("report", "study")),
}  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!?»\"])\s+(?=[A-ZÀ-ÖØ-Ý«\"'0-9])")
_YEAR = re.compile(r"\b202[0-5]\b")


@dataclass(frozen=True)
class Base:
    """A sample article a story starts from."""

    stem: str
    language: str
    title: str
    #: Sentences, per paragraph.
    paragraphs: tuple[tuple[str, ...], ...]
    source: str
    #: Stem of the French original of a Dutch translation, or of the Dutch translation
    #: of a French original (the pair is read from both sides).
    pair: str | None
    general: bool


@dataclass(frozen=True)
class Item:
    """One generated item: a feed entry (``feed`` set) or an article file."""

    serial: int
    language: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    source: str
    feed: int | None = None
    #: Article file stem (article files only), and the stem of its original.
    stem: str = ""
    translation_of: str | None = None


@dataclass(frozen=True)
class ScaleCorpus:
    """What :func:`write_tree` wrote."""

    root: Path
    items: int
    feed_items: int
    article_files: int
    feeds: int
    stories: int
    #: Items that are another source's version of a story already told.
    near_duplicates: int
    #: Dutch article files that are translations of a French one.
    translations: int
    bytes: int


def load_bases(articles: Path = ROOT / "sources" / "articles") -> tuple[Base, ...]:
    """The sample's Markdown articles, split into paragraphs and sentences."""
    bases: list[Base] = []
    for path in sorted(articles.glob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        meta = yaml.safe_load(front)
        paragraphs = tuple(
            tuple(_SENTENCE.split(" ".join(block.split())))
            for block in body.strip().split("\n\n")
            if block.strip()
        )
        themes = meta.get("themes")
        bases.append(
            Base(
                path.stem,
                str(meta["lang"]),
                str(meta["title"]),
                paragraphs,
                str(meta.get("source") or "Benelux AI Desk"),
                meta.get("translation_of"),
                themes is not None and not themes,
            )
        )
    originals = {b.pair: b.stem for b in bases if b.pair}
    return tuple(replace(b, pair=b.pair or originals.get(b.stem)) for b in bases)


class Generator:
    """Stories and their versions, from one seeded :class:`random.Random`."""

    def __init__(self, rng: random.Random, bases: Sequence[Base], feeds: int = FEEDS) -> None:
        self.rng = rng
        self.bases = tuple(bases)
        self.by_stem = {b.stem: b for b in self.bases}
        self.by_language = {
            lang: tuple(b for b in self.bases if b.language == lang) for lang in PLACES
        }
        self.pairs = tuple(
            (self.by_stem[b.pair], b)
            for b in self.bases
            if b.pair and b.language == "nl" and b.pair in self.by_stem
        )
        weights = [w for _, w in FEED_LANGUAGES]
        self.feed_languages = tuple(
            rng.choices([lang for lang, _ in FEED_LANGUAGES], weights)[0] for _ in range(feeds)
        )
        self.feed_kinds = tuple(
            "atom" if rng.random() < ATOM_SHARE else "rss" for _ in range(feeds)
        )
        self.serial = 0
        self.stories = 0
        self.near_duplicates = 0
        self.translations = 0

    def items(
        self, count: int, first: datetime, last: datetime, feeds: Sequence[int]
    ) -> list[Item]:
        """``count`` items of stories dated between ``first`` and ``last``, in ``feeds``."""
        out: list[Item] = []
        span = int((last - first).total_seconds() // 60)
        while len(out) < count:
            when = first + timedelta(minutes=self.rng.randrange(span))
            left = count - len(out)
            if left >= 2 and self.pairs and self.rng.random() < TRANSLATED_SHARE:
                out += self._translated(when)
            else:
                out += self._story(when, left, feeds)
            self.stories += 1
        return out

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def _story(self, when: datetime, left: int, feeds: Sequence[int]) -> list[Item]:
        rng = self.rng
        feed_languages = {self.feed_languages[f] for f in feeds}
        language = rng.choice(sorted(feed_languages))
        mine = [f for f in feeds if self.feed_languages[f] == language]
        base = rng.choice(self.by_language[language])
        others = self.by_language[language]
        place = rng.choice(PLACES[language])
        paragraphs = [
            [s for i, s in enumerate(p) if (n == 0 and i == 0) or rng.random() < 0.75]
            for n, p in enumerate(base.paragraphs)
        ]
        for _ in range(rng.randint(1, 3)):  # sentences of other articles of the language
            other = rng.choice(others)
            paragraph = rng.choice(other.paragraphs)
            rng.choice(paragraphs[1:] or paragraphs).append(rng.choice(paragraph))
        paragraphs = [p for p in paragraphs if p]
        paragraphs[0][0] = rng.choice(LEADS[language]).format(place=place) + paragraphs[0][0]
        title = rng.choice(LEADS[language]).format(place=place) + base.title
        versions = rng.choices([v for v, _ in VERSIONS], [w for _, w in VERSIONS])[0]
        versions = min(versions, left, len(mine))
        sources = rng.sample(mine, versions)
        items: list[Item] = []
        for index, feed in enumerate(sources):
            text = paragraphs if index == 0 else self._reword(paragraphs, language)
            published = when + timedelta(minutes=rng.randrange(0, 36 * 60)) if index else when
            year = str(published.year)
            body = tuple(_YEAR.sub(year, " ".join(p)) for p in text)
            serial = self._next()
            as_article = rng.random() < ARTICLE_SHARE
            items.append(
                Item(
                    serial,
                    language,
                    _YEAR.sub(year, title),
                    body,
                    published,
                    base.source,
                    feed=None if as_article else feed,
                    stem=_stem(published, base.stem, serial) if as_article else "",
                )
            )
        self.near_duplicates += len(items) - 1
        return items

    def _translated(self, when: datetime) -> list[Item]:
        rng = self.rng
        original, translation = rng.choice(self.pairs)
        count = min(len(original.paragraphs), len(translation.paragraphs))
        keep = [0] + [i for i in range(1, count) if rng.random() < 0.8]
        year = str(when.year)
        source = original.source
        fr_serial, nl_serial = self._next(), self._next()
        fr_stem = _stem(when, original.stem, fr_serial)
        items = []
        for base, serial, stem, of in (
            (original, fr_serial, fr_stem, None),
            (translation, nl_serial, _stem(when, translation.stem, nl_serial), fr_stem),
        ):
            body = tuple(_YEAR.sub(year, " ".join(base.paragraphs[i])) for i in keep)
            title = f"{_YEAR.sub(year, base.title)} ({serial:06d})"
            items.append(
                Item(serial, base.language, title, body, when, source, stem=stem, translation_of=of)
            )
        self.translations += 1
        return items

    def _reword(self, paragraphs: list[list[str]], language: str) -> list[list[str]]:
        rng = self.rng
        out = [list(p) for p in paragraphs]
        sentences = [(i, j) for i, p in enumerate(out) for j in range(len(p)) if (i, j) != (0, 0)]
        if sentences and rng.random() < 0.7:
            i, j = rng.choice(sentences)
            del out[i][j]
        swappable = [p for p in out[1:] if len(p) > 1]
        if swappable and rng.random() < 0.5:
            p = rng.choice(swappable)
            k = rng.randrange(len(p) - 1)
            p[k], p[k + 1] = p[k + 1], p[k]
        for word, other in rng.sample(SYNONYMS[language], 3):
            pattern = re.compile(rf"\b{re.escape(word)}\b")
            out = [[pattern.sub(other, s) for s in p] for p in out]
        return [p for p in out if p]


def _stem(when: datetime, base: str, serial: int) -> str:
    # The base's stem starts with its own year and month and ends with its language.
    *words, language = base.split("-")
    return f"{when:%Y-%m}-{'-'.join(words[2:])}-{serial:06d}-{language}"


def write_tree(
    root: Path, items: int, seed: int = 1234, *, feeds: int = FEEDS, first: datetime = FIRST
) -> ScaleCorpus:
    """Write a digest tree of ``items`` items, dated from ``first`` to the end of 2025, into
    the new folder ``root``.

    The tree holds the sample's ``digest.toml``, ``themes.toml`` and ``templates/``, and
    ``sources/`` with ``feeds.toml``, ``feeds`` files of feed items over 2021-2025 and
    article files in ``articles/``.
    """
    root.mkdir(parents=True)
    for name in ("digest.toml", "themes.toml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "templates", root / "templates")
    sources = root / "sources"
    (sources / "articles").mkdir(parents=True)
    (sources / "feeds").mkdir()
    generator = Generator(random.Random(seed), load_bases(), feeds)
    made = generator.items(items, first, LAST, range(feeds))
    by_feed: dict[int, list[Item]] = {f: [] for f in range(feeds)}
    size = 0
    articles = 0
    for item in made:
        if item.feed is None:
            size += _write_article(sources / "articles", item)
            articles += 1
        else:
            by_feed[item.feed].append(item)
    for feed, entries in by_feed.items():
        size += write_feed(sources, generator, feed, entries)
    lines = ["# Feeds of the scale benchmark (bench/scale_corpus.py)."]
    for feed in range(feeds):
        lines += [
            "[[feeds]]",
            f'id = "{feed_name(feed)}"',
            f'title = "Bench {generator.feed_languages[feed]} {feed:03d}"',
            f'location = "{feed_path(generator, feed)}"',
            "",
        ]
    (sources / "feeds.toml").write_text("\n".join(lines), encoding="utf-8")
    return ScaleCorpus(
        root,
        len(made),
        len(made) - articles,
        articles,
        feeds,
        generator.stories,
        generator.near_duplicates,
        generator.translations,
        size,
    )


def feed_name(feed: int) -> str:
    return f"scale-{feed:03d}"


def feed_path(generator: Generator, feed: int) -> str:
    return f"feeds/{feed_name(feed)}.{generator.feed_kinds[feed]}"


def write_feed(sources: Path, generator: Generator, feed: int, items: Sequence[Item]) -> int:
    """Write (or replace) feed file ``feed`` with ``items``; returns its size in bytes."""
    items = sorted(items, key=lambda i: (i.published, i.serial), reverse=True)
    entries = [_entry(item, feed) for item in items]
    language = generator.feed_languages[feed]
    if generator.feed_kinds[feed] == "atom":
        # An Atom feed's <updated> is its newest entry's: an empty one is written as RSS.
        text = _atom(feed, language, entries) if entries else _rss(feed, language, entries)
    else:
        text = _rss(feed, language, entries)
    data = text.encode("utf-8")
    (sources / feed_path(generator, feed)).write_bytes(data)
    return len(data)


def _entry(item: Item, feed: int) -> _Entry:
    offset = timezone(timedelta(minutes=OFFSETS[item.serial % len(OFFSETS)]))
    html = "".join(f"<p>{escape(p)}</p>" for p in item.paragraphs)
    summary = escape(" ".join(item.paragraphs[0].split()[:40])) + " [&#8230;]"
    slug = "-".join(re.findall(r"\w+", item.title.lower())[:6])
    return _Entry(
        serial=item.serial,
        title=item.title,
        link=f"https://{feed_name(feed)}.example/{item.published:%Y/%m}/{item.serial:07d}-{slug}",
        guid=f"{feed_name(feed)}-{item.serial:07d}",
        published=item.published.astimezone(offset),
        html=html,
        summary=summary,
        authors=(),
        categories=(),
    )


def _write_article(folder: Path, item: Item) -> int:
    when = item.published.astimezone(timezone(timedelta(hours=1)))
    front = [
        "---",
        f"title: {_quoted(item.title)}",
        f"date: {when.isoformat()}",
        f"url: https://articles.example/{item.language}/{item.stem}",
        f"lang: {item.language}",
        f"source: {_quoted(item.source)}",
    ]
    if item.translation_of:
        front.append(f"translation_of: {item.translation_of}")
    text = "\n".join([*front, "---", "\n\n".join(item.paragraphs), ""])
    data = text.encode("utf-8")
    (folder / f"{item.stem}.md").write_bytes(data)
    return len(data)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_items(
    root: Path, count: int, week: date, seed: int, *, tree_seed: int = 1234, feeds: int = 10
) -> int:
    """Replace ``feeds`` feed files of the tree at ``root`` with ``count`` new items dated in
    the week starting on ``week`` (up to the corpus's last day), as live feeds show only
    their newest items; the store keeps the older ones. Returns the items written."""
    generator = Generator(random.Random(tree_seed), load_bases(), FEEDS)  # the tree's feeds
    generator.rng = random.Random(seed)
    generator.serial = 10_000_000 + seed * 100_000
    chosen = sorted(generator.rng.sample(range(FEEDS), feeds))
    first = datetime.combine(week, datetime.min.time(), UTC) + timedelta(hours=6)
    last = min(first + timedelta(days=6, hours=12), LAST)
    made = generator.items(count, first, last, chosen)
    sources = root / "sources"
    for feed in chosen:
        write_feed(sources, generator, feed, [i for i in made if i.feed == feed])
    for item in made:
        if item.feed is None:
            _write_article(sources / "articles", item)
    return len(made)


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


LAST_WEEK = week_of(LAST.date())
