"""Storage of billing runs and of the rules registry: SQLAlchemy 2 with Alembic migrations;
SQLite by default, PostgreSQL by URL.

The names below are imported when first used, so a command that only asks where the database is
(a calculation without one) does not pay for importing SQLAlchemy.

>>> import tempfile, pathlib
>>> from hos_avtal.storage import list_runs, open_database
>>> db = open_database(pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite")  # created on first use
>>> list_runs(db)
[]
>>> db.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hos_avtal._lazy import lazy_exports

if TYPE_CHECKING:
    from hos_avtal.storage._database import (
        HEAD_REVISION,
        Database,
        SchemaState,
        backup_sqlite,
        open_database,
        require_current_schema,
        schema_revision,
        schema_state,
        upgrade_schema,
    )
    from hos_avtal.storage._location import (
        DEFAULT_URL,
        ENV_URL,
        missing_database_file,
        resolve_url,
    )
    from hos_avtal.storage._models import (
        api_key,
        audit_log,
        idempotency_key,
        prognos_snapshot,
        scenario_dataset,
        scenario_dataset_days,
        scenario_dataset_input,
    )
    from hos_avtal.storage._parquet import frame_bytes, frame_from_bytes
    from hos_avtal.storage._records import (
        ACCEPTED_SCHEMA,
        InputKind,
        RunInput,
        RunState,
        RunSummary,
        StoredRun,
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

_EXPORTS = {
    "api_key": "hos_avtal.storage._models",
    "audit_log": "hos_avtal.storage._models",
    "idempotency_key": "hos_avtal.storage._models",
    "prognos_snapshot": "hos_avtal.storage._models",
    "scenario_dataset": "hos_avtal.storage._models",
    "scenario_dataset_days": "hos_avtal.storage._models",
    "scenario_dataset_input": "hos_avtal.storage._models",
    "frame_bytes": "hos_avtal.storage._parquet",
    "frame_from_bytes": "hos_avtal.storage._parquet",
    "ACCEPTED_SCHEMA": "hos_avtal.storage._records",
    "InputKind": "hos_avtal.storage._records",
    "RunInput": "hos_avtal.storage._records",
    "RunState": "hos_avtal.storage._records",
    "RunSummary": "hos_avtal.storage._records",
    "StoredRun": "hos_avtal.storage._records",
    "DEFAULT_URL": "hos_avtal.storage._location",
    "ENV_URL": "hos_avtal.storage._location",
    "Actor": "hos_avtal.storage._registry",
    "Database": "hos_avtal.storage._database",
    "HEAD_REVISION": "hos_avtal.storage._database",
    "SchemaState": "hos_avtal.storage._database",
    "backup_sqlite": "hos_avtal.storage._database",
    "require_current_schema": "hos_avtal.storage._database",
    "schema_state": "hos_avtal.storage._database",
    "upgrade_schema": "hos_avtal.storage._database",
    "NewRun": "hos_avtal.storage._repository",
    "daily_amount_history": "hos_avtal.storage._registry",
    "delete_draft": "hos_avtal.storage._repository",
    "final_runs_before": "hos_avtal.storage._repository",
    "finalize": "hos_avtal.storage._repository",
    "find_run": "hos_avtal.storage._repository",
    "find_sealed": "hos_avtal.storage._repository",
    "last_final_run": "hos_avtal.storage._repository",
    "list_runs": "hos_avtal.storage._repository",
    "load_registry": "hos_avtal.storage._registry",
    "load_run": "hos_avtal.storage._repository",
    "load_run_inputs": "hos_avtal.storage._repository",
    "load_run_municipality": "hos_avtal.storage._repository",
    "load_summary": "hos_avtal.storage._repository",
    "missing_database_file": "hos_avtal.storage._location",
    "open_database": "hos_avtal.storage._database",
    "read_registry": "hos_avtal.storage._registry",
    "recurring_liability": "hos_avtal.storage._repository",
    "register_daily_amount": "hos_avtal.storage._registry",
    "register_ruleset": "hos_avtal.storage._registry",
    "register_tariff": "hos_avtal.storage._registry",
    "resolve_url": "hos_avtal.storage._location",
    "ruleset_content": "hos_avtal.storage._registry",
    "ruleset_history": "hos_avtal.storage._registry",
    "save_run": "hos_avtal.storage._repository",
    "schema_revision": "hos_avtal.storage._database",
    "setting": "hos_avtal.storage._repository",
    "tariff_history": "hos_avtal.storage._registry",
    "verify_run": "hos_avtal.storage._repository",
    "version_gaps": "hos_avtal.storage._repository",
}

__all__ = [
    "ACCEPTED_SCHEMA",
    "DEFAULT_URL",
    "ENV_URL",
    "HEAD_REVISION",
    "Actor",
    "Database",
    "InputKind",
    "NewRun",
    "RunInput",
    "RunState",
    "RunSummary",
    "SchemaState",
    "StoredRun",
    "api_key",
    "audit_log",
    "backup_sqlite",
    "daily_amount_history",
    "delete_draft",
    "final_runs_before",
    "finalize",
    "find_run",
    "find_sealed",
    "frame_bytes",
    "frame_from_bytes",
    "idempotency_key",
    "last_final_run",
    "list_runs",
    "load_registry",
    "load_run",
    "load_run_inputs",
    "load_run_municipality",
    "load_summary",
    "missing_database_file",
    "open_database",
    "prognos_snapshot",
    "read_registry",
    "recurring_liability",
    "register_daily_amount",
    "register_ruleset",
    "register_tariff",
    "require_current_schema",
    "resolve_url",
    "ruleset_content",
    "ruleset_history",
    "save_run",
    "scenario_dataset",
    "scenario_dataset_days",
    "scenario_dataset_input",
    "schema_revision",
    "schema_state",
    "setting",
    "tariff_history",
    "upgrade_schema",
    "verify_run",
    "version_gaps",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
