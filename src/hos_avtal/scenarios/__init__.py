"""What-if scenarios (SPEC §7): overlays on a rule set, compared and swept on the same data.

>>> from hos_avtal.scenarios import scenario_from_mapping
>>> scenario_from_mapping({"name": "Byte efter 5 dagar", "base": "vgr-2023",
...                        "betalningsansvar": {"individual_after_days": 5}}).slug
'byte-efter-5-dagar'
"""

from hos_avtal.scenarios._compare import Comparison, Variant, compare
from hos_avtal.scenarios._data import ScenarioData
from hos_avtal.scenarios._model import (
    CAPABILITIES,
    Scenario,
    load_scenario,
    scenario_from_mapping,
)

__all__ = [
    "CAPABILITIES",
    "Comparison",
    "Scenario",
    "ScenarioData",
    "Variant",
    "compare",
    "load_scenario",
    "scenario_from_mapping",
]
