"""Finding, reading and validating rule-set files; choosing the rule set for a month."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.errors import RuleSetError, RuleSetNotApplicableError
from hos_avtal.months import format_month, parse_month
from hos_avtal.rules._betalningsansvar import validate_ruleset_parameters
from hos_avtal.rules._model import RuleSet

_SHIPPED = ("vgr-2018", "vgr-2023", "lag-2017-612")
SHIPPED_IDS = _SHIPPED
"""The ids of the rule sets that ship with hos_avtal, oldest first."""


def _parse(text: str, source: str, origin: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: an integer too long to convert
        raise RuleSetError(source, f"not valid TOML: {exc}") from None
    try:
        ruleset = RuleSet.model_validate({**data, "origin": origin})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or None
        raise RuleSetError(source, first["msg"], key=key) from None
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


def load_ruleset(ref: RuleSetRef | Path) -> RuleSet:
    """A shipped rule set by id (``"vgr-2023"``), or a rule-set file by path.

    A user's file (the 2027 agreement, say) needs no code change: it is validated exactly like
    the shipped ones, and a broken file names the file and key.
    """
    if isinstance(ref, str) and ref in _SHIPPED:
        return _shipped(ref)
    path = Path(ref)
    if path.suffix != ".toml" and not path.exists():
        raise RuleSetError(
            str(ref), f"no such rule set; shipped: {', '.join(_SHIPPED)}, or give a .toml file"
        )
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise RuleSetError(str(path), f"cannot be read ({exc.strerror})") from None
    return _parse(text, str(path), origin=str(path))


def select_ruleset(month: Month | str, ref: RuleSetRef | Path | None = None) -> RuleSet:
    """The rule set for ``month``: the named one, or the VGR agreement in force.

    The statutory default is never chosen automatically; a month no VGR rule set covers asks the
    user to name one.
    """
    if isinstance(month, str):
        month = parse_month(month)
    if ref is not None:
        ruleset = load_ruleset(ref)
        if not ruleset.covers(month):
            raise RuleSetNotApplicableError(
                f"rule set {ruleset.id!r} is valid {ruleset.period}; "
                f"{format_month(month)} is outside that period"
            )
        return ruleset
    for ruleset in shipped_rulesets():
        if ruleset.auto_select and ruleset.covers(month):
            return ruleset
    known = "; ".join(f"{r.id}: {r.period}" for r in shipped_rulesets() if r.auto_select)
    raise RuleSetNotApplicableError(
        f"no shipped VGR agreement covers {format_month(month)} ({known}). Name a rule set with "
        f"--ruleset ID|FILE: for example lag-2017-612 (the statute's default, where no agreement "
        f"exists) or your own file for a new agreement."
    )
