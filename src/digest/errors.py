"""One error root, :class:`DigestError`, and its families.

Families carry what they are about (a file, a URL, an edition) so the CLI can
print one line that names it. Errors caused by the user's input also subclass
:class:`ValueError`.
"""

from __future__ import annotations


class DigestError(Exception):
    """Root of every error this package raises on purpose."""

    message = "digest failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def reason(self) -> str:
        """The one-line reason shown to the operator."""
        return str(self)


class InputError(DigestError, ValueError):
    """A command-line value the operator gave is not usable."""

    message = "invalid input"


class ConfigError(DigestError, ValueError):
    """The configuration file or a ``DIGEST_*`` variable is invalid."""

    message = "invalid configuration"


class SourceError(DigestError):
    """A source (an article file or a feed) could not be read or understood.

    Attributes:
        location: the file path or URL concerned.
    """

    message = "source could not be read"

    def __init__(self, location: str, message: str | None = None) -> None:
        self.location = location
        super().__init__(message)

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, str]]:
        # Raised in an ingest worker process, it crosses back pickled: keep both fields.
        return (type(self), (self.location, self.args[0]))

    def __str__(self) -> str:
        return f"{self.location}: {self.args[0]}"


class StoreError(DigestError):
    """The item store could not be opened or written."""

    message = "store error"


class RenderError(DigestError):
    """An edition could not be rendered or written to the outbox.

    Attributes:
        edition_id: the edition concerned, when known.
    """

    message = "rendering failed"

    def __init__(self, message: str | None = None, *, edition_id: str | None = None) -> None:
        self.edition_id = edition_id
        super().__init__(message)

    def __str__(self) -> str:
        prefix = f"{self.edition_id}: " if self.edition_id else ""
        return f"{prefix}{self.args[0]}"


class OutboxError(DigestError):
    """The outbox cannot be written: a full disk, a read-only or foreign folder, a writer.

    Not a :class:`RenderError`: the edition rendered, so leaving stories out cannot help.

    Attributes:
        path: the file or folder concerned.
    """

    message = "the outbox cannot be written"

    def __init__(self, path: str, message: str | None = None) -> None:
        self.path = path
        super().__init__(message)
