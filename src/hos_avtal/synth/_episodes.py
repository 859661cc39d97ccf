"""Generated episodes that look like a VGR month: volumes by population, most stays 0–3 days,
a long tail past 7, a psychiatric share, failed conditions, out-of-county and pending cases.

Everything is drawn with numpy from one seed, so a seed gives the same file on any machine.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from hos_avtal._types import Month
from hos_avtal.months import month_end
from hos_avtal.municipalities import all_municipalities, parties

# Approximate populations (SCB, rounded to the nearest few hundred), used only to weight
# synthetic volumes; never used in a calculation.
_POPULATION = {
    "1401": 38000, "1402": 39000, "1407": 13000, "1415": 27000, "1419": 16000, "1421": 15000,
    "1427": 9000, "1430": 10000, "1435": 13000, "1438": 4700, "1439": 6500, "1440": 32000,
    "1441": 43000, "1442": 12000, "1443": 10000, "1444": 5700, "1445": 5600, "1446": 6900,
    "1447": 5300, "1452": 11500, "1460": 9500, "1461": 9000, "1462": 14000, "1463": 35000,
    "1465": 10800, "1466": 9500, "1470": 16000, "1471": 13300, "1472": 11300, "1473": 9300,
    "1480": 590000, "1481": 70000, "1482": 48000, "1484": 14500, "1485": 57000, "1486": 13000,
    "1487": 40000, "1488": 59000, "1489": 42000, "1490": 114000, "1491": 25000, "1492": 12500,
    "1493": 24500, "1494": 40000, "1495": 18800, "1496": 57000, "1497": 9200, "1498": 13000,
    "1499": 33500,
}  # fmt: skip

_HOSPITAL = {
    "Göteborgsregionen": "SU",
    "Fyrbodal": "NU",
    "Skaraborg": "SkaS",
    "Boråsregionen Sjuhärad": "SÄS",
}
_OTHER_HOSPITALS = (
    "SU",
    "NU",
    "SkaS",
    "SÄS",
    "Alingsås lasarett",
    "Kungälvs sjukhus",
    "Frölunda specialistsjukhus",
)

# Days after utskrivningsklar for stays of 0–7 days: a municipality with home care ready at
# discharge (fast) and one where patients wait (slow); each municipality mixes the two, so some
# averages stay under 3.0 and some exceed it. Beyond 7 days a geometric tail (mean ≈ 15 days).
_FAST_DAYS_P = np.array([0.40, 0.22, 0.14, 0.09, 0.06, 0.04, 0.03, 0.02])
_SLOW_DAYS_P = np.array([0.10, 0.10, 0.12, 0.14, 0.15, 0.14, 0.13, 0.12])
_LONG_SHARE = 0.05

_CONDITIONS = ("admission_notice", "ready_notice", "outpatient_plan", "outpatient_available")


def synth_episodes(months: list[Month], *, episodes_per_month: int = 4000, seed: int = 2022) -> pl.DataFrame:
    """Episodes discharged in ``months``, plus a few still admitted at the end of the last month."""
    rng = np.random.default_rng(seed)
    ps = parties()
    codes = np.array([m.code for m in ps])
    weights = np.array([_POPULATION[m.code] for m in ps], dtype=float)
    weights /= weights.sum()
    # Each municipality has its own propensity for long waits, so some are liable and some not.
    tail_factor = rng.lognormal(mean=0.0, sigma=0.35, size=len(ps))
    slowness = rng.beta(2.0, 3.0, size=len(ps))
    hospital_of = np.array([_HOSPITAL[m.kommunalforbund or ""] for m in ps])
    outsiders = np.array([m.code for m in all_municipalities() if not m.is_party])
    halland = np.array([c for c in outsiders if c.startswith("13")])

    frames = []
    for index, month in enumerate(months):
        n = int(rng.poisson(episodes_per_month))
        kommun_idx = rng.choice(len(ps), size=n, p=weights)
        slow = rng.random(n) < slowness[kommun_idx]
        short = np.where(
            slow,
            rng.choice(8, size=n, p=_SLOW_DAYS_P / _SLOW_DAYS_P.sum()),
            rng.choice(8, size=n, p=_FAST_DAYS_P / _FAST_DAYS_P.sum()),
        )
        is_long = rng.random(n) < _LONG_SHARE * tail_factor[kommun_idx]
        long_days = 8 + rng.geometric(1 / 8, size=n) - 1
        days = np.where(is_long, long_days, short).astype(np.int64)
        month_days = month_end(month).day
        discharge = np.datetime64(month) + rng.integers(0, month_days, size=n).astype("timedelta64[D]")
        ready = discharge - days.astype("timedelta64[D]")
        kommun = codes[kommun_idx].astype(object)
        outside = rng.random(n) < 0.015
        kommun[outside] = np.where(
            rng.random(outside.sum()) < 0.6,
            rng.choice(halland, size=outside.sum()),
            rng.choice(outsiders, size=outside.sum()),
        )
        frames.append(
            _frame(rng, month, index, kommun, kommun_idx, hospital_of, ready, discharge.astype(object))
        )

    last = months[-1]
    n_pending = max(1, episodes_per_month // 50)
    kommun_idx = rng.choice(len(ps), size=n_pending, p=weights)
    ready = np.datetime64(month_end(last)) - rng.integers(0, 20, size=n_pending).astype("timedelta64[D]")
    discharge = np.full(n_pending, None, dtype=object)
    frames.append(
        _frame(
            rng,
            last,
            len(months),
            codes[kommun_idx].astype(object),
            kommun_idx,
            hospital_of,
            ready,
            discharge,
            pending=True,
        )
    )
    return pl.concat(frames, how="vertical")


def _frame(
    rng: np.random.Generator,
    month: Month,
    batch: int,
    kommun: np.ndarray,
    kommun_idx: np.ndarray,
    hospital_of: np.ndarray,
    ready: np.ndarray,
    discharge: np.ndarray,
    *,
    pending: bool = False,
) -> pl.DataFrame:
    n = len(kommun)
    prefix = f"{'V' if pending else 'E'}{month.year % 100:02d}{month.month:02d}{batch:03d}"
    serial = np.char.zfill(np.arange(n).astype(str), 6)
    episode_id = np.char.add(prefix + "-", serial)
    # Pseudonymous person ids; a few persons come back within the month (counted twice).
    person = rng.integers(0, max(1, int(n * 0.97)), size=n)
    person_id = np.char.add(
        f"P{month.year % 100:02d}{month.month:02d}-", np.char.zfill(person.astype(str), 6)
    )
    hospital = np.where(rng.random(n) < 0.85, hospital_of[kommun_idx], rng.choice(_OTHER_HOSPITALS, size=n))
    sip_needed = rng.random(n) < 0.25
    data = {
        "episode_id": episode_id,
        "person_id": person_id,
        "kommun": kommun.astype(str),
        "care_type": np.where(rng.random(n) < 0.12, "psykiatri", "somatik"),
        "hospital": hospital,
        "ready_date": pl.Series(ready.astype("datetime64[D]")).cast(pl.Date),
        "discharge_date": pl.Series(
            discharge.astype("datetime64[D]")
            if not pending
            else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        ).cast(pl.Date),
    }
    for name in _CONDITIONS:
        data[name] = rng.random(n) >= 0.008
    data["sip_needed"] = sip_needed
    sip_invited = np.where(sip_needed, rng.random(n) >= 0.05, rng.random(n) < 0.5)
    frame = pl.DataFrame(data).with_columns(
        pl.Series("sip_invited", sip_invited).alias("sip_invited"),
    )
    return frame.select(
        "episode_id", "person_id", "kommun", "care_type", "hospital", "ready_date", "discharge_date",
        *_CONDITIONS, "sip_needed", "sip_invited",
    )  # fmt: skip
