"""Resource attacks for tests: compression bombs and a server that never finishes."""

from __future__ import annotations

import gzip
import http.server
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

_MIB = 1 << 20


def gzip_of_zeros(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes (a multiple of 1 MiB), in about a second for 1 GiB.

    Compressing a gigabyte takes seconds; instead one MiB of zeros is compressed once,
    ended by a full flush (which leaves no reference to earlier data), and that block
    is repeated: a valid deflate stream whose blocks are all the same.
    """
    assert size % _MIB == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"\0" * _MIB
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(size // _MIB):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return header + block * (size // _MIB) + end + trailer


def double_gzip_bomb(size: int = 1 << 30) -> bytes:
    """``size`` zero bytes gzipped twice: a few kilobytes (2 KB for 1 GiB)."""
    return gzip.compress(gzip_of_zeros(size), 9)


class _Dribble(http.server.BaseHTTPRequestHandler):
    """Answers 200, then sends one byte of an endless body at a time."""

    stop: threading.Event
    interval: float

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()
        try:
            self.wfile.write(b"<")
            self.wfile.flush()
            while not self.stop.wait(self.interval):
                self.wfile.write(b" ")
                self.wfile.flush()
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def dribbling_server(interval: float = 0.2) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 whose answer never ends; yields the feed's URL.

    It sends a byte every ``interval`` seconds, so no single read ever times out: only an
    overall deadline stops a client.
    """
    stop = threading.Event()
    handler = type("Dribble", (_Dribble,), {"stop": stop, "interval": interval})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slow.xml"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join()
