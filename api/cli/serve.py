"""``innonet serve``: the HTTP API under uvicorn.

Without any API key configured (``INNONET_API_KEYS`` / ``INNONET_API_KEYS_FILE``) the
server only binds a loopback address; every route but ``/health`` and the docs then
answers 401, so the only use is trying the docs locally.
"""

from __future__ import annotations

import click

from api.http.security import ApiSettings, KeyConfigError, KeyRing, is_loopback

COMMANDS: list[click.Command] = []


def check_bind(host: str, keyring: KeyRing) -> None:
    """Refuse a non-loopback ``host`` when no key is configured.

    >>> check_bind("127.0.0.1", KeyRing())
    >>> check_bind("0.0.0.0", KeyRing([("admin", "admin-key-0123456789")]))
    """
    if not len(keyring) and not is_loopback(host):
        raise KeyConfigError(
            f"refusing to bind {host!r} with no API keys configured; set INNONET_API_KEYS='role:key,...' "
            "or INNONET_API_KEYS_FILE, or serve on 127.0.0.1"
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Server processes; each keeps its own caches (and fits its own pairing model).")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request.")
def serve(host: str, port: int, log_level: str, workers: int, access_log: bool) -> None:
    """Run the HTTP API (keys from INNONET_API_KEYS or INNONET_API_KEYS_FILE; docs at /docs)."""
    import uvicorn

    from api.http.app import create_app
    from graph.connect import open_store
    from graph.settings import Settings

    api_settings = ApiSettings()
    keyring = KeyRing.from_settings(api_settings)
    check_bind(host, keyring)
    open_store(Settings()).close()  # fail now, with a one-line message, if the store cannot be opened
    if not len(keyring):
        click.echo("innonet: warning: no API keys configured; every route but /health and /docs answers 401",
                   err=True)
    if workers > 1:  # each worker process builds the app from the same environment
        uvicorn.run("api.http.app:create_app", factory=True, host=host, port=port, log_level=log_level,
                    access_log=access_log, workers=workers)
        return
    app = create_app(api_settings=api_settings, keyring=keyring)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log)


COMMANDS.append(serve)
