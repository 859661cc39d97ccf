"""A competent, vectorised pandas implementation of kommunens betalningsansvar (docs/rules.md §4).

This is the baseline the hos_avtal CLI is compared against in ``compare_cli.py``: it computes the
same per (month, kommun) amounts for the default parameters of the VGR rule sets (one pooled
average per municipality and month, threshold 3.0 days, individual after 7 days, 3 free days,
all five conditions), in integer öre, with no ``apply``/``iterrows``:

* reads only the nine needed columns with the pyarrow engine, ``kommun`` straight into a
  categorical and dates as ``datetime64`` (not Python ``date`` objects);
* one boolean mask for "billed" (discharged, party, covered), integer days from ``datetime64[D]``;
* one ``groupby(observed=True)`` on (month, kommun, individual) giving count and sum of days —
  the individual part's billable days are ``Σdays − 3·n`` because every individual stay is > 7;
* the pooled part in exact integers: liable iff ``10·D > 30·N``, amount
  ``round_half_up((10·D − 30·N)·daily_öre / 10)``.

It does less than the hos_avtal engine: no not-covered reasons, no pending counts, no split by
care type, no recurring-liability flag, no outside-agreement report.

Usage::

    python benchmarks/pandas_impl.py FILE.parquet --daily-amount 9300 > out.json
    python benchmarks/pandas_impl.py FILE.parquet --daily-amount 9300 --check

``--check`` prints nothing to stdout and compares every (month, kommun) row with
``hos_avtal.betalningsansvar.calculate_betalningsansvar`` instead; exit status 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CONDITION_COLUMNS = ("admission_notice", "ready_notice", "outpatient_plan", "outpatient_available")
COLUMNS = ["kommun", "ready_date", "discharge_date", *CONDITION_COLUMNS, "sip_needed", "sip_invited"]

# Default parameters of vgr-2018 and vgr-2023 (docs/rules.md §4): threshold 3.0 = 30/10 days.
THRESHOLD_NUM, THRESHOLD_DEN = 30, 10
INDIVIDUAL_AFTER_DAYS = 7
FREE_DAYS = 3

RESULT_COLUMNS = [
    "average_episodes",
    "average_days",
    "average_amount_ore",
    "individual_episodes",
    "individual_billable_days",
    "individual_amount_ore",
    "total_amount_ore",
]


# The 49 parties (SCB codes of Västra Götalands län). Written out so that the script does not
# import hos_avtal (and polars); ``--check`` verifies it against ``hos_avtal.municipalities``.
PARTIES = [
    "1401", "1402", "1407", "1415", "1419", "1421", "1427", "1430", "1435", "1438", "1439",
    "1440", "1441", "1442", "1443", "1444", "1445", "1446", "1447", "1452", "1460", "1461",
    "1462", "1463", "1465", "1466", "1470", "1471", "1472", "1473", "1480", "1481", "1482",
    "1484", "1485", "1486", "1487", "1488", "1489", "1490", "1491", "1492", "1493", "1494",
    "1495", "1496", "1497", "1498", "1499",
]  # fmt: skip


def sek_to_ore(text: str) -> int:
    """Kronor as a decimal string → integer öre, exactly (no binary floats)."""
    ore = Decimal(text) * 100
    if ore != ore.to_integral_value() or ore <= 0:
        raise ValueError(f"{text!r} is not a positive amount in whole öre")
    return int(ore)


def read_episodes(path: str | Path) -> pd.DataFrame:
    """Read the needed columns with pyarrow: ``kommun`` categorical, dates as ``datetime64``."""
    return pd.read_parquet(
        path,
        engine="pyarrow",
        columns=COLUMNS,
        read_dictionary=["kommun"],  # Parquet's dictionary pages → a categorical, no re-hashing
        to_pandas_kwargs={"date_as_object": False},
    )


def _flag(series: pd.Series) -> np.ndarray:
    """A boolean column as a numpy bool array; a nullable column's nulls count as False."""
    if series.dtype == bool:
        return series.to_numpy()
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def betalningsansvar(episodes: pd.DataFrame, daily_ore: int, parties: Sequence[str]) -> pd.DataFrame:
    """One row per (month, party) for every discharge month in ``episodes``, amounts in öre.

    The index is (month, kommun), 49 rows per month; a month is an integer, months since
    1970-01 (``np.datetime64(m, "M")`` turns it back into a month).
    """
    discharge = episodes["discharge_date"].to_numpy(dtype="datetime64[D]")
    ready = episodes["ready_date"].to_numpy(dtype="datetime64[D]")
    discharged = ~np.isnat(discharge)
    # Months as small integers (months since 1970-01), the group key; NaT rows are never used.
    month = discharge.astype("datetime64[M]").view(np.int64)
    months = np.sort(pd.unique(month[discharged]))

    kommun = episodes["kommun"]
    if not isinstance(kommun.dtype, pd.CategoricalDtype):
        kommun = kommun.astype("category")
    # Recode to the parties only: any other code (out-of-county) becomes NaN.
    kommun = kommun.cat.set_categories(parties)
    covered = (
        _flag(episodes["admission_notice"])
        & _flag(episodes["ready_notice"])
        & _flag(episodes["outpatient_plan"])
        & _flag(episodes["outpatient_available"])
        & (~_flag(episodes["sip_needed"]) | _flag(episodes["sip_invited"]))
    )
    billed = discharged & covered & kommun.notna().to_numpy()

    days = (discharge[billed] - ready[billed]).astype(np.int64)
    frame = pd.DataFrame(
        {
            "month": month[billed],
            "kommun": kommun.array[billed],
            "individual": days > INDIVIDUAL_AFTER_DAYS,
            "days": days,
        }
    )
    grouped = frame.groupby(["month", "kommun", "individual"], observed=True, sort=False)["days"].agg(
        ["size", "sum"]
    )
    wide = grouped.unstack("individual", fill_value=0)
    grid = pd.MultiIndex.from_product([months, parties], names=["month", "kommun"])
    wide = wide.reindex(grid, fill_value=0)

    def part(stat: str, individual: bool) -> np.ndarray:
        key = (stat, individual)
        if key in wide.columns:
            return wide[key].to_numpy(dtype=np.int64)
        return np.zeros(len(wide), dtype=np.int64)

    n_pooled, d_pooled = part("size", False), part("sum", False)
    n_individual, d_individual = part("size", True), part("sum", True)

    excess_units = THRESHOLD_DEN * d_pooled - THRESHOLD_NUM * n_pooled
    pooled_amount = np.where(
        excess_units > 0,
        (2 * excess_units * daily_ore + THRESHOLD_DEN) // (2 * THRESHOLD_DEN),
        0,
    )
    billable = d_individual - FREE_DAYS * n_individual
    individual_amount = billable * daily_ore
    return pd.DataFrame(
        {
            "average_episodes": n_pooled,
            "average_days": d_pooled,
            "liable": excess_units > 0,
            "average_amount_ore": pooled_amount,
            "individual_episodes": n_individual,
            "individual_billable_days": billable,
            "individual_amount_ore": individual_amount,
            "total_amount_ore": pooled_amount + individual_amount,
        },
        index=grid,
    )


