"""What the email's HTML uses, against caniemail.com's client-support data.

Every email of the sample tree's build is taken apart: HTML elements and attributes, every
inline style, the ``<style>`` blocks (rules, selectors, at-rules) and what Outlook alone
reads inside ``<!--[if mso]>`` comments. Each use is matched with its caniemail feature
(``../shared/corpora/caniemail/_features/*.md``, the current, i.e. last-listed, version of
each platform), and nothing the layout depends on may be unsupported ("n") in Gmail or
Outlook. A few features are accepted as progressive enhancement (:data:`ENHANCEMENTS`, each
with its reason); layout features with no email fallback must not appear at all
(:data:`FORBIDDEN`). The assertion message lists every feature found with its support.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CANIEMAIL = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "caniemail"
EDITION = "weekly-2024-W42"
#: Clients and platforms checked: Gmail everywhere, Outlook on Windows (the Word engine),
#: the new Outlook for Windows, Outlook.com, and Outlook for Mac.
CLIENTS = {
    "gmail": ("desktop-webmail", "ios", "android", "mobile-webmail"),
    "outlook": ("windows", "windows-mail", "outlook-com", "macos"),
}
#: Layout tools with no fallback in email: they must not be used at all.
FORBIDDEN = {
    "css-display-flex": "flexbox: Outlook on Windows ignores it, the layout would fall apart",
    "css-display-grid": "grid: not supported by Gmail's non-Google accounts nor Outlook",
    "css-grid-template": "grid templates: as above",
    "css-flex-direction": "flexbox",
    "css-flex-wrap": "flexbox",
    "css-variables": "custom properties: Gmail and Outlook drop the declarations using them",
    "css-position": "position: stripped by Gmail and Outlook",
    "css-left-right-top-bottom": "offsets: only meaningful with position",
    "css-float": "floats: Outlook on Windows ignores them on most elements",
}
#: Features unsupported ("n") in some checked client that the email uses only as an
#: enhancement, or with a fallback for the clients that lack them; each with the reason.
ENHANCEMENTS = {
    "html-style": (
        "Gmail's mobile web client for other accounts drops <style>: the blocks hold only "
        "MJML's resets, its responsive rule and dark mode; every style the layout needs is inline"
    ),
    "css-selector-class": "only in <style> blocks (see html-style)",
    "css-selector-descendant": "only in <style> blocks (MJML's resets: #outlook a, .moz-text-html)",
    "css-selector-grouping": "only in <style> blocks (MJML's table reset)",
    "css-selector-id": "only in <style> blocks (MJML's #outlook a reset for old Outlook.com)",
    "css-selector-type": "only in <style> blocks (MJML's resets of body, img, p, table)",
    "css-at-media": (
        "MJML's responsive rule only sets column widths the inline styles already give; "
        "Outlook on Windows gets fixed-width tables from <!--[if mso]> comments instead"
    ),
    "css-at-media-prefers-color-scheme": (
        "dark mode only darkens the header band; every colour is set inline for light mode, "
        "which stays readable where the query is ignored"
    ),
    "css-display-none": (
        "hides the preheader; where it is ignored, the 1px font, zero max-height, opacity "
        "and overflow hide it too, and it only repeats the email's summary line"
    ),
    "css-max-height": "hides the preheader, beside display:none (see css-display-none)",
    "css-opacity": "hides the preheader, beside display:none (see css-display-none)",
    "css-overflow": "hides the preheader, beside display:none (see css-display-none)",
    "css-outline": "MJML's img { outline: none } reset; the email has no image",
    "css-word-break": "lets a very long word break inside a cell; elsewhere it wraps as usual",
    "css-word-spacing": "MJML's word-spacing:normal on <body>: the default anyway",
    "html-anchor-links": (
        "the language links at the top jump to each block; where they do not (Gmail on "
        "iOS), the blocks are one below the other anyway"
    ),
    "html-aria-label": "an accessible name for screen readers: ignored where unsupported",
    "html-role": "role=article/presentation for screen readers: ignored where unsupported",
    "html-body": (
        "clients that drop <body> drop its background colour: MJML repeats it on the wrapping <div>"
    ),
    "html-doctype": "Outlook on Windows ignores it: the tables render the same",
}


@dataclass(frozen=True)
class Use:
    """One thing the email's HTML uses, as caniemail names it."""

    feature: str
    #: What was found, e.g. ``display:inline-block`` or ``<table>``.
    what: str
    #: True when only Outlook reads it (inside an ``<!--[if mso]>`` comment).
    outlook_only: bool = False


