"""Base against scenarios on the same data: what each municipality would have paid (docs/rules.md §7).

For every capability the amount compared is what the *municipality pays*:

* betalningsansvar: its betalningsansvar to the region (pooled + individual);
* placements: its share of the placement costs;
* home_care: what it owes other municipalities for hemtjänst/hemsjukvård given to its residents
  (a tariff change moves money between municipalities; the owing side is the cost).

Every variant runs the unchanged engines with its own rule set, so a comparison is exactly what
a billing run with that rule set would have said.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.betalningsansvar import BetalningsansvarResult, calculate_betalningsansvar
from hos_avtal.errors import EpisodesNeededError, ScenarioError
from hos_avtal.home_care import calculate_home_care
from hos_avtal.municipalities import parties_frame
from hos_avtal.placements import calculate_placements
from hos_avtal.rules import RuleSet, load_ruleset
from hos_avtal.scenarios._data import ScenarioData
from hos_avtal.scenarios._model import Scenario

AMOUNT_SCHEMA: dict[str, pl.DataType] = {
    "variant": pl.Int64(),
    "capability": pl.String(),
    "month": pl.Date(),
    "kommun": pl.String(),
    "amount_ore": pl.Int64(),
}


@dataclass(frozen=True)
class Variant:
    """The base (index 0) or one scenario: a label and the rule set it runs with.

    ``ruleset`` is ``None`` for "the VGR agreement in force each month".
    """

    label: str
    ruleset: RuleSet | None
    scenario: Scenario | None = None
    daily_amount_sek: Decimal | None = None


@dataclass(frozen=True)
class Comparison:
    """Amounts per variant, capability, month and municipality, and the views built on them.

    ``amounts`` is long: one row per (variant, capability, month, party) with ``amount_ore``;
    variant 0 is the base. :meth:`municipalities`, :meth:`kommunalforbund` and :meth:`total`
    give the wide view people read: ``base_ore`` then, per scenario *i* (1-based), ``s{i}_ore``,
    ``s{i}_diff_ore`` and ``s{i}_diff_permille`` (the difference in tenths of a percent, rounded
    half up; null where the base is zero).
    """

    variants: list[Variant]
    capabilities: tuple[str, ...]
    months: list[Month]
    amounts: pl.DataFrame
    betalningsansvar: list[BetalningsansvarResult]
    """Each variant's betalningsansvar result (empty without episodes): the trend chart reads it."""

    @property
    def scenarios(self) -> list[Variant]:
        return self.variants[1:]

    def municipalities(self, capability: str | None = None) -> pl.DataFrame:
        """All 49 parties (sorted by code) with name, kommunalförbund and the compared amounts."""
        wide = self._wide(capability, ["kommun"])
        return (
            parties_frame()
            .select("kommun", "name", "kommunalforbund")
            .join(wide, on="kommun", how="left")
            .with_columns(pl.col(self._amount_columns()).fill_null(0))
            .pipe(self._differences)
            .sort("kommun")
        )

    def kommunalforbund(self, capability: str | None = None) -> pl.DataFrame:
        """Subtotals per kommunalförbund (the four associations of local authorities)."""
        sums = (
            self.municipalities(capability)
            .group_by("kommunalforbund")
            .agg(pl.col(self._amount_columns()).sum(), pl.len().alias("municipalities"))
        )
        return self._differences(sums).sort("kommunalforbund")

    def total(self, capability: str | None = None) -> dict[str, int | None]:
        """The county total: base, each scenario, difference and difference in per mille."""
        sums = self.municipalities(capability).select(pl.col(self._amount_columns()).sum())
        return self._differences(sums).row(0, named=True)

    def trend(self, variant: int = 0, kommun: str | None = None) -> pl.DataFrame:
        """The pooled average per month against the threshold, for the chart.

        ``kommun=None``: all 49 together (days over episodes in the average, county-wide).
        Display values only (Float64); the billing decision is made exactly in the engine.
        """
        if not self.betalningsansvar:
            raise ScenarioError("comparison", "trenden kräver vårdtillfällen (betalningsansvar)")
        result = self.betalningsansvar[variant]
        rows = result.municipalities
        if kommun is not None:
            rows = rows.filter(pl.col("kommun") == kommun)
            if rows.is_empty():
                raise ScenarioError("comparison", f"{kommun!r} är inte någon av de 49 kommunerna")
        label = rows.get_column("name")[0] if kommun is not None else "Alla 49 kommuner"
        thresholds = pl.DataFrame(
            {
                "month": [m.parameters.month for m in result.months],
                "threshold_days": [float(m.parameters.average_threshold_days) for m in result.months],
            },
            schema={"month": pl.Date, "threshold_days": pl.Float64},
        )
        return (
            rows.group_by("month")
            .agg(pl.col("average_days").sum(), pl.col("average_episodes").sum())
            .join(thresholds, on="month")
            .select(
                "month",
                pl.lit(label).alias("series"),
                pl.when(pl.col("average_episodes") > 0)
                .then(pl.col("average_days") / pl.col("average_episodes"))
                .cast(pl.Float64)
                .alias("average_days"),
                "threshold_days",
            )
            .sort("month")
        )

    def _amount_columns(self) -> list[str]:
        return ["base_ore", *[f"s{i}_ore" for i in range(1, len(self.variants))]]

    def _wide(self, capability: str | None, keys: list[str]) -> pl.DataFrame:
        amounts = self.amounts
        if capability is not None:
            if capability not in self.capabilities:
                raise ScenarioError("comparison", f"{capability} ingår inte i den här jämförelsen")
            amounts = amounts.filter(pl.col("capability") == capability)
        summed = amounts.group_by(*keys, "variant").agg(pl.col("amount_ore").sum())
        names = {0: "base_ore", **{i: f"s{i}_ore" for i in range(1, len(self.variants))}}
        wide = summed.pivot(on="variant", index=keys, values="amount_ore")
        wide = wide.rename({str(k): v for k, v in names.items() if str(k) in wide.columns})
        missing = [pl.lit(0, pl.Int64).alias(c) for c in names.values() if c not in wide.columns]
        return wide.with_columns(missing).select(*keys, *names.values())

    def _differences(self, frame: pl.DataFrame) -> pl.DataFrame:
        base = pl.col("base_ore")
        columns: list[pl.Expr] = []
        for i in range(1, len(self.variants)):
            diff = pl.col(f"s{i}_ore") - base
            columns += [diff.alias(f"s{i}_diff_ore"), _permille(diff, base).alias(f"s{i}_diff_permille")]
        ordered = [c for c in frame.columns if c not in self._amount_columns()] + [
            name
            for i in range(len(self.variants))
            for name in (["base_ore"] if i == 0 else [f"s{i}_ore", f"s{i}_diff_ore", f"s{i}_diff_permille"])
        ]
        return frame.with_columns(columns).select(ordered)


