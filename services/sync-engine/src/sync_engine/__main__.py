"""``python -m sync_engine``: build settings, configure logging, serve the app with uvicorn."""

from __future__ import annotations

import uvicorn

from ledgerbridge_common.logging import configure_logging
from ledgerbridge_common.runtime import tune_gc
from ledgerbridge_common.tracing import configure_tracing
from sync_engine.bootstrap import create_app
from sync_engine.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level)
    app = create_app(settings)
    configure_tracing(settings.service_name, settings.tracing, app)
    tune_gc()
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
