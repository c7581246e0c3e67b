"""From a :class:`RawEntry` to a trusted :class:`Item`.

Dates become aware UTC datetimes (a date without a zone takes the source's
timezone, never silently UTC); links become absolute and canonical; the
language is the declared one or, failing that, detected among the supported
ones; the body becomes sanitised HTML and clean text.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import nh3
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from digest.clean import (
    BODY_SCHEMES,
    clean_line,
    clean_text,
    has_markup,
    has_uncarried,
    plain_line,
    safe_link,
    safe_web_link,
    terminal_safe,
    uncarried_escaped,
)
from digest.config import SUPPORTED_LANGUAGES
from digest.model import Item, Problem, RawEntry

#: Dates before this are taken as errors, not history.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
#: How far past the time of reading a date may lie before it is taken as wrong.
FUTURE_TOLERANCE = timedelta(days=1)
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "i", "li",
    "ol", "p", "pre", "strong", "sub", "sup", "ul",
}  # fmt: skip


class NormaliseError(Exception):
    """An entry that cannot become an item; the message says why."""


@dataclass(frozen=True)
class Normalised:
    """An item fresh from normalisation, with what was repaired on the way."""

    item: Item
    #: Problems repaired (for the operator).
    problems: tuple[Problem, ...]
    #: True when the date was missing or in the future and set to the time of reading:
    #: the store keeps the first such date rather than moving the item at every read.
    provisional_date: bool = False


def normalise_entry(raw: RawEntry, *, now: datetime | None = None) -> Normalised:
    """Normalise one raw entry.

    Args:
        now: the time of reading (default: the clock). A feed entry without a usable
            date, or with one more than :data:`FUTURE_TOLERANCE` after it, is dated ``now``.

    Raises:
        NormaliseError: the entry cannot become an item (an article file without a
            usable date: the file stays on disk, to be corrected).
    """
    problems: list[Problem] = []
    now = now or datetime.now(UTC)
    published, wrong = _published(raw, ZoneInfo(raw.default_timezone or "UTC"))
    if published is not None and published > now + FUTURE_TOLERANCE:
        wrong = f"date {published:%Y-%m-%d %H:%M} UTC of {raw.title!r} is in the future"
    if published is None or wrong is not None:
        if published is not None:
            kind = "entries dated in the future"
        elif raw.published in (None, "") and raw.published_fallback is None:
            kind = "entries without a date"
        else:
            kind = "entries with an unreadable date"
        # The store keeps the first such date: the item stays where it was first read.
        what, subject = wrong or "no date", repr(clean_line(raw.title)[:80])
        problems.append(
            Problem(raw.location, what, "dated when first read", kind=kind, subject=subject)
        )
        published = now.astimezone(UTC).replace(microsecond=0)
    note = functools.partial(_note, problems, raw.location)
    # The body is scanned once here; only a body that needs it is cleaned before nh3.
    dirty_html = has_uncarried(raw.html)
    if dirty_html or any(has_uncarried(t) for t in (raw.title, raw.source_name, raw.url or "")):
        named = repr(clean_line(raw.title)[:80])
        note(
            f"characters no email or feed can carry in {named}",
            "removed",
            kind="entries with characters no email or feed can carry",
            subject=named,
        )
    url = _link(raw.url, note)
    body = clean_text(raw.html) if dirty_html else raw.html
    # nh3 writes what a character reference names (``&#1;``): cleaned once more after it.
    safe_html = clean_text(sanitise_html(body, base=url or None))
    text = html_to_text(safe_html)
    title = plain_line(raw.title)
    if not title:
        title = _stand_in_title(text, url, raw.source_name)
        if raw.title.strip():
            note(f"title {clean_line(raw.title)[:80]!r} is only markup", f"titled {title!r}")
    elif has_markup(raw.title):
        note(f"title {clean_line(raw.title)[:80]!r} holds markup", f"shown as {title!r}")
    language = _language(raw.language)
    if language is None:
        # No declared language is ordinary (many feeds omit it): detect it quietly. A
        # declared value that is no language code is worth a line.
        language = detect_language(f"{title}\n{text}")
        if raw.language:
            what = f"language {raw.language!r} is not a language code for {title!r}"
            problems.append(Problem(raw.location, what, f"detected {language}"))
    item = Item(
        id=f"{raw.source_id}/{_safe_key(raw.key)}",
        source_id=raw.source_id,
        source_name=plain_line(raw.source_name),
        url=url,
        title=title,
        published=published,
        language=language,
        text=text,
        html=safe_html,
        authors=_plain_all(raw.authors),
        tags=_plain_all(raw.tags),
        translation_of=(
            f"{raw.source_id}/{_safe_key(raw.translation_of)}" if raw.translation_of else None
        ),
    )
    return Normalised(item, tuple(problems), provisional_date=wrong is not None)


def _note(
    problems: list[Problem],
    location: str,
    what: str,
    action: str,
    *,
    kind: str | None = None,
    subject: str | None = None,
) -> None:
    problems.append(Problem(location, what, action, kind=kind, subject=subject))


def _link(raw_url: str | None, note: Callable[[str, str], None]) -> str:
    """The entry's canonical http(s) link; anything else is dropped with a line."""
    if not raw_url or not raw_url.strip():
        return ""
    link = safe_web_link(raw_url)
    if link is None:
        note(f"link {terminal_safe(raw_url[:80])!r} is not an http(s) address", "link dropped")
        return ""
    return canonical_url(link)


