"""The subscription service under test: real uvicorn on 127.0.0.1, real aiosmtpd, a real
SQLite store, and a clock the test moves (links expire without waiting)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time  # Clock: the real time plus an offset
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller

from digest.config import Settings, load_settings
from digest.deliver.registry import Registry
from digest.serve import create_app
from digest.store import Store

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test secret, long enough to sign links with"
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
URL = re.compile(r"^(https?://\S+)$", re.MULTILINE)


def free_port() -> int:
    """A port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts, by recipient."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, envelope.content))
        return "250 2.0.0 queued"

    def to(self, address: str) -> list[Message]:
        """The messages to ``address``, parsed, oldest first."""
        with self._lock:
            found = [raw for rcpt, raw in self.messages if rcpt == address]
        return [message_from_bytes(raw, policy=default_policy) for raw in found]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def recipients(self) -> list[str]:
        with self._lock:
            return [rcpt for rcpt, _ in self.messages]


def body(message: Message) -> str:
    """The plain-text body of ``message``."""
    part = message.get_body(("plain",))  # type: ignore[attr-defined]
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def links(message: Message) -> list[str]:
    """The URLs of ``message``'s body, in order, without repeats."""
    return list(dict.fromkeys(URL.findall(body(message))))


@dataclass
class Clock:
    """Real time plus an offset the test moves forward."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Service:
    """A running service and what the test needs around it."""

    settings: Settings
    base: str
    mailbox: Mailbox
    clock: Clock
    client: httpx.Client
    registry: Registry
    extra: dict[str, Any] = field(default_factory=dict)

    def form(self, path: str) -> str:
        """GET the page at ``path`` (cookie kept by the client); its CSRF field."""
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        found = CSRF_FIELD.search(page.text)
        assert found, page.text
        return found.group(1)


def write_tree(tree: Path, port: int, smtp_port: int, **serve: object) -> Path:
    """A digest folder served at ``http://127.0.0.1:<port>/``; its settings file."""
    shutil.copy(ROOT / "themes.toml", tree / "themes.toml")
    web = tree / "outbox" / "web" / "fr"
    web.mkdir(parents=True)
    (web / "index.html").write_text(
        '<!DOCTYPE html><html lang="fr"><title>Archive</title><p>Archive</p></html>\n',
        encoding="utf-8",
    )
    lines = [
        'languages = ["fr", "nl"]',
        'store_url = "sqlite:///store.sqlite3"',
        'sender = "Benelux AI digest <digest@digest.example>"',
        f'base_url = "http://127.0.0.1:{port}/"',
        f'secret = "{SECRET}"',
        "[paths]",
        'outbox = "outbox"',
        'themes = "themes.toml"',
        f'templates = "{ROOT / "templates"}"',
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {smtp_port}",
        'security = "none"',
        "[serve]",
        f"port = {port}",
    ]
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in serve.items()]
    path = tree / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class _Server(uvicorn.Server):
    """uvicorn's server with an event saying its startup is over (successful or not)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def serve_on(self, listener: socket.socket) -> None:
        try:
            self.run(sockets=[listener])
        finally:
            self.ready.set()


@contextmanager
def running(tree: Path, **serve: object) -> Iterator[Service]:
    """The service of a new digest folder ``tree`` under uvicorn, with its SMTP server."""
    mailbox = Mailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    # The test binds the listening socket itself and hands it to uvicorn: a request made
    # before uvicorn accepts waits in the socket's backlog, and no other process can take
    # the port in between.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = int(listener.getsockname()[1])
    settings = load_settings(write_tree(tree, port, smtp_port, **serve))
    clock = Clock()
    server = _Server(
        uvicorn.Config(
            create_app(settings, now=clock),
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.serve_on, args=(listener,), daemon=True)
    thread.start()
    store = Store(settings.store_url)
    try:
        # Set when the app's startup is done, or when the server thread ends; the bound
        # is only a safety net against a hang.
        server.ready.wait(timeout=120)
        assert server.started, "uvicorn did not start"
        base = settings.base_url
        with httpx.Client(base_url=base, timeout=30) as client:
            yield Service(settings, base, mailbox, clock, client, Registry(store.engine))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
        store.close()
        controller.stop()
