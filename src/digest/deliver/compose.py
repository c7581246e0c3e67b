"""Each subscriber's own message of an edition: their languages in their order, their
themes, their signed links.

The build leaves in the outbox, for each variant (``fr-nl``, ``fr``, ``nl``), the email
(``email.<variant>.html``/``.txt``), the message (``message.<variant>.eml``) and the view
they were rendered from (``view.<variant>.json``). A subscriber is given one variant (see
:func:`digest.deliver.message.choose_variant`); their :class:`Choice` then says in which
order its languages come and which of its sections they keep:

- no theme cut and the variant's own order: the outbox's email strings as they are;
- otherwise the view is cut (:func:`digest.render.personal.recut`) and rendered again,
  once per distinct (order, sections) of the run, never once per subscriber. The view
  holds only what the build chose: news stored after it never enters a message.

With the settings' ``secret``, the generic links of the footer (``{base_url}unsubscribe``,
``{base_url}preferences``) are replaced by the subscriber's signed ones in the HTML and
the text (as strings, before MIME encoding), and ``List-Unsubscribe`` carries the signed
one-click URL (RFC 8058). Everything is a function of the edition, the subscriber and the
moment of sending, so the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from digest.config import Settings
from digest.deliver.links import Links, SubscriberLinks, generic_links
from digest.deliver.message import personalise
from digest.deliver.subscribers import Subscriber
from digest.errors import RenderError
from digest.model import Problem
from digest.outbox import Outbox
from digest.render.email import EmailRenderer, EmailView
from digest.render.eml import build_message
from digest.render.personal import recut, render, section_ids, view_from_json, view_name

#: Longest ``variant`` the send log keeps (its column's size).
LABEL_CHARS = 32


@dataclass(frozen=True)
class Choice:
    """What one subscriber gets of an edition."""

    #: The outbox variant it is cut from (``fr-nl``).
    variant: str
    #: The variant's languages in the subscriber's order (``("nl", "fr")``).
    order: tuple[str, ...]
    #: The theme ids of the sections kept, in the edition's order; None: every section.
    themes: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        """What the send log's ``variant`` says: ``nl-fr``, ``fr/ethics+health``.

        A cut too long for the column is named by its number of themes and a hash:
        ``nl-fr/5-themes-1a2b3c4d``.
        """
        languages = "-".join(self.order)
        if self.themes is None:
            return languages
        label = f"{languages}/{'+'.join(self.themes)}"
        if len(label) <= LABEL_CHARS:
            return label
        digest = hashlib.sha256("+".join(self.themes).encode("utf-8")).hexdigest()[:8]
        return f"{languages}/{len(self.themes)}-themes-{digest}"


class Composer:
    """The messages of one edition to its subscribers (one per send run and edition).

    Args:
        settings: the digest's settings (``secret``, ``base_url``, templates).
        outbox: the outbox holding the edition.
        edition_id: the edition.
        variants: the edition's variants and their languages (the ``message.*.eml`` files).
        report: told once per edition when a variant has no view (built by an older
            version), or one that is not the manifest's: its subscribers get the variant's
            message whole, in its own order.
        files: the manifest's ``files`` (name -> SHA-256); a view is used only when it is
            the one listed there. None: not checked.
    """

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        edition_id: str,
        variants: Mapping[str, tuple[str, ...]],
        report: Callable[[Problem], None],
        files: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.files = files
        self.outbox = outbox
        self.edition_id = edition_id
        self.variants = dict(variants)
        self.report = report
        self.signed = Links.available(settings)
        self._generic = generic_links(settings)
        self._renderer: EmailRenderer | None = None
        self._views: dict[str, EmailView | None] = {}
        self._files: dict[str, bytes] = {}
        #: (order, themes) -> (subject, html, text) with the generic links.
        self._emails: dict[tuple[tuple[str, ...], tuple[str, ...] | None], tuple[str, str, str]]
        self._emails = {}
        #: Whether a footer without the generic links was reported.
        self._unswapped = False

    # Choosing ------------------------------------------------------------------------

    def choose(self, subscriber: Subscriber, variant: str) -> Choice | None:
        """What ``subscriber`` gets of ``variant``; None when it holds none of their themes."""
        languages = self.variants[variant]
        order = tuple(
            [lang for lang in dict.fromkeys(subscriber.languages) if lang in languages]
            + [lang for lang in languages if lang not in subscriber.languages]
        )
        view = self._view(variant)
        if view is None:
            return Choice(variant, languages)
        if not subscriber.themes:
            return Choice(variant, order)
        sections = section_ids(view)
        kept = tuple(theme for theme in sections if theme in subscriber.themes)
        if not kept:
            return None
        return Choice(variant, order, None if kept == sections else kept)

    # Composing -----------------------------------------------------------------------

    def message(self, email: str, recipient: str, choice: Choice, sent_at: datetime) -> bytes:
        """The message of ``choice`` to ``recipient``, dated ``sent_at``.

        Args:
            email: the subscriber's address as stored (what the links sign).
            recipient: the address the message goes to (``To``).
            sent_at: the moment it is handed over, in the digest's timezone.
        """
        whole = choice.themes is None and choice.order == self.variants[choice.variant]
        if self._view(choice.variant) is None or (whole and not self.signed):
            # The outbox's own message: only To and Date change.
            return personalise(self._file(f"message.{choice.variant}.eml"), recipient, sent_at)
        subject, body_html, body_text = self._email(choice)
        key = f"{self.edition_id}.{'-'.join(choice.order)}"
        if choice.themes is not None:
            key += "." + hashlib.sha256("+".join(choice.themes).encode()).hexdigest()[:12]
        unsubscribe = None
        if self.signed:
            links = self._links(email, sent_at)
            body_html, body_text = _swap(body_html, body_text, self._generic, links)
            unsubscribe = links.unsubscribe
            if links.unsubscribe not in body_text and not self._unswapped:
                self._unswapped = True
                self.report(
                    Problem(
                        self.edition_id,
                        f"its footer has no {self._generic.unsubscribe} link (built with "
                        "another base_url?)",
                        "the signed unsubscribe link is in List-Unsubscribe only "
                        "(digest build again to rebuild the edition)",
                    )
                )
            key += "." + hashlib.sha256(email.encode("utf-8")).hexdigest()[:16]
        message = build_message(
            self.settings,
            message_key=key,
            subject=subject,
            date=sent_at,
            languages=choice.order,
            text=body_text,
            html=body_html,
            unsubscribe_url=unsubscribe,
        )
        return personalise(message, recipient)

    def _links(self, email: str, sent_at: datetime) -> SubscriberLinks:
        # Signed at the moment of sending, so the same clock gives the same bytes (links.py
        # takes a clock since the subscription service; without one it signs "now").
        clock: dict[str, Any] = {}
        if any(field.name == "now" for field in fields(Links)):
            moment = sent_at.timestamp()
            clock["now"] = lambda: moment
        return Links(self.settings, **clock).of(email)

    def _email(self, choice: Choice) -> tuple[str, str, str]:
        key = (choice.order, choice.themes)
        found = self._emails.get(key)
        if found is not None:
            return found
        view = self._view(choice.variant)
        assert view is not None
        if choice.themes is None and choice.order == self.variants[choice.variant]:
            name = choice.variant
            found = (
                view.subject,
                self._file(f"email.{name}.html").decode("utf-8"),
                self._file(f"email.{name}.txt").decode("utf-8"),
            )
        else:
            renderer = self._renderer or EmailRenderer(self.settings)
            self._renderer = renderer
            cut = recut(renderer, view, choice.order, choice.themes)
            assert cut is not None  # choose() kept only sections the view has
            found = (cut.subject, *render(renderer, cut))
        self._emails[key] = found
        return found

    def _view(self, variant: str) -> EmailView | None:
        if variant in self._views:
            return self._views[variant]
        view = None
        path = self.outbox.path("editions", self.edition_id, view_name(variant))
        try:
            data = path.read_bytes()
            listed = None if self.files is None else self.files.get(path.name)
            if listed is not None and hashlib.sha256(data).hexdigest() != listed:
                raise RenderError("not the file the edition's manifest lists")
            view = view_from_json(data)
        except OSError:
            why = f"no {path.name} (built by an older version)"
        except RenderError as exc:
            why = f"{path.name}: {exc}"
        if view is None:
            self.report(
                Problem(
                    self.edition_id,
                    why,
                    f"message.{variant}.eml goes out whole, in its own language order, "
                    "with the generic links (digest build again to rebuild it)",
                )
            )
        self._views[variant] = view
        return view

    def _file(self, name: str) -> bytes:
        data = self._files.get(name)
        if data is None:
            data = self._files[name] = self.outbox.path(
                "editions", self.edition_id, name
            ).read_bytes()
        return data


def _swap(
    body_html: str, body_text: str, generic: SubscriberLinks, links: SubscriberLinks
) -> tuple[str, str]:
    """The footer's generic links replaced by the subscriber's, in the HTML and the text.

    Only whole links: an ``href`` attribute in the HTML, a URL ending at a space or a line
    end in the text (a story's ``.../unsubscribe/x`` link is left alone).
    """
    for old, new in (
        (generic.unsubscribe, links.unsubscribe),
        (generic.preferences, links.preferences),
    ):
        body_html = body_html.replace(f'href="{html.escape(old)}"', f'href="{html.escape(new)}"')
        # A function as the replacement: a URL is not a pattern of backreferences.
        body_text = re.sub(re.escape(old) + r"(?=\s|$)", _constant(new), body_text)
    return body_html, body_text


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text