def load_features() -> dict[str, dict[str, Any]]:
    """Every caniemail feature, by slug (file name without ``.md``)."""
    folder = CANIEMAIL / "_features"
    assert folder.is_dir(), f"no caniemail data at {folder} (see its README.md)"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    features = {}
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith("_"):
            continue
        # The front matter ends at the first line that is only "---" (notes may hold "---").
        front = re.match(r"---[ \t]*\n(.*?)\n---[ \t]*(\n|$)", path.read_text("utf-8"), re.S)
        assert front is not None, f"{path}: no front matter"
        features[path.stem] = yaml.load(front.group(1).replace("\t", "    "), Loader=loader)
    return features


def current_support(feature: dict[str, Any], client: str, platform: str) -> str | None:
    """``y``, ``a``, ``n`` or ``u`` for the last-listed version of a platform; None: not tested."""
    versions = (feature.get("stats") or {}).get(client, {}).get(platform)
    if not versions:
        return None
    value = str(list(versions.values())[-1]).strip()
    return value.split()[0] if value else None


# --- what the HTML uses ----------------------------------------------------------------------

_TAGS = {f"h{n}": "html-h1-h6" for n in range(1, 7)} | {
    "ul": "html-lists",
    "ol": "html-lists",
    "li": "html-lists",
    "meta": None,
    "title": None,
    "head": None,
    "html": None,
    "tbody": "html-table",
    "tr": "html-table",
    "td": "html-table",
    "th": "html-table",
    "thead": "html-table",
    "a": None,  # links themselves are everywhere; their kinds are checked below
    "o:officedocumentsettings": None,
    "o:allowpng": None,
    "o:pixelsperinch": None,
    "xml": None,
    "noscript": None,
}
_ATTRIBUTES = {
    "lang": "html-lang",
    "dir": "html-dir",
    "role": "html-role",
    "align": "html-align",
    "valign": "html-valign",
    "cellpadding": "html-cellpadding",
    "cellspacing": "html-cellspacing",
    "height": "html-height",
    "background": "html-background",
    "aria-label": "html-aria-label",
    "aria-labelledby": "html-aria-labelledby",
    "aria-describedby": "html-aria-describedby",
    "aria-hidden": "html-aria-hidden",
    "aria-live": "html-aria-live",
    "target": "html-target",
    "hidden": "html-hidden",
    "loading": "html-loading-attribute",
    "srcset": "html-srcset",
}
_SIDES = re.compile(r"^(padding|margin|border)-(top|right|bottom|left)(-.*)?$")
_UNITS = re.compile(
    r"(?<![\w#.-])-?\d*\.?\d+(px|em|rem|%|pt|vh|vw|vmin|vmax|ch|ex|cm|mm|in|pc)(?!\w)"
)
_FUNCTIONS = {
    "var": "css-variables",
    "calc": "css-unit-calc",
    "rgb": "css-rgb",
    "rgba": "css-rgba",
    "linear-gradient": "css-linear-gradient",
    "radial-gradient": "css-radial-gradient",
    "conic-gradient": "css-conic-gradient",
    "min": "css-function-min",
    "max": "css-function-max",
    "clamp": "css-function-clamp",
    "light-dark": "css-function-light-dark",
}
_MEDIA_FEATURES = {
    "prefers-color-scheme": "css-at-media-prefers-color-scheme",
    "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
    "orientation": "css-at-media-orientation",
    "hover": "css-at-media-hover",
    "device-pixel-ratio": "css-at-media-device-pixel-ratio",
}


def declaration_uses(style: str, known: set[str]) -> Iterator[Use]:
    """The features of a list of declarations (``a: b; c: d``)."""
    for declaration in style.split(";"):
        if ":" not in declaration:
            continue
        name, value = (part.strip() for part in declaration.split(":", 1))
        name = name.lower()
        if not name or name.startswith(("-webkit-", "-ms-", "-moz-", "mso-")):
            continue  # vendor extensions: read by the one engine they name, ignored elsewhere
        shown = f"{name}:{value}"
        if name.startswith("--"):
            yield Use("css-variables", shown)
            continue
        if "!important" in value:
            yield Use("css-important", shown)
            value = value.replace("!important", "").strip()
        if name == "display" and f"css-display-{value}" in known:
            yield Use(f"css-display-{value}", shown)
        elif name in ("top", "right", "bottom", "left"):
            yield Use("css-left-right-top-bottom", shown)
        elif f"css-{name}" in known:
            yield Use(f"css-{name}", shown)
        elif (side := _SIDES.match(name)) and f"css-{side.group(1)}" in known:
            yield Use(f"css-{side.group(1)}", shown)
        else:
            yield Use(f"(not in caniemail) {name}", shown)
        for unit in _UNITS.finditer(value):
            slug = "css-unit-percent" if unit.group(1) == "%" else f"css-unit-{unit.group(1)}"
            yield Use(slug, shown)
        for function in re.findall(r"([a-z-]+)\(", value):
            if function in _FUNCTIONS:
                yield Use(_FUNCTIONS[function], shown)


