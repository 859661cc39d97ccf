"""hos_avtal: the calculations of the healthcare agreement between VGR and its 49 municipalities.

The public surface is small and re-exported here; everything in a module whose name starts with
an underscore is private.

>>> from hos_avtal import load_ruleset, parties
>>> load_ruleset("vgr-2023").valid_to, len(parties())
(datetime.date(2026, 12, 31), 49)

The names are imported on first use (PEP 562), so that ``import hos_avtal.io`` or the command
line loads only what it needs: importing every capability up front (numpy, pydantic, the
scenario and export modules) was a third of a short command's time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hos_avtal._version import __version__

if TYPE_CHECKING:
    from hos_avtal._types import KommunCode, Month, Ore, RuleSetRef
    from hos_avtal.betalningsansvar import BetalningsansvarResult, calculate_betalningsansvar, contract
    from hos_avtal.errors import (
        CalculationError,
        HosAvtalError,
        InputError,
        MissingParameterError,
        Problem,
        RuleSetConflictError,
        RuleSetError,
        RuleSetNotApplicableError,
        ScenarioError,
    )
    from hos_avtal.home_care import HomeCareResult, calculate_home_care
    from hos_avtal.io import read_episodes, validate_episodes
    from hos_avtal.municipalities import Municipality, lookup, parties
    from hos_avtal.placements import PlacementResult, calculate_placements
    from hos_avtal.rules import (
        BetalningsansvarParameters,
        Registry,
        RuleSet,
        load_ruleset,
        select_ruleset,
        using_registry,
    )
    from hos_avtal.scenarios import Comparison, Scenario, ScenarioData, compare, load_scenario


_EXPORTS: dict[str, str] = {
    "KommunCode": "hos_avtal._types",
    "Month": "hos_avtal._types",
    "Ore": "hos_avtal._types",
    "RuleSetRef": "hos_avtal._types",
    "BetalningsansvarResult": "hos_avtal.betalningsansvar",
    "calculate_betalningsansvar": "hos_avtal.betalningsansvar",
    "contract": "hos_avtal.betalningsansvar",
    "CalculationError": "hos_avtal.errors",
    "HosAvtalError": "hos_avtal.errors",
    "InputError": "hos_avtal.errors",
    "MissingParameterError": "hos_avtal.errors",
    "Problem": "hos_avtal.errors",
    "RuleSetConflictError": "hos_avtal.errors",
    "RuleSetError": "hos_avtal.errors",
    "RuleSetNotApplicableError": "hos_avtal.errors",
    "ScenarioError": "hos_avtal.errors",
    "HomeCareResult": "hos_avtal.home_care",
    "calculate_home_care": "hos_avtal.home_care",
    "read_episodes": "hos_avtal.io",
    "validate_episodes": "hos_avtal.io",
    "Municipality": "hos_avtal.municipalities",
    "lookup": "hos_avtal.municipalities",
    "parties": "hos_avtal.municipalities",
    "PlacementResult": "hos_avtal.placements",
    "calculate_placements": "hos_avtal.placements",
    "BetalningsansvarParameters": "hos_avtal.rules",
    "Registry": "hos_avtal.rules",
    "RuleSet": "hos_avtal.rules",
    "load_ruleset": "hos_avtal.rules",
    "select_ruleset": "hos_avtal.rules",
    "using_registry": "hos_avtal.rules",
    "Comparison": "hos_avtal.scenarios",
    "Scenario": "hos_avtal.scenarios",
    "ScenarioData": "hos_avtal.scenarios",
    "compare": "hos_avtal.scenarios",
    "load_scenario": "hos_avtal.scenarios",
}
"""Each public name and the module it lives in."""

__all__ = [
    "BetalningsansvarParameters",
    "BetalningsansvarResult",
    "CalculationError",
    "Comparison",
    "HomeCareResult",
    "HosAvtalError",
    "InputError",
    "KommunCode",
    "MissingParameterError",
    "Month",
    "Municipality",
    "Ore",
    "PlacementResult",
    "Problem",
    "Registry",
    "RuleSet",
    "RuleSetConflictError",
    "RuleSetError",
    "RuleSetNotApplicableError",
    "RuleSetRef",
    "Scenario",
    "ScenarioData",
    "ScenarioError",
    "__version__",
    "calculate_betalningsansvar",
    "calculate_home_care",
    "calculate_placements",
    "compare",
    "contract",
    "load_ruleset",
    "load_scenario",
    "lookup",
    "parties",
    "read_episodes",
    "select_ruleset",
    "using_registry",
    "validate_episodes",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hos_avtal' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