def _permille(diff: pl.Expr, base: pl.Expr) -> pl.Expr:
    """``diff / base`` in tenths of a percent, half up (away from zero), exact in integers."""
    magnitude = (diff.abs() * 2000 + base) // (2 * base)
    return pl.when(base > 0).then(pl.when(diff < 0).then(-magnitude).otherwise(magnitude))


def compare(
    data: ScenarioData,
    scenarios: Sequence[Scenario],
    *,
    base: RuleSetRef | Path | RuleSet | None = None,
    months: Sequence[Month] | None = None,
    daily_amount_sek: Decimal | None = None,
) -> Comparison:
    """Run the base and every scenario on ``data``; amounts per municipality, month and capability.

    ``base``: the comparison's base rule set; without it the first scenario's base, and with no
    scenario either the VGR agreement in force each month. ``months``: the months to compare
    (default: every month each input has). ``daily_amount_sek`` supplies the fastställt belopp
    for years none ships for, in every variant except a scenario that sets its own.

    >>> from hos_avtal.synth import synth_episodes, month_range
    >>> from hos_avtal.scenarios import scenario_from_mapping
    >>> data = ScenarioData(episodes=synth_episodes(month_range("2022-03"), episodes_per_month=400, seed=1))
    >>> lower = scenario_from_mapping(
    ...     {"name": "2,5 dagar", "base": "vgr-2018", "betalningsansvar": {"average_threshold_days": "2.5"}})
    >>> result = compare(data, [lower])
    >>> total = result.total()
    >>> total["s1_ore"] >= total["base_ore"], total["s1_diff_ore"] == total["s1_ore"] - total["base_ore"]
    (True, True)
    """
    if not data.capabilities:
        raise ScenarioError("comparison", "inga indata: ange episodes, placements eller visits")
    variants = _variants(scenarios, base, daily_amount_sek)
    frames: list[pl.DataFrame] = []
    results: list[BetalningsansvarResult] = []
    from_days = _from_days(data, months, variants)
    if from_days is None and data.episodes is None and data.episode_days is not None:
        # Some variant's rules need the episodes themselves: read them once, for every variant.
        if data.read_episodes is None:
            raise EpisodesNeededError("jämförelsen kräver vårdtillfällena, och de finns inte här")
        data = dataclasses.replace(data, episodes=data.read_episodes())
    for index, variant in enumerate(variants):
        if from_days is not None:
            frames.append(_long(index, "betalningsansvar", from_days[index], "amount_ore"))
        elif data.episodes is not None:
            result = calculate_betalningsansvar(
                data.episodes,
                months,
                ruleset=variant.ruleset,
                daily_amount_sek=variant.daily_amount_sek,
                validate=False,
            )
            results.append(result)
            frames.append(_long(index, "betalningsansvar", result.municipalities, "total_amount_ore"))
        if data.placements is not None:
            placed = calculate_placements(data.placements, months=months, ruleset=variant.ruleset)
            per_month = placed.lines.group_by("month", "kommun").agg(pl.col("kommun_ore").sum())
            grid = _grid(placed.month_list()).join(per_month, on=["month", "kommun"], how="left")
            frames.append(_long(index, "placements", grid.fill_null(0), "kommun_ore"))
        if data.visits is not None:
            care = calculate_home_care(
                data.visits, months, tariffs=data.tariffs, ruleset=variant.ruleset, validate=False
            )
            frames.append(_long(index, "home_care", care.municipalities, "owed_ore"))
    amounts = pl.concat(frames).sort("variant", "capability", "month", "kommun")
    return Comparison(
        variants=variants,
        capabilities=data.capabilities,
        months=amounts.get_column("month").unique().sort().to_list(),
        amounts=amounts,
        betalningsansvar=results,
    )


