"""Generated home-care visits during temporary stays that look like a VGR year (docs/rules.md §6).

A stay is one person from a home municipality in a host municipality for part of a month; the
person gets several visits. Summer-house municipalities on the coast (Tanum, Strömstad,
Sotenäs, Orust, Tjörn, Lysekil, Öckerö) host far more stays in June–August; most guests come from
the Göteborg region, some from the rest of the county and a few from outside it (never invoiced).
Visits last 15–120 minutes; about a third are hemsjukvård, which is shorter than hemtjänst.

Everything is drawn with numpy from one seed, so a seed gives the same frame on any machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from hos_avtal._types import Month
from hos_avtal.months import month_end
from hos_avtal.municipalities import all_municipalities, parties
from hos_avtal.synth._episodes import _POPULATION

SUMMER_HOSTS = ("1435", "1486", "1427", "1421", "1419", "1484", "1407")
"""Tanum, Strömstad, Sotenäs, Orust, Tjörn, Lysekil, Öckerö: where the summer houses are."""
_SUMMER_MONTHS = (6, 7, 8)
_SUMMER_FACTOR = 12.0
_COAST_FACTOR = 2.0
"""Summer-house hosts get guests all year (weekends, autumn holidays), just fewer."""

_OUT_OF_COUNTY_SHARE = 0.06
_OTHER_PARTY_SHARE = 0.30
"""Of the guests: 6 % from outside Västra Götaland, 30 % from the parties outside the Göteborg
region, the rest from the Göteborg region (by population)."""

_VISITS_PER_STAY = 8
_HEMSJUKVARD_SHARE = 1 / 3
_HEMTJANST_MINUTES = (np.array([15, 20, 30, 45, 60, 90, 120]), np.array([10, 15, 25, 18, 17, 10, 5]))
_HEMSJUKVARD_MINUTES = (np.array([15, 20, 30, 45, 60, 90]), np.array([25, 25, 25, 12, 9, 4]))


def _weights(codes: Sequence[str], exponent: float = 1.0) -> np.ndarray:
    raw = np.array([_POPULATION[c] ** exponent for c in codes], dtype=float)
    normalised: np.ndarray = raw / raw.sum()
    return normalised


def synth_visits(months: list[Month], *, visits_per_month: int = 2000, seed: int = 2022) -> pl.DataFrame:
    """About ``visits_per_month`` visits (Poisson) in each month, with the docs/rules.md §6 columns.

    >>> import datetime as dt
    >>> frame = synth_visits([dt.date(2022, 7, 1)], visits_per_month=500, seed=1)
    >>> frame.columns
    ['visit_id', 'person_id', 'home_kommun', 'host_kommun', 'date', 'service', 'minutes']
    >>> bool((frame["home_kommun"] != frame["host_kommun"]).all())
    True
    """
    rng = np.random.default_rng(seed)
    ps = parties()
    codes = [m.code for m in ps]
    region = [m.code for m in ps if m.kommunalforbund == "Göteborgsregionen"]
    rest = [m.code for m in ps if m.kommunalforbund != "Göteborgsregionen"]
    outsiders = np.array([m.code for m in all_municipalities() if not m.is_party])
    near = np.array([c for c in outsiders if c.startswith(("13", "01", "06", "17"))])
    coast = np.isin(np.array(codes), SUMMER_HOSTS)
    # A guest's host is a smaller place more often than its population says: square root.
    base_host = _weights(codes, 0.5)

    frames = []
    for month in months:
        n = int(rng.poisson(visits_per_month))
        stays = max(1, n // _VISITS_PER_STAY)
        factor = _SUMMER_FACTOR if month.month in _SUMMER_MONTHS else _COAST_FACTOR
        host_p = base_host * np.where(coast, factor, 1.0)
        host = rng.choice(codes, size=stays, p=host_p / host_p.sum()).astype(object)

        origin = rng.random(stays)
        home = np.where(
            origin < _OUT_OF_COUNTY_SHARE,
            np.where(
                rng.random(stays) < 0.7, rng.choice(near, size=stays), rng.choice(outsiders, size=stays)
            ),
            np.where(
                origin < _OUT_OF_COUNTY_SHARE + _OTHER_PARTY_SHARE,
                rng.choice(rest, size=stays, p=_weights(rest)),
                rng.choice(region, size=stays, p=_weights(region)),
            ),
        ).astype(object)
        # Care at home is not a temporary stay: a guest from the host itself comes from Göteborg
        # (or, in Göteborg, from Mölndal).
        same = home == host
        home[same] = np.where(host[same] == "1480", "1481", "1480")

        stay = rng.integers(0, stays, size=n)
        nursing = rng.random(n) < _HEMSJUKVARD_SHARE
        care_minutes = rng.choice(
            _HEMTJANST_MINUTES[0], size=n, p=_HEMTJANST_MINUTES[1] / _HEMTJANST_MINUTES[1].sum()
        )
        nursing_minutes = rng.choice(
            _HEMSJUKVARD_MINUTES[0], size=n, p=_HEMSJUKVARD_MINUTES[1] / _HEMSJUKVARD_MINUTES[1].sum()
        )
        days = rng.integers(0, month_end(month).day, size=n).astype("timedelta64[D]")
        tag = f"{month.year % 100:02d}{month.month:02d}"
        frames.append(
            pl.DataFrame(
                {
                    "visit_id": np.char.add(f"HV{tag}-", np.char.zfill(np.arange(n).astype(str), 7)),
                    "person_id": np.char.add(f"HP{tag}-", np.char.zfill(stay.astype(str), 6)),
                    "home_kommun": home[stay].astype(str),
                    "host_kommun": host[stay].astype(str),
                    "date": pl.Series(np.datetime64(month, "D") + days).cast(pl.Date),
                    "service": np.where(nursing, "hemsjukvard", "hemtjanst"),
                    "minutes": np.where(nursing, nursing_minutes, care_minutes).astype(np.int64),
                }
            )
        )
    return pl.concat(frames, how="vertical").sort("date", "visit_id")
