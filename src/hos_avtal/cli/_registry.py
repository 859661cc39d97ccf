"""``hos-avtal amounts`` and ``hos-avtal tariffs``: the year's fastställt belopp and each
municipality's own tariffs, entered once in the database and used by every calculation."""

from __future__ import annotations

from typing import Annotated

import typer

from hos_avtal.cli._app import command_group
from hos_avtal.cli._options import DbOption, actor, amount_option, date_option, print_json
from hos_avtal.cli._rulesets import FormatOption, ListFormat, amount_rows
from hos_avtal.cli._tables import folding_table

amounts_app = command_group(
    "amounts",
    "Fastställt belopp per vårddygn för varje år: registrera det en gång, alla beräkningar använder det.",
)
tariffs_app = command_group(
    "tariffs",
    "Varje kommuns egna timpriser för hemtjänst och hemsjukvård per år (kommunen beslutar dem själv).",
)

YearArgument = Annotated[int, typer.Argument(help="Kalenderår.", min=1900, max=9999, show_default=False)]
SourceOption = Annotated[
    str,
    typer.Option("--source", help="Varifrån värdet kommer: föreskriften eller beslutet, med referens."),
]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Vem som registrerar det. Standard: ditt användarnamn.")
]


@amounts_app.command("set")
def set_amount(
    year: YearArgument,
    sek: Annotated[str, typer.Argument(metavar="SEK", help="Kronor per vårddygn, t.ex. 9300 eller '9 300'.")],
    source: SourceOption,
    db: DbOption = None,
    by: ByOption = None,
) -> None:
    """Registrera fastställt belopp för ett år (Socialstyrelsen publicerar det i december).

    Det används av alla kommandon, faktureringskörningar, scenarier och API-anrop för det året. En
    fastställd körning behåller beloppet den använde; en ny körning av samma månad efter en ändring
    blir en ny version, med rättelser.
    """
    from hos_avtal.cli._run import _open
    from hos_avtal.money import format_sek
    from hos_avtal.rules import check_registered_amount
    from hos_avtal.storage import register_daily_amount

    amount = amount_option(sek)
    assert amount is not None
    checked_year, amount_ore, checked_source = check_registered_amount(year, amount, source)
    database = _open(db)
    try:
        register_daily_amount(database, checked_year, amount_ore, checked_source, actor(by))
    finally:
        database.close()
    print(f"{checked_year}: {format_sek(amount_ore)} kr per vårddygn registrerat ({checked_source})")


@amounts_app.command("list")
def list_amounts(db: DbOption = None, output_format: FormatOption = ListFormat.table) -> None:
    """Fastställt belopp för varje år: medföljande i hos_avtal eller registrerat (med historik)."""
    from hos_avtal.cli._run import _open
    from hos_avtal.money import format_sek
    from hos_avtal.rules import RegisteredAmount, using_registry
    from hos_avtal.storage import daily_amount_history, load_registry, read_registry

    registry = read_registry(db)
    history: list[RegisteredAmount] = []
    if registry.daily_amounts:
        database = _open(db)
        try:
            history = daily_amount_history(database)
            registry = load_registry(database)
        finally:
            database.close()
    with using_registry(registry):
        rows = amount_rows()
    if output_format is ListFormat.json:
        print_json(
            {
                "amounts": [
                    {"year": y, "daily_amount_sek": sek, "origin": origin, "source": src}
                    for y, sek, origin, src in rows
                ],
                "history": [
                    {
                        "year": h.year,
                        "daily_amount_sek": format_sek(h.amount_ore),
                        "source": h.source,
                        "registered_by": h.registered_by,
                        "registered_at": h.registered_at.isoformat(),
                    }
                    for h in history
                ],
            }
        )
        return
    from rich.console import Console

    from hos_avtal.exports import ORIGIN_SV

    table = folding_table("Fastställt belopp per vårddygn", ("År", "Kronor", "Ursprung", "Källa"))
    for year, sek, origin, source in rows:
        table.add_row(str(year), sek, ORIGIN_SV.get(origin, origin), source)
    console = Console()
    console.print(table)
    if history:
        changes = folding_table(
            "Registreringar (den senaste för ett år gäller)", ("År", "Kronor", "Registrerat", "Av", "Källa")
        )
        for h in history:
            changes.add_row(
                str(h.year),
                format_sek(h.amount_ore),
                f"{h.registered_at:%Y-%m-%d %H:%M}",
                h.registered_by,
                h.source,
            )
        console.print(changes)


