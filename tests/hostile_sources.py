"""Hostile sources for a copy of the sample tree: XSS vectors in every field a source controls.

The vectors (``tests/data/hostile/xss-vectors.txt``) are dealt into :data:`GROUPS` groups.
Each of five kinds of source (a JSON article list, Markdown articles, HTML pages, a local
RSS feed and a local Atom feed) gets one item per group, each item carrying its group's
vectors in its title, source name, authors, tags (categories), guid and body, and one
link vector as its link (and as ``href``/``src`` in its body). Each kind lands in its own
week, Tuesday to Thursday, so that the same vectors are never within the clustering
window of each other (:data:`digest.cluster.WINDOW`) and every item stays its own story;
each item has its own topic paragraph, in scope and in a theme of the sample taxonomy.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

VECTORS = Path(__file__).resolve().parent / "data" / "hostile" / "xss-vectors.txt"
#: Items per kind of source; the vectors are dealt into this many groups.
GROUPS = 12
#: The Monday of the first hostile week (2024-W02); kind number k uses week W02 + k.
FIRST_MONDAY = date(2024, 1, 8)
#: ``digest build`` range of both builds: the hostile weeks and three sample editions.
RANGE = ("--since", "2023-12-01", "--until", "2024-03-31")
#: Where the hostile sources are written, relative to the tree.
ARTICLES = Path("sources/articles/hostile")
RSS = Path("sources/feeds/hostile.rss")
ATOM = Path("sources/feeds/hostile.atom")
KINDS = ("json", "markdown", "html", "rss", "atom")

_CHARACTER = re.compile(r"\{U\+([0-9A-Fa-f]{4,6})\}")

# One paragraph per group, each about AI in public administration and leaning to one theme
# of the sample taxonomy, so that the scope admits every item and the sections share them.
TOPICS = (
    "Une commune utilise l'intelligence artificielle pour répondre aux habitants : "
    "l'administration communale publie le registre de ses algorithmes et forme ses agents.",
    "Le comité d'éthique de l'administration demande que chaque décision automatisée par "
    "l'intelligence artificielle soit expliquée aux citoyens et contrôlée par un humain.",
    "L'administration fiscale partage des données personnelles pour entraîner un modèle "
    "d'intelligence artificielle ; l'autorité de protection des données enquête.",
    "Les syndicats de la fonction publique négocient la formation des agents à "
    "l'intelligence artificielle et l'avenir de l'emploi dans l'administration.",
    "Les entreprises et les PME reçoivent une aide à l'investissement pour adopter "
    "l'intelligence artificielle, gérée par l'administration régionale de l'économie.",
    "L'administration des transports teste l'intelligence artificielle pour planifier les "
    "trains, les bus et le trafic des camions sur les autoroutes et dans les ports.",
    "Le gestionnaire du réseau électrique et l'administration de l'énergie utilisent "
    "l'intelligence artificielle pour prévoir la congestion du réseau et la demande.",
    "Les hôpitaux publics et l'administration de la santé évaluent l'intelligence "
    "artificielle pour le triage des patients aux urgences et la lecture des radiographies.",
    "La Belgique, les Pays-Bas et le Luxembourg coopèrent au sein du Benelux : leurs "
    "administrations partagent leurs outils d'intelligence artificielle transfrontaliers.",
    "Le règlement européen sur l'intelligence artificielle, l'AI Act, impose à "
    "l'administration un inventaire des systèmes à haut risque avant son entrée en vigueur.",
    "La police et l'administration de la justice examinent la reconnaissance faciale et "
    "l'intelligence artificielle dans les enquêtes, sous le contrôle d'un juge.",
    "Les écoles et l'administration de l'enseignement encadrent l'usage de l'intelligence "
    "artificielle générative par les élèves et les enseignants.",
)


@dataclass(frozen=True)
class Vector:
    """One XSS vector and its category in the vectors file."""

    category: str
    text: str


@dataclass(frozen=True)
class HostileItem:
    """One item a hostile source is made to publish."""

    kind: str
    group: int
    day: date
    title: str
    link: str
    vectors: tuple[Vector, ...]

    @property
    def body(self) -> str:
        """The item's body as HTML: its topic, then each vector, then its links as markup."""
        links = [v.text for v in self.vectors if v.category == "links"] + [self.link]
        return "\n".join(
            [f"<p>{html.escape(TOPICS[self.group])}</p>"]
            + [f"<p>{v.text}</p>" for v in self.vectors]
            + [
                f'<p><a href="{html.escape(link)}">lien</a> <img src="{html.escape(link)}"></p>'
                for link in links
            ]
        )


def load_vectors(path: Path = VECTORS) -> list[Vector]:
    """The vectors of the file, ``{U+XXXX}`` replaced by the character it names."""
    vectors = []
    category = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# category:"):
            category = line.split(":", 1)[1].strip()
        elif line.strip() and not line.startswith("#"):
            vectors.append(Vector(category, _CHARACTER.sub(lambda m: chr(int(m[1], 16)), line)))
    return vectors


def hostile_items(vectors: list[Vector]) -> list[HostileItem]:
    """Every item of every kind, the vectors dealt into groups and links cycled."""
    links = [v.text for v in vectors if v.category == "links"]
    items = []
    for k, kind in enumerate(KINDS):
        monday = FIRST_MONDAY + timedelta(weeks=k)
        for group in range(GROUPS):
            mine = tuple(vectors[group::GROUPS])
            items.append(
                HostileItem(
                    kind=kind,
                    group=group,
                    day=monday + timedelta(days=1 + group % 3),
                    title=" ".join(v.text for v in mine),
                    link=links[(k * GROUPS + group) % len(links)],
                    vectors=mine,
                )
            )
    return items


