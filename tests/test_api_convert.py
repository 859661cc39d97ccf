"""The calculations' natively typed input frames validate exactly as the all-text frames did: the
same typed frame for good rows, the same problems (row, column, reason) for bad ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from pydantic import BaseModel

from hos_avtal.api._convert import rows_frame, typed_frame
from hos_avtal.api._schemas import AgreementIn, CostIn, EpisodeIn, PlacementIn, TariffIn, VisitIn
from hos_avtal.errors import InputError
from hos_avtal.io import (
    PlacementInputs,
    validate_episodes,
    validate_placement_inputs,
    validate_tariffs,
    validate_visits,
)
from hos_avtal.municipalities import parties
from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits
from test_api import records

EPISODES = records(synth_episodes(month_range("2022-06"), episodes_per_month=60, seed=9))
VISITS = records(synth_visits(month_range("2023-06"), visits_per_month=40, seed=9))
_P, _C, _A = synth_placements(month_range("2023-06"), placements=12, seed=9)
PLACEMENTS, COSTS, AGREEMENTS = records(_P), records(_C), records(_A)
TARIFFS = [
    {"kommun": p.code, "year": 2023, "service": s, "sek_per_hour": "700.00"}
    for p in parties()[:5]
    for s in ("hemtjanst", "hemsjukvard")
]


def _outcome(validate: Callable[[], Any]) -> Any:
    """The validated frame(s), or the problems of the refusal."""
    try:
        result = validate()
    except InputError as exc:
        return ("refused", exc.source, [(p.row, p.column, p.reason) for p in exc.problems])
    if isinstance(result, PlacementInputs):
        result = (result.placements, result.costs, result.agreements)
    frames = result if isinstance(result, tuple) else (result,)
    return [(f.schema, f.to_dicts()) for f in frames]


def _both(rows: list[dict[str, Any]], model: type[BaseModel]) -> tuple[pl.DataFrame, pl.DataFrame]:
    parsed = [model.model_validate(r) for r in rows]
    return rows_frame(parsed, model), typed_frame(parsed, model)


def _changed(rows: list[dict[str, Any]], changes: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, **changes.get(i, {})} for i, row in enumerate(rows)]


EPISODE_CASES: dict[str, dict[int, dict[str, Any]]] = {
    "clean": {},
    "codes": {
        1: {"kommun": "9999"},
        2: {"kommun": " 1480"},
        3: {"care_type": "Somatik"},
        4: {"care_type": "x"},
    },
    "dates": {1: {"discharge_date": "2022-01-01"}, 5: {"discharge_date": None}},
    "sip": {2: {"sip_needed": True, "sip_invited": None}, 3: {"sip_needed": False, "sip_invited": None}},
    "ids": {
        1: {"episode_id": EPISODES[0]["episode_id"]},
        2: {"episode_id": " x "},
        3: {"person_id": "191212121212"},
    },
    "personnummer": {4: {"episode_id": "19121212-1212"}},
    "untidy": {2: {"kommun": " 1480"}, 3: {"care_type": "Somatik"}, 4: {"episode_id": " x "}},
    "hospital": {1: {"hospital": ""}, 2: {"hospital": " Sahlgrenska "}, 3: {"hospital": None}},
    "bools": {1: {"admission_notice": False, "ready_notice": False, "outpatient_plan": True}},
}


@pytest.mark.parametrize("case", list(EPISODE_CASES))
def test_episodes(case: str) -> None:
    text, typed = _both(_changed(EPISODES, EPISODE_CASES[case]), EpisodeIn)
    assert typed.schema["ready_date"] == pl.Date
    assert typed.schema["sip_invited"] == pl.Boolean
    expected = _outcome(lambda: validate_episodes(text))
    assert _outcome(lambda: validate_episodes(typed)) == expected
    assert (case in ("clean", "bools", "hospital", "untidy")) == (expected[0] != "refused")


VISIT_CASES: dict[str, dict[int, dict[str, Any]]] = {
    "clean": {},
    "bad": {
        1: {"minutes": 2000},
        2: {"home_kommun": VISITS[2]["host_kommun"]},
        3: {"host_kommun": "0180"},
        4: {"service": "Hemtjänst"},
        5: {"visit_id": VISITS[0]["visit_id"]},
        6: {"person_id": "19121212-1212"},
    },
}


@pytest.mark.parametrize("case", list(VISIT_CASES))
def test_visits_and_tariffs(case: str) -> None:
    text, typed = _both(_changed(VISITS, VISIT_CASES[case]), VisitIn)
    assert _outcome(lambda: validate_visits(typed)) == _outcome(lambda: validate_visits(text))
    tariffs = _changed(TARIFFS, {} if case == "clean" else {1: {"year": 1999}, 2: {"sek_per_hour": "-5.00"}})
    text, typed = _both(tariffs + ([TARIFFS[0]] if case != "clean" else []), TariffIn)
    assert typed.schema["year"] == pl.Int64
    assert _outcome(lambda: validate_tariffs(typed)) == _outcome(lambda: validate_tariffs(text))


PLACEMENT_CASES: dict[str, tuple[dict[int, dict[str, Any]], ...]] = {
    "clean": ({}, {}, {}),
    "bad": (
        {1: {"end_date": "2000-01-01"}, 2: {"kommun": "9999"}, 3: {"acute": True}},
        {1: {"cost_sek": "-1.00"}, 2: {"month": COSTS[1]["month"], "placement_id": COSTS[1]["placement_id"]}},
        {1: {"region_percent": "abc"}, 2: {"valid_to": "2000-01-01"}, 3: {"method": "x"}},
    ),
}


@pytest.mark.parametrize("case", list(PLACEMENT_CASES))
def test_placements(case: str) -> None:
    p, c, a = PLACEMENT_CASES[case]
    frames = [
        _both(_changed(rows, changes), model)
        for rows, changes, model in (
            (PLACEMENTS, p, PlacementIn),
            (COSTS, c, CostIn),
            (AGREEMENTS, a, AgreementIn),
        )
    ]
    text = [f[0] for f in frames]
    typed = [f[1] for f in frames]
    assert typed[0].schema["start_date"] == pl.Date
    expected = _outcome(lambda: validate_placement_inputs(*text))
    assert _outcome(lambda: validate_placement_inputs(*typed)) == expected


def test_every_input_model_has_native_types() -> None:
    for model in (EpisodeIn, PlacementIn, CostIn, AgreementIn, VisitIn, TariffIn):
        row = {"EpisodeIn": EPISODES, "PlacementIn": PLACEMENTS, "CostIn": COSTS}.get(model.__name__)
        frame = typed_frame([model.model_validate(row[0])] if row else [], model)
        assert frame.columns == list(model.model_fields)
        assert set(frame.schema.values()) <= {pl.String, pl.Boolean, pl.Int64, pl.Date}