@tariffs_app.command("set")
def set_tariff(
    kommun: Annotated[str, typer.Argument(metavar="KOMMUN", help="Kommunens kod, t.ex. 1480.")],
    year: YearArgument,
    decided: Annotated[str, typer.Option("--decided", help="Datum för kommunens beslut.")],
    source: SourceOption,
    hemtjanst: Annotated[str | None, typer.Option("--hemtjanst", help="Kronor per timme hemtjänst.")] = None,
    hemsjukvard: Annotated[
        str | None, typer.Option("--hemsjukvard", help="Kronor per timme hemsjukvård.")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
) -> None:
    """Registrera en kommuns egna timpriser för ett år: vad den fakturerar när den ger insatser
    till någon från en annan kommun som vistas där. home-care, faktureringskörningar och scenarier
    använder dem när ingen taxefil säger något annat."""
    from hos_avtal.cli._run import _open
    from hos_avtal.exports import SERVICE_SV
    from hos_avtal.money import format_sek
    from hos_avtal.municipalities import lookup
    from hos_avtal.rules import check_registered_tariff
    from hos_avtal.storage import register_tariff

    given = {"hemtjanst": hemtjanst, "hemsjukvard": hemsjukvard}
    amounts = {service: amount_option(text) for service, text in given.items() if text is not None}
    day = date_option(decided, "--decided")
    code = kommun.strip()
    given_amounts = {k: v for k, v in amounts.items() if v is not None}
    checked, checked_source = check_registered_tariff(code, year, given_amounts, day, source)
    database = _open(db)
    try:
        registered = register_tariff(database, code, year, checked, day, checked_source, actor(by))
    finally:
        database.close()
    name = lookup(code).name
    for t in registered:
        service = SERVICE_SV[t.service].lower()
        print(f"{t.kommun} {name} {t.year} {service}: {format_sek(t.amount_ore)} kr per timme registrerat")


@tariffs_app.command("list")
def list_tariffs(
    kommun: Annotated[str | None, typer.Option("--kommun", help="Bara denna kommun (kod).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Bara detta år.", min=1900, max=9999)] = None,
    db: DbOption = None,
    output_format: FormatOption = ListFormat.table,
) -> None:
    """De registrerade timpriser som gäller (det senaste för varje kommun, år och insats)."""
    from hos_avtal.money import format_sek
    from hos_avtal.municipalities import lookup
    from hos_avtal.storage import read_registry

    tariffs = sorted(
        (
            t
            for t in read_registry(db).tariffs.values()
            if (kommun is None or t.kommun == kommun) and (year is None or t.year == year)
        ),
        key=lambda t: (t.kommun, t.year, t.service),
    )
    if output_format is ListFormat.json:
        print_json(
            [
                {
                    "kommun": t.kommun,
                    "name": lookup(t.kommun).name,
                    "year": t.year,
                    "service": t.service,
                    "sek_per_hour": format_sek(t.amount_ore),
                    "decided": t.decided.isoformat(),
                    "source": t.source,
                    "registered_by": t.registered_by,
                    "registered_at": t.registered_at.isoformat(),
                }
                for t in tariffs
            ]
        )
        return
    from rich.console import Console

    from hos_avtal.exports import SERVICE_SV

    table = folding_table(
        "Registrerade timpriser (kronor per timme)",
        ("Kommun", "Namn", "År", "Insats", "Kronor", "Beslutat", "Källa"),
    )
    for t in tariffs:
        table.add_row(
            t.kommun,
            lookup(t.kommun).name,
            str(t.year),
            SERVICE_SV[t.service],
            format_sek(t.amount_ore),
            str(t.decided),
            t.source,
        )
    Console().print(table)
    if not tariffs:
        print(
            "Inga timpriser registrerade: hemtjänst och hemsjukvård tar timpriset ur en taxefil "
            "eller VästKoms rekommendation."
        )
