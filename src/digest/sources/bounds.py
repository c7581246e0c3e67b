"""What reading one source may cost: a jail for its paths, and decompression that stops
at a size cap.

A source is read only inside the folder that names it (:func:`is_inside`), and a body
is decompressed a slice at a time (:func:`decompressed`, :func:`unwrap_gzip`), so a few
kilobytes of compressed zeros never become gigabytes in memory: the cap is checked
after every slice, for every layer of compression.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from digest.errors import SourceError

#: The first bytes of a gzip stream.
GZIP_MAGIC = b"\x1f\x8b"
#: Layers of compression undone at most, HTTP's and gzip bodies inside it together.
MAX_LAYERS = 3
# Bytes one decompression step may produce: the most held beyond the cap.
_SLICE = 64 * 1024
_GZIP, _ZLIB, _RAW_DEFLATE = 31, 15, -15
_WBITS = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": _ZLIB}


def is_inside(path: Path, folder: Path) -> bool:
    """Whether the real path of ``path`` (every symlink followed) is in ``folder``'s real path."""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def decompressed(
    chunks: Iterable[bytes], encodings: Sequence[str], *, location: str, max_bytes: int
) -> bytes:
    """A body from its bytes on the wire: each ``Content-Encoding`` undone, then gzip inside.

    Args:
        chunks: the raw body, as it arrives.
        encodings: the ``Content-Encoding`` values, in the order they were applied.
        location: the URL or file, for messages.
        max_bytes: the most bytes of the body at any layer.

    Raises:
        SourceError: an encoding that is not gzip or deflate, more than
            :data:`MAX_LAYERS` layers, damaged compressed data, or a layer over the cap.
    """
    layers = [e for e in (e.strip().lower() for e in encodings) if e and e != "identity"]
    if len(layers) > MAX_LAYERS:
        raise SourceError(location, f"more than {MAX_LAYERS} layers of compression")
    stream: Iterator[bytes] = _capped(chunks, location, max_bytes, "")
    for encoding in reversed(layers):  # the last applied is undone first
        if encoding not in _WBITS:
            raise SourceError(location, f"unsupported Content-Encoding {encoding!r}")
        stream = _capped(
            _inflate(stream, _WBITS[encoding], location), location, max_bytes, " once decompressed"
        )
    return unwrap_gzip(b"".join(stream), location=location, max_bytes=max_bytes, done=len(layers))


def unwrap_gzip(body: bytes, *, location: str, max_bytes: int, done: int = 0) -> bytes:
    """``body``, or what it holds when it is gzip (a ``.gz`` file, a gzip served as is).

    Args:
        done: layers of compression already undone around it.

    Raises:
        SourceError: more than :data:`MAX_LAYERS` layers in all, damaged data, or a
            layer over ``max_bytes``.
    """
    while body.startswith(GZIP_MAGIC):
        done += 1
        if done > MAX_LAYERS:
            raise SourceError(location, f"more than {MAX_LAYERS} layers of compression")
        inflated = _inflate(iter((body,)), _GZIP, location)
        body = b"".join(_capped(inflated, location, max_bytes, " once decompressed"))
    return body


def _capped(chunks: Iterable[bytes], location: str, max_bytes: int, when: str) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(location, f"body is over the {max_bytes}-byte cap{when}")
        yield chunk


def _inflate(chunks: Iterator[bytes], wbits: int, location: str) -> Iterator[bytes]:
    # zlib by hand rather than httpx's decoders or gzip.decompress: they inflate a whole
    # input at once, and 2 KB of twice-gzipped zeros become a gigabyte. Here each step
    # yields at most _SLICE bytes, so the cap downstream stops the inflation itself.
    inflater = zlib.decompressobj(wbits)
    started = False
    for data in chunks:
        while True:
            try:
                out = inflater.decompress(data, _SLICE)
            except zlib.error as exc:
                if wbits == _ZLIB and not started:
                    # HTTP's "deflate" is zlib-wrapped, but some servers send it raw.
                    wbits, inflater = _RAW_DEFLATE, zlib.decompressobj(_RAW_DEFLATE)
                    continue
                raise SourceError(location, f"compressed body is damaged ({exc})") from None
            started = True
            if out:
                yield out
            data = inflater.unconsumed_tail
            if inflater.eof and wbits == _GZIP and inflater.unused_data.startswith(GZIP_MAGIC):
                # Concatenated gzip members are one gzip stream (RFC 1952).
                data, inflater = inflater.unused_data, zlib.decompressobj(wbits)
                continue
            # A full slice may leave output inside zlib even when all input was taken.
            if not data and len(out) < _SLICE:
                break
    if not inflater.eof:
        raise SourceError(location, "compressed body ends too early")


def cut_text(
    title: str, html: str, *, max_title: int, max_html: int
) -> tuple[str, str, str | None]:
    """``title`` and ``html`` cut to their limits, and what was cut (None: nothing).

    The HTML may be cut inside a tag or an entity: it is sanitised afterwards, which
    repairs or drops the broken end.
    """
    cut = []
    if len(title) > max_title:
        cut.append(f"title longer than {max_title} characters")
        title = title[:max_title]
    if len(html) > max_html:
        cut.append(f"text longer than {max_html} characters")
        html = html[:max_html]
    return title, html, " and ".join(cut) or None
