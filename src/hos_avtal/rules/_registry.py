"""The rules a deployment adds to the shipped ones: rule sets, fastställda belopp and tariffs.

Three places hold rules, and every calculation sees all of them:

1. the rule sets shipped in ``data/`` (the agreements up to 2026, the statute, the verified
   national amounts, VästKom's recommendations);
2. a folder of rule-set files named by ``HOS_AVTAL_RULESETS_DIR`` (read when first needed);
3. what an administrator registered in the database (``hos-avtal rulesets add``, ``amounts
   set``, ``tariffs set``, or the API): see :func:`hos_avtal.storage.load_registry`.

The registry in force is a context, like :func:`decimal.localcontext`: a command or a request
loads the database's registry once and runs inside :func:`using_registry`, so the engines ask
for "the rule set of 2027-01" without knowing where rules are kept. Outside any context the
default registry has the folder's rule sets and nothing registered.

>>> from hos_avtal.rules import Registry, select_ruleset, using_registry
>>> with using_registry(Registry()):
...     select_ruleset("2024-05").id
'vgr-2023'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from hos_avtal._types import KommunCode, Ore
from hos_avtal.errors import RuleSetError, quotable
from hos_avtal.rules._model import RuleSet

ENV_RULESETS_DIR = "HOS_AVTAL_RULESETS_DIR"
"""A folder of rule-set files (``*.toml``) that every command and the server also know."""

Service = str
"""``"hemtjanst"`` or ``"hemsjukvard"``."""


@dataclass(frozen=True, slots=True)
class RegisteredAmount:
    """A year's fastställt belopp as an administrator entered it."""

    year: int
    amount_ore: Ore
    source: str
    registered_by: str
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RegisteredTariff:
    """A municipality's own hourly tariff for one service and year, as it decided it."""

    kommun: KommunCode
    year: int
    service: Service
    amount_ore: Ore
    decided: dt.date
    source: str
    registered_by: str
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RegisteredRuleSet:
    """A rule set the deployment added, where it came from and its content hash."""

    ruleset: RuleSet
    content_sha256: str
    origin: str
    """``"database"`` or ``"folder"``."""
    registered_by: str = ""
    registered_at: dt.datetime | None = None


