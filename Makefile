# Two set-up commands (see README): `make tour` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.saddle-installed

.PHONY: tour test lint test-slow coverage bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	# torchattacks is an independent reference for the attack tests; its own pins would pull another torch.
	$(PY) -m pip install --quiet --no-deps "torchattacks==3.5.1"
	touch $(STAMP)

# The default tour: every experiment at its default size (every claim checked), two at once on one thread each.
tour: $(STAMP)
	$(VENV)/bin/saddle run --jobs 2 --out results

# The gates first (seconds): lint, one format, types of the whole library; then the default test suite.
LINTED := src tests benchmarks docs/hooks.py
lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -n 2 -m "not slow" -q

test-slow: $(STAMP)
	$(PY) -m pytest -n 2 -m slow -q

# Line coverage of src/saddle by the default suite (fails under the pyproject's fail_under); report in the terminal
# and in coverage-html/. PYTHONPATH=src measures this checkout's sources whichever editable install the venv holds.
coverage: $(STAMP)
	PYTHONPATH=src $(PY) -m pytest -n 2 -m "not slow" -q --cov=saddle --cov-report=term-missing --cov-report=html

bench: $(STAMP)
	for f in benchmarks/*.py; do $(PY) $$f || exit 1; done

# The documentation site (mkdocs-material + mkdocstrings), built offline into site/; fails on any warning.
docs: $(STAMP)
	$(PY) -m pip install --quiet -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) results site coverage-html .coverage .coverage.* .mypy_cache .ruff_cache
