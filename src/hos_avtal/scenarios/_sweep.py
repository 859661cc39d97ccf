"""A grid of parameter values, every combination at once (docs/rules.md §7).

``--param average_threshold_days=2.0:4.0:0.5`` (STOP included) or ``--param
separate_care_type_averages=false,true``. Betalningsansvar parameters are evaluated from the
episodes' day histograms (:mod:`hos_avtal.scenarios._histogram`), so a thousand combinations cost
about one calculation; a placement share or a tariff re-runs that (small) engine once per
distinct value, never once per combination.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.betalningsansvar import MonthRules, resolve_months
from hos_avtal.errors import EpisodesNeededError, ScenarioError
from hos_avtal.home_care import calculate_home_care
from hos_avtal.municipalities import parties_frame
from hos_avtal.numbers import is_number, parse_number
from hos_avtal.placements import calculate_placements
from hos_avtal.rules import ParameterSpec, RawValue, RuleSet, load_ruleset, parameter_catalog
from hos_avtal.scenarios._compare import permille
from hos_avtal.scenarios._data import ScenarioData
from hos_avtal.scenarios._days import EpisodeDays
from hos_avtal.scenarios._histogram import sweep_betalningsansvar
from hos_avtal.scenarios._model import check_parameter, overlay


def sweep_parameters() -> dict[str, str]:
    """The parameters a sweep can vary (the catalog's ``sweep``), and the capability of each."""
    return {spec.name: spec.capability for spec in parameter_catalog().sweepable()}


def _spec(name: str) -> ParameterSpec | None:
    """The sweepable parameter of this name (sweepable names are unique across capabilities)."""
    return next((s for s in parameter_catalog().sweepable() if s.name == name), None)


def label_sv(name: str) -> str:
    """How a chart or a Swedish report names a parameter: the catalog's label and unit."""
    spec = _spec(name)
    if spec is None:
        return name
    return f"{spec.label} ({spec.unit})" if spec.unit else spec.label


MAX_VALUES = 1_000
MAX_COMBINATIONS = 10_000
_SOURCE = "--param"


@dataclass(frozen=True)
class Axis:
    """One swept parameter and its values (typed as a rule-set value; labels are exact text)."""

    name: str
    capability: str
    values: tuple[RawValue, ...]

    @property
    def labels(self) -> list[str]:
        return [label(v, self.name) for v in self.values]


def label(value: RawValue, name: str = "") -> str:
    """A value as exact text: ``Decimal("2.50")`` → ``"2.5"``, ``True`` → ``"true"``.

    A decimal parameter (the threshold) keeps one decimal (``"3.0"``): that is how the agreement
    writes it.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        if _kind(name) == "decimal" and "." not in text:
            text += ".0"
        return text
    return str(value)


def _kind(name: str) -> str | None:
    spec = _spec(name)
    return None if spec is None else spec.kind


def parse_axis(text: str) -> Axis:
    """``NAME=START:STOP:STEP`` (STOP included) or ``NAME=V1,V2,…``; NAME may be ``capability.name``.

    >>> parse_axis("average_threshold_days=2.5:3.5:0.5").labels
    ['2.5', '3.0', '3.5']
    >>> parse_axis("betalningsansvar.separate_care_type_averages=false,true").values
    (False, True)
    """
    name, sep, spec = text.partition("=")
    name = name.strip().rsplit(".", 1)[-1] if "." in name else name.strip()
    if not sep or not spec.strip():
        raise ScenarioError(_SOURCE, "skriv NAMN=START:SLUT:STEG eller NAMN=V1,V2,…")
    sweepable = sweep_parameters()
    capability = sweepable.get(name)
    if capability is None:
        raise ScenarioError(_SOURCE, f"kan inte svepas; de som kan svepas: {', '.join(sweepable)}", key=name)
    if ":" in spec:
        raw = _range(name, spec.strip())
    elif _kind(name) == "share":
        raw = [v.strip() for v in spec.split(",")]  # a share stays the user's exact text
    else:
        raw = [_scalar(v.strip()) for v in spec.split(",")]
    values = tuple(dict.fromkeys(check_parameter(capability, name, v, _SOURCE) for v in raw))
    if len(values) > MAX_VALUES:
        raise ScenarioError(_SOURCE, f"{len(values)} värden; högst {MAX_VALUES} per parameter", key=name)
    return Axis(name, capability, values)


def _scalar(text: str) -> object:
    """A value as typed: a yes/no, an exact share (``1/3``), a bounded number, else the text
    (the parameter's own check then says what is wrong with it)."""
    lowered = text.lower()
    if lowered in ("true", "false", "ja", "nej"):
        return lowered in ("true", "ja")
    if "/" in text:
        return text  # an exact share such as 1/3
    return parse_number(text) if is_number(text) else text


def _range(name: str, spec: str) -> list[object]:
    parts = spec.split(":")
    try:
        start, stop, step = (Decimal(parse_number(p)) for p in parts)
    except ValueError:
        raise ScenarioError(
            _SOURCE, "START:SLUT:STEG ska vara tre tal, t.ex. 2.0:4.0:0.5 (utan exponenter)", key=name
        ) from None
    if step <= 0 or stop < start:
        raise ScenarioError(_SOURCE, "STEG måste vara större än noll och SLUT inte mindre än START", key=name)
    count = int((stop - start) / step) + 1
    if count > MAX_VALUES:
        raise ScenarioError(_SOURCE, f"intervallet ger {count} värden; högst {MAX_VALUES}", key=name)
    values = [start + i * step for i in range(count)]
    whole = all(v == v.to_integral_value() for v in (start, step))
    if whole and _kind(name) == "integer":
        return [int(v) for v in values]
    if _kind(name) == "share":
        return [str(v) for v in values]
    return list(values)


@dataclass(frozen=True)
class Sweep:
    """Every combination's total and every municipality's amount, against the base.

    ``combinations``: ``combination`` (0-based), one String column per axis (exact labels),
    ``total_ore``, ``diff_ore`` and ``diff_permille`` against ``base_total_ore``.
    ``municipalities``: ``combination``, ``kommun``, ``amount_ore`` (all 49 for each).
    ``base``: ``kommun``, ``name``, ``kommunalforbund``, ``base_ore``.
    """

    ruleset: RuleSet
    axes: list[Axis]
    capabilities: tuple[str, ...]
    months: list[Month]
    combinations: pl.DataFrame
    municipalities: pl.DataFrame
    base: pl.DataFrame
    base_values: dict[str, str]
    """The base rule set's own value of each axis (first month), where it has one: the heatmap marks it."""

    @property
    def base_total_ore(self) -> int:
        return int(self.base.get_column("base_ore").sum())

    def wide(self) -> pl.DataFrame:
        """Municipalities as rows, ``base_ore`` then one Int64 column per combination (``c0``, ``c1``…)."""
        pivoted = self.municipalities.pivot(on="combination", index="kommun", values="amount_ore")
        pivoted = pivoted.rename({c: f"c{c}" for c in pivoted.columns if c != "kommun"})
        return self.base.join(pivoted, on="kommun", how="left").sort("kommun")


def sweep(
    data: ScenarioData,
    axes: Sequence[Axis],
    *,
    base: RuleSetRef | Path | RuleSet,
    months: Sequence[Month] | None = None,
    daily_amount_sek: Decimal | None = None,
) -> Sweep:
    """Every combination of the axes' values on ``data``, with ``base`` for everything else.

    >>> from hos_avtal.synth import synth_episodes, month_range
    >>> data = ScenarioData(episodes=synth_episodes(month_range("2022-03"), episodes_per_month=400, seed=1))
    >>> grid = sweep(data, [parse_axis("average_threshold_days=2:3:0.5"), parse_axis("free_days=2,3")],
    ...              base="vgr-2018")
    >>> grid.combinations.height, grid.combinations.columns[:3]
    (6, ['combination', 'average_threshold_days', 'free_days'])
    >>> base_cell = grid.combinations.filter(
    ...     (pl.col("average_threshold_days") == "3.0") & (pl.col("free_days") == "3"))
    >>> base_cell["diff_ore"].to_list()
    [0]
    """
    names = [a.name for a in axes]
    if not axes:
        raise ScenarioError(_SOURCE, "ange minst en parameter att svepa")
    if len(set(names)) != len(names):
        raise ScenarioError(
            _SOURCE, "en parameter anges två gånger", key=next(n for n in names if names.count(n) > 1)
        )
    size = 1
    for axis in axes:
        size *= len(axis.values)
    if size > MAX_COMBINATIONS:
        raise ScenarioError(_SOURCE, f"{size} kombinationer; högst {MAX_COMBINATIONS}")
    if not data.capabilities:
        raise ScenarioError("sweep", "inga indata: ange episodes, placements eller visits")
    rules = load_ruleset(base) if isinstance(base, str | Path) else base
    combos = list(itertools.product(*(a.values for a in axes)))
    grid = pl.DataFrame(
        {"combination": list(range(len(combos)))}
        | {a.name: [label(c[i], a.name) for c in combos] for i, a in enumerate(axes)},
        schema={"combination": pl.Int64} | {a.name: pl.String for a in axes},
    )
    parts: list[pl.DataFrame] = []
    base_parts: list[pl.DataFrame] = []
    base_values: dict[str, str] = {}
    found_months: set[Month] = set()
    for capability in data.capabilities:
        own = [i for i, a in enumerate(axes) if a.capability == capability]
        distinct = list(dict.fromkeys(tuple(c[i] for i in own) for c in combos))
        keys = [{axes[i].name: value for i, value in zip(own, values, strict=True)} for values in distinct]
        amounts, capability_months, defaults = _EVALUATE[capability](
            data, rules, keys, months, daily_amount_sek
        )
        found_months.update(capability_months)
        base_values |= {name: value for name, value in defaults.items() if name in names}
        # Row 0 of ``amounts`` is the base; row k+1 the k-th distinct value tuple.
        base_parts.append(amounts.filter(pl.col("index") == 0).select("kommun", "amount_ore"))
        index_of = {values: k + 1 for k, values in enumerate(distinct)}
        mapping = pl.DataFrame(
            {
                "combination": list(range(len(combos))),
                "index": [index_of[tuple(c[i] for i in own)] for c in combos],
            },
            schema={"combination": pl.Int64, "index": pl.Int64},
        )
        parts.append(mapping.join(amounts, on="index").select("combination", "kommun", "amount_ore"))
    municipalities = (
        pl.concat(parts)
        .group_by("combination", "kommun")
        .agg(pl.col("amount_ore").sum())
        .sort("combination", "kommun")
    )
    base_amounts = (
        parties_frame()
        .select("kommun", "name", "kommunalforbund")
        .join(
            pl.concat(base_parts).group_by("kommun").agg(pl.col("amount_ore").sum()), on="kommun", how="left"
        )
        .select("kommun", "name", "kommunalforbund", pl.col("amount_ore").fill_null(0).alias("base_ore"))
        .sort("kommun")
    )
    base_total = int(base_amounts.get_column("base_ore").sum())
    totals = municipalities.group_by("combination").agg(pl.col("amount_ore").sum().alias("total_ore"))
    combinations = (
        grid.join(totals, on="combination")
        .with_columns((pl.col("total_ore") - base_total).alias("diff_ore"))
        .sort("combination")
    )
    diff = combinations.get_column("diff_ore").to_numpy()
    against = np.full(len(diff), base_total, dtype=np.int64)
    permilles = pl.Series("diff_permille", permille(diff, against), dtype=pl.Int64)
    combinations = combinations.with_columns(permilles)
    return Sweep(
        ruleset=rules,
        axes=list(axes),
        capabilities=data.capabilities,
        months=sorted(found_months),
        combinations=combinations,
        municipalities=municipalities,
        base=base_amounts,
        base_values=base_values,
    )


Evaluated = tuple[pl.DataFrame, list[Month], dict[str, str]]
"""(``index, kommun, amount_ore`` summed over months — index 0 the base —, the months, base values)."""


def _betalningsansvar(
    data: ScenarioData,
    rules: RuleSet,
    keys: list[dict[str, RawValue]],
    months: Sequence[Month] | None,
    daily_amount_sek: Decimal | None,
) -> Evaluated:
    source: pl.DataFrame | EpisodeDays | None = data.episodes
    if source is None:  # a stored dataset: its day histogram, not its episodes
        source = data.episode_days
    assert source is not None
    month_list = data.betalningsansvar_months(months)
    swept_amounts = [k["daily_amount_sek"] for k in keys if "daily_amount_sek" in k]
    # Every combination supplies its own daily amount: the base needs one only to be resolved.
    fallback = daily_amount_sek if daily_amount_sek is not None or not swept_amounts else swept_amounts[0]
    resolved = [MonthRules(r, p) for r, p in resolve_months(month_list, rules, fallback)]  # type: ignore[arg-type]
    first = resolved[0].parameters
    defaults = {
        name: label(first.daily_amount_sek if name == "daily_amount_sek" else getattr(first, name), name)
        for name, capability in sweep_parameters().items()
        if capability == "betalningsansvar" and (name == "daily_amount_sek" or hasattr(first, name))
    }
    grid: list[dict[str, Any]] = [{}, *keys]
    try:
        swept = sweep_betalningsansvar(source, resolved, grid, by_month=False)
    except EpisodesNeededError:
        if data.read_episodes is None:
            raise
        swept = sweep_betalningsansvar(data.read_episodes(), resolved, grid, by_month=False)
    amounts = swept.select(pl.col("combination").alias("index"), "kommun", "amount_ore")
    return amounts, month_list, defaults


def _placements(
    data: ScenarioData,
    rules: RuleSet,
    keys: list[dict[str, RawValue]],
    months: Sequence[Month] | None,
    daily_amount_sek: Decimal | None,
) -> Evaluated:
    placements = data.placements
    assert placements is not None

    def run(variant: RuleSet) -> tuple[pl.DataFrame, list[Month]]:
        result = calculate_placements(placements, months=months, ruleset=variant)
        return result.municipalities.select(
            "kommun", pl.col("kommun_ore").alias("amount_ore")
        ), result.month_list()

    amounts, month_list = _per_value("placements", rules, keys, run)
    return amounts, month_list, _own_values(rules, "placements", month_list[0]) if month_list else {}


def _own_values(rules: RuleSet, capability: str, month: Month) -> dict[str, str]:
    """The base's own value of each sweepable parameter of ``capability`` in ``month``, as its text."""
    found = {}
    for name, of in sweep_parameters().items():
        parameter = getattr(rules, f"{capability}_parameters").get(name) if of == capability else None
        value = parameter.value_at(month) if parameter else None
        if value is not None:
            found[name] = str(value.value)
    return found


def _home_care(
    data: ScenarioData,
    rules: RuleSet,
    keys: list[dict[str, RawValue]],
    months: Sequence[Month] | None,
    daily_amount_sek: Decimal | None,
) -> Evaluated:
    visits = data.visits
    assert visits is not None

    def run(variant: RuleSet) -> tuple[pl.DataFrame, list[Month]]:
        result = calculate_home_care(visits, months, tariffs=data.tariffs, ruleset=variant, validate=False)
        owed = result.municipalities.group_by("kommun").agg(pl.col("owed_ore").sum().alias("amount_ore"))
        return owed, result.months

    amounts, month_list = _per_value("home_care", rules, keys, run)
    return amounts, month_list, {}


def _per_value(
    capability: str,
    rules: RuleSet,
    keys: list[dict[str, RawValue]],
    run: Callable[[RuleSet], tuple[pl.DataFrame, list[Month]]],
) -> tuple[pl.DataFrame, list[Month]]:
    """The small engines once for the base (index 0) and once per distinct value tuple."""
    frames: list[pl.DataFrame] = []
    month_list: list[Month] = []
    for index, changes in enumerate([{}, *keys]):
        variant = overlay(rules, {capability: changes}, label="svep") if changes else rules
        amounts, month_list = run(variant)
        frames.append(_indexed(index, amounts, "amount_ore"))
    return pl.concat(frames), month_list


_EVALUATE: dict[str, Callable[..., Evaluated]] = {
    "betalningsansvar": _betalningsansvar,
    "placements": _placements,
    "home_care": _home_care,
}


def _indexed(index: int, frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.select(
        pl.lit(index, pl.Int64).alias("index"),
        pl.col("kommun").cast(pl.String),
        pl.col(column).cast(pl.Int64).alias("amount_ore"),
    )
