"""Where the database is, worked out without importing SQLAlchemy (a calculation asks this first).

>>> resolve_url("postgresql+psycopg://u@h/db"), missing_database_file("/no/such/runs.sqlite")
('postgresql+psycopg://u@h/db', True)
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_URL = "sqlite:///hos_avtal.sqlite"
"""Where runs are stored when neither ``--db`` nor ``HOS_AVTAL_DATABASE_URL`` says: this folder."""

ENV_URL = "HOS_AVTAL_DATABASE_URL"


def resolve_url(url_or_path: str | Path | None = None) -> str:
    """A database URL from ``--db``'s value: a URL as it is, a bare path as a SQLite file.

    ``None`` falls back to ``HOS_AVTAL_DATABASE_URL``, then to ``hos_avtal.sqlite`` here.
    """
    if url_or_path is None:
        url_or_path = os.environ.get(ENV_URL) or DEFAULT_URL
    value = str(url_or_path)
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def missing_database_file(url_or_path: str | Path | None = None) -> bool:
    """True when the database named is a SQLite file that does not exist (or SQLite in memory):
    there is nothing registered in it, and a calculation must not create it."""
    url = resolve_url(url_or_path)
    if not url.startswith("sqlite://"):
        return False
    path = url.removeprefix("sqlite://").removeprefix("/").split("?", 1)[0]
    if path in ("", ":memory:"):
        return True
    return not path.startswith("file:") and not Path(path).is_file()