def format_sek(ore: int) -> str:
    """Integer öre as the contract's money string, ``"9300.00"``."""
    sign = "-" if ore < 0 else ""
    whole, frac = divmod(abs(ore), 100)
    return f"{sign}{whole}.{frac:02d}"


def month_objects(result: pd.DataFrame, daily_ore: int) -> list[dict[str, Any]]:
    """The JSON output: one object per month with all 49 municipalities and totals."""
    # Plain Python values, column by column (one conversion each), then rows per month.
    months = result.index.get_level_values("month").to_numpy().astype("datetime64[M]").astype(str)
    kommun = result.index.get_level_values("kommun").tolist()
    columns = {name: result[name].tolist() for name in result.columns}
    money = {name: [format_sek(v) for v in columns[name]] for name in columns if "_ore" in name}
    objects: list[dict[str, Any]] = []
    for i, month in enumerate(months.tolist()):
        if not objects or objects[-1]["month"] != month:
            objects.append({"month": month, "daily_amount_sek": format_sek(daily_ore), "municipalities": []})
        objects[-1]["municipalities"].append(
            {
                "kommun": kommun[i],
                "average_episodes": columns["average_episodes"][i],
                "average_days": columns["average_days"][i],
                "liable": columns["liable"][i],
                "average_amount_sek": money["average_amount_ore"][i],
                "individual_episodes": columns["individual_episodes"][i],
                "individual_billable_days": columns["individual_billable_days"][i],
                "individual_amount_sek": money["individual_amount_ore"][i],
                "total_amount_sek": money["total_amount_ore"][i],
            }
        )
    sums = result.groupby(level="month", sort=True)[
        ["liable", "average_amount_ore", "individual_amount_ore", "total_amount_ore"]
    ].sum()
    for obj, total in zip(objects, sums.to_dict("records"), strict=True):
        obj["totals"] = {
            "municipalities": len(obj["municipalities"]),
            "liable_municipalities": int(total["liable"]),
            "average_amount_sek": format_sek(int(total["average_amount_ore"])),
            "individual_amount_sek": format_sek(int(total["individual_amount_ore"])),
            "total_amount_sek": format_sek(int(total["total_amount_ore"])),
        }
    return objects


