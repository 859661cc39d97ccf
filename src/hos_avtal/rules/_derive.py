"""A new agreement from an old one, written as a rule-set file; and what differs between two.

``hos-avtal rulesets new vgr-2027 --from vgr-2023 --valid-from 2027-01-01 --set
betalningsansvar.individual_after_days=6 --source "HoS-avtal 2027 Del C §5"`` takes every value
the base has in force on the new start date, dates it to the new validity and keeps its source
(saying it was carried over); the changed ones cite the new source. The result is validated like
any rule-set file before it is written.

>>> import datetime as dt
>>> new = derive_ruleset("vgr-2018", "vgr-test", dt.date(2027, 1, 1), None,
...                      changes=["betalningsansvar.free_days=2"], source="Test").ruleset
>>> [(d.name, d.before, d.after) for d in diff_rulesets("vgr-2023", new) if d.name == "free_days"]
[('free_days', '3', '2')]
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hos_avtal.errors import RuleSetError
from hos_avtal.rules._catalog import RULE_CAPABILITIES as CAPABILITIES
from hos_avtal.rules._catalog import parameter_catalog
from hos_avtal.rules._model import CARE_TYPES, Parameter, RawValue, RuleSet

_INTEGER = re.compile(r"[0-9]{1,9}")
_SOURCE = "--set"


def parse_change(text: str) -> tuple[str, str, RawValue]:
    """``CAPABILITY.PARAM=VALUE`` as ``(capability, param, value)``, the value typed as a rule-set
    file would hold it (``true``/``false``, a whole number, a list for ``conditions``, else text)
    and checked against the parameter's type.

    >>> parse_change("betalningsansvar.average_threshold_days=2.5")
    ('betalningsansvar', 'average_threshold_days', '2.5')
    >>> parse_change("betalningsansvar.separate_care_type_averages=true")
    ('betalningsansvar', 'separate_care_type_averages', True)
    """
    key, sep, raw = text.partition("=")
    capability, dot, name = key.strip().partition(".")
    if not sep or not dot or not name:
        raise RuleSetError(_SOURCE, "skriv OMRÅDE.PARAMETER=VÄRDE, t.ex. betalningsansvar.free_days=3")
    if capability not in CAPABILITIES:
        raise RuleSetError(_SOURCE, f"okänt område; kända: {', '.join(CAPABILITIES)}", key=capability)
    candidates = _candidates(name, raw.strip())
    problem = ""
    for value in candidates:
        try:
            parameter_catalog().check(capability, name, value)
        except ValueError as exc:
            problem = problem or str(exc)
            continue
        return capability, name, value
    key = f"{capability}.{name}"
    raise RuleSetError(_SOURCE, problem, key=key if "okänd parameter" not in problem else capability)


def _candidates(name: str, raw: str) -> list[RawValue]:
    """What ``raw`` may mean, in order: a list (``conditions``), a yes/no, the text (a threshold,
    an amount, a share stay exact text), a whole number (a day count)."""
    if name == "conditions":
        return [[part.strip() for part in raw.split(",") if part.strip()]]
    found: list[RawValue] = []
    if raw.lower() in ("true", "false"):
        found.append(raw.lower() == "true")
    found.append(raw)
    if _INTEGER.fullmatch(raw):
        found.append(int(raw))
    return found


@dataclass(frozen=True)
class DerivedRuleSet:
    """A rule set derived from another: validated, and the text of its file."""

    ruleset: RuleSet
    toml: str


def derive_ruleset(
    base: RuleSet | str,
    new_id: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    *,
    name: str | None = None,
    changes: Sequence[str] = (),
    source: str | None = None,
) -> DerivedRuleSet:
    """``base``'s values in force on ``valid_from``, dated to the new validity, with ``changes``
    (``CAPABILITY.PARAM=VALUE``) citing ``source``; validated like a rule-set file."""
    from hos_avtal.rules._loader import load_ruleset, parse_ruleset_text

    rules = load_ruleset(base) if isinstance(base, str) else base
    if valid_to is not None and valid_to < valid_from:
        raise RuleSetError("--valid-to", f"{valid_to} är före --valid-from {valid_from}")
    parsed = [parse_change(text) for text in changes]
    if parsed and not (source and source.strip()):
        raise RuleSetError(
            "--source", "ange var de ändrade värdena kommer ifrån (paragrafen i det nya avtalet)"
        )
    period = {"from": valid_from, **({"to": valid_to} if valid_to is not None else {})}
    data: dict[str, Any] = {
        "id": new_id,
        "name": name or f"{rules.name} (från {valid_from})",
        "kind": rules.kind,
        "auto_select": rules.auto_select,
        "valid_from": valid_from,
        **({"valid_to": valid_to} if valid_to is not None else {}),
        "source": source.strip() if source and source.strip() else f"Härledd från {rules.id}: {rules.source}",
    }
    for capability in CAPABILITIES:
        table: dict[str, Any] = {}
        for param, parameter in getattr(rules, f"{capability}_parameters").items():
            value = _in_force(parameter, valid_from)
            if value is None:
                continue  # ended before the new agreement: not carried over
            table[param] = _parameter(parameter, value.value, f"Som i {rules.id}: {value.source}", period)
            for care_type in CARE_TYPES:  # a care type's own value carries over too
                own = _in_force(parameter, valid_from, care_type)
                if own is not None and own.care_type == care_type:
                    entry = {**period, "value": own.value, "source": f"Som i {rules.id}: {own.source}"}
                    table[param]["values"].append({**entry, "care_type": care_type})
        for changed_capability, param, value in parsed:
            if changed_capability == capability:
                described = getattr(rules, f"{capability}_parameters").get(param)
                table[param] = _parameter(described, value, str(source).strip(), period)
        if table:
            data[capability] = table
    text = ruleset_toml(data)
    return DerivedRuleSet(parse_ruleset_text(text, f"{new_id} (derived from {rules.id})"), text)


def _in_force(parameter: Parameter, day: dt.date, care_type: str | None = None) -> Any:
    """The value in force on ``day`` (for ``care_type``), else the first one that starts after it,
    else ``None``."""
    current = parameter.value_at(day, care_type)
    if current is not None:
        return current
    later = sorted(
        (v for v in parameter.values if v.valid_from > day and v.care_type in (None, care_type)),
        key=lambda v: (v.valid_from, v.care_type is None),
    )
    return later[0] if later else None


def _parameter(
    described: Parameter | None, value: RawValue, source: str, period: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if described is not None and described.description:
        entry["description"] = described.description
    if described is not None and described.unit:
        entry["unit"] = described.unit
    entry["values"] = [{**period, "value": value, "source": source}]
    return entry


# ----------------------------------------------------------------------------------------- TOML


def ruleset_toml(data: dict[str, Any]) -> str:
    """A rule set (as the mapping a file holds) as TOML text in the shipped files' layout."""
    head = [f"{key} = {_toml(value)}" for key, value in data.items() if not isinstance(value, dict)]
    lines = ["# Skapad av hos-avtal rulesets new. Varje värde har sin giltighet och sin källa.", *head]
    for capability, table in data.items():
        if not isinstance(table, dict):
            continue
        for param, entry in table.items():
            lines += ["", f"[{capability}.{param}]"]
            lines += [f"{key} = {_toml(value)}" for key, value in entry.items() if key != "values"]
            values = ",\n".join(f"  {_inline(v)}" for v in entry["values"])
            lines.append(f"values = [\n{values},\n]")
    return "\n".join(lines) + "\n"


