"""``wijkanalyse serve``: the web site (:mod:`wijkanalyse.web`) served by uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from wijkanalyse.cli.util import fail, settings_from

__all__ = ["serve_command"]


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Adres om op te luisteren (standaard "
                                      "alleen deze computer).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Poort.", min=1, max=65535)] = 8000,
    base_path: Annotated[str, typer.Option(
        "--base-path", help="Pad waaronder een reverse proxy de site aanbiedt, bijv. "
        "'/wijkanalyse' (leeg: de site staat op de wortel).")] = "",
    forwarded_allow_ips: Annotated[str, typer.Option(
        "--forwarded-allow-ips", help="Adressen van de reverse proxy waarvan "
        "X-Forwarded-For/-Proto worden vertrouwd (komma's; standaard 127.0.0.1).")
    ] = "127.0.0.1",
) -> None:
    """Start de website: wijkprofielen, gemeenten, monitor, kennisdossier en gegevens, elke
    pagina ook als JSON. De database wordt alleen gelezen; 'data build' en de andere commando's
    blijven werken terwijl de site draait, en een nieuw gebouwde database wordt vanzelf gebruikt."""
    import uvicorn

    from wijkanalyse.errors import WijkanalyseError
    from wijkanalyse.web import WebSettings, create_app
    from wijkanalyse.web.deps import file_identity

    settings = settings_from(ctx)
    try:
        file_identity(settings.db_path)
    except WijkanalyseError as exc:
        fail(exc)
    if base_path and not base_path.startswith("/"):
        base_path = "/" + base_path
    app = create_app(WebSettings(db_path=settings.db_path, base_path=base_path.rstrip("/")))
    typer.echo(f"wijkanalyse draait op http://{host}:{port}{base_path}/ (stoppen: Ctrl+C)")
    uvicorn.run(app, host=host, port=port, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, log_level="warning")
