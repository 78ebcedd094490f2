"""``python -m webhook_ingest``: serve webhook-ingest."""

from ledgerbridge_common.service.main import serve
from webhook_ingest.bootstrap import create_app
from webhook_ingest.settings import Settings

if __name__ == "__main__":
    serve(Settings, create_app)
