from ledgerbridge_common.db.migrate import run_alembic_env
from prefs_api.adapters.orm import metadata

run_alembic_env(metadata)
