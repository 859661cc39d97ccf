"""``hos-avtal rulesets``: the rule sets in force, a new agreement derived from an old one, what
two rule sets differ in, and registering a rule set in the deployment's database."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hos_avtal.cli._app import command_group
from hos_avtal.cli._options import DbOption, actor, date_option, print_json, registered_rules
from hos_avtal.cli._tables import folding_table

if TYPE_CHECKING:
    from hos_avtal.rules import RegisteredRuleSet, RuleSet

rulesets_app = command_group(
    "rulesets",
    (
        "Regelverken (medföljande, i $HOS_AVTAL_RULESETS_DIR, registrerade i databasen): lista, "
        "visa, härled ett nytt avtal, jämför två, registrera ett."
    ),
)


class ListFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[
    ListFormat, typer.Option("--format", "-f", help="table att läsa, json för andra system.")
]
RuleSetArgument = Annotated[
    str,
    typer.Argument(
        help="Regelverkets id (medföljande eller registrerat) eller en .toml-fil.", show_default=False
    ),
]


def _head(r: RuleSet) -> dict[str, Any]:
    """What a rule set is, as the JSON of list and show gives it."""
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind,
        "valid_from": r.valid_from and r.valid_from.isoformat(),
        "valid_to": r.valid_to and r.valid_to.isoformat(),
        "auto_select": r.auto_select,
    }


@rulesets_app.command("list")
def list_rulesets(db: DbOption = None, output_format: FormatOption = ListFormat.table) -> None:
    """Alla regelverk som en beräkning kan använda, med giltighetstid och ursprung."""
    from hos_avtal.rules import active_registry, shipped_rulesets

    with registered_rules(db):
        registry = active_registry()
        rows: list[tuple[RuleSet, str, RegisteredRuleSet | None]] = [
            (r, "shipped", None) for r in shipped_rulesets()
        ]
        rows += [(r.ruleset, r.origin, r) for r in registry.rulesets]
    if output_format is ListFormat.json:
        print_json(
            [
                {
                    **_head(r),
                    "origin": origin,
                    "content_sha256": registered.content_sha256 if registered else None,
                    "registered_by": registered.registered_by if registered else None,
                    "registered_at": registered.registered_at.isoformat()
                    if registered and registered.registered_at
                    else None,
                }
                for r, origin, registered in rows
            ]
        )
        return
    from rich.console import Console

    from hos_avtal.exports import ORIGIN_SV

    table = folding_table("Regelverk", ("Id", "Gäller", "Väljs automatiskt", "Ursprung", "Namn"))
    for r, origin, registered in rows:
        where = ORIGIN_SV.get(origin, origin)
        if registered is not None and registered.registered_at is not None:
            where = f"{where} ({registered.registered_by}, {registered.registered_at:%Y-%m-%d})"
        auto = "ja" if r.auto_select else "nej (ange det med --ruleset)"
        table.add_row(r.id, r.period, auto, where, r.name)
    Console().print(table)


@rulesets_app.command("show")
def show_ruleset(
    ruleset: RuleSetArgument,
    db: DbOption = None,
    output_format: FormatOption = ListFormat.table,
) -> None:
    """Alla parametrar i ett regelverk med värden, giltighetsdatum och källor."""
    from hos_avtal.rules import RULE_CAPABILITIES as CAPABILITIES
    from hos_avtal.rules import load_ruleset, value_text

    with registered_rules(db):
        r = load_ruleset(ruleset)
        amounts = amount_rows()
    rows = [
        (
            capability,
            name + (f" ({v.care_type})" if v.care_type else ""),
            value_text(v.value),
            v.valid_from,
            v.valid_to,
            v.source,
        )
        for capability in CAPABILITIES
        for name, parameter in getattr(r, f"{capability}_parameters").items()
        for v in parameter.values
    ]
    if output_format is ListFormat.json:
        print_json(
            {
                **_head(r),
                "source": r.source,
                "parameters": [
                    {
                        "capability": c,
                        "name": n,
                        "value": value,
                        "from": start.isoformat(),
                        "to": end and end.isoformat(),
                        "source": source,
                    }
                    for c, n, value, start, end, source in rows
                ],
                "daily_amounts": [
                    {"year": year, "daily_amount_sek": sek, "origin": origin, "source": source}
                    for year, sek, origin, source in amounts
                ],
            }
        )
        return
    from rich.console import Console

    from hos_avtal.exports import CAPABILITY_SV, ORIGIN_SV

    console = Console()
    console.print(f"[bold]{r.id}[/bold] — {r.name}\nGäller {r.period}. Källa: {r.source}")
    table = folding_table("Parametrar", ("Del", "Parameter", "Värde", "Från", "Till", "Källa"))
    for capability, name, value, start, end, source in rows:
        table.add_row(CAPABILITY_SV[capability], name, value, str(start), str(end or ""), source)
    console.print(table)
    amount_table = folding_table(
        "betalningsansvar.daily_amount_sek: fastställt belopp per år",
        ("År", "Kronor per vårddygn", "Ursprung", "Källa"),
    )
    for year, sek, origin, source in amounts:
        amount_table.add_row(str(year), sek, ORIGIN_SV.get(origin, origin), source)
    console.print(amount_table)


def amount_rows() -> list[tuple[int, str, str, str]]:
    """Each known year's fastställt belopp as table cells: year, kronor, origin, source."""
    from hos_avtal.money import format_sek
    from hos_avtal.rules import daily_amounts_in_force

    return [(a.year, format_sek(a.amount_ore), a.origin, a.source) for a in daily_amounts_in_force()]


