from ledgerbridge_common.db.migrate import run_alembic_env
from sync_engine.adapters.orm import metadata

run_alembic_env(metadata)
