# hop's verbs. Every target installs what it needs; CI calls the same targets.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(if $(shell command -v uv 2>/dev/null),uv,$(TOOLS)/bin/uv)
RUN := $(UV) run --frozen
COVERAGE_FLOOR ?= 88

.PHONY: help install test lint fmt charts dashboards images bench bench-instrumentation bench-links bench-redirect bench-redirect-miss bench-analytics bench-console bench-images clean

help: ## List the verbs
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-24s %s\n", $$1, $$2}'

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(if $(filter uv,$(UV)),,$(TOOLS)/bin/uv) ## Install hop and its development tools into .venv
	$(UV) sync --frozen --all-packages --all-extras --compile-bytecode

.PHONY: test-tools test-quick

test-tools: ## Install the programs the tests run (Debian packages, the pinned helm) and start dockerd
	tools/install-test-tools

# pytest-xdist: TEST_WORKERS processes (CI's machine has 2 cores; most of the suite waits on
# processes, outages and scrapes). loadgroup keeps the tests of one shared fixture (a stack,
# Prometheus, the charts' renders, the images) on one worker (the root conftest.py groups
# them); pytest-cov combines the workers' branch coverage into .coverage.
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadgroup
test: install test-tools ## Run every test (unit, PostgreSQL, Redis, processes) with branch coverage, on 2 workers
	$(RUN) pytest $(XDIST) --cov --cov-report= $(PYTEST_ARGS)
	$(RUN) coverage report --fail-under=$(COVERAGE_FLOOR)

# The inner loop: the services' unit tests and the contract tests, in process (PostgreSQL and
# Redis included); no service processes, e2e stacks, charts, images or Prometheus.
QUICK_TESTS := services tests/contracts tests/test_import_graph.py tests/test_security_doc.py
test-quick: install ## The inner loop: unit and contract tests, no real processes (about 2 minutes)
	$(RUN) pytest -q $(XDIST) -m "not process" $(QUICK_TESTS) $(PYTEST_ARGS)

lint: install ## Check formatting, lint rules and types
	$(RUN) ruff format --check .
	$(RUN) ruff check .
	$(RUN) mypy services/*/src observability

fmt: install ## Format and autofix
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench-instrumentation: install ## Throughput cost of hop_instrumentation vs plain FastAPI and the popular options
	$(RUN) python bench/instrumentation.py

bench-links: install ## links on PostgreSQL: resolve and create req/s, 1,000-item batch latency
	$(RUN) python bench/links.py

BENCH_REDIRECT_ARGS ?=
bench-redirect: install ## redirect (make run's stack, production settings) vs Express 5; fails if a click is lost (BENCH_REDIRECT_ARGS="--duration 60 --outage 30")
	$(RUN) python bench/redirect.py $(BENCH_REDIRECT_ARGS)

bench-redirect-miss: install ## redirect's cache-miss path (links on PostgreSQL) vs Express 5 + node-postgres
	$(RUN) python bench/redirect_miss.py

bench-analytics: install ## analytics: HTTP and stream intake into SQLite and PostgreSQL (CPU per click), stats p99
	$(RUN) python bench/analytics.py

bench-console: install ## console: sign-in and page loads, links keeping the sessions (BENCH_BASELINE=<ref>: before/after in one run)
	$(RUN) python bench/console.py

bench-images: images ## Image sizes and container start to /readyz under the chart's security context
	$(RUN) python bench/images.py

bench: bench-instrumentation bench-links bench-redirect bench-redirect-miss bench-analytics bench-console bench-images ## Every benchmark

charts: install ## Lint and render the Helm charts with the pinned helm, validate and policy-check them
	tools/install-helm
	$(RUN) pytest -q tests/charts

.PHONY: generate service

generate: install ## Write every file the registry (services/*/pyproject.toml [tool.hop]) decides: charts, skaffold.yaml, lists
	PYTHONPATH=tools/local:tools $(RUN) python -m hop_generate

NAME ?=
service: install ## Create a new service on the skeleton, with its chart, dashboard and docs stubs (NAME=qr)
	PYTHONPATH=tools/local:tools $(RUN) python -m hop_generate.service $(NAME)
	$(UV) lock
	$(MAKE) install generate dashboards

dashboards: install ## Generate the dashboards' JSON and the Prometheus rules into charts/hop/files
	PYTHONPATH=observability $(RUN) python -m hop_observability.generate

images: ## Build the service images from the root Dockerfile (SERVICE build arg) with a local Docker engine
	tools/build-images

.PHONY: cluster cluster-down

cluster: ## The dev cluster on Docker: kind, Traefik (Ingress + Gateway API), PostgreSQL, Redis; then `skaffold dev`
	k8s/cluster up

cluster-down: ## Delete the dev cluster
	k8s/cluster down

.PHONY: run load
DB ?= sqlite
LOAD_HOST ?= http://127.0.0.1:8080
LOAD_USERS ?= 50
LOAD_TIME ?= 30s

run: install ## hop on this machine: every service + Traefik edge on http://127.0.0.1:8080 (DB=postgres REDIS=1, OTEL_EXPORTER_OTLP_ENDPOINT=...)
	PYTHONPATH=tools/local $(RUN) python -m hop_local run --db $(DB) $(if $(filter-out 0,$(REDIS)),--redis)

load: install ## Locust, headless, against the edge of `make run` (LOAD_HOST, LOAD_USERS, LOAD_TIME; key from HOP_API_KEY or .hop/)
	$(RUN) locust -f load/locustfile.py --headless --only-summary --host $(LOAD_HOST) \
		--users $(LOAD_USERS) --spawn-rate $(LOAD_USERS) --run-time $(LOAD_TIME) --stop-timeout 5

clean: ## Remove local environments and caches
	rm -rf .venv $(TOOLS) .mypy_cache .ruff_cache .pytest_cache .coverage
