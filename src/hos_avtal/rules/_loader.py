"""Finding, reading and validating rule-set files; choosing the rule set for a month."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.errors import RuleSetConflictError, RuleSetError, RuleSetNotApplicableError, quotable
from hos_avtal.months import format_month, parse_month
from hos_avtal.rules._betalningsansvar import validate_ruleset_parameters
from hos_avtal.rules._model import RuleSet
from hos_avtal.rules._registry import active_registry

_SHIPPED = ("vgr-2018", "vgr-2023", "lag-2017-612")
SHIPPED_IDS = _SHIPPED
"""The ids of the rule sets that ship with hos_avtal, oldest first."""


def _parse(text: str, source: str, origin: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: an integer too long to convert
        raise RuleSetError(source, f"ogiltig TOML: {exc}") from None
    except RecursionError:  # tomllib reads nested arrays recursively: [[[[…]]]] ten thousand deep
        raise RuleSetError(source, "ogiltig TOML: för djupt nästlad") from None
    _check_texts(data, source)
    try:
        ruleset = RuleSet.model_validate({**data, "origin": origin})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or None
        # A validator's own ValueError without pydantic's English "Value error, " in front of it.
        own = first["type"] == "value_error" and "ctx" in first
        reason = str(first["ctx"]["error"]) if own else first["msg"]
        raise RuleSetError(source, reason, key=key) from None
    validate_ruleset_parameters(ruleset, source)
    return ruleset


@cache
def _shipped(name: str) -> RuleSet:
    text = resources.files("hos_avtal.rules").joinpath("data", f"{name}.toml").read_text("utf-8")
    return _parse(text, f"{name}.toml (shipped)", origin=name)


def national_parameters() -> RuleSet:
    """Nationally set values (Socialstyrelsen's fastställt belopp), shared by every rule set."""
    return _shipped("national")


def vastkom_recommendations() -> RuleSet:
    """VästKom's recommended hemtjänst and hemsjukvård tariffs, shared by every rule set."""
    return _shipped("vastkom")


def shipped_limits() -> RuleSet:
    """The plausibility limits (:mod:`hos_avtal.rules._plausibility`), shared by every rule set."""
    return _shipped("plausibility")


def shipped_rulesets() -> list[RuleSet]:
    """The rule sets that ship with hos_avtal, oldest first."""
    return [_shipped(name) for name in _SHIPPED]


def _check_texts(data: object, source: str, key: str = "") -> None:
    """Every text of a rule set (names, sources, descriptions) as a label is checked: no control or
    invisible character (PostgreSQL cannot store a NUL), no personnummer, at most 2 000 characters."""
    from hos_avtal.errors import InputError
    from hos_avtal.privacy import check_label

    if isinstance(data, dict):
        for name, value in data.items():
            _check_texts(value, source, f"{key}.{name}" if key else str(name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _check_texts(value, source, f"{key}[{index}]")
    elif isinstance(data, str):
        try:
            check_label(data, key, max_length=2000)
        except InputError as exc:
            raise RuleSetError(source, exc.problems[0].reason, key=quotable(key)) from None


def parse_ruleset_file(path: Path) -> RuleSet:
    """A rule-set file, validated like the shipped ones; a broken file names the file and key."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise RuleSetError(str(path), f"kan inte läsas ({exc.strerror})") from None
    return _parse(text, str(path), origin=str(path))


def parse_ruleset_text(text: str, source: str) -> RuleSet:
    """A rule set sent as text (a registration over HTTP); ``source`` names it in messages."""
    return _parse(text, source, origin=source)


def known_ids() -> list[str]:
    """Every rule-set id a command or request may name: shipped, configured and registered."""
    return [*_SHIPPED, *(r.ruleset.id for r in active_registry().rulesets)]


def available_rulesets() -> list[RuleSet]:
    """The shipped rule sets, then the configured and registered ones (oldest first)."""
    added = sorted(
        (r.ruleset for r in active_registry().rulesets), key=lambda r: (r.valid_from or dt.date.min, r.id)
    )
    return [*shipped_rulesets(), *added]


def load_ruleset(ref: RuleSetRef | Path) -> RuleSet:
    """A rule set by id (shipped, in the configured folder, or registered) or a file by path.

    A user's file (the 2027 agreement, say) needs no code change: it is validated exactly like
    the shipped ones, and a broken file names the file and key.
    """
    if isinstance(ref, str) and ref in _SHIPPED:
        return _shipped(ref)
    if isinstance(ref, str) and (registered := active_registry().ruleset(ref)) is not None:
        return registered.ruleset
    path = Path(ref)
    if path.suffix != ".toml" and not path.exists():
        raise RuleSetError(
            str(ref), f"regelverket finns inte; kända: {', '.join(known_ids())}, eller ange en .toml-fil"
        )
    return parse_ruleset_file(path)


def select_ruleset(month: Month | str, ref: RuleSetRef | Path | None = None) -> RuleSet:
    """The rule set for ``month``: the named one, or the VGR agreement in force.

    Every automatic rule set counts, shipped or registered (a registered ``vgr-2027`` is
    chosen for 2027-01). The statutory default is never chosen automatically; a month no VGR
    rule set covers asks the user to name one.
    """
    if isinstance(month, str):
        month = parse_month(month)
    if ref is not None:
        ruleset = load_ruleset(ref)
        if not ruleset.covers(month):
            raise RuleSetNotApplicableError(
                f"regelverket {ruleset.id!r} gäller {ruleset.period}; "
                f"{format_month(month)} ligger utanför den perioden"
            )
        return ruleset
    automatic = [r for r in available_rulesets() if r.auto_select]
    covering = [r for r in automatic if r.covers(month)]
    if len(covering) > 1:  # registrations refuse this; a folder and a database together might not
        raise RuleSetConflictError(
            ", ".join(r.origin or r.id for r in covering),
            f"{len(covering)} automatiska regelverk gäller för {format_month(month)} "
            f"({', '.join(r.id for r in covering)}); välj ett med --ruleset och ta bort överlappningen",
        )
    if covering:
        return covering[0]
    known = "; ".join(f"{r.id}: {r.period}" for r in automatic)
    raise RuleSetNotApplicableError(
        f"hos_avtal känner inte till något VGR-avtal som gäller för {format_month(month)} ({known}). "
        f"Registrera det avtal som gäller (hos-avtal rulesets new … och sedan rulesets add FILE), "
        f"eller välj ett regelverk med --ruleset ID|FILE: till exempel lag-2017-612 (lagens "
        f"standardregler där inget avtal finns)."
    )


def check_registrable(ruleset: RuleSet, others: list[RuleSet]) -> None:
    """Refuse a rule set whose id is shipped, or an automatic one whose validity overlaps another
    automatic rule set's: which agreement bills a month must never depend on the order of a list."""
    if ruleset.id in _SHIPPED or ruleset.kind not in ("agreement", "statute"):
        shipped = ruleset.id in _SHIPPED
        reason = "tillhör ett medföljande regelverk" if shipped else "är varken ett avtal eller en lag"
        raise RuleSetConflictError(ruleset.origin, f"kan inte registreras: {ruleset.id!r} {reason}", key="id")
    if not ruleset.auto_select:
        return
    start = ruleset.valid_from or dt.date.min
    end = ruleset.valid_to or dt.date.max
    for other in others:
        if other.id == ruleset.id or not other.auto_select:
            continue
        if start <= (other.valid_to or dt.date.max) and (other.valid_from or dt.date.min) <= end:
            raise RuleSetConflictError(
                ruleset.origin,
                f"dess giltighetstid {ruleset.period} överlappar det automatiska regelverket {other.id!r} "
                f"({other.period}); ange valid_from/valid_to så att ett enda avtal gäller varje månad, "
                "eller sätt auto_select = false",
                key="valid_from",
            )
