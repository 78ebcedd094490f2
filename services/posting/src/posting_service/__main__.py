"""``python -m posting_service``: serve posting."""

from ledgerbridge_common.service.main import serve
from posting_service.bootstrap import create_app
from posting_service.settings import Settings

if __name__ == "__main__":
    serve(Settings, create_app)
