"""The service's pages: the archive's frame (``web/base.html.j2``), its look and its
accessibility, with the texts of the ``serve`` catalogs in every language of the digest.

Every page says everything in each of the digest's languages, the page's language first,
each part with its ``lang``. The archive's frame has an inline ``<style>``: a page's
Content-Security-Policy allows exactly that style by its hash, and no script at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from starlette.responses import HTMLResponse

from digest.config import Settings
from digest.model import Theme
from digest.render.email import locale_folder, template_environment
from digest.render.i18n import Catalogs, language_name
from digest.render.web import Alternate, Chrome

DOMAIN = "serve"
#: The label of the ``general`` section (a constant: ``make i18n`` extracts literals).
OTHER_NEWS = "Other news"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
#: What every page of the service may load: its own stylesheet and the archive's inline
#: style (added by hash); no script, no frame, forms only to itself.
CSP = (
    "default-src 'none'; style-src 'self'{styles}; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Option:
    """One checkbox of a form: its value, its label per language, whether it is ticked."""

    value: str
    labels: tuple[tuple[str, str], ...]
    checked: bool


@lru_cache(maxsize=16)
def _hash(style: str) -> str:
    digest = hashlib.sha256(style.encode("utf-8")).digest()
    return f" 'sha256-{base64.b64encode(digest).decode('ascii')}'"


def csp_for(html: str) -> str:
    """The Content-Security-Policy of the page ``html``: its inline styles by hash."""
    return CSP.format(styles="".join(_hash(s) for s in dict.fromkeys(_STYLE.findall(html))))


class Pages:
    """Renders the service's pages with the settings' templates and catalogs."""

    def __init__(self, settings: Settings, themes: Sequence[Theme]) -> None:
        self.settings = settings
        self.themes = tuple(themes)
        self.env = template_environment(settings.paths.templates)
        folder = locale_folder(settings.paths.templates)
        self.chrome_catalogs = Catalogs(folder, settings.languages)
        self.catalogs = Catalogs(folder, settings.languages, domain=DOMAIN)

    def languages(self, first: str | None = None) -> tuple[str, ...]:
        """The digest's languages, ``first`` first when it is one of them."""
        langs = self.settings.languages
        return tuple(dict.fromkeys([first, *langs] if first in langs else langs))

    def language_options(self, chosen: Sequence[str], order: Sequence[str]) -> tuple[Option, ...]:
        """The digest's languages as checkboxes, in ``order``, the ``chosen`` ones ticked."""
        langs = tuple(
            dict.fromkeys(
                [*(x for x in order if x in self.settings.languages), *self.settings.languages]
            )
        )
        return tuple(Option(x, ((x, language_name(x)),), x in chosen) for x in langs)

    def theme_options(self, chosen: Sequence[str], langs: Sequence[str]) -> tuple[Option, ...]:
        """The taxonomy's themes and ``general`` as checkboxes, the ``chosen`` ones ticked."""
        options = [
            Option(t.id, tuple((x, t.labels.get(x, t.id)) for x in langs), t.id in chosen)
            for t in self.themes
        ]
        general = tuple((x, self.catalogs.t(x, OTHER_NEWS)) for x in langs)
        options.append(Option("general", general, "general" in chosen))
        return tuple(options)

    def render(
        self,
        template: str,
        lang: str,
        *,
        title: str,
        path: str,
        status: int = 200,
        alternates: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """The page ``web/serve/<template>`` in ``lang`` first.

        Args:
            title: the page's heading (a message of the catalog), also its ``<title>``.
            path: the page's path under ``base_url`` without any token (its canonical
                address: a token never leaves in a link element).
            alternates: the same page in the other languages is at ``<lang>/<alternates>``.
        """
        base = self.settings.base_url
        langs = self.languages(lang)
        site = self.settings.title[lang]  # type: ignore[index]
        heading = " / ".join(dict.fromkeys(self.catalogs.t(x, title) for x in langs))
        chrome = Chrome(
            lang=lang,
            site_title=site,
            title=f"{heading} – {site}",
            canonical=f"{base}{path}",
            index_href=f"{base}web/{lang}/index.html",
            feed_href=f"{base}feeds/editions.{lang}.xml",
            alternates=tuple(
                Alternate(x, language_name(x), f"{base}{x}/{alternates}", f"{base}{x}/{alternates}")
                for x in langs
                if x != lang and alternates is not None
            ),
        )
        html = self.env.get_template(f"web/serve/{template}").render(
            page=chrome,
            lang=lang,
            langs=langs,
            t=self.chrome_catalogs.t,
            tn=self.chrome_catalogs.tn,
            s=self.catalogs.t,
            heading=title,
            base=base,
            **context,
        )
        return HTMLResponse(
            html, status_code=status, headers={"Content-Security-Policy": csp_for(html)}
        )
