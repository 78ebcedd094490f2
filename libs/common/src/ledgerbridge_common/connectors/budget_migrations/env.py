from ledgerbridge_common.connectors.budget_tables import metadata
from ledgerbridge_common.db.migrate import run_alembic_env

run_alembic_env(metadata)