def write_hostile_sources(tree: Path, items: list[HostileItem]) -> None:
    """Write every hostile source into the sample tree at ``tree`` and list its feeds."""
    folder = tree / ARTICLES
    folder.mkdir(parents=True)
    by_kind = {kind: [i for i in items if i.kind == kind] for kind in KINDS}
    (folder / "vectors.json").write_text(_json_articles(by_kind["json"]), encoding="utf-8")
    for item in by_kind["markdown"]:
        path = folder / f"markdown-{item.group:02}.md"
        path.write_text(_markdown_article(item), encoding="utf-8")
    for item in by_kind["html"]:
        path = folder / f"page-{item.group:02}.html"
        path.write_text(_html_article(item), encoding="utf-8")
    (tree / RSS).write_text(_rss(by_kind["rss"]), encoding="utf-8")
    (tree / ATOM).write_text(_atom(by_kind["atom"]), encoding="utf-8")
    with (tree / "sources" / "feeds.toml").open("a", encoding="utf-8") as feeds:
        # No title here: the feed's own (hostile) title becomes the source name.
        feeds.write(
            '\n[[feeds]]\nid = "hostile-rss"\nlocation = "feeds/hostile.rss"\n'
            '\n[[feeds]]\nid = "hostile-atom"\nlocation = "feeds/hostile.atom"\n'
        )


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T10:00:00+01:00"


def _json_articles(items: list[HostileItem]) -> str:
    objects = [
        {
            "title": item.title,
            "date": _stamp(item.day),
            "url": item.link,
            "lang": "fr",
            "source": item.title,
            "authors": [v.text for v in item.vectors],
            "tags": [v.text for v in item.vectors],
            "html": item.body,
        }
        for item in items
    ]
    return json.dumps(objects, ensure_ascii=False, indent=1)


def _markdown_article(item: HostileItem) -> str:
    # JSON strings are YAML double-quoted scalars: any character survives, escaped.
    front = {
        "title": item.title,
        "date": _stamp(item.day),
        "url": item.link,
        "lang": "fr",
        "source": item.title,
        "authors": [v.text for v in item.vectors],
        "tags": [v.text for v in item.vectors],
    }
    lines = ["---"] + [f"{key}: {json.dumps(value)}" for key, value in front.items()] + ["---"]
    links = [v.text for v in item.vectors if v.category == "links"] + [item.link]
    body = [TOPICS[item.group]] + [v.text for v in item.vectors]
    body += [f"[lien]({link}) <{link}>" for link in links]
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"


def _html_article(item: HostileItem) -> str:
    def attr(text: str) -> str:
        return html.escape(text, quote=True)

    head = [
        f"<title>{html.escape(item.title)}</title>",
        f'<meta property="og:site_name" content="{attr(item.title)}">',
        f'<meta name="author" content="{attr(item.title)}">',
        f'<link rel="canonical" href="{attr(item.link)}">',
        f'<meta property="article:published_time" content="{_stamp(item.day)}">',
    ] + [f'<meta property="article:tag" content="{attr(v.text)}">' for v in item.vectors]
    # The topic comes first: a vector that opens a comment or a <textarea> swallows the rest.
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">\n'
        + "\n".join(head)
        + f"\n</head><body><article><h1>{html.escape(item.title)}</h1>\n"
        + f"<p>{html.escape(TOPICS[item.group])} {html.escape(TOPICS[item.group])}</p>\n"
        + item.body
        + "\n</article></body></html>\n"
    )


def _xml_text(text: str) -> str:
    """``text`` escaped for XML; a character XML cannot hold is written as a reference
    (not well-formed, which the lenient parser then reads anyway, as real feeds do)."""
    escaped = html.escape(text, quote=True)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", lambda m: f"&#{ord(m[0])};", escaped)


def _rss(items: list[HostileItem]) -> str:
    entries = []
    for item in items:
        categories = "".join(f"<category>{_xml_text(v.text)}</category>" for v in item.vectors)
        entries.append(
            f"<item><title>{_xml_text(item.title)}</title>"
            f"<link>{_xml_text(item.link)}</link>"
            f'<guid isPermaLink="false">{_xml_text(item.title)} #{item.group}</guid>'
            f"<pubDate>{item.day:%a, %d %b %Y} 10:00:00 +0100</pubDate>"
            f"<author>x@hostile.example ({_xml_text(item.title)})</author>"
            f"{categories}<description>{_xml_text(item.body)}</description></item>"
        )
    channel_title = _xml_text(" ".join(v.text for v in items[0].vectors[:4]))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{channel_title}</title><link>https://hostile.example/</link>"
        "<language>fr</language>\n" + "\n".join(entries) + "\n</channel></rss>\n"
    )


def _atom(items: list[HostileItem]) -> str:
    entries = []
    for item in items:
        categories = "".join(f'<category term="{_xml_text(v.text)}"/>' for v in item.vectors)
        entries.append(
            f"<entry><id>tag:hostile.example,2024:{item.group}</id>"
            f'<title type="html">{_xml_text(item.title)}</title>'
            f'<link rel="alternate" href="{_xml_text(item.link)}"/>'
            f"<published>{_stamp(item.day)}</published><updated>{_stamp(item.day)}</updated>"
            f"<author><name>{_xml_text(item.title)}</name></author>{categories}"
            f'<content type="html">{_xml_text(item.body)}</content></entry>'
        )
    feed_title = _xml_text(" ".join(v.text for v in items[1].vectors[:4]))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        f'<id>tag:hostile.example,2024:feed</id><title type="html">{feed_title}</title>'
        "<updated>2024-02-08T10:00:00+01:00</updated>\n" + "\n".join(entries) + "\n</feed>\n"
    )
