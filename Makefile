# steward.maintenance: `make demo` and `make test` set up everything they need on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
BUILD := $(CURDIR)/.build
COLLECTIONS := $(BUILD)/collections
LINK := $(COLLECTIONS)/ansible_collections/steward/maintenance
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_PYTHON_INTERPRETER := $(BIN)/python
export ANSIBLE_LOCAL_TEMP := $(BUILD)/ansible-tmp
export ANSIBLE_HOME := $(BUILD)/ansible-home
export PATH := $(BIN):$(PATH)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help venv collection postgres chromium faketime demo test lint ruff ansible-lint sanity unit integration molecule bench bench-detail docs clean

help:
	@echo "make demo   set up, start a moto server on 127.0.0.1, seed a fleet, run the daily (twice), weekly and monthly plays"
	@echo "make test   set up and run every check: ruff, ansible-lint, ansible-test sanity, unit, integration, molecule"
	@echo "            (installs Debian's postgresql when missing; tests run their own cluster on 127.0.0.1)"
	@echo "make bench  six scenarios (backup, prune, restore tests, the daily cadence, rollback, rotation): steward vs an"
	@echo "            8-thread boto3 floor and the amazon.aws loop playbook; wall time, API calls, peak memory, ratios"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Ansible finds the collection only under .../ansible_collections/steward/maintenance: link the checkout there.
collection: venv
	mkdir -p $(dir $(LINK)) $(ANSIBLE_LOCAL_TEMP) $(ANSIBLE_HOME)
	ln -sfn $(CURDIR) $(LINK)

# PostgreSQL for the tests and the demo: Debian's server and client programs, installed when missing. Each run
# starts its own throwaway cluster on 127.0.0.1 (demo/pg_server.py) and stops it afterwards.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v pg_dump >/dev/null; then \
		echo "installing Debian's postgresql and postgresql-client"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql postgresql-client >/dev/null; \
	fi

# Headless Chromium for the report's rendering test: Debian's package, installed when missing.
chromium:
	@if ! command -v chromium >/dev/null; then \
		echo "installing Debian's chromium"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

# libfaketime for the killed-run tests (the next run's clock moved past the scratch expiry): Debian's package.
faketime:
	@if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then \
		echo "installing Debian's libfaketime"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libfaketime >/dev/null; \
	fi

demo: collection postgres
	$(BIN)/python demo/run_demo.py

test: lint sanity unit integration molecule

lint: ruff ansible-lint

ruff: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ansible-lint: collection
	cd $(CURDIR) && $(BIN)/ansible-lint --offline -q

sanity: collection
	$(BIN)/python tests/sanity/run_sanity.py

unit: collection postgres
	$(BIN)/python -m pytest -q tests/unit

integration: collection postgres chromium faketime
	$(BIN)/python -m pytest -q tests/integration

# Each role's molecule scenario (roles/<role>/molecule/default, driver default: no container engine) against moto.
molecule: collection
	$(BIN)/python tests/molecule/run_molecule.py

# Six scenarios side by side (the boto3 floor, steward, the amazon.aws loop where one exists): docs/performance.md.
bench: collection
	$(BIN)/python bench/bench_all.py --json $(BUILD)/bench.json

# The deeper looks: marginal cost with medians of three (backup, retention), the ledger, each cadence's calls.
bench-detail: collection
	$(BIN)/python bench/bench_backup.py
	$(BIN)/python bench/bench_retention.py
	$(BIN)/python bench/bench_ledger.py
	$(BIN)/python bench/cadence_costs.py

# Each family's doc fragment and the preflight role's entry points are rendered from the registries first, each cadence's
# IAM policy (docs/iam/) from its roles' policies, then every module's docs.
docs: collection
	$(BIN)/python tools/render_doc_fragments.py
	$(BIN)/python tools/render_preflight_specs.py
	$(BIN)/python tools/render_iam_policies.py
	for module in backup backup_info backup_retention restore_test checkpoint rollback secret_rotation access_key_rotation log_retention health_check ledger_info; do \
		$(BIN)/ansible-doc steward.maintenance.$$module || exit 1; \
	done
	$(BIN)/ansible-doc -t callback steward.maintenance.report

clean:
	rm -rf $(BUILD) .pytest_cache .ruff_cache
