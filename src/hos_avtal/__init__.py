"""hos_avtal: the calculations of the healthcare agreement between VGR and its 49 municipalities.

The public surface is small and re-exported here; everything in a module whose name starts with
an underscore is private.

>>> from hos_avtal import load_ruleset, parties
>>> load_ruleset("vgr-2023").valid_to, len(parties())
(datetime.date(2026, 12, 31), 49)
"""

from hos_avtal._types import KommunCode, Month, Ore, RuleSetRef
from hos_avtal.betalningsansvar import BetalningsansvarResult, calculate_betalningsansvar
from hos_avtal.betalningsansvar._report import contract
from hos_avtal.errors import (
    CalculationError,
    HosAvtalError,
    InputError,
    MissingParameterError,
    Problem,
    RuleSetError,
    RuleSetNotApplicableError,
    ScenarioError,
)
from hos_avtal.home_care import HomeCareResult, calculate_home_care
from hos_avtal.io import read_episodes, validate_episodes
from hos_avtal.municipalities import Municipality, lookup, parties
from hos_avtal.placements import PlacementResult, calculate_placements
from hos_avtal.rules import BetalningsansvarParameters, RuleSet, load_ruleset, select_ruleset
from hos_avtal.scenarios import Comparison, Scenario, ScenarioData, compare, load_scenario

__version__ = "0.1.0"

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
    "RuleSet",
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
    "validate_episodes",
]
