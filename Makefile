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
	$(VENV)/bin/mypy --strict firsthand/log firsthand/statements firsthand/monitor firsthand/ops \
		firsthand/publishing

# The whole suite on SQLite, then everything that touches the site's database or a server
# again on a throw-away PostgreSQL cluster (tests/conftest.py, FIRSTHAND_TEST_BACKEND).
# What touches no database runs once: the parser fuzzers, the statement format and its CLI,
# the browser's own crypto (JavaScript twins, vectors, recovery words), the browser flows
# that only sign in the page (rotation, recovery, feeds as a reader renders them), the proxy
# in front of the site, the checks on the source and the docs, and the crawls of every page
# for overflow and untranslated text (what they read is the same on either database).
ONCE_ONLY := tests/test_fuzz_%.py tests/test_architecture.py tests/test_deploy_docs.py
NO_DATABASE := $(addprefix --ignore=,tests/web/test_browser_crypto.py \
	tests/web/test_browser_vectors.py tests/web/test_browser_cosignatures.py \
	tests/web/test_recovery_words.py tests/e2e/test_rotation.py tests/e2e/test_recovery.py \
	tests/e2e/test_feeds.py tests/e2e/test_https_proxy.py \
	tests/e2e/test_layout_and_print.py tests/e2e/test_persian_text.py \
	tests/web/test_catalogue.py tests/web/test_check_messages.py tests/web/test_vendor_libheif.py)
pytest:
	$(PY) -m pytest -q
	FIRSTHAND_TEST_BACKEND=postgresql $(PY) -m pytest -q $(NO_DATABASE) \
		tests/web tests/e2e tests/interop \
		$(filter-out $(ONCE_ONLY),$(wildcard tests/test_*.py))

test: install-test lint typecheck pytest

bench: install-test
	$(PY) bench/log.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
