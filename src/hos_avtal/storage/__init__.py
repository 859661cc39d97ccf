"""Storage of billing runs: SQLAlchemy 2 with Alembic migrations; SQLite by default, PostgreSQL by URL.

>>> import tempfile, pathlib
>>> db = open_database(pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite")  # created on first use
>>> list_runs(db)
[]
>>> db.close()
"""

from hos_avtal.storage._database import (
    DEFAULT_URL,
    ENV_URL,
    Database,
    open_database,
    resolve_url,
    schema_revision,
)
from hos_avtal.storage._registry import (
    Actor,
    daily_amount_history,
    load_registry,
    read_registry,
    register_daily_amount,
    register_ruleset,
    register_tariff,
    ruleset_content,
    ruleset_history,
    tariff_history,
)
from hos_avtal.storage._repository import (
    NewRun,
    StaleRunError,
    delete_draft,
    final_runs_before,
    finalize,
    find_run,
    find_sealed,
    last_final_run,
    list_runs,
    load_run,
    load_run_inputs,
    load_run_municipality,
    load_summary,
    recurring_liability,
    save_run,
    setting,
    verify_run,
    version_gaps,
)

__all__ = [
    "DEFAULT_URL",
    "ENV_URL",
    "Actor",
    "Database",
    "NewRun",
    "StaleRunError",
    "daily_amount_history",
    "delete_draft",
    "final_runs_before",
    "finalize",
    "find_run",
    "find_sealed",
    "last_final_run",
    "list_runs",
    "load_registry",
    "load_run",
    "load_run_inputs",
    "load_run_municipality",
    "load_summary",
    "open_database",
    "read_registry",
    "recurring_liability",
    "register_daily_amount",
    "register_ruleset",
    "register_tariff",
    "resolve_url",
    "ruleset_content",
    "ruleset_history",
    "save_run",
    "schema_revision",
    "setting",
    "tariff_history",
    "verify_run",
    "version_gaps",
]
