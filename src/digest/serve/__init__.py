"""``digest serve``: the subscription service and the web archive, one ASGI application.

Subscribe with double opt-in, confirm, one-click unsubscribe (RFC 8058), preferences,
all from signed links (:mod:`digest.deliver.links`); the outbox's archive read-only.
See :func:`create_app`.
"""

from __future__ import annotations

from digest.serve.app import create_app
from digest.serve.mail import Mailer, SmtpMailer

__all__ = ["Mailer", "SmtpMailer", "create_app"]