def compare_with_engine(path: str | Path, daily_amount_sek: str = "9300") -> list[str]:
    """Differences between this implementation and the hos_avtal engine on ``path``.

    Compares every (month, kommun) row of the seven count/amount columns; ``[]`` when equal.
    """
    import polars as pl

    from hos_avtal.betalningsansvar import calculate_betalningsansvar
    from hos_avtal.municipalities import parties

    package_parties = sorted(m.code for m in parties())
    if package_parties != PARTIES:
        return [f"PARTIES differs from hos_avtal.municipalities.parties(): {package_parties}"]
    ours = betalningsansvar(read_episodes(path), sek_to_ore(daily_amount_sek), PARTIES)
    ours = ours.reset_index()
    ours["month"] = ours["month"].to_numpy().astype("datetime64[M]").astype(str)
    engine = calculate_betalningsansvar(path, None, daily_amount_sek=daily_amount_sek)
    theirs = (
        engine.municipalities.select(pl.col("month").dt.strftime("%Y-%m"), "kommun", *RESULT_COLUMNS)
        .to_pandas()
        .astype(dict.fromkeys(RESULT_COLUMNS, "int64"))
    )
    ours_rows = {
        (r["month"], r["kommun"]): r for r in ours[["month", "kommun", *RESULT_COLUMNS]].to_dict("records")
    }
    theirs_rows = {(r["month"], r["kommun"]): r for r in theirs.to_dict("records")}
    problems = []
    for key in sorted(set(ours_rows) - set(theirs_rows)):
        problems.append(f"{key}: only in pandas_impl")
    for key in sorted(set(theirs_rows) - set(ours_rows)):
        problems.append(f"{key}: only in the hos_avtal engine")
    for key in sorted(set(ours_rows) & set(theirs_rows)):
        for column in RESULT_COLUMNS:
            a, b = int(ours_rows[key][column]), int(theirs_rows[key][column])
            if a != b:
                problems.append(f"{key} {column}: pandas_impl {a} != engine {b}")
    if not problems:
        print(f"pandas_impl == hos_avtal engine on {len(ours_rows)} (month, kommun) rows",
              file=sys.stderr)  # fmt: skip
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("episodes", type=Path, help="episode Parquet file (docs/rules.md §4 columns)")
    parser.add_argument("--daily-amount", required=True, help="fastställt belopp, SEK per day")
    parser.add_argument("--check", action="store_true", help="compare with the hos_avtal engine instead")
    args = parser.parse_args(argv)
    if args.check:
        problems = compare_with_engine(args.episodes, args.daily_amount)
        for line in problems[:50]:
            print(line, file=sys.stderr)
        if len(problems) > 50:
            print(f"… and {len(problems) - 50} more", file=sys.stderr)
        return 1 if problems else 0
    daily_ore = sek_to_ore(args.daily_amount)
    result = betalningsansvar(read_episodes(args.episodes), daily_ore, PARTIES)
    json.dump(month_objects(result, daily_ore), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