def _frozen(mapping: Mapping[object, object] | None) -> Mapping[object, object]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Registry:
    """The rule sets, amounts and tariffs a deployment added to the shipped ones."""

    rulesets: tuple[RegisteredRuleSet, ...] = ()
    daily_amounts: Mapping[int, RegisteredAmount] = field(default_factory=dict)
    """The current amount of each year (the latest registered)."""
    tariffs: Mapping[tuple[KommunCode, int, Service], RegisteredTariff] = field(default_factory=dict)
    """The current tariff of each (kommun, year, service) (the latest registered)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "daily_amounts", _frozen(self.daily_amounts))  # type: ignore[arg-type]
        object.__setattr__(self, "tariffs", _frozen(self.tariffs))  # type: ignore[arg-type]

    def ruleset(self, ruleset_id: str) -> RegisteredRuleSet | None:
        return next((r for r in self.rulesets if r.ruleset.id == ruleset_id), None)

    def with_folder(self) -> Registry:
        """This registry and the rule sets of ``HOS_AVTAL_RULESETS_DIR`` (registered ones win)."""
        known = {r.ruleset.id for r in self.rulesets}
        extra = tuple(r for r in folder_rulesets() if r.ruleset.id not in known)
        return Registry((*self.rulesets, *extra), self.daily_amounts, self.tariffs)


def content_sha256(ruleset: RuleSet) -> str:
    """A hash of what a rule set says, not how its file is spelled (comments, order, spacing)."""
    canonical = json.dumps(ruleset.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


_FOLDER_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], tuple[RegisteredRuleSet, ...]] = {}


def folder_rulesets() -> tuple[RegisteredRuleSet, ...]:
    """The rule sets in ``HOS_AVTAL_RULESETS_DIR`` (none when it is unset); re-read when a file
    in it changes. A file that is not a valid rule set is an error naming it: a deployment whose
    configured agreement is broken must not quietly bill with another."""
    from hos_avtal.rules._loader import check_registrable, parse_ruleset_file, shipped_rulesets

    folder = os.environ.get(ENV_RULESETS_DIR)
    if not folder:
        return ()
    path = Path(folder)
    if not path.is_dir():
        raise RuleSetError(folder, f"{ENV_RULESETS_DIR} pekar inte på någon mapp")
    files = sorted(path.glob("*.toml"))
    key = (str(path), tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if key not in _FOLDER_CACHE:
        found: dict[str, RegisteredRuleSet] = {}
        for file in files:
            ruleset = parse_ruleset_file(file)
            if ruleset.id in found:
                raise RuleSetError(str(file), f"id {ruleset.id!r} används redan", key="id")
            # The same checks as a registration: no shipped id, no overlapping automatic agreements.
            check_registrable(ruleset, [*shipped_rulesets(), *(r.ruleset for r in found.values())])
            found[ruleset.id] = RegisteredRuleSet(ruleset, content_sha256(ruleset), "folder")
        _FOLDER_CACHE.clear()
        _FOLDER_CACHE[key] = tuple(found.values())
    return _FOLDER_CACHE[key]


class _Lazy:
    """A registry loaded when first asked for (a request that computes nothing reads no registry)."""

    __slots__ = ("_load", "_registry")

    def __init__(self, load: Callable[[], Registry]) -> None:
        self._load = load
        self._registry: Registry | None = None

    def get(self) -> Registry:
        if self._registry is None:
            self._registry = self._load().with_folder()
        return self._registry


_ACTIVE: ContextVar[_Lazy | None] = ContextVar("hos_avtal_registry", default=None)


def active_registry() -> Registry:
    """The registry of the running command or request (see :func:`using_registry`)."""
    holder = _ACTIVE.get()
    return holder.get() if holder is not None else Registry().with_folder()


@contextmanager
def using_registry(registry: Registry | Callable[[], Registry]) -> Iterator[None]:
    """Run the block with ``registry`` (and the configured folder's rule sets) in force; given a
    function, it is called the first time the block asks for a rule, and at most once."""
    holder = _Lazy(registry if callable(registry) else lambda: registry)
    token = _ACTIVE.set(holder)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


MAX_SOURCE = 500
"""Characters of a registered value's source: a decision's title and reference, not a document."""


def _checked_year(year: int, what: str) -> int:
    from hos_avtal import months
    from hos_avtal.rules._plausibility import plausibility_limits

    limits = plausibility_limits()
    latest = months.today().year + 1  # next year's amount and tariffs are decided in the autumn
    if isinstance(year, bool) or not isinstance(year, int) or not limits.earliest_year <= year <= latest:
        raise RuleSetError(what, f"året måste vara från {limits.earliest_year} till {latest}", key="year")
    return year


def _checked_source(source: str, what: str) -> str:
    from hos_avtal.privacy import check_label

    trimmed = check_label(source, "source", max_length=MAX_SOURCE)
    if not trimmed:
        raise RuleSetError(what, "ange var värdet kommer ifrån (en föreskrift, ett beslut)", key="source")
    return trimmed


def check_registered_amount(year: int, amount_sek: Decimal, source: str) -> tuple[int, Ore, str]:
    """A year's fastställt belopp as an administrator enters it, checked like a rule-set value
    (the plausibility limits); ``(year, öre, source)``."""
    from hos_avtal.money import sek_to_ore
    from hos_avtal.rules._betalningsansvar import check_value

    what = f"fastställt belopp för {year}"
    checked_year = _checked_year(year, what)
    try:
        amount_ore = sek_to_ore(check_value("daily_amount_sek", amount_sek))  # type: ignore[arg-type]
    except ValueError as exc:
        raise RuleSetError(what, str(exc), key="amount") from None
    return checked_year, amount_ore, _checked_source(source, what)


def check_registered_tariff(
    kommun: str,
    year: int,
    amounts_sek: Mapping[Service, Decimal],
    decided: dt.date,
    source: str,
) -> tuple[dict[Service, Ore], str]:
    """A municipality's own tariffs as it decided them; ``({service: öre}, source)``. The code
    must be a party's, at least one service given, each amount in the plausible range, and the
    decision made no later than today."""
    from hos_avtal import months
    from hos_avtal.money import sek_to_ore
    from hos_avtal.municipalities import is_party
    from hos_avtal.rules._home_care import SERVICES, check_value

    if not is_party(kommun):
        reason = "inte någon av avtalets 49 kommuner (en fyrsiffrig SCB-kod)"
        raise RuleSetError(f"taxan för {quotable(kommun)}", reason, key="kommun")
    what = f"taxan för {kommun} år {year}"
    _checked_year(year, what)
    if not amounts_sek:
        raise RuleSetError(what, f"ange minst en taxa ({', '.join(SERVICES)})", key="service")
    checked: dict[Service, Ore] = {}
    for service, amount in amounts_sek.items():
        if service not in SERVICES:
            raise RuleSetError(what, f"okänd insats; kända: {', '.join(SERVICES)}", key="service")
        try:
            checked[service] = sek_to_ore(check_value(f"{service}_sek_per_hour", amount))  # type: ignore[arg-type]
        except ValueError as exc:
            raise RuleSetError(what, str(exc), key=service) from None
    if decided > months.today():
        raise RuleSetError(what, f"beslutsdatumet {decided} är efter i dag", key="decided")
    return checked, _checked_source(source, what)


@dataclass(frozen=True, slots=True)
class AmountInForce:
    """A year's fastställt belopp as a calculation would use it, and where it comes from."""

    year: int
    amount_ore: Ore
    origin: str
    """``"shipped"`` with hos_avtal or ``"registered"`` in the deployment."""
    source: str


def daily_amounts_in_force() -> list[AmountInForce]:
    """Every year with a fastställt belopp, oldest first: a registered amount replaces the shipped one."""
    from hos_avtal.money import sek_to_ore
    from hos_avtal.rules._loader import national_parameters

    found: dict[int, AmountInForce] = {}
    for v in national_parameters().betalningsansvar_parameters["daily_amount_sek"].values:
        year = v.valid_from.year
        found[year] = AmountInForce(year, sek_to_ore(str(v.value)), "shipped", v.source)
    for year, registered in active_registry().daily_amounts.items():
        found[year] = AmountInForce(year, registered.amount_ore, "registered", registered.source)
    return [found[year] for year in sorted(found)]
