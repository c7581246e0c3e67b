"""Jinja's autoescape of one value, as the text of the HTML written in Python rather
than by a template's loop (the lists of sources, the how page's rows).

markupsafe's :func:`~markupsafe.escape` wraps every result in a ``Markup``, a class made
in Python: some microseconds a value, where an edition's pages escape thousands of
short strings. A plain string is escaped here by markupsafe's own replacements (its
pure-Python ``_escape_inner``, the same bytes as its C one); anything else is left to
:func:`~markupsafe.escape` itself (``Markup`` and objects with ``__html__`` as they
are, other values as their ``str``).
"""

from __future__ import annotations

from markupsafe import escape

__all__ = ["escaped"]


def escaped(value: object) -> str:
    """``value`` as Jinja's autoescape writes it: ``str(markupsafe.escape(value))``."""
    if type(value) is str:
        return (
            value.replace("&", "&amp;")
            .replace(">", "&gt;")
            .replace("<", "&lt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )
    return str(escape(value))
