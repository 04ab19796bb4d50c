# Each target sets up .venv itself on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
CUSTOMER_PORT ?= 8550
TECHNICIAN_PORT ?= 8551

.PHONY: demo test test-fast bench lint clean client-models

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/doorstep migrate
	$(VENV)/bin/doorstep seed-demo
	$(VENV)/bin/doorstep apps --port $(PORT) --customer-port $(CUSTOMER_PORT) --technician-port $(TECHNICIAN_PORT)

# Three runs: the bulk in parallel; real-server scale tests and browser tests serially
# (Playwright's sync API keeps an event loop that must not share a worker with async tests);
# the last two collect only their own folders, where all their tests are.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider -m "not e2e and not scale"
	$(PY) -m pytest -q -p no:cacheprovider -m scale tests/scale
	$(PY) -m pytest -q -p no:cacheprovider -m e2e tests/e2e

test-fast: $(STAMP)
	$(PY) -m pytest -q -x -m "not e2e and not scale" -p no:cacheprovider

# Every benchmark; each writes bench/out/*.json (the load benches want PostgreSQL + Redis too).
bench: $(STAMP)
	$(PY) bench/dispatch_bench.py
	$(PY) bench/dispatch_round_bench.py
	$(PY) bench/solomon_bench.py
	$(PY) bench/push_bench.py
	$(PY) bench/quote_cost_bench.py
	$(PY) bench/dispatch_scale.py
	$(PY) bench/dispatch_wake_bench.py
	$(PY) bench/replay_bench.py
	$(PY) bench/load.py
	$(PY) bench/workflow_load.py --seconds 60
	$(VENV)/bin/doorstep-simulate

# Style, format, the import contracts (pyproject.toml [tool.importlinter]) and types
# (mypy with the pydantic plugin on server/, client/ and both apps, pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(VENV)/bin/ruff check server client technician_app customer_app simulation tests bench
	$(VENV)/bin/ruff format --check server client technician_app customer_app simulation tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# The client's reply models (client/models/) from the server's OpenAPI; the contract test
# (tests/unit/test_client_contract.py) fails until this is run after a server schema change.
client-models: $(STAMP)
	$(PY) scripts/client_models.py

clean:
	rm -rf $(VENV) data .pytest_cache
