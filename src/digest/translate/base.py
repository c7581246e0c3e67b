"""What every part of the translation chain shares: the Protocol, results, errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from digest.errors import DigestError

Status = Literal["reviewed", "machine"]


class TranslationError(DigestError):
    """A translation backend failed, or a translation file is unusable.

    Attributes:
        location: the file, URL or backend concerned.
    """

    message = "translation failed"

    def __init__(self, location: str, message: str | None = None) -> None:
        self.location = location
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.location}: {self.args[0]}"


class Translator(Protocol):
    """A machine-translation backend: one sentence or short paragraph at a time.

    Backends are tried in the configured order by :class:`digest.translate.chain.Chain`,
    after the translation memory; their output is remembered with status ``machine``.
    """

    #: Short name, recorded as the origin of what it translated (``libretranslate``).
    name: str
    #: Where it translates (a URL or a folder), for messages.
    location: str

    def translate(self, text: str, source: str, target: str) -> str | None:
        """Translate ``text`` from ``source`` into ``target``.

        Args:
            text: plain text, one or a few sentences.
            source: ISO 639-1 code of ``text``'s language.
            target: ISO 639-1 code of the language wanted.

        Returns:
            The translation, or None when the backend does not offer this language pair.

        Raises:
            TranslationError: the backend is unusable or failed (the chain warns once
                and stops asking it for the rest of the run).
        """
        ...

    def close(self) -> None:
        """Release connections and loaded models."""
        ...


@dataclass(frozen=True)
class Translation:
    """A translation the chain found."""

    text: str
    #: ``reviewed`` (a translator's) or ``machine``.
    status: Status
    #: The XLIFF file or the backend it came from.
    origin: str