def first_words(text: str, words: int = 12) -> str:
    """The first ``words`` words of ``text``, with "…" when there are more."""
    first = text.split(maxsplit=words)
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


def _stand_in_title(text: str, url: str, source_name: str) -> str:
    """A title for an entry without one: its first words, else its link, else its source."""
    return first_words(text) or url or plain_line(source_name) or "untitled"


def _plain_all(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(value for value in map(plain_line, values) if value)


def _safe_key(key: str) -> str:
    """An adapter key fit for an id: characters no output can carry percent-encoded."""
    return key if not has_uncarried(key) else uncarried_escaped(key)


def _published(raw: RawEntry, zone: ZoneInfo) -> tuple[datetime | None, str | None]:
    """The entry's date, or (for a feed entry) None and why there is none."""
    try:
        return parse_date(raw.published, zone), None
    except NormaliseError as exc:
        error = exc
    if raw.published_fallback is not None:
        try:
            return parse_date(raw.published_fallback, zone), None
        except NormaliseError as exc:
            error = exc
    if raw.is_file:
        raise error
    return None, f"{error} for {raw.title!r}"


def parse_date(value: object, zone: ZoneInfo) -> datetime:
    """An aware UTC datetime from a datetime, a date, or an ISO 8601 / RFC 822 string.

    A value without a zone is read in ``zone``; a bare date is midnight there.

    Raises:
        NormaliseError: missing, unreadable, or before 1990.
    """
    if value is None or value == "":
        raise NormaliseError("no date")
    if isinstance(value, str):
        value = _parse_date_text(value.strip())
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0), tzinfo=zone)
    else:
        raise NormaliseError(f"date {value!r} is not a date")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00, year 9999 at -14:00
        raise NormaliseError(f"date {value!r} is out of range") from None
    if moment < EARLIEST:
        raise NormaliseError(f"date {moment:%Y-%m-%d} is before {EARLIEST:%Y}")
    return moment


def _parse_date_text(text: str) -> datetime | date:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise NormaliseError(f"date {text!r} is not ISO 8601 or RFC 822") from None
    return parsed


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters.

    Only an http(s) URL with a host has a canonical form: anything else (which
    :func:`digest.clean.safe_link` keeps out of items) comes back trimmed, unchanged.
    The result is its own canonical form.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return url
    except ValueError:  # "http://[": no URL at all
        return url
    query = parts.query and urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    netloc, path = parts.netloc.lower(), parts.path.strip() or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, query, "")).strip()


