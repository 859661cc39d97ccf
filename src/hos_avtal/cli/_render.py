"""Rich tables for people: one per month, with what was applied and why."""

from __future__ import annotations

from rich.console import Console

from hos_avtal.betalningsansvar import BetalningsansvarResult, average, liable_days
from hos_avtal.cli._tables import totals_table
from hos_avtal.exports import ORIGIN_SV, sv_decimal
from hos_avtal.money import format_sek_sv
from hos_avtal.months import format_month


def render_betalningsansvar(result: BetalningsansvarResult, source: str) -> None:
    probe = Console()
    console = probe if probe.is_terminal else Console(width=150)
    for rules in result.months:
        p = rules.parameters
        rows = result.municipalities.filter(result.municipalities["month"] == p.month)
        caption = (
            f"Regelverk {rules.ruleset.id}: {rules.ruleset.name}\n"
            f"Fastställt belopp {format_sek_sv(p.daily_amount_ore)} kr per vårddygn "
            f"({ORIGIN_SV.get(p.daily_amount_origin, p.daily_amount_origin)}: {p.daily_amount_source}). "
            + (
                f"Betalningsansvar när genomsnittet överstiger "
                f"{sv_decimal(str(p.average_threshold_days))} dagar; individuell beräkning efter "
                f"{p.individual_after_days} dagar, betalning för "
                f"dagar utöver {p.free_days}."
                if p.pooled_average
                else f"Inget genomsnitt: varje vårdtillfälle som omfattas betalas för dagar utöver "
                f"{p.free_days}."
            )
            + " ⚑: betalningsansvar flera månader i rad."
        )
        totals = rows.select(
            "average_episodes", "average_days", "average_amount_ore", "individual_episodes",
            "individual_billable_days", "individual_amount_ore", "total_amount_ore",
            "not_covered_episodes", "pending_episodes",
        ).sum().row(0, named=True)  # fmt: skip
        columns = [
            ("Kommun", "left", "Alla 49"),
            ("I\nsnittet", "right", str(totals["average_episodes"])),
            ("Dagar", "right", str(totals["average_days"])),
            ("Snitt", "right", ""),
            ("Dagar\növer", "right", ""),
            ("Snitt\nkr", "right", format_sek_sv(totals["average_amount_ore"])),
            ("Indivi-\nduella", "right", str(totals["individual_episodes"])),
            ("Debit.\ndagar", "right", str(totals["individual_billable_days"])),
            ("Individuellt\nkr", "right", format_sek_sv(totals["individual_amount_ore"])),
            ("Totalt\nkr", "right", format_sek_sv(totals["total_amount_ore"])),
            ("Omfattas\nej", "right", str(totals["not_covered_episodes"])),
            ("Ej ut-\nskrivna", "right", str(totals["pending_episodes"])),
        ]
        title = f"Kommunens betalningsansvar {format_month(p.month)} — {source}"
        table = totals_table(title, caption, columns, no_wrap=True)
        for r in rows.iter_rows(named=True):
            flag = " ⚑" if r["recurring_liability"] else ""
            table.add_row(
                f"{r['kommun']} {r['name']}{flag}",
                str(r["average_episodes"]),
                str(r["average_days"]),
                sv_decimal(f"{average(r['average_days'], r['average_episodes']):.2f}"),
                sv_decimal(liable_days(r["liable_units"], r["threshold_den"])) if r["liable"] else "",
                format_sek_sv(r["average_amount_ore"]),
                str(r["individual_episodes"]),
                str(r["individual_billable_days"]),
                format_sek_sv(r["individual_amount_ore"]),
                format_sek_sv(r["total_amount_ore"]),
                str(r["not_covered_episodes"]),
                str(r["pending_episodes"]),
                style="bold" if r["total_amount_ore"] else "dim",
            )
        console.print(table)
        outside = result.outside_agreement.filter(result.outside_agreement["month"] == p.month)
        if outside.height:
            console.print(
                f"Utanför avtalet (faktureras aldrig): {int(outside['episodes'].sum())} utskrivna och "
                f"{int(outside['pending_episodes'].sum())} ej utskrivna vårdtillfällen från "
                f"{outside.height} kommuner utanför Västra Götalands 49."
            )
        if rows["recurring_liability"].any():
            console.print(
                "⚑ återkommande betalningsansvar: liable in consecutive months; a joint action plan is due."
            )
