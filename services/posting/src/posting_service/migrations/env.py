from ledgerbridge_common.db.migrate import run_alembic_env
from posting_service.adapters.orm import metadata

run_alembic_env(metadata)
