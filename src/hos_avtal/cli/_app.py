"""The typer application and the entry point that turns user errors into messages."""

from __future__ import annotations

import sys

import typer

from hos_avtal.errors import HosAvtalError, RunIntegrityError

app = typer.Typer(
    name="hos-avtal",
    help=(
        "Beräkningar enligt hälso- och sjukvårdsavtalet (HoS-avtal) mellan Västra Götalandsregionen "
        "och de 49 kommunerna i Västra Götaland: kommunens betalningsansvar för utskrivningsklara "
        "patienter i slutenvården, med regelverk som datafiler."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def command_group(name: str, help: str, *, no_args_is_help: bool = True) -> typer.Typer:
    """A group of subcommands (``hos-avtal <name> …``) registered on the application."""
    group = typer.Typer(help=help, no_args_is_help=no_args_is_help)
    app.add_typer(group, name=name)
    return group


COMMAND_MODULES = (
    "_betalningsansvar",
    "_placements",
    "_home_care",
    "_synth",
    "_rulesets",
    "_registry",
    "_scenario",
    "_prognos",
    "_run",
    "_keys",
    "_db",
    "_serve",
)
"""Each module registers its commands on ``app`` when imported."""


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"hos_avtal.cli.{name}")


def main() -> None:
    """Console entry point: exit 0 on success, 2 with a message (no traceback) on bad input, 1 when
    a stored run no longer matches its seal (nothing of it is shown)."""
    _register()
    try:
        app()
    except RunIntegrityError as exc:
        print(f"fel: {exc}", file=sys.stderr)
        sys.exit(1)
    except HosAvtalError as exc:
        print(f"fel: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("avbrutet", file=sys.stderr)
        sys.exit(130)
