"""CLI: the ``wijkanalyse`` command (typer), one module per command group; the entry point
is :func:`wijkanalyse.cli.main.main`.

May import everything.
"""

