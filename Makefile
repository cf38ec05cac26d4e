# The two commands of README.md. Everything else here serves them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= data

.PHONY: run test install install-test lint typecheck pytest bench clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/activate
	scripts/run-deps.sh
	$(PY) -m pip install --quiet -e .

install-test: $(VENV)/bin/activate
	scripts/run-deps.sh
	scripts/system-deps.sh
	$(PY) -m pip install --quiet -e '.[test,bench]'

run: install
	$(VENV)/bin/firsthand migrate --data $(DATA)
	$(VENV)/bin/firsthand demo --data $(DATA)
	$(VENV)/bin/firsthand serve --data $(DATA) --host 127.0.0.1 --port 8000

lint:
	$(VENV)/bin/ruff check firsthand tests bench

typecheck:
	$(VENV)/bin/mypy --strict firsthand/log firsthand/statements firsthand/monitor

# The whole suite on SQLite, then everything that touches the site's database or a server
# again on a throw-away PostgreSQL cluster (tests/conftest.py, FIRSTHAND_TEST_BACKEND).
# The parser fuzzers touch neither, so they run once.
pytest:
	$(PY) -m pytest -q
	FIRSTHAND_TEST_BACKEND=postgresql $(PY) -m pytest -q \
		tests/web tests/e2e tests/statements tests/interop \
		$(filter-out tests/test_fuzz_%.py,$(wildcard tests/test_*.py))

test: install-test lint typecheck pytest

bench: install-test
	$(PY) bench/log.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