def _from_days(
    data: ScenarioData, months: Sequence[Month] | None, variants: Sequence[Variant]
) -> list[pl.DataFrame] | None:
    """Each variant's betalningsansvar per month and party from the day histogram (the engine's
    amounts to the öre, without an episode read); ``None`` without one, or where some variant's
    rules need the episodes."""
    from hos_avtal.betalningsansvar import MonthRules, resolve_months
    from hos_avtal.rules import daily_amount_decimal
    from hos_avtal.scenarios._histogram import sweep_betalningsansvar

    if data.episodes is not None or data.episode_days is None:
        return None
    month_list = sorted(months) if months is not None else data.episode_days.months
    found = []
    for variant in variants:
        amount = daily_amount_decimal(variant.daily_amount_sek)
        resolved = [MonthRules(r, p) for r, p in resolve_months(month_list, variant.ruleset, amount)]
        try:
            found.append(sweep_betalningsansvar(data.episode_days, resolved, [{}]))
        except EpisodesNeededError:
            return None
    return found


def _variants(
    scenarios: Sequence[Scenario], base: RuleSetRef | Path | RuleSet | None, daily_amount_sek: Decimal | None
) -> list[Variant]:
    names = [s.name for s in scenarios]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ScenarioError("comparison", f"två scenarier heter {duplicate!r}; namnen måste vara olika")
    if base is None and scenarios:
        base = scenarios[0].base
    base_rules = load_ruleset(base) if isinstance(base, str | Path) else base
    label = f"Bas ({base_rules.id})" if base_rules is not None else "Bas (gällande avtal)"
    variants = [Variant(label, base_rules, None, daily_amount_sek)]
    for scenario in scenarios:
        own_amount = "daily_amount_sek" in scenario.changes("betalningsansvar")
        variants.append(
            Variant(
                scenario.name,
                scenario.ruleset(fallback=base_rules),
                scenario,
                None if own_amount else daily_amount_sek,
            )
        )
    return variants


def _grid(months: Sequence[Month]) -> pl.DataFrame:
    return pl.DataFrame({"month": list(months)}, schema={"month": pl.Date}).join(
        parties_frame().select("kommun"), how="cross"
    )


def _long(variant: int, capability: str, frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.select(
        pl.lit(variant, pl.Int64).alias("variant"),
        pl.lit(capability).alias("capability"),
        pl.col("month"),
        pl.col("kommun").cast(pl.String),
        pl.col(column).cast(pl.Int64).alias("amount_ore"),
    )
