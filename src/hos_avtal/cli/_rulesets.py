"""``hos-avtal rulesets``: what rule sets exist and every parameter with its source."""

from __future__ import annotations

from typing import Annotated

import typer

from hos_avtal.cli._app import app

rulesets_app = typer.Typer(
    help="List the rule sets and show their parameters with effective dates and sources.",
    no_args_is_help=True,
)
app.add_typer(rulesets_app, name="rulesets")


@rulesets_app.command("list")
def list_rulesets() -> None:
    """The shipped rule sets and their validity."""
    from rich.console import Console
    from rich.table import Table

    from hos_avtal.rules import shipped_rulesets

    table = Table(title="Shipped rule sets")
    for header in ("Id", "Valid", "Chosen automatically", "Name"):
        table.add_column(header)
    for r in shipped_rulesets():
        table.add_row(r.id, r.period, "yes" if r.auto_select else "no (name it with --ruleset)", r.name)
    Console().print(table)


@rulesets_app.command("show")
def show_ruleset(
    ruleset: Annotated[str, typer.Argument(help="Rule-set id or .toml file.")],
) -> None:
    """Every parameter of a rule set with its values, effective dates and sources."""
    from rich.console import Console
    from rich.table import Table

    from hos_avtal.rules import load_ruleset
    from hos_avtal.rules._loader import national_parameters

    r = load_ruleset(ruleset)
    console = Console()
    console.print(f"[bold]{r.id}[/bold] — {r.name}\nValid {r.period}. Source: {r.source}")
    table = Table(title="betalningsansvar parameters")
    for header in ("Parameter", "Value", "From", "To", "Source"):
        table.add_column(header, overflow="fold")
    merged = dict(r.betalningsansvar_parameters)
    merged.setdefault(
        "daily_amount_sek", national_parameters().betalningsansvar_parameters["daily_amount_sek"]
    )
    for name, parameter in merged.items():
        for v in parameter.values:
            table.add_row(name, str(v.value), str(v.valid_from), str(v.valid_to or ""), v.source)
    console.print(table)
