"""Hemtjänst and hemsjukvård during a temporary stay in another municipality (docs/rules.md §6).

The municipality where the person stays (vistelsekommun) performs the care and invoices the home
municipality (hemkommun) at the year's tariff; the month's invoices are then netted, so each
municipality pays or receives one net amount through a few payments.

>>> import datetime as dt, polars as pl
>>> from hos_avtal.home_care import calculate_home_care
>>> visits = pl.DataFrame({
...     "visit_id": ["v1", "v2"], "person_id": ["p1", "p2"],
...     "home_kommun": ["1480", "1486"], "host_kommun": ["1486", "1480"],
...     "date": [dt.date(2022, 7, 4), dt.date(2022, 7, 5)],
...     "service": ["hemsjukvard", "hemtjanst"], "minutes": [90, 45],
... })
>>> result = calculate_home_care(visits)
>>> result.lines.select("host", "home", "minutes", "amount_ore").rows()  # docs/rules.md §6's examples
[('1480', '1486', 45, 33075), ('1486', '1480', 90, 111600)]
>>> result.payments.select("payer", "payee", "amount_ore").rows()  # Göteborg pays Strömstad, net
[('1480', '1486', 78525)]
"""

from hos_avtal.home_care._report import contract, csv_frame
from hos_avtal.home_care._result import HomeCareResult, calculate_home_care

__all__ = [
    "HomeCareResult",
    "calculate_home_care",
    "contract",
    "csv_frame",
]
