"""digest: bilingual newsletters and feeds from article files and RSS/Atom feeds."""

from digest.errors import ConfigError, DigestError, InputError, RenderError, SourceError, StoreError

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DigestError",
    "InputError",
    "RenderError",
    "SourceError",
    "StoreError",
    "__version__",
]
