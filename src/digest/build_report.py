"""What :func:`digest.build.build` reports, and is told its progress by; the days the
command line gives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Protocol

from digest.errors import InputError
from digest.model import Problem
from digest.store import StoreCounts

if TYPE_CHECKING:
    from digest.publish import EditionResult


class Progress(Protocol):
    """Told how far a build has gone (the CLI draws a bar with it)."""

    def start(self, total: int, what: str) -> None:
        """A stage of ``total`` steps begins."""

    def advance(self) -> None:
        """One step of the current stage is done."""


class Silent:
    """A build's progress told to no one."""

    def start(self, total: int, what: str) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass(frozen=True)
class BuildReport:
    """The outcome of :func:`build`."""

    stored: StoreCounts
    editions: tuple[EditionResult, ...]
    feeds_changed: int
    problems: tuple[Problem, ...] = field(default=())
    #: Periods not built again: their inputs are those their published edition (or
    #: their finding that there was nothing to publish) was built from.
    skipped: int = 0
    #: Items' parts computed again because their code or settings changed, and why
    #: (``recomputing 5,000 items' parts: taxonomy changed``); None when none was.
    recomputed: str | None = None


def parse_day(value: str, option: str) -> date:
    """A ``YYYY-MM-DD`` date given on the command line.

    Raises:
        InputError: naming the option and the expected format.
    """
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)") from None
