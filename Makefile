# The two commands of the README. Both set themselves up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_DEV := $(VENV)/.installed-dev
STAMP_NB := $(VENV)/.installed-notebooks
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.PHONY: lab test unit notebooks browser bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_NB): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[notebooks]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(STAMP_NB)

## make lab: open the course in JupyterLab
lab: $(STAMP_NB)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

## make test: every test (unit, doctests, corpus, notebooks under nbval)
test: $(STAMP_DEV)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q --nbval --nbval-sanitize-with tests/notebooks/sanitize.cfg tests k8slab $(NOTEBOOKS)

unit: $(STAMP_DEV)
	$(BIN)/python -m pytest -q tests k8slab

notebooks: $(STAMP_DEV)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q --nbval --nbval-sanitize-with tests/notebooks/sanitize.cfg $(NOTEBOOKS)

## make browser: open a chapter in headless Chromium and run it (needs Debian's chromium)
browser: $(STAMP_DEV)
	$(BIN)/python tests/browser/check_chapter.py

bench: $(STAMP_DEV)
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV)
