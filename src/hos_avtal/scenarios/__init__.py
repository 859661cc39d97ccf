"""What-if scenarios (docs/rules.md §7): overlays on a rule set, compared and swept on the same data.

>>> from hos_avtal.scenarios import scenario_from_mapping
>>> scenario_from_mapping({"name": "Byte efter 5 dagar", "base": "vgr-2023",
...                        "betalningsansvar": {"individual_after_days": 5}}).slug
'byte-efter-5-dagar'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hos_avtal._lazy import lazy_exports
from hos_avtal.scenarios._base import BaseValue, base_values
from hos_avtal.scenarios._compare import Comparison, Variant, compare
from hos_avtal.scenarios._data import ScenarioData
from hos_avtal.scenarios._days import EpisodeDays
from hos_avtal.scenarios._model import (
    CAPABILITIES,
    Scenario,
    load_scenario,
    scenario_from_mapping,
)
from hos_avtal.scenarios._report import comparison_csv, comparison_json, format_permille, json_value
from hos_avtal.scenarios._sweep import Axis, Sweep, label, label_sv, parse_axis, sweep
from hos_avtal.scenarios._sweep_report import sweep_csv, sweep_json

if TYPE_CHECKING:
    from hos_avtal.scenarios._datasets import (
        DatasetSummary,
        comparison_data,
        dataset_summary,
        delete_dataset,
        list_datasets,
        load_dataset,
        read_upload,
        run_data,
        save_dataset,
        save_run_dataset,
    )
    from hos_avtal.scenarios._excel import comparison_xlsx, sweep_xlsx

# Stored datasets need the database, the Excel workbooks xlsxwriter: imported when first used.
_LAZY = {
    "DatasetSummary": "hos_avtal.scenarios._datasets",
    "comparison_data": "hos_avtal.scenarios._datasets",
    "dataset_summary": "hos_avtal.scenarios._datasets",
    "delete_dataset": "hos_avtal.scenarios._datasets",
    "list_datasets": "hos_avtal.scenarios._datasets",
    "load_dataset": "hos_avtal.scenarios._datasets",
    "read_upload": "hos_avtal.scenarios._datasets",
    "run_data": "hos_avtal.scenarios._datasets",
    "save_dataset": "hos_avtal.scenarios._datasets",
    "save_run_dataset": "hos_avtal.scenarios._datasets",
    "comparison_xlsx": "hos_avtal.scenarios._excel",
    "sweep_xlsx": "hos_avtal.scenarios._excel",
}

__all__ = [
    "CAPABILITIES",
    "Axis",
    "BaseValue",
    "Comparison",
    "DatasetSummary",
    "EpisodeDays",
    "Scenario",
    "ScenarioData",
    "Sweep",
    "Variant",
    "base_values",
    "compare",
    "comparison_csv",
    "comparison_data",
    "comparison_json",
    "comparison_xlsx",
    "dataset_summary",
    "delete_dataset",
    "format_permille",
    "json_value",
    "label",
    "label_sv",
    "list_datasets",
    "load_dataset",
    "load_scenario",
    "parse_axis",
    "read_upload",
    "run_data",
    "save_dataset",
    "save_run_dataset",
    "scenario_from_mapping",
    "sweep",
    "sweep_csv",
    "sweep_json",
    "sweep_xlsx",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
