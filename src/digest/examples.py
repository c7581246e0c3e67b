"""Settings still holding example values: the sample's, or those ``digest init`` writes.

A digest copied from the sample folder, or made by ``digest init`` without answers,
sends from ``digest@digest.example`` and links to ``https://example.org/``: names
reserved for examples (RFC 2606 and RFC 6761) that no reader can reach. Every command
says so, once per run, until the operator sets their own (see :mod:`digest.cli._common`).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

from digest.config import Settings

__all__ = ["ExampleValue", "example_values", "example_warnings", "is_example_domain"]

#: Top-level names reserved for documentation and tests (RFC 2606, RFC 6761).
EXAMPLE_TLDS = frozenset({"example", "test", "invalid"})
#: Second-level names reserved for documentation (RFC 2606).
EXAMPLE_DOMAINS = frozenset({"example.com", "example.net", "example.org"})


@dataclass(frozen=True)
class ExampleValue:
    """One setting that still holds an example value."""

    #: The setting's name in ``digest.toml``.
    setting: str
    #: Its value.
    value: str
    #: What the operator should put there instead.
    advice: str

    def __str__(self) -> str:
        return (
            f"{self.setting} is still an example value ({self.value!r}): {self.advice} "
            f"in digest.toml (or DIGEST_{self.setting.upper()})"
        )


def is_example_domain(domain: str) -> bool:
    """Whether ``domain`` is, or lies under, a name reserved for examples."""
    labels = domain.strip().rstrip(".").lower().split(".")
    return labels[-1] in EXAMPLE_TLDS or ".".join(labels[-2:]) in EXAMPLE_DOMAINS


def _mail_domain(address: str) -> str:
    _name, mailbox = parseaddr(address)
    return mailbox.rpartition("@")[2]


def example_values(settings: Settings) -> tuple[ExampleValue, ...]:
    """The sender, base URL and unsubscribe address among ``settings`` that are examples.

    Returns:
        One :class:`ExampleValue` per such setting, in that order; none when every
        one of them names a real domain.
    """
    found = []
    if is_example_domain(_mail_domain(settings.sender)):
        found.append(
            ExampleValue("sender", settings.sender, "set the address your digest is sent from")
        )
    if is_example_domain(urlsplit(settings.base_url).hostname or ""):
        found.append(
            ExampleValue(
                "base_url", settings.base_url, "set the public address where the outbox is served"
            )
        )
    if is_example_domain(_mail_domain(settings.unsubscribe_address)):
        found.append(
            ExampleValue(
                "unsubscribe_address",
                settings.unsubscribe_address,
                "set an address that receives your readers' unsubscribe requests",
            )
        )
    return tuple(found)


def example_warnings(settings: Settings) -> tuple[ExampleValue, ...]:
    """What to warn about: :func:`example_values`, or nothing when
    ``warn_example_values`` is false."""
    return example_values(settings) if settings.warn_example_values else ()
