"""``digest serve``: the subscription service and web archive under uvicorn."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli._common import _library, _settings, config_option


@click.command("serve")
@click.option("--host", help="Address to listen on (default: serve.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: serve.port, 8000).")
@config_option
def serve_command(host: str | None, port: int | None, config: Path | None) -> None:
    """Serve the subscription pages and the web archive (behind a reverse proxy)."""
    import uvicorn

    from digest.serve import create_app

    settings = _settings(config)
    app = _library(lambda: create_app(settings))
    uvicorn.run(
        app,
        host=host or settings.serve.host,
        port=port or settings.serve.port,
        # Signed tokens are in the paths: the proxy's log is the place for requests.
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )
