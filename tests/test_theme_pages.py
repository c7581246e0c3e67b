"""A theme's pages by year (:mod:`digest.render.theme_pages`): the newest year at the theme's
address, each older year at its own; an older year whose stories did not change is neither
rendered nor written again (:mod:`digest.render.page_cache`), and the pages made from the
cache are, byte for byte, the pages made whole."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from digest.config import Settings, load_settings
from digest.outbox import Outbox, manifest_bytes
from digest.render.email import EmailRenderer
from digest.render.page_cache import CACHE, PageCache, page_version
from digest.render.theme_pages import TEMPLATES, theme_pages
from digest.render.web import WebRenderer, theme_list

Pages = dict[tuple[str, ...], bytes]


def _tree(built_sample_tree: Path, tmp_path: Path) -> tuple[Settings, Outbox]:
    shutil.copytree(built_sample_tree / "outbox", tmp_path / "outbox")
    settings = load_settings(built_sample_tree / "digest.toml")
    paths = settings.paths.model_copy(update={"outbox": tmp_path / "outbox"})
    return settings.model_copy(update={"paths": paths}), Outbox(tmp_path / "outbox")


def _web(settings: Settings) -> WebRenderer:
    return WebRenderer(EmailRenderer(settings))


def _cached(settings: Settings, outbox: Outbox, manifests: list[dict[str, Any]]) -> Pages:
    """The theme pages made with the cache, written with it as a build writes them."""
    web = _web(settings)
    cache = PageCache(outbox, page_version(settings, web.email.env, TEMPLATES))
    pages = theme_pages(web, manifests, cache=cache)
    for parts, data in sorted(pages.items()):
        outbox.write_file(data, *parts)
    for parts in cache.gone():
        outbox.path(*parts).unlink()
    cache.save(pages)
    return pages


def _on_disk(outbox: Outbox) -> Pages:
    return {
        path.relative_to(outbox.root).parts: path.read_bytes()
        for path in sorted((outbox.root / "web").glob("*/themes/**/*.html"))
    }


def _years(html: str) -> list[str]:
    return re.findall(r'href="(?:\.\./)*(weekly-(\d{4})-W\d\d)\.html#theme-', html)


def test_each_year_of_a_theme_has_its_page_and_the_newest_is_the_themes(
    built_sample_tree: Path,
) -> None:
    outbox = built_sample_tree / "outbox"
    settings = load_settings(built_sample_tree / "digest.toml")
    manifests = Outbox(outbox).manifests()
    older_years = 0
    for lang in settings.languages:
        for link in theme_list(manifests, lang):
            folder = outbox / "web" / lang / "themes"
            main = (folder / link.href.split("/", 1)[1]).read_text("utf-8")
            years = sorted(
                {
                    m["period"]["key"][:4]
                    for m in manifests
                    if lang in m["views"]
                    for s in m["views"][lang]["sections"]
                    if s["theme"] == link.theme_id
                },
                reverse=True,
            )
            shown = _years(main)
            assert shown and {year for _, year in shown} == {years[0]}
            editions = [edition for edition, _ in shown]
            for year in years[1:]:
                page = folder / link.theme_id / f"{year}.html"
                html = page.read_text("utf-8")
                older_years += 1
                found = _years(html)
                assert found and {y for _, y in found} == {year}, page
                editions += [edition for edition, _ in found]
                # Links: to the theme's page, to the other years, to the editions.
                assert f'href="../{link.theme_id}.html">{years[0]}</a>' in html
                assert f'<span aria-current="page">{year}</span>' in html
                assert f'href="{year}.html"' not in html
                for edition, _ in found:
                    assert (outbox / "web" / lang / f"{edition}.html").is_file()
                assert "<svg" not in html
            if len(years) > 1:
                for year in years[1:]:
                    assert f'href="{link.theme_id}/{year}.html">{year}</a>' in main
            # Each edition once, newest first, across the pages.
            assert editions == sorted(set(editions), reverse=True)
    assert older_years >= 10


def test_older_years_are_made_once_and_again_only_when_they_change(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    manifests = outbox.manifests()
    whole = theme_pages(_web(settings), manifests)
    mains = {parts for parts in whole if len(parts) == 4}
    assert len(whole) > len(mains) >= 10
    # The build of the sample tree wrote them with the cache: from nothing here.
    for lang in settings.languages:
        shutil.rmtree(outbox.root / "web" / lang / "themes")
    (outbox.root / CACHE).unlink()
    first = _cached(settings, outbox, manifests)
    assert first == whole == _on_disk(outbox)
    # Nothing changed: only each theme's newest year is made; the cache file stays as it was.
    cache = (outbox.root / CACHE).stat()
    again = _cached(settings, outbox, outbox.manifests())
    assert set(again) == mains
    assert _on_disk(outbox) == whole
    after = (outbox.root / CACHE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (cache.st_ino, cache.st_mtime_ns)

    # A story of an older edition says something else: its year's page is made again.
    older = next(
        m for m in manifests if m["period"]["key"].startswith("2022") and "fr" in m["views"]
    )
    section = older["views"]["fr"]["sections"][0]
    section["points"][0]["text"] = "Un texte <nouveau> & autre."
    path = outbox.path("editions", older["edition"], "manifest.json")
    path.write_bytes(manifest_bytes(older))
    changed = outbox.manifests()
    made = _cached(settings, outbox, changed)
    year_page = ("web", "fr", "themes", section["theme"], "2022.html")
    # Keyed by the manifest file: its year's pages in each language and theme it shows.
    shows = {
        ("web", lang, "themes", s["theme"], "2022.html")
        for lang, view in older["views"].items()
        for s in view["sections"]
    }
    assert year_page in set(made) - mains <= shows
    assert _on_disk(outbox) == theme_pages(_web(settings), changed)
    assert b"Un texte &lt;nouveau&gt; &amp; autre." in made[year_page]

    # A page edited by hand is made again; one no longer shown is removed.
    edited = outbox.path(*year_page)
    edited.write_bytes(edited.read_bytes() + b"\n")
    assert year_page in _cached(settings, outbox, changed)
    newest_year = max(m["period"]["key"][:4] for m in changed)
    recent = [m for m in outbox.manifests() if m["period"]["key"][:4] == newest_year]
    assert set(_cached(settings, outbox, recent)) == set(theme_pages(_web(settings), recent))
    assert _on_disk(outbox) == theme_pages(_web(settings), recent) | {
        p: d for p, d in _on_disk(outbox).items() if len(p) == 4
    }
    assert not any(len(p) == 5 for p in _on_disk(outbox))


def test_a_changed_template_or_catalog_makes_every_page_again(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    manifests = outbox.manifests()
    _cached(settings, outbox, manifests)
    assert len(_cached(settings, outbox, manifests)) < len(theme_pages(_web(settings), manifests))
    own = tmp_path / "templates"
    shutil.copytree(settings.paths.templates, own)
    base = own / "web" / "base.html.j2"
    base.write_text(base.read_text("utf-8").replace("<footer>", '<footer class="x">'), "utf-8")
    paths = settings.paths.model_copy(update={"templates": own})
    moved = settings.model_copy(update={"paths": paths})
    made = _cached(moved, outbox, manifests)
    assert made == theme_pages(_web(moved), manifests)
    assert all(b'<footer class="x">' in data for data in made.values())
    po = own / "locale" / "fr" / "LC_MESSAGES" / "digest.po"
    po.write_text(po.read_text("utf-8").replace('"Sujets par année"', '"Par année"'), "utf-8")
    made = _cached(moved, outbox, manifests)
    assert made == theme_pages(_web(moved), manifests)
    assert all(
        b"Par ann\xc3\xa9e" in data for p, data in made.items() if p[1] == "fr" and len(p) == 5
    )
    assert json.loads((outbox.root / CACHE).read_bytes())["pages"]