def _inline(table: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{key} = {_toml(value)}" for key, value in table.items()) + " }"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return json.dumps(format(value, "f"))  # exact: a rule-set number is text, never a float
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    # JSON's string escapes are TOML's basic-string escapes.
    return json.dumps(str(value), ensure_ascii=False)


# ----------------------------------------------------------------------------------------- diff


@dataclass(frozen=True, slots=True)
class Difference:
    """One parameter whose values differ between two rule sets (``None``: the rule set has none)."""

    capability: str
    name: str
    before: str | None
    after: str | None
    before_source: str | None
    after_source: str | None


def diff_rulesets(a: RuleSet | str, b: RuleSet | str) -> list[Difference]:
    """Every parameter whose values differ, compared as each rule set states them over its own
    validity (the dates themselves are not a difference: a new agreement starts later)."""
    from hos_avtal.rules._loader import load_ruleset

    first = load_ruleset(a) if isinstance(a, str) else a
    second = load_ruleset(b) if isinstance(b, str) else b
    found = []
    for capability in CAPABILITIES:
        left = getattr(first, f"{capability}_parameters")
        right = getattr(second, f"{capability}_parameters")
        for name in [*left, *(n for n in right if n not in left)]:
            before, after = _timeline(left.get(name)), _timeline(right.get(name))
            if [v for v, _ in before] != [v for v, _ in after]:
                found.append(
                    Difference(
                        capability,
                        name,
                        _joined(before, 0),
                        _joined(after, 0),
                        _joined(before, 1),
                        _joined(after, 1),
                    )
                )
    return found


def _timeline(parameter: Parameter | None) -> list[tuple[str, str]]:
    """The values in order of their start, as text, with sources; repeated values merged."""
    if parameter is None:
        return []
    timeline: list[tuple[str, str]] = []
    for value in sorted(parameter.values, key=lambda v: (v.care_type or "", v.valid_from)):
        text = value_text(value.value)
        if value.care_type is not None:
            text = f"{value.care_type}: {text}"
        if not timeline or timeline[-1][0] != text:
            timeline.append((text, value.source))
    return timeline


def _joined(timeline: Iterable[tuple[str, str]], index: int) -> str | None:
    parts = [entry[index] for entry in timeline]
    return " → ".join(parts) if parts else None


def value_text(value: RawValue) -> str:
    """A rule-set value as exact text: ``True`` → ``"true"``, a list joined by commas."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
