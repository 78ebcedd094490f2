# LedgerBridge — every set-up step lives here. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo $$HOME/.local/bin/uv)
PYTEST := $(UV) run pytest
export LB_REQUIRE_STACK ?= 1

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## install uv (if missing) and every Python dependency
	@command -v uv >/dev/null 2>&1 || [ -x "$$HOME/.local/bin/uv" ] || python3 -m pip install --quiet --user uv
	@$(UV) sync --quiet

up: install ## start Kafka (KRaft) and PostgreSQL as local processes; migrate
	@bash deploy/local/stack.sh up
	@$(UV) run python -m ledgerbridge_ops.migrate

down: ## stop the local services, sandboxes, Kafka and PostgreSQL
	@bash deploy/local/services.sh stop 2>/dev/null || true
	@bash deploy/local/stack.sh down

status: ## show what is running
	@bash deploy/local/stack.sh status
	@bash deploy/local/services.sh status 2>/dev/null || true

fmt: install ## format the code
	@$(UV) run ruff format .
	@$(UV) run ruff check --fix .

lint: install ## ruff (lint + format check) and mypy
	@$(UV) run ruff check .
	@$(UV) run ruff format --check .
	@$(UV) run mypy libs/common/src services/*/src sandbox/*/src ops/src

test-unit: install ## unit tests (no Kafka, no PostgreSQL)
	@$(PYTEST) tests/unit -q

test-int: install ## integration tests (real Kafka and PostgreSQL; starts them if needed)
	@bash deploy/local/with-stack.sh $(PYTEST) tests/integration -q

test-e2e: install ## end-to-end tests (all services, both sandboxes, real Kafka and PostgreSQL)
	@bash deploy/local/with-stack.sh $(PYTEST) tests/e2e -q

COVERAGE := --cov=ledgerbridge_common --cov=webhook_ingest --cov=sync_engine --cov=posting_service --cov=prefs_api \
	--cov-report=term:skip-covered

TEST_WORKERS ?= 3
test: install lint ## lint, type checks and all three test tiers (contract suites included) on TEST_WORKERS workers, then coverage
	@bash deploy/local/chromium.sh install
	@bash deploy/local/with-stack.sh $(PYTEST) tests -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile \
		--durations=25 $(COVERAGE)

LEDGER ?= qbo
demo: install ## start everything, run the AP scenario against LEDGER=qbo|intacct|netsuite, print where to look
	@bash deploy/local/stack.sh up
	@$(UV) run python -m ledgerbridge_ops.migrate
	@bash deploy/local/services.sh start
	@$(UV) run python -m ledgerbridge_ops.demo --ledger $(LEDGER)

bench: install ## run the benchmarks and print one table
	@bash deploy/local/with-stack.sh $(UV) run python -m bench.run_all

faults: install ## run the fault runs and print the table of runs and violations
	@bash deploy/local/with-stack.sh $(UV) run python -m bench.faults

.PHONY: help install up down status fmt lint test-unit test-int test-e2e test demo bench faults
