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
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.betalningsansvar import BetalningsansvarResult, MonthRules, calculate_betalningsansvar
from hos_avtal.errors import EpisodesNeededError, ScenarioError
from hos_avtal.home_care import calculate_home_care
from hos_avtal.municipalities import parties_frame
from hos_avtal.placements import calculate_placements
from hos_avtal.rules import BetalningsansvarParameters, RuleSet, load_ruleset
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
    _views: dict[tuple[str, str | None], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Each view of each capability, made once: the report reads the municipalities for the
    totals, the kommunalförbund and the rows, and each for every capability and for all (a
    slider move is one report)."""

    @property
    def scenarios(self) -> list[Variant]:
        return self.variants[1:]

    def municipalities(self, capability: str | None = None) -> pl.DataFrame:
        """All 49 parties (sorted by code) with name, kommunalförbund and the compared amounts."""

        def make() -> pl.DataFrame:
            keys = parties_frame().select("kommun", "name", "kommunalforbund")
            return _with_differences(keys, self._sums(capability))

        return cast(pl.DataFrame, self._view("municipalities", capability, make))

    def kommunalforbund(self, capability: str | None = None) -> pl.DataFrame:
        """Subtotals per kommunalförbund (the four associations of local authorities)."""

        def make() -> pl.DataFrame:
            associations = parties_frame().get_column("kommunalforbund").to_numpy()
            names, group = np.unique(associations, return_inverse=True)
            sums = np.zeros((len(names), len(self.variants)), dtype=np.int64)
            np.add.at(sums, group, self._sums(capability))
            keys = pl.DataFrame(
                {"kommunalforbund": names.tolist(), "municipalities": np.bincount(group).tolist()},
                schema={"kommunalforbund": pl.String, "municipalities": pl.UInt32},
            )
            return _with_differences(keys, sums)

        return cast(pl.DataFrame, self._view("kommunalforbund", capability, make))

    def total(self, capability: str | None = None) -> dict[str, int | None]:
        """The county total: base, each scenario, difference and difference in per mille."""

        def make() -> dict[str, int | None]:
            sums = self._sums(capability).sum(axis=0, keepdims=True)
            return _with_differences(pl.DataFrame({"_": [0]}), sums).drop("_").row(0, named=True)

        return dict(self._view("total", capability, make))

    def _view(self, name: str, capability: str | None, make: Callable[[], Any]) -> Any:
        """Each view once per capability (all of them, with one capability, is that one): the
        report reads each several times, and a slider move is one report."""
        if capability is None and len(self.capabilities) == 1:
            capability = self.capabilities[0]
        if (name, capability) not in self._views:
            self._views[name, capability] = make()
        return self._views[name, capability]

    def _sums(self, capability: str | None) -> npt.NDArray[np.int64]:
        """(party in code order × variant): each variant's amount summed over the months."""

        def make() -> npt.NDArray[np.int64]:
            amounts = self.amounts
            if capability is not None:
                if capability not in self.capabilities:
                    raise ScenarioError("comparison", f"{capability} ingår inte i den här jämförelsen")
                amounts = amounts.filter(pl.col("capability") == capability)
            codes = parties_frame().get_column("kommun")
            sums = np.zeros((codes.len(), len(self.variants)), dtype=np.int64)
            row = codes.search_sorted(amounts.get_column("kommun")).to_numpy()
            variant = amounts.get_column("variant").to_numpy()
            np.add.at(sums, (row, variant), amounts.get_column("amount_ore").to_numpy())
            return sums

        return cast(npt.NDArray[np.int64], self._view("sums", capability, make))

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


def _with_differences(keys: pl.DataFrame, sums: npt.NDArray[np.int64]) -> pl.DataFrame:
    """``keys`` with ``base_ore`` and, per scenario *i*, ``s{i}_ore``, ``s{i}_diff_ore`` and
    ``s{i}_diff_permille`` from ``sums`` (row × variant); exact in integers."""
    # In numpy, one frame built once: a view has 49 rows at most, where each polars step would
    # cost more than the arithmetic (a slider move builds several views; benchmarks/README.md).
    base = sums[:, 0]
    columns = [pl.Series("base_ore", base, dtype=pl.Int64)]
    for i in range(1, sums.shape[1]):
        diff = sums[:, i] - base
        columns += [
            pl.Series(f"s{i}_ore", sums[:, i], dtype=pl.Int64),
            pl.Series(f"s{i}_diff_ore", diff, dtype=pl.Int64),
            pl.Series(f"s{i}_diff_permille", permille(diff, base), dtype=pl.Int64),
        ]
    return keys.with_columns(columns)


def permille(diff: npt.NDArray[np.int64], base: npt.NDArray[np.int64]) -> list[int | None]:
    """``diff / base`` in tenths of a percent, half up (away from zero), exact in integers;
    ``None`` where the base is not above zero (the comparison's and the sweep's one rule).

    >>> import numpy as np
    >>> permille(np.array([125, -125, 5, 1]), np.array([1000, 1000, 0, 3]))
    [125, -125, None, 333]
    """
    liable = base > 0
    if np.abs(diff).max(initial=0) >= _INT64_SAFE // 2000 or base.max(initial=0) >= _INT64_SAFE:
        diff, base = diff.astype(object), base.astype(object)  # Python integers: never wrap
    magnitude = (abs(diff) * 2000 + base) // np.where(liable, 2 * base, 1)
    signed: npt.NDArray[Any] = np.where(diff < 0, -magnitude, magnitude)
    return cast(list[int | None], np.where(liable, signed, np.array(None)).tolist())


_INT64_SAFE = 2**62


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
    from hos_avtal.betalningsansvar import resolve_months
    from hos_avtal.rules import daily_amount_decimal
    from hos_avtal.scenarios._histogram import sweep_betalningsansvar

    if data.episodes is not None or data.episode_days is None:
        return None
    month_list = data.betalningsansvar_months(months)

    def resolve(variant: Variant) -> list[MonthRules]:
        amount = daily_amount_decimal(variant.daily_amount_sek)
        return [MonthRules(r, p) for r, p in resolve_months(month_list, variant.ruleset, amount)]

    base = _base_months(variants[0], month_list, resolve)
    # A scenario that changes only sweepable values, the same in every month, is one more
    # combination of the base's sweep (a slider move: one histogram for base and scenario):
    # taken from its overrides when it is on the comparison's base, else found by resolving it.
    plain = all(not m.parameters.care_type_values for m in base)  # no care type of its own
    found: list[dict[str, object] | None] = [{}]
    for variant in variants[1:]:
        quick = _overrides_as_combination(variant, variants[0]) if plain else None
        found.append(quick if quick is not None else _as_combination(base, resolve(variant)))
    grid = [combination for combination in found if combination is not None]
    try:
        if len(grid) == len(variants):
            swept = sweep_betalningsansvar(data.episode_days, base, grid)
            return [swept.filter(pl.col("combination") == i) for i in range(len(variants))]
        return [sweep_betalningsansvar(data.episode_days, resolve(v), [{}]) for v in variants]
    except EpisodesNeededError:
        return None


_RESOLVED: OrderedDict[tuple[object, ...], tuple[RuleSet | None, list[MonthRules]]] = OrderedDict()
"""The base's months as resolved lately (a slider move resolves the same base again and again)."""
_LOCK = threading.Lock()  # requests run in worker threads


def _base_months(
    base: Variant, months: Sequence[Month], resolve: Callable[[Variant], list[MonthRules]]
) -> list[MonthRules]:
    """``resolve(base)``, kept by the rule set, the months, the fastställt belopp given and what
    the registry in force holds (its amounts and rule sets): what decides the resolution."""
    from hos_avtal.rules import active_registry

    registry = active_registry()
    key = (
        id(base.ruleset), tuple(months), base.daily_amount_sek,
        tuple(sorted((y, a.amount_ore, a.source) for y, a in registry.daily_amounts.items())),
        tuple((r.ruleset.id, r.content_sha256) for r in registry.rulesets),
    )  # fmt: skip
    with _LOCK:
        kept = _RESOLVED.get(key)
        if kept is not None and kept[0] is base.ruleset:  # the same object, not one that took its id
            _RESOLVED.move_to_end(key)
            return kept[1]
    found = resolve(base)
    with _LOCK:
        _RESOLVED[key] = (base.ruleset, found)  # holding the rule set: its id is not reused meanwhile
        if len(_RESOLVED) > 32:
            _RESOLVED.popitem(last=False)
    return found


def _overrides_as_combination(variant: Variant, base: Variant) -> dict[str, object] | None:
    """A scenario on the comparison's own base rule set (and fastställt belopp) that changes only
    sweepable betalningsansvar values, on a base without values of a care type's own: those
    values, as a sweep takes them (a grid value holds for both care types, as a scenario's does:
    ``tests/test_dataset_days.py`` holds the two paths equal). ``None`` for any other."""
    from hos_avtal.scenarios._histogram import sweepable

    scenario = variant.scenario
    if scenario is None or base.ruleset is None or load_ruleset(scenario.base) is not base.ruleset:
        return None
    changes: dict[str, object] = dict(scenario.changes("betalningsansvar"))
    if not changes or not set(changes) <= set(sweepable()):
        return None
    if "daily_amount_sek" not in changes and variant.daily_amount_sek != base.daily_amount_sek:
        return None
    return changes


_AMOUNTS_DEPEND_ON = tuple(
    f.name
    for f in dataclasses.fields(BetalningsansvarParameters)
    if f.name not in ("ruleset_id", "daily_amount_source", "daily_amount_origin")  # where from, not what
)
"""The fields of a month's parameters two variants must share to be one sweep (every value)."""


def _as_combination(base: Sequence[MonthRules], variant: Sequence[MonthRules]) -> dict[str, object] | None:
    """``variant`` as one grid combination over ``base``: the sweepable values it changes, if the
    same in every month and if nothing else that decides an amount differs; else ``None``."""
    from hos_avtal.scenarios._histogram import sweepable

    found: dict[str, object] | None = None
    for ours, theirs in zip(base, variant, strict=True):
        a, b = ours.parameters, theirs.parameters
        changes: dict[str, object] = {}  # as a sweep's grid names them (the amount in kronor)
        fields: dict[str, object] = {}  # as the parameters hold them (the amount in öre)
        for name in sweepable():
            field_name = "daily_amount_ore" if name == "daily_amount_sek" else name
            if getattr(a, field_name) != getattr(b, field_name):
                fields[field_name] = getattr(b, field_name)
                changes[name] = Decimal(b.daily_amount_ore) / 100 if field_name != name else fields[name]
        expected = a.with_values(**fields)
        differs = any(getattr(expected, f) != getattr(b, f) for f in _AMOUNTS_DEPEND_ON)
        if differs or found not in (None, changes):
            return None
        found = changes
    return found if found is not None else {}


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
