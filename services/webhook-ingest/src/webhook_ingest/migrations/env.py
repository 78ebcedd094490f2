from ledgerbridge_common.db.migrate import run_alembic_env
from webhook_ingest.adapters.orm import metadata

run_alembic_env(metadata)