def sanitise_html(markup: str, *, base: str | None = None) -> str:
    """Keep only harmless structural tags; relative links resolved against ``base``.

    Links get ``rel="noopener noreferrer"``; a link that stays relative (no base)
    loses its address, so no relative URL reaches an email or a feed.
    """
    clean = _CLEANER.clean(markup).strip()
    if 'href="' not in clean:
        return clean
    return _HREF.sub(lambda match: _absolute_href(match, base), clean)


def _absolute_href(match: re.Match[str], base: str | None) -> str:
    # nh3 writes every attribute as name="escaped value", so this pattern sees them all.
    if match.group(1).startswith(("https://", "http://", "mailto:")) and not _ODD.search(
        match.group(1)
    ):
        return match.group(0)  # already absolute: the common case, left as it is
    value = html_lib.unescape(match.group(1))
    resolved = safe_link(urljoin(base, value) if base else value, BODY_SCHEMES)
    if resolved is None:
        return ""
    return f' href="{html_lib.escape(resolved, quote=True)}"'


# One cleaner for the whole run: building nh3's rules once halves the cost of a call.
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes={"a": {"href"}, "abbr": {"title"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
)
_HREF = re.compile(r' href="([^"]*)"')
# What makes an absolute link worth a closer look: white space, controls, references.
_ODD = re.compile(r"[\s&\x00-\x1f]")


def html_to_text(markup: str) -> str:
    """Plain text of *sanitised* HTML: paragraphs separated by a blank line.

    Regular expressions are enough here, and five times faster than a parser,
    because :func:`sanitise_html` already made the markup well-formed and removed
    scripts and styles with their content. Do not call it on raw HTML.
    """
    text = _BLOCK_TAG.sub("\n\n", markup)
    text = html_lib.unescape(_ANY_TAG.sub("", text))
    # map and filter rather than generators: called on every item's body.
    return "\n\n".join(filter(None, map(collapse_space, text.split("\n\n"))))


def collapse_space(text: str) -> str:
    """Runs of white space become one space; ends trimmed."""
    return " ".join(text.split())


_BLOCK_TAG = re.compile(r"</?(?:p|div|li|ul|ol|h[1-6]|blockquote|pre|br|tr|table)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[^>]*>")


def _language(declared: str | None) -> str | None:
    # Any ISO 639 code is kept (an item in Japanese stays Japanese, shown with its badge);
    # only a value that is no language code at all falls back to detection.
    if not declared:
        return None
    code = declared.strip().lower().replace("_", "-").split("-")[0]
    return code if _LANGUAGE_CODE.match(code) else None


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED_LANGUAGES))
    return identifier


#: Characters of an item's text the language detector reads: the first paragraphs
#: settle the language; reading a whole long article costs more and changes nothing.
DETECT_CHARS = 1000


def detect_language(text: str) -> str:
    """The most likely supported language of ``text`` (its first :data:`DETECT_CHARS`)."""
    code, _probability = _identifier().classify(text[:DETECT_CHARS])
    return str(code)


def recleaned(item: Item) -> Item:
    """``item`` as normalisation makes it now, for one read back from an older store.

    Only the cleaning is redone (characters, markup in one-line fields, links): an
    item already clean comes back equal, so the cost is a few linear passes.
    """
    url = (canonical_url(link) if (link := safe_link(item.url)) else "") if item.url else ""
    text = clean_text(item.text)
    title = plain_line(item.title) or _stand_in_title(text, url, item.source_name)
    cleaned = replace(
        item,
        source_name=plain_line(item.source_name),
        url=url,
        title=title,
        text=text,
        html=clean_text(item.html),
        authors=_plain_all(item.authors),
        tags=_plain_all(item.tags),
    )
    return item if cleaned == item else cleaned
