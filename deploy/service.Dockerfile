# One image recipe for the four LedgerBridge services. Build from the repository root (the uv
# workspace), naming the service's package, module and port:
#   docker build -f deploy/service.Dockerfile --build-arg PACKAGE=posting-service \
#     --build-arg MODULE=posting_service --build-arg PORT=18030 -t ledgerbridge/posting:dev .
# deploy/compose.yml passes the same three arguments for each service.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG PACKAGE
RUN test -n "$PACKAGE" && pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Every workspace member's pyproject is needed to resolve the lock; only this service is installed.
COPY pyproject.toml uv.lock ./
COPY libs ./libs
COPY services ./services
COPY sandbox ./sandbox
COPY ops ./ops
RUN uv sync --frozen --no-dev --no-editable --package "$PACKAGE"

FROM ${PYTHON_IMAGE}
ARG MODULE
ARG PORT
RUN test -n "$MODULE" && test -n "$PORT" && useradd --system --uid 10001 --no-create-home ledgerbridge
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 LB_HTTP_HOST=0.0.0.0 LB_HTTP_PORT=${PORT} LB_MODULE=${MODULE}
USER 10001
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"LB_HTTP_PORT\"]}/healthz', timeout=2)"]
# exec: the service is PID 1 and gets SIGTERM itself (graceful shutdown, see libs/common/README.md)
CMD ["sh", "-c", "exec python -m \"$LB_MODULE\""]
