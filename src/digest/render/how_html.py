"""Parts of the "how this edition was made" page written in Python rather than by
``web/how.html.j2``'s loops, byte for byte what those loops wrote: a story of many
sources or of long full sentences is most of the page's template work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup

from digest.render.escaping import escaped

if TYPE_CHECKING:
    from digest.compress.marks import Mark
    from digest.render.how import SourceLine


def source_rows(lines: tuple[SourceLine, ...]) -> Markup:
    """The list items of a story's sources (escaped HTML, each a line break and the
    template's indent before it)."""
    e = escaped
    rows = []
    for line in lines:
        if line.url:
            title = f'<a href="{e(line.url)}" lang="{e(line.lang)}">{e(line.title)}</a>'
        else:
            title = f'<span lang="{e(line.lang)}">{e(line.title)}</span>'
        translation = f" · {e(line.translation)}" if line.translation else ""
        rows.append(
            f"\n          <li>{title} · {e(line.name)} ({e(line.language)}){translation}</li>"
        )
    return Markup("".join(rows))


def full_runs(runs: tuple[Mark, ...], lang: str, left_out: str, added: str) -> Markup:
    """The runs of a key point's full sentences, marked (removed: ``<del>``, added:
    ``<ins>``, each said for screen readers in ``lang`` with the labels ``left_out`` and
    ``added``)."""
    e = escaped
    hidden = f'<span class="visually-hidden" lang="{e(lang)}">['
    removed_start = f"<del>{hidden}{e(left_out)} </span>"
    added_start = f"<ins>{hidden}{e(added)} </span>"
    end = '<span class="visually-hidden">]</span>'
    html = []
    for run in runs:
        if run.kind == "removed":
            html.append(f"{removed_start}{e(run.text)}{end}</del>")
        elif run.kind == "added":
            space = " " if run.text.endswith(" ") else ""
            html.append(f"{added_start}{e(run.text.strip())}{end}</ins>{space}")
        else:
            html.append(e(run.text))
    return Markup("".join(html))
