"""``digest serve`` over HTTP: real uvicorn on 127.0.0.1, real aiosmtpd, real SQLite.

Nothing here waits for time to pass: links expire by moving the service's clock, and the
rate limit's window is far longer than any run.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from digest.config import Settings
from digest.deliver.links import LinkError, Links
from digest.deliver.subscribers import Subscriber
from digest.serve.ratelimit import RateLimiter, client_address
from tests.conftest import run_digest
from tests.serve.harness import (
    CSRF_FIELD,
    ROOT,
    SECRET,
    Service,
    free_port,
    links,
    running,
    write_tree,
)

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOUR = 3600.0


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path) as running_service:
        yield running_service


def subscribe(
    service: Service, email: str, *languages: str, themes: tuple[str, ...] = ()
) -> httpx.Response:
    csrf = service.form("fr/subscribe")
    data = {"csrf": csrf, "email": email, "languages": list(languages), "themes": list(themes)}
    return service.client.post("fr/subscribe", data=data)


def active(service: Service, email: str, languages: tuple[str, ...] = ("nl",)) -> None:
    service.registry.add(Subscriber(email, languages, ("health",)), NOW)


def bilingual(page: httpx.Response) -> None:
    assert 'lang="fr"' in page.text and 'lang="nl"' in page.text, page.text


def without_csrf(text: str) -> str:
    return CSRF_FIELD.sub("", text)


def test_subscription_is_confirmed_by_the_link_and_its_button(service: Service) -> None:
    answer = subscribe(service, "Ana@Example.ORG", "nl", "fr", themes=("health", "energy"))
    assert answer.status_code == 200
    bilingual(answer)
    assert service.registry.get("Ana@example.org") is None
    [mail] = service.mailbox.to("Ana@example.org")
    assert mail["From"] == service.settings.sender
    assert "Auto-Submitted" in mail
    [link] = links(mail)
    assert link.startswith(f"{service.base}confirm/")
    page = service.client.get(link)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    bilingual(page)
    assert service.registry.get("Ana@example.org") is None, "a GET never subscribes"
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    done = service.client.post(link, data={"csrf": csrf.group(1)})
    assert done.status_code == 200
    sub = service.registry.get("Ana@example.org")
    assert sub is not None
    assert (sub.status, sub.languages, sub.themes) == ("active", ("nl", "fr"), ("health", "energy"))
    assert service.mailbox.count() == 1, "nothing but the confirmation before it"


def test_an_active_address_gets_its_preferences_link_and_the_same_answer(
    service: Service,
) -> None:
    active(service, "known@example.org")
    known = subscribe(service, "known@example.org", "fr", themes=("energy",))
    unknown = subscribe(service, "stranger@example.org", "fr", themes=("energy",))
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.text) == without_csrf(unknown.text)
    heads = ("content-type", "content-length", "cache-control", "content-security-policy")
    assert [known.headers.get(h) for h in heads] == [unknown.headers.get(h) for h in heads]
    [mail] = service.mailbox.to("known@example.org")
    assert [u.split("/")[3] for u in links(mail)] == ["preferences", "unsubscribe"]
    [link] = links(service.mailbox.to("stranger@example.org")[0])
    assert "/confirm/" in link
    sub = service.registry.get("known@example.org")
    assert sub is not None and (sub.languages, sub.themes) == (("nl",), ("health",))


def test_an_unconfirmed_request_never_changes_an_active_subscriber(service: Service) -> None:
    # An address unsubscribed, asks again (a confirm link), then is made active by the
    # operator: the old request changes nothing until its link is used by its owner.
    subscribe(service, "late@example.org", "fr")
    [link] = links(service.mailbox.to("late@example.org")[0])
    active(service, "late@example.org")
    assert service.registry.get("late@example.org").languages == ("nl",)  # type: ignore[union-attr]
    service.client.get(link)
    assert service.registry.get("late@example.org").languages == ("nl",)  # type: ignore[union-attr]


def test_an_address_is_not_mailed_twice_in_a_short_while(service: Service) -> None:
    first = subscribe(service, "twice@example.org", "fr")
    second = subscribe(service, "twice@example.org", "nl")
    assert without_csrf(first.text) == without_csrf(second.text)
    assert len(service.mailbox.to("twice@example.org")) == 1
    service.clock.offset += 3 * HOUR
    subscribe(service, "twice@example.org", "nl")
    assert len(service.mailbox.to("twice@example.org")) == 2


def test_one_click_post_unsubscribes_without_a_page(service: Service) -> None:
    active(service, "one@example.org")
    active(service, "two@example.org")
    url = Links(service.settings).url("unsubscribe", "one@example.org")
    with httpx.Client(timeout=30) as stranger:  # no cookie, no CSRF field: none needed
        answer = stranger.post(url, data={"List-Unsubscribe": "One-Click"})
        assert (answer.status_code, answer.content) == (200, b"")
        multipart = stranger.post(
            Links(service.settings).url("unsubscribe", "two@example.org"),
            files={"List-Unsubscribe": (None, "One-Click")},
        )
        assert (multipart.status_code, multipart.content) == (200, b"")
    for email in ("one@example.org", "two@example.org"):
        assert service.registry.get(email).status == "unsubscribed"  # type: ignore[union-attr]


def test_a_get_shows_a_button_and_only_the_button_unsubscribes(service: Service) -> None:
    active(service, "leaving@example.org")
    url = Links(service.settings).url("unsubscribe", "leaving@example.org")
    page = service.client.get(url)
    assert page.status_code == 200 and "<button" in page.text
    bilingual(page)
    assert service.registry.get("leaving@example.org").status == "active"  # type: ignore[union-attr]
    forged = service.client.post(url, data={"csrf": "forged"})
    assert forged.status_code == 403
    assert service.registry.get("leaving@example.org").status == "active"  # type: ignore[union-attr]
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    done = service.client.post(url, data={"csrf": csrf.group(1)})
    assert done.status_code == 200
    bilingual(done)
    assert f"{service.base}preferences/" in done.text, "a way back"
    assert service.registry.get("leaving@example.org").status == "unsubscribed"  # type: ignore[union-attr]


def _altered(token: str) -> str:
    i = len(token) // 3
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def test_bad_links_are_refused_and_change_nothing(service: Service) -> None:
    active(service, "safe@example.org")
    signer = Links(service.settings)
    unsubscribe = signer.token("unsubscribe", "safe@example.org")
    preferences = signer.token("preferences", "safe@example.org")
    other = Links(service.settings.model_copy(update={"secret": SecretStr("another secret")}))
    cases = {
        f"unsubscribe/{_altered(unsubscribe)}": 400,
        f"unsubscribe/{preferences}": 400,
        f"unsubscribe/{other.token('unsubscribe', 'safe@example.org')}": 400,
        "unsubscribe/nonsense": 400,
        f"preferences/{unsubscribe}": 400,
        f"confirm/{unsubscribe}": 400,
        f"confirm/{_altered(signer.token('confirm', 'safe@example.org'))}": 400,
    }
    for path, status in cases.items():
        for answer in (
            service.client.get(path),
            service.client.post(path, data={"List-Unsubscribe": "One-Click"}),
        ):
            assert answer.status_code == status, path
            bilingual(answer)
    service.clock.offset += service.settings.serve.link_days * 24 * HOUR + HOUR
    expired = service.client.post(
        f"unsubscribe/{unsubscribe}", data={"List-Unsubscribe": "One-Click"}
    )
    assert expired.status_code == 403
    bilingual(expired)
    assert service.registry.get("safe@example.org").status == "active"  # type: ignore[union-attr]


def test_an_expired_confirmation_link_subscribes_nobody(service: Service) -> None:
    subscribe(service, "slow@example.org", "fr")
    [link] = links(service.mailbox.to("slow@example.org")[0])
    page = service.client.get(link)
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    service.clock.offset += service.settings.serve.confirm_hours * HOUR + 1
    assert service.client.get(link).status_code == 403
    assert service.client.post(link, data={"csrf": csrf.group(1)}).status_code == 403
    assert service.registry.get("slow@example.org") is None


def test_forms_need_their_csrf_field_cookie_and_origin(service: Service) -> None:
    data = {"email": "x@example.org", "languages": "fr"}
    with httpx.Client(base_url=service.base, timeout=30) as stranger:
        assert stranger.post("fr/subscribe", data=data).status_code == 403
    csrf = service.form("fr/subscribe")
    assert service.client.post("fr/subscribe", data={**data, "csrf": "x" + csrf}).status_code == 403
    other_site = {"Origin": "https://evil.example"}
    assert (
        service.client.post(
            "fr/subscribe", data={**data, "csrf": csrf}, headers=other_site
        ).status_code
        == 403
    )
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert (
        service.client.post("fr/subscribe", data={**data, "csrf": csrf}, headers=cross).status_code
        == 403
    )
    assert service.mailbox.count() == 0
    # A browser with Referrer-Policy no-referrer sends "Origin: null": the field decides.
    ok = service.client.post(
        "fr/subscribe", data={**data, "csrf": csrf}, headers={"Origin": "null"}
    )
    assert ok.status_code == 200 and service.mailbox.count() == 1


def test_preferences_show_and_save_languages_and_themes(service: Service) -> None:
    active(service, "prefs@example.org", ("nl", "fr"))
    url = Links(service.settings).url("preferences", "prefs@example.org")
    page = service.client.get(url)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert re.search(r'value="health"[^>]* checked', page.text)
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    none = service.client.post(url, data={"csrf": csrf.group(1), "themes": "energy"})
    assert none.status_code == 400
    assert service.registry.get("prefs@example.org").themes == ("health",)  # type: ignore[union-attr]
    saved = service.client.post(
        url, data={"csrf": csrf.group(1), "languages": ["fr"], "themes": ["energy", "general"]}
    )
    assert saved.status_code == 200
    sub = service.registry.get("prefs@example.org")
    assert sub is not None
    assert (sub.status, sub.languages, sub.themes) == ("active", ("fr",), ("energy", "general"))


def test_the_address_forms_mail_a_link_only_to_known_addresses(service: Service) -> None:
    active(service, "member@example.org")
    answers = []
    for email in ("member@example.org", "nobody@example.org"):
        csrf = service.form("unsubscribe")
        answers.append(service.client.post("unsubscribe", data={"csrf": csrf, "email": email}))
    assert answers[0].status_code == answers[1].status_code == 200
    assert without_csrf(answers[0].text) == without_csrf(answers[1].text)
    assert service.mailbox.recipients() == ["member@example.org"]
    [link] = links(service.mailbox.to("member@example.org")[0])
    assert link.startswith(f"{service.base}unsubscribe/")
    assert (
        Links(service.settings).read("unsubscribe", link.rsplit("/", 1)[1]) == "member@example.org"
    )


def test_pages_carry_the_security_headers(service: Service) -> None:
    for path in ("fr/subscribe", "nl/subscribe", "unsubscribe", "preferences", "nowhere"):
        page = service.client.get(path)
        bilingual(page)
        csp = page.headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp
        assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cache-control"] == "no-store"
    assert service.client.get("nowhere").status_code == 404
    archive = service.client.get("web/fr/index.html")
    assert archive.status_code == 200 and archive.headers["x-frame-options"] == "DENY"
    assert service.client.get("health").text == "ok\n"


def test_bodies_and_fields_are_bounded(service: Service) -> None:
    csrf = service.form("fr/subscribe")
    big = service.client.post("fr/subscribe", data={"csrf": csrf, "email": "a" * 20_000})
    assert big.status_code == 413
    long = service.client.post(
        "fr/subscribe", data={"csrf": csrf, "email": "a" * 300 + "@example.org", "languages": "fr"}
    )
    assert long.status_code == 400 and service.mailbox.count() == 0
    hostile = '"><script>alert(1)</script>'
    echoed = service.client.post("fr/subscribe", data={"csrf": csrf, "email": hostile})
    assert echoed.status_code == 400 and "<script>" not in echoed.text
    assert "&#34;&gt;&lt;script&gt;" in echoed.text


def test_a_thousand_subscriptions_in_a_row_hit_the_limit_and_lose_nothing(
    tmp_path: Path,
) -> None:
    with running(tmp_path, rate_limit=37, rate_window=1e9) as service:
        csrf = service.form("fr/subscribe")
        answers: dict[str, int] = {}
        for n in range(1000):
            email = f"user{n}@example.org"
            answer = service.client.post(
                "fr/subscribe", data={"csrf": csrf, "email": email, "languages": "fr"}
            )
            answers[email] = answer.status_code
            if answer.status_code == 429:
                assert int(answer.headers["retry-after"]) > 0
        accepted = [email for email, status in answers.items() if status == 200]
        refused = [email for email, status in answers.items() if status == 429]
        assert len(accepted) == 37 and len(refused) == 963
        assert accepted == [f"user{n}@example.org" for n in range(37)]
        assert sorted(service.mailbox.recipients()) == sorted(accepted)
        # Another client behind the trusted proxy (127.0.0.1) has a window of its own.
        other = service.client.post(
            "fr/subscribe",
            data={"csrf": csrf, "email": "other@example.org", "languages": "fr"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert other.status_code == 200
        # Confirming what was accepted is one more submission each: refused the same way.
        page = service.client.get(links(service.mailbox.to("user0@example.org")[0])[0])
        assert page.status_code == 200
        refused_page = service.client.post(
            "fr/subscribe", data={"csrf": csrf, "email": "late@example.org", "languages": "fr"}
        )
        assert refused_page.status_code == 429
        bilingual(refused_page)
        assert service.mailbox.count() == 38


def test_client_address_trusts_only_the_configured_proxies() -> None:
    forwarded = {"x-forwarded-for": "198.51.100.7, 10.0.0.2"}
    assert client_address("10.0.0.1", forwarded, ("10.0.0.1", "10.0.0.2")) == "198.51.100.7"
    assert client_address("192.0.2.1", forwarded, ("10.0.0.1",)) == "192.0.2.1"
    assert client_address("10.0.0.1", {}, ("10.0.0.1",)) == "10.0.0.1"
    assert client_address("10.0.0.1", {"x-forwarded-for": "junk"}, ("10.0.0.1",)) == "10.0.0.1"


def test_the_rate_limiter_window_slides_with_its_clock() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 60, lambda: now[0])
    assert [limiter.hit("a").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("a").retry_after == 60
    assert limiter.hit("b").allowed
    now[0] = 60.0
    assert limiter.hit("a").allowed


def test_links_expire_on_the_injected_clock() -> None:
    settings = Settings(secret=SECRET)  # type: ignore[arg-type]
    then = Links(settings, now=lambda: 1_000_000.0)
    token = then.token("unsubscribe", "a@example.org")
    later = Links(settings, now=lambda: 1_000_000.0 + settings.serve.link_days * 86400 + 1)
    with pytest.raises(LinkError) as caught:
        later.read("unsubscribe", token)
    assert caught.value.expired
    assert then.read("unsubscribe", token) == "a@example.org"
    with pytest.raises(LinkError):
        then.read("preferences", token)


def test_serve_without_a_secret_stops_with_one_line(tmp_path: Path) -> None:
    config = write_tree(tmp_path, 1, 1)
    text = config.read_text(encoding="utf-8").replace(f'secret = "{SECRET}"\n', "")
    config.write_text(text, encoding="utf-8")
    result = run_digest(tmp_path, "serve", "--config", str(config), timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("digest: error: ") and result.stderr.count("\n") == 1
    assert "secret" in result.stderr


def test_serve_with_a_broken_store_stops_with_one_line(tmp_path: Path) -> None:
    config = write_tree(tmp_path, 1, 1)
    (tmp_path / "store.sqlite3").write_bytes(b"this is not a database" * 100)
    result = run_digest(tmp_path, "serve", "--config", str(config), timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("digest: error: ") and result.stderr.count("\n") == 1, (
        result.stderr
    )


def test_every_message_of_the_pages_is_translated() -> None:
    from babel.messages.pofile import read_po

    locale = ROOT / "templates" / "locale"
    catalogs = {}
    for lang in ("fr", "nl", "de", "en"):
        with (locale / lang / "LC_MESSAGES" / "serve.po").open("rb") as handle:
            catalogs[lang] = {m.id: m.string for m in read_po(handle) if m.id}
    assert len({frozenset(c) for c in catalogs.values()}) == 1, "the same messages everywhere"
    for lang in ("fr", "nl", "de"):
        assert all(catalogs[lang].values()), f"{lang}: untranslated messages"
    used = set()
    for template in (ROOT / "templates" / "web" / "serve").glob("*.j2"):
        used |= set(re.findall(r'(?:both|paras)\("([^"]+)"', template.read_text("utf-8")))
    assert used and used <= set(catalogs["fr"]), used - set(catalogs["fr"])


def test_digest_serve_runs_uvicorn_on_the_given_port(tmp_path: Path) -> None:
    port = free_port()
    config = write_tree(tmp_path, port, free_port())
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "serve", "--config", str(config), "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Readiness is uvicorn's own line on stderr, read as it comes (no polling); the wait's
    # bound is only a safety net against a hang.
    log: list[str] = []
    listening = threading.Event()

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if "Uvicorn running on" in line:
                listening.set()
        listening.set()  # the process ended without listening

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        listening.wait(timeout=120)
        assert process.poll() is None, "".join(log)
        answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=30)
        assert (answer.status_code, answer.text) == (200, "ok\n")
        archive = httpx.get(f"http://127.0.0.1:{port}/web/fr/", timeout=30)
        assert archive.status_code == 200 and "Archive" in archive.text
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=30)
        assert process.stderr is not None
        process.stderr.close()