def selector_uses(selector: str) -> Iterator[Use]:
    """The selector features of one selector list."""
    parts = [s.strip() for s in selector.split(",") if s.strip()]
    if len(parts) > 1:
        yield Use("css-selector-grouping", selector)
    for part in parts:
        if "." in part:
            yield Use("css-selector-class", part)
        if "#" in part:
            yield Use("css-selector-id", part)
        if "[" in part:
            yield Use("css-selector-attribute", part)
        if "*" in part:
            yield Use("css-selector-universal", part)
        if re.search(r"(^|[\s>+~])[a-z][a-z0-9]*", part):
            yield Use("css-selector-type", part)
        if ">" in part:
            yield Use("css-selector-child", part)
        if "+" in part:
            yield Use("css-selector-adjacent-sibling", part)
        if "~" in part:
            yield Use("css-selector-general-sibling", part)
        if re.search(r"[\w\]\)*]\s+[\w.#\[*:]", re.sub(r"\s*[>+~]\s*", ">", part)):
            yield Use("css-selector-descendant", part)
        for pseudo in re.findall(r"::?([a-z-]+)", part):
            yield Use(f"css-pseudo-class-{pseudo}", part)


def stylesheet_uses(css: str, known: set[str]) -> Iterator[Use]:
    """Rules and at-rules of a style sheet (nested blocks included)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    position = 0
    while True:
        opening = css.find("{", position)
        if opening < 0:
            return
        prelude = css[position:opening].strip()
        depth, end = 1, opening + 1
        while depth and end < len(css):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body = css[opening + 1 : end - 1]
        if prelude.startswith("@"):
            name = prelude[1:].split()[0].split("(")[0].lower()
            yield Use(f"css-at-{name}", prelude)
            if name == "media":
                for feature, slug in _MEDIA_FEATURES.items():
                    if feature in prelude:
                        yield Use(slug, prelude)
                yield from stylesheet_uses(body, known)
        else:
            yield from selector_uses(prelude)
            yield from declaration_uses(body, known)
        position = end


class EmailUses(HTMLParser):
    """Every feature an HTML email uses; ``<!--[if mso]>`` contents count as Outlook's."""

    def __init__(self, known: set[str], *, outlook_only: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.known = known
        self.outlook_only = outlook_only
        self.uses: list[Use] = []
        self._in_style = False

    def _add(self, uses: Iterator[Use] | list[Use]) -> None:
        self.uses.extend(Use(u.feature, u.what, self.outlook_only or u.outlook_only) for u in uses)

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype"):
            self._add([Use("html-doctype", f"<!{decl}>")])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        slug = _TAGS.get(tag, f"html-{tag}")
        if slug is not None:
            self._add(
                [Use(slug if slug in self.known else f"(not in caniemail) <{tag}>", f"<{tag}>")]
            )
        if tag == "meta" and values.get("name") in ("color-scheme", "supported-color-schemes"):
            self._add([Use("html-meta-color-scheme", "<meta name=color-scheme>")])
        if tag == "a":
            href = values.get("href", "")
            if href.startswith("#"):
                self._add([Use("html-anchor-links", f'<a href="{href}">')])
            elif href.startswith("mailto:"):
                self._add([Use("html-mailto-links", "<a href=mailto:>")])
        for name, value in values.items():
            if name in _ATTRIBUTES:
                self._add([Use(_ATTRIBUTES[name], f"{name}={value!r}")])
        if "style" in values:
            self._add(list(declaration_uses(values["style"], self.known)))
        if tag == "style":
            self._in_style = True
            if values.get("media"):
                self._add([Use("css-at-media", f"<style media={values['media']!r}>")])

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._add(list(stylesheet_uses(data, self.known)))

    def handle_comment(self, data: str) -> None:
        found = re.match(r"\[if ([^\]]*)\]>(.*?)(<!\[endif\])?$", data, re.S)
        if not found:
            return
        condition, inner = found.group(1), found.group(2)
        if "!mso" in condition.replace(" ", ""):
            return  # "<!--[if !mso]><!-->": shown to everyone but Outlook, parsed as usual
        if "mso" in condition:
            inner_parser = EmailUses(self.known, outlook_only=True)
            inner_parser.feed(inner)
            inner_parser.close()
            self._add(inner_parser.uses)


# --- the check -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def email_html(built_sample_tree: Path) -> str:
    """Every compiled email of the sample tree (each edition, each variant), one after another."""
    tree = built_sample_tree
    emails = sorted((tree / "outbox" / "editions").glob("*/email.*.html"))
    assert any(path.parent.name == EDITION for path in emails)
    return "\n".join(path.read_text("utf-8") for path in emails)


def uses_of(html: str, known: set[str]) -> list[Use]:
    """Every feature ``html`` uses, in order of appearance."""
    parser = EmailUses(known)
    parser.feed(html)
    parser.close()
    return parser.uses


def test_the_parser_finds_what_it_should() -> None:
    known = set(load_features())
    html = (
        '<!DOCTYPE html><html lang="fr"><head><style>@media (prefers-color-scheme: dark) '
        "{ .x { color: red !important; } } div > p { margin: 0 }</style></head><body>"
        '<div style="display:flex;padding-top:4px;width:50%;--gap:1rem;color:var(--c)">'
        '<h2 dir="auto">t</h2><a href="#nl">nl</a></div>'
        '<!--[if mso]><table role="presentation"><tr><td valign="top">o</td></tr></table>'
        "<![endif]--></body></html>"
    )
    found = {(u.feature, u.outlook_only) for u in uses_of(html, known)}
    for expected in [
        ("html-doctype", False),
        ("html-lang", False),
        ("css-at-media", False),
        ("css-at-media-prefers-color-scheme", False),
        ("css-important", False),
        ("css-selector-class", False),
        ("css-selector-child", False),
        ("css-selector-type", False),
        ("css-display-flex", False),
        ("css-padding", False),
        ("css-unit-percent", False),
        ("css-unit-px", False),
        ("css-variables", False),
        ("html-h1-h6", False),
        ("html-dir", False),
        ("html-anchor-links", False),
        ("html-table", True),
        ("html-role", True),
        ("html-valign", True),
    ]:
        assert expected in found, expected


def test_email_uses_nothing_gmail_or_outlook_lacks_without_a_fallback(email_html: str) -> None:
    features = load_features()
    known = set(features)
    uses = uses_of(email_html, known)
    assert uses, "nothing found in the email"
    by_feature: dict[str, list[Use]] = {}
    for use in uses:
        by_feature.setdefault(use.feature, []).append(use)
    lines, problems = [], []
    for slug in sorted(by_feature):
        examples = sorted({u.what for u in by_feature[slug]})
        only_outlook = all(u.outlook_only for u in by_feature[slug])
        shown = "; ".join(examples[:3]) + (f" (+{len(examples) - 3})" if len(examples) > 3 else "")
        if slug not in features:
            lines.append(f"  {slug}: {shown}")
            continue
        support = {
            f"{client}/{platform}": current_support(features[slug], client, platform)
            for client, platforms in CLIENTS.items()
            for platform in platforms
            # What only Outlook reads is judged by Outlook alone.
            if not (only_outlook and client != "outlook")
        }
        lacking = sorted(k for k, v in support.items() if v == "n")
        partial = sorted(k for k, v in support.items() if v == "a")
        if slug in FORBIDDEN:
            verdict = f"FORBIDDEN: {FORBIDDEN[slug]}"
            problems.append(slug)
        elif lacking and slug in ENHANCEMENTS:
            verdict = f"accepted as enhancement: {ENHANCEMENTS[slug]}"
        elif lacking:
            verdict = "UNSUPPORTED, no fallback"
            problems.append(slug)
        else:
            verdict = "ok"
        where = " (Outlook only)" if only_outlook else ""
        lines.append(
            f"  {slug}{where} [{features[slug].get('title', slug)}]: {shown}\n"
            f"      no: {', '.join(lacking) or '-'}; partial: {', '.join(partial) or '-'}"
            f"\n      -> {verdict}"
        )
    report = "\n".join(lines)
    assert not problems, (
        f"the email uses {', '.join(problems)}, unsupported in Gmail or Outlook without a "
        f"fallback (or forbidden outright).\nEvery feature found:\n{report}"
    )
