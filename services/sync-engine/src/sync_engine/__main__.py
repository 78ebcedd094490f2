"""``python -m sync_engine``: serve the sync engine."""

from ledgerbridge_common.service.main import serve
from sync_engine.bootstrap import create_app
from sync_engine.settings import Settings

if __name__ == "__main__":
    serve(Settings, create_app)
