"""The one ``__main__`` of every service: settings, logging, the app, then uvicorn."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from ledgerbridge_common.logging import configure_logging
from ledgerbridge_common.runtime import tune_gc
from ledgerbridge_common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(settings_class: type[S], create_app: Callable[[S], FastAPI]) -> None:
    """Serve until SIGTERM; uvicorn then runs the lifespan's shutdown, where the consumers stop
    fetching, finish their records in flight (bounded) and commit before the process exits."""
    run_app(settings_class(), create_app)


def run_app(settings: S, create_app: Callable[[S], FastAPI]) -> None:
    configure_logging(settings.service_name, settings.log_level)
    app = create_app(settings)
    tune_gc()
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False)