@rulesets_app.command("add")
def add_ruleset(
    file: Annotated[Path, typer.Argument(help="Regelverksfilen (.toml) att registrera.", show_default=False)],
    db: DbOption = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Vem som registrerar det. Standard: ditt användarnamn.")
    ] = None,
) -> None:
    """Registrera ett regelverk i databasen, så att alla kommandon och servern kan ange det (och
    välja det automatiskt för de månader det gäller, om det anger auto_select = true)."""
    from hos_avtal.cli._run import _open
    from hos_avtal.errors import RuleSetError
    from hos_avtal.storage import register_ruleset

    try:
        content = file.read_text("utf-8-sig")
    except OSError as exc:
        raise RuleSetError(str(file), f"cannot be read ({exc.strerror})") from None
    who = actor(by)
    database = _open(db)
    try:
        registered, created = register_ruleset(database, content, str(file), who)
    finally:
        database.close()
    r = registered.ruleset
    verb = "registrerat" if created else "redan registrerat med samma innehåll"
    print(f"{r.id}: {verb} (gäller {r.period}; innehållets sha256 {registered.content_sha256[:16]}…)")


@rulesets_app.command("new")
def new_ruleset(
    ruleset_id: Annotated[str, typer.Argument(metavar="ID", help="Det nya regelverkets id, t.ex. vgr-2027.")],
    base: Annotated[str, typer.Option("--from", help="Regelverket att utgå från (id eller fil).")],
    valid_from: Annotated[str, typer.Option("--valid-from", help="Första dagen för det nya avtalet.")],
    out: Annotated[Path, typer.Option("--out", help="Regelverksfilen att skriva (.toml).")],
    valid_to: Annotated[
        str | None, typer.Option("--valid-to", help="Sista dagen (standard: tills vidare).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Avtalets namn.")] = None,
    changes: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Ett ändrat värde, CAPABILITY.PARAM=VALUE (t.ex. betalningsansvar.individual_after_days=6).",
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Varifrån de ändrade värdena kommer (avtalets avsnitt)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Skriv en komplett regelverksfil för ett nytt avtal utifrån ett tidigare: varje värde med
    datum och källa, de ändrade med --source som källa. Registrera den med 'rulesets add'."""
    from hos_avtal.errors import RuleSetError
    from hos_avtal.privacy import check_label
    from hos_avtal.rules import derive_ruleset

    start = date_option(valid_from, "--valid-from")
    end = None if valid_to is None else date_option(valid_to, "--valid-to")
    if out.suffix != ".toml":
        raise typer.BadParameter("ange en .toml-fil", param_hint="--out")
    if out.exists():
        raise RuleSetError(str(out), "exists already; name a new file (a rule-set file is never overwritten)")
    checked_name = check_label(name, "--name") if name is not None else None
    checked_source = check_label(source, "--source", max_length=500) if source is not None else None
    with registered_rules(db):
        derived = derive_ruleset(
            base, ruleset_id, start, end, name=checked_name, changes=changes or (), source=checked_source
        )
    ruleset, text = derived.ruleset, derived.toml
    try:
        with out.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise RuleSetError(str(out), f"cannot be written ({exc.strerror})") from None
    n = len(changes or ())
    changed = "1 ändrat värde" if n == 1 else f"{n} ändrade värden"
    print(f"skrev {out}: {ruleset.id}, gäller {ruleset.period}, {changed}")


@rulesets_app.command("diff")
def diff_command(
    first: RuleSetArgument,
    second: RuleSetArgument,
    db: DbOption = None,
    output_format: FormatOption = ListFormat.table,
) -> None:
    """Alla parametrar vars värden skiljer sig mellan två regelverk, med båda värdena och källorna."""
    from hos_avtal.rules import diff_rulesets

    with registered_rules(db):
        differences = diff_rulesets(first, second)
    if output_format is ListFormat.json:
        payload: list[dict[str, Any]] = [
            {
                "capability": d.capability,
                "name": d.name,
                "a": d.before,
                "b": d.after,
                "a_source": d.before_source,
                "b_source": d.after_source,
            }
            for d in differences
        ]
        print_json({"a": first, "b": second, "differences": payload})
        return
    if not differences:
        print(f"{first} och {second} har samma parametervärden")
        return
    from rich.console import Console

    table = folding_table(
        f"{first} → {second}", ("Parameter", first, second, f"Källa ({first})", f"Källa ({second})")
    )
    for d in differences:
        table.add_row(
            f"{d.capability}.{d.name}",
            d.before or "—",
            d.after or "—",
            d.before_source or "",
            d.after_source or "",
        )
    Console().print(table)


@rulesets_app.command("parameters")
def list_parameters(output_format: FormatOption = ListFormat.table) -> None:
    """Parameterkatalogen: alla parametrar som ett regelverk eller scenario kan ange, med typ,
    enhet, gränser och betydelse, och om den kan svepas eller skilja sig per vårdform."""
    from hos_avtal.rules import parameter_catalog

    catalog = parameter_catalog()
    if output_format is ListFormat.json:
        print_json([spec.as_json() for spec in catalog])
        return
    from rich.console import Console

    table = folding_table(
        "Parametrar (parameterkatalogen)",
        ("Parameter", "Typ", "Enhet", "Intervall", "Svep", "Per vårdform", "Etikett", "Hjälp"),
    )
    for spec in catalog:
        bounds = (
            ""
            if spec.minimum is None and spec.maximum is None
            else f"{spec.minimum or ''}–{spec.maximum or ''}"
        )
        bounds = f"plausibility ({spec.bound})" if spec.bound else bounds
        table.add_row(
            spec.key, spec.kind, spec.unit or "", bounds, "yes" if spec.sweep else "",
            "yes" if spec.per_care_type else "", spec.label, spec.help,
        )  # fmt: skip
    Console().print(table)
